"""The improvement pages (ISO/IEC 27001 10.1, 10.2): nonconformities (list, form, page with
corrective actions, verifications and the lifecycle), the corrective actions list (overdue
first), improvement opportunities; each register exports as CSV or XLSX."""

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
from openisms.improvement import selectors, services
from openisms.improvement.choices import GUARDS, TRANSITIONS, NcStatus
from openisms.improvement.forms import (
    ActionFilterForm,
    ActionForm,
    NcFilterForm,
    NonconformityForm,
    OpportunityFilterForm,
    OpportunityForm,
    TransitionForm,
    VerificationForm,
    action_initial,
    nc_initial,
    opportunity_initial,
)
from openisms.improvement.models import CorrectiveAction, ImprovementOpportunity, Nonconformity

VIEW = "improvement.view_improvement"
CHANGE = "improvement.change_improvement"
VERIFY = "improvement.verify_effectiveness"


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


def _list_context(request: HttpRequest, qs: Any, page_size: int = 50) -> dict[str, Any]:
    page = Paginator(qs, page_size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "query": query.urlencode()}


# --- nonconformities ----------------------------------------------------------------------------


class NcListView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        form = NcFilterForm(request.GET or None, organization=org)
        qs = selectors.nonconformity_list(organization=org, filters=form.filters())
        context = {
            "form": form,
            **_list_context(request, qs),
            "can_change": self.actor.has_perm(CHANGE, org),
            "overdue_total": selectors.overdue_action_count(organization=org),
        }
        return render_list(request, "improvement/nc_list.html", context)


class NcExportView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        filters = NcFilterForm(request.GET or None, organization=org).filters()
        rows = selectors.nc_export_rows(organization=org, filters=filters)
        return register_export(
            selectors.NC_HEADER,
            rows,
            fmt=request.GET.get("format", "csv"),
            name="nonconformities",
            organization=org,
        )


