"""The evidence pages (ISO/IEC 27001 7.5, 9.1): the list with freshness counts and filters, an
item's page, the form (file upload with a drop zone, link or note), the delete, the download
(permission checked, attachment, sandboxed) and the list's CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from openisms.controls import evidence_selectors as selectors
from openisms.controls import evidence_services as services
from openisms.controls import storage
from openisms.controls.choices import Freshness
from openisms.controls.evidence_forms import EvidenceFilterForm, EvidenceForm, evidence_initial
from openisms.controls.health import freshness
from openisms.controls.models import Control, Evidence
from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error, parse_id, posted_version
from openisms.core.gate import scoped
from openisms.core.spreadsheets import neutralise
from openisms.core.views import OrgScopedMixin

FRESHNESS_TONES = {Freshness.FRESH: "green", Freshness.EXPIRING: "yellow", Freshness.STALE: "red"}
VIEW = "controls.view_control"
CHANGE = "controls.change_evidence"


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


def _row(evidence: Evidence, today: Any) -> dict[str, Any]:
    state = freshness(evidence.valid_until, today)
    return {
        "evidence": evidence,
        "freshness": state,
        "freshness_label": Freshness(state).label,
        "tone": FRESHNESS_TONES[Freshness(state)],
    }


# --- the list and its export --------------------------------------------------------------------


class EvidenceListView(OrgScopedMixin, View):
    """Filters (freshness, kind, control, owner, q) in the URL, 50 a page, and the number of
    items in each freshness state for the other filters (each a link to that state)."""

    permission_required = VIEW
    page_size = 50

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        today = timezone.localdate()
        form = EvidenceFilterForm(request.GET or None, organization=org)
        filters = form.filters()
        items = selectors.evidence_list(organization=org, filters=filters, today=today)
        page = Paginator(items, self.page_size).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        counts = selectors.freshness_counts(organization=org, filters=filters, today=today)
        states = []
        for state in Freshness:
            q = query.copy()
            q["freshness"] = state.value
            states.append(
                {
                    "state": state.value,
                    "label": state.label,
                    "count": counts.get(state.value, 0),
                    "tone": FRESHNESS_TONES[state],
                    "query": q.urlencode(),
                    "current": filters.freshness == state.value,
                }
            )
        every = query.copy()
        every.pop("freshness", None)
        context = {
            "form": form,
            "page": page,
            "rows": [_row(e, today) for e in page.object_list],
            "query": query.urlencode(),
            "states": states,
            "all_query": every.urlencode(),
            "total": sum(counts.get(s.value, 0) for s in Freshness),
            "can_add": self.actor.has_perm(CHANGE, org),
        }
        template = "controls/evidence_list.html"
        if getattr(request, "htmx", False):
            template += "#results"
        response = render(request, template, context)
        response["Vary"] = "HX-Request"
        return response


class EvidenceExportView(OrgScopedMixin, View):
    """The list (same filters) as CSV, with each file's SHA-256."""

    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        filters = EvidenceFilterForm(request.GET or None, organization=org).filters()
        out = io.StringIO()
        writer = csv.writer(out)
        for row in selectors.export_rows(organization=org, filters=filters):
            writer.writerow([neutralise(str(v)) if isinstance(v, str) else v for v in row])
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="evidence-{org.slug}-{stamp}.csv"'
        return response


# --- one item -----------------------------------------------------------------------------------


class EvidenceDetailView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        org, user = self.organization, self.actor
        evidence = selectors.evidence_get(organization=org, pk=pk)
        detail = selectors.evidence_detail(evidence=evidence)
        context = {
            "evidence": evidence,
            **detail,
            "tone": FRESHNESS_TONES[Freshness(detail["freshness"])],
            "file_type": storage.type_label(evidence.file.content_type) if evidence.file else "",
            "file_size": storage.human_size(evidence.file.size) if evidence.file else "",
            "can_change": user.has_perm(CHANGE, evidence),
            "can_audit": user.has_perm("core.view_auditlog", org),
        }
        return render(request, "controls/evidence_detail.html", context)


