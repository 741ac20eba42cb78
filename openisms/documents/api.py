"""REST API for the document register: documents (list with filters, create, read, change,
delete), their versions (list, read, start the next one, download a file version), the working
draft (Markdown body as JSON, or a file as a multipart upload), the lifecycle (submit, return to
draft, retire), approval, the register export and the risk methodology document."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from openisms.accounts.api import AUTH
from openisms.assets.api import UserRef, member_user
from openisms.controls import storage
from openisms.controls.evidence_services import file_downloaded
from openisms.core.api import (
    ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    etag,
    expected_version,
    org_scope,
    request_actor,
)
from openisms.core.registers import register_export
from openisms.documents import selectors, services
from openisms.documents.choices import Bump, DocumentStatus, DocumentType, Transition, VersionStatus
from openisms.documents.models import Document, DocumentVersion
from openisms.documents.rendering import render_markdown

router = Router(auth=AUTH, tags=["documents"])
VIEW, CHANGE, APPROVE = services.VIEW, services.CHANGE, services.APPROVE


# --- schemas ------------------------------------------------------------------------------------


class VersionFileOut(Schema):
    name: str
    sha256: str = Field(..., description="SHA-256 of the content (hex).")
    size: int
    content_type: str
    download_url: str


class VersionSummary(Schema):
    id: int
    number: str = Field(..., description="major.minor")
    status: VersionStatus


class VersionOut(Schema):
    id: int
    number: str = Field(..., description="major.minor")
    major: int
    minor: int
    status: VersionStatus
    change_note: str
    body_markdown: str
    body_html: str = Field(..., description="The body rendered and sanitised (allow-list).")
    file: VersionFileOut | None
    content_hash: str
    created_at: datetime
    submitted_at: datetime | None
    approved_by: UserRef | None
    approver_name: str
    approved_at: datetime | None
    approval_comment: str
    in_force: bool
    version: int = Field(..., description="The row's version (send it to edit the draft).")

    @staticmethod
    def resolve_body_html(obj: Any) -> str:
        return str(render_markdown(obj.body_markdown)) if obj.body_markdown else ""

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
                "api:document_version_download",
                kwargs={
                    "slug": obj.api_slug,
                    "document_id": obj.document_id,
                    "version_id": obj.pk,
                },
            ),
        }

    @staticmethod
    def resolve_in_force(obj: Any) -> bool:
        return bool(obj.api_in_force)


class DocumentOut(Schema):
    id: int
    ref: str
    title: str
    type: DocumentType
    status: DocumentStatus
    owner: UserRef | None
    classification: str
    review_interval_months: int
    next_review: date | None
    review_overdue: bool
    retention: str
    current_version: VersionSummary | None = Field(
        ..., description="The approved version in force."
    )
    working_version: VersionSummary | None = Field(..., description="Draft or in review.")
    created_at: datetime
    updated_at: datetime
    version: int

    @staticmethod
    def resolve_review_overdue(obj: Any) -> bool:
        return selectors.is_overdue(obj)

    @staticmethod
    def resolve_working_version(obj: Any) -> Any:
        return selectors.working_of(obj)


class DocumentIn(Schema):
    model_config = {"extra": "forbid"}

    title: str = Field(..., min_length=1, max_length=300)
    type: DocumentType
    owner: int | None = Field(None, description="User id of a member (default: you).")
    classification: str = Field("", max_length=100)
    review_interval_months: int = Field(12, ge=1, le=120)
    retention: str = Field("", max_length=500)
    number: str = Field("1.0", description="The first version's number, major.minor.")
    body_markdown: str = Field("", description="The first version's body (Markdown).")
    change_note: str = ""


class DocumentPatch(Schema):
    model_config = {"extra": "forbid"}

    title: str | None = Field(None, min_length=1, max_length=300)
    type: DocumentType | None = None
    owner: int | None = None
    classification: str | None = Field(None, max_length=100)
    review_interval_months: int | None = Field(None, ge=1, le=120)
    retention: str | None = Field(None, max_length=500)
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class DocumentQuery(Schema):
    q: str = Field("", max_length=100, description="Ref or title.")
    type: DocumentType | None = None
    status: DocumentStatus | None = None
    owner: int | None = None
    overdue: bool = Field(False, description="Only approved documents past their review date.")


class VersionStartIn(Schema):
    model_config = {"extra": "forbid"}

    bump: Bump = Bump.MINOR
    change_note: str = ""
    version: int | None = Field(None, ge=1, description="The document's version (optional).")


class DraftPatch(Schema):
    model_config = {"extra": "forbid"}

    body_markdown: str | None = Field(None, description="Replaces a file, if the draft had one.")
    change_note: str | None = None
    version: int | None = Field(None, ge=1, description="The draft's version (or If-Match).")


class DraftUploadIn(Schema):
    model_config = {"extra": "forbid"}

    change_note: str | None = None
    version: int | None = Field(None, ge=1, description="The draft's version (optional).")


class TransitionIn(Schema):
    model_config = {"extra": "forbid"}

    to: Transition
    version: int | None = Field(None, ge=1, description="The document's version (or If-Match).")


class ApproveIn(Schema):
    model_config = {"extra": "forbid"}

    comment: str = Field("", max_length=2000)
    version: int | None = Field(None, ge=1, description="The document's version (or If-Match).")


# --- helpers ------------------------------------------------------------------------------------


def _document(organization: Any, document_id: int) -> Document:
    return selectors.document_get(organization=organization, pk=document_id)


def _out(organization: Any, document: Document, response: HttpResponse | None = None) -> Document:
    document = selectors.document_list(organization=organization).get(pk=document.pk)
    if response is not None:
        response["ETag"] = etag(document.version)
    return document


def _version_out(
    organization: Any, document: Document, version: DocumentVersion, response: Any = None
) -> DocumentVersion:
    version.api_slug = organization.slug  # type: ignore[attr-defined]
    version.api_in_force = version.pk == document.current_version_id  # type: ignore[attr-defined]
    if response is not None:
        response["ETag"] = etag(version.version)
    return version


def _owner(organization: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "owner" in data:
        data["owner"] = member_user(organization, data["owner"], "owner")
    return data


def _draft(document: Document) -> DocumentVersion:
    draft = services.working_version(document)
    if draft is None:
        raise HttpError(404, f"{document.ref} has no working version.")
    return draft


# --- documents ----------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/documents/",
    response={200: list[DocumentOut], **ERROR_RESPONSES},
    summary="Documents (filters: type, status, owner, overdue, q)",
)
@paginate(PageNumberPagination)
def document_list(request: HttpRequest, slug: str, filters: Query[DocumentQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    f = selectors.DocumentFilter(
        q=filters.q.strip(),
        type=filters.type or "",
        status=filters.status or "",
        owner=filters.owner,
        overdue=filters.overdue,
    )
    return selectors.document_list(organization=org, filters=f)


@router.post(
    "/orgs/{slug}/documents/",
    response={201: DocumentOut, **WRITE_ERROR_RESPONSES},
    summary="Add a document with its first version (a draft with a Markdown body)",
)
def document_create(
    request: HttpRequest, slug: str, payload: DocumentIn, response: HttpResponse
) -> Any:
    """Upload a file as the content afterwards: POST …/documents/{id}/draft/upload/."""
    org = org_scope(request, slug, CHANGE)
    data = _owner(org, payload.model_dump())
    document = services.document_create(organization=org, actor=request_actor(request), **data)
    return Status(201, _out(org, document, response))


@router.get(
    "/orgs/{slug}/documents/export/",
    response={200: None, **ERROR_RESPONSES},
    summary="The document register as CSV or XLSX (same filters as the list)",
)
def document_export(
    request: HttpRequest,
    slug: str,
    filters: Query[DocumentQuery],
    format: Literal["csv", "xlsx"] = "csv",
) -> Any:
    org = org_scope(request, slug, VIEW)
    f = selectors.DocumentFilter(
        q=filters.q.strip(),
        type=filters.type or "",
        status=filters.status or "",
        owner=filters.owner,
        overdue=filters.overdue,
    )
    return register_export(
        selectors.EXPORT_HEADER,
        selectors.export_rows(organization=org, filters=f),
        fmt=format,
        name="documents",
        organization=org,
    )


@router.post(
    "/orgs/{slug}/documents/risk-methodology/",
    response={201: DocumentOut, **WRITE_ERROR_RESPONSES},
    summary="Generate the risk assessment methodology document from the current methodology",
)
def methodology_generate(request: HttpRequest, slug: str, response: HttpResponse) -> Any:
    """Creates the procedure (version 1.0 draft), or regenerates its draft, or starts a new
    minor version; refused while its working version is in review."""
    org = org_scope(request, slug, CHANGE)
    document, _version = services.methodology_document_generate(
        organization=org, actor=request_actor(request)
    )
    return Status(201, _out(org, document, response))


@router.get(
    "/orgs/{slug}/documents/{document_id}/",
    response={200: DocumentOut, **ERROR_RESPONSES},
    summary="One document",
)
def document_get(request: HttpRequest, slug: str, document_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _out(org, _document(org, document_id), response)


@router.patch(
    "/orgs/{slug}/documents/{document_id}/",
    response={200: DocumentOut, **WRITE_ERROR_RESPONSES},
    summary="Change a document's register entry",
)
def document_patch(
    request: HttpRequest,
    slug: str,
    document_id: int,
    payload: DocumentPatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, CHANGE)
    document = _document(org, document_id)
    version, if_match = expected_version(request, payload.version)
    data = _owner(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    document = services.document_update(
        document=document, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    return _out(org, document, response)


@router.delete(
    "/orgs/{slug}/documents/{document_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete a document that was never approved",
)
def document_delete(
    request: HttpRequest, slug: str, document_id: int, version: int | None = None
) -> Any:
    """Send the version you saw: ``If-Match`` (stale → 412) or ``?version=`` (stale → 409)."""
    org = org_scope(request, slug, CHANGE)
    document = _document(org, document_id)
    expected, if_match = expected_version(request, version)
    services.document_delete(
        document=document, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


@router.post(
    "/orgs/{slug}/documents/{document_id}/transition/",
    response={200: DocumentOut, **WRITE_ERROR_RESPONSES},
    summary="Submit for review (in_review), return to draft (draft) or retire (retired)",
)
def document_transition(
    request: HttpRequest,
    slug: str,
    document_id: int,
    payload: TransitionIn,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, CHANGE)
    document = _document(org, document_id)
    version, if_match = expected_version(request, payload.version)
    services.document_transition(
        document=document,
        actor=request_actor(request),
        to=payload.to,
        version=version,
        if_match=if_match,
    )
    return _out(org, document, response)


@router.post(
    "/orgs/{slug}/documents/{document_id}/approve/",
    response={200: VersionOut, **WRITE_ERROR_RESPONSES},
    summary="Approve the version in review as the caller (freezes it; sets the next review)",
)
def document_approve(
    request: HttpRequest,
    slug: str,
    document_id: int,
    payload: ApproveIn,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, APPROVE)
    document = _document(org, document_id)
    version, if_match = expected_version(request, payload.version)
    approved = services.document_approve(
        document=document,
        actor=request_actor(request),
        version=version,
        if_match=if_match,
        comment=payload.comment,
    )
    approved = selectors.version_get(document=document, pk=approved.pk)
    return _version_out(org, document, approved, response)


# --- versions and the working draft -------------------------------------------------------------


@router.get(
    "/orgs/{slug}/documents/{document_id}/versions/",
    response={200: list[VersionOut], **ERROR_RESPONSES},
    summary="A document's versions, newest first",
)
def version_list(request: HttpRequest, slug: str, document_id: int) -> Any:
    org = org_scope(request, slug, VIEW)
    document = _document(org, document_id)
    return [_version_out(org, document, v) for v in selectors.version_list(document=document)]


@router.post(
    "/orgs/{slug}/documents/{document_id}/versions/",
    response={201: VersionOut, **WRITE_ERROR_RESPONSES},
    summary="Start the next version (minor or major) as a draft copy of the latest content",
)
def version_start(
    request: HttpRequest,
    slug: str,
    document_id: int,
    payload: VersionStartIn,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, CHANGE)
    document = _document(org, document_id)
    draft = services.draft_start(
        document=document,
        actor=request_actor(request),
        bump=payload.bump,
        version=payload.version,
        change_note=payload.change_note,
    )
    draft = selectors.version_get(document=document, pk=draft.pk)
    return Status(201, _version_out(org, document, draft, response))


@router.get(
    "/orgs/{slug}/documents/{document_id}/versions/{version_id}/",
    response={200: VersionOut, **ERROR_RESPONSES},
    summary="One version (Markdown body, rendered HTML, or file)",
)
def version_get(
    request: HttpRequest, slug: str, document_id: int, version_id: int, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, VIEW)
    document = _document(org, document_id)
    version = selectors.version_get(document=document, pk=version_id)
    return _version_out(org, document, version, response)


@router.get(
    "/orgs/{slug}/documents/{document_id}/versions/{version_id}/download/",
    response={200: None, **ERROR_RESPONSES},
    url_name="document_version_download",
    summary="A file version's file (attachment; 404 for a Markdown version)",
)
def version_download(request: HttpRequest, slug: str, document_id: int, version_id: int) -> Any:
    org = org_scope(request, slug, VIEW)
    document = _document(org, document_id)
    version = selectors.version_get(document=document, pk=version_id)
    if version.file is None:
        raise HttpError(404, f"{document.ref} v{version.number} has no file (it is Markdown).")
    response = storage.download_response(
        sha256=version.file.sha256,
        content_type=version.file.content_type,
        filename=version.filename,
    )
    file_downloaded(
        instance=version,
        actor=request_actor(request),
        perm=VIEW,
        filename=version.filename,
        file=version.file,
    )
    return response


@router.patch(
    "/orgs/{slug}/documents/{document_id}/draft/",
    response={200: VersionOut, **WRITE_ERROR_RESPONSES},
    summary="Edit the working draft (Markdown body, change note)",
)
def draft_patch(
    request: HttpRequest,
    slug: str,
    document_id: int,
    payload: DraftPatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, CHANGE)
    document = _document(org, document_id)
    _draft(document)
    version, if_match = expected_version(request, payload.version)
    draft = services.draft_update(
        document=document,
        actor=request_actor(request),
        version=version,
        if_match=if_match,
        **payload.model_dump(exclude_unset=True, exclude={"version"}),
    )
    draft = selectors.version_get(document=document, pk=draft.pk)
    return _version_out(org, document, draft, response)


@router.post(
    "/orgs/{slug}/documents/{document_id}/draft/upload/",
    response={200: VersionOut, **WRITE_ERROR_RESPONSES},
    summary="Upload a file as the working draft's content (multipart/form-data; replaces the body)",
)
def draft_upload(
    request: HttpRequest,
    slug: str,
    document_id: int,
    file: File[UploadedFile],
    fields: Form[DraftUploadIn],
    response: HttpResponse,
) -> Any:
    """The type is decided by the content (PDF, Office, OpenDocument, text, images) and must
    match the name's extension; the size limit is OPENISMS_EVIDENCE_MAX_MB."""
    org = org_scope(request, slug, CHANGE)
    document = _document(org, document_id)
    _draft(document)
    header = request.headers.get("If-Match", "").strip()
    version, if_match = (
        expected_version(request, fields.version) if header or fields.version else (None, False)
    )
    draft = services.draft_update(
        document=document,
        actor=request_actor(request),
        version=version,
        if_match=if_match,
        upload=file,
        change_note=fields.change_note,
    )
    draft = selectors.version_get(document=document, pk=draft.pk)
    return _version_out(org, document, draft, response)
