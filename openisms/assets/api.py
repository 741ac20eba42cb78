"""REST API for the asset inventory and the classification scheme (/api/v1/orgs/{slug}/…)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from openisms.accounts.api import AUTH
from openisms.accounts.selectors import member_list
from openisms.assets import selectors, services
from openisms.assets.choices import AssetType, Lifecycle, Requirement
from openisms.assets.importer import asset_import
from openisms.assets.models import Asset
from openisms.core.api import (
    ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    ImportResultOut,
    etag,
    expected_version,
    import_upload,
    org_scope,
    request_actor,
)
from openisms.core.exceptions import ConflictError, PreconditionFailed

router = Router(auth=AUTH, tags=["assets"])


# --- helpers shared with the risks API --------------------------------------------------------


def member_user(organization: Any, user_id: int | None, field: str) -> Any:
    """The user ``user_id`` if they belong to the organisation; a field error otherwise (the
    service then checks that the membership is current)."""
    if user_id is None:
        return None
    membership = member_list(organization=organization).filter(user_id=user_id).first()
    if membership is None:
        raise ValidationError({field: _("Not a member of this organisation.")})
    return membership.user


def org_assets(organization: Any, ids: list[int] | None, field: str) -> list[Asset] | None:
    """The organisation's assets with these ids; an unknown or foreign id is a field error."""
    if ids is None:
        return None
    wanted = set(ids)
    found = list(selectors.asset_list(organization=organization).filter(pk__in=wanted))
    missing = wanted - {a.pk for a in found}
    if missing:
        raise ValidationError(
            {field: _("Unknown asset: %s.") % ", ".join(str(i) for i in sorted(missing))}
        )
    return found


@contextmanager
def stale_if_match(if_match: bool) -> Iterator[None]:
    """For services that take a version but not ``if_match``: a stale ``If-Match`` is 412."""
    try:
        yield
    except ConflictError as exc:
        if if_match and not isinstance(exc, PreconditionFailed):
            raise PreconditionFailed(
                obj=exc.obj, expected=exc.expected, current=exc.current
            ) from exc
        raise


# --- schemas ---------------------------------------------------------------------------------


class UserRef(Schema):
    id: int
    email: str
    full_name: str


class ClassificationRef(Schema):
    id: int
    name: str
    order: int


class ClassificationOut(ClassificationRef):
    description: str
    version: int


class ClassificationIn(Schema):
    model_config = {"extra": "forbid"}

    name: str = Field(..., min_length=1, max_length=100)
    order: int = Field(..., ge=1, le=100)
    description: str = ""


class AssetRef(Schema):
    id: int
    ref: str
    name: str


class AssetOut(Schema):
    id: int
    ref: str
    name: str
    type: str
    description: str
    owner: UserRef | None
    custodian: UserRef | None
    classification: ClassificationRef | None
    confidentiality: int
    integrity: int
    availability: int
    location: str
    lifecycle: str
    in_scope: bool
    version: int


class EffectiveCiaOut(Schema):
    confidentiality: int
    integrity: int
    availability: int
    inherited_from: list[str] = Field(
        ..., description="Refs of the assets depending on this one that raised a requirement."
    )


class AssetDetailOut(AssetOut):
    depends_on: list[AssetRef]
    effective: EffectiveCiaOut

    @staticmethod
    def resolve_depends_on(obj: Any) -> list[Any]:
        return list(obj.depends_on.order_by("ref"))

    @staticmethod
    def resolve_effective(obj: Any) -> dict[str, Any]:
        cia = selectors.effective_cia(obj)
        return {
            "confidentiality": cia.confidentiality,
            "integrity": cia.integrity,
            "availability": cia.availability,
            "inherited_from": list(cia.inherited_from),
        }


class AssetIn(Schema):
    model_config = {"extra": "forbid"}

    ref: str = Field("", max_length=30, description="Empty: the next A-nnn.")
    name: str = Field(..., min_length=1, max_length=200)
    type: AssetType
    description: str = ""
    owner: int | None = Field(None, description="User id of a member.")
    custodian: int | None = Field(None, description="User id of a member.")
    classification: int | None = Field(None, description="Classification level id.")
    confidentiality: Requirement = Requirement.MEDIUM
    integrity: Requirement = Requirement.MEDIUM
    availability: Requirement = Requirement.MEDIUM
    location: str = Field("", max_length=200)
    lifecycle: Lifecycle = Lifecycle.IN_USE
    in_scope: bool = True
    depends_on: list[int] | None = Field(None, description="Ids of assets this one needs.")