class EvidenceDownloadView(OrgScopedMixin, View):
    """The file of file evidence, to anyone who may see the evidence (never inline)."""

    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponseBase:
        evidence = selectors.evidence_get(organization=self.organization, pk=pk)
        if evidence.file is None:
            return redirect("evidence:evidence_detail", org_slug=org_slug, pk=evidence.pk)
        response = storage.download_response(
            sha256=evidence.file.sha256,
            content_type=evidence.file.content_type,
            filename=evidence.filename,
        )
        services.file_downloaded(
            instance=evidence,
            actor=self.actor,
            perm=VIEW,
            filename=evidence.filename,
            file=evidence.file,
        )
        return response


# --- create, edit, delete -----------------------------------------------------------------------


class EvidenceCreateView(OrgScopedMixin, View):
    """``?control=<id>`` preselects one of the organisation's controls (the control page's
    "Add evidence"); the item is then shown on that control's page."""

    permission_required = CHANGE
    template_name = "controls/evidence_form.html"

    def _control(self, request: HttpRequest) -> Control | None:
        pk = parse_id(request.GET.get("control"))
        if pk is None:
            return None
        return scoped(Control, self.organization).filter(pk=pk).first()

    def _render(self, form: EvidenceForm, control: Control | None, status: int = 200) -> Any:
        context = {"form": form, "evidence": None, "control": control}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        control = self._control(request)
        initial: dict[str, Any] = {"collected_on": timezone.localdate()}
        if control is not None:
            initial["controls"] = [control.pk]
        return self._render(EvidenceForm(initial=initial, organization=self.organization), control)

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        control = self._control(request)
        form = EvidenceForm(request.POST, request.FILES, organization=self.organization)
        status = 422
        if form.is_valid():
            try:
                evidence = services.evidence_create(
                    organization=self.organization, actor=self.actor, **form.service_data()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            except PermissionDenied:
                form.add_error("owner", _("Your role lets you add only evidence you own."))
                status = 403
            else:
                messages.success(request, _("%s was added.") % evidence)
                if control is not None and evidence.controls.filter(pk=control.pk).exists():
                    url = reverse(
                        "controls:control_detail", kwargs={"org_slug": org_slug, "pk": control.pk}
                    )
                    return redirect(f"{url}#evidence")
                return redirect("evidence:evidence_detail", org_slug=org_slug, pk=evidence.pk)
        return self._render(form, control, status)


class EvidenceEditView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "controls/evidence_form.html"

    def _evidence(self, pk: int) -> Evidence:
        evidence = selectors.evidence_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm(CHANGE, evidence):
            raise PermissionDenied(_("Your role does not allow this."))
        return evidence

    def _form(self, evidence: Evidence, data: Any = None, files: Any = None) -> EvidenceForm:
        controls = list(evidence.controls.order_by("ref"))
        requirements = list(evidence.requirements.all())
        return EvidenceForm(
            data,
            files,
            initial=evidence_initial(evidence, controls, requirements),
            organization=self.organization,
            evidence=evidence,
            linked_requirements=[r.pk for r in requirements],
        )

    def _render(self, form: EvidenceForm, evidence: Evidence, status: int = 200) -> Any:
        context = {"form": form, "evidence": evidence, "control": None}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        evidence = self._evidence(pk)
        return self._render(self._form(evidence), evidence)

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        evidence = self._evidence(pk)
        form = self._form(evidence, request.POST, request.FILES)
        status = 422
        if form.is_valid():
            try:
                services.evidence_update(
                    evidence=evidence,
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
                messages.success(request, _("%s was saved.") % evidence)
                return redirect("evidence:evidence_detail", org_slug=org_slug, pk=evidence.pk)
            evidence = self._evidence(pk)  # the failed write left its values on the instance
        return self._render(form, evidence, status)


class EvidenceDeleteView(OrgScopedMixin, View):
    """Delete an item (POST with the version seen); refused, with the service's message, while
    recorded test runs cite it."""

    permission_required = CHANGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        evidence = selectors.evidence_get(organization=self.organization, pk=pk)
        try:
            services.evidence_delete(
                evidence=evidence,
                actor=self.actor,
                version=posted_version(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, str(message))
        except ConflictError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%s was deleted.") % evidence)
            return redirect("evidence:evidence_list", org_slug=org_slug)
        return redirect("evidence:evidence_detail", org_slug=org_slug, pk=evidence.pk)
