"""Reads for risk management: the register with filters, heat maps, the treatment plan,
assessment comparisons. Every list issues a fixed number of queries whatever its length."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from openisms.core.gate import get_scoped_or_404, scoped
from openisms.risks.choices import ActionStatus, RiskStatus
from openisms.risks.methodology import Method
from openisms.risks.models import (
    AssessmentResult,
    AssessmentRun,
    Methodology,
    MethodologyVersion,
    Risk,
    RiskAcceptance,
    Threat,
    TreatmentAction,
    Vulnerability,
)

SORTS = {
    "ref": ("ref",),
    "-ref": ("-ref",),
    "title": ("title",),
    "-title": ("-title",),
    "level": ("current_level_order", "ref"),
    "-level": ("-current_level_order", "ref"),
    "status": ("status", "ref"),
    "-status": ("-status", "ref"),
    "review": ("next_review", "ref"),
    "-review": ("-next_review", "ref"),
}


@dataclass(frozen=True)
class RiskFilter:
    """One filter definition for the register page, the API and exports."""

    q: str = ""
    level: str = ""  # current level key
    owner: int | None = None
    status: str = ""
    treatment: str = ""
    asset: int | None = None
    overdue_actions: bool = False
    # heat map click-through: which assessment and cell
    grid: str = ""  # inherent | current | target
    likelihood: int | None = None
    consequence: int | None = None
    sort: str = "ref"


def _open_overdue_actions() -> QuerySet[TreatmentAction]:
    return TreatmentAction.objects.filter(
        risk=OuterRef("pk"),
        status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS],
        due_date__lt=timezone.localdate(),
    )


def risk_list(*, organization: Any, filters: RiskFilter | None = None) -> QuerySet[Risk]:
    f = filters or RiskFilter()
    qs = scoped(Risk, organization).select_related("owner")
    if f.q:
        qs = qs.filter(
            Q(ref__icontains=f.q) | Q(title__icontains=f.q) | Q(description__icontains=f.q)
        )
    if f.level:
        qs = qs.filter(current_level=f.level)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.treatment:
        qs = qs.filter(treatment_option=f.treatment)
    if f.asset:
        qs = qs.filter(assets__pk=f.asset)
    if f.overdue_actions:
        qs = qs.filter(Exists(_open_overdue_actions()))
    if f.grid in ("inherent", "current", "target"):
        if f.likelihood is not None:
            qs = qs.filter(**{f"{f.grid}_likelihood": f.likelihood})
        if f.consequence is not None:
            qs = qs.filter(**{f"{f.grid}_consequence": f.consequence})
    sort = f.sort
    if f.level and sort in ("level", "-level"):
        sort = "ref"  # one level: ordering by it is a no-op, and ref order can use an index
    return qs.order_by(*SORTS.get(sort, SORTS["ref"]), "pk")


def risk_get(*, organization: Any, pk: Any) -> Risk:
    return get_scoped_or_404(
        Risk.objects.select_related("owner", "threat", "vulnerability", "methodology_version"),
        organization,
        pk=pk,
    )


def risk_detail(*, risk: Risk) -> dict[str, Any]:
    """Everything the risk page shows, in a fixed number of queries."""
    return {
        "assets": list(risk.assets.order_by("ref")),
        "requirements": list(risk.annex_a_controls.select_related("framework").order_by("order")),
        "controls": list(risk.selected_controls.order_by("ref")),
        "actions": list(risk.actions.select_related("owner").order_by("due_date", "pk")),
        "acceptances": list(
            risk.acceptances.select_related("accepted_by").order_by("-accepted_at")
        ),
    }


def methodology_current(*, organization: Any) -> MethodologyVersion | None:
    m = Methodology.objects.select_related("current").filter(organization=organization).first()
    return m.current if m else None


def methodology_versions(*, organization: Any) -> QuerySet[MethodologyVersion]:
    return scoped(MethodologyVersion, organization).select_related("created_by").order_by("-number")


def levels_by_key(version: MethodologyVersion | None) -> dict[str, dict[str, Any]]:
    if version is None:
        return {}
    return {lv["key"]: lv for lv in version.definition["levels"]}


@dataclass
class HeatCell:
    likelihood: dict[str, Any]
    consequence: dict[str, Any]
    level: dict[str, Any]
    count: int


@dataclass
class HeatMap:
    grid: str
    rows: list[list[HeatCell]]  # highest likelihood first
    consequences: list[dict[str, Any]]
    total: int
    other_versions: int = 0  # risks assessed with an older method, not placed
    levels: list[dict[str, Any]] = field(default_factory=list)


def heatmap(*, organization: Any, grid: str = "current") -> HeatMap | None:
    """Counts per (likelihood, consequence) cell on the current methodology (one query)."""
    version = methodology_current(organization=organization)
    if version is None:
        return None
    method = Method(version.definition)
    counts = {
        (row[f"{grid}_likelihood"], row[f"{grid}_consequence"]): row["n"]
        for row in scoped(Risk, organization)
        .exclude(status=RiskStatus.CLOSED)
        .filter(**{f"{grid}_likelihood__isnull": False, f"{grid}_consequence__isnull": False})
        .values(f"{grid}_likelihood", f"{grid}_consequence")
        .annotate(n=Count("pk"))
        .order_by()
    }
    d = version.definition
    rows = []
    placed = 0
    for li in reversed(range(len(d["likelihood"]))):
        row = []
        for ci in range(len(d["consequence"])):
            lk, ck = d["likelihood"][li]["value"], d["consequence"][ci]["value"]
            n = counts.get((lk, ck), 0)
            placed += n
            row.append(
                HeatCell(
                    d["likelihood"][li], d["consequence"][ci], method.levels[d["matrix"][li][ci]], n
                )
            )
        rows.append(row)
    return HeatMap(grid, rows, d["consequence"], placed, sum(counts.values()) - placed, d["levels"])


def treatment_plan(*, organization: Any) -> list[TreatmentAction]:
    """All actions, overdue first, then by due date."""
    today = timezone.localdate()
    actions = list(
        scoped(TreatmentAction, organization)
        .select_related("risk", "owner")
        .order_by("due_date", "pk")
    )
    open_statuses = {ActionStatus.OPEN, ActionStatus.IN_PROGRESS}

    def key(a: TreatmentAction) -> tuple[int, int, Any]:
        overdue = a.status in open_statuses and a.due_date is not None and a.due_date < today
        closed = a.status not in open_statuses
        return (0 if overdue else 2 if closed else 1, 0, a.due_date or today.replace(year=9999))

    return sorted(actions, key=key)


def threat_list(*, organization: Any) -> QuerySet[Threat]:
    return Threat.objects.filter(
        Q(organization__isnull=True) | Q(organization=organization)
    ).order_by("category", "ref")


def vulnerability_list(*, organization: Any) -> QuerySet[Vulnerability]:
    return scoped(Vulnerability, organization).order_by("ref")


def acceptance_list(*, organization: Any) -> QuerySet[RiskAcceptance]:
    return scoped(RiskAcceptance, organization).select_related("risk", "accepted_by")


def run_list(*, organization: Any) -> QuerySet[AssessmentRun]:
    return (
        scoped(AssessmentRun, organization)
        .select_related("methodology_version")
        .annotate(n=Count("results"))
    )


@dataclass
class RunComparison:
    new: list[AssessmentResult]
    closed: list[AssessmentResult]
    changed: list[tuple[AssessmentResult, AssessmentResult]]


def run_compare(*, before: AssessmentRun, after: AssessmentRun) -> RunComparison:
    a = {r.ref: r for r in before.results.all()}
    b = {r.ref: r for r in after.results.all()}
    return RunComparison(
        new=[b[k] for k in sorted(b.keys() - a.keys())],
        closed=[a[k] for k in sorted(a.keys() - b.keys())],
        changed=[
            (a[k], b[k])
            for k in sorted(a.keys() & b.keys())
            if (a[k].current_level, a[k].target_level, a[k].inherent_level)
            != (b[k].current_level, b[k].target_level, b[k].inherent_level)
        ],
    )
