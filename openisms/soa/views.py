"""The Statement of Applicability pages: the statement as the auditor sees it (with filters
and the consistency findings), a row's form, approval, versions and their comparison."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from openisms.controls.choices import ImplementationStatus
from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error, parse_id
from openisms.core.gate import get_scoped_or_404
from openisms.core.views import OrgScopedMixin
from openisms.soa import selectors, services
from openisms.soa.forms import (
    ApproveForm,
    CreateForm,
    EntryForm,
    RowFilterForm,
    SoaSettingsForm,
    entry_initial,
)
from openisms.soa.models import Soa, SoaEntry

REASON_LABELS = {
    "risk_treatment": gettext_lazy("Risk treatment"),
    "legal_regulatory": gettext_lazy("Legal / regulatory"),
    "contractual": gettext_lazy("Contractual"),
    "business_requirement": gettext_lazy("Business requirement"),
}


COLUMN_LABELS = {
    "applicable": gettext_lazy("Applicable"),
    "reasons": gettext_lazy("Reasons for inclusion"),
    "risk_refs": gettext_lazy("Risks"),
    "legal_reference": gettext_lazy("Legal / regulatory reference"),
    "contractual_reference": gettext_lazy("Contractual reference"),
    "business_reference": gettext_lazy("Business requirement"),
    "justification": gettext_lazy("Justification for exclusion"),
    "implementation_status": gettext_lazy("Implementation"),
    "controls": gettext_lazy("Implementing controls"),
    "documents": gettext_lazy("Documents"),
    "evidence": gettext_lazy("Evidence"),
    "notes": gettext_lazy("Implementation notes"),
}


def _display(value: Any) -> str:
    if value is None:
        return _("not decided")
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, list):
        return ", ".join(str(REASON_LABELS.get(v, v)) for v in value) or "—"
    return str(value) or "—"


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


def _frameworks(organization: Any) -> Any:
    return selectors.statement_frameworks(organization)


def status_label(status: str) -> str:
    if not status:
        return _("No control")
    return str(ImplementationStatus(status).label)


def decorate(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["reason_labels"] = [str(REASON_LABELS[r]) for r in row["reasons"]]
        row["status_label"] = status_label(row["implementation_status"])
        row["more_risks"] = row["risk_count"] - len(row["risk_refs"])
    return rows


class SoaIndexView(OrgScopedMixin, View):
    """The organisation's statements; the ISO/IEC 27001 one opens directly when it is alone."""

    permission_required = "soa.view_soa"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        statements = list(selectors.soa_list(organization=org))
        if len(statements) == 1 and "all" not in request.GET:
            return redirect("soa:soa_detail", org_slug, statements[0].pk)
        return self.page(statements)

    def page(
        self, statements: list[Soa], form: CreateForm | None = None, status: int = 200
    ) -> HttpResponse:
        org = self.organization
        existing = {s.framework_id for s in statements}
        frameworks = _frameworks(org).exclude(pk__in=existing).distinct()
        can_change = self.actor.has_perm("soa.change_soa", org)
        if form is None:
            iso = frameworks.filter(urn=selectors.ISO27001_2022).first()
            form = CreateForm(initial={"framework": iso}, frameworks=frameworks)
        return render(
            self.request,
            "soa/soa_index.html",
            {"statements": statements, "form": form, "can_change": can_change and frameworks},
            status=status,
        )

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        statements = list(selectors.soa_list(organization=org))
        form = CreateForm(request.POST, frameworks=_frameworks(org).distinct())
        if form.is_valid():
            try:
                soa = services.soa_create(
                    organization=org, actor=self.actor, framework=form.cleaned_data["framework"]
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The draft statement was created."))
                return redirect("soa:soa_detail", org_slug, soa.pk)
        return self.page(statements, form, status=422)


class SoaMixin(OrgScopedMixin):
    permission_required = "soa.view_soa"

    def get_soa(self, pk: int) -> Soa:
        return selectors.soa_get(organization=self.organization, pk=pk)

    def page(self, soa: Soa, *, status: int = 200, **extra: Any) -> HttpResponse:
        org = self.organization
        rows = selectors.draft_rows(soa, full=False)
        summary = selectors.summarize(rows)
        themes = list(dict.fromkeys(r["theme"] for r in rows))
        form = RowFilterForm(self.request.GET or None, themes=themes)
        shown = decorate(form.apply(rows))
        versions = list(selectors.version_list(soa=soa))
        latest = versions[0] if versions else None
        changed = latest is None or selectors.draft_hash(soa) != latest.content_hash
        context = {
            "soa": soa,
            "rows": shown,
            "summary": summary,
            "form": form,
            "versions": versions,
            "latest": latest,
            "changed": changed,
            "can_change": self.actor.has_perm("soa.change_soa", org),
            "can_approve": self.actor.has_perm("soa.approve_soa", org),
            "approve_form": extra.pop("approve_form", None) or ApproveForm(),
            "settings_form": extra.pop("settings_form", None)
            or SoaSettingsForm(
                initial={
                    "title": soa.title,
                    "classification": soa.classification,
                    "version": soa.version,
                }
            ),
            **extra,
        }
        return render(self.request, "soa/soa_detail.html", context, status=status)


class SoaDetailView(SoaMixin, View):
    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        return self.page(self.get_soa(pk))


class SoaSettingsView(SoaMixin, View):
    permission_required = "soa.change_soa"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        soa = self.get_soa(pk)
        form = SoaSettingsForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.soa_update(
                    soa=soa,
                    actor=self.actor,
                    version=d["version"],
                    title=d["title"],
                    classification=d["classification"],
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                return SoaDetailView.page(
                    self, self.get_soa(pk), status=_status(exc), settings_form=form
                )
            messages.success(request, _("The document control was saved."))
            return redirect("soa:soa_detail", org_slug, pk)
        return self.page(soa, status=422, settings_form=form)


class SoaApproveView(SoaMixin, View):
    permission_required = "soa.approve_soa"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        soa = self.get_soa(pk)
        form = ApproveForm(request.POST)
        form.is_valid()
        try:
            version = services.soa_approve(
                soa=soa, actor=self.actor, comment=form.cleaned_data.get("comment", "")
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.page(soa, status=422, approve_form=form)
        messages.success(request, _("Version %d of the statement was approved.") % version.number)
        return redirect("soa:soa_detail", org_slug, pk)


class EntryEditView(SoaMixin, View):
    """One row of the draft: applicability, reasons, justification, notes."""

    permission_required = "soa.change_soa"

    def get_entry(self, pk: int) -> SoaEntry:
        entry = get_scoped_or_404(
            SoaEntry.objects.select_related("requirement", "soa"), self.organization, pk=pk
        )
        return entry

    def row_for(self, entry: SoaEntry) -> dict[str, Any]:
        rows = selectors.draft_rows(entry.soa, full=False)
        row = next(r for r in rows if r["entry"].pk == entry.pk)
        return decorate([row])[0]

    def entry_page(self, entry: SoaEntry, form: EntryForm, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "soa/entry_form.html",
            {"entry": entry, "soa": entry.soa, "row": self.row_for(entry), "form": form},
            status=status,
        )

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        entry = self.get_entry(pk)
        return self.entry_page(entry, EntryForm(initial=entry_initial(entry)))

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        entry = self.get_entry(pk)
        form = EntryForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                services.entry_update(
                    entry=entry,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            else:
                messages.success(
                    request,
                    _("%s was saved.") % f"{entry.requirement.ref_id} {entry.requirement.name}",
                )
                url = reverse("soa:soa_detail", args=[org_slug, entry.soa_id])
                return redirect(f"{url}#row-{entry.requirement.ref_id}")
        return self.entry_page(self.get_entry(pk), form, status=status)


class VersionDetailView(SoaMixin, View):
    def get(self, request: HttpRequest, org_slug: str, pk: int, number: int) -> HttpResponse:
        soa = self.get_soa(pk)
        version = selectors.version_get(soa=soa, number=number)
        rows = decorate(selectors.version_rows(version))
        return render(
            request,
            "soa/version_detail.html",
            {
                "soa": soa,
                "version": version,
                "rows": rows,
                "summary": selectors.summarize(rows),
            },
        )


class CompareView(SoaMixin, View):
    """Two versions, or a version and the draft: rows added, removed, changed."""

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        soa = self.get_soa(pk)
        versions = list(selectors.version_list(soa=soa))
        before_key = request.GET.get("before") or (str(versions[0].number) if versions else "")
        after_key = request.GET.get("after") or "draft"

        def load(key: str) -> tuple[str, list[dict[str, Any]]]:
            if key == "draft":
                return _("Draft"), selectors.frozen(selectors.draft_rows(soa, full=True))
            number = parse_id(key)
            if number is None:
                raise Http404
            v = selectors.version_get(soa=soa, number=number)
            return _("Version %d") % v.number, v.rows

        if not before_key:
            messages.info(request, _("No version has been approved yet: nothing to compare."))
            return redirect("soa:soa_detail", org_slug, pk)
        before_label, before = load(before_key)
        after_label, after = load(after_key)
        diff = selectors.compare(before, after)
        for change in diff.changed:
            change.changes = {
                str(COLUMN_LABELS.get(k, k)): (_display(a), _display(b))
                for k, (a, b) in change.changes.items()
            }
        return render(
            request,
            "soa/compare.html",
            {
                "soa": soa,
                "versions": versions,
                "before_key": before_key,
                "after_key": after_key,
                "before_label": before_label,
                "after_label": after_label,
                "diff": diff,
            },
        )
