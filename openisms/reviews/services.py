"""Writes for management reviews and their decisions. Every write goes through
``openisms.core.services`` (validation, optimistic locking, audit trail).

Lifecycle: planned → prepared (inputs compiled; may be compiled again) → held (compiled one last
time and frozen) → closed (minutes approved by the chair or an owner: minutes and attendees
frozen). Only a planned review may be deleted. Decisions are recorded on a held review and
tracked to closure (done or cancelled, with an outcome) whatever the review's status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.accounts.roles import Role
from openisms.assets.services import check_member
from openisms.core.gate import current_members, require, scoped
from openisms.core.refs import next_ref
from openisms.core.services import record_create, record_delete, record_m2m, record_update
from openisms.reviews.choices import (
    CLOSED_DECISIONS,
    DECISION_TRANSITIONS,
    HELD_STATUSES,
    DecisionKind,
    DecisionStatus,
    ReviewStatus,
)
from openisms.reviews.inputs import canonical_hash, compile_inputs
from openisms.reviews.models import MAX_YEAR, MIN_YEAR, ManagementReview, ReviewDecision

VIEW = "reviews.view_review"
CHANGE = "reviews.change_review"
UPDATE = "reviews.update_decision"

REVIEW_FIELDS = {
    "title",
    "planned_on",
    "chair",
    "location",
    "external_attendees",
    "period_start",
    "period_end",
    "interested_party_feedback",
    "minutes",
}
# What may still change once the review is held (the inputs are frozen). Who chaired the
# meeting is a fact: it is not changed afterwards (the chair approves the minutes).
HELD_FIELDS = {"title", "location", "external_attendees", "minutes"}
DECISION_FIELDS = {"kind", "title", "description", "owner", "due_date"}
PROGRESS_FIELDS = {"status", "outcome", "closed_on"}

DEFAULT_PERIOD = dt.timedelta(days=365)


def _check_fields(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))


def _check_dates(data: dict[str, Any]) -> None:
    """Dates in a plausible range, checked before any period arithmetic."""
    for field in ("planned_on", "held_on", "period_start", "period_end"):
        value = data.get(field)
        if isinstance(value, dt.date) and not (MIN_YEAR <= value.year <= MAX_YEAR):
            raise ValidationError(
                {field: _("Give a year between %(a)s and %(b)s.") % {"a": MIN_YEAR, "b": MAX_YEAR}}
            )


def check_attendees(organization: Any, users: Iterable[Any]) -> list[Any]:
    """Attendees are current members of the organisation (one query)."""
    users = list(users)
    ids = {u.pk for u in users}
    members = set(
        current_members(organization).filter(user_id__in=ids).values_list("user_id", flat=True)
    )
    strangers = [u for u in users if u.pk not in members]
    if strangers:
        raise ValidationError(
            {
                "attendees": _("Not members of this organisation: %s.")
                % ", ".join(sorted(str(u) for u in strangers))
            }
        )
    return users


def previous_review(organization: Any, before: dt.date, exclude: Any = None) -> Any:
    """The latest review held on or before ``before``."""
    qs = scoped(ManagementReview, organization).filter(
        status__in=HELD_STATUSES, held_on__lte=before
    )
    if exclude is not None and exclude.pk:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("-held_on", "-pk").first()


def default_period(
    organization: Any, planned_on: dt.date, exclude: Any = None
) -> tuple[dt.date, dt.date]:
    """From the previous held review's date, else 12 months back; until the planned date."""
    previous = previous_review(organization, planned_on, exclude=exclude)
    start = previous.held_on if previous is not None else planned_on - DEFAULT_PERIOD
    return start, planned_on


def _set_inputs(review: ManagementReview, period_end: dt.date | None = None) -> dict[str, Any]:
    end = period_end or review.period_end
    inputs = compile_inputs(review.organization, review.period_start, end, review)
    return {
        "inputs": inputs,
        "inputs_compiled_at": timezone.now(),
        "inputs_hash": canonical_hash(inputs),
    }


# --- reviews ------------------------------------------------------------------------------------


def review_create(
    *,
    organization: Any,
    actor: Any,
    attendees: Iterable[Any] | None = None,
    **data: Any,
) -> ManagementReview:
    require(actor, CHANGE, organization)
    _check_fields(data, REVIEW_FIELDS)
    _check_dates(data)
    check_member(organization, data.get("chair"), "chair")
    people = check_attendees(organization, attendees or [])
    if not data.get("planned_on"):
        raise ValidationError({"planned_on": _("Say when the review is planned.")})
    start, end = default_period(organization, data["planned_on"])
    if not data.get("period_start"):
        data["period_start"] = start
    if not data.get("period_end"):
        data["period_end"] = end
    with transaction.atomic():
        review = ManagementReview(
            organization=organization, ref=next_ref(organization, "MR"), **data
        )
        record_create(review, actor=actor)
        if people:
            record_m2m(review, actor=actor, field="attendees", ids=[u.pk for u in people])
    return review


