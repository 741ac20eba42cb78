"""Reads for the organisation's implemented controls, their tests and runs, and the coverage of
a framework by them. Evidence reads are in ``openisms.controls.evidence_selectors``.

Every list issues a fixed number of queries whatever its length. Health is derived
(``openisms.controls.health.health_for``): a list computes it for the rows it shows, except
when it is filtered by health — then for every control the other filters keep (an organisation
has at most a few hundred controls; still three queries).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.catalog.models import (
    Framework,
    FrameworkAdoption,
    MappingSet,
    Relationship,
    RequirementMapping,
    RequirementNode,
)
from openisms.catalog.selectors import visible_frameworks
from openisms.controls.choices import Freshness, ImplementationStatus
from openisms.controls.health import freshness, health_for
from openisms.controls.models import Control, ControlTest, ControlTestRun, Evidence
from openisms.core.forms import parse_id
from openisms.core.gate import get_scoped_or_404, scoped
from openisms.risks.models import Risk

ISO27001_2022 = "urn:openisms:framework:iso27001-2022"

SORTS = {
    "ref": ("ref",),
    "-ref": ("-ref",),
    "name": ("name", "ref"),
    "-name": ("-name", "ref"),
    "status": ("status", "ref"),
    "-status": ("-status", "ref"),
}
# How many runs of each test the control page shows (newest first).
RECENT_RUNS = 5


@dataclass(frozen=True)
class ControlFilter:
    """One filter definition for the controls page and the API."""

    q: str = ""
    status: str = ""
    owner: int | None = None
    health: str = ""
    # A requirement node id, or a requirement ref such as "A.8.13" (any visible framework).
    requirement: str = ""
    tests_overdue: bool = False  # a test of the control is overdue (``test_schedule``)
    sort: str = "ref"


def _requirement_q(value: str) -> Q:
    """Controls implementing the requirement ``value``: a node id (digits) or a ``ref_id``
    (a number such as "5" matches both the id and the ref)."""
    through = Control.requirements.through.objects.filter(control_id=OuterRef("pk"))
    value = value.strip()
    match = Q(requirementnode__ref_id__iexact=value)
    pk = parse_id(value)
    if pk is not None:
        match |= Q(requirementnode_id=pk)
    return Q(Exists(through.filter(match)))


def control_list(*, organization: Any, filters: ControlFilter | None = None) -> QuerySet[Control]:
    """The controls the filters keep, except ``health`` (see ``control_rows``)."""
    f = filters or ControlFilter()
    qs = scoped(Control, organization).select_related("owner")
    if f.q:
        qs = qs.filter(
            Q(ref__icontains=f.q) | Q(name__icontains=f.q) | Q(description__icontains=f.q)
        )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    if f.requirement.strip():
        qs = qs.filter(_requirement_q(f.requirement))
    if f.tests_overdue:
        today = timezone.localdate()
        overdue = {
            t.control_id for t in test_schedule(organization=organization) if t.overdue(today)
        }
        qs = qs.filter(pk__in=overdue)
    return qs.order_by(*SORTS.get(f.sort, SORTS["ref"]), "pk")


def with_health(controls: list[Control]) -> list[Control]:
    """Set ``control.health`` (a ``ControlHealth``) on each control (three queries)."""
    health = health_for(controls)
    for control in controls:
        control.health = health[control.pk]  # type: ignore[attr-defined]
    return controls


def filter_health(qs: QuerySet[Control], state: str) -> list[Control]:
    """The controls of ``qs`` in health ``state``, each with ``.health`` set. Health is
    derived, so it is computed for every control of ``qs`` (a few hundred at most)."""
    return [c for c in with_health(list(qs)) if c.health.state == state]  # type: ignore[attr-defined]


def control_get(*, organization: Any, pk: Any) -> Control:
    return get_scoped_or_404(Control.objects.select_related("owner"), organization, pk=pk)


def control_test_list(*, control: Control) -> QuerySet[ControlTest]:
    """The control's tests, each annotated with ``last_on`` and ``last_result``."""
    last = ControlTestRun.objects.filter(test=OuterRef("pk")).order_by("-performed_on", "-pk")
    return (
        ControlTest.objects.filter(control=control)
        .select_related("owner", "control")
        .annotate(
            last_on=Max("runs__performed_on"), last_result=Subquery(last.values("result")[:1])
        )
        .order_by("name", "pk")
    )


