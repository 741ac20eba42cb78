"""Shared builders for the pdca tests: one obligation of each kind, owned by ``person``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def world(org: Any, actor: Any, person: Any) -> dict[str, Any]:
    from openisms.audits.services import audit_create
    from openisms.controls import services as controls
    from openisms.controls.evidence_services import evidence_create
    from openisms.documents.models import Document
    from openisms.documents.services import document_create
    from openisms.improvement import services as improvement
    from openisms.objectives.services import metric_create
    from openisms.reviews.models import ManagementReview
    from openisms.reviews.services import decision_create, review_create
    from openisms.risks import services as risks

    doc = document_create(
        organization=org, actor=actor, title="Access policy", type="policy", owner=person
    )
    Document.objects.filter(pk=doc.pk).update(status="approved", next_review=TODAY - 3 * DAY)
    risk = risks.risk_create(
        organization=org,
        actor=actor,
        title="Laptop theft",
        owner=person,
        next_review=TODAY + 7 * DAY,
    )
    action = risks.action_create(
        risk=risk, actor=actor, title="Encrypt disks", owner=person, due_date=TODAY + 10 * DAY
    )
    control = controls.control_create(organization=org, actor=actor, name="Backups", owner=person)
    test = controls.control_test_create(
        control=control, actor=actor, name="Restore test", owner=person
    )
    evidence = evidence_create(
        organization=org,
        actor=actor,
        kind="note",
        title="Backup log",
        note="ok",
        owner=person,
        valid_until=TODAY + 30 * DAY,
    )
    audit = audit_create(
        organization=org,
        actor=actor,
        title="Annual audit",
        lead_auditor=person,
        planned_start=TODAY + 20 * DAY,
        planned_end=TODAY + 22 * DAY,
    )
    review = review_create(
        organization=org, actor=actor, title="Q4 review", chair=person, planned_on=TODAY + 14 * DAY
    )
    held = review_create(
        organization=org, actor=actor, title="Q3 review", planned_on=TODAY - 60 * DAY
    )
    ManagementReview.objects.filter(pk=held.pk).update(status="held", held_on=TODAY - 60 * DAY)
    held.refresh_from_db()
    decision = decision_create(
        review=held, actor=actor, title="Hire a CISO", owner=person, due_date=TODAY - 1 * DAY
    )
    nc = improvement.nonconformity_create(organization=org, actor=actor, title="Gate log missing")
    ca = improvement.action_create(
        nc=nc, actor=actor, title="Fix gate log", owner=person, due_date=TODAY + 5 * DAY
    )
    metric = metric_create(
        organization=org,
        actor=actor,
        name="Phishing clicks",
        target=Decimal("5"),
        measured_by=person,
        frequency_days=30,
    )
    return {
        "document_review": doc.pk,
        "risk_review": risk.pk,
        "treatment_action": action.pk,
        "control_test": test.pk,
        "evidence": evidence.pk,
        "audit": audit.pk,
        "management_review": review.pk,
        "review_decision": decision.pk,
        "corrective_action": ca.pk,
        "measurement": metric.pk,
    }
