from __future__ import annotations

import csv
import datetime as dt
import io
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from openisms.assets import services as asset_services
from openisms.catalog.models import RequirementNode
from openisms.core.models import AuditEvent
from openisms.core.spreadsheets import ImportFailed
from openisms.risks import exports, services
from openisms.risks.importer import risk_import
from openisms.risks.management.commands.risks import Command
from openisms.risks.models import Risk
from openisms.risks.selectors import RiskFilter

HEADER = (
    "ref,title,description,owner,assets,threat,likelihood,impact,inherent_likelihood,"
    "inherent_impact,target_likelihood,target_impact,treatment,status,existing_controls\n"
)
GOOD = HEADER + (
    "R-010,Ransomware on the file server,Encrypts shares,carl@acme.test,A-001;Mail server,"
    "TH-26,Likely,Severe,4,4,1,Major,modify,Treatment planned,Nightly backups\n"
    "R-011,Phishing,,,A-002,Phishing and social engineering,2,2,,,,,Retain,analysed,\n"
    ",Supplier insolvency,,,,,,,,,,,,,\n"
)


@pytest.fixture
def method(org, owner):
    return services.methodology_from_preset(organization=org, actor=owner, preset="4x4")


@pytest.fixture
def carl(org, member):
    return member(org, "contributor", email="carl@acme.test")


@pytest.fixture
def assets(org, owner):
    return [
        asset_services.asset_create(organization=org, actor=owner, name="CRM", type="software"),
        asset_services.asset_create(
            organization=org, actor=owner, name="Mail server", type="hardware"
        ),
    ]


def load(org, actor, text, *, name="risks.csv", dry_run=False):
    return risk_import(
        organization=org,
        actor=actor,
        source=text.encode() if isinstance(text, str) else text,
        filename=name,
        dry_run=dry_run,
    )


def problems(exc_info):
    return {(p.row, p.column) for p in exc_info.value.problems}


class TestImport:
    def test_every_column_is_read(self, org, owner, carl, assets, method):
        result = load(org, owner, GOOD)
        assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
        r = Risk.objects.get(organization=org, ref="R-010")
        assert (r.title, r.description, r.owner, r.threat.ref) == (
            "Ransomware on the file server",
            "Encrypts shares",
            carl,
            "TH-26",
        )
        assert sorted(a.name for a in r.assets.all()) == ["CRM", "Mail server"]
        assert (r.current_likelihood, r.current_consequence, r.current_level) == (3, 4, "critical")
        assert (r.inherent_level, r.target_level) == ("critical", "medium")
        assert (r.target_likelihood, r.target_consequence) == (1, 3)
        assert r.methodology_version_id == method.pk
        assert (r.treatment_option, r.status, r.existing_controls) == (
            "modify",
            "treatment_planned",
            "Nightly backups",
        )
        phishing = Risk.objects.get(organization=org, ref="R-011")
        assert phishing.threat.ref == "TH-20" and phishing.current_level == "medium"
        assert (phishing.treatment_option, phishing.status) == ("retain", "analysed")
        assert phishing.owner == owner  # the importer owns what has no owner
        third = Risk.objects.get(organization=org, title="Supplier insolvency")
        assert third.ref == "R-012" and third.status == "identified"
        assert AuditEvent.objects.filter(action="risk.import_status").count() == 2

    def test_second_import_creates_nothing(self, org, owner, carl, assets, method):
        load(org, owner, GOOD)
        events = AuditEvent.objects.count()
        result = load(org, owner, GOOD)
        assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
        assert Risk.objects.filter(organization=org).count() == 3
        assert AuditEvent.objects.count() == events

    def test_changes_go_through_the_services(self, org, owner, carl, assets, method):
        load(org, owner, GOOD)
        changed = GOOD.replace("Likely,Severe", "Possible,Minor").replace("A-002,", "A-001,")
        result = load(org, owner, changed)
        assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
        r = Risk.objects.get(organization=org, ref="R-010")
        assert (r.current_likelihood, r.current_consequence, r.current_level) == (2, 1, "low")
        assert r.inherent_level == "critical"  # untouched
        assert [a.ref for a in Risk.objects.get(ref="R-011").assets.all()] == ["A-001"]
        assert AuditEvent.objects.filter(action="risk.assess").count() == 3

    def test_semicolon_csv_with_bom(self, org, owner, method):
        text = "\ufeffTitle;Likelihood;Impact;Treatment\nFlood;Unlikely;minor;transfer\n"
        assert load(org, owner, text).created == 1
        r = Risk.objects.get(organization=org)
        assert (r.current_level, r.treatment_option) == ("low", "share")

    def test_xlsx(self, org, owner, method, tmp_path):
        wb = Workbook()
        ws = wb.active
        ws.append(["Title", "Current likelihood", "Current consequence", "Status"])
        ws.append(["Fire", 2, 3.0, "Analysed"])
        path = tmp_path / "risks.xlsx"
        wb.save(path)
        result = risk_import(organization=org, actor=owner, source=path, filename=path.name)
        assert result.created == 1
        r = Risk.objects.get(organization=org)
        assert (r.current_likelihood, r.current_consequence, r.status) == (2, 3, "analysed")

    def test_unknown_column_and_accepted_without_acceptance_warn(self, org, owner, method):
        result = load(org, owner, "title,colour,status\nFlood,blue,accepted\n")
        assert result.warnings[0] == "Unknown column “colour” ignored."
        assert "has no valid acceptance recorded" in result.warnings[1]

    def test_dry_run_writes_nothing(self, org, owner, carl, assets, method):
        events = AuditEvent.objects.count()
        result = load(org, owner, GOOD, dry_run=True)
        assert result.created == 3
        assert not Risk.objects.filter(organization=org).exists()
        assert AuditEvent.objects.count() == events


