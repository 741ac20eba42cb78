"""The governance command: lists as text and JSON, approving the scope, one-line errors."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from openisms.governance import services
from openisms.governance.tests.helpers import make_issue, make_obligation


def run(*args: str) -> str:
    out = StringIO()
    call_command("governance", *args, stdout=out)
    return out.getvalue()


def test_lists(org, owner):
    make_obligation(org, owner, title="GDPR", kind="legal")
    make_obligation(org, owner, title="Insurer", kind="contractual", addressed_by_isms=False)
    text = run("obligations", "--org", "acme", "--not-addressed")
    assert "OB-002" in text and "OB-001" not in text
    items = json.loads(run("obligations", "--org", "acme", "--kind", "legal", "--format", "json"))
    assert [i["Ref"] for i in items] == ["OB-001"]
    make_issue(org, owner)
    assert "ISS-001" in run("issues", "--org", "acme")


def test_approve_scope(org, owner, member):
    with pytest.raises(CommandError, match="no scope draft"):
        run("approve-scope", "--org", "acme", "--as", owner.email)
    services.scope_save(organization=org, actor=owner, version=1, text="All of it")
    assert "Scope version 1 approved" in run("approve-scope", "--org", "acme", "--as", owner.email)
    with pytest.raises(CommandError, match="Nothing changed"):
        run("approve-scope", "--org", "acme", "--as", owner.email)
    member(org, "contributor", email="c@acme.test")
    with pytest.raises(CommandError, match="does not allow"):
        run("approve-scope", "--org", "acme", "--as", "c@acme.test")