def control_test_get(*, organization: Any, pk: Any) -> ControlTest:
    return get_scoped_or_404(
        ControlTest.objects.select_related("owner", "control", "control__owner"),
        organization,
        pk=pk,
    )


def run_list(*, test: ControlTest) -> QuerySet[ControlTestRun]:
    return (
        ControlTestRun.objects.filter(test=test)
        .select_related("performed_by")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("ref")))
        .order_by("-performed_on", "-pk")
    )


def next_due(test: Any) -> dt.date | None:
    """When the test is due next: the last run plus the frequency; never run → today."""
    last = getattr(test, "last_on", None)
    if last is None:
        return timezone.localdate()
    return last + dt.timedelta(days=test.frequency_days)


@dataclass(frozen=True)
class ScheduledTest:
    """A test of one of the organisation's controls, with when it is due next."""

    id: int
    name: str
    control_id: int
    control_ref: str
    control_name: str
    last_on: dt.date | None
    next_due: dt.date  # the last run plus the frequency; never run: today (as ``next_due``)

    def overdue(self, today: dt.date) -> bool:
        """Due before today (the rule of the control page; a test never run is due, not
        overdue)."""
        return self.next_due < today

    def due_by(self, day: dt.date) -> bool:
        return self.next_due <= day


def test_schedule(*, organization: Any) -> list[ScheduledTest]:
    """Every test of the organisation's controls with its next due date, soonest first (one
    query; the due date is computed here, date arithmetic differs between databases)."""
    rows = (
        scoped(ControlTest, organization)
        .values("pk", "name", "frequency_days", "control_id", "control__ref", "control__name")
        .annotate(last_on=Max("runs__performed_on"))
        .order_by()
    )
    today = timezone.localdate()
    tests = [
        ScheduledTest(
            id=r["pk"],
            name=r["name"],
            control_id=r["control_id"],
            control_ref=r["control__ref"],
            control_name=r["control__name"],
            last_on=r["last_on"],
            next_due=r["last_on"] + dt.timedelta(days=r["frequency_days"])
            if r["last_on"]
            else today,
        )
        for r in rows
    ]
    return sorted(tests, key=lambda t: (t.next_due, t.control_ref, t.name, t.id))


def evidence_choices(*, organization: Any) -> list[tuple[int, str]]:
    """(id, "ref title") of the organisation's evidence, for the run form (one query)."""
    return [
        (pk, f"{ref} {title}")
        for pk, ref, title in scoped(Evidence, organization)
        .order_by("ref")
        .values_list("pk", "ref", "title")
    ]


def requirement_groups(requirements: list[RequirementNode]) -> list[dict[str, Any]]:
    """Requirements grouped by framework (framework name order, then tree order)."""
    groups: dict[int, dict[str, Any]] = {}
    for node in requirements:
        group = groups.setdefault(
            node.framework_id, {"framework": node.framework, "requirements": []}
        )
        group["requirements"].append(node)
    return sorted(groups.values(), key=lambda g: (g["framework"].name, g["framework"].pk))


def control_detail(*, control: Control) -> dict[str, Any]:
    """Everything the control page shows, in a fixed number of queries."""
    today = timezone.localdate()
    requirements = list(
        control.requirements.select_related("framework").order_by("framework__name", "order")
    )
    evidence = list(control.evidence.select_related("owner").order_by("ref"))
    runs = ControlTestRun.objects.select_related("performed_by").order_by("-performed_on", "-pk")
    tests = list(
        control_test_list(control=control).prefetch_related(
            Prefetch(
                "runs",
                queryset=runs.prefetch_related(
                    Prefetch("evidence", queryset=Evidence.objects.order_by("ref"))
                )[:RECENT_RUNS],
                to_attr="recent_runs",
            )
        )
    )
    return {
        "requirements": requirements,
        "requirement_groups": requirement_groups(requirements),
        "risks": list(control.risks.select_related("owner").order_by("ref")),
        "documents": control_documents(control),
        "evidence": [
            {
                "evidence": e,
                "freshness": (state := freshness(e.valid_until, today)),
                "freshness_label": Freshness(state).label,
            }
            for e in evidence
        ],
        "tests": [{"test": t, "next_due": next_due(t), "runs": t.recent_runs} for t in tests],  # type: ignore[attr-defined]
        "health": health_for([control], today=today)[control.pk],
    }