class AssetPatch(Schema):
    model_config = {"extra": "forbid"}

    name: str | None = Field(None, min_length=1, max_length=200)
    type: AssetType | None = None
    description: str | None = None
    owner: int | None = None
    custodian: int | None = None
    classification: int | None = None
    confidentiality: Requirement | None = None
    integrity: Requirement | None = None
    availability: Requirement | None = None
    location: str | None = Field(None, max_length=200)
    lifecycle: Lifecycle | None = None
    in_scope: bool | None = None
    depends_on: list[int] | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class AssetQuery(Schema):
    q: str = Field("", max_length=100)
    type: str = Field("", max_length=20)
    owner: int | None = None
    in_scope: bool | None = None
    sort: str = Field("ref", max_length=20)


def _resolve(organization: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Ids in the body → the organisation's objects (foreign or unknown → 422)."""
    for field in ("owner", "custodian"):
        if field in data:
            data[field] = member_user(organization, data[field], field)
    if data.get("classification") is not None:
        level = (
            selectors.classification_list(organization=organization)
            .filter(pk=data["classification"])
            .first()
        )
        if level is None:
            raise ValidationError({"classification": _("Unknown classification.")})
        data["classification"] = level
    if "depends_on" in data:
        data["depends_on"] = org_assets(organization, data["depends_on"], "depends_on")
    return data


# --- assets ------------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/assets/",
    response={200: list[AssetOut], **ERROR_RESPONSES},
    summary="Asset inventory",
)
@paginate(PageNumberPagination)
def asset_list(request: HttpRequest, slug: str, filters: Query[AssetQuery]) -> Any:
    org = org_scope(request, slug, "assets.view_asset")
    return selectors.asset_list(
        organization=org, filters=selectors.AssetFilter(**filters.model_dump())
    )


@router.post(
    "/orgs/{slug}/assets/",
    response={201: AssetDetailOut, **WRITE_ERROR_RESPONSES},
    summary="Add an asset",
)
def asset_create(request: HttpRequest, slug: str, payload: AssetIn, response: HttpResponse) -> Any:
    org = org_scope(request, slug, "assets.change_asset")
    data = _resolve(org, payload.model_dump())
    asset = services.asset_create(organization=org, actor=request_actor(request), **data)
    response["ETag"] = etag(asset.version)
    return Status(201, asset)


@router.post(
    "/orgs/{slug}/assets/import/",
    response={200: ImportResultOut, **WRITE_ERROR_RESPONSES},
    summary="Import assets from CSV or XLSX (all or nothing)",
)
def asset_import_api(
    request: HttpRequest, slug: str, file: File[UploadedFile], dry_run: Form[bool] = False
) -> Any:
    org = org_scope(request, slug, "assets.change_asset")
    return import_upload(
        asset_import, request=request, organization=org, upload=file, dry_run=dry_run
    )


@router.get(
    "/orgs/{slug}/assets/{asset_id}/",
    response={200: AssetDetailOut, **ERROR_RESPONSES},
    summary="One asset, with its effective C/I/A",
)
def asset_get(request: HttpRequest, slug: str, asset_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, "assets.view_asset")
    asset = selectors.asset_get(organization=org, pk=asset_id)
    response["ETag"] = etag(asset.version)
    return asset


@router.patch(
    "/orgs/{slug}/assets/{asset_id}/",
    response={200: AssetDetailOut, **WRITE_ERROR_RESPONSES},
    summary="Change an asset",
)
def asset_patch(
    request: HttpRequest, slug: str, asset_id: int, payload: AssetPatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "assets.change_asset")
    asset = selectors.asset_get(organization=org, pk=asset_id)
    version, if_match = expected_version(request, payload.version)
    data = _resolve(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    asset = services.asset_update(
        asset=asset, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    response["ETag"] = etag(asset.version)
    return asset


@router.delete(
    "/orgs/{slug}/assets/{asset_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete an asset",
)
def asset_delete(request: HttpRequest, slug: str, asset_id: int, version: int | None = None) -> Any:
    """Send the version you saw: ``If-Match`` (stale → 412) or ``?version=`` (stale → 409)."""
    org = org_scope(request, slug, "assets.change_asset")
    asset = selectors.asset_get(organization=org, pk=asset_id)
    expected, if_match = expected_version(request, version)
    with stale_if_match(if_match):
        services.asset_delete(asset=asset, actor=request_actor(request), version=expected)
    return Status(204, None)


# --- classification scheme --------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/classification-levels/",
    response={200: list[ClassificationOut], **ERROR_RESPONSES},
    summary="Classification levels",
)
@paginate(PageNumberPagination)
def classification_list(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, "assets.view_asset")
    return selectors.classification_list(organization=org)


@router.post(
    "/orgs/{slug}/classification-levels/",
    response={201: ClassificationOut, **WRITE_ERROR_RESPONSES},
    summary="Add a classification level",
)
def classification_create(request: HttpRequest, slug: str, payload: ClassificationIn) -> Any:
    org = org_scope(request, slug, "assets.manage_classification")
    level = services.classification_create(
        organization=org, actor=request_actor(request), **payload.model_dump()
    )
    return Status(201, level)
