"""The audit pack pages: the list of packs with "Build a pack" (queued for the worker; the list
polls the progress with htmx while a pack is being built), a pack's page (manifest summary,
what could not be included) and the download (permission checked, audited)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from openisms.auditpack import selectors, services
from openisms.auditpack.forms import BuildForm
from openisms.controls.storage import content_disposition
from openisms.core.forms import add_service_error
from openisms.core.views import OrgScopedMixin, render_list

PERM = services.PERM


class PackListView(OrgScopedMixin, View):
    permission_required = PERM
    template_name = "auditpack/pack_list.html"

    def _render(self, request: HttpRequest, form: BuildForm, status: int = 200) -> HttpResponse:
        org = self.organization
        page = Paginator(selectors.pack_list(organization=org), 25).get_page(
            request.GET.get("page")
        )
        pending = any(p.in_progress for p in page)
        context = {"form": form, "page": page, "query": "", "pending": pending}
        response = render_list(request, self.template_name, context)
        response.status_code = status
        return response

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self._render(request, BuildForm())

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = BuildForm(request.POST)
        if form.is_valid():
            try:
                pack = services.pack_request(
                    organization=self.organization,
                    actor=self.actor,
                    as_of=form.cleaned_data["as_of"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request, _("%s is queued: it is built in the background.") % pack.ref
                )
                return redirect("auditpack:pack_list", org_slug=org_slug)
        return self._render(request, form, status=422)


class PackDetailView(OrgScopedMixin, View):
    permission_required = PERM

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        pack = selectors.pack_get(organization=self.organization, pk=pk)
        template = "auditpack/pack_detail.html"
        if getattr(request, "htmx", False):
            template += "#status"
        response = render(request, template, {"pack": pack})
        response["Vary"] = "HX-Request"
        return response


class PackDownloadView(OrgScopedMixin, View):
    permission_required = PERM

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> FileResponse:
        pack = selectors.pack_get(organization=self.organization, pk=pk)
        return download_response(pack, self.actor)


def download_response(pack: services.AuditPack, actor: object) -> FileResponse:
    """The zip as an attachment, after recording the download (the caller checked access)."""
    path = selectors.pack_file(pack)
    services.pack_downloaded(pack=pack, actor=actor)
    response = FileResponse(path.open("rb"), content_type="application/zip")
    response["Content-Disposition"] = content_disposition(pack.download_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["ETag"] = f'"{pack.sha256}"'
    return response
