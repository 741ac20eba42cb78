"""A world that passes every readiness rule, for the rule tests: each test breaks one thing and
checks that its rule fires (and that it did not before). Records are written through the
domain services where a derived value matters (risk levels, SoA and scope approvals), and with
the ORM where only the stored state matters (it keeps the set-up fast)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from openisms.catalog.models import Framework, RequirementNode
from openisms.readiness.engine import Context, _run, all_rules, evaluate

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)
ISO = "urn:openisms:framework:iso27001-2022"


def run_rule(org: Any, rule_id: str, today: dt.date | None = None) -> Any:
    rule = next(r for r in all_rules() if r.id == rule_id)
    return _run(rule, Context(org, today or timezone.localdate()))


def fired(org: Any) -> set[str]:
    return {r.rule.id for r in evaluate(org).results if not r.passed}


def compliant_world(org: Any, owner: Any) -> SimpleNamespace:
    from openisms.assets.models import Asset, ClassificationLevel
    from openisms.audits.models import Audit, AuditProgramme
    from openisms.controls.models import Control, Evidence
    from openisms.documents.models import Document, DocumentVersion
    from openisms.governance import services as gov
    from openisms.governance.models import ContextIssue, InterestedParty, Obligation
    from openisms.improvement.models import ImprovementOpportunity
    from openisms.objectives.models import Measurement, Metric, Objective
    from openisms.people.models import (
        AwarenessCampaign,
        CommunicationItem,
        Competence,
        IsmsRole,
        Process,
        RaciAssignment,
        TrainingRecord,
    )
    from openisms.reviews.models import ManagementReview
    from openisms.risks import services as risks
    from openisms.risks.models import AssessmentRun
    from openisms.soa import services as soa_services
    from openisms.soa.models import SoaEntry

    w = SimpleNamespace(org=org, owner=owner)
    o = {"organization": org}
    iso = Framework.objects.get(urn=ISO)
    a51 = RequirementNode.objects.get(framework=iso, ref_id="A.5.1")

    # 4 — context, parties, obligations, scope
    ContextIssue.objects.create(
        **o,
        ref="ISS-001",
        title="Market",
        side="external",
        category="economic",
        review_date=TODAY + 90 * DAY,
    )
    ContextIssue.objects.create(
        **o,
        ref="ISS-002",
        title="Culture",
        side="internal",
        category="social",
        review_date=TODAY + 90 * DAY,
    )
    w.party = InterestedParty.objects.create(
        **o,
        ref="IP-001",
        name="Customers",
        side="external",
        expectations="Confidentiality of orders",
    )
    w.control = Control.objects.create(
        **o,
        ref="C-001",
        name="Policy set",
        owner=owner,
        status="implemented",
        implemented_on=TODAY - 10 * DAY,
    )
    w.control.requirements.add(a51)
    w.obligation = Obligation.objects.create(
        **o, ref="OB-001", party=w.party, kind="legal", title="GDPR", review_date=TODAY + 90 * DAY
    )
    w.obligation.controls.add(w.control)
    scope = gov.scope_get_or_create(organization=org, actor=owner)
    type(scope).objects.filter(pk=scope.pk).update(text="All of Acme Ltd's offices and services.")
    scope.refresh_from_db()
    gov.scope_approve(scope=scope, actor=owner)
    w.scope = scope

    # 5 — policy, roles, processes
    w.policy = Document.objects.create(
        **o,
        ref="DOC-001",
        title="Information security policy",
        type="policy",
        owner=owner,
        status="approved",
        next_review=TODAY + 200 * DAY,
    )
    v = DocumentVersion.objects.create(
        **o,
        document=w.policy,
        major=1,
        minor=0,
        status="approved",
        body_markdown="Policy",
        approved_by=owner,
        approver_name="Owner",
        approved_at=timezone.now(),
    )
    Document.objects.filter(pk=w.policy.pk).update(current_version=v)
    w.competence = Competence.objects.create(**o, name="Risk management")
    w.role = IsmsRole.objects.create(**o, name="ISMS manager", responsibilities="Runs the ISMS.")
    w.role.holders.add(owner)
    w.role.competences.add(w.competence)
    TrainingRecord.objects.create(
        **o,
        ref="TR-001",
        person=owner,
        competence=w.competence,
        completed_on=TODAY - 30 * DAY,
        valid_until=TODAY + 300 * DAY,
    )
    w.process = Process.objects.create(**o, name="Risk management")
    RaciAssignment.objects.create(**o, process=w.process, role=w.role, letter="A")

    # 6 — method, a risk within the appetite, an assessment run
    w.method = risks.methodology_from_preset(organization=org, actor=owner, preset="3x3")
    risk = risks.risk_create(organization=org, actor=owner, title="Laptop theft", owner=owner)
    low = (
        w.method.definition["likelihood"][0]["value"],
        w.method.definition["consequence"][0]["value"],
    )
    w.risk = risks.risk_assess(
        risk=risk, actor=owner, version=risk.version, inherent=low, current=low
    )
    AssessmentRun.objects.create(
        **o,
        name="Annual",
        methodology_version=w.method,
        status="completed",
        completed_at=timezone.now(),
    )

    # Evidence, assets
    w.evidence = Evidence.objects.create(
        **o,
        ref="E-001",
        title="Policy acknowledgements",
        kind="note",
        note="All staff",
        valid_until=TODAY + 200 * DAY,
    )
    w.evidence.controls.add(w.control)
    level = ClassificationLevel.objects.create(**o, name="Internal")
    w.asset = Asset.objects.create(
        **o, ref="A-001", name="ERP", type="software", owner=owner, classification=level
    )

    # SoA: A.5.1 applicable (business), every other control excluded with a justification
    w.soa = soa_services.soa_create(organization=org, actor=owner, framework=iso)
    entries = SoaEntry.objects.filter(soa=w.soa)
    entries.exclude(requirement=a51).update(
        applicable=False, justification="Not relevant to a small office-only company."
    )
    entries.filter(requirement=a51).update(
        applicable=True, business_requirement=True, business_reference="Board mandate"
    )
    soa_services.soa_approve(soa=w.soa, actor=owner)

    # 7 — awareness, communication
    AwarenessCampaign.objects.create(
        **o, ref="AW-001", title="Phishing", starts_on=TODAY - 30 * DAY
    )
    CommunicationItem.objects.create(
        **o, ref="COM-001", what="ISMS news", when="Monthly", audience="All staff"
    )

    # 6.2, 9.1 — an objective measured on target
    w.objective = Objective.objects.create(
        **o,
        ref="OBJ-001",
        title="Fewer incidents",
        owner=owner,
        due_date=TODAY + 100 * DAY,
        evaluation="Quarterly review",
        status="in_progress",
    )
    w.metric = Metric.objects.create(
        **o,
        ref="MET-001",
        objective=w.objective,
        name="Incidents",
        measured_by=owner,
        analysed_by=owner,
        target=5,
        direction="lower_is_better",
        frequency_days=30,
    )
    Measurement.objects.create(**o, metric=w.metric, value=2, measured_on=TODAY)

    # 9.2 — a programme covering today, a closed audit of every clause and A.5.1
    w.programme = AuditProgramme.objects.create(
        **o,
        ref="AP-001",
        title="2026",
        period_start=TODAY - 100 * DAY,
        period_end=TODAY + 200 * DAY,
        owner=owner,
    )
    w.audit = Audit.objects.create(
        **o,
        ref="AUD-001",
        programme=w.programme,
        title="Full ISMS",
        status="closed",
        report_issued_on=TODAY - 10 * DAY,
        closed_on=TODAY - 5 * DAY,
        lead_auditor=owner,
    )
    excluded = set(entries.filter(applicable=False).values_list("requirement_id", flat=True))
    w.audit.criteria.set(
        RequirementNode.objects.filter(framework=iso, assessable=True).exclude(pk__in=excluded)
    )

    # 9.3 — a closed review with every input
    w.review = ManagementReview.objects.create(
        **o,
        ref="MR-001",
        title="Annual review",
        planned_on=TODAY - 20 * DAY,
        held_on=TODAY - 20 * DAY,
        period_start=TODAY - 365 * DAY,
        period_end=TODAY - 21 * DAY,
        status="closed",
        closed_on=TODAY - 10 * DAY,
        inputs={"sections": [{"key": k} for k in "abcdefg"]},
    )

    # 10 — the improvement log used
    ImprovementOpportunity.objects.create(**o, ref="IMP-001", title="Automate access reviews")
    return w
