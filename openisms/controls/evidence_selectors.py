"""Reads for evidence: the list (filters, freshness counts), one item with its links, and the
rows of the list export. Every list issues a fixed number of queries whatever its length."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from openisms.controls.choices import Freshness
from openisms.controls.health import evidence_freshness_counts, freshness, freshness_q
from openisms.controls.models import Control, ControlTestRun, Evidence
from openisms.core.gate import get_scoped_or_404, scoped


@dataclass(frozen=True)
class EvidenceFilter:
    """One filter definition for the evidence page, the API and the CLI."""

    q: str = ""
    freshness: str = ""
    kind: str = ""
    control: int | None = None
    owner: int | None = None


def _base(organization: Any) -> QuerySet[Evidence]:
    return scoped(Evidence, organization).select_related("owner", "file")


def evidence_list(
    *, organization: Any, filters: EvidenceFilter | None = None, today: dt.date | None = None
) -> QuerySet[Evidence]:
    """The organisation's evidence the filters keep, by ref, with owner, file and the linked
    controls (prefetched, ordered by ref)."""
    f = filters or EvidenceFilter()
    qs = _base(organization)
    if f.q:
        qs = qs.filter(
            Q(ref__icontains=f.q)
            | Q(title__icontains=f.q)
            | Q(description__icontains=f.q)
            | Q(filename__icontains=f.q)
            | Q(file__sha256=f.q.lower())
        )
    if f.freshness in Freshness.values:
        qs = qs.filter(freshness_q(f.freshness, today or timezone.localdate()))
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.control:
        qs = qs.filter(controls__pk=f.control)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    return qs.prefetch_related(
        Prefetch("controls", queryset=Control.objects.order_by("ref").only("pk", "ref", "name")),
        Prefetch("requirements", queryset=_requirements_qs()),
    ).order_by("ref", "pk")


def _requirements_qs() -> QuerySet[Any]:
    from openisms.catalog.models import RequirementNode

    return RequirementNode.objects.select_related("framework").order_by("framework__name", "order")


def freshness_counts(
    *, organization: Any, filters: EvidenceFilter | None = None, today: dt.date | None = None
) -> dict[str, int]:
    """How many items of each freshness state the other filters keep (one query)."""
    f = replace(filters or EvidenceFilter(), freshness="")
    qs = evidence_list(organization=organization, filters=f, today=today)
    return evidence_freshness_counts(qs.order_by().prefetch_related(None), today)


def evidence_get(*, organization: Any, pk: Any) -> Evidence:
    return get_scoped_or_404(_base(organization), organization, pk=pk)


def evidence_by_ref(*, organization: Any, ref: str) -> Evidence | None:
    return _base(organization).filter(ref=ref.strip()).first()


def evidence_detail(*, evidence: Evidence, today: dt.date | None = None) -> dict[str, Any]:
    """The evidence page: its controls, requirements (by framework), the test runs that cite
    it, and its freshness."""
    from openisms.controls.selectors import requirement_groups

    state = freshness(evidence.valid_until, today or timezone.localdate())
    requirements = list(_requirements_qs().filter(evidence=evidence))
    return {
        "controls": list(evidence.controls.select_related("owner").order_by("ref")),
        "requirements": requirements,
        "requirement_groups": requirement_groups(requirements),
        "runs": list(
            ControlTestRun.objects.filter(evidence=evidence)
            .select_related("test", "test__control", "performed_by")
            .order_by("-performed_on", "-pk")[:50]
        ),
        "freshness": state,
        "freshness_label": Freshness(state).label,
    }


def control_choices(*, organization: Any) -> list[tuple[int, str]]:
    """(id, "ref name") of the organisation's controls (one query)."""
    return [
        (pk, f"{ref} {name}")
        for pk, ref, name in scoped(Control, organization)
        .order_by("ref")
        .values_list("pk", "ref", "name")
    ]


def export_rows(
    *, organization: Any, filters: EvidenceFilter | None = None, today: dt.date | None = None
) -> list[list[Any]]:
    """The list as rows (header first) for the CSV export and the CLI: with the SHA-256."""
    today = today or timezone.localdate()
    header = [
        "ref",
        "title",
        "kind",
        "freshness",
        "collected_on",
        "period_start",
        "period_end",
        "valid_until",
        "refresh_days",
        "owner",
        "controls",
        "requirements",
        "url",
        "filename",
        "content_type",
        "size",
        "sha256",
    ]
    rows: list[list[Any]] = [header]
    for e in evidence_list(organization=organization, filters=filters, today=today):
        rows.append(
            [
                e.ref,
                e.title,
                e.kind,
                freshness(e.valid_until, today),
                e.collected_on,
                e.period_start or "",
                e.period_end or "",
                e.valid_until or "",
                e.refresh_days or "",
                e.owner.email if e.owner else "",
                " ".join(c.ref for c in e.controls.all()),
                " ".join(r.ref_id or r.urn for r in e.requirements.all()),
                e.url,
                e.filename,
                e.file.content_type if e.file else "",
                e.file.size if e.file else "",
                e.file.sha256 if e.file else "",
            ]
        )
    return rows
