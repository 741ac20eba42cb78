"""Reads for the context issues, interested parties, obligations and the ISMS scope. Every list
issues a fixed number of queries whatever its length."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from openisms.assets.models import Asset
from openisms.catalog.models import RequirementNode
from openisms.controls.models import Control
from openisms.core.gate import get_scoped_or_404, scoped
from openisms.governance.choices import IssueCategory, ObligationKind, Side
from openisms.governance.models import (
    ContextIssue,
    InterestedParty,
    Obligation,
    ScopeStatement,
    ScopeVersion,
)


def _user(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def _yes(value: bool) -> str:
    return "yes" if value else "no"


# --- issues -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueFilter:
    q: str = ""
    side: str = ""
    category: str = ""
    owner: int | None = None
    overdue: bool = False


def issue_list(*, organization: Any, filters: IssueFilter | None = None) -> QuerySet[ContextIssue]:
    f = filters or IssueFilter()
    qs = scoped(ContextIssue, organization).select_related("owner")
    if f.q:
        qs = qs.filter(
            Q(ref__icontains=f.q)
            | Q(title__icontains=f.q)
            | Q(description__icontains=f.q)
            | Q(effect__icontains=f.q)
        )
    if f.side:
        qs = qs.filter(side=f.side)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    if f.overdue:
        qs = qs.filter(review_date__lt=timezone.localdate())
    return qs.order_by("ref", "pk")


def issue_get(*, organization: Any, pk: Any) -> ContextIssue:
    return get_scoped_or_404(ContextIssue.objects.select_related("owner"), organization, pk=pk)


ISSUE_HEADER = [
    "Ref", "Title", "Internal/external", "Category", "Description", "Effect on the ISMS",
    "Owner", "Next review", "Review overdue",
]  # fmt: skip


def issue_export_rows(
    *, organization: Any, filters: IssueFilter | None = None
) -> Iterator[list[Any]]:
    for i in issue_list(organization=organization, filters=filters).iterator(chunk_size=500):
        yield [
            i.ref,
            i.title,
            Side(i.side).label,
            IssueCategory(i.category).label,
            i.description,
            i.effect,
            _user(i.owner),
            i.review_date.isoformat() if i.review_date else "",
            _yes(i.review_overdue),
        ]


# --- interested parties -------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyFilter:
    q: str = ""
    side: str = ""
    owner: int | None = None


def party_list(
    *, organization: Any, filters: PartyFilter | None = None
) -> QuerySet[InterestedParty]:
    """Parties, each annotated with ``obligation_count``."""
    f = filters or PartyFilter()
    qs = (
        scoped(InterestedParty, organization)
        .select_related("owner")
        .annotate(obligation_count=Count("obligations"))
    )
    if f.q:
        qs = qs.filter(
            Q(ref__icontains=f.q)
            | Q(name__icontains=f.q)
            | Q(description__icontains=f.q)
            | Q(expectations__icontains=f.q)
        )
    if f.side:
        qs = qs.filter(side=f.side)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    return qs.order_by("ref", "pk")


def party_get(*, organization: Any, pk: Any) -> InterestedParty:
    return get_scoped_or_404(InterestedParty.objects.select_related("owner"), organization, pk=pk)


def party_choices(*, organization: Any) -> QuerySet[InterestedParty]:
    return scoped(InterestedParty, organization).order_by("ref")


PARTY_HEADER = [
    "Ref", "Name", "Internal/external", "Description", "Needs and expectations", "Owner",
    "Obligations",
]  # fmt: skip


def party_export_rows(
    *, organization: Any, filters: PartyFilter | None = None
) -> Iterator[list[Any]]:
    qs = party_list(organization=organization, filters=filters).prefetch_related(
        Prefetch("obligations", queryset=Obligation.objects.order_by("ref").only("ref", "party"))
    )
    for p in qs:
        yield [
            p.ref,
            p.name,
            Side(p.side).label,
            p.description,
            p.expectations,
            _user(p.owner),
            [o.ref for o in p.obligations.all()],
        ]


# --- obligations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObligationFilter:
    q: str = ""
    kind: str = ""
    addressed: bool | None = None
    party: int | None = None
    owner: int | None = None


def _obligation_links() -> list[Any]:
    return [
        Prefetch("controls", queryset=Control.objects.order_by("ref").only("ref", "name")),
        Prefetch(
            "requirements",
            queryset=RequirementNode.objects.select_related("framework").order_by(
                "framework__name", "order"
            ),
        ),
    ]


def obligation_list(
    *, organization: Any, filters: ObligationFilter | None = None
) -> QuerySet[Obligation]:
    """Obligations with their party, owner, controls and requirements (four queries)."""
    f = filters or ObligationFilter()
    qs = (
        scoped(Obligation, organization)
        .select_related("owner", "party")
        .prefetch_related(*_obligation_links())
    )
    if f.q:
        qs = qs.filter(
            Q(ref__icontains=f.q)
            | Q(title__icontains=f.q)
            | Q(description__icontains=f.q)
            | Q(source_reference__icontains=f.q)
        )
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.addressed is not None:
        qs = qs.filter(addressed_by_isms=f.addressed)
    if f.party:
        qs = qs.filter(party_id=f.party)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    return qs.order_by("ref", "pk")


def obligation_get(*, organization: Any, pk: Any) -> Obligation:
    return get_scoped_or_404(
        Obligation.objects.select_related("owner", "party"), organization, pk=pk
    )


def obligation_detail(*, obligation: Obligation) -> dict[str, Any]:
    return {
        "controls": list(obligation.controls.select_related("owner").order_by("ref")),
        "requirements": list(
            obligation.requirements.select_related("framework").order_by("framework__name", "order")
        ),
    }


def control_choices(*, organization: Any) -> QuerySet[Control]:
    return scoped(Control, organization).order_by("ref")


OBLIGATION_HEADER = [
    "Ref", "Title", "Kind", "Interested party", "Description", "Source reference",
    "Addressed by the ISMS", "Controls", "Requirements", "Owner", "Next review",
]  # fmt: skip


def obligation_export_rows(
    *, organization: Any, filters: ObligationFilter | None = None
) -> Iterator[list[Any]]:
    for o in obligation_list(organization=organization, filters=filters):
        yield [
            o.ref,
            o.title,
            ObligationKind(o.kind).label,
            str(o.party) if o.party else "",
            o.description,
            o.source_reference,
            _yes(o.addressed_by_isms),
            [c.ref for c in o.controls.all()],
            [r.ref_id for r in o.requirements.all()],
            _user(o.owner),
            o.review_date.isoformat() if o.review_date else "",
        ]


# --- scope --------------------------------------------------------------------------------------


def scope_get(*, organization: Any) -> ScopeStatement | None:
    return scoped(ScopeStatement, organization).first()


def scope_assets(scope: ScopeStatement | None) -> list[Asset]:
    if scope is None:
        return []
    return list(scope.assets.order_by("type", "ref"))


def asset_rows(items: list[Any]) -> list[dict[str, Any]]:
    """Rows for the scope page: assets (with a link) or a frozen version's asset dicts."""
    from openisms.assets.choices import AssetType

    rows = []
    for item in items:
        if isinstance(item, dict):
            kind = item.get("type", "")
            label = AssetType(kind).label if kind in AssetType.values else kind
            rows.append(
                {"pk": None, "ref": item.get("ref"), "name": item.get("name"), "type_label": label}
            )
        else:
            rows.append(
                {
                    "pk": item.pk,
                    "ref": item.ref,
                    "name": item.name,
                    "type_label": item.get_type_display(),
                }
            )
    return rows


