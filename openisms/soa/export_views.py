"""Downloads of a Statement of Applicability (``?format=xlsx|docx|pdf|csv|json``, then
``?version=N`` for an approved version or ``?draft=1`` for the draft; neither: the latest
approved version, else the draft)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views import View

from openisms.core.forms import parse_id
from openisms.core.views import OrgScopedMixin
from openisms.soa import selectors
from openisms.soa.exports import CONTENT_TYPES, FORMATS, SoaDocument, render, soa_document

TRUE = ("1", "true", "yes", "on")


def export_response(doc: SoaDocument, fmt: str) -> HttpResponse:
    """The file as an attachment (``acme-soa-v2.pdf``)."""
    response = HttpResponse(render(doc, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{doc.file_name(fmt)}"'
    return response


def selection_error(fmt: str, version: int | None, draft: bool) -> str:
    """Why the requested export cannot be made ('' when it can)."""
    if fmt not in FORMATS:
        return _("Unknown format '%(fmt)s': one of %(all)s.") % {
            "fmt": fmt,
            "all": ", ".join(FORMATS),
        }
    if version is not None and draft:
        return _("Ask for a version or for the draft, not both.")
    return ""


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class SoaExportView(OrgScopedMixin, View):
    permission_required = "soa.view_soa"

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        soa = selectors.soa_get(organization=self.organization, pk=pk)
        fmt = request.GET.get("format", "xlsx").strip().lower()
        raw_version = request.GET.get("version", "").strip()
        version = parse_id(raw_version)
        if raw_version and version is None:
            return _plain(_("version: '%s' is not a version number.") % raw_version, 400)
        draft = request.GET.get("draft", "").strip().lower() in TRUE
        error = selection_error(fmt, version, draft)
        if error:
            return _plain(error, 400)
        return export_response(soa_document(soa, version=version, draft=draft), fmt)
