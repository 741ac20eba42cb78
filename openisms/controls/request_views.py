"""The evidence request pages: the list (status, overdue, q; CSV/XLSX export), the form to
request evidence, and a request's page (its evidence, the answer form, the lifecycle buttons,
each posting the version seen)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from openisms.controls import request_selectors as selectors
from openisms.controls import request_services as services
from openisms.controls.evidence_selectors import control_choices
from openisms.controls.models import EvidenceRequest
from openisms.controls.models import EvidenceRequestStatus as Status
from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error, posted_version
from openisms.core.registers import register_export
from openisms.core.views import OrgScopedMixin, render_list

VIEW = "controls.view_control"

# --- forms --------------------------------------------------------------------------------------


class RequestFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any")), *list(Status.choices)],
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def filters(self) -> selectors.RequestFilter:
        if not self.is_bound or not self.is_valid():
            return selectors.RequestFilter()
        d = self.cleaned_data
        return selectors.RequestFilter(
            q=d["q"].strip(), status=d["status"], overdue=bool(d["overdue"])
        )


class RequestForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("What is requested"), max_length=300)
    description = forms.CharField(
        label=gettext_lazy("Details"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    due_date = forms.DateField(
        label=gettext_lazy("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    control = forms.TypedChoiceField(
        label=gettext_lazy("Control concerned"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        choices = [("", "—"), *control_choices(organization=organization)]
        self.fields["control"].choices = choices  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "title": d["title"].strip(),
            "description": d["description"],
            "due_date": d["due_date"],
            "control": services.resolve_control(self.organization, d["control"]),
        }


class AnswerForm(forms.Form):
    evidence = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Evidence"), required=False, coerce=int
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = selectors.evidence_choices(organization=organization)
        self.fields["evidence"].choices = choices  # type: ignore[attr-defined]


# --- the list and its export --------------------------------------------------------------------


class RequestListView(OrgScopedMixin, View):
    permission_required = VIEW
    page_size = 50

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        today = timezone.localdate()
        form = RequestFilterForm(request.GET or None)
        items = selectors.request_list(organization=org, filters=form.filters(), today=today)
        page = Paginator(items, self.page_size).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("format", None)
        context = {
            "form": form,
            "page": page,
            "rows": [{"er": er, "overdue": er.is_overdue(today)} for er in page.object_list],
            "query": query.urlencode(),
            "can_request": self.actor.has_perm(services.REQUEST, org),
        }
        return render_list(request, "controls/requests/request_list.html", context)


class RequestExportView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        filters = RequestFilterForm(request.GET or None).filters()
        return register_export(
            selectors.EXPORT_HEADER,
            selectors.export_rows(organization=org, filters=filters),
            fmt=request.GET.get("format", "csv"),
            name="evidence requests",
            organization=org,
        )


# --- create, one request, answer, lifecycle -----------------------------------------------------


class RequestCreateView(OrgScopedMixin, View):
    permission_required = services.REQUEST
    template_name = "controls/requests/request_form.html"

    def _render(self, form: RequestForm, status: int = 200) -> HttpResponse:
        return render(self.request, self.template_name, {"form": form}, status=status)

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self._render(RequestForm(organization=self.organization))

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = RequestForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                er = services.request_create(
                    organization=self.organization, actor=self.actor, **form.service_data()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("%s was requested.") % er)
                return redirect("evidence_requests:request_detail", org_slug=org_slug, pk=er.pk)
        return self._render(form, 422)


def _transitions(er: EvidenceRequest, user: Any) -> list[dict[str, Any]]:
    if not user.has_perm(services.REQUEST, er):
        return []
    requester = er.requested_by_id == user.pk
    out = []
    for to in services.TRANSITIONS.get(er.status, ()):
        if to == Status.CLOSED and not (requester or user.has_perm(services.MANAGE, er)):
            continue
        if to == Status.OPEN and not requester:
            continue
        out.append({"to": to, "label": Status(to).label, "needs_note": to == Status.OPEN})
    return out


class RequestDetailView(OrgScopedMixin, View):
    permission_required = VIEW

    def _render(
        self, er: EvidenceRequest, answer: AnswerForm | None = None, status: int = 200
    ) -> HttpResponse:
        org, user = self.organization, self.actor
        can_answer = er.status == Status.OPEN and user.has_perm(services.ANSWER, er)
        if answer is None and can_answer:
            answer = AnswerForm(organization=org)
        context = {
            "er": er,
            "evidence": selectors.request_evidence(er=er),
            "overdue": er.is_overdue(),
            "answer_form": answer if can_answer else None,
            "transitions": _transitions(er, user),
            "can_audit": user.has_perm("core.view_auditlog", org),
        }
        return render(self.request, "controls/requests/request_detail.html", context, status=status)

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        return self._render(selectors.request_get(organization=self.organization, pk=pk))


class RequestAnswerView(RequestDetailView):
    """Link evidence and a note (POST with the version seen); errors re-show the page."""

    permission_required = services.ANSWER
    http_method_names = ["post"]

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        org = self.organization
        er = selectors.request_get(organization=org, pk=pk)
        form = AnswerForm(request.POST, organization=org)
        status = 422
        if form.is_valid():
            try:
                services.request_answer(
                    er=er,
                    actor=self.actor,
                    evidence=services.resolve_evidence(org, form.cleaned_data["evidence"]),
                    note=form.cleaned_data["note"],
                    version=posted_version(request),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = 409 if isinstance(exc, ConflictError) else 422
            else:
                messages.success(request, _("%s was answered.") % er.ref)
                return redirect("evidence_requests:request_detail", org_slug=org_slug, pk=er.pk)
            er = selectors.request_get(organization=org, pk=pk)
        return self._render(er, form, status)


class RequestStatusView(OrgScopedMixin, View):
    """Withdraw, close or reopen (POST ``to``, ``note``, ``version``); refusals are messages."""

    permission_required = services.REQUEST

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        er = selectors.request_get(organization=self.organization, pk=pk)
        try:
            services.request_transition(
                er=er,
                actor=self.actor,
                to=request.POST.get("to", ""),
                note=request.POST.get("note", ""),
                version=posted_version(request),
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
                % {"ref": er.ref, "status": Status(er.status).label.lower()},
            )
        return redirect("evidence_requests:request_detail", org_slug=org_slug, pk=er.pk)
