"""``openisms soa export | versions | approve``."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document
from openpyxl import load_workbook

from openisms.catalog.models import Framework
from openisms.core.models import AuditEvent
from openisms.soa import selectors, services
from openisms.soa.models import SoaEntry, SoaVersion

SENTENCE = "We run no software development at all, so this control protects nothing."


def run(*args):
    out = io.StringIO()
    call_command("soa", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def soa(org, owner):
    statement = services.soa_create(
        organization=org,
        actor=owner,
        framework=Framework.objects.get(urn=selectors.ISO27001_2022),
    )
    SoaEntry.objects.filter(soa=statement).update(
        applicable=True, business_requirement=True, business_reference="Customer trust"
    )
    return statement


def exclude(soa, owner, ref):
    e = SoaEntry.objects.get(soa=soa, requirement__ref_id=ref)
    services.entry_update(
        entry=e, actor=owner, version=e.version, applicable=False, justification=SENTENCE
    )


class TestExport:
    def test_every_format_to_a_file(self, soa, tmp_path):
        out = run("export", "--org", "acme", "--format", "xlsx", "-o", str(tmp_path / "s.xlsx"))
        assert "Draft (no approved version yet), 93 rows" in out
        wb = load_workbook(tmp_path / "s.xlsx", read_only=True)
        assert len(list(wb["Statement of Applicability"].iter_rows())) == 94
        run("export", "--org", "acme", "--format", "docx", "-o", str(tmp_path / "s.docx"))
        assert Document(str(tmp_path / "s.docx")).tables[0].rows[0].cells[1].text == "Acme Ltd"
        run("export", "--org", "acme", "--format", "pdf", "-o", str(tmp_path / "s.pdf"))
        assert (tmp_path / "s.pdf").read_bytes()[:5] == b"%PDF-"
        run("export", "--org", "acme", "--format", "csv", "-o", str(tmp_path / "s.csv"))
        rows = list(csv.DictReader(io.StringIO((tmp_path / "s.csv").read_text("utf-8-sig"))))
        assert len(rows) == 93
        run("export", "--org", "acme", "--format", "json", "-o", str(tmp_path / "s.json"))
        assert len(json.loads((tmp_path / "s.json").read_text())["rows"]) == 93

    def test_which_statement(self, soa, owner):
        def exported(*extra):
            data = json.loads(run("export", "--org", "acme", "--format", "json", "-o", "-", *extra))
            return data["document"], {r["ref_id"]: r for r in data["rows"]}

        services.soa_approve(soa=soa, actor=owner)
        exclude(soa, owner, "A.7.4")
        doc, rows = exported()  # the latest approved version by default
        assert doc["version"] == 1 and rows["A.7.4"]["applicable"] is True
        doc, rows = exported("--draft")
        assert doc["status"] == "draft" and rows["A.7.4"]["applicable"] is False
        doc, _rows = exported("--version", "1")
        assert doc["status"] == "approved" and doc["version_label"] == "Version 1"
        with pytest.raises(CommandError, match="No approved version 4 of the statement"):
            exported("--version", "4")

    def test_csv_to_stdout(self, soa):
        out = run("export", "--org", "acme", "--format", "csv", "-o", "-")
        assert out.startswith("soa_version,soa_status,ref_id,")
        assert len(out.strip().splitlines()) == 94

    def test_errors(self, org, member, soa, tmp_path):
        with pytest.raises(CommandError, match="PDF is written to a file"):
            run("export", "--org", "acme", "--format", "pdf", "-o", "-")
        with pytest.raises(CommandError, match="Unknown organisation 'nope'"):
            run("export", "--org", "nope", "--format", "csv", "-o", "-")
        with pytest.raises(CommandError, match="Unknown framework 'urn:x'"):
            run("export", "--org", "acme", "--framework", "urn:x", "--format", "csv", "-o", "-")
        with pytest.raises(CommandError, match="No Statement of Applicability for NIST"):
            run(
                "export",
                "--org",
                "acme",
                "--framework",
                "urn:openisms:framework:nist-csf-2.0",
                "--format",
                "csv",
                "-o",
                "-",
            )
        with pytest.raises(CommandError, match=r"'x@acme\.test' is not a member"):
            run("export", "--org", "acme", "--as", "x@acme.test", "--format", "csv", "-o", "-")
        with pytest.raises(CommandError, match="Cannot write"):
            run("export", "--org", "acme", "--format", "csv", "-o", str(tmp_path / "no" / "f"))

    def test_no_statement_yet_and_another_organisation(self, org, other_org):
        with pytest.raises(CommandError, match="No Statement of Applicability in 'globex' yet"):
            run("export", "--org", "globex", "--format", "csv", "-o", "-")


class TestVersionsAndApprove:
    def test_approve_then_list(self, org, owner, soa):
        assert "No approved version" in run("versions", "--org", "acme")
        out = run("approve", "--org", "acme", "--as", "owner@acme.test", "--comment", "MR 2026")
        assert out.strip() == (
            "Approved version 1 of 'Statement of Applicability' in acme (93 rows) as "
            "owner@acme.test."
        )
        assert AuditEvent.objects.filter(action="approve", object_id=str(soa.pk)).exists()
        lines = run("versions", "--org", "acme").splitlines()
        assert lines[0].startswith("Statement of Applicability (ISO/IEC 27001:2022")
        assert lines[1].startswith("  v1  ") and lines[1].endswith(
            f"{owner.get_full_name()} <owner@acme.test>  MR 2026"
        )
        data = json.loads(run("versions", "--org", "acme", "--format", "json"))
        assert [(v["version"], v["rows"], v["comment"]) for v in data] == [(1, 93, "MR 2026")]

    def test_refusals_are_one_line(self, org, owner, member, soa):
        member(org, "viewer", email="viewer@acme.test")
        with pytest.raises(CommandError, match="does not allow them to approve"):
            run("approve", "--org", "acme", "--as", "viewer@acme.test")
        SoaEntry.objects.filter(soa=soa, requirement__ref_id="A.5.1").update(applicable=None)
        with pytest.raises(CommandError) as exc:
            run("approve", "--org", "acme", "--as", "owner@acme.test")
        assert str(exc.value) == (
            "The statement is not consistent (1 problems): A.5.1: Applicability not decided."
        )
        assert "\n" not in str(exc.value)
        assert not SoaVersion.objects.exists()
