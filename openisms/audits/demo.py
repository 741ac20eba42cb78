"""Demo content for internal audit: a three-year audit programme; an audit closed about four
months ago (19 checklist items: conformities, a minor nonconformity raised into the
improvement register and being handled, an observation, an opportunity for improvement, two
requirements not sampled with the reason, evidence of the controls demo that existed then); an
audit of the technological controls planned in two months whose team includes the owner of
the MFA control (impartiality warning, with the statement); and next year's audit of
leadership, support, people and physical controls. Coverage therefore shows progress and gaps.
Written through the services; idempotent (nothing when the organisation has a programme)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from openisms.audits import services
from openisms.audits.models import AuditItem, AuditProgramme
from openisms.catalog.models import RequirementNode
from openisms.controls.models import Evidence
from openisms.core.gate import scoped

ISO = "urn:openisms:framework:iso27001-2022"

CLOSED_CRITERIA = (
    "4.1", "4.2", "4.3", "5.2", "6.1.2", "6.1.3", "6.2", "7.2", "7.5.1", "9.1", "10.2",
    "A.5.15", "A.5.18", "A.5.24", "A.5.30", "A.5.34", "A.6.3", "A.7.2", "A.8.8",
)  # fmt: skip
# ref → (result, finding, sampling notes); conformity with a generic note otherwise.
RESULTS: dict[str, tuple[str, str, str]] = {
    "A.5.18": (
        "minor_nc",
        "The Q2 access review of the CRM was completed five weeks after the end of the "
        "quarter, and its minutes do not say who approved the removal of two accounts.",
        "Access review minutes of Q1 and Q2 sampled; 10 CRM accounts traced to the HR list.",
    ),
    "7.5.1": (
        "observation",
        "Two operating procedures in the document register have no next review date; the "
        "policy requires a yearly review.",
        "Document register checked for the 12 documents named in the ISMS manual.",
    ),
    "A.5.24": (
        "ofi",
        "A severity matrix shared with the managed service provider would speed up "
        "escalation of incidents reported out of office hours.",
        "Three incidents of the year walked through with the ISMS manager.",
    ),
    "A.5.30": (
        "not_sampled",
        "",
        "Not sampled: the ICT continuity control is not implemented yet (the business impact "
        "analysis is pending); it is in the criteria of a later audit of the programme.",
    ),
    "A.7.2": (
        "not_sampled",
        "",
        "Not sampled: the plant gate was not visited on the audit days; covered by the audit "
        "of physical controls next year.",
    ),
}
PLANNED_CRITERIA = (
    "8.1", "8.2", "8.3", "A.5.17", "A.8.5", "A.8.7", "A.8.9", "A.8.13", "A.8.15", "A.8.16",
    "A.8.24", "A.8.32",
)  # fmt: skip
NEXT_YEAR_CRITERIA = (
    "5.1", "5.3", "6.1.1", "6.3", "7.1", "7.3", "7.4", "9.3.1", "9.3.2", "9.3.3", "10.1",
    "A.5.19", "A.5.20", "A.5.29", "A.5.30", "A.6.1", "A.6.5", "A.7.1", "A.7.2", "A.7.4",
)  # fmt: skip


def _nodes(refs: tuple[str, ...]) -> list[RequirementNode]:
    found = {
        n.ref_id: n for n in RequirementNode.objects.filter(framework__urn=ISO, ref_id__in=refs)
    }
    return [found[r] for r in refs if r in found]


def _evidence_then(organization: Any, item: AuditItem, until: dt.date) -> list[int]:
    """Evidence of the controls implementing the item's requirement, collected by then."""
    return list(
        scoped(Evidence, organization)
        .filter(controls__requirements=item.requirement, collected_on__lte=until)
        .distinct()
        .values_list("pk", flat=True)[:3]
    )


