"""Writes for the asset inventory and the classification scheme."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from openisms.assets.models import Asset, ClassificationLevel
from openisms.core import audit
from openisms.core.gate import current_members, current_memberships, require
from openisms.core.refs import next_ref, next_refs, reserve_ref
from openisms.core.services import (
    record_create,
    record_create_many,
    record_delete,
    record_m2m,
    record_update,
)

ASSET_FIELDS = {
    "ref",
    "name",
    "type",
    "description",
    "owner",
    "custodian",
    "classification",
    "confidentiality",
    "integrity",
    "availability",
    "location",
    "lifecycle",
    "in_scope",
}


def check_member(organization: Any, user: Any, field: str) -> None:
    """A person named on a record must be a current member of its organisation."""
    if user is None:
        return
    if not current_memberships(user).filter(organization=organization).exists():
        raise ValidationError({field: _("%s is not a member of this organisation.") % user})


def _check_refs(organization: Any, data: dict[str, Any]) -> None:
    for field in ("owner", "custodian"):
        check_member(organization, data.get(field), field)
    classification = data.get("classification")
    if classification is not None and classification.organization_id != organization.pk:
        raise ValidationError({"classification": _("Unknown classification.")})
    unknown = set(data) - ASSET_FIELDS - {"depends_on"}
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))


def _set_dependencies(asset: Asset, *, actor: Any, depends_on: list[Asset] | None) -> None:
    if depends_on is None:
        return
    ids = []
    for other in depends_on:
        if other.organization_id != asset.organization_id:
            raise ValidationError({"depends_on": _("Unknown asset.")})
        if other.pk == asset.pk:
            raise ValidationError({"depends_on": _("An asset cannot depend on itself.")})
        ids.append(other.pk)
    record_m2m(asset, actor=actor, field="depends_on", ids=ids)


def asset_create(*, organization: Any, actor: Any, **data: Any) -> Asset:
    require(actor, "assets.change_asset", organization)
    depends_on = data.pop("depends_on", None)
    _check_refs(organization, data)
    with transaction.atomic():
        ref = (data.pop("ref", "") or "").strip()
        if ref:
            if Asset.objects.filter(organization=organization, ref=ref).exists():
                raise ValidationError({"ref": _("Asset %s already exists.") % ref})
            reserve_ref(organization, "A", ref)
        else:
            ref = next_ref(organization, "A")
        asset = record_create(Asset(organization=organization, ref=ref, **data), actor=actor)
        _set_dependencies(asset, actor=actor, depends_on=depends_on)
    return asset


def asset_update(
    *, asset: Asset, actor: Any, version: int | None, if_match: bool = False, **data: Any
) -> Asset:
    require(actor, "assets.change_asset", asset)
    depends_on = data.pop("depends_on", None)
    _check_refs(asset.organization, data)
    if "ref" in data and data["ref"] != asset.ref:
        raise ValidationError({"ref": _("A reference never changes.")})
    data.pop("ref", None)
    with transaction.atomic():
        record_update(asset, actor=actor, data=data, expected_version=version, if_match=if_match)
        _set_dependencies(asset, actor=actor, depends_on=depends_on)
    return asset


def asset_delete(*, asset: Asset, actor: Any, version: int | None = None) -> None:
    require(actor, "assets.change_asset", asset)
    if asset.risks.exists():
        raise ValidationError(_("%s is linked to risks; unlink it first.") % asset)
    with transaction.atomic():
        asset.depends_on.clear()
        asset.dependents.clear()
        record_delete(asset, actor=actor, expected_version=version)


def classification_create(
    *, organization: Any, actor: Any, name: str, order: int, description: str = ""
) -> ClassificationLevel:
    require(actor, "assets.manage_classification", organization)
    if ClassificationLevel.objects.filter(
        organization=organization, name__iexact=name.strip()
    ).exists():
        raise ValidationError({"name": _("“%s” already exists.") % name})
    return record_create(
        ClassificationLevel(
            organization=organization, name=name.strip(), order=order, description=description
        ),
        actor=actor,
    )


DEFAULT_CLASSIFICATION = [("Public", 1), ("Internal", 2), ("Confidential", 3), ("Restricted", 4)]


def classification_ensure_default(*, organization: Any, actor: Any) -> None:
    """A four-level scheme for an organisation that has none yet."""
    if ClassificationLevel.objects.filter(organization=organization).exists():
        return
    for name, order in DEFAULT_CLASSIFICATION:
        classification_create(organization=organization, actor=actor, name=name, order=order)


def asset_create_many(*, organization: Any, actor: Any, items: list[dict[str, Any]]) -> list[Asset]:
    """Create many assets at once (imports): the checks of ``asset_create`` made in bulk, one
    audited "create" event per asset. Raises ValidationError naming the item index."""
    require(actor, "assets.change_asset", organization)
    member_ids = set(current_members(organization).values_list("user_id", flat=True))
    existing_refs = set(
        Asset.objects.filter(organization=organization).values_list("ref", flat=True)
    )
    given: dict[str, int] = {}
    assets: list[Asset] = []
    for i, raw in enumerate(items):
        data = dict(raw)
        if "depends_on" in data:
            raise ValidationError(_("Set dependencies after creating the assets."))
        unknown = set(data) - ASSET_FIELDS
        if unknown:
            raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
        for field in ("owner", "custodian"):
            person = data.get(field)
            if person is not None and person.pk not in member_ids:
                raise ValidationError(
                    {
                        field: _("Item %(i)d: %(p)s is not a member of this organisation.")
                        % {"i": i + 1, "p": person}
                    }
                )
        classification = data.get("classification")
        if classification is not None and classification.organization_id != organization.pk:
            raise ValidationError(
                {"classification": _("Item %d: unknown classification.") % (i + 1)}
            )
        ref = (data.pop("ref", "") or "").strip()
        if ref:
            if ref in existing_refs or ref in given:
                raise ValidationError({"ref": _("Asset %s already exists.") % ref})
            given[ref] = i
        asset = Asset(organization=organization, ref=ref, **data)
        require(actor, "assets.change_asset", asset)  # contributors create assets they own
        assets.append(asset)
    with transaction.atomic():
        for ref in given:
            reserve_ref(organization, "A", ref)
        fresh = iter(next_refs(organization, "A", sum(1 for a in assets if not a.ref)))
        for asset in assets:
            if not asset.ref:
                asset.ref = next(fresh)
        record_create_many(
            assets,
            organization=organization,
            actor=actor,
            exclude_validation=["organization", "owner", "custodian", "classification"],
        )
    return assets


def asset_dependencies_set_many(
    *, organization: Any, actor: Any, pairs: list[tuple[Asset, list[Asset]]]
) -> None:
    """Set what each asset depends on, for many assets at once (imports); one audited
    "update" event per asset whose dependencies change."""
    require(actor, "assets.change_asset", organization)
    if not pairs:
        return
    through = Asset.depends_on.through
    ids = [asset.pk for asset, _targets in pairs]
    old: dict[int, set[int]] = {}
    for src, dst in through.objects.filter(from_asset_id__in=ids).values_list(
        "from_asset_id", "to_asset_id"
    ):
        old.setdefault(src, set()).add(dst)
    rows, entries, changed = [], [], []
    for asset, targets in pairs:
        require(actor, "assets.change_asset", asset)
        new = set()
        for target in targets:
            if target.organization_id != organization.pk:
                raise ValidationError({"depends_on": _("Unknown asset.")})
            if target.pk == asset.pk:
                raise ValidationError({"depends_on": _("%s cannot depend on itself.") % asset.ref})
            new.add(target.pk)
        before = old.get(asset.pk, set())
        if new == before:
            continue
        changed.append(asset.pk)
        rows += [through(from_asset_id=asset.pk, to_asset_id=t) for t in sorted(new)]
        entries.append((asset, {"depends_on": [sorted(before), sorted(new)]}))
    with transaction.atomic():
        through.objects.filter(from_asset_id__in=changed).delete()
        through.objects.bulk_create(rows, batch_size=1000)
        audit.record_many(organization=organization, actor=actor, action="update", entries=entries)
