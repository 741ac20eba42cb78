from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from openisms.assets.models import Asset, ClassificationLevel
from openisms.core.gate import get_scoped_or_404, scoped

SORTS = {
    "ref": "ref",
    "-ref": "-ref",
    "name": "name",
    "-name": "-name",
    "type": "type",
    "-type": "-type",
}


@dataclass(frozen=True)
class AssetFilter:
    q: str = ""
    type: str = ""
    owner: int | None = None
    in_scope: bool | None = None
    sort: str = "ref"


def asset_list(*, organization: Any, filters: AssetFilter | None = None) -> QuerySet[Asset]:
    f = filters or AssetFilter()
    qs = scoped(Asset, organization).select_related("owner", "custodian", "classification")
    if f.q:
        qs = qs.filter(
            Q(ref__icontains=f.q) | Q(name__icontains=f.q) | Q(description__icontains=f.q)
        )
    if f.type:
        qs = qs.filter(type=f.type)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    if f.in_scope is not None:
        qs = qs.filter(in_scope=f.in_scope)
    return qs.order_by(SORTS.get(f.sort, "ref"), "pk")


def asset_get(*, organization: Any, pk: Any) -> Asset:
    return get_scoped_or_404(
        Asset.objects.select_related("owner", "custodian", "classification"), organization, pk=pk
    )


def classification_list(*, organization: Any) -> QuerySet[ClassificationLevel]:
    return scoped(ClassificationLevel, organization).order_by("order")


@dataclass(frozen=True)
class EffectiveCia:
    confidentiality: int
    integrity: int
    availability: int
    inherited_from: tuple[str, ...]  # refs of the dependents that raised a requirement


def effective_cia(asset: Asset) -> EffectiveCia:
    """An asset needs at least the C/I/A of everything that depends on it, directly or not.
    Computed on read (two queries), never stored."""
    edges: dict[int, list[int]] = defaultdict(list)
    for src, dst in Asset.depends_on.through.objects.filter(
        from_asset__organization_id=asset.organization_id
    ).values_list("from_asset_id", "to_asset_id"):
        edges[dst].append(src)  # dst is depended on by src
    seen: set[int] = set()
    stack = list(edges.get(asset.pk, []))
    while stack:
        node = stack.pop()
        if node in seen or node == asset.pk:
            continue
        seen.add(node)
        stack.extend(edges.get(node, []))
    values = {asset.pk: (asset.ref, asset.confidentiality, asset.integrity, asset.availability)}
    for pk, ref, c, i, a in Asset.objects.filter(pk__in=seen).values_list(
        "pk", "ref", "confidentiality", "integrity", "availability"
    ):
        values[pk] = (ref, c, i, a)
    best = [asset.confidentiality, asset.integrity, asset.availability]
    raised: set[str] = set()
    for _ref, *cia in values.values():
        for k in range(3):
            best[k] = max(best[k], cia[k])
    for pk, (ref, *cia) in values.items():
        if pk != asset.pk and any(
            cia[k] == best[k] > own
            for k, own in enumerate((asset.confidentiality, asset.integrity, asset.availability))
        ):
            raised.add(ref)
    return EffectiveCia(best[0], best[1], best[2], tuple(sorted(raised)))