class TestBadFiles:
    def test_every_problem_is_reported_and_nothing_written(self, org, owner, assets, method):
        text = HEADER + (
            "R-1,One,,nobody@acme.test,,,,,,,,,,,\n"  # unknown owner
            "R-2,Two,,,A-404,,,,,,,,,,\n"  # unknown asset ref
            "R-3,Three,,,,,Likely,,,,,,,,\n"  # likelihood without impact
            "R-4,Four,,,,,Likely,Catastrophic,,,,,,,\n"  # impact label not on scale
            "R-1,Five,,,,,,,,,,,,,\n"  # duplicate ref
            "R-6,Six,,,,,,,,,,,,maybe,\n"  # unknown status
            "R-7,Seven,,,,TH-99,,,9,1,,,ignore,,\n"  # threat, inherent, treatment
            "R-8,,,,,,,,,,,,,,\n"  # no title
        )
        events = AuditEvent.objects.count()
        with pytest.raises(ImportFailed) as exc:
            load(org, owner, text)
        assert problems(exc) == {
            (2, "owner"),
            (3, "assets"),
            (4, "impact"),
            (5, "impact"),
            (6, "ref"),
            (7, "status"),
            (8, "threat"),
            (8, "inherent_likelihood"),
            (8, "treatment"),
            (9, "title"),
        }
        messages = "\n".join(exc.value.messages)
        for expected in (
            "row 2, column owner: No member of this organisation has the e-mail “nobody@acme.test”.",
            "row 3, column assets: Unknown asset “A-404” (give its ref or name).",
            "row 4, column impact: Give the impact too (current has a likelihood only).",
            "row 5, column impact: “Catastrophic” is not on the consequence scale "
            "(Minor, Moderate, Major, Severe).",
            "row 6, column ref: Ref R-1 is already on row 2.",
            "row 7, column status: Unknown status “maybe”",
        ):
            assert expected in messages
        assert not Risk.objects.filter(organization=org).exists()
        assert AuditEvent.objects.count() == events

    def test_assessment_needs_a_methodology(self, org, owner):
        with pytest.raises(ImportFailed) as exc:
            load(org, owner, "title,likelihood,impact\nX,1,1\n")
        assert "Define the risk methodology" in exc.value.messages[0]

    def test_contributors(self, org, owner, carl, method):
        with pytest.raises(PermissionDenied):
            load(org, carl.__class__.objects.create(email="x@y.z"), "title\nX\n")
        with pytest.raises(ImportFailed) as exc:
            load(org, carl, "title,owner,status\nFor the boss,owner@acme.test,\nMine,,analysed\n")
        assert problems(exc) == {(2, "owner"), (3, "status")}
        result = load(org, carl, "title,likelihood,impact\nMine,1,1\n")
        assert result.created == 1 and Risk.objects.get(organization=org).owner == carl


