"""``openisms documents list`` and ``openisms documents export-methodology``."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openisms.documents.models import Document
from openisms.documents.tests.helpers import _evidence_root, approve, make_doc  # noqa: F401
from openisms.risks import services as risk_services

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("documents", *args, stdout=out)
    return out.getvalue()


def test_list_text_json_and_status(org, owner):
    make_doc(org, owner, title="Backup procedure", type="procedure")
    approve(make_doc(org, owner), owner)
    text = run("list", "--org", "acme")
    assert "DOC-001" in text and "DOC-002" in text and "2 documents." in text
    only = run("list", "--org", "acme", "--status", "approved")
    assert "DOC-002" in only and "DOC-001" not in only
    items = json.loads(run("list", "--org", "acme", "--format", "json"))
    assert items[1]["version_in_force"] == "1.0" and items[0]["working_version"] == "1.0"
    with pytest.raises(CommandError, match="Unknown organisation"):
        run("list", "--org", "nope")


def test_export_methodology(org, owner, member):
    member(org, "viewer", email="viewer@acme.test")
    with pytest.raises(CommandError, match="no risk methodology"):
        run("export-methodology", "--org", "acme", "--as", "owner@acme.test")
    risk_services.methodology_from_preset(organization=org, actor=owner, preset="5x5")
    with pytest.raises(CommandError, match="does not allow"):
        run("export-methodology", "--org", "acme", "--as", "viewer@acme.test")
    out = run("export-methodology", "--org", "acme", "--as", "owner@acme.test")
    assert "DOC-001 Risk assessment methodology: version 1.0 (draft)" in out
    assert Document.objects.get().owner == owner
