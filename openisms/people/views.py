"""The leadership and support pages (ISO/IEC 27001 5.3, 7.2, 7.3, 7.4): ISMS roles (list, page,
form), processes and the RACI matrix, competences and the competence gaps, training records,
awareness campaigns and the communication plan; each register exports as CSV or XLSX.

The simple registers share one create / edit / delete implementation (``RecordFormView``,
``RecordDeleteView``) configured per record type by a ``Kind``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error, posted_version
from openisms.core.registers import register_export
from openisms.core.views import OrgScopedMixin
from openisms.people import selectors, services
from openisms.people.forms import (
    CampaignForm,
    CommunicationForm,
    CompetenceForm,
    ProcessForm,
    RoleForm,
    TrainingFilterForm,
    TrainingForm,
)

VIEW = "people.view_people"
CHANGE = "people.change_people"


def _list_context(request: HttpRequest, items: Any, page_size: int = 50) -> dict[str, Any]:
    page = Paginator(items, page_size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "query": query.urlencode()}


@dataclass(frozen=True)
class Kind:
    """One record type of the simple registers."""

    key: str  # URL name prefix: "<key>_list", "<key>_edit"…
    label: Any  # "competence"
    list_label: Any  # "Competences"
    object_type: str  # for the audit trail link
    form: type
    get: Callable[..., Any]  # selectors.<x>_get(organization=, pk=)
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    arg: str  # the service's keyword for the record


KINDS = {
    "competence": Kind(
        "competence",
        gettext_lazy("competence"),
        gettext_lazy("Competences"),
        "people.competence",
        CompetenceForm,
        selectors.competence_get,
        services.competence_create,
        services.competence_update,
        services.competence_delete,
        "competence",
    ),
    "role": Kind(
        "role",
        gettext_lazy("ISMS role"),
        gettext_lazy("ISMS roles"),
        "people.ismsrole",
        RoleForm,
        selectors.role_get,
        services.role_create,
        services.role_update,
        services.role_delete,
        "role",
    ),
    "process": Kind(
        "process",
        gettext_lazy("process"),
        gettext_lazy("Processes and RACI"),
        "people.process",
        ProcessForm,
        selectors.process_get,
        services.process_create,
        services.process_update,
        services.process_delete,
        "process",
    ),
    "training": Kind(
        "training",
        gettext_lazy("training record"),
        gettext_lazy("Training records"),
        "people.trainingrecord",
        TrainingForm,
        selectors.training_get,
        services.training_create,
        services.training_update,
        services.training_delete,
        "record",
    ),
    "campaign": Kind(
        "campaign",
        gettext_lazy("awareness campaign"),
        gettext_lazy("Awareness campaigns"),
        "people.awarenesscampaign",
        CampaignForm,
        selectors.campaign_get,
        services.campaign_create,
        services.campaign_update,
        services.campaign_delete,
        "campaign",
    ),
    "communication": Kind(
        "communication",
        gettext_lazy("communication"),
        gettext_lazy("Communication plan"),
        "people.communicationitem",
        CommunicationForm,
        selectors.communication_get,
        services.communication_create,
        services.communication_update,
        services.communication_delete,
        "item",
    ),
}


class RecordFormView(OrgScopedMixin, View):
    """Create (no pk) or edit (pk) a record of ``kind``; the edit page links to its trail and
    offers deletion."""

    permission_required = CHANGE
    kind: str = ""
    template_name = "people/record_form.html"

    @property
    def k(self) -> Kind:
        return KINDS[self.kind]

    def _obj(self, pk: int | None) -> Any:
        return None if pk is None else self.k.get(organization=self.organization, pk=pk)

    def _form(self, obj: Any, data: Any = None) -> Any:
        initial = self.k.form.initial_for(obj) if obj is not None and data is None else None  # type: ignore[attr-defined]
        return self.k.form(data, initial=initial, organization=self.organization, obj=obj)

    def _render(self, form: Any, obj: Any, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "obj": obj,
            "kind": self.k,
            "list_url": reverse(f"people:{self.k.key}_list", args=[self.organization.slug]),
            "can_audit": self.actor.has_perm("core.view_auditlog", self.organization),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, org_slug: str, pk: int | None = None) -> HttpResponse:
        obj = self._obj(pk)
        return self._render(self._form(obj), obj)

    def post(self, request: HttpRequest, org_slug: str, pk: int | None = None) -> HttpResponse:
        obj = self._obj(pk)
        form = self._form(obj, request.POST)
        status = 422
        if form.is_valid():
            try:
                if obj is None:
                    obj = self.k.create(
                        organization=self.organization, actor=self.actor, **form.service_data()
                    )
                else:
                    self.k.update(
                        **{self.k.arg: obj},
                        actor=self.actor,
                        version=form.cleaned_data["version"],
                        **form.service_data(),
                    )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = 409 if isinstance(exc, ConflictError) else 422
                obj = self._obj(pk)
            else:
                messages.success(request, _("%s was saved.") % obj)
                return redirect(self.success_url(obj))
        return self._render(form, obj, status=status)

    def success_url(self, obj: Any) -> str:
        if self.kind == "role":
            return reverse("people:role_detail", args=[self.organization.slug, obj.pk])
        return reverse(f"people:{self.k.key}_list", args=[self.organization.slug])


class RecordDeleteView(OrgScopedMixin, View):
    permission_required = CHANGE
    kind: str = ""

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        k = KINDS[self.kind]
        obj = k.get(organization=self.organization, pk=pk)
        try:
            k.delete(
                **{k.arg: obj},
                actor=self.actor,
                version=posted_version(request),
            )
        except ConflictError as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, str(message))
        else:
            messages.success(request, _("%s was deleted.") % obj)
            return redirect(f"people:{k.key}_list", org_slug=org_slug)
        return redirect(f"people:{k.key}_edit", org_slug=org_slug, pk=pk)


def _export(kind: str) -> type[View]:
    class ExportView(OrgScopedMixin, View):
        permission_required = VIEW

        def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
            org = self.organization
            fmt = request.GET.get("format", "csv")
            if kind == "process":
                header, rows = selectors.process_export(organization=org)
            elif kind == "training":
                filters = TrainingFilterForm(request.GET or None, organization=org).filters()
                header = selectors.TRAINING_HEADER
                rows = selectors.training_export_rows(organization=org, filters=filters)
            else:
                header = getattr(selectors, f"{kind.upper()}_HEADER")
                rows = getattr(selectors, f"{kind}_export_rows")(organization=org)
            names = {
                "role": "isms-roles",
                "process": "raci",
                "competence": "competences",
                "training": "training-records",
                "campaign": "awareness-campaigns",
                "communication": "communication-plan",
                "gap": "competence-gaps",
            }
            return register_export(header, rows, fmt=fmt, name=names[kind], organization=org)

    ExportView.__name__ = f"{kind.title()}ExportView"
    return ExportView


RoleExportView = _export("role")
ProcessExportView = _export("process")
CompetenceExportView = _export("competence")
TrainingExportView = _export("training")
CampaignExportView = _export("campaign")
CommunicationExportView = _export("communication")
GapExportView = _export("gap")


# --- list pages ---------------------------------------------------------------------------------


class _ListView(OrgScopedMixin, View):
    permission_required = VIEW

    def base(self) -> dict[str, Any]:
        return {"can_change": self.actor.has_perm(CHANGE, self.organization)}


class RoleListView(_ListView):
    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        qs = selectors.role_list(organization=self.organization)
        context = {**self.base(), **_list_context(request, qs)}
        return render(request, "people/role_list.html", context)


class RoleDetailView(_ListView):
    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        org = self.organization
        role = selectors.role_get(organization=org, pk=pk)
        gaps = [g for g in selectors.competence_gaps(organization=org) if g.role.pk == role.pk]
        context = {
            **self.base(),
            "role": role,
            "raci": selectors.role_raci(role),
            "gaps": gaps,
            "can_audit": self.actor.has_perm("core.view_auditlog", org),
        }
        return render(request, "people/role_detail.html", context)


class ProcessListView(_ListView):
    """The RACI matrix: processes × roles."""

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        context = {
            **self.base(),
            **_list_context(request, selectors.process_list(organization=org)),
        }
        context["matrix"] = selectors.raci_matrix(
            organization=org, processes=context["page"].object_list
        )
        return render(request, "people/process_list.html", context)


class CompetenceListView(_ListView):
    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        qs = selectors.competence_list(organization=self.organization)
        context = {**self.base(), **_list_context(request, qs)}
        return render(request, "people/competence_list.html", context)


class CompetenceGapsView(_ListView):
    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        gaps = selectors.competence_gaps(organization=self.organization)
        context = {**self.base(), **_list_context(request, gaps, page_size=100)}
        return render(request, "people/competence_gaps.html", context)


class TrainingListView(_ListView):
    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        form = TrainingFilterForm(request.GET or None, organization=org)
        qs = selectors.training_list(organization=org, filters=form.filters())
        context = {**self.base(), "form": form, **_list_context(request, qs)}
        context["today"] = timezone.localdate()
        return render(request, "people/training_list.html", context)


class CampaignListView(_ListView):
    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        qs = selectors.campaign_list(organization=self.organization)
        context = {**self.base(), **_list_context(request, qs)}
        return render(request, "people/campaign_list.html", context)


class CommunicationListView(_ListView):
    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        qs = selectors.communication_list(organization=self.organization)
        context = {**self.base(), **_list_context(request, qs)}
        return render(request, "people/communication_list.html", context)