def requirement_choices(*, organization: Any, keep: list[int] | None = None) -> list[Any]:
    """Grouped choices for a control's requirements: the assessable requirements of the
    frameworks the organisation adopted, plus ISO/IEC 27001:2022 always, plus the ``keep``
    ids already linked (so that editing never drops them). Two queries."""
    adopted = scoped(FrameworkAdoption, organization).values("framework_id")
    frameworks = visible_frameworks(organization).filter(Q(pk__in=adopted) | Q(urn=ISO27001_2022))
    nodes = (
        RequirementNode.objects.filter(
            Q(framework__in=frameworks, assessable=True) | Q(pk__in=keep or [])
        )
        .select_related("framework")
        .order_by("framework__name", "framework_id", "order")
    )
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for node in nodes:
        label = f"{node.ref_id} {node.name}".strip()
        groups.setdefault(node.framework_id, (node.framework.name, []))[1].append((node.pk, label))
    return [(name, options) for name, options in groups.values()]


def risk_choices(*, organization: Any) -> QuerySet[Risk]:
    return scoped(Risk, organization).order_by("ref")


def document_choices(*, organization: Any, keep: list[int] | None = None) -> list[Any]:
    """(id, "ref title (status)") of the register's documents a control may cite: all but the
    retired ones, except those in ``keep`` (linked already, so that editing never drops
    them). One query."""
    from openisms.documents.choices import DocumentStatus
    from openisms.documents.models import Document

    docs = (
        scoped(Document, organization)
        .filter(~Q(status=DocumentStatus.RETIRED) | Q(pk__in=keep or []))
        .order_by("ref")
    )
    return [
        (pk, f"{ref} {title} ({DocumentStatus(status).label.lower()})")
        for pk, ref, title, status in docs.values_list("pk", "ref", "title", "status")
    ]


def control_documents(control: Control) -> list[Any]:
    """The register's documents the control cites, with their version in force (one query)."""
    return list(
        control.documents.select_related("current_version").order_by("ref")  # type: ignore[attr-defined]
    )


# --- coverage -----------------------------------------------------------------------------------


@dataclass
class CoveringControl:
    id: int
    ref: str
    name: str
    status: str

    @property
    def implemented(self) -> bool:
        return self.status == ImplementationStatus.IMPLEMENTED

    @property
    def status_label(self) -> str:
        return str(ImplementationStatus(self.status).label)


@dataclass
class Via:
    """A mapped requirement (of another framework, or the same) that controls implement."""

    requirement_id: int
    ref_id: str
    framework_id: int
    mapping_set: str
    relationship: str
    controls: list[CoveringControl]


@dataclass
class CoverageRow:
    requirement: RequirementNode
    controls: list[CoveringControl]  # implementing it directly
    via: list[Via]  # implemented through a mapping

    @property
    def state(self) -> str:
        if self.controls:
            return "direct"
        return "mapped" if self.via else "none"

    @property
    def covering(self) -> list[CoveringControl]:
        """The controls that count: the direct ones, failing that those through mappings."""
        if self.controls:
            return self.controls
        seen: dict[int, CoveringControl] = {}
        for v in self.via:
            for c in v.controls:
                seen.setdefault(c.id, c)
        return list(seen.values())

    @property
    def implemented(self) -> bool:
        return any(c.implemented for c in self.covering)


