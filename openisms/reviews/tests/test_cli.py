from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openisms.reviews.tests.helpers import DAY, TODAY, decide, held, make_review


def test_list_minutes_and_decisions(org, owner, member, tmp_path):
    review = held(org, owner, minutes="Agreed.")
    decide(review, owner, title="Late one", due_date=TODAY - DAY)
    make_review(org, owner, title="Next one", planned_on=TODAY + 30 * DAY)
    out = StringIO()
    call_command("reviews", "list", "--org", "acme", stdout=out)
    assert "MR-001" in out.getvalue() and "MR-002" in out.getvalue()
    out = StringIO()
    call_command("reviews", "list", "--org", "acme", "--format", "json", stdout=out)
    items = json.loads(out.getvalue())
    assert {i["ref"]: i["status"] for i in items} == {"MR-001": "held", "MR-002": "planned"}
    out = StringIO()
    call_command("reviews", "decisions", "--org", "acme", "--open", "--format", "json", stdout=out)
    assert [(i["ref"], i["overdue"]) for i in json.loads(out.getvalue())] == [("MRD-001", "yes")]
    target = tmp_path / "minutes.docx"
    call_command(
        "reviews", "minutes", "--org", "acme", "mr-001", "-o", str(target), stdout=StringIO()
    )
    assert target.read_bytes()[:2] == b"PK"
    pdf = tmp_path / "m.pdf"
    call_command(
        "reviews",
        "minutes",
        "--org",
        "acme",
        "MR-001",
        "-o",
        str(pdf),
        "--format",
        "pdf",
        stdout=StringIO(),
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError, match="No management review"):
        call_command("reviews", "minutes", "--org", "acme", "MR-009", "-o", str(pdf))
    with pytest.raises(CommandError, match="Unknown organisation"):
        call_command("reviews", "list", "--org", "nope")
    stranger = member(org, "viewer")
    call_command("reviews", "list", "--org", "acme", "--as", stranger.email, stdout=StringIO())
    with pytest.raises(CommandError, match="not a member"):
        call_command("reviews", "list", "--org", "acme", "--as", "nobody@x.test")
