"""Reads for the audit programme, audits and their checklists (through the scoped gate): lists,
the programme's coverage of the requirements, impartiality conflicts, the findings register and
the summary the management review compiles. Each costs a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce

from openisms.audits.choices import NC_SEVERITY, AuditStatus, ItemResult
from openisms.audits.models import Audit, AuditItem, AuditProgramme
from openisms.catalog.models import Framework, FrameworkAdoption, RequirementNode
from openisms.controls.models import Control, Evidence
from openisms.core.gate import get_scoped_or_404, scoped

ISO27001_2022 = "urn:openisms:framework:iso27001-2022"
ITEM_ORDER = ("requirement__framework__name", "requirement__framework_id", "order", "pk")


def person(user: Any) -> str:
    if user is None:
        return ""
    name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return name or user.email


# --- programmes ---------------------------------------------------------------------------------


def programme_list(*, organization: Any) -> QuerySet[AuditProgramme]:
    """With ``audit_count`` and ``closed_count``."""
    return (
        scoped(AuditProgramme, organization)
        .select_related("owner")
        .annotate(
            audit_count=Count("audits", distinct=True),
            closed_count=Count(
                "audits", filter=Q(audits__status=AuditStatus.CLOSED), distinct=True
            ),
        )
        .order_by("-period_start", "ref")
    )


def programme_get(*, organization: Any, pk: Any) -> AuditProgramme:
    return get_scoped_or_404(programme_list(organization=organization), organization, pk=pk)


def programme_choices(*, organization: Any) -> QuerySet[AuditProgramme]:
    return scoped(AuditProgramme, organization).order_by("-period_start", "ref")


# --- audits -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    q: str = ""
    status: str = ""
    programme: int | None = None


def audit_list(*, organization: Any, filters: AuditFilter | None = None) -> QuerySet[Audit]:
    """With ``item_count``, ``recorded_count`` and ``nc_count`` (major or minor results)."""
    f = filters or AuditFilter()
    qs = (
        scoped(Audit, organization)
        .select_related("programme", "lead_auditor")
        .annotate(
            item_count=Count("items", distinct=True),
            recorded_count=Count("items", filter=~Q(items__result=""), distinct=True),
            nc_count=Count("items", filter=Q(items__result__in=list(NC_SEVERITY)), distinct=True),
        )
    )
    if f.q:
        qs = qs.filter(Q(ref__icontains=f.q) | Q(title__icontains=f.q) | Q(scope__icontains=f.q))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.programme:
        qs = qs.filter(programme_id=f.programme)
    return qs.order_by(Coalesce("planned_start", "actual_start").desc(nulls_last=True), "-pk")


def audit_get(*, organization: Any, pk: Any) -> Audit:
    qs = scoped(Audit, organization).select_related("programme", "lead_auditor")
    return get_scoped_or_404(qs, organization, pk=pk)


def audit_criteria(audit: Audit) -> list[RequirementNode]:
    return list(
        audit.criteria.select_related("framework").order_by(
            "framework__name", "framework_id", "order"
        )
    )


def audit_team(audit: Audit) -> list[Any]:
    return list(audit.team.order_by("email"))


def item_list(*, audit: Audit) -> QuerySet[AuditItem]:
    return (
        AuditItem.objects.filter(audit=audit, organization_id=audit.organization_id)
        .select_related("requirement", "requirement__framework", "recorded_by", "nonconformity")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("ref")))
        .order_by(*ITEM_ORDER)
    )


def item_get(*, audit: Audit, pk: Any) -> AuditItem:
    return get_scoped_or_404(item_list(audit=audit), audit.organization, pk=pk)


def result_counts(items: list[AuditItem]) -> dict[str, int]:
    counts = dict.fromkeys(ItemResult.values, 0)
    for item in items:
        if item.result:
            counts[item.result] += 1
    return counts


def evidence_choices(*, organization: Any) -> list[tuple[int, str]]:
    return [
        (pk, f"{ref} {title}")
        for pk, ref, title in scoped(Evidence, organization)
        .order_by("ref")
        .values_list("pk", "ref", "title")
    ]


# --- impartiality -------------------------------------------------------------------------------


@dataclass
class Conflict:
    user: Any
    role: str  # "lead" or "team"
    controls: list[tuple[str, str, list[str]]]  # ref, name, requirement refs in the criteria

    @property
    def message(self) -> str:
        from django.utils.translation import gettext as _

        owned = "; ".join(f"{ref} {name} ({', '.join(reqs)})" for ref, name, reqs in self.controls)
        role = _("lead auditor") if self.role == "lead" else _("team member")
        return _("%(who)s (%(role)s) owns controls that implement the criteria: %(controls)s.") % {
            "who": person(self.user),
            "role": role,
            "controls": owned,
        }


def impartiality_conflicts(audit: Audit) -> list[Conflict]:
    """For the lead auditor and each team member, the controls they own that implement a
    requirement of the audit's criteria (auditors do not audit their own work). Three
    queries."""
    team = audit_team(audit)
    people: dict[int, tuple[Any, str]] = {u.pk: (u, "team") for u in team}
    if audit.lead_auditor_id is not None:
        people[audit.lead_auditor_id] = (audit.lead_auditor, "lead")
    if not people:
        return []
    criteria = audit.criteria.values("pk")
    controls = (
        scoped(Control, audit.organization)
        .filter(owner_id__in=list(people), requirements__in=criteria)
        .distinct()
        .prefetch_related(
            Prefetch(
                "requirements",
                queryset=RequirementNode.objects.filter(pk__in=criteria).order_by("order"),
                to_attr="audited",
            )
        )
        .order_by("ref")
    )
    owned: dict[int, list[tuple[str, str, list[str]]]] = defaultdict(list)
    for control in controls:
        reqs = [r.ref_id for r in control.audited]  # type: ignore[attr-defined]
        owned[control.owner_id or 0].append((control.ref, control.name, reqs))
    order = sorted(people.items(), key=lambda kv: (kv[1][1] != "lead", kv[1][0].email))
    return [Conflict(user=u, role=role, controls=owned[pk]) for pk, (u, role) in order if owned[pk]]


# --- coverage of the programme ------------------------------------------------------------------


@dataclass
class CoverageRow:
    requirement_id: int
    ref_id: str
    name: str
    state: str  # covered, planned, gap
    audits: list[str] = field(default_factory=list)


@dataclass
class CoverageGroup:
    framework: str
    ref_id: str
    name: str
    rows: list[CoverageRow] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def covered(self) -> int:
        return self.count("covered")

    @property
    def planned(self) -> int:
        return self.count("planned")

    @property
    def gap(self) -> int:
        return self.count("gap")

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.total) if self.rows else 0


@dataclass
class Coverage:
    groups: list[CoverageGroup]

    @property
    def rows(self) -> list[CoverageRow]:
        return [r for g in self.groups for r in g.rows]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def covered(self) -> int:
        return sum(g.covered for g in self.groups)

    @property
    def planned(self) -> int:
        return sum(g.planned for g in self.groups)

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.total) if self.total else 0

    @property
    def gaps(self) -> list[tuple[CoverageGroup, CoverageRow]]:
        return [(g, r) for g in self.groups for r in g.rows if r.state == "gap"]


def audit_frameworks(organization: Any) -> QuerySet[Framework]:
    """The frameworks audited against: the adopted ones, and ISO/IEC 27001:2022 always."""
    from openisms.catalog.selectors import visible_frameworks

    adopted = scoped(FrameworkAdoption, organization).values("framework_id")
    return visible_frameworks(organization).filter(Q(pk__in=adopted) | Q(urn=ISO27001_2022))


def _excluded(organization: Any) -> set[int]:
    """Requirements a statement of applicability of the organisation marks not applicable."""
    from openisms.soa.models import SoaEntry

    return set(
        scoped(SoaEntry, organization)
        .filter(applicable=False)
        .values_list("requirement_id", flat=True)
    )


def coverage(*, programme: AuditProgramme) -> Coverage:
    """For every requirement to audit — the assessable requirements of the audited frameworks,
    their controls only when applicable in the statement of applicability (all when there is
    none) — whether an audit of the programme with it in its criteria is closed ("covered"),
    planned, in progress or reported ("planned"), or none ("gap"); grouped by the top-level
    clause or theme. Five queries whatever the size."""
    organization = programme.organization
    frameworks = {f.pk: f for f in audit_frameworks(organization)}
    nodes = list(
        RequirementNode.objects.filter(framework_id__in=list(frameworks))
        .order_by("framework__name", "framework_id", "order")
        .values("pk", "parent_id", "ref_id", "name", "kind", "assessable", "framework_id")
    )
    excluded = _excluded(organization)
    links = (
        Audit.criteria.through.objects.filter(
            audit__programme=programme, audit__organization=organization
        )
        .exclude(audit__status=AuditStatus.CANCELLED)
        .values_list("requirementnode_id", "audit__ref", "audit__status")
    )
    audits: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for node_id, ref, status in links:
        audits[node_id].append((ref, status))
    by_pk = {n["pk"]: n for n in nodes}
    groups: dict[int, CoverageGroup] = {}
    for node in nodes:
        if not node["assessable"] or node["pk"] in excluded:
            continue
        top = node
        while top["parent_id"] is not None and top["parent_id"] in by_pk:
            top = by_pk[top["parent_id"]]
        group = groups.get(top["pk"])
        if group is None:
            group = groups[top["pk"]] = CoverageGroup(
                framework=frameworks[node["framework_id"]].name,
                ref_id=top["ref_id"],
                name=top["name"],
            )
        found = audits.get(node["pk"], [])
        statuses = {s for _ref, s in found}
        state = "covered" if AuditStatus.CLOSED in statuses else "planned" if statuses else "gap"
        group.rows.append(
            CoverageRow(
                requirement_id=node["pk"],
                ref_id=node["ref_id"],
                name=node["name"],
                state=state,
                audits=sorted({ref for ref, _s in found}),
            )
        )
    return Coverage(groups=list(groups.values()))


def default_programme(*, organization: Any, today: dt.date | None = None) -> AuditProgramme | None:
    """The programme whose period holds today, else the latest."""
    from django.utils import timezone

    today = today or timezone.localdate()
    qs = scoped(AuditProgramme, organization).order_by("-period_start", "-pk")
    return qs.filter(period_start__lte=today, period_end__gte=today).first() or qs.first()


# --- findings register --------------------------------------------------------------------------


def finding_list(*, organization: Any, audit: int | None = None) -> QuerySet[AuditItem]:
    """Every checklist item with a result other than conformity, across audits."""
    qs = (
        scoped(AuditItem, organization)
        .exclude(result__in=["", ItemResult.CONFORMITY])
        .select_related("audit", "requirement", "nonconformity", "recorded_by")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("ref")))
    )
    if audit:
        qs = qs.filter(audit_id=audit)
    return qs.order_by("audit__ref", *ITEM_ORDER)


FINDING_HEADER = [
    "audit",
    "audit_title",
    "audit_status",
    "requirement",
    "requirement_name",
    "result",
    "finding",
    "sampling_notes",
    "evidence",
    "nonconformity",
    "recorded_by",
    "recorded_at",
]


def finding_export_rows(*, organization: Any) -> Any:
    for item in finding_list(organization=organization):
        yield [
            item.audit.ref,
            item.audit.title,
            item.audit.status,
            item.requirement.ref_id,
            item.requirement.name,
            item.result,
            item.finding,
            item.sampling_notes,
            [e.ref for e in item.evidence.all()],
            item.nonconformity.ref if item.nonconformity else "",
            item.recorded_by.email if item.recorded_by else "",
            item.recorded_at.isoformat() if item.recorded_at else "",
        ]


AUDIT_HEADER = [
    "ref",
    "title",
    "programme",
    "status",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "lead_auditor",
    "items",
    "recorded",
    "nonconformities",
    "report_issued_on",
    "closed_on",
]


def audit_export_rows(*, organization: Any, filters: AuditFilter | None = None) -> Any:
    for a in audit_list(organization=organization, filters=filters):
        yield [
            a.ref,
            a.title,
            a.programme.ref if a.programme else "",
            a.status,
            a.planned_start,
            a.planned_end,
            a.actual_start,
            a.actual_end,
            a.lead_auditor.email if a.lead_auditor else "",
            a.item_count,  # type: ignore[attr-defined]
            a.recorded_count,  # type: ignore[attr-defined]
            a.nc_count,  # type: ignore[attr-defined]
            a.report_issued_on,
            a.closed_on,
        ]


# --- for the management review ------------------------------------------------------------------


def review_summary(organization: Any, since: dt.date | None, until: dt.date) -> dict[str, Any]:
    """Audit results for a management review (9.3 c 4): the audits whose report was issued (or
    that were closed) in (``since``, ``until``], and the audits in progress, each with its count
    per result; the totals per result; the refs of the nonconformities raised from audit
    findings that are not closed yet (whichever audit raised them). Three queries."""
    issued = Coalesce("report_issued_on", "closed_on")
    window = Q(issued__lte=until)
    if since is not None:
        window &= Q(issued__gt=since)
    audits = list(
        scoped(Audit, organization)
        .annotate(issued=issued)
        .filter(
            (Q(status__in=[AuditStatus.REPORTED, AuditStatus.CLOSED]) & window)
            | Q(status=AuditStatus.IN_PROGRESS)
        )
        .order_by(Coalesce("actual_end", "issued", "actual_start").asc(nulls_last=True), "ref")
    )
    counts: dict[int, dict[str, int]] = {a.pk: dict.fromkeys(ItemResult.values, 0) for a in audits}
    rows = (
        scoped(AuditItem, organization)
        .filter(audit_id__in=list(counts))
        .exclude(result="")
        .values_list("audit_id", "result")
        .annotate(n=Count("pk"))
    )
    totals = dict.fromkeys(ItemResult.values, 0)
    for audit_id, result, n in rows:
        counts[audit_id][result] += n
        totals[result] += n
    from openisms.improvement.choices import NcStatus

    open_ncs = sorted(
        scoped(AuditItem, organization)
        .filter(nonconformity__isnull=False)
        .exclude(nonconformity__status=NcStatus.CLOSED)
        .values_list("nonconformity__ref", flat=True)
        .distinct()
    )
    return {
        "audits": [
            {
                "id": a.pk,
                "ref": a.ref,
                "title": a.title,
                "status": a.status,
                "actual_end": a.actual_end.isoformat() if a.actual_end else None,
                "counts": counts[a.pk],
            }
            for a in audits
        ],
        "totals": totals,
        "open_nonconformities": open_ncs,
    }
