"""The asset inventory pages: list, create, edit, delete, detail, classification scheme."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from openisms.assets import selectors, services
from openisms.assets.choices import Requirement
from openisms.assets.forms import (
    AssetFilterForm,
    AssetForm,
    ClassificationForm,
    asset_initial,
    member_choices,
)
from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error, posted_version
from openisms.core.views import OrgScopedMixin

SORT_COLUMNS = [
    ("ref", gettext_lazy("Ref")),
    ("name", gettext_lazy("Name")),
    ("type", gettext_lazy("Type")),
]


def _filters(form: AssetFilterForm) -> selectors.AssetFilter:
    if not form.is_valid():
        return selectors.AssetFilter()
    d = form.cleaned_data
    in_scope = {"yes": True, "no": False}.get(d.get("in_scope") or "")
    return selectors.AssetFilter(
        q=(d.get("q") or "").strip(),
        type=d.get("type") or "",
        owner=d.get("owner"),
        in_scope=in_scope,
        sort=d.get("sort") or "ref",
    )


class AssetListView(OrgScopedMixin, View):
    permission_required = "assets.view_asset"
    page_size = 50

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        owner_choices, _users = member_choices(self.organization)
        form = AssetFilterForm(request.GET or None, owner_choices=owner_choices)
        filters = _filters(form)
        assets = selectors.asset_list(organization=self.organization, filters=filters)
        page = Paginator(assets, self.page_size).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        sort_query = query.copy()
        columns = []
        for key, label in SORT_COLUMNS:
            sort_query["sort"] = f"-{key}" if filters.sort == key else key
            direction = ""
            if filters.sort == key:
                direction = "ascending"
            elif filters.sort == f"-{key}":
                direction = "descending"
            columns.append(
                {"label": label, "query": sort_query.urlencode(), "direction": direction}
            )
        context = {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "columns": columns,
            "can_change": self.actor.has_perm("assets.change_asset", self.organization),
        }
        template = "assets/asset_list.html"
        if getattr(request, "htmx", False):
            template += "#results"
        response = render(request, template, context)
        response["Vary"] = "HX-Request"
        return response


class AssetCreateView(OrgScopedMixin, View):
    permission_required = "assets.change_asset"
    template_name = "assets/asset_form.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = AssetForm(organization=self.organization)
        return render(request, self.template_name, {"form": form, "asset": None})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = AssetForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                asset = services.asset_create(
                    organization=self.organization, actor=self.actor, **form.service_data()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("%s was added.") % asset)
                return redirect("assets:asset_detail", org_slug=org_slug, pk=asset.pk)
        return render(request, self.template_name, {"form": form, "asset": None}, status=422)


class AssetEditView(OrgScopedMixin, View):
    permission_required = "assets.change_asset"
    template_name = "assets/asset_form.html"

    def _asset(self, pk: int) -> Any:
        asset = selectors.asset_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm("assets.change_asset", asset):
            raise PermissionDenied(_("Your role does not allow this."))
        return asset

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        asset = self._asset(pk)
        form = AssetForm(initial=asset_initial(asset), organization=self.organization, asset=asset)
        return render(request, self.template_name, {"form": form, "asset": asset})

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        asset = self._asset(pk)
        form = AssetForm(request.POST, organization=self.organization, asset=asset)
        status = 422
        if form.is_valid():
            try:
                services.asset_update(
                    asset=asset,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = 409 if isinstance(exc, ConflictError) else 422
            else:
                messages.success(request, _("%s was saved.") % asset)
                return redirect("assets:asset_detail", org_slug=org_slug, pk=asset.pk)
        return render(request, self.template_name, {"form": form, "asset": asset}, status=status)


class AssetDeleteView(OrgScopedMixin, View):
    permission_required = "assets.change_asset"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        asset = selectors.asset_get(organization=self.organization, pk=pk)
        try:
            services.asset_delete(
                asset=asset,
                actor=self.actor,
                version=posted_version(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, str(message))
        except ConflictError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%s was deleted.") % asset)
            return redirect("assets:asset_list", org_slug=org_slug)
        return redirect("assets:asset_detail", org_slug=org_slug, pk=asset.pk)


class AssetDetailView(OrgScopedMixin, View):
    permission_required = "assets.view_asset"

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        asset = selectors.asset_get(organization=self.organization, pk=pk)
        effective = selectors.effective_cia(asset)
        cia = [
            {
                "label": label,
                "own": Requirement(getattr(asset, field)).label,
                "effective": Requirement(getattr(effective, field)).label,
                "raised": getattr(effective, field) > getattr(asset, field),
            }
            for field, label in (
                ("confidentiality", _("Confidentiality")),
                ("integrity", _("Integrity")),
                ("availability", _("Availability")),
            )
        ]
        return render(
            request,
            "assets/asset_detail.html",
            {
                "asset": asset,
                "cia": cia,
                "raised_by": effective.inherited_from,
                "depends_on": list(asset.depends_on.order_by("ref")),
                "dependents": list(asset.dependents.order_by("ref")),
                "risks": list(asset.risks.order_by("ref")),
                "can_change": self.actor.has_perm("assets.change_asset", asset),
            },
        )


class ClassificationView(OrgScopedMixin, View):
    """The organisation's classification scheme (A.5.12)."""

    permission_required = "assets.view_asset"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self.render(ClassificationForm())

    def render(self, form: ClassificationForm, status: int = 200) -> HttpResponse:
        levels = list(selectors.classification_list(organization=self.organization))
        if not form.is_bound:
            form.initial.setdefault("order", max((lv.order for lv in levels), default=0) + 1)
        return render(
            self.request,
            "assets/classification.html",
            {
                "levels": levels,
                "form": form,
                "can_manage": self.actor.has_perm(
                    "assets.manage_classification", self.organization
                ),
            },
            status=status,
        )


class ClassificationAddView(ClassificationView):
    permission_required = "assets.manage_classification"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ClassificationForm(request.POST)
        if form.is_valid():
            try:
                level = services.classification_create(
                    organization=self.organization, actor=self.actor, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("“%s” was added.") % level.name)
                return redirect("assets:classification", org_slug=org_slug)
        return self.render(form, status=422)


class ClassificationDefaultView(OrgScopedMixin, View):
    permission_required = "assets.manage_classification"

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        services.classification_ensure_default(organization=self.organization, actor=self.actor)
        messages.success(request, _("The default classification scheme is in place."))
        return redirect("assets:classification", org_slug=org_slug)
