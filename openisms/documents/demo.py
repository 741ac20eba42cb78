"""Demo content for the document register of "Demo Manufacturing Ltd": the information security
policy (approved v1.0, v1.1 in review), the access control, backup and incident response
procedures, the risk methodology generated into a document, a retired guideline and a business
continuity plan past its review date. Written through the services; idempotent (nothing when
the organisation already has documents)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from openisms.controls import services as control_services
from openisms.controls.models import Control
from openisms.core.gate import scoped
from openisms.documents import services
from openisms.documents.models import Document, DocumentVersion
from openisms.risks.selectors import methodology_current

POLICY_V1 = """# Information security policy

**Demo Manufacturing Ltd** designs and builds precision components. Our customers trust us with
their drawings, orders and data; our production depends on reliable IT. This policy states how
we protect that information (ISO/IEC 27001:2022 clause 5.2).

## Objectives

1. Keep customer designs and personal data **confidential**.
2. Keep orders, production data and financial records **accurate and complete**.
3. Keep the ERP, the file server and the shop-floor network **available** during production
   hours (Monday to Saturday, 06:00–22:00).

Measurable objectives are set yearly by the management review and tracked in the ISMS.

## Commitments

* Management commits to satisfy the applicable requirements related to information security:
  legal (GDPR), contractual (customer NDAs and quality agreements) and internal.
* Management commits to the continual improvement of the information security management
  system.
