from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from openisms.assets import services
from openisms.assets.importer import asset_import
from openisms.assets.management.commands.assets import Command
from openisms.assets.models import Asset
from openisms.core.models import AuditEvent
from openisms.core.spreadsheets import ImportFailed, neutralise, read_table

HEADER = (
    "ref,name,type,owner,custodian,description,classification,confidentiality,integrity,"
    "availability,location,lifecycle,in_scope,depends_on\n"
)
GOOD = HEADER + (
    "A-010,Customer database,information,owner@acme.test,,Orders and contacts,Confidential,"
    "4,High,3,EU cloud,In use,yes,A-011\n"
    "A-011,CRM,Software,owner@acme.test,it@acme.test,,Internal,Medium,3,Very high,,in_use,true,\n"
    ",Office,site,,,,,,,,Springfield,,no,\n"
)


@pytest.fixture
def scheme(org, owner):
    services.classification_ensure_default(organization=org, actor=owner)


@pytest.fixture
def it_admin(org, member):
    return member(org, "contributor", email="it@acme.test")


def load(org, actor, text, *, name="assets.csv", dry_run=False, encoding="utf-8"):
    return asset_import(
        organization=org,
        actor=actor,
        source=text.encode(encoding) if isinstance(text, str) else text,
        filename=name,
        dry_run=dry_run,
    )


def problems(exc_info):
    return {(p.row, p.column) for p in exc_info.value.problems}


class TestImport:
    def test_every_column_is_read(self, org, owner, scheme, it_admin):
        result = load(org, owner, GOOD)
        assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
        db = Asset.objects.get(organization=org, ref="A-010")
        crm = Asset.objects.get(organization=org, ref="A-011")
        assert (db.type, db.owner, db.classification.name) == ("information", owner, "Confidential")
        assert (db.confidentiality, db.integrity, db.availability) == (4, 3, 3)
        assert (db.location, db.lifecycle, db.in_scope) == ("EU cloud", "in_use", True)
        assert list(db.depends_on.all()) == [crm]  # a later row of the same file
        assert (crm.type, crm.custodian, crm.availability) == ("software", it_admin, 4)
        office = Asset.objects.get(organization=org, name="Office")
        assert office.ref == "A-012" and office.in_scope is False  # refs continue after A-011
        assert AuditEvent.objects.filter(object_type="assets.asset", action="create").count() == 3

    def test_second_import_creates_nothing(self, org, owner, scheme, it_admin):
        load(org, owner, GOOD)
        events = AuditEvent.objects.count()
        result = load(org, owner, GOOD)
        assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
        assert Asset.objects.filter(organization=org).count() == 3
        assert AuditEvent.objects.count() == events

    def test_changed_rows_are_updated_through_the_services(self, org, owner, scheme, it_admin):
        load(org, owner, GOOD)
        result = load(
            org,
            owner,
            GOOD.replace("Orders and contacts", "Orders only").replace(",A-011\n", ",\n"),
        )
        assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
        db = Asset.objects.get(organization=org, ref="A-010")
        assert db.description == "Orders only" and db.version == 2  # created (with deps), update
        assert db.depends_on.count() == 1  # an empty cell leaves the dependencies alone

    def test_semicolon_csv_with_bom(self, org, owner, scheme):
        text = "\ufeffRef ; Name;TYPE;Depends on\nA-1;Server;hardware;\nA-2;App;software;A-1\n"
        result = load(org, owner, text)
        assert result.created == 2
        app = Asset.objects.get(organization=org, ref="A-2")
        assert [a.ref for a in app.depends_on.all()] == ["A-1"]

    def test_xlsx_first_sheet(self, org, owner, scheme, tmp_path):
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.append(["Name", "Type", "Confidentiality", "In scope"])
        ws.append(["Payroll", "Service", 4, True])
        ws.append([None, None, None, None])
        ws.append(["Badge system", "hardware", 2.0, "no"])
        wb.create_sheet("Ignored").append(["name", "type"])
        path = tmp_path / "assets.xlsx"
        wb.save(path)
        result = asset_import(organization=org, actor=owner, source=path, filename=path.name)
        assert result.created == 2
        payroll = Asset.objects.get(organization=org, name="Payroll")
        assert (payroll.type, payroll.confidentiality, payroll.in_scope) == ("service", 4, True)
        assert Asset.objects.get(organization=org, name="Badge system").in_scope is False

    def test_unknown_column_is_a_warning(self, org, owner):
        result = load(org, owner, "name,type,colour\nLaptop,hardware,blue\n")
        assert result.created == 1
        assert result.warnings == ["Unknown column “colour” ignored."]

    def test_dry_run_writes_nothing(self, org, owner, scheme, it_admin):
        events = AuditEvent.objects.count()
        result = load(org, owner, GOOD, dry_run=True)
        assert result.created == 3 and result.dry_run
        assert not Asset.objects.filter(organization=org).exists()
        assert AuditEvent.objects.count() == events

    def test_rows_without_ref_match_by_name(self, org, owner):
        load(org, owner, "name,type\nLaptop,hardware\n")
        result = load(org, owner, "name,type,location\nlaptop,hardware,Berlin\n")
        assert (result.created, result.updated) == (0, 1)
        assert Asset.objects.get(organization=org).location == "Berlin"