def _workbook(org, **kwargs):
    return load_workbook(io.BytesIO(exports.risk_register_workbook(organization=org, **kwargs)))


class TestExport:
    @pytest.fixture
    def register(self, org, owner, carl, assets, method):
        load(org, owner, GOOD)
        evil = services.risk_create(
            organization=org, actor=owner, title='=HYPERLINK("http://x","click")', ref="R-020"
        )
        a813 = RequirementNode.objects.get(
            framework__urn="urn:openisms:framework:iso27001-2022", ref_id="A.8.13"
        )
        risk = Risk.objects.get(ref="R-010")
        services.risk_set_treatment(
            risk=risk, actor=owner, version=risk.version, option="modify", requirements=[a813]
        )
        today = timezone.localdate()
        services.action_create(
            risk=risk, actor=owner, title="later", due_date=today + dt.timedelta(days=5)
        )
        services.action_create(
            risk=evil, actor=owner, title="@overdue", due_date=today - dt.timedelta(days=5)
        )
        low = Risk.objects.get(ref="R-011")
        services.risk_accept(risk=low, actor=owner, justification="Small and well monitored.")

    def test_workbook_has_four_sheets_and_neutralises_formulas(self, org, register):
        wb = _workbook(org)
        assert wb.sheetnames == ["Risk register", "Treatment plan", "Methodology", "About"]
        rows = list(wb["Risk register"].iter_rows(values_only=True))
        header = rows[0]
        assert header[:6] == ("Ref", "Title", "Description", "Owner", "Status", "Assets")
        by_ref = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
        assert set(by_ref) == {"R-010", "R-011", "R-012", "R-020"}
        r10 = by_ref["R-010"]
        assert r10["Owner"] == "carl@acme.test" and r10["Assets"] == "A-001; A-002"
        assert (r10["Current likelihood"], r10["Current consequence"]) == ("Likely", "Severe")
        assert (r10["Inherent level"], r10["Current level"], r10["Target level"]) == (
            "Critical",
            "Critical",
            "Medium",
        )
        assert r10["Status"] == "Treatment planned"
        assert r10["Selected requirements (Annex A)"].startswith("A.8.13 ")
        assert isinstance(r10["Next review"], dt.datetime)
        assert by_ref["R-011"]["Accepted until"] is not None
        assert by_ref["R-020"]["Title"] == '\'=HYPERLINK("http://x","click")'
        plan = list(wb["Treatment plan"].iter_rows(values_only=True))
        assert [p[2] for p in plan[1:]] == ["'@overdue", "later"]  # overdue first
        assert plan[1][6] == "yes"
        method_rows = [
            tuple(v for v in r if v is not None)
            for r in wb["Methodology"].iter_rows(values_only=True)
        ]
        assert method_rows[1] == ("Version", 1)
        assert ("Very likely", "Medium", "High", "Critical", "Critical") in method_rows
        assert ("Acceptance threshold", "Medium") in method_rows
        about = {r[0]: r[1] for r in wb["About"].iter_rows(values_only=True)}
        assert about["Organisation"] == "Acme Ltd (acme)"
        assert about["Methodology version"] == 1 and about["Risks exported"] == 4
        assert about["Filters"] == "none (all risks)"
        assert about["OpenISMS version"]

    def test_filters_are_applied_and_named(self, org, register):
        wb = _workbook(org, filters=RiskFilter(level="critical", sort="-level"))
        assert [r[0] for r in wb["Risk register"].iter_rows(min_row=2, values_only=True)] == [
            "R-010"
        ]
        about = {r[0]: r[1] for r in wb["About"].iter_rows(values_only=True)}
        assert about["Filters"] == "level=critical, sort=-level" and about["Risks exported"] == 1

    def test_csv_register(self, org, register):
        rows = list(csv.reader(io.StringIO(exports.risk_register_csv(organization=org))))
        assert rows[0][0] == "Ref" and len(rows) == 5
        evil = next(r for r in rows if r[0] == "R-020")
        assert evil[1].startswith("'=")

    def test_exported_register_imports_back_unchanged(self, org, owner, register):
        text = exports.risk_register_csv(organization=org)
        result = load(org, owner, text)
        assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
        assert any("Current level" in w for w in result.warnings)

    def test_query_count_does_not_grow_with_rows(self, org, owner, assets, method):
        def count(n):
            for i in range(n - Risk.objects.filter(organization=org).count()):
                r = services.risk_create(
                    organization=org, actor=owner, title=f"R{i}", assets=assets
                )
                services.risk_assess(risk=r, actor=owner, version=r.version, current=(2, 2))
            with CaptureQueriesContext(connection) as ctx:
                rows = list(exports.register_rows(organization=org))
            assert len(rows) == n
            return len(ctx.captured_queries)

        assert count(3) == count(30)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


