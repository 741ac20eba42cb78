"""API plumbing shared by every router: one error body, the organisation scope, versions."""

from __future__ import annotations

from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from openisms.core.exceptions import ConflictError, PreconditionFailed, PreconditionRequired
from openisms.core.gate import organization_for, require


class ErrorDetail(Schema):
    loc: list[str | int] = []
    message: str


class ErrorBody(Schema):
    status: int
    code: str
    message: str
    details: list[ErrorDetail] = []


class ErrorOut(Schema):
    error: ErrorBody


ERROR_RESPONSES: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}
WRITE_ERROR_RESPONSES: dict[int, Any] = {
    **ERROR_RESPONSES,
    409: ErrorOut,
    412: ErrorOut,
    428: ErrorOut,
}


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    body = {"error": {"status": status, "code": code, "message": message, "details": details or []}}
    return api.create_response(request, body, status=status)


# A number the database cannot store (an id of 30 digits, a date past 9999): SQLite raises
# OverflowError, PostgreSQL DataError. Both are bad input, not server errors.
OUT_OF_RANGE = "A number or date in the request is out of range."


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        details = [
            {"loc": [str(p) for p in e.get("loc", [])], "message": str(e.get("msg", ""))}
            for e in exc.errors
        ]
        return error_response(api, request, 422, "validation_error", "Invalid input.", details)

    @api.exception_handler(DjangoValidationError)
    def _domain_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        details: list[dict[str, Any]]
        if hasattr(exc, "error_dict"):
            details = [
                {"loc": ["body", field], "message": str(m)}
                for field, errors in exc.message_dict.items()
                for m in errors
            ]
        else:
            details = [{"loc": ["body"], "message": str(m)} for m in exc.messages]
        message = str(details[0]["message"]) if details else "Invalid input."
        return error_response(api, request, 422, "validation_error", message, details)

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", "Not found.")

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(api, request, 403, "permission_denied", str(exc) or "Forbidden.")

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = error_response(
            api, request, 401, "not_authenticated", "Authentication required (Bearer token)."
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(PreconditionRequired)
    def _precondition_required(request: HttpRequest, exc: PreconditionRequired) -> HttpResponse:
        return error_response(
            api,
            request,
            428,
            "precondition_required",
            "Send the version you edited: an If-Match header or a 'version' field.",
        )

    @api.exception_handler(ConflictError)
    def _conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
        status = 412 if isinstance(exc, PreconditionFailed) else 409
        code = "precondition_failed" if status == 412 else "conflict"
        details = [{"loc": ["version"], "message": f"current version: {exc.current}"}]
        return error_response(api, request, status, code, exc.message, details)

    @api.exception_handler(OverflowError)
    def _overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        return error_response(api, request, 422, "validation_error", OUT_OF_RANGE)

    @api.exception_handler(DataError)
    def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        return error_response(api, request, 422, "validation_error", OUT_OF_RANGE)

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(api, request, exc.status_code, "error", str(exc))


def org_scope(request: HttpRequest, slug: str, perm: str = "core.view_organization") -> Any:
    """The organisation ``slug`` for the caller (404 if not theirs, 403 if the role lacks
    ``perm``). A token only opens the organisation it was issued for."""
    token = getattr(request, "api_token", None)
    org = organization_for(request.user, slug, token=token)
    if org.require_mfa and not is_mfa_enabled(request.user):
        raise PermissionDenied(
            "This organisation requires two-factor authentication: set it up in the web "
            "application first."
        )
    require(request.user, perm, org)
    return org


def request_actor(request: HttpRequest) -> Any:
    """The authenticated caller (token or session); auth has run before any handler."""
    return request.user


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request: HttpRequest, body_version: int | None) -> tuple[int, bool]:
    """The version the client edited: ``If-Match`` (→ 412 when stale) or the body's
    ``version`` (→ 409). Neither → 428."""
    header = request.headers.get("If-Match", "").strip()
    if header:
        value = header.removeprefix("W/").strip('"')
        if not value.isdigit():
            raise HttpError(412, 'If-Match must be the record\'s version, e.g. "3".')
        return int(value), True
    if body_version is None:
        raise PreconditionRequired()
    return body_version, False


class ImportResultOut(Schema):
    created: int
    updated: int
    unchanged: int
    warnings: list[str]
    dry_run: bool


def import_upload(
    importer: Any, *, request: HttpRequest, organization: Any, upload: Any, dry_run: bool
) -> Any:
    """Run a spreadsheet importer on an uploaded file; every problem of a refused file is a
    422 detail with its row and column."""
    from openisms.core.spreadsheets import ImportFailed

    name = (upload.name or "").lower()
    if not name.endswith((".csv", ".xlsx")):
        raise HttpError(422, "Upload a .csv or .xlsx file.")
    if (upload.size or 0) > 20 * 1024 * 1024:
        raise HttpError(422, "The file is larger than 20 MB.")
    try:
        return importer(
            organization=organization,
            actor=request_actor(request),
            source=upload.read(),
            filename=upload.name or "",
            dry_run=dry_run,
        )
    except ImportFailed as exc:
        raise DjangoValidationError(
            {
                f"row {p.row}" + (f", column {p.column}" if p.column else ""): [p.reason]
                for p in exc.problems
            }
        ) from exc
