"""The objectives pages (ISO/IEC 27001 6.2, 9.1): objectives (list, page with their metrics,
form), metrics (list with status against target, page with the SVG trend and the measurements,
form), recording a measurement; each register exports as CSV or XLSX."""

from __future__ import annotations

from typing import Any

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
from openisms.core.forms import add_service_error, parse_id, posted_version
from openisms.core.registers import register_export
from openisms.core.views import OrgScopedMixin, render_list
from openisms.objectives import selectors, services
from openisms.objectives.forms import (
    MeasurementForm,
    MetricFilterForm,
    MetricForm,
    ObjectiveFilterForm,
    ObjectiveForm,
    metric_initial,
    objective_initial,
)
from openisms.objectives.models import Metric, Objective
from openisms.objectives.status import metric_state
from openisms.objectives.trend import trend_figure

VIEW = "objectives.view_objective"
CHANGE = "objectives.change_objective"
RECORD = "objectives.record_measurement"


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


def _list_context(request: HttpRequest, items: Any, page_size: int = 50) -> dict[str, Any]:
    page = Paginator(items, page_size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "query": query.urlencode()}


def _refusal(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ConflictError):
        messages.error(request, exc.message)
    else:
        for message in getattr(exc, "messages", [str(exc)]):
            messages.error(request, str(message))


# --- objectives ---------------------------------------------------------------------------------


class ObjectiveListView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        form = ObjectiveFilterForm(request.GET or None, organization=org)
        qs = selectors.objective_list(organization=org, filters=form.filters())
        context = {"form": form, **_list_context(request, qs)}
        states = selectors.metric_states(context["page"], organization=org)
        context["rows"] = [{"objective": o, "metrics": states[o.pk]} for o in context["page"]]
        context["can_change"] = self.actor.has_perm(CHANGE, org)
        context["today"] = timezone.localdate()
        return render_list(request, "objectives/objective_list.html", context)


class ObjectiveExportView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        filters = ObjectiveFilterForm(request.GET or None, organization=org).filters()
        return register_export(
            selectors.OBJECTIVE_HEADER,
            selectors.objective_export_rows(organization=org, filters=filters),
            fmt=request.GET.get("format", "csv"),
            name="objectives",
            organization=org,
        )


