"""Reads for nonconformities, corrective actions and improvement opportunities (through the
scoped gate). Lists cost a constant number of queries whatever their length."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from openisms.core.gate import get_scoped_or_404, scoped
from openisms.improvement.choices import OPEN_ACTIONS
from openisms.improvement.models import (
    CorrectiveAction,
    EffectivenessVerification,
    ImprovementOpportunity,
    Nonconformity,
)


def overdue_q(prefix: str = "", today: Any = None) -> Q:
    today = today or timezone.localdate()
    return Q(**{f"{prefix}status__in": OPEN_ACTIONS, f"{prefix}due_date__lt": today})


@dataclass(frozen=True)
class NcFilter:
    q: str = ""
    status: str = ""
    severity: str = ""
    source: str = ""
    owner: int | None = None
    overdue: bool = False


def nonconformity_list(*, organization: Any, filters: NcFilter | None = None) -> QuerySet:
    """With ``action_count``, ``open_action_count`` and ``overdue_count`` annotated."""
    f = filters or NcFilter()
    qs = (
        scoped(Nonconformity, organization)
        .select_related("owner", "requirement")
        .annotate(
            action_count=Count("actions", distinct=True),
            open_action_count=Count(
                "actions", filter=Q(actions__status__in=OPEN_ACTIONS), distinct=True
            ),
            overdue_count=Count("actions", filter=overdue_q("actions__"), distinct=True),
        )
    )
    if f.q:
        qs = qs.filter(
            Q(ref__icontains=f.q)
            | Q(title__icontains=f.q)
            | Q(description__icontains=f.q)
            | Q(source_reference__icontains=f.q)
        )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.severity:
        qs = qs.filter(severity=f.severity)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    if f.overdue:
        qs = qs.filter(overdue_count__gt=0)
    return qs.order_by("-detected_on", "-pk")


def nonconformity_get(*, organization: Any, pk: int) -> Nonconformity:
    qs = scoped(Nonconformity, organization).select_related(
        "owner", "requirement", "requirement__framework", "test_run__test__control"
    )
    return get_scoped_or_404(qs, organization, pk=pk)


def nonconformity_actions(nc: Nonconformity) -> list[CorrectiveAction]:
    return list(nc.actions.select_related("owner").order_by("due_date", "pk"))


def nonconformity_incidents(nc: Nonconformity) -> list[Any]:
    """The incidents linked to the nonconformity, newest first (one query)."""
    return list(nc.incidents.select_related("owner").order_by("-detected_at", "-pk"))  # type: ignore[attr-defined]


def nonconformity_verifications(nc: Nonconformity) -> list[EffectivenessVerification]:
    return list(nc.verifications.select_related("verified_by").order_by("-verified_on", "-pk"))


@dataclass(frozen=True)
class ActionFilter:
    status: str = ""
    owner: int | None = None
    overdue: bool = False
    nonconformity: int | None = None


def action_list(*, organization: Any, filters: ActionFilter | None = None) -> QuerySet:
    """Overdue first (then open by due date, then the rest)."""
    f = filters or ActionFilter()
    today = timezone.localdate()

    qs = (
        scoped(CorrectiveAction, organization)
        .select_related("owner", "nonconformity")
        .annotate(
            rank=Case(
                When(overdue_q(today=today), then=Value(0)),
                When(status__in=OPEN_ACTIONS, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
    )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    if f.overdue:
        qs = qs.filter(overdue_q(today=today))
    if f.nonconformity:
        qs = qs.filter(nonconformity_id=f.nonconformity)
    return qs.order_by("rank", "due_date", "pk")


def action_get(*, organization: Any, pk: int) -> CorrectiveAction:
    qs = scoped(CorrectiveAction, organization).select_related("owner", "nonconformity")
    return get_scoped_or_404(qs, organization, pk=pk)


def verification_list(*, nc: Nonconformity) -> QuerySet:
    return nc.verifications.select_related("verified_by").order_by("-verified_on", "-pk")


@dataclass(frozen=True)
class OpportunityFilter:
    q: str = ""
    status: str = ""
    owner: int | None = None


def opportunity_list(*, organization: Any, filters: OpportunityFilter | None = None) -> QuerySet:
    f = filters or OpportunityFilter()
    qs = scoped(ImprovementOpportunity, organization).select_related("owner")
    if f.q:
        qs = qs.filter(
            Q(ref__icontains=f.q) | Q(title__icontains=f.q) | Q(description__icontains=f.q)
        )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    return qs.order_by("-created_at", "-pk")


def opportunity_get(*, organization: Any, pk: int) -> ImprovementOpportunity:
    qs = scoped(ImprovementOpportunity, organization).select_related("owner")
    return get_scoped_or_404(qs, organization, pk=pk)


def failed_run_get(*, organization: Any, pk: int) -> Any:
    from openisms.controls.models import ControlTestRun

    qs = scoped(ControlTestRun, organization).select_related("test__control")
    return get_scoped_or_404(qs, organization, pk=pk)


def overdue_action_count(*, organization: Any) -> int:
    return scoped(CorrectiveAction, organization).filter(overdue_q()).count()


def _user(u: Any) -> str:
    return u.email if u is not None else ""


NC_HEADER = [
    "ref",
    "title",
    "source",
    "source_reference",
    "severity",
    "status",
    "owner",
    "detected_on",
    "requirement",
    "root_cause",
    "actions",
    "open_actions",
    "overdue_actions",
    "closed_on",
]


def nc_export_rows(*, organization: Any, filters: NcFilter | None = None) -> Any:
    for nc in nonconformity_list(organization=organization, filters=filters).iterator():
        yield [
            nc.ref,
            nc.title,
            nc.source,
            nc.source_reference,
            nc.severity,
            nc.status,
            _user(nc.owner),
            nc.detected_on,
            nc.requirement.ref_id if nc.requirement else "",
            nc.root_cause,
            nc.action_count,
            nc.open_action_count,
            nc.overdue_count,
            nc.closed_on,
        ]


ACTION_HEADER = [
    "ref",
    "nonconformity",
    "title",
    "owner",
    "due_date",
    "status",
    "overdue",
    "progress_note",
    "completed_on",
]


def action_export_rows(*, organization: Any, filters: ActionFilter | None = None) -> Any:
    today = timezone.localdate()
    for a in action_list(organization=organization, filters=filters).iterator():
        yield [
            a.ref,
            a.nonconformity.ref,
            a.title,
            _user(a.owner),
            a.due_date,
            a.status,
            "yes" if a.is_overdue(today) else "no",
            a.progress_note,
            a.completed_on,
        ]


OPPORTUNITY_HEADER = ["ref", "title", "description", "source", "owner", "status", "outcome"]


def opportunity_export_rows(*, organization: Any, filters: OpportunityFilter | None = None) -> Any:
    for o in opportunity_list(organization=organization, filters=filters).iterator():
        yield [o.ref, o.title, o.description, o.source, _user(o.owner), o.status, o.outcome]