class TestBadFiles:
    def test_every_problem_is_reported_and_nothing_written(self, org, owner, scheme):
        text = HEADER + (
            "A-1,Server,hardware,nobody@acme.test,,,,,,,,,,\n"  # unknown owner
            "A-2,Thing,gadget,,,,,,,,,,,\n"  # unknown type
            "A-3,App,software,,,,Top secret,5,high,Huge,,,maybe,\n"  # class., C, A, in_scope
            "A-4,Db,information,,,,,,,,,,,A-9;A-1\n"  # unknown dependency
            "A-1,Again,site,,,,,,,,,gone,,\n"  # duplicate ref, lifecycle
            "A-5,,site,,,,,,,,,,,A-5\n"  # no name, depends on itself
        )
        events = AuditEvent.objects.count()
        with pytest.raises(ImportFailed) as exc:
            load(org, owner, text)
        assert problems(exc) == {
            (2, "owner"),
            (3, "type"),
            (4, "classification"),
            (4, "confidentiality"),
            (4, "availability"),
            (4, "in_scope"),
            (5, "depends_on"),
            (6, "ref"),
            (6, "lifecycle"),
            (7, "name"),
            (7, "depends_on"),
        }
        text = "\n".join(exc.value.messages)
        assert "row 2, column owner: No member of this organisation has the e-mail" in text
        assert "row 3, column type: Unknown type “gadget”" in text
        assert "row 4, column confidentiality: “5” is not 1–4" in text
        assert "row 5, column depends_on: Unknown asset ref “A-9”." in text
        assert "row 6, column ref: Ref A-1 is already on row 2." in text
        assert not Asset.objects.filter(organization=org).exists()
        assert AuditEvent.objects.count() == events

    def test_missing_required_column(self, org, owner):
        with pytest.raises(ImportFailed) as exc:
            load(org, owner, "name,description\nX,y\n")
        assert problems(exc) == {(1, "type")}

    def test_unreadable_files(self, org, owner):
        with pytest.raises(ImportFailed, match="not UTF-8"):
            load(org, owner, "name,type\nCafé,site\n", encoding="latin-1")
        with pytest.raises(ImportFailed, match="readable XLSX"):
            load(org, owner, b"PK\x03\x04 broken", name="x.xlsx")
        with pytest.raises(ImportFailed, match="empty"):
            load(org, owner, "")

    def test_a_member_of_another_organisation_is_unknown(self, org, other_org, owner, member):
        member(other_org, "owner", email="stranger@globex.test")
        with pytest.raises(ImportFailed) as exc:
            load(org, owner, "name,type,owner\nX,site,stranger@globex.test\n")
        assert problems(exc) == {(2, "owner")}

    def test_viewers_cannot_import(self, org, member):
        with pytest.raises(PermissionDenied):
            load(org, member(org, "viewer"), "name,type\nX,site\n")

    def test_contributors_change_only_their_own_assets(self, org, owner, member):
        contributor = member(org, "contributor", email="c@acme.test")
        services.asset_create(organization=org, actor=owner, ref="A-1", name="X", type="site")
        with pytest.raises(ImportFailed) as exc:
            load(org, contributor, "ref,name,type\nA-1,Renamed,site\nA-2,New,site\n")
        assert problems(exc) == {(2, "ref")}
        load(org, contributor, "ref,name,type,owner\nA-2,New,site,c@acme.test\n")
        assert Asset.objects.get(organization=org, ref="A-2").owner == contributor