def review_update(
    *,
    review: ManagementReview,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    attendees: Iterable[Any] | None = None,
    **data: Any,
) -> ManagementReview:
    require(actor, CHANGE, review)
    _check_fields(data, REVIEW_FIELDS)
    _check_dates(data)
    if review.status == ReviewStatus.CLOSED:
        raise ValidationError(
            _("%s is closed: its minutes were approved and are no longer edited.") % review.ref
        )
    if review.status == ReviewStatus.HELD:
        frozen = {k for k in set(data) - HELD_FIELDS if data[k] != getattr(review, k)}
        if frozen:
            raise ValidationError(
                {
                    k: _("%s was held: its date, chair and inputs are frozen.") % review.ref
                    for k in sorted(frozen)
                }
            )
        data = {k: v for k, v in data.items() if k in HELD_FIELDS}
    check_member(review.organization, data.get("chair"), "chair")
    people = check_attendees(review.organization, attendees) if attendees is not None else None
    if "planned_on" in data and data["planned_on"] is None:
        raise ValidationError({"planned_on": _("Say when the review is planned.")})
    if data.get("period_start", 1) is None or data.get("period_end", 1) is None:
        start, end = default_period(
            review.organization, data.get("planned_on") or review.planned_on, exclude=review
        )
        if data.get("period_start", 1) is None:
            data["period_start"] = start
        if data.get("period_end", 1) is None:
            data["period_end"] = end
    with transaction.atomic():
        review = record_update(
            review, actor=actor, data=data, expected_version=version, if_match=if_match
        )
        if people is not None:
            record_m2m(review, actor=actor, field="attendees", ids=[u.pk for u in people])
    return review


def review_delete(
    *, review: ManagementReview, actor: Any, version: int | None, if_match: bool = False
) -> None:
    require(actor, CHANGE, review)
    if review.status != ReviewStatus.PLANNED:
        raise ValidationError(
            _("%s was prepared or held; only a planned review can be deleted.") % review.ref
        )
    record_delete(review, actor=actor, expected_version=version, if_match=if_match)


def review_prepare(
    *, review: ManagementReview, actor: Any, version: int | None, if_match: bool = False
) -> ManagementReview:
    """planned → prepared: the inputs are compiled from the live data."""
    require(actor, CHANGE, review)
    if review.status != ReviewStatus.PLANNED:
        raise ValidationError(
            {"status": _("%s is not planned: it was prepared already.") % review.ref}
        )
    return record_update(
        review,
        actor=actor,
        data={"status": ReviewStatus.PREPARED, **_set_inputs(review)},
        expected_version=version,
        if_match=if_match,
        action="review.prepare",
    )


def review_recompile(
    *, review: ManagementReview, actor: Any, version: int | None, if_match: bool = False
) -> ManagementReview:
    """Compile the inputs again from the live data (until the review is held)."""
    require(actor, CHANGE, review)
    if review.status in HELD_STATUSES:
        raise ValidationError(
            {
                "inputs": _("%(ref)s was held on %(date)s: its inputs are frozen.")
                % {"ref": review.ref, "date": review.held_on}
            }
        )
    if review.status != ReviewStatus.PREPARED:
        raise ValidationError({"status": _("Prepare %s first.") % review.ref})
    return record_update(
        review,
        actor=actor,
        data=_set_inputs(review),
        expected_version=version,
        if_match=if_match,
        action="review.recompile",
    )


def review_hold(
    *,
    review: ManagementReview,
    actor: Any,
    version: int | None,
    held_on: dt.date | None = None,
    if_match: bool = False,
) -> ManagementReview:
    """prepared → held: the inputs are compiled one last time and frozen."""
    require(actor, CHANGE, review)
    if review.status != ReviewStatus.PREPARED:
        raise ValidationError(
            {"status": _("Only a prepared review (inputs compiled) can be held.")}
        )
    held_on = held_on or timezone.localdate()
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("A review cannot be held in the future.")})
    if held_on < review.period_start:
        raise ValidationError(
            {"held_on": _("The review cannot be held before the period its inputs cover.")}
        )
    if review.chair_id is None:
        raise ValidationError({"chair": _("Name the chair before holding the review.")})
    check_member(review.organization, review.chair, "chair")
    if not review.attendees.exists():
        raise ValidationError({"attendees": _("Record at least one attendee.")})
    with transaction.atomic():
        locked = ManagementReview.objects.select_for_update().get(pk=review.pk)
        if locked.status != ReviewStatus.PREPARED:
            raise ValidationError({"status": _("%s is no longer prepared.") % review.ref})
        period_end = max(review.period_end, held_on)
        data = {
            "status": ReviewStatus.HELD,
            "held_on": held_on,
            "period_end": period_end,
            **_set_inputs(review, period_end),
        }
        return record_update(
            review,
            actor=actor,
            data=data,
            expected_version=version,
            if_match=if_match,
            action="review.hold",
        )