def _closed_audit(
    organization: Any, owner: Any, people: dict[str, Any], programme: Any, today: dt.date
) -> None:
    from openisms.improvement import services as improvement

    lead, manager = people["auditor"], people["manager"]
    start, end = today - dt.timedelta(days=126), today - dt.timedelta(days=124)
    audit = services.audit_create(
        organization=organization,
        actor=owner,
        programme=programme,
        title="Internal audit 1: ISMS processes and organisational controls",
        scope="Head office: the ISMS processes (clauses 4 to 10) and the organisational, "
        "people and privacy controls run from the head office. Plant sites excluded.",
        objectives="Confirm the ISMS conforms to ISO/IEC 27001:2022 and is effectively "
        "implemented before the surveillance audit; follow up the access review process.",
        planned_start=start,
        planned_end=end,
        lead_auditor=lead,
        criteria=_nodes(CLOSED_CRITERIA),
        impartiality_statement="The lead auditor is an external auditor engaged for the "
        "internal audit programme and owns no ISMS process or control.",
    )
    audit = services.audit_start(audit=audit, actor=owner, version=audit.version, started_on=start)
    recorded_at = timezone.make_aware(dt.datetime.combine(end, dt.time(16, 0)))
    for item in audit.items.select_related("requirement"):
        ref = item.requirement.ref_id
        result, finding, notes = RESULTS.get(
            ref,
            ("conformity", "", "Records and interviews sampled; the requirement is met."),
        )
        services.item_record(
            item=item,
            actor=lead,
            version=item.version,
            result=result,
            finding=finding,
            sampling_notes=notes,
            evidence=_evidence_then(organization, item, end),
            recorded_at=recorded_at,
        )
    audit.refresh_from_db()
    audit = services.audit_update(
        audit=audit,
        actor=owner,
        version=audit.version,
        actual_end=end,
        conclusion="The ISMS conforms to ISO/IEC 27001:2022 and is effectively implemented for "
        "the processes audited. One minor nonconformity (late and incompletely documented CRM "
        "access review) needs corrective action before the surveillance audit.",
    )
    issued = end + dt.timedelta(days=3)
    audit = services.audit_report(audit=audit, actor=owner, version=audit.version, issued_on=issued)
    weak = audit.items.get(requirement__ref_id="A.5.18")
    nc = services.raise_nonconformity(item=weak, actor=owner, owner=manager)
    nc = improvement.nonconformity_update(
        nc=nc,
        actor=owner,
        version=nc.version,
        correction="The two CRM accounts were confirmed removed; the approval recorded.",
        root_cause="The CRM review depends on one person's calendar reminder; the minutes "
        "template has no approval field.",
    )
    nc = improvement.nonconformity_transition(nc=nc, actor=owner, to="analysed", version=nc.version)
    improvement.action_create(
        nc=nc,
        actor=owner,
        title="Schedule the quarterly access reviews as recurring tickets with an approver",
        owner=manager,
        due_date=today + dt.timedelta(days=14),
        status="in_progress",
    )
    improvement.nonconformity_transition(
        nc=nc, actor=owner, to="action_planned", version=nc.version
    )
    audit.refresh_from_db()
    services.audit_close(
        audit=audit, actor=owner, version=audit.version, closed_on=issued + dt.timedelta(days=7)
    )


def load_demo(*, organization: Any, owner: Any, colleagues: dict[str, Any]) -> None:
    from openisms.risks.demo import _people

    if scoped(AuditProgramme, organization).exists():
        return
    people = _people(organization, owner, colleagues)
    people.setdefault("auditor", people["manager"])
    today = timezone.localdate()
    cycle_start = (today - dt.timedelta(days=480)).replace(day=1)
    with transaction.atomic():
        programme = services.programme_create(
            organization=organization,
            actor=owner,
            title="Internal audit programme, certification cycle",
            period_start=cycle_start,
            period_end=cycle_start.replace(year=cycle_start.year + 3) - dt.timedelta(days=1),
            owner=people["manager"],
            objectives="Audit every clause 4 to 10 and every applicable Annex A control at "
            "least once in the three-year cycle; clauses 9 and 10 and changed processes every "
            "year. Audits are run by an external auditor (lead) with staff who do not audit "
            "their own controls; reports go to the management review.",
            notes="Frequency reviewed after each management review.",
        )
        _closed_audit(organization, owner, people, programme, today)
        services.audit_create(
            organization=organization,
            actor=owner,
            programme=programme,
            title="Internal audit 2: technological controls and IT operations",
            scope="IT operations run by the IT team and the managed service provider: "
            "endpoints, identity, backups, logging, cryptography and change management.",
            objectives="Confirm the technological controls operate as the SoA states; follow up "
            "the failed restore test.",
            planned_start=today + dt.timedelta(days=60),
            planned_end=today + dt.timedelta(days=62),
            lead_auditor=people["auditor"],
            team=[people["manager"]],
            criteria=_nodes(PLANNED_CRITERIA),
            impartiality_statement="Maria Manager owns the multi-factor authentication control "
            "(A.5.17, A.8.5): the lead auditor samples those two requirements alone, and Maria "
            "does not review their evidence.",
        )
        services.audit_create(
            organization=organization,
            actor=owner,
            programme=programme,
            title="Internal audit 3: leadership, support, people and physical controls",
            scope="Head office and the plant: leadership, resources, awareness, "
            "communication, management review, suppliers, continuity and physical security.",
            planned_start=today + dt.timedelta(days=300),
            planned_end=today + dt.timedelta(days=303),
            lead_auditor=people["auditor"],
            criteria=_nodes(NEXT_YEAR_CRITERIA),
        )


def demo_hook(*, organization: Any, owner: Any, colleagues: dict[str, Any], full: bool) -> None:
    if full:
        load_demo(organization=organization, owner=owner, colleagues=colleagues)
