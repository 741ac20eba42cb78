"""Reads for objectives, metrics and measurements (through the scoped gate). Lists cost a
constant number of queries whatever their length: each metric carries its latest measurement
as annotations (``latest_value``, ``latest_on``), from which ``status.metric_state`` derives
where it stands."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from openisms.core.gate import get_scoped_or_404, scoped
from openisms.objectives.choices import MetricStatus
from openisms.objectives.models import VALUE_DIGITS, VALUE_PLACES, Measurement, Metric, Objective
from openisms.objectives.status import metric_state

TREND_POINTS = 36
QUANTUM = Decimal(1).scaleb(-VALUE_PLACES)


def _latest(field: str) -> Subquery:
    latest = Measurement.objects.filter(metric=OuterRef("pk")).order_by("-measured_on", "-pk")
    if field == "value":
        return Subquery(
            latest.values("value")[:1],
            output_field=DecimalField(max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES),
        )
    return Subquery(latest.values(field)[:1])


def with_latest(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        latest_value=_latest("value"),
        latest_on=_latest("measured_on"),
        measurement_count=Count("measurements", distinct=True),
    )


# --- objectives ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectiveFilter:
    q: str = ""
    status: str = ""
    owner: int | None = None


def objective_list(*, organization: Any, filters: ObjectiveFilter | None = None) -> QuerySet:
    f = filters or ObjectiveFilter()
    qs = (
        scoped(Objective, organization)
        .select_related("owner")
        .annotate(metric_count=Count("metrics", distinct=True))
    )
    if f.q:
        qs = qs.filter(Q(ref__icontains=f.q) | Q(title__icontains=f.q) | Q(plan__icontains=f.q))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    return qs.order_by("ref")


def objective_get(*, organization: Any, pk: int) -> Objective:
    qs = scoped(Objective, organization).select_related("owner")
    return get_scoped_or_404(qs, organization, pk=pk)


def objective_choices(*, organization: Any) -> list[tuple[int, str]]:
    return [(o.pk, str(o)) for o in scoped(Objective, organization).order_by("ref")]


def metric_states(
    objectives: Iterable[Objective], *, organization: Any
) -> dict[int, dict[str, int]]:
    """Objective id → {status: number of its metrics in that status, "overdue": n} (one query)."""
    ids = [o.pk for o in objectives]
    result: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    if not ids:
        return result
    today = timezone.localdate()
    for metric in with_latest(scoped(Metric, organization).filter(objective_id__in=ids)):
        state = metric_state(metric, today)
        counts = result[metric.objective_id]
        counts[state["status"]] = counts.get(state["status"], 0) + 1
        if state["overdue"]:
            counts["overdue"] = counts.get("overdue", 0) + 1
    return result


# --- metrics ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricFilter:
    q: str = ""
    objective: int | None = None
    measured_by: int | None = None
    status: str = ""
    overdue: bool = False


def metric_list(*, organization: Any, filters: MetricFilter | None = None) -> QuerySet:
    """Annotated with ``latest_value``, ``latest_on`` and ``measurement_count``."""
    f = filters or MetricFilter()
    qs = with_latest(
        scoped(Metric, organization).select_related("objective", "measured_by", "analysed_by")
    )
    if f.q:
        qs = qs.filter(Q(ref__icontains=f.q) | Q(name__icontains=f.q) | Q(measured__icontains=f.q))
    if f.objective:
        qs = qs.filter(objective_id=f.objective)
    if f.measured_by:
        qs = qs.filter(measured_by_id=f.measured_by)
    return qs.order_by("ref")


def metric_rows(metrics: Iterable[Metric], filters: MetricFilter | None = None) -> list[dict]:
    """Metric + derived state; the status and overdue filters apply here (they are derived)."""
    f = filters or MetricFilter()
    today = timezone.localdate()
    rows = []
    for metric in metrics:
        state = metric_state(metric, today)
        if f.status and state["status"] != f.status:
            continue
        if f.overdue and not state["overdue"]:
            continue
        rows.append({"metric": metric, **state})
    return rows


def metric_get(*, organization: Any, pk: int) -> Metric:
    qs = with_latest(
        scoped(Metric, organization).select_related("objective", "measured_by", "analysed_by")
    )
    return get_scoped_or_404(qs, organization, pk=pk)


def measurement_list(*, metric: Metric) -> QuerySet:
    return (
        Measurement.objects.filter(metric=metric)
        .select_related("recorded_by", "corrects")
        .order_by("-measured_on", "-pk")
    )


def measurement_get(*, metric: Metric, pk: int) -> Measurement | None:
    return Measurement.objects.filter(metric=metric, pk=pk).first()


def trend(metric: Metric, limit: int = TREND_POINTS) -> list[Measurement]:
    """The latest ``limit`` measurements, oldest first; of several on one day the last
    recorded (a correction) counts."""
    recent = list(measurement_list(metric=metric)[: limit * 2])
    by_day: dict[Any, Measurement] = {}
    for m in recent:  # newest first: the first seen for a day is the one that counts
        by_day.setdefault(m.measured_on, m)
    return sorted(by_day.values(), key=lambda m: m.measured_on)[-limit:]


def status_counts(*, organization: Any) -> dict[str, int]:
    counts = {s.value: 0 for s in MetricStatus}
    for row in metric_rows(metric_list(organization=organization)):
        counts[row["status"]] += 1
    return counts


# --- exports ------------------------------------------------------------------------------------


def _user(u: Any) -> str:
    return u.email if u is not None else ""


OBJECTIVE_HEADER = [
    "ref",
    "title",
    "plan",
    "resources",
    "owner",
    "due_date",
    "evaluation",
    "status",
    "metrics",
]


def objective_export_rows(
    *, organization: Any, filters: ObjectiveFilter | None = None
) -> Iterator[list[Any]]:
    for o in objective_list(organization=organization, filters=filters).iterator():
        yield [
            o.ref,
            o.title,
            o.plan,
            o.resources,
            _user(o.owner),
            o.due_date,
            o.evaluation,
            o.status,
            o.metric_count,
        ]


METRIC_HEADER = [
    "ref",
    "name",
    "objective",
    "measured",
    "method",
    "frequency_days",
    "measured_by",
    "analysed_by",
    "unit",
    "target",
    "direction",
    "warning",
    "latest_value",
    "latest_on",
    "status",
    "overdue",
]


def metric_export_rows(
    *, organization: Any, filters: MetricFilter | None = None
) -> Iterator[list[Any]]:
    for row in metric_rows(metric_list(organization=organization, filters=filters), filters):
        m = row["metric"]
        yield [
            m.ref,
            m.name,
            m.objective.ref if m.objective else "",
            m.measured,
            m.method,
            m.frequency_days,
            _user(m.measured_by),
            _user(m.analysed_by),
            m.unit,
            m.target,
            m.direction,
            m.warning,
            None if m.latest_value is None else Decimal(m.latest_value).quantize(QUANTUM),
            m.latest_on,
            row["status"],
            "yes" if row["overdue"] else "no",
        ]


MEASUREMENT_HEADER = [
    "metric",
    "measured_on",
    "value",
    "unit",
    "source",
    "note",
    "corrects",
    "recorded_by",
    "recorded_at",
]


def measurement_export_rows(*, organization: Any, metric: int | None = None) -> Iterator[list[Any]]:
    qs = scoped(Measurement, organization).select_related("metric", "recorded_by", "corrects")
    if metric:
        qs = qs.filter(metric_id=metric)
    for m in qs.order_by("metric__ref", "measured_on", "pk").iterator():
        yield [
            m.metric.ref,
            m.measured_on,
            m.value,
            m.metric.unit,
            m.source,
            m.note,
            f"{m.corrects.measured_on} ({m.corrects.value})" if m.corrects else "",
            _user(m.recorded_by),
            timezone.localtime(m.created_at).isoformat(timespec="seconds"),
        ]
