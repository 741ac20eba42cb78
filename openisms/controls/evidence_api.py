"""REST API for evidence: the list (freshness, control, kind, owner, q), one item, create as
JSON (link, note) or as a multipart upload (file), change, delete, and the file's download
(same headers as the web page: attachment, nosniff, sandboxing CSP)."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from openisms.accounts.api import AUTH
from openisms.assets.api import UserRef, member_user
from openisms.controls import evidence_selectors as selectors
from openisms.controls import evidence_services as services
from openisms.controls import storage
from openisms.controls.choices import EvidenceKind, Freshness
from openisms.controls.health import freshness
from openisms.controls.models import Control, Evidence
from openisms.core.api import (
    ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    etag,
    expected_version,
    org_scope,
    request_actor,
)
from openisms.core.exceptions import ConflictError, PreconditionFailed
from openisms.core.gate import scoped

router = Router(auth=AUTH, tags=["evidence"])


# --- schemas ------------------------------------------------------------------------------------


class EvidenceFileOut(Schema):
    name: str
    sha256: str = Field(..., description="SHA-256 of the content (hex).")
    size: int
    content_type: str
    download_url: str


class EvidenceOut(Schema):
    id: int
    ref: str
    title: str
    description: str
    kind: EvidenceKind
    url: str
    note: str
    file: EvidenceFileOut | None
    collected_on: date
    period_start: date | None
    period_end: date | None
    refresh_days: int | None
    valid_until: date | None
    freshness: Freshness
    owner: UserRef | None
    control_ids: list[int]
    requirement_ids: list[int]
    created_at: datetime
    version: int

    @staticmethod
    def resolve_file(obj: Any) -> dict[str, Any] | None:
        if obj.file is None:
            return None
        return {
            "name": obj.filename,
            "sha256": obj.file.sha256,
            "size": obj.file.size,
            "content_type": obj.file.content_type,
            "download_url": reverse(
                "api:evidence_download", kwargs={"slug": obj.api_slug, "evidence_id": obj.pk}
            ),
        }

    @staticmethod
    def resolve_freshness(obj: Any) -> str:
        return freshness(obj.valid_until)

    @staticmethod
    def resolve_control_ids(obj: Any) -> list[int]:
        return sorted(c.pk for c in obj.controls.all())

    @staticmethod
    def resolve_requirement_ids(obj: Any) -> list[int]:
        return sorted(r.pk for r in obj.requirements.all())


class _Fields(Schema):
    description: str = ""
    collected_on: date | None = Field(None, description="Default: today.")
    period_start: date | None = None
    period_end: date | None = None
    refresh_days: int | None = Field(None, ge=1, le=3660)
    valid_until: date | None = Field(
        None, description="Default: collected_on + refresh_days when a cadence is given."
    )
    owner: int | None = Field(None, description="User id of a member (default: you).")
    control_ids: list[int] = Field(default_factory=list, description="Ids of your controls.")
    requirement_ids: list[int] = Field(
        default_factory=list, description="Requirement ids of any framework you see."
    )


class EvidenceIn(_Fields):
    """Link or note evidence (a file is uploaded with POST …/evidence/upload/)."""

    model_config = {"extra": "forbid"}

    kind: EvidenceKind
    title: str = Field(..., min_length=1, max_length=300)
    url: str = Field("", max_length=2000, description="Link evidence: http:// or https://.")
    note: str = Field("", description="Note evidence: the note's text.")


class EvidenceUploadIn(_Fields):
    """The fields sent with the file (multipart/form-data)."""

    model_config = {"extra": "forbid"}

    title: str = Field("", max_length=300, description="Default: the file's name.")


class EvidencePatch(Schema):
    model_config = {"extra": "forbid"}

    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None
    url: str | None = Field(None, max_length=2000)
    note: str | None = None
    collected_on: date | None = None
    period_start: date | None = None
    period_end: date | None = None
    refresh_days: int | None = Field(None, ge=1, le=3660)
    valid_until: date | None = None
    owner: int | None = None
    control_ids: list[int] | None = Field(None, description="Omitted: unchanged.")
    requirement_ids: list[int] | None = Field(None, description="Omitted: unchanged.")
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class EvidenceQuery(Schema):
    q: str = Field("", max_length=100, description="Ref, title, file name or SHA-256.")
    freshness: Freshness | None = None
    kind: EvidenceKind | None = None
    control: int | None = Field(None, description="A control id.")
    owner: int | None = None


# --- helpers ------------------------------------------------------------------------------------


def _controls(organization: Any, ids: list[int] | None) -> list[Control] | None:
    if ids is None:
        return None
    wanted = set(ids)
    found = list(scoped(Control, organization).filter(pk__in=wanted))
    missing = wanted - {c.pk for c in found}
    if missing:
        raise ValidationError(
            {"control_ids": _("Unknown control: %s.") % ", ".join(str(i) for i in sorted(missing))}
        )
    return found


def _resolve(organization: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Ids in a body → the organisation's objects (foreign or unknown → 422)."""
    if "owner" in data:
        data["owner"] = member_user(organization, data["owner"], "owner")
    if "control_ids" in data:
        data["controls"] = _controls(organization, data.pop("control_ids"))
    if "requirement_ids" in data:
        data["requirements"] = data.pop("requirement_ids")
    return data