* Risks are assessed with the [risk assessment methodology](https://intranet.example.com/isms)
  and treated according to the Statement of Applicability.

## Roles

| Role | Responsibility |
|---|---|
| Managing director | Owns this policy, approves risk acceptance above the threshold |
| ISMS manager | Runs the ISMS, reports to management quarterly |
| Every employee | Follows the policies, reports incidents to the IT hotline |

## Communication

This policy is published on the intranet, explained at onboarding and acknowledged by every
employee. Questions: [isms@demo-manufacturing.example](mailto:isms@demo-manufacturing.example).
"""

POLICY_V11_NOTE = "Adds home-office working and the reporting duty for lost devices."
POLICY_V11_ADDITION = """
## Working from home

Staff working from home follow the acceptable use policy, use company laptops only, and lock
their screen when leaving it. A lost or stolen device is reported to the IT hotline **at once**.
"""

ACCESS = """# Access control procedure

## Requesting access

1. The line manager requests the account or role in the IT ticket system.
2. The system owner approves the request; IT operations creates the account.
3. Privileged rights (administrator, ERP key user) need the ISMS manager's approval as well.

## Reviewing access

Every quarter the system owners review the accounts of the ERP and the CRM; IT removes what is
no longer needed within five working days.

## Leavers

HR sends the leaver list every Friday; accounts are disabled on the last working day.
"""

BACKUP = """# Backup procedure

| System | What | When | Kept |
|---|---|---|---|
| File server | Full image | Nightly, 01:00 | 30 days |
| ERP database | Full dump | Nightly, 02:00 | 90 days |
| Both | Weekly copy to immutable cloud storage | Sunday | 12 months |

The backup operator checks the job report every morning and opens a ticket for every failed job.
A restore of one sample file and of the ERP database is tested **every quarter**; the result is
recorded as evidence.
"""

INCIDENT = """# Incident response procedure

1. **Report**: anyone who notices a possible incident calls the IT hotline (ext. 555) or writes
   to the hotline address.
2. **Triage**: the ISMS manager classifies the incident (low, medium, high) within four hours.
3. **Contain and recover**: IT operations, with the managed service provider if needed.
4. **Notify**: personal data breaches are assessed for notification to the supervisory authority
   within 72 hours.
5. **Learn**: a short lessons-learned note is recorded for every medium or high incident.
"""

CLEAN_DESK = """# Clean desk guideline (2019)

Lock away documents marked *Confidential* at the end of the day. Replaced by the information
security policy v1.0 and the acceptable use policy.
"""

BCP = """# Business continuity plan

Recovery order after a site outage: network and firewall, file server, ERP, e-mail. Recovery
time objective for the ERP: one working day. The plan is exercised once a year.
"""


def _approve(document: Document, owner: Any) -> DocumentVersion:
    services.document_transition(
        document=document, actor=owner, to="in_review", version=document.version
    )
    return services.document_approve(
        document=document, actor=owner, version=document.version, comment="Approved for use."
    )


def load_demo(*, organization: Any, owner: Any, colleagues: dict[str, Any]) -> None:
    if scoped(Document, organization).exists():
        return
    people = {"owner": owner, **{k: v for k, v in colleagues.items() if v is not None}}
    manager = people.get("manager", owner)
    contributor = people.get("contributor", manager)
    with transaction.atomic():

        def create(title: str, type_: str, body: str, by: Any, **data: Any) -> Document:
            return services.document_create(
                organization=organization,
                actor=owner,
                title=title,
                type=type_,
                body_markdown=body,
                owner=by,
                change_note="First issue.",
                **data,
            )

        policy = create(
            "Information security policy",
            "policy",
            POLICY_V1,
            owner,
            classification="Public",
            retention="Superseded versions kept for 5 years",
        )
        _approve(policy, owner)
        services.draft_start(document=policy, actor=owner, bump="minor")
        services.draft_update(
            document=policy,
            actor=owner,
            version=1,
            body_markdown=POLICY_V1 + POLICY_V11_ADDITION,
            change_note=POLICY_V11_NOTE,
        )
        policy.refresh_from_db()
        services.document_transition(
            document=policy, actor=owner, to="in_review", version=policy.version
        )

        for title, body, by in (
            ("Access control procedure", ACCESS, manager),
            ("Backup procedure", BACKUP, contributor),
            ("Incident response procedure", INCIDENT, manager),
        ):
            document = create(
                title, "procedure", body, by, classification="Internal", retention="3 years"
            )
            _approve(document, owner)

        if methodology_current(organization=organization) is not None:
            services.methodology_document_generate(organization=organization, actor=owner)

        retired = create(
            "Clean desk guideline", "standard", CLEAN_DESK, manager, classification="Internal"
        )
        _approve(retired, owner)
        retired.refresh_from_db()
        services.document_transition(
            document=retired, actor=owner, to="retired", version=retired.version
        )

        bcp = create(
            "Business continuity plan",
            "plan",
            BCP,
            manager,
            classification="Confidential",
            review_interval_months=12,
            retention="5 years",
        )
        approved = _approve(bcp, owner)
        # Demo only: this plan was approved 14 months ago, so its review is two months overdue.
        # (An approved version is never changed by the application; the demo writes history.)
        approved_at = timezone.now() - dt.timedelta(days=426)
        DocumentVersion.objects.filter(pk=approved.pk).update(approved_at=approved_at)
        Document.objects.filter(pk=bcp.pk).update(
            next_review=services.add_months(timezone.localdate(approved_at), 12)
        )
        _cite(organization, owner)


def _cite(organization: Any, owner: Any) -> None:
    """The demo controls name their documents in free text ("PRO-08 Backup procedure"): those
    now in the register are linked as well. The text stays while the SoA's documents column
    reads it (``soa.selectors._controls``)."""
    by_title = {
        d.title.lower(): d
        for d in scoped(Document, organization).exclude(status="retired").order_by("ref")
    }
    for control in scoped(Control, organization).order_by("ref"):
        cited = [
            doc
            for line in control.documentation.splitlines()
            for title, doc in by_title.items()
            if line.strip().lower().endswith(title)
        ]
        if cited:
            control_services.control_update(
                control=control, actor=owner, version=control.version, documents=cited
            )


def demo_hook(*, organization: Any, owner: Any, colleagues: dict[str, Any], full: bool) -> None:
    if full:
        load_demo(organization=organization, owner=owner, colleagues=colleagues)
