"""The demo register: the policy (v1.0 approved, v1.1 in review), procedures, the generated
methodology document, a retired document and one past its review date; idempotent."""

from __future__ import annotations

import pytest
from django.utils import timezone

from openisms.documents import demo
from openisms.documents.models import Document, DocumentVersion
from openisms.documents.tests.helpers import _evidence_root  # noqa: F401
from openisms.risks import services as risk_services

pytestmark = pytest.mark.django_db


def test_demo_register(org, owner, member):
    manager = member(org, "manager", email="m@acme.test")
    risk_services.methodology_from_preset(organization=org, actor=owner, preset="5x5")
    demo.demo_hook(organization=org, owner=owner, colleagues={"manager": manager}, full=True)
    docs = {d.title: d for d in Document.objects.filter(organization=org)}
    policy = docs["Information security policy"]
    assert policy.type == "policy" and policy.status == "approved"
    assert policy.current_version.number == "1.0"
    v11 = DocumentVersion.objects.get(document=policy, major=1, minor=1)
    assert v11.status == "in_review"
    for title in ("Access control procedure", "Backup procedure", "Incident response procedure"):
        assert docs[title].status == "approved"
    assert docs["Risk assessment methodology"].source == "risk_methodology"
    assert [d.title for d in docs.values() if d.status == "retired"] == ["Clean desk guideline"]
    overdue = [t for t, d in docs.items() if d.next_review and d.next_review < timezone.localdate()]
    assert overdue == ["Business continuity plan"]
    demo.demo_hook(organization=org, owner=owner, colleagues={}, full=True)
    assert Document.objects.filter(organization=org).count() == len(docs)


def test_demo_only_when_full(org, owner):
    demo.demo_hook(organization=org, owner=owner, colleagues={}, full=False)
    assert not Document.objects.exists()


def test_demo_controls_cite_the_register(org, owner, member):
    from openisms.controls import demo as controls_demo
    from openisms.controls.models import Control

    manager = member(org, "manager", email="m@acme.test")
    colleagues = {"manager": manager}
    controls_demo.demo_hook(organization=org, owner=owner, colleagues=colleagues, full=True)
    demo.demo_hook(organization=org, owner=owner, colleagues=colleagues, full=True)
    backup = Control.objects.get(organization=org, name="Backup and restore")
    assert [d.title for d in backup.documents.all()] == ["Backup procedure"]
    assert backup.documentation == "PRO-08 Backup procedure"  # kept for the SoA column
    policy_set = Control.objects.get(organization=org, name="Information security policy set")
    assert [d.title for d in policy_set.documents.all()] == ["Information security policy"]
    access = Document.objects.get(organization=org, title="Access control procedure")
    assert access.controls.count() == 2