def may_close(actor: Any, review: ManagementReview) -> bool:
    """The chair or an owner of the organisation approves the minutes."""
    if not actor.has_perm(CHANGE, review):
        return False
    if review.chair_id == actor.pk:
        return True
    return bool(
        current_members(review.organization).filter(user_id=actor.pk, role=Role.OWNER).exists()
    )


def review_close(
    *,
    review: ManagementReview,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    closed_on: dt.date | None = None,
) -> ManagementReview:
    """held → closed: the minutes are approved (``closed_on``, default today); minutes and
    attendees are frozen."""
    require(actor, CHANGE, review)
    if review.status != ReviewStatus.HELD:
        raise ValidationError({"status": _("Only a held review can be closed.")})
    if not review.minutes.strip():
        raise ValidationError({"minutes": _("Write the minutes before approving them.")})
    if not may_close(actor, review):
        raise PermissionDenied(_("The chair or an owner approves the minutes."))
    closed_on = closed_on or timezone.localdate()
    if closed_on > timezone.localdate() or (review.held_on and closed_on < review.held_on):
        raise ValidationError(
            {"closed_on": _("The minutes are approved after the meeting, and not in the future.")}
        )
    return record_update(
        review,
        actor=actor,
        data={
            "status": ReviewStatus.CLOSED,
            "closed_on": closed_on,
            "closed_by": actor,
        },
        expected_version=version,
        if_match=if_match,
        action="review.close",
    )


# --- decisions ----------------------------------------------------------------------------------


def decision_create(*, review: ManagementReview, actor: Any, **data: Any) -> ReviewDecision:
    require(actor, CHANGE, review)
    _check_fields(data, DECISION_FIELDS)
    check_member(review.organization, data.get("owner"), "owner")
    if review.status != ReviewStatus.HELD:
        raise ValidationError(
            _("Decisions are recorded on a held review whose minutes are not approved yet.")
        )
    with transaction.atomic():
        decision = ReviewDecision(
            organization=review.organization,
            review=review,
            ref=next_ref(review.organization, "MRD"),
            **data,
        )
        if decision.owner_id is None and actor is not None:
            decision.owner = actor
        return record_create(decision, actor=actor)


def transition_problem(decision: ReviewDecision, to: str) -> str | None:
    if to == decision.status:
        return None
    if to not in DECISION_TRANSITIONS.get(decision.status, ()):
        return _("A decision cannot go from %(a)s to %(b)s.") % {
            "a": DecisionStatus(decision.status).label,
            "b": DecisionStatus(to).label if to in DecisionStatus.values else to,
        }
    return None


def decision_update(
    *,
    decision: ReviewDecision,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    **data: Any,
) -> ReviewDecision:
    """Progress (status, outcome) needs ``update_decision`` on the decision (contributors: the
    ones they own); what was decided (title, kind, owner, due date) needs ``change_review``."""
    require(actor, UPDATE, decision)
    _check_fields(data, DECISION_FIELDS | PROGRESS_FIELDS)
    defining = {k for k in set(data) & DECISION_FIELDS if data[k] != getattr(decision, k)}
    if defining:
        require(actor, CHANGE, decision.organization)
        if decision.review.status == ReviewStatus.CLOSED:
            raise ValidationError(
                {
                    k: _(
                        "%(ref)s is in the approved minutes of %(review)s: only its progress "
                        "is recorded now."
                    )
                    % {"ref": decision.ref, "review": decision.review.ref}
                    for k in sorted(defining)
                }
            )
    check_member(decision.organization, data.get("owner"), "owner")
    if decision.status in CLOSED_DECISIONS:
        raise ValidationError(
            _("%s is closed (done or cancelled); it is no longer edited.") % decision.ref
        )
    status = data.get("status", decision.status)
    problem = transition_problem(decision, status)
    if problem:
        raise ValidationError({"status": problem})
    if status in CLOSED_DECISIONS:
        if not (data.get("outcome", decision.outcome) or "").strip():
            raise ValidationError({"outcome": _("Say what came of it (the outcome).")})
        today = timezone.localdate()
        closed_on = data.get("closed_on") or today
        if closed_on > today:
            raise ValidationError({"closed_on": _("A decision cannot be closed in the future.")})
        if decision.review.held_on and closed_on < decision.review.held_on:
            raise ValidationError(
                {"closed_on": _("A decision cannot be closed before the review that made it.")}
            )
        data["closed_on"] = closed_on
    else:
        data["closed_on"] = None
    if (
        decision.kind == DecisionKind.OBJECTIVE
        and data.get("kind", decision.kind) != DecisionKind.OBJECTIVE
        and decision.objective_id
    ) or (
        decision.kind == DecisionKind.IMPROVEMENT
        and data.get("kind", decision.kind) != DecisionKind.IMPROVEMENT
        and decision.opportunity_id
    ):
        raise ValidationError({"kind": _("The decision already created its record.")})
    action = "decision.transition" if "status" in data else "update"
    return record_update(
        decision,
        actor=actor,
        data=data,
        expected_version=version,
        if_match=if_match,
        action=action,
    )


