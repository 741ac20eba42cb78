"""The internal audit pages (ISO/IEC 27001 9.2): the audit programme with its coverage, the
audit list (export), the audit form (criteria, team), the audit page with the impartiality
warning, the lifecycle and the checklist recorded inline (htmx), raising nonconformities, the
report (PDF/DOCX) and the findings export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from openisms.audits import report, selectors, services
from openisms.audits.choices import GUARDS, NC_SEVERITY, TRANSITIONS, AuditStatus, ItemResult
from openisms.audits.forms import (
    AuditFilterForm,
    AuditForm,
    ItemRecordForm,
    ProgrammeForm,
    TransitionForm,
    audit_initial,
    programme_initial,
)
from openisms.audits.models import Audit, AuditItem
from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error, posted_version
from openisms.core.registers import register_export
from openisms.core.reports import FORMATS, report_response
from openisms.core.views import OrgScopedMixin, render_list

VIEW = "audits.view_audit"
MANAGE = "audits.manage_audits"
RECORD = "audits.record_finding"
RAISE = "improvement.change_improvement"
TONES: dict[str, str] = {
    ItemResult.CONFORMITY: "tone-green",
    ItemResult.MAJOR_NC: "tone-red",
    ItemResult.MINOR_NC: "tone-orange",
    ItemResult.OBSERVATION: "tone-yellow",
    ItemResult.OFI: "tone-blue",
    ItemResult.NOT_SAMPLED: "tone-grey",
}


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


def _messages(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ConflictError):
        messages.error(request, exc.message)
    elif isinstance(exc, ValidationError):
        for message in exc.messages:
            messages.error(request, str(message))
    else:
        messages.error(request, str(exc))


# --- programmes ---------------------------------------------------------------------------------


class ProgrammeListView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        context = {
            "programmes": list(selectors.programme_list(organization=org)),
            "can_manage": self.actor.has_perm(MANAGE, org),
        }
        return render(request, "audits/programme_list.html", context)


class ProgrammeDetailView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        org = self.organization
        programme = selectors.programme_get(organization=org, pk=pk)
        audits = selectors.audit_list(organization=org, filters=selectors.AuditFilter(programme=pk))
        context = {
            "programme": programme,
            "audits": list(audits),
            "coverage": selectors.coverage(programme=programme),
            "can_manage": self.actor.has_perm(MANAGE, programme),
            "can_audit": self.actor.has_perm("core.view_auditlog", org),
        }
        return render(request, "audits/programme_detail.html", context)


class ProgrammeFormView(OrgScopedMixin, View):
    permission_required = MANAGE
    template_name = "audits/programme_form.html"

    def _programme(self, pk: int | None) -> Any:
        if pk is None:
            return None
        return selectors.programme_get(organization=self.organization, pk=pk)

    def get(self, request: HttpRequest, org_slug: str, pk: int | None = None) -> HttpResponse:
        programme = self._programme(pk)
        initial = programme_initial(programme) if programme else {}
        form = ProgrammeForm(initial=initial, organization=self.organization, programme=programme)
        return render(request, self.template_name, {"form": form, "programme": programme})

    def post(self, request: HttpRequest, org_slug: str, pk: int | None = None) -> HttpResponse:
        programme = self._programme(pk)
        form = ProgrammeForm(request.POST, organization=self.organization, programme=programme)
        status = 422
        if form.is_valid():
            try:
                if programme is None:
                    programme = services.programme_create(
                        organization=self.organization, actor=self.actor, **form.service_data()
                    )
                else:
                    services.programme_update(
                        programme=programme,
                        actor=self.actor,
                        version=form.cleaned_data["version"],
                        **form.service_data(),
                    )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
                programme = self._programme(pk)
            else:
                messages.success(request, _("%s was saved.") % programme)
                return redirect("audits:programme_detail", org_slug=org_slug, pk=programme.pk)
        context = {"form": form, "programme": programme}
        return render(request, self.template_name, context, status=status)


class ProgrammeDeleteView(OrgScopedMixin, View):
    permission_required = MANAGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        programme = selectors.programme_get(organization=self.organization, pk=pk)
        try:
            services.programme_delete(
                programme=programme, actor=self.actor, version=posted_version(request)
            )
        except (ValidationError, ConflictError) as exc:
            _messages(request, exc)
            return redirect("audits:programme_detail", org_slug=org_slug, pk=pk)
        messages.success(request, _("%s was deleted.") % programme)
        return redirect("audits:programme_list", org_slug=org_slug)


# --- audits -------------------------------------------------------------------------------------


class AuditListView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        form = AuditFilterForm(request.GET or None, organization=org)
        qs = selectors.audit_list(organization=org, filters=form.filters())
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_manage": self.actor.has_perm(MANAGE, org),
        }
        return render_list(request, "audits/audit_list.html", context)


class AuditExportView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        filters = AuditFilterForm(request.GET or None, organization=org).filters()
        return register_export(
            selectors.AUDIT_HEADER,
            selectors.audit_export_rows(organization=org, filters=filters),
            fmt=request.GET.get("format", "csv"),
            name="internal-audits",
            organization=org,
        )


class FindingExportView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        return register_export(
            selectors.FINDING_HEADER,
            selectors.finding_export_rows(organization=org),
            fmt=request.GET.get("format", "csv"),
            name="audit-findings",
            organization=org,
        )


class AuditFormView(OrgScopedMixin, View):
    permission_required = MANAGE
    template_name = "audits/audit_form.html"

    def _audit(self, pk: int | None) -> Audit | None:
        if pk is None:
            return None
        audit = selectors.audit_get(organization=self.organization, pk=pk)
        if audit.status in (AuditStatus.CLOSED, AuditStatus.CANCELLED):
            raise PermissionDenied(_("%s is no longer edited.") % audit.ref)
        return audit

    def _form(self, audit: Audit | None, data: Any = None) -> AuditForm:
        org = self.organization
        if audit is None:
            initial = {}
            programme = self.request.GET.get("programme")
            if programme and programme.isdigit():
                initial["programme"] = int(programme)
            return AuditForm(data, initial=initial, organization=org)
        criteria = selectors.audit_criteria(audit)
        linked = [n.pk for n in criteria]
        initial = audit_initial(audit, criteria, selectors.audit_team(audit))
        return AuditForm(data, initial=initial, organization=org, audit=audit, linked=linked)

    def get(self, request: HttpRequest, org_slug: str, pk: int | None = None) -> HttpResponse:
        audit = self._audit(pk)
        return render(request, self.template_name, {"form": self._form(audit), "audit": audit})

    def post(self, request: HttpRequest, org_slug: str, pk: int | None = None) -> HttpResponse:
        audit = self._audit(pk)
        form = self._form(audit, request.POST)
        status = 422
        if form.is_valid():
            try:
                if audit is None:
                    audit = services.audit_create(
                        organization=self.organization, actor=self.actor, **form.service_data()
                    )
                else:
                    services.audit_update(
                        audit=audit,
                        actor=self.actor,
                        version=form.cleaned_data["version"],
                        **form.service_data(),
                    )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
                audit = self._audit(pk)
            else:
                messages.success(request, _("%s was saved.") % audit)
                return redirect("audits:audit_detail", org_slug=org_slug, pk=audit.pk)
        return render(request, self.template_name, {"form": form, "audit": audit}, status=status)


class AuditDeleteView(OrgScopedMixin, View):
    permission_required = MANAGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        audit = selectors.audit_get(organization=self.organization, pk=pk)
        try:
            services.audit_delete(audit=audit, actor=self.actor, version=posted_version(request))
        except (ValidationError, ConflictError) as exc:
            _messages(request, exc)
            return redirect("audits:audit_detail", org_slug=org_slug, pk=pk)
        messages.success(request, _("%s was deleted.") % audit)
        return redirect("audits:audit_list", org_slug=org_slug)


def item_rows(
    items: list[AuditItem], *, can_record: bool, can_raise: bool, audit: Audit
) -> list[dict[str, Any]]:
    raising = audit.status in (AuditStatus.IN_PROGRESS, AuditStatus.REPORTED)
    return [
        {
            "item": i,
            "tone": TONES.get(i.result, ""),
            "evidence_ids": {e.pk for e in i.evidence.all()},
            "can_record": can_record,
            "can_raise": can_raise
            and raising
            and i.result in NC_SEVERITY
            and i.nonconformity_id is None,
        }
        for i in items
    ]


class AuditPageMixin(OrgScopedMixin):
    def flags(self, audit: Audit, team: list[Any]) -> dict[str, bool]:
        user = self.actor
        in_progress = audit.status == AuditStatus.IN_PROGRESS
        return {
            "can_manage": user.has_perm(MANAGE, audit),
            "can_record": in_progress
            and services.may_record(user, audit, team_ids=[u.pk for u in team]),
            "can_raise": user.has_perm(RAISE, audit.organization),
        }


class AuditDetailView(AuditPageMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        org = self.organization
        audit = selectors.audit_get(organization=org, pk=pk)
        team = selectors.audit_team(audit)
        items = list(selectors.item_list(audit=audit))
        flags = self.flags(audit, team)
        transitions = []
        if flags["can_manage"]:
            for to in TRANSITIONS.get(audit.status, ()):
                transitions.append(
                    {
                        "to": to,
                        "label": AuditStatus(to).label,
                        "problem": services.transition_problem(audit, to),
                        "guard": GUARDS.get(to, ""),
                    }
                )
        context = {
            "audit": audit,
            "team": team,
            "criteria_count": len(items),
            "conflicts": selectors.impartiality_conflicts(audit),
            "rows": item_rows(
                items, can_record=flags["can_record"], can_raise=flags["can_raise"], audit=audit
            ),
            "counts": [
                (label, selectors.result_counts(items)[value], TONES[value])
                for value, label in ItemResult.choices
            ],
            "unrecorded": sum(1 for i in items if not i.result),
            "transitions": transitions,
            "results": ItemResult.choices,
            "evidence_choices": selectors.evidence_choices(organization=org)
            if flags["can_record"]
            else [],
            "editable": audit.status not in (AuditStatus.CLOSED, AuditStatus.CANCELLED),
            "can_audit": self.actor.has_perm("core.view_auditlog", org),
            **flags,
        }
        return render(request, "audits/audit_detail.html", context)


class AuditTransitionView(OrgScopedMixin, View):
    permission_required = MANAGE
    SERVICES = {
        AuditStatus.IN_PROGRESS: services.audit_start,
        AuditStatus.REPORTED: services.audit_report,
        AuditStatus.CLOSED: services.audit_close,
        AuditStatus.CANCELLED: services.audit_cancel,
    }

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        audit = selectors.audit_get(organization=self.organization, pk=pk)
        form = TransitionForm(request.POST)
        if not form.is_valid() or form.cleaned_data["to"] not in self.SERVICES:
            messages.error(request, _("Choose a status."))
        else:
            service = self.SERVICES[form.cleaned_data["to"]]
            try:
                service(audit=audit, actor=self.actor, version=form.cleaned_data["version"])
            except (ValidationError, ConflictError) as exc:
                _messages(request, exc)
            else:
                messages.success(
                    request,
                    _("%(ref)s is now %(status)s.")
                    % {"ref": audit.ref, "status": AuditStatus(audit.status).label.lower()},
                )
        return redirect("audits:audit_detail", org_slug=org_slug, pk=audit.pk)


class AuditReportView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        audit = selectors.audit_get(organization=self.organization, pk=pk)
        fmt = request.GET.get("format", "pdf")
        if fmt not in FORMATS:
            raise Http404(_("Unknown format."))
        return report_response(report.build_report(audit), fmt, report.report_filename(audit))


# --- checklist ----------------------------------------------------------------------------------


class ItemRecordView(AuditPageMixin, View):
    """Record one checklist item (htmx: re-renders the item; otherwise back to the page)."""

    permission_required = RECORD

    def post(self, request: HttpRequest, org_slug: str, pk: int, item_pk: int) -> HttpResponse:
        org = self.organization
        audit = selectors.audit_get(organization=org, pk=pk)
        item = selectors.item_get(audit=audit, pk=item_pk)
        choices = selectors.evidence_choices(organization=org)
        form = ItemRecordForm(request.POST, evidence_choices=choices)
        status, error = 200, None
        if form.is_valid():
            try:
                services.item_record(
                    item=item,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                status, error = _status(exc), exc
        else:
            status = 422
            error = ValidationError(
                [f"{form.fields[f].label}: {e}" for f, errs in form.errors.items() for e in errs]
            )
        url = reverse("audits:audit_detail", kwargs={"org_slug": org_slug, "pk": audit.pk})
        if not getattr(request, "htmx", False):
            if error is not None:
                _messages(request, error)
            else:
                messages.success(request, _("%s was recorded.") % item.requirement.ref_id)
            return redirect(f"{url}#item-{item.pk}")
        item = selectors.item_get(audit=audit, pk=item_pk)
        team = selectors.audit_team(audit)
        flags = self.flags(audit, team)
        row = item_rows(
            [item], can_record=flags["can_record"], can_raise=flags["can_raise"], audit=audit
        )[0]
        if error is not None:
            row["errors"] = [error.message] if isinstance(error, ConflictError) else error.messages
            row["conflict"] = isinstance(error, ConflictError)
        context = {
            "row": row,
            "audit": audit,
            "results": ItemResult.choices,
            "evidence_choices": choices,
        }
        response = render(request, "audits/audit_detail.html#item", context, status=status)
        response["Vary"] = "HX-Request"
        return response


class ItemRaiseView(OrgScopedMixin, View):
    permission_required = RAISE

    def post(self, request: HttpRequest, org_slug: str, pk: int, item_pk: int) -> HttpResponse:
        audit = selectors.audit_get(organization=self.organization, pk=pk)
        item = selectors.item_get(audit=audit, pk=item_pk)
        try:
            nc = services.raise_nonconformity(item=item, actor=self.actor)
        except (ValidationError, PermissionDenied) as exc:
            _messages(request, exc)
        else:
            messages.success(request, _("Nonconformity %s was raised.") % nc.ref)
        url = reverse("audits:audit_detail", kwargs={"org_slug": org_slug, "pk": audit.pk})
        return redirect(f"{url}#item-{item.pk}")