class NcCreateView(OrgScopedMixin, View):
    """A new nonconformity; ``?test_run=<id>`` of a failed run prefills it from the run."""

    permission_required = CHANGE
    template_name = "improvement/nc_form.html"

    def _run(self, raw: Any) -> Any:
        pk = parse_id(str(raw)) if raw not in (None, "") else None
        if pk is None:
            return None
        return selectors.failed_run_get(organization=self.organization, pk=pk)

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        run = self._run(request.GET.get("test_run"))
        initial: dict[str, Any] = {"detected_on": timezone.localdate()}
        if run is not None:
            test, control = run.test, run.test.control
            initial.update(
                title=_("Failed test: %(test)s (%(control)s)")
                % {"test": test.name, "control": control.ref},
                description=run.notes,
                source="control_test",
                source_reference=_("%(control)s · %(test)s · run of %(date)s")
                % {"control": control.ref, "test": test.name, "date": run.performed_on},
                detected_on=run.performed_on,
            )
        form = NonconformityForm(initial=initial, organization=self.organization)
        return render(request, self.template_name, {"form": form, "nc": None, "run": run})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = NonconformityForm(request.POST, organization=self.organization)
        run = self._run(request.POST.get("test_run"))
        status = 422
        if form.is_valid():
            try:
                nc = services.nonconformity_create(
                    organization=self.organization,
                    actor=self.actor,
                    test_run=run,
                    **form.service_data(),
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            except PermissionDenied:
                form.add_error("owner", _("Your role lets you record only ones you own."))
                status = 403
            else:
                messages.success(request, _("%s was recorded.") % nc)
                return redirect("improvement:nc_detail", org_slug=org_slug, pk=nc.pk)
        context = {"form": form, "nc": None, "run": run}
        return render(request, self.template_name, context, status=status)


class NcEditView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "improvement/nc_form.html"

    def _nc(self, pk: int) -> Nonconformity:
        nc = selectors.nonconformity_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm(CHANGE, nc):
            raise PermissionDenied(_("Your role does not allow this."))
        return nc

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        nc = self._nc(pk)
        form = NonconformityForm(initial=nc_initial(nc), organization=self.organization, nc=nc)
        return render(request, self.template_name, {"form": form, "nc": nc})

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        nc = self._nc(pk)
        form = NonconformityForm(request.POST, organization=self.organization, nc=nc)
        status = 422
        if form.is_valid():
            try:
                services.nonconformity_update(
                    nc=nc,
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
                messages.success(request, _("%s was saved.") % nc)
                return redirect("improvement:nc_detail", org_slug=org_slug, pk=nc.pk)
            nc = self._nc(pk)
        return render(request, self.template_name, {"form": form, "nc": nc}, status=status)


class NcDeleteView(OrgScopedMixin, View):
    permission_required = CHANGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        nc = selectors.nonconformity_get(organization=self.organization, pk=pk)
        try:
            services.nonconformity_delete(nc=nc, actor=self.actor, version=posted_version(request))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, str(message))
        except ConflictError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%s was deleted.") % nc)
            return redirect("improvement:nc_list", org_slug=org_slug)
        return redirect("improvement:nc_detail", org_slug=org_slug, pk=nc.pk)


class NcPageMixin(OrgScopedMixin):
    def page(
        self,
        nc: Nonconformity,
        *,
        status: int = 200,
        verification_form: VerificationForm | None = None,
    ) -> HttpResponse:
        org, user = self.organization, self.actor
        today = timezone.localdate()
        actions = selectors.nonconformity_actions(nc)
        can_change = user.has_perm(CHANGE, nc)
        can_verify = user.has_perm(VERIFY, nc)
        transitions = []
        if can_change:
            for to in TRANSITIONS.get(nc.status, ()):
                if to == NcStatus.CLOSED and not can_verify:
                    continue
                transitions.append(
                    {
                        "to": to,
                        "label": NcStatus(to).label,
                        "problem": services.transition_problem(nc, to),
                        "guard": GUARDS.get(to, ""),
                    }
                )
        context = {
            "nc": nc,
            "actions": [
                {
                    "action": a,
                    "overdue": a.is_overdue(today),
                    "can_change": can_change or user.has_perm(CHANGE, a),
                }
                for a in actions
            ],
            "overdue_count": sum(1 for a in actions if a.is_overdue(today)),
            "verifications": selectors.nonconformity_verifications(nc),
            "incidents": selectors.nonconformity_incidents(nc)
            if user.has_perm("incidents.view_incident", org)
            else None,
            "transitions": transitions,
            "can_change": can_change,
            "can_add_action": can_change and nc.status not in (NcStatus.VERIFYING, NcStatus.CLOSED),
            "can_verify": can_verify and nc.status == NcStatus.VERIFYING,
            "verification_form": verification_form
            or VerificationForm(initial={"verified_on": today}),
            "can_audit": user.has_perm("core.view_auditlog", org),
        }
        return render(self.request, "improvement/nc_detail.html", context, status=status)


class NcDetailView(NcPageMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        return self.page(selectors.nonconformity_get(organization=self.organization, pk=pk))


class NcTransitionView(OrgScopedMixin, View):
    permission_required = CHANGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        nc = selectors.nonconformity_get(organization=self.organization, pk=pk)
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a status."))
        else:
            try:
                services.nonconformity_transition(
                    nc=nc,
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
                    % {"ref": nc.ref, "status": NcStatus(nc.status).label},
                )
        return redirect("improvement:nc_detail", org_slug=org_slug, pk=nc.pk)


class VerificationCreateView(NcPageMixin, View):
    permission_required = VERIFY

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        nc = selectors.nonconformity_get(organization=self.organization, pk=pk)
        form = VerificationForm(request.POST)
        if form.is_valid():
            try:
                verification = services.verification_record(
                    nc=nc, actor=self.actor, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The verification (%s) was recorded.") % verification.get_result_display(),
                )
                url = reverse("improvement:nc_detail", kwargs={"org_slug": org_slug, "pk": nc.pk})
                return redirect(f"{url}#verifications")
        nc = selectors.nonconformity_get(organization=self.organization, pk=pk)
        return self.page(nc, status=422, verification_form=form)


# --- corrective actions -------------------------------------------------------------------------


class ActionListView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        form = ActionFilterForm(request.GET or None, organization=org)
        qs = selectors.action_list(organization=org, filters=form.filters())
        context = {"form": form, **_list_context(request, qs)}
        today = timezone.localdate()
        context["rows"] = [{"action": a, "overdue": a.is_overdue(today)} for a in context["page"]]
        return render_list(request, "improvement/action_list.html", context)


class ActionExportView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        filters = ActionFilterForm(request.GET or None, organization=org).filters()
        return register_export(
            selectors.ACTION_HEADER,
            selectors.action_export_rows(organization=org, filters=filters),
            fmt=request.GET.get("format", "csv"),
            name="corrective-actions",
            organization=org,
        )


class ActionCreateView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "improvement/action_form.html"

    def _nc(self, pk: int) -> Nonconformity:
        nc = selectors.nonconformity_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm(CHANGE, nc):
            raise PermissionDenied(_("Your role does not allow this."))
        return nc

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        nc = self._nc(pk)
        form = ActionForm(organization=self.organization)
        return render(request, self.template_name, {"form": form, "nc": nc, "action": None})

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        nc = self._nc(pk)
        form = ActionForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                action = services.action_create(nc=nc, actor=self.actor, **form.service_data())
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("%s was added.") % action)
                url = reverse("improvement:nc_detail", kwargs={"org_slug": org_slug, "pk": nc.pk})
                return redirect(f"{url}#actions")
        context = {"form": form, "nc": nc, "action": None}
        return render(request, self.template_name, context, status=422)


class ActionEditView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "improvement/action_form.html"

    def _action(self, pk: int) -> CorrectiveAction:
        action = selectors.action_get(organization=self.organization, pk=pk)
        if not (
            self.actor.has_perm(CHANGE, action) or self.actor.has_perm(CHANGE, action.nonconformity)
        ):
            raise PermissionDenied(_("Your role does not allow this."))
        return action

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        action = self._action(pk)
        form = ActionForm(
            initial=action_initial(action), organization=self.organization, action=action
        )
        context = {"form": form, "nc": action.nonconformity, "action": action}
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        action = self._action(pk)
        form = ActionForm(request.POST, organization=self.organization, action=action)
        status = 422
        if form.is_valid():
            try:
                services.action_update(
                    action=action,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("%s was saved.") % action)
                url = reverse(
                    "improvement:nc_detail",
                    kwargs={"org_slug": org_slug, "pk": action.nonconformity_id},
                )
                return redirect(f"{url}#actions")
            action = self._action(pk)
        context = {"form": form, "nc": action.nonconformity, "action": action}
        return render(request, self.template_name, context, status=status)


# --- improvement opportunities ------------------------------------------------------------------


class OpportunityListView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        form = OpportunityFilterForm(request.GET or None, organization=org)
        qs = selectors.opportunity_list(organization=org, filters=form.filters())
        context = {
            "form": form,
            **_list_context(request, qs),
            "can_change": self.actor.has_perm(CHANGE, org),
        }
        return render_list(request, "improvement/opportunity_list.html", context)


class OpportunityExportView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        filters = OpportunityFilterForm(request.GET or None, organization=org).filters()
        return register_export(
            selectors.OPPORTUNITY_HEADER,
            selectors.opportunity_export_rows(organization=org, filters=filters),
            fmt=request.GET.get("format", "csv"),
            name="improvement-log",
            organization=org,
        )


class OpportunityCreateView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "improvement/opportunity_form.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = OpportunityForm(organization=self.organization)
        return render(request, self.template_name, {"form": form, "item": None})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = OpportunityForm(request.POST, organization=self.organization)
        status = 422
        if form.is_valid():
            try:
                item = services.opportunity_create(
                    organization=self.organization, actor=self.actor, **form.service_data()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            except PermissionDenied:
                form.add_error("owner", _("Your role lets you record only ones you own."))
                status = 403
            else:
                messages.success(request, _("%s was recorded.") % item)
                return redirect("improvement:opportunity_detail", org_slug=org_slug, pk=item.pk)
        return render(request, self.template_name, {"form": form, "item": None}, status=status)


class OpportunityDetailView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        item = selectors.opportunity_get(organization=self.organization, pk=pk)
        context = {
            "item": item,
            "can_change": self.actor.has_perm(CHANGE, item),
            "can_audit": self.actor.has_perm("core.view_auditlog", self.organization),
        }
        return render(request, "improvement/opportunity_detail.html", context)


class OpportunityEditView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "improvement/opportunity_form.html"

    def _item(self, pk: int) -> ImprovementOpportunity:
        item = selectors.opportunity_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm(CHANGE, item):
            raise PermissionDenied(_("Your role does not allow this."))
        return item

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        item = self._item(pk)
        form = OpportunityForm(
            initial=opportunity_initial(item), organization=self.organization, item=item
        )
        return render(request, self.template_name, {"form": form, "item": item})

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        item = self._item(pk)
        form = OpportunityForm(request.POST, organization=self.organization, item=item)
        status = 422
        if form.is_valid():
            try:
                services.opportunity_update(
                    item=item,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("%s was saved.") % item)
                return redirect("improvement:opportunity_detail", org_slug=org_slug, pk=item.pk)
            item = self._item(pk)
        return render(request, self.template_name, {"form": form, "item": item}, status=status)


class OpportunityDeleteView(OrgScopedMixin, View):
    permission_required = CHANGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        item = selectors.opportunity_get(organization=self.organization, pk=pk)
        try:
            services.opportunity_delete(
                item=item,
                actor=self.actor,
                version=posted_version(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, str(message))
            return redirect("improvement:opportunity_detail", org_slug=org_slug, pk=item.pk)
        except ConflictError as exc:
            messages.error(request, exc.message)
            return redirect("improvement:opportunity_detail", org_slug=org_slug, pk=item.pk)
        messages.success(request, _("%s was deleted.") % item)
        return redirect("improvement:opportunity_list", org_slug=org_slug)
