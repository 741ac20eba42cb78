"""Demo content for nonconformities and improvement: one nonconformity in each state (one opened
from the failed "Restore test" run of the controls demo), corrective actions including an
overdue one, a verification found ineffective and then effective, and three improvement
opportunities. Written through the services; idempotent (nothing when the organisation already
has nonconformities)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from openisms.catalog.models import RequirementNode
from openisms.controls.models import ControlTestRun
from openisms.core.gate import scoped
from openisms.improvement import services
from openisms.improvement.models import Nonconformity

ISO = "urn:openisms:framework:iso27001-2022"


def _req(ref: str) -> RequirementNode | None:
    return RequirementNode.objects.filter(framework__urn=ISO, ref_id=ref).first()


def _move(nc: Nonconformity, actor: Any, *statuses: str) -> Nonconformity:
    for to in statuses:
        nc = services.nonconformity_transition(nc=nc, actor=actor, to=to, version=nc.version)
    return nc


def _done(nc: Nonconformity, actor: Any, note: str) -> None:
    for action in nc.actions.all():
        services.action_update(
            action=action, actor=actor, version=action.version, status="done", progress_note=note
        )


def load_demo(*, organization: Any, owner: Any, colleagues: dict[str, Any]) -> None:
    from openisms.risks.demo import _people

    if scoped(Nonconformity, organization).exists():
        return
    people = _people(organization, owner, colleagues)
    manager, contributor = people["manager"], people["contributor"]
    today = timezone.localdate()

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    with transaction.atomic():
        # 1. From the failed restore test (action planned; one action overdue).
        run = (
            scoped(ControlTestRun, organization)
            .filter(test__name="Restore test", result="fail", nonconformity_ref="")
            .order_by("-performed_on")
            .first()
        )
        if run is not None:
            nc = services.nonconformity_from_test_run(
                run=run,
                actor=owner,
                severity="major",
                owner=contributor,
                requirement=_req("A.8.13"),
            )
            services.nonconformity_update(
                nc=nc,
                actor=owner,
                version=nc.version,
                correction="Sunday's backup set re-run manually and the restore repeated "
                "successfully from Monday's set.",
                root_cause="The weekly full backup overlaps the ERP maintenance window; the job "
                "is killed when the database restarts and no alert is raised.",
                five_whys=[
                    "Why did the restore stop? The backup set was incomplete.",
                    "Why was it incomplete? The Sunday job was killed mid-way.",
                    "Why was it killed? The ERP database restarted during the job.",
                    "Why did nobody notice? Failed jobs do not raise an alert.",
                    "Why no alert? Monitoring of backup jobs was never set up.",
                ],
            )
            nc.refresh_from_db()
            nc = _move(nc, owner, "analysed")
            services.action_create(
                nc=nc,
                actor=owner,
                title="Move the weekly full backup out of the ERP maintenance window",
                owner=contributor,
                due_date=today - dt.timedelta(days=10),
                status="in_progress",
                progress_note="MSP asked to change the schedule; waiting for their change slot.",
            )
            services.action_create(
                nc=nc,
                actor=owner,
                title="Alert the IT lead by e-mail when a backup job fails",
                owner=contributor,
                due_date=today + dt.timedelta(days=20),
            )
            _move(nc, owner, "action_planned")

        # 2. Open: an audit finding not analysed yet.
        services.nonconformity_create(
            organization=organization,
            actor=owner,
            title="Visitor log not kept at the plant gate",
            description="On two of five days sampled, visitors entered the plant without "
            "signing in.",
            source="audit_finding",
            source_reference="Internal audit 2026-1, finding 3",
            requirement=_req("A.7.2"),
            severity="minor",
            owner=manager,
            detected_on=ago(6),
        )

        # 3. Analysed: a customer complaint with its root cause.
        nc = services.nonconformity_create(
            organization=organization,
            actor=owner,
            title="Customer received another customer's order confirmation",
            description="An order confirmation was e-mailed to the wrong customer.",
            source="complaint",
            source_reference="Complaint C-2026-014",
            requirement=_req("A.5.10"),
            severity="minor",
            owner=manager,
            detected_on=ago(15),
            correction="Customer asked to delete the e-mail; the right customer informed.",
            root_cause="The CRM autocompletes the e-mail address from the company name; two "
            "customers share a name.",
            five_whys=[
                "Why was it sent to the wrong customer? The wrong address was selected.",
                "Why? The CRM proposed it from the company name.",
                "Why? Two customers have the same trading name.",
            ],
        )
        _move(nc, owner, "analysed")

        # 4. Verifying: actions done, effectiveness not verified yet.
        nc = services.nonconformity_create(
            organization=organization,
            actor=owner,
            title="Two leavers still active in the CRM",
            source="control_test",
            source_reference="Quarterly access review (partial result)",
            requirement=_req("A.5.18"),
            severity="minor",
            owner=manager,
            detected_on=ago(200),
            correction="Both accounts disabled the same day.",
            root_cause="The CRM is not on the leaver checklist (it is a SaaS outside the "
            "directory).",
        )
        nc = _move(nc, owner, "analysed")
        services.action_create(
            nc=nc,
            actor=owner,
            title="Add the CRM to the leaver checklist",
            owner=manager,
            due_date=ago(150),
        )
        nc = _move(nc, owner, "action_planned")
        _done(nc, manager, "Checklist v4 published.")
        nc.refresh_from_db()
        _move(nc, owner, "verifying")

        # 5. Closed: ineffective first, then effective.
        nc = services.nonconformity_create(
            organization=organization,
            actor=owner,
            title="Monthly patch window missed for two servers",
            source="management_review",
            source_reference="Management review, March",
            requirement=_req("A.8.8"),
            severity="major",
            owner=contributor,
            detected_on=ago(120),
            correction="Both servers patched the following week.",
            root_cause="The servers were missing from the MSP's patch group after a migration.",
        )
        nc = _move(nc, owner, "analysed")
        services.action_create(
            nc=nc,
            actor=owner,
            title="Add the migrated servers to the patch group",
            owner=contributor,
            due_date=ago(100),
        )
        nc = _move(nc, owner, "action_planned")
        _done(nc, contributor, "Added.")
        nc.refresh_from_db()
        nc = _move(nc, owner, "verifying")
        services.verification_record(
            nc=nc,
            actor=owner,
            result="ineffective",
            verified_on=ago(70),
            notes="The next patch report still missed one server: new servers are not added "
            "to the group automatically.",
        )
        nc.refresh_from_db()
        services.action_create(
            nc=nc,
            actor=owner,
            title="Patch group assigned automatically from the server inventory",
            owner=contributor,
            due_date=ago(50),
        )
        _done(nc, contributor, "Dynamic group in place since the last migration.")
        nc.refresh_from_db()
        nc = _move(nc, owner, "verifying")
        services.verification_record(
            nc=nc,
            actor=owner,
            result="effective",
            verified_on=ago(20),
            notes="Two consecutive patch reports cover every server.",
        )
        nc.refresh_from_db()
        _move(nc, owner, "closed")

        for title, source, status, outcome, person in (
            (
                "Single sign-on for the CRM and the ERP",
                "Staff suggestion",
                "accepted",
                "",
                manager,
            ),
            (
                "Replace paper visitor log with a tablet sign-in",
                "Internal audit 2026-1",
                "proposed",
                "",
                manager,
            ),
            (
                "Automated evidence collection for the backup control",
                "Management review, March",
                "implemented",
                "Backup job log exported to the evidence register every week.",
                contributor,
            ),
        ):
            services.opportunity_create(
                organization=organization,
                actor=owner,
                title=title,
                source=source,
                status=status,
                outcome=outcome,
                owner=person,
            )


def demo_hook(*, organization: Any, owner: Any, colleagues: dict[str, Any], full: bool) -> None:
    if full:
        load_demo(organization=organization, owner=owner, colleagues=colleagues)