class ObjectiveCreateView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "objectives/objective_form.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ObjectiveForm(organization=self.organization)
        return render(request, self.template_name, {"form": form, "objective": None})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ObjectiveForm(request.POST, organization=self.organization)
        status = 422
        if form.is_valid():
            try:
                objective = services.objective_create(
                    organization=self.organization, actor=self.actor, **form.service_data()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            except PermissionDenied:
                form.add_error("owner", _("Your role lets you record only objectives you own."))
                status = 403
            else:
                messages.success(request, _("%s was recorded.") % objective)
                return redirect("objectives:objective_detail", org_slug=org_slug, pk=objective.pk)
        context = {"form": form, "objective": None}
        return render(request, self.template_name, context, status=status)


class ObjectiveDetailView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        org = self.organization
        objective = selectors.objective_get(organization=org, pk=pk)
        metrics = selectors.metric_list(
            organization=org, filters=selectors.MetricFilter(objective=objective.pk)
        )
        context = {
            "objective": objective,
            "rows": selectors.metric_rows(metrics),
            "can_change": self.actor.has_perm(CHANGE, objective),
            "can_add_metric": self.actor.has_perm(CHANGE, org),
            "can_audit": self.actor.has_perm("core.view_auditlog", org),
            "today": timezone.localdate(),
        }
        return render(request, "objectives/objective_detail.html", context)


class ObjectiveEditView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "objectives/objective_form.html"

    def _objective(self, pk: int) -> Objective:
        objective = selectors.objective_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm(CHANGE, objective):
            raise PermissionDenied(_("Your role does not allow this."))
        return objective

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        objective = self._objective(pk)
        form = ObjectiveForm(
            initial=objective_initial(objective),
            organization=self.organization,
            objective=objective,
        )
        return render(request, self.template_name, {"form": form, "objective": objective})

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        objective = self._objective(pk)
        form = ObjectiveForm(request.POST, organization=self.organization, objective=objective)
        status = 422
        if form.is_valid():
            try:
                services.objective_update(
                    objective=objective,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            except PermissionDenied as exc:
                form.add_error("owner", str(exc))
                status = 403
            else:
                messages.success(request, _("%s was saved.") % objective)
                return redirect("objectives:objective_detail", org_slug=org_slug, pk=pk)
            objective = self._objective(pk)
        context = {"form": form, "objective": objective}
        return render(request, self.template_name, context, status=status)


class ObjectiveDeleteView(OrgScopedMixin, View):
    permission_required = CHANGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        objective = selectors.objective_get(organization=self.organization, pk=pk)
        try:
            services.objective_delete(
                objective=objective,
                actor=self.actor,
                version=posted_version(request),
            )
        except (ValidationError, ConflictError) as exc:
            _refusal(request, exc)
            return redirect("objectives:objective_detail", org_slug=org_slug, pk=pk)
        messages.success(request, _("%s was deleted.") % objective)
        return redirect("objectives:objective_list", org_slug=org_slug)


# --- metrics ------------------------------------------------------------------------------------


class MetricListView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        form = MetricFilterForm(request.GET or None, organization=org)
        filters = form.filters()
        rows = selectors.metric_rows(
            selectors.metric_list(organization=org, filters=filters), filters
        )
        context = {
            "form": form,
            **_list_context(request, rows),
            "can_change": self.actor.has_perm(CHANGE, org),
        }
        return render_list(request, "objectives/metric_list.html", context)


class MetricExportView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        filters = MetricFilterForm(request.GET or None, organization=org).filters()
        return register_export(
            selectors.METRIC_HEADER,
            selectors.metric_export_rows(organization=org, filters=filters),
            fmt=request.GET.get("format", "csv"),
            name="metrics",
            organization=org,
        )


class MeasurementExportView(OrgScopedMixin, View):
    """Every measurement (``?metric=<id>``: of one metric), oldest first per metric."""

    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        metric = parse_id(request.GET.get("metric"))
        if metric is not None:
            metric = selectors.metric_get(organization=org, pk=metric).pk
        return register_export(
            selectors.MEASUREMENT_HEADER,
            selectors.measurement_export_rows(organization=org, metric=metric),
            fmt=request.GET.get("format", "csv"),
            name="measurements",
            organization=org,
        )


class MetricCreateView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "objectives/metric_form.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        initial = {}
        objective = parse_id(request.GET.get("objective"))
        if objective is not None:
            initial["objective"] = objective
        form = MetricForm(initial=initial, organization=self.organization)
        return render(request, self.template_name, {"form": form, "metric": None})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = MetricForm(request.POST, organization=self.organization)
        status = 422
        if form.is_valid():
            try:
                metric = services.metric_create(
                    organization=self.organization, actor=self.actor, **form.service_data()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            except PermissionDenied:
                form.add_error(
                    "measured_by", _("Your role lets you define only metrics you measure.")
                )
                status = 403
            else:
                messages.success(request, _("%s was recorded.") % metric)
                return redirect("objectives:metric_detail", org_slug=org_slug, pk=metric.pk)
        return render(request, self.template_name, {"form": form, "metric": None}, status=status)


class MetricPageMixin(OrgScopedMixin):
    def page(
        self, metric: Metric, *, form: MeasurementForm | None = None, status: int = 200
    ) -> HttpResponse:
        org, user = self.organization, self.actor
        measurements = list(selectors.measurement_list(metric=metric)[:200])
        context = {
            "metric": metric,
            "state": metric_state(metric),
            "figure": trend_figure(metric, selectors.trend(metric)),
            "measurements": measurements,
            "can_change": user.has_perm(CHANGE, metric),
            "can_record": user.has_perm(RECORD, metric),
            "can_audit": user.has_perm("core.view_auditlog", org),
            "form": form
            or MeasurementForm(initial={"measured_on": timezone.localdate()}, metric=metric),
        }
        return render(self.request, "objectives/metric_detail.html", context, status=status)


class MetricDetailView(MetricPageMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        return self.page(selectors.metric_get(organization=self.organization, pk=pk))


class MeasurementCreateView(MetricPageMixin, View):
    permission_required = RECORD

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        metric = selectors.metric_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm(RECORD, metric):
            raise PermissionDenied(_("Your role lets you record only the metrics you measure."))
        form = MeasurementForm(request.POST, metric=metric)
        if form.is_valid():
            try:
                services.measurement_record(metric=metric, actor=self.actor, **form.service_data())
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The measurement was recorded."))
                url = reverse(
                    "objectives:metric_detail", kwargs={"org_slug": org_slug, "pk": metric.pk}
                )
                return redirect(f"{url}#measurements")
        return self.page(metric, form=form, status=422)


class MetricEditView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "objectives/metric_form.html"

    def _metric(self, pk: int) -> Metric:
        metric = selectors.metric_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm(CHANGE, metric):
            raise PermissionDenied(_("Your role does not allow this."))
        return metric

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        metric = self._metric(pk)
        form = MetricForm(
            initial=metric_initial(metric), organization=self.organization, metric=metric
        )
        return render(request, self.template_name, {"form": form, "metric": metric})

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        metric = self._metric(pk)
        form = MetricForm(request.POST, organization=self.organization, metric=metric)
        status = 422
        if form.is_valid():
            try:
                services.metric_update(
                    metric=metric,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            except PermissionDenied as exc:
                form.add_error("measured_by", str(exc))
                status = 403
            else:
                messages.success(request, _("%s was saved.") % metric)
                return redirect("objectives:metric_detail", org_slug=org_slug, pk=pk)
            metric = self._metric(pk)
        return render(request, self.template_name, {"form": form, "metric": metric}, status=status)


class MetricDeleteView(OrgScopedMixin, View):
    permission_required = CHANGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        metric = selectors.metric_get(organization=self.organization, pk=pk)
        try:
            services.metric_delete(
                metric=metric,
                actor=self.actor,
                version=posted_version(request),
            )
        except (ValidationError, ConflictError) as exc:
            _refusal(request, exc)
            return redirect("objectives:metric_detail", org_slug=org_slug, pk=pk)
        messages.success(request, _("%s was deleted.") % metric)
        return redirect("objectives:metric_list", org_slug=org_slug)
