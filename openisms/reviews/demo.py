"""Demo content for management review: last year's review, held about five months ago (minutes
approved, inputs frozen as compiled for its period) with five decisions — one done, one open and
overdue, one that became an objective, a change to the ISMS in progress and one added to the
improvement log — and the next review, planned in three weeks and prepared (inputs compiled from
the live demo data, the earlier decisions carried into its input a). Written through the
services after every other demo; idempotent (nothing when the organisation has reviews)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from openisms.core.gate import scoped
from openisms.reviews import services
from openisms.reviews.models import ManagementReview

MINUTES = """\
## Opening

The managing director opened the review and confirmed the agenda: the inputs of ISO/IEC 27001
clause 9.3.2 as compiled in the pack sent a week before.

## Discussion

- **Previous actions.** The first management review; no earlier actions to follow up.
- **Context.** The customer audit programme of our largest automotive customer now requires
  TISAX-level evidence; NIS2 transposition brings reporting duties for the plant.
- **Performance.** Two major nonconformities in the period (backup restore, patching); the
  restore test metric is off target. The internal audit found the visitor log not kept.
- **Risks.** Ransomware on the ERP remains above the acceptance threshold until the offline
  backups are in place; its treatment is on plan.
- **Improvement.** Staff asked for single sign-on and a password manager.

## Conclusions

The ISMS remains suitable and adequate; its effectiveness depends on closing the backup and
patching findings. Resources approved for the OT network segmentation study.
"""

FEEDBACK = """\
Customer (automotive OEM): annual supplier questionnaire passed, with a request for evidence of
tested restores.
Insurer: renewal conditional on multi-factor authentication for remote access (in place).
Works council: asked for clearer rules on monitoring of company phones."""


def load_demo(*, organization: Any, owner: Any, colleagues: dict[str, Any]) -> None:
    from openisms.risks.demo import _people

    if scoped(ManagementReview, organization).exists():
        return
    people = _people(organization, owner, colleagues)
    manager, contributor = people["manager"], people["contributor"]
    team = list(dict.fromkeys([owner, manager, contributor]))
    today = timezone.localdate()

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    with transaction.atomic():
        held_on = ago(150)
        review = services.review_create(
            organization=organization,
            actor=owner,
            title="Annual management review",
            planned_on=held_on,
            chair=owner,
            location="Board room, Rotterdam plant (and video call)",
            attendees=team,
            external_attendees="Jan Visser, external ISMS consultant",
            interested_party_feedback=FEEDBACK,
            minutes=MINUTES,
        )
        review = services.review_prepare(review=review, actor=owner, version=review.version)
        review = services.review_hold(
            review=review, actor=owner, version=review.version, held_on=held_on
        )

        def decide(**data: Any) -> Any:
            return services.decision_create(review=review, actor=owner, **data)

        backup = decide(
            kind="action",
            title="Extend backup monitoring to the ERP database",
            description="Alert the IT lead when a backup job fails or runs late.",
            owner=contributor,
            due_date=ago(90),
        )
        phishing = decide(
            kind="action",
            title="Phishing simulation for all office staff twice a year",
            owner=manager,
            due_date=ago(20),
        )
        goal = decide(
            kind="objective",
            title="Restore critical systems within 8 hours",
            description="ERP, MES and file services restored from backup within 8 hours, "
            "proven by a yearly restore test.",
            owner=manager,
            due_date=today + dt.timedelta(days=200),
        )
        scope = decide(
            kind="isms_change",
            title="Bring the Rotterdam plant's OT network into the ISMS scope",
            description="Segmentation study, then scope statement, risk assessment and SoA "
            "updated (planning of changes, 6.3).",
            owner=owner,
            due_date=today + dt.timedelta(days=60),
        )
        password = decide(
            kind="improvement",
            title="Password manager for all staff",
            owner=manager,
            due_date=today + dt.timedelta(days=30),
        )
        review = services.review_close(
            review=review, actor=owner, version=review.version, closed_on=held_on + dt.timedelta(7)
        )

        services.decision_update(
            decision=backup,
            actor=contributor,
            version=backup.version,
            status="done",
            outcome="Backup job failures e-mail the IT lead since the MSP's last change window.",
            closed_on=ago(60),
        )
        services.decision_create_objective(decision=goal, actor=owner)
        goal.refresh_from_db()
        services.decision_update(
            decision=goal, actor=manager, version=goal.version, status="in_progress"
        )
        services.decision_update(
            decision=scope, actor=owner, version=scope.version, status="in_progress"
        )
        services.decision_create_opportunity(decision=password, actor=owner)
        del phishing  # stays open, past its due date

        upcoming = services.review_create(
            organization=organization,
            actor=owner,
            title="Annual management review",
            planned_on=today + dt.timedelta(days=21),
            chair=owner,
            location="Board room, Rotterdam plant",
            attendees=team,
            interested_party_feedback="Customer (automotive OEM): TISAX assessment planned "
            "for next quarter; evidence of tested restores requested again.",
        )
        services.review_prepare(review=upcoming, actor=owner, version=upcoming.version)


def demo_hook(*, organization: Any, owner: Any, colleagues: dict[str, Any], full: bool) -> None:
    if full:
        load_demo(organization=organization, owner=owner, colleagues=colleagues)