def _out(organization: Any, evidence: Evidence, response: HttpResponse | None = None) -> Evidence:
    evidence = selectors.evidence_list(organization=organization).get(pk=evidence.pk)
    evidence.api_slug = organization.slug  # type: ignore[attr-defined]
    if response is not None:
        response["ETag"] = etag(evidence.version)
    return evidence


def _get(organization: Any, evidence_id: int) -> Evidence:
    return selectors.evidence_get(organization=organization, pk=evidence_id)


class EvidencePagination(PageNumberPagination):
    """Page numbers; each item learns its organisation's slug (for its download link)."""

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        result = super().paginate_queryset(queryset, pagination, request, **params)
        items = list(result[self.items_attribute])
        for item in items:
            item.api_slug = params.get("slug", "")
        result[self.items_attribute] = items
        return result


# --- operations ---------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/evidence/",
    response={200: list[EvidenceOut], **ERROR_RESPONSES},
    summary="Evidence (filters: freshness, control, kind, owner, q)",
)
@paginate(EvidencePagination)
def evidence_list(request: HttpRequest, slug: str, filters: Query[EvidenceQuery]) -> Any:
    org = org_scope(request, slug, "controls.view_control")
    f = selectors.EvidenceFilter(
        q=filters.q.strip(),
        freshness=filters.freshness or "",
        kind=filters.kind or "",
        control=filters.control,
        owner=filters.owner,
    )
    return selectors.evidence_list(organization=org, filters=f)


@router.post(
    "/orgs/{slug}/evidence/",
    response={201: EvidenceOut, **WRITE_ERROR_RESPONSES},
    summary="Add link or note evidence (JSON)",
)
def evidence_create(
    request: HttpRequest, slug: str, payload: EvidenceIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "controls.change_evidence")
    if payload.kind == EvidenceKind.FILE:
        raise ValidationError(
            {"kind": _("Upload files with POST /orgs/{slug}/evidence/upload/ (multipart).")}
        )
    data = _resolve(org, payload.model_dump())
    evidence = services.evidence_create(organization=org, actor=request_actor(request), **data)
    return Status(201, _out(org, evidence, response))


@router.post(
    "/orgs/{slug}/evidence/upload/",
    response={201: EvidenceOut, **WRITE_ERROR_RESPONSES},
    summary="Add file evidence (multipart/form-data: file and the other fields)",
)
def evidence_upload(
    request: HttpRequest,
    slug: str,
    file: File[UploadedFile],
    fields: Form[EvidenceUploadIn],
    response: HttpResponse,
) -> Any:
    """The file's type is decided by its content (PDF, images, text, Office, OpenDocument)
    and must match its name's extension; the size limit is OPENISMS_EVIDENCE_MAX_MB."""
    org = org_scope(request, slug, "controls.change_evidence")
    data = _resolve(org, fields.model_dump())
    evidence = services.evidence_create(
        organization=org,
        actor=request_actor(request),
        kind=EvidenceKind.FILE,
        upload=file,
        **data,
    )
    return Status(201, _out(org, evidence, response))


@router.get(
    "/orgs/{slug}/evidence/{evidence_id}/",
    response={200: EvidenceOut, **ERROR_RESPONSES},
    summary="One evidence item",
)
def evidence_get(request: HttpRequest, slug: str, evidence_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, "controls.view_control")
    return _out(org, _get(org, evidence_id), response)


@router.patch(
    "/orgs/{slug}/evidence/{evidence_id}/",
    response={200: EvidenceOut, **WRITE_ERROR_RESPONSES},
    summary="Change an evidence item",
)
def evidence_patch(
    request: HttpRequest,
    slug: str,
    evidence_id: int,
    payload: EvidencePatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, "controls.change_evidence")
    evidence = _get(org, evidence_id)
    version, if_match = expected_version(request, payload.version)
    data = _resolve(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    evidence = services.evidence_update(
        evidence=evidence, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    return _out(org, evidence, response)


@router.delete(
    "/orgs/{slug}/evidence/{evidence_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete an evidence item no recorded test run cites",
)
def evidence_delete(
    request: HttpRequest, slug: str, evidence_id: int, version: int | None = None
) -> Any:
    """Send the version you saw: ``If-Match`` (stale → 412) or ``?version=`` (stale → 409)."""
    org = org_scope(request, slug, "controls.change_evidence")
    evidence = _get(org, evidence_id)
    expected, if_match = expected_version(request, version)
    if expected != evidence.version:
        error = PreconditionFailed if if_match else ConflictError
        raise error(obj=evidence, expected=expected, current=evidence.version)
    services.evidence_delete(
        evidence=evidence, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


@router.get(
    "/orgs/{slug}/evidence/{evidence_id}/download/",
    response={200: None, **ERROR_RESPONSES},
    url_name="evidence_download",
    summary="The evidence's file (attachment; 404 for link and note evidence)",
)
def evidence_download(request: HttpRequest, slug: str, evidence_id: int) -> Any:
    org = org_scope(request, slug, "controls.view_control")
    evidence = _get(org, evidence_id)
    if evidence.file is None:
        raise HttpError(404, _("%s has no file (it is a link or a note).") % evidence.ref)
    response = storage.download_response(
        sha256=evidence.file.sha256,
        content_type=evidence.file.content_type,
        filename=evidence.filename,
    )
    services.file_downloaded(
        instance=evidence,
        actor=request_actor(request),
        perm="controls.view_control",
        filename=evidence.filename,
        file=evidence.file,
    )
    return response
