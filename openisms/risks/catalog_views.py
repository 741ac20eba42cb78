"""Threats and vulnerabilities (ISO/IEC 27001 6.1.2 c): the shipped threat catalogue (read-only)
and the organisation's own threats and vulnerabilities, with forms to add, edit and delete them.
The services refuse a shipped threat and anything a risk still uses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error, posted_version
from openisms.core.gate import get_scoped_or_404
from openisms.core.views import OrgScopedMixin
from openisms.risks import selectors, services
from openisms.risks.choices import ThreatCategory
from openisms.risks.models import Threat, Vulnerability

CATALOG = "risks:threat_catalog"


def _catalog(org_slug: str, anchor: str = "") -> HttpResponse:
    url = reverse(CATALOG, kwargs={"org_slug": org_slug})
    return redirect(f"{url}#{anchor}" if anchor else url)


class ThreatForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=ThreatCategory.choices)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class VulnerabilityForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


def _data(form: forms.Form) -> dict[str, Any]:
    """The form's fields for the service, without the version."""
    return {k: v for k, v in form.cleaned_data.items() if k != "version"}


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


def _edited_version(form: forms.Form) -> int:
    """Edits need the version the user saw (the create forms share the field, optional)."""
    version = form.cleaned_data.get("version")
    if version is None:
        raise ValidationError(
            _("The form was sent without the version you saw; reload the page and try again.")
        )
    return int(version)


class CatalogView(OrgScopedMixin, View):
    """Shipped and own threats grouped by category; own vulnerabilities (paginated)."""

    permission_required = "risks.view_risk"
    page_size = 50

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self.render()

    def render(
        self,
        *,
        threat_form: ThreatForm | None = None,
        vulnerability_form: VulnerabilityForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        org = self.organization
        by_category: dict[str, list[Threat]] = {}
        for threat in selectors.threat_list(organization=org):
            by_category.setdefault(threat.category, []).append(threat)
        labels = dict(ThreatCategory.choices)
        order = [*labels, *sorted(set(by_category) - set(labels))]  # catalogue order
        groups = [
            {"key": key, "label": labels.get(key, key), "threats": by_category[key]}
            for key in order
            if key in by_category
        ]
        page = Paginator(selectors.vulnerability_list(organization=org), self.page_size).get_page(
            self.request.GET.get("page")
        )
        context = {
            "groups": groups,
            "own_threats": sum(
                1 for rows in by_category.values() for t in rows if t.organization_id is not None
            ),
            "page": page,
            "query": "",
            "can_change": self.actor.has_perm("risks.change_risk", org),
            "threat_form": threat_form or ThreatForm(),
            "vulnerability_form": vulnerability_form or VulnerabilityForm(prefix="v"),
        }
        return render(self.request, "risks/threat_catalog.html", context, status=status)


# --- threats --------------------------------------------------------------------------------------


class ThreatCreateView(CatalogView):
    permission_required = "risks.change_risk"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ThreatForm(request.POST)
        if form.is_valid():
            try:
                threat = services.threat_create(
                    organization=self.organization, actor=self.actor, **_data(form)
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Threat %s was added.") % threat)
                return _catalog(org_slug, "threats")
        return self.render(threat_form=form, status=422)


def _threat(view: OrgScopedMixin, pk: int) -> Threat:
    """A shipped threat or one of the organisation's own; another organisation's: 404."""
    threat = selectors.threat_list(organization=view.organization).filter(pk=pk).first()
    if threat is None:
        raise Http404(_("Not found."))
    return threat


class ThreatEditView(OrgScopedMixin, View):
    permission_required = "risks.change_risk"
    template_name = "risks/catalog_form.html"

    def _render(self, form: ThreatForm, threat: Threat, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {"form": form, "obj": threat, "kind": "threat", "title": _("Edit threat")},
            status=status,
        )

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        threat = _threat(self, pk)
        try:
            services.ensure_own_threat(threat)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return _catalog(org_slug, "threats")
        form = ThreatForm(
            initial={
                "name": threat.name,
                "category": threat.category,
                "description": threat.description,
                "version": threat.version,
            }
        )
        return self._render(form, threat)

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        threat = _threat(self, pk)
        form = ThreatForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                services.threat_update(
                    threat=threat,
                    actor=self.actor,
                    version=_edited_version(form),
                    **_data(form),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("Threat %s was saved.") % threat)
                return _catalog(org_slug, "threats")
            threat = _threat(self, pk)  # the failed write left its values on the instance
        return self._render(form, threat, status)


class ThreatDeleteView(OrgScopedMixin, View):
    permission_required = "risks.change_risk"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        threat = _threat(self, pk)
        try:
            services.threat_delete(
                threat=threat,
                actor=self.actor,
                version=posted_version(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except ConflictError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Threat %s was deleted.") % threat)
        return _catalog(org_slug, "threats")


# --- vulnerabilities ------------------------------------------------------------------------------


class VulnerabilityCreateView(CatalogView):
    permission_required = "risks.change_risk"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = VulnerabilityForm(request.POST, prefix="v")
        if form.is_valid():
            try:
                vuln = services.vulnerability_create(
                    organization=self.organization, actor=self.actor, **_data(form)
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Vulnerability %s was added.") % vuln)
                return _catalog(org_slug, "vulnerabilities")
        return self.render(vulnerability_form=form, status=422)


class VulnerabilityEditView(OrgScopedMixin, View):
    permission_required = "risks.change_risk"
    template_name = "risks/catalog_form.html"

    def _vuln(self, pk: int) -> Vulnerability:
        return get_scoped_or_404(Vulnerability, self.organization, pk=pk)

    def _render(
        self, form: VulnerabilityForm, vuln: Vulnerability, status: int = 200
    ) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {"form": form, "obj": vuln, "kind": "vulnerability", "title": _("Edit vulnerability")},
            status=status,
        )

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        vuln = self._vuln(pk)
        form = VulnerabilityForm(
            initial={"name": vuln.name, "description": vuln.description, "version": vuln.version}
        )
        return self._render(form, vuln)

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        vuln = self._vuln(pk)
        form = VulnerabilityForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                services.vulnerability_update(
                    vulnerability=vuln,
                    actor=self.actor,
                    version=_edited_version(form),
                    **_data(form),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("Vulnerability %s was saved.") % vuln)
                return _catalog(org_slug, "vulnerabilities")
            vuln = self._vuln(pk)
        return self._render(form, vuln, status)


class VulnerabilityDeleteView(OrgScopedMixin, View):
    permission_required = "risks.change_risk"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        vuln = get_scoped_or_404(Vulnerability, self.organization, pk=pk)
        try:
            services.vulnerability_delete(
                vulnerability=vuln,
                actor=self.actor,
                version=posted_version(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except ConflictError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Vulnerability %s was deleted.") % vuln)
        return _catalog(org_slug, "vulnerabilities")