class TestCommand:
    def test_import_and_export(self, org, owner, carl, assets, method, tmp_path):
        path = tmp_path / "risks.csv"
        path.write_text(GOOD, encoding="utf-8")
        out, _ = run("risks", "import", "--org", "acme", str(path), "--as", "owner@acme.test")
        assert out.strip() == "Risks in acme: 3 created, 0 updated, 0 unchanged."
        target = tmp_path / "register.xlsx"
        out, _ = run("risks", "export", "--org", "acme", "--format", "xlsx", "-o", str(target))
        assert "Wrote" in out
        assert load_workbook(target).sheetnames[0] == "Risk register"
        out, _ = run("risks", "export", "--org", "acme", "--format", "csv", "-o", "-",
                     "--status", "analysed")  # fmt: skip
        assert [r[0] for r in csv.reader(io.StringIO(out))] == ["Ref", "R-011"]
        exported = tmp_path / "register.csv"
        run("risks", "export", "--org", "acme", "--format", "csv", "-o", str(exported))
        assert exported.read_bytes().startswith(b"\xef\xbb\xbfRef,Title,")
        out, err = run("risks", "import", "--org", "acme", str(exported), "--as", "owner@acme.test")
        assert out.strip() == "Risks in acme: 0 created, 0 updated, 3 unchanged."
        assert "register.csv: warning: Unknown column “Current level” ignored." in err

    def test_problems_one_line_each_and_exit_1(self, org, owner, method, tmp_path):
        path = tmp_path / "bad.csv"
        path.write_text("title,likelihood,impact\nX,Likely,\nY,1,9\n", encoding="utf-8")
        err = io.StringIO()
        with (
            mock.patch("django.core.management.base.connections"),
            pytest.raises(SystemExit) as exc,
        ):
            Command(stdout=io.StringIO(), stderr=err).run_from_argv(
                ["openisms", "risks", "import", "--org", "acme", str(path), "--as",
                 "owner@acme.test"]
            )  # fmt: skip
        assert exc.value.code == 1
        assert err.getvalue().strip().splitlines() == [
            "bad.csv: row 2, column impact: Give the impact too (current has a likelihood only).",
            "bad.csv: row 3, column impact: “9” is not on the consequence scale "
            "(Minor, Moderate, Major, Severe).",
            "CommandError: 2 problem(s) in bad.csv; nothing was imported.",
        ]
        assert not Risk.objects.exists()

    def test_acting_member_needs_the_role(self, org, owner, member, tmp_path):
        member(org, "viewer", email="viewer@acme.test")
        path = tmp_path / "r.csv"
        path.write_text("title\nX\n", encoding="utf-8")
        with pytest.raises(CommandError, match="does not allow them to import risks"):
            run("risks", "import", "--org", "acme", str(path), "--as", "viewer@acme.test")
        with pytest.raises(CommandError, match="is not a member"):
            run("risks", "export", "--org", "acme", "--format", "csv", "-o", "-", "--as",
                "ghost@acme.test")  # fmt: skip