@dataclass
class Coverage:
    framework: Framework
    rows: list[CoverageRow] = field(default_factory=list)

    def _count(self, predicate: Any) -> int:
        return sum(1 for r in self.rows if predicate(r))

    @property
    def counts(self) -> dict[str, int]:
        return {
            "total": len(self.rows),
            "direct": self._count(lambda r: r.state == "direct"),
            "mapped": self._count(lambda r: r.state == "mapped"),
            "none": self._count(lambda r: r.state == "none"),
            "covered": self._count(lambda r: r.state != "none"),
            "implemented": self._count(lambda r: r.implemented),
        }

    @property
    def percentages(self) -> dict[str, int]:
        counts = self.counts
        total = counts["total"] or 1
        return {
            key: round(100 * counts[key] / total)
            for key in ("direct", "mapped", "none", "covered", "implemented")
        }


def coverage_frameworks(*, organization: Any) -> list[Framework]:
    """The frameworks coverage is offered for: those adopted, plus ISO/IEC 27001:2022."""
    adopted = scoped(FrameworkAdoption, organization).values("framework_id")
    return list(
        visible_frameworks(organization)
        .filter(Q(pk__in=adopted) | Q(urn=ISO27001_2022))
        .order_by("name", "pk")
    )


def coverage_framework(*, organization: Any, pk: Any = None) -> Framework:
    """The framework ``pk`` (visible to the organisation, else 404); none given: ISO/IEC
    27001:2022, else the first adopted framework."""
    qs = visible_frameworks(organization)
    if pk not in (None, ""):
        framework = qs.filter(pk=pk).first()
    else:
        framework = qs.filter(urn=ISO27001_2022).first() or next(
            iter(coverage_frameworks(organization=organization)), None
        )
    if framework is None:
        raise Http404(_("No such framework."))
    return framework


def coverage(*, organization: Any, framework: Framework) -> Coverage:
    """For each assessable requirement of ``framework``: the organisation's controls that
    implement it directly, and the requirements mapped to it (in either direction of any
    mapping set the organisation sees, "not related" excepted) that controls implement.
    Three queries whatever the number of requirements, controls or mappings."""
    nodes = list(
        RequirementNode.objects.filter(framework=framework, assessable=True).order_by("order")
    )
    through = Control.requirements.through.objects.filter(control__organization=organization)
    by_node: dict[int, list[CoveringControl]] = defaultdict(list)
    for node_id, cid, ref, name, status in through.order_by("control__ref").values_list(
        "requirementnode_id", "control_id", "control__ref", "control__name", "control__status"
    ):
        by_node[node_id].append(CoveringControl(cid, ref, name, status))
    implemented_nodes = through.values("requirementnode_id")
    sets = MappingSet.objects.filter(
        Q(organization__isnull=True) | Q(organization=organization)
    ).values("pk")
    mappings = (
        RequirementMapping.objects.filter(mapping_set__in=sets)
        .exclude(relationship=Relationship.NOT_RELATED)
        .filter(
            Q(source__framework=framework, target_id__in=implemented_nodes)
            | Q(target__framework=framework, source_id__in=implemented_nodes)
        )
        .order_by("mapping_set__name", "pk")
        .values_list(
            "source_id",
            "source__ref_id",
            "source__framework_id",
            "target_id",
            "target__ref_id",
            "target__framework_id",
            "mapping_set__name",
            "relationship",
        )
    )
    via: dict[int, list[Via]] = defaultdict(list)
    for s_id, s_ref, s_fw, t_id, t_ref, t_fw, set_name, relationship in mappings:
        # Both directions: the framework's node on one side, an implemented node on the other.
        for mine, mine_fw, other, other_ref, other_fw in (
            (s_id, s_fw, t_id, t_ref, t_fw),
            (t_id, t_fw, s_id, s_ref, s_fw),
        ):
            if mine_fw == framework.pk and other in by_node and other != mine:
                via[mine].append(
                    Via(other, other_ref, other_fw, set_name, relationship, by_node[other])
                )
    return Coverage(
        framework=framework,
        rows=[CoverageRow(n, by_node.get(n.pk, []), via.get(n.pk, [])) for n in nodes],
    )
