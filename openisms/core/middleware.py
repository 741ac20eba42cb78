from __future__ import annotations

import re
from collections.abc import Callable

from django.db import DataError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

from openisms.core.context import audit_context, new_request_id

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives each request an id (a sane incoming ``X-Request-ID`` is kept), returns it in the
    response, and puts it with the client address into the audit context."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        channel = "api" if request.path.startswith("/api/") else "web"
        with audit_context(
            request_id=request_id, ip=request.META.get("REMOTE_ADDR"), channel=channel
        ):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Pages: a number or date the database cannot store (SQLite: OverflowError,
        PostgreSQL: DataError) came from the request — answer 400, not 500."""
        if isinstance(exception, OverflowError | DataError):
            return HttpResponseBadRequest(
                _("A number or date in the request is out of range."),
                content_type="text/plain; charset=utf-8",
            )
        return None


class RequestSizeLimitMiddleware:
    """Refuses (413) a request whose declared body is larger than the largest upload allowed
    (evidence limit plus room for the form), before anything reads the body: without it Django
    would spool the whole upload to a temporary file first (CSRF checking reads the form).
    Bodies without a length are bounded by the reverse proxy (see the deployment notes)."""

    MARGIN = 1024 * 1024

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        limit = settings.OPENISMS_EVIDENCE_MAX_BYTES + self.MARGIN
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            response = HttpResponse(
                _("The request is too large: at most %(mb)d MB.")
                % {"mb": settings.OPENISMS_EVIDENCE_MAX_BYTES // (1024 * 1024)},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
            response["Connection"] = "close"
            return response
        return self.get_response(request)
