from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View

from openisms.catalog import selectors, services
from openisms.catalog.data import LibraryError
from openisms.catalog.exporters import CONTENT_TYPES, EXPORT_FORMATS, export_framework
from openisms.catalog.forms import LibraryImportForm
from openisms.catalog.uploads import saved_uploads
from openisms.core.views import OrgScopedMixin


class FrameworkListView(OrgScopedMixin, View):
    permission_required = "catalog.view_catalog"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self.render(LibraryImportForm())

    def render(
        self, form: LibraryImportForm, *, report: Any = None, status: int = 200
    ) -> HttpResponse:
        org = self.organization
        return render(
            self.request,
            "catalog/framework_list.html",
            {
                "frameworks": selectors.framework_list(organization=org),
                "mapping_sets": selectors.mapping_set_list(organization=org),
                "import_form": form,
                "report": report,
                "can_adopt": self.actor.has_perm("catalog.adopt_framework", org),
                "can_import": self.actor.has_perm("catalog.import_library", org),
            },
            status=status,
        )


class LibraryImportView(FrameworkListView):
    permission_required = "catalog.import_library"

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = LibraryImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form, status=422)
        try:
            with saved_uploads(form.cleaned_data["library_files"]) as paths:
                result = services.catalog_import(
                    paths,
                    fmt=form.cleaned_data["format"],
                    dry_run=form.cleaned_data["dry_run"],
                    organization=self.organization,
                    actor=self.actor,
                )
        except LibraryError as exc:
            form.add_error("library_files", str(exc))
            return self.render(form, status=422)
        if not result.dry_run:
            messages.success(request, _("Import finished."))
        return self.render(LibraryImportForm(), report=result)


class FrameworkDetailView(OrgScopedMixin, View):
    permission_required = "catalog.view_catalog"

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        framework = selectors.framework_get(organization=self.organization, pk=pk)
        q = request.GET.get("q", "").strip()[:100]
        nodes = list(selectors.node_list(framework=framework, q=q))
        template = "catalog/framework_detail.html"
        if getattr(request, "htmx", False):
            template += "#tree"
        response = render(
            request,
            template,
            {
                "framework": framework,
                "nodes": nodes,
                "q": q,
                "export_formats": EXPORT_FORMATS,
                "assessable_count": sum(1 for n in nodes if n.assessable),
            },
        )
        response["Vary"] = "HX-Request"
        return response


class RequirementDetailView(OrgScopedMixin, View):
    permission_required = "catalog.view_catalog"

    def get(self, request: HttpRequest, org_slug: str, pk: int, node_pk: int) -> HttpResponse:
        framework = selectors.framework_get(organization=self.organization, pk=pk)
        node = selectors.node_get(framework=framework, pk=node_pk)
        mappings = selectors.node_mappings(node=node, organization=self.organization)
        return render(
            request,
            "catalog/requirement_detail.html",
            {
                "framework": framework,
                "node": node,
                "mappings": mappings,
                "children": list(node.children.order_by("order")),
            },
        )


class FrameworkExportView(OrgScopedMixin, View):
    permission_required = "catalog.view_catalog"

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        framework = selectors.framework_get(organization=self.organization, pk=pk)
        fmt = request.GET.get("format", "openisms-yaml")
        if fmt not in EXPORT_FORMATS:
            return HttpResponse(_("Unknown format."), status=400, content_type="text/plain")
        content_type, ext = CONTENT_TYPES[fmt]
        response = HttpResponse(
            export_framework(framework, fmt), content_type=f"{content_type}; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{slugify(framework.ref_id) or "framework"}.{ext}"'
        )
        return response


class FrameworkAdoptView(OrgScopedMixin, View):
    permission_required = "catalog.adopt_framework"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        framework = selectors.framework_get(organization=self.organization, pk=pk)
        adoption = (
            selectors.adoption_list(organization=self.organization)
            .filter(framework=framework)
            .first()
        )
        try:
            if adoption is None:
                services.framework_adopt(
                    organization=self.organization, actor=self.actor, framework=framework
                )
                messages.success(request, _("%s adopted.") % framework.name)
            else:
                services.framework_drop(adoption=adoption, actor=self.actor)
                messages.success(request, _("%s dropped.") % framework.name)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, str(message))
        return redirect("catalog:framework_list", org_slug=org_slug)
