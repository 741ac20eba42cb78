"""Reads for management reviews and their decisions (through the scoped gate). Lists cost a
constant number of queries whatever their length."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from openisms.core.gate import get_scoped_or_404, scoped
from openisms.reviews.choices import OPEN_DECISIONS
from openisms.reviews.models import ManagementReview, ReviewDecision


def overdue_q(prefix: str = "", today: Any = None) -> Q:
    today = today or timezone.localdate()
    return Q(**{f"{prefix}status__in": OPEN_DECISIONS, f"{prefix}due_date__lt": today})


@dataclass(frozen=True)
class ReviewFilter:
    q: str = ""
    status: str = ""


def review_list(*, organization: Any, filters: ReviewFilter | None = None) -> QuerySet:
    """Annotated with ``decision_count``, ``open_decision_count`` and ``overdue_count``."""
    f = filters or ReviewFilter()
    qs = (
        scoped(ManagementReview, organization)
        .select_related("chair")
        .defer("inputs", "minutes")
        .annotate(
            decision_count=Count("decisions", distinct=True),
            open_decision_count=Count(
                "decisions", filter=Q(decisions__status__in=OPEN_DECISIONS), distinct=True
            ),
            overdue_count=Count("decisions", filter=overdue_q("decisions__"), distinct=True),
        )
    )
    if f.q:
        qs = qs.filter(Q(ref__icontains=f.q) | Q(title__icontains=f.q))
    if f.status:
        qs = qs.filter(status=f.status)
    return qs.order_by("-planned_on", "-pk")


def review_get(*, organization: Any, pk: int) -> ManagementReview:
    qs = scoped(ManagementReview, organization).select_related("chair", "closed_by")
    return get_scoped_or_404(qs, organization, pk=pk)


def review_attendees(review: ManagementReview) -> list[Any]:
    return list(review.attendees.order_by("full_name", "email"))


def review_decisions(review: ManagementReview) -> list[ReviewDecision]:
    return list(
        review.decisions.select_related("owner", "objective", "opportunity").order_by("ref")
    )


@dataclass(frozen=True)
class DecisionFilter:
    q: str = ""
    status: str = ""
    kind: str = ""
    owner: int | None = None
    overdue: bool = False
    open: bool = False
    review: int | None = None


def decision_list(*, organization: Any, filters: DecisionFilter | None = None) -> QuerySet:
    f = filters or DecisionFilter()
    qs = scoped(ReviewDecision, organization).select_related(
        "review", "owner", "objective", "opportunity"
    )
    if f.q:
        qs = qs.filter(
            Q(ref__icontains=f.q) | Q(title__icontains=f.q) | Q(description__icontains=f.q)
        )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    if f.overdue:
        qs = qs.filter(overdue_q())
    if f.open:
        qs = qs.filter(status__in=OPEN_DECISIONS)
    if f.review:
        qs = qs.filter(review_id=f.review)
    return qs.order_by("-review__planned_on", "ref")


def decision_get(*, organization: Any, pk: int) -> ReviewDecision:
    qs = scoped(ReviewDecision, organization).select_related(
        "review", "owner", "objective", "opportunity"
    )
    return get_scoped_or_404(qs, organization, pk=pk)


def _user(u: Any) -> str:
    return u.email if u is not None else ""


REVIEW_HEADER = [
    "ref",
    "title",
    "status",
    "planned_on",
    "held_on",
    "chair",
    "period_start",
    "period_end",
    "decisions",
    "open_decisions",
    "overdue_decisions",
    "inputs_compiled_at",
    "inputs_hash",
    "closed_on",
]


def review_export_rows(*, organization: Any, filters: ReviewFilter | None = None) -> Iterator:
    for r in review_list(organization=organization, filters=filters).iterator():
        yield [
            r.ref,
            r.title,
            r.status,
            r.planned_on,
            r.held_on,
            _user(r.chair),
            r.period_start,
            r.period_end,
            r.decision_count,
            r.open_decision_count,
            r.overdue_count,
            timezone.localtime(r.inputs_compiled_at).isoformat(timespec="seconds")
            if r.inputs_compiled_at
            else "",
            r.inputs_hash,
            r.closed_on,
        ]


DECISION_HEADER = [
    "ref",
    "review",
    "kind",
    "title",
    "owner",
    "due_date",
    "status",
    "overdue",
    "outcome",
    "closed_on",
    "objective",
    "opportunity",
]


def decision_export_rows(*, organization: Any, filters: DecisionFilter | None = None) -> Iterator:
    today = timezone.localdate()
    for d in decision_list(organization=organization, filters=filters).iterator():
        yield [
            d.ref,
            d.review.ref,
            d.kind,
            d.title,
            _user(d.owner),
            d.due_date,
            d.status,
            "yes" if d.is_overdue(today) else "no",
            d.outcome,
            d.closed_on,
            d.objective.ref if d.objective else "",
            d.opportunity.ref if d.opportunity else "",
        ]