class TestSpreadsheets:
    def test_neutralise(self):
        assert [neutralise(v) for v in ("=1+1", "+4", "-2", "@SUM(A1)", "ok")] == [
            "'=1+1",
            "'+4",
            "'-2",
            "'@SUM(A1)",
            "ok",
        ]

    def test_quoted_commas_and_short_rows(self):
        table = read_table(b'name,type,description\n"Big, old server",hardware\n', filename="a.csv")
        assert table.rows == [(2, ["Big, old server", "hardware"])]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


class TestCommand:
    def test_import_and_dry_run(self, org, owner, scheme, it_admin, tmp_path):
        path = tmp_path / "assets.csv"
        path.write_text(GOOD, encoding="utf-8")
        out, _ = run("assets", "import", "--org", "acme", str(path), "--as", "owner@acme.test",
                     "--dry-run")  # fmt: skip
        assert "Dry run, nothing written. 3 created, 0 updated, 0 unchanged." in out
        out, _ = run("assets", "import", "--org", "acme", str(path), "--as", "OWNER@acme.test")
        assert out.strip() == "Assets in acme: 3 created, 0 updated, 0 unchanged."

    def test_problems_one_line_each_and_exit_1(self, org, owner, tmp_path):
        path = tmp_path / "bad.csv"
        path.write_text("name,type,colour\nX,gadget,red\n,site,blue\n", encoding="utf-8")
        err = io.StringIO()
        command = Command(stdout=io.StringIO(), stderr=err)
        with (
            mock.patch("django.core.management.base.connections"),
            pytest.raises(SystemExit) as exc,
        ):
            command.run_from_argv(
                ["openisms", "assets", "import", "--org", "acme", str(path), "--as",
                 "owner@acme.test"]
            )  # fmt: skip
        assert exc.value.code == 1
        lines = err.getvalue().strip().splitlines()
        assert lines[0].startswith("bad.csv: row 2, column type: Unknown type “gadget”")
        assert lines[1] == "bad.csv: row 3, column name: A name is required."
        assert lines[2] == "CommandError: 2 problem(s) in bad.csv; nothing was imported."
        assert not Asset.objects.exists()

    def test_acting_member_is_checked(self, org, owner, other_org, member, tmp_path):
        path = tmp_path / "a.csv"
        path.write_text("name,type\nX,site\n", encoding="utf-8")
        member(other_org, "owner", email="boss@globex.test")
        member(org, "viewer", email="viewer@acme.test")
        args = ["assets", "import", "--org", "acme", str(path), "--as"]
        with pytest.raises(
            CommandError, match=r"'boss@globex\.test' is not a member of organisation 'acme'"
        ):
            run(*args, "boss@globex.test")
        with pytest.raises(CommandError, match="does not allow them to import assets"):
            run(*args, "viewer@acme.test")
        with pytest.raises(CommandError, match="Unknown organisation 'nope'"):
            run("assets", "import", "--org", "nope", str(path), "--as", "owner@acme.test")
        with pytest.raises(CommandError, match="No such file"):
            run("assets", "import", "--org", "acme", str(tmp_path / "x.csv"), "--as",
                "owner@acme.test")  # fmt: skip
