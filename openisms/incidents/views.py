"""The incident register pages (ISO/IEC 27001 A.5.24–A.5.28): the register with the GDPR
72-hour warning, an incident's form and page (timeline, links, evidence with SHA-256,
lifecycle), and the export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error, posted_version
from openisms.core.registers import register_export
from openisms.core.views import OrgScopedMixin
from openisms.incidents import selectors, services
from openisms.incidents.choices import TRANSITIONS, IncidentStatus
from openisms.incidents.forms import (
    IncidentFilterForm,
    IncidentForm,
    TimelineForm,
    TransitionForm,
    incident_initial,
)
from openisms.incidents.models import Incident

VIEW = "incidents.view_incident"
CHANGE = "incidents.change_incident"


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


class IncidentListView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        form = IncidentFilterForm(request.GET or None, organization=org)
        qs = selectors.incident_list(organization=org, filters=form.filters())
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        now = timezone.now()
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "form": form,
            "page": page,
            "rows": [{"incident": i, "notify_overdue": i.notification_overdue(now)} for i in page],
            "query": query.urlencode(),
            "can_change": self.actor.has_perm(CHANGE, org),
        }
        template = "incidents/incident_list.html"
        if getattr(request, "htmx", False):
            template += "#results"
        response = render(request, template, context)
        response["Vary"] = "HX-Request"
        return response


class IncidentExportView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        filters = IncidentFilterForm(request.GET or None, organization=org).filters()
        return register_export(
            selectors.HEADER,
            selectors.export_rows(organization=org, filters=filters),
            fmt=request.GET.get("format", "csv"),
            name="incidents",
            organization=org,
        )


class IncidentCreateView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "incidents/incident_form.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = IncidentForm(
            initial={"detected_at": now, "reported_at": now}, organization=self.organization
        )
        return render(request, self.template_name, {"form": form, "incident": None})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = IncidentForm(request.POST, organization=self.organization)
        status = 422
        if form.is_valid():
            try:
                incident = services.incident_create(
                    organization=self.organization, actor=self.actor, **form.service_data()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            except PermissionDenied:
                form.add_error("owner", _("Your role lets you record only incidents you own."))
                status = 403
            else:
                messages.success(request, _("%s was recorded.") % incident)
                return redirect("incidents:incident_detail", org_slug=org_slug, pk=incident.pk)
        return render(request, self.template_name, {"form": form, "incident": None}, status=status)


class IncidentEditView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "incidents/incident_form.html"

    def _incident(self, pk: int) -> Incident:
        incident = selectors.incident_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm(CHANGE, incident):
            raise PermissionDenied(_("Your role does not allow this."))
        return incident

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        incident = self._incident(pk)
        detail = selectors.incident_detail(incident=incident)
        form = IncidentForm(
            initial=incident_initial(incident, detail),
            organization=self.organization,
            incident=incident,
        )
        return render(request, self.template_name, {"form": form, "incident": incident})

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        incident = self._incident(pk)
        form = IncidentForm(request.POST, organization=self.organization, incident=incident)
        status = 422
        if form.is_valid():
            try:
                services.incident_update(
                    incident=incident,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("%s was saved.") % incident)
                return redirect("incidents:incident_detail", org_slug=org_slug, pk=incident.pk)
            incident = self._incident(pk)
        context = {"form": form, "incident": incident}
        return render(request, self.template_name, context, status=status)


class IncidentDeleteView(OrgScopedMixin, View):
    permission_required = CHANGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        incident = selectors.incident_get(organization=self.organization, pk=pk)
        try:
            services.incident_delete(
                incident=incident,
                actor=self.actor,
                version=posted_version(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, str(message))
        except ConflictError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%s was deleted.") % incident)
            return redirect("incidents:incident_list", org_slug=org_slug)
        return redirect("incidents:incident_detail", org_slug=org_slug, pk=incident.pk)


class IncidentPageMixin(OrgScopedMixin):
    def page(
        self, incident: Incident, *, status: int = 200, timeline_form: TimelineForm | None = None
    ) -> HttpResponse:
        user = self.actor
        detail = selectors.incident_detail(incident=incident)
        can_change = user.has_perm(CHANGE, incident)
        transitions = []
        if can_change:
            for to in TRANSITIONS.get(incident.status, ()):
                transitions.append(
                    {
                        "to": to,
                        "label": IncidentStatus(to).label,
                        "problem": services.transition_problem(incident, to),
                    }
                )
        now = timezone.localtime().replace(second=0, microsecond=0)
        context = {
            "incident": incident,
            **detail,
            "notify_overdue": incident.notification_overdue(),
            "transitions": transitions,
            "can_change": can_change,
            "timeline_form": timeline_form or TimelineForm(initial={"at": now}),
            "can_audit": user.has_perm("core.view_auditlog", self.organization),
        }
        return render(self.request, "incidents/incident_detail.html", context, status=status)


class IncidentDetailView(IncidentPageMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        return self.page(selectors.incident_get(organization=self.organization, pk=pk))


class IncidentTransitionView(OrgScopedMixin, View):
    permission_required = CHANGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        incident = selectors.incident_get(organization=self.organization, pk=pk)
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a status."))
        else:
            try:
                services.incident_transition(
                    incident=incident,
                    actor=self.actor,
                    to=form.cleaned_data["to"],
                    version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, str(message))
            except ConflictError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("%(ref)s is now %(status)s.")
                    % {"ref": incident.ref, "status": IncidentStatus(incident.status).label},
                )
        return redirect("incidents:incident_detail", org_slug=org_slug, pk=incident.pk)


class TimelineAddView(IncidentPageMixin, View):
    permission_required = CHANGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        incident = selectors.incident_get(organization=self.organization, pk=pk)
        form = TimelineForm(request.POST)
        if form.is_valid():
            try:
                services.timeline_add(incident=incident, actor=self.actor, **form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The event was added to the timeline."))
                url = reverse(
                    "incidents:incident_detail", kwargs={"org_slug": org_slug, "pk": incident.pk}
                )
                return redirect(f"{url}#timeline")
        return self.page(incident, status=422, timeline_form=form)
