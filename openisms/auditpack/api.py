"""REST API for audit packs: list, request a build (queued for the worker), one pack (status,
progress, manifest summary), and the download (audited)."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from openisms.accounts.api import AUTH
from openisms.assets.api import UserRef
from openisms.auditpack import selectors, services
from openisms.auditpack.choices import PackStatus
from openisms.auditpack.views import download_response
from openisms.core.api import ERROR_RESPONSES, WRITE_ERROR_RESPONSES, org_scope, request_actor

router = Router(auth=AUTH, tags=["auditpack"])

PERM = services.PERM


class PartOut(Schema):
    folder: str
    title: str
    status: str = Field(..., description="included, empty or not available")
    files: int
    notes: list[str]


class AuditPackOut(Schema):
    id: int
    ref: str
    as_of: date
    status: PackStatus
    progress: int
    step: str
    requested_by: UserRef | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    size: int | None
    sha256: str = Field(..., description="SHA-256 of the zip ('' until ready).")
    file_count: int | None
    chain_seq: int | None = Field(..., description="Audit trail chain head (sequence).")
    chain_hash: str
    error: str
    parts: list[PartOut]
    download_url: str | None
    version: int

    @staticmethod
    def resolve_requested_by(obj: Any) -> Any:
        u = obj.requested_by
        if u is None:
            return None
        return {"id": u.pk, "email": u.email, "full_name": u.full_name}

    @staticmethod
    def resolve_download_url(obj: Any) -> str | None:
        if not obj.downloadable:
            return None
        return reverse(
            "api:auditpack_download",
            kwargs={"slug": obj.organization.slug, "pack_id": obj.pk},
        )


class AuditPackIn(Schema):
    model_config = {"extra": "forbid"}

    as_of: date | None = Field(
        None, description="The records as they stood at the end of this day (default: today)."
    )


@router.get(
    "/orgs/{slug}/audit-packs/",
    response={200: list[AuditPackOut], **ERROR_RESPONSES},
    summary="Audit packs, newest first",
)
@paginate(PageNumberPagination)
def pack_list(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, PERM)
    return selectors.pack_list(organization=org)


@router.post(
    "/orgs/{slug}/audit-packs/",
    response={201: AuditPackOut, **WRITE_ERROR_RESPONSES},
    summary="Request an audit pack (built by the worker; poll the pack for its progress)",
)
def pack_create(request: HttpRequest, slug: str, payload: AuditPackIn) -> Any:
    org = org_scope(request, slug, PERM)
    pack = services.pack_request(
        organization=org, actor=request_actor(request), as_of=payload.as_of
    )
    return Status(201, selectors.pack_get(organization=org, pk=pack.pk))


@router.get(
    "/orgs/{slug}/audit-packs/{pack_id}/",
    response={200: AuditPackOut, **ERROR_RESPONSES},
    summary="One audit pack: status, progress, hashes and contents",
)
def pack_get(request: HttpRequest, slug: str, pack_id: int) -> Any:
    org = org_scope(request, slug, PERM)
    return selectors.pack_get(organization=org, pk=pack_id)


@router.get(
    "/orgs/{slug}/audit-packs/{pack_id}/download/",
    response={200: None, **ERROR_RESPONSES},
    url_name="auditpack_download",
    summary="The pack's zip (attachment; 404 until it is ready). Recorded in the audit trail.",
)
def pack_download(request: HttpRequest, slug: str, pack_id: int) -> Any:
    org = org_scope(request, slug, PERM)
    pack = selectors.pack_get(organization=org, pk=pack_id)
    return download_response(pack, request_actor(request))
