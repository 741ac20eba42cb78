"""The controls pages (ISO/IEC 27001 6.1.3, 8.1, 9.1): the list with health, a control's form
and page (requirements, risks, evidence, tests and their runs, health with reasons), test
definitions, recording a run, and the coverage of a framework by the controls."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from openisms.controls import selectors, services
from openisms.controls.choices import Health
from openisms.controls.forms import (
    ControlFilterForm,
    ControlForm,
    ControlTestForm,
    RunForm,
    control_initial,
    control_test_initial,
)
from openisms.controls.health import RULES
from openisms.controls.models import Control, ControlTest
from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error, parse_id, posted_version
from openisms.core.views import OrgScopedMixin

SORT_COLUMNS = {
    "ref": gettext_lazy("Ref"),
    "name": gettext_lazy("Name"),
    "status": gettext_lazy("Status"),
}
HEALTH_TONES = {Health.HEALTHY: "green", Health.AT_RISK: "yellow", Health.FAILING: "red"}


def health_rules() -> list[dict[str, Any]]:
    """The health rule as a legend: state, label, badge tone and the condition in words."""
    return [
        {"state": state, "label": Health(state).label, "tone": HEALTH_TONES[state], "rule": rule}
        for state, rule in RULES
    ]


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


def _row(control: Any) -> dict[str, Any]:
    health = control.health
    return {"control": control, "health": health, "tone": HEALTH_TONES[health.state]}


# --- the list -----------------------------------------------------------------------------------


class ControlListView(OrgScopedMixin, View):
    """Filters (status, owner, health, requirement, q) and sort in the URL, 50 a page. Health
    is computed for the page's controls only — except with a health filter, when it is
    computed for every control the other filters keep (a few hundred at most), since it is
    derived and cannot be filtered in the database."""

    permission_required = "controls.view_control"
    page_size = 50

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        form = ControlFilterForm(request.GET or None, organization=org)
        filters = form.filters()
        controls = selectors.control_list(organization=org, filters=filters)
        if filters.health:
            page = Paginator(
                selectors.filter_health(controls, filters.health), self.page_size
            ).get_page(request.GET.get("page"))
        else:
            page = Paginator(controls, self.page_size).get_page(request.GET.get("page"))
            page.object_list = selectors.with_health(list(page.object_list))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "form": form,
            "page": page,
            "rows": [_row(c) for c in page.object_list],
            "query": query.urlencode(),
            "columns": self._columns(query, filters.sort),
            "can_change": self.actor.has_perm("controls.change_control", org),
            "rules": health_rules(),
        }
        template = "controls/control_list.html"
        if getattr(request, "htmx", False):
            template += "#results"
        response = render(request, template, context)
        response["Vary"] = "HX-Request"
        return response

    @staticmethod
    def _columns(query: Any, sort: str) -> dict[str, dict[str, Any]]:
        columns = {}
        for key, label in SORT_COLUMNS.items():
            q = query.copy()
            q["sort"] = f"-{key}" if sort == key else key
            direction = {key: "ascending", f"-{key}": "descending"}.get(sort, "")
            columns[key] = {"label": label, "query": q.urlencode(), "direction": direction}
        return columns


# --- create, edit, delete -----------------------------------------------------------------------


class ControlCreateView(OrgScopedMixin, View):
    permission_required = "controls.change_control"
    template_name = "controls/control_form.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ControlForm(organization=self.organization)
        return render(request, self.template_name, {"form": form, "control": None})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ControlForm(request.POST, organization=self.organization)
        status = 422
        if form.is_valid():
            try:
                control = services.control_create(
                    organization=self.organization, actor=self.actor, **form.service_data()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            except PermissionDenied:
                form.add_error("owner", _("Your role lets you add only controls you own."))
                status = 403
            else:
                messages.success(request, _("%s was added.") % control)
                return redirect("controls:control_detail", org_slug=org_slug, pk=control.pk)
        return render(request, self.template_name, {"form": form, "control": None}, status=status)


class ControlEditView(OrgScopedMixin, View):
    permission_required = "controls.change_control"
    template_name = "controls/control_form.html"

    def _control(self, pk: int) -> Control:
        control = selectors.control_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm("controls.change_control", control):
            raise PermissionDenied(_("Your role does not allow this."))
        return control

    def _form(self, control: Control, data: Any = None) -> ControlForm:
        requirements = list(control.requirements.all())
        risks = list(control.risks.all())
        documents = list(control.documents.values_list("pk", flat=True))
        return ControlForm(
            data,
            initial=control_initial(control, requirements, risks, documents),
            organization=self.organization,
            control=control,
            linked=[r.pk for r in requirements],
            linked_documents=documents,
        )

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        control = self._control(pk)
        form = self._form(control)
        return render(request, self.template_name, {"form": form, "control": control})

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        control = self._control(pk)
        form = self._form(control, request.POST)
        status = 422
        if form.is_valid():
            try:
                services.control_update(
                    control=control,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
                status = 403
            else:
                messages.success(request, _("%s was saved.") % control)
                return redirect("controls:control_detail", org_slug=org_slug, pk=control.pk)
            control = self._control(pk)  # the failed write left its values on the instance
        return render(
            request, self.template_name, {"form": form, "control": control}, status=status
        )


class ControlDeleteView(OrgScopedMixin, View):
    """Delete a control (POST with the version seen); refused, with the service's message,
    when its tests have results on record."""

    permission_required = "controls.change_control"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        control = selectors.control_get(organization=self.organization, pk=pk)
        try:
            services.control_delete(
                control=control,
                actor=self.actor,
                version=posted_version(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, str(message))
        except ConflictError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%s was deleted.") % control)
            return redirect("controls:control_list", org_slug=org_slug)
        return redirect("controls:control_detail", org_slug=org_slug, pk=control.pk)


# --- one control --------------------------------------------------------------------------------


class ControlPageMixin(OrgScopedMixin):
    """The control page, for its own GET and for the run forms posted from it (re-rendered
    with their errors, status 422)."""

    def get_control(self, pk: int) -> Control:
        return selectors.control_get(organization=self.organization, pk=pk)

    def back(self, control: Control, anchor: str = "") -> HttpResponse:
        url = reverse(
            "controls:control_detail",
            kwargs={"org_slug": self.organization.slug, "pk": control.pk},
        )
        return redirect(f"{url}#{anchor}" if anchor else url)

    def page(
        self,
        control: Control,
        *,
        status: int = 200,
        run_form: tuple[int, RunForm] | None = None,
    ) -> HttpResponse:
        org, user = self.organization, self.actor
        detail = selectors.control_detail(control=control)
        can_change = user.has_perm("controls.change_control", control)
        evidence_choices = selectors.evidence_choices(organization=org) if can_change else []
        today = timezone.localdate()
        tests = []
        for row in detail["tests"]:
            test = row["test"]
            form = None
            if can_change:
                if run_form and run_form[0] == test.pk:
                    form = run_form[1]
                else:
                    form = RunForm(
                        organization=org,
                        evidence_choices=evidence_choices,
                        prefix=f"run{test.pk}",
                        initial={"performed_on": today},
                    )
            tests.append({**row, "overdue": row["next_due"] < today, "run_form": form})
        health = detail["health"]
        context = {
            "control": control,
            "requirement_groups": detail["requirement_groups"],
            "risks": detail["risks"],
            "evidence": detail["evidence"],
            "tests": tests,
            "health": health,
            "health_tone": HEALTH_TONES[health.state],
            "rules": health_rules(),
            "can_change": can_change,
            "can_add_evidence": user.has_perm("controls.change_evidence", org),
            "can_audit": user.has_perm("core.view_auditlog", org),
            "register_documents": detail["documents"],
            "can_view_documents": user.has_perm("documents.view_document", org),
            "documents": [
                line.strip() for line in control.documentation.splitlines() if line.strip()
            ],
        }
        return render(self.request, "controls/control_detail.html", context, status=status)


class ControlDetailView(ControlPageMixin, View):
    permission_required = "controls.view_control"

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        return self.page(self.get_control(pk))


class RunCreateView(ControlPageMixin, View):
    """Record one run of a test (POST from the control page); runs are never edited."""

    permission_required = "controls.change_control"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        test = selectors.control_test_get(organization=self.organization, pk=pk)
        control = test.control
        form = RunForm(request.POST, organization=self.organization, prefix=f"run{test.pk}")
        if form.is_valid():
            try:
                services.run_record(test=test, actor=self.actor, **form.service_data())
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The run of “%s” was recorded.") % test.name)
                return self.back(control, f"test-{test.pk}")
        return self.page(self.get_control(control.pk), status=422, run_form=(test.pk, form))


# --- test definitions ---------------------------------------------------------------------------


class ControlTestCreateView(OrgScopedMixin, View):
    permission_required = "controls.change_control"
    template_name = "controls/test_form.html"

    def _control(self, pk: int) -> Control:
        control = selectors.control_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm("controls.change_control", control):
            raise PermissionDenied(_("Your role does not allow this."))
        return control

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        control = self._control(pk)
        form = ControlTestForm(organization=self.organization)
        return render(request, self.template_name, {"form": form, "control": control, "test": None})

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        control = self._control(pk)
        form = ControlTestForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                test = services.control_test_create(
                    control=control, actor=self.actor, **form.service_data()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The test “%s” was added.") % test.name)
                url = reverse(
                    "controls:control_detail", kwargs={"org_slug": org_slug, "pk": control.pk}
                )
                return redirect(f"{url}#test-{test.pk}")
        context = {"form": form, "control": control, "test": None}
        return render(request, self.template_name, context, status=422)


class ControlTestEditView(OrgScopedMixin, View):
    permission_required = "controls.change_control"
    template_name = "controls/test_form.html"

    def _test(self, pk: int) -> ControlTest:
        test = selectors.control_test_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm("controls.change_control", test.control):
            raise PermissionDenied(_("Your role does not allow this."))
        return test

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        test = self._test(pk)
        form = ControlTestForm(
            initial=control_test_initial(test), organization=self.organization, test=test
        )
        context = {"form": form, "control": test.control, "test": test}
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        test = self._test(pk)
        form = ControlTestForm(request.POST, organization=self.organization, test=test)
        status = 422
        if form.is_valid():
            try:
                services.control_test_update(
                    test=test,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("The test “%s” was saved.") % test.name)
                url = reverse(
                    "controls:control_detail",
                    kwargs={"org_slug": org_slug, "pk": test.control_id},
                )
                return redirect(f"{url}#test-{test.pk}")
            test = self._test(pk)
        context = {"form": form, "control": test.control, "test": test}
        return render(request, self.template_name, context, status=status)


class ControlTestDeleteView(OrgScopedMixin, View):
    """Delete a test definition (POST with the version seen); refused when it has runs."""

    permission_required = "controls.change_control"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        test = selectors.control_test_get(organization=self.organization, pk=pk)
        try:
            services.control_test_delete(
                test=test,
                actor=self.actor,
                version=posted_version(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, str(message))
        except ConflictError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The test “%s” was deleted.") % test.name)
        url = reverse(
            "controls:control_detail", kwargs={"org_slug": org_slug, "pk": test.control_id}
        )
        return redirect(f"{url}#tests")


# --- coverage -----------------------------------------------------------------------------------


class CoverageView(OrgScopedMixin, View):
    """How a framework's requirements are covered by the organisation's controls: directly, or
    through a mapping from requirements that controls implement."""

    permission_required = "controls.view_control"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        raw = request.GET.get("framework", "").strip()
        pk = parse_id(raw)
        if raw and pk is None:
            raise Http404(_("No such framework."))
        framework = selectors.coverage_framework(organization=org, pk=pk)
        result = selectors.coverage(organization=org, framework=framework)
        frameworks = selectors.coverage_frameworks(organization=org)
        if framework not in frameworks:
            frameworks.append(framework)
        context = {
            "framework": framework,
            "frameworks": frameworks,
            "coverage": result,
            "counts": result.counts,
            "percentages": result.percentages,
        }
        return render(request, "controls/coverage.html", context)
