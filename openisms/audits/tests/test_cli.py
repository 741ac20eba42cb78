from __future__ import annotations

import json
from io import StringIO

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openisms.audits import services
from openisms.audits.tests.helpers import TODAY, make_audit, reported


def test_list_report_and_coverage(org, owner, member, tmp_path):
    programme = services.programme_create(
        organization=org, actor=owner, title="Cycle", period_start=TODAY, period_end=TODAY
    )
    audit = reported(org, owner, {"A.8.13": {"result": "ofi", "finding": "Automate restores"}})
    make_audit(org, owner, programme=programme, title="Next")
    out = StringIO()
    call_command("audits", "list", "--org", "acme", stdout=out)
    assert "IA-001" in out.getvalue() and "IA-002" in out.getvalue()
    out = StringIO()
    call_command(
        "audits", "list", "--org", "acme", "--status", "reported", "--format", "json", stdout=out
    )
    assert [i["ref"] for i in json.loads(out.getvalue())] == ["IA-001"]
    target = tmp_path / "report.docx"
    call_command(
        "audits", "report", "--org", "acme", audit.ref, "-o", str(target), stdout=StringIO()
    )
    text = "\n".join(
        [p.text for p in docx.Document(str(target)).paragraphs]
        + [c.text for t in docx.Document(str(target)).tables for r in t.rows for c in r.cells]
    )
    assert "Automate restores" in text
    pdf = tmp_path / "report.pdf"
    call_command("audits", "report", "--org", "acme", audit.ref, "-o", str(pdf), stdout=StringIO())
    assert pdf.read_bytes().startswith(b"%PDF")
    out = StringIO()
    call_command("audits", "coverage", "--org", "acme", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["programme"] == programme.ref and data["planned"] == 2 and data["covered"] == 0
    out = StringIO()
    call_command("audits", "coverage", "--org", "acme", programme.ref, stdout=out)
    assert "covered" in out.getvalue()
    with pytest.raises(CommandError, match="Unknown audit"):
        call_command("audits", "report", "--org", "acme", "IA-999", "-o", str(pdf))
    with pytest.raises(CommandError, match="Unknown organisation"):
        call_command("audits", "list", "--org", "nope")
    viewer = member(org, "viewer")
    call_command("audits", "list", "--org", "acme", "--as", viewer.email, stdout=StringIO())