def asset_choices(*, organization: Any) -> QuerySet[Asset]:
    return scoped(Asset, organization).order_by("type", "ref")


def version_list(*, scope: ScopeStatement | None) -> list[ScopeVersion]:
    if scope is None:
        return []
    return list(scope.versions.select_related("approved_by").order_by("-number"))


def version_get(
    *, organization: Any, number: int | None = None, pk: int | None = None
) -> ScopeVersion:
    """One approved version of the organisation's scope, by number or by id (404 otherwise)."""
    lookup = {"number": number} if pk is None else {"pk": pk}
    version = (
        scoped(ScopeVersion, organization).filter(**lookup).select_related("approved_by").first()
    )
    if version is None:
        raise Http404
    return version


def latest_version(scope: ScopeStatement | None) -> ScopeVersion | None:
    if scope is None:
        return None
    return scope.versions.order_by("-number").first()


SCOPE_TEXT_FIELDS = ("text", "boundaries", "interfaces", "exclusions")


def compare(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What changed between two frozen scopes: the text fields that differ, and the assets
    added or removed (by ref)."""
    fields = [
        {"field": name, "before": before.get(name, ""), "after": after.get(name, "")}
        for name in SCOPE_TEXT_FIELDS
        if before.get(name, "") != after.get(name, "")
    ]
    old = {a["ref"]: a for a in before.get("assets", [])}
    new = {a["ref"]: a for a in after.get("assets", [])}
    return {
        "fields": fields,
        "added": [new[r] for r in sorted(new.keys() - old.keys())],
        "removed": [old[r] for r in sorted(old.keys() - new.keys())],
    }


SCOPE_HEADER = ["Section", "Ref", "Type", "Content"]
SCOPE_LABELS = {
    "text": "Scope statement",
    "boundaries": "Boundaries",
    "interfaces": "Interfaces and dependencies",
    "exclusions": "Exclusions",
}


def scope_export_rows(content: dict[str, Any]) -> Iterator[list[Any]]:
    """A scope (the draft's content or a frozen version's) as rows: the text sections, then
    one row per site, process or asset in scope."""
    from openisms.assets.choices import AssetType

    for name in SCOPE_TEXT_FIELDS:
        yield [SCOPE_LABELS[name], "", "", content.get(name, "")]
    for asset in content.get("assets", []):
        kind = asset.get("type", "")
        label = AssetType(kind).label if kind in AssetType.values else kind
        yield ["In scope", asset.get("ref", ""), label, asset.get("name", "")]