def decision_delete(
    *, decision: ReviewDecision, actor: Any, version: int | None, if_match: bool = False
) -> None:
    """A mistake: an open decision of a review whose minutes are not approved."""
    require(actor, CHANGE, decision.organization)
    if decision.status != DecisionStatus.OPEN:
        raise ValidationError(
            _("%s is being acted on; close it (cancelled) instead of deleting it.") % decision.ref
        )
    if decision.review.status == ReviewStatus.CLOSED:
        raise ValidationError(
            _("The minutes of %s were approved; cancel the decision instead.") % decision.review.ref
        )
    if decision.objective_id or decision.opportunity_id:
        raise ValidationError(_("%s created a record; cancel it instead.") % decision.ref)
    record_delete(decision, actor=actor, expected_version=version, if_match=if_match)


def _check_not_cancelled(decision: ReviewDecision) -> None:
    if decision.status == DecisionStatus.CANCELLED:
        raise ValidationError({"status": _("%s was cancelled: it creates nothing.") % decision.ref})


def decision_create_objective(*, decision: ReviewDecision, actor: Any) -> Any:
    """A decision of kind objective creates its information security objective (linked)."""
    from openisms.objectives.services import objective_create

    require(actor, CHANGE, decision.organization)
    if decision.kind != DecisionKind.OBJECTIVE:
        raise ValidationError({"kind": _("Only a decision of kind objective creates one.")})
    _check_not_cancelled(decision)
    if decision.objective_id:
        raise ValidationError({"objective": _("%s already created an objective.") % decision.ref})
    with transaction.atomic():
        locked = ReviewDecision.objects.select_for_update().get(pk=decision.pk)
        if locked.objective_id:
            raise ValidationError(
                {"objective": _("%s already created an objective.") % decision.ref}
            )
        plan = decision.description or ""
        objective = objective_create(
            organization=decision.organization,
            actor=actor,
            title=decision.title,
            plan=(plan + "\n\n" if plan else "")
            + _("Decided at management review %(ref)s (%(decision)s).")
            % {"ref": decision.review.ref, "decision": decision.ref},
            owner=decision.owner,
            due_date=decision.due_date,
        )
        record_update(
            decision,
            actor=actor,
            data={"objective": objective},
            expected_version=locked.version,
            action="decision.objective",
        )
    return objective


def decision_create_opportunity(*, decision: ReviewDecision, actor: Any) -> Any:
    """A decision of kind improvement creates its entry in the improvement log (linked)."""
    from openisms.improvement.services import opportunity_create

    require(actor, CHANGE, decision.organization)
    _check_not_cancelled(decision)
    if decision.kind != DecisionKind.IMPROVEMENT:
        raise ValidationError(
            {"kind": _("Only a decision of kind improvement creates an opportunity.")}
        )
    if decision.opportunity_id:
        raise ValidationError(
            {"opportunity": _("%s already created an improvement opportunity.") % decision.ref}
        )
    with transaction.atomic():
        locked = ReviewDecision.objects.select_for_update().get(pk=decision.pk)
        if locked.opportunity_id:
            raise ValidationError(
                {"opportunity": _("%s already created an improvement opportunity.") % decision.ref}
            )
        item = opportunity_create(
            organization=decision.organization,
            actor=actor,
            title=decision.title,
            description=decision.description,
            source=_("Management review %(ref)s (%(decision)s)")
            % {"ref": decision.review.ref, "decision": decision.ref},
            owner=decision.owner,
            status="accepted",
        )
        record_update(
            decision,
            actor=actor,
            data={"opportunity": item},
            expected_version=locked.version,
            action="decision.opportunity",
        )
    return item
