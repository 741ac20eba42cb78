"""The management review pages (ISO/IEC 27001 9.3): the list of reviews, a review's page (inputs
a)–g) as compiled or frozen, attendees, minutes, decisions, lifecycle), the minutes as PDF or
DOCX, and the decisions across reviews with their progress."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error, posted_version
from openisms.core.registers import register_export
from openisms.core.views import OrgScopedMixin, render_list
from openisms.documents.rendering import render_markdown
from openisms.reviews import selectors, services
from openisms.reviews.choices import DECISION_TRANSITIONS, DecisionKind, DecisionStatus
from openisms.reviews.forms import (
    DecisionFilterForm,
    DecisionForm,
    HoldForm,
    ProgressForm,
    ReviewFilterForm,
    ReviewForm,
    VersionForm,
    decision_initial,
    review_initial,
)
from openisms.reviews.models import ManagementReview, ReviewDecision

VIEW = "reviews.view_review"
CHANGE = "reviews.change_review"
UPDATE = "reviews.update_decision"

# Where a record named in the inputs is shown (kind → URL name).
RECORD_URLS = {
    "decision": "reviews:decision_detail",
    "issue": "governance:issue_detail",
    "party": "governance:party_detail",
    "obligation": "governance:obligation_detail",
    "nonconformity": "improvement:nc_detail",
    "metric": "objectives:metric_detail",
    "objective": "objectives:objective_detail",
    "risk": "risks:risk_detail",
    "opportunity": "improvement:opportunity_detail",
    "incident": "incidents:incident_detail",
    "audit": "audits:audit_detail",
}


def record_url(slug: str, item: dict[str, Any]) -> str:
    name = RECORD_URLS.get(item.get("kind", ""))
    if not name or not item.get("id"):
        return ""
    try:
        return reverse(name, kwargs={"org_slug": slug, "pk": item["id"]})
    except NoReverseMatch:
        return ""


def inputs_for_page(slug: str, inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The snapshot's sections with a link on each record (no query)."""
    sections = []
    for s in inputs.get("sections", []):
        groups = []
        for g in s.get("groups", []):
            records = [{**r, "url": record_url(slug, r)} for r in g.get("records", [])]
            groups.append({**g, "records": records})
        sections.append({**s, "groups": groups})
    return sections


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


def _list_context(request: HttpRequest, qs: Any, page_size: int = 50) -> dict[str, Any]:
    page = Paginator(qs, page_size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "query": query.urlencode()}


def _flash(request: HttpRequest, exc: ValidationError | ConflictError) -> None:
    if isinstance(exc, ConflictError):
        messages.error(request, exc.message)
    else:
        for message in exc.messages:
            messages.error(request, str(message))


# --- reviews ------------------------------------------------------------------------------------


class ReviewListView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        form = ReviewFilterForm(request.GET or None)
        qs = selectors.review_list(organization=org, filters=form.filters())
        context = {
            "form": form,
            **_list_context(request, qs),
            "can_change": self.actor.has_perm(CHANGE, org),
        }
        return render_list(request, "reviews/review_list.html", context)


class ReviewExportView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        filters = ReviewFilterForm(request.GET or None).filters()
        return register_export(
            selectors.REVIEW_HEADER,
            selectors.review_export_rows(organization=org, filters=filters),
            fmt=request.GET.get("format", "csv"),
            name="management-reviews",
            organization=org,
        )


class ReviewCreateView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "reviews/review_form.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ReviewForm(organization=self.organization, initial={"chair": ""})
        return render(request, self.template_name, {"form": form, "review": None})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ReviewForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                review = services.review_create(
                    organization=self.organization, actor=self.actor, **form.service_data()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("%s was planned.") % review)
                return redirect("reviews:review_detail", org_slug=org_slug, pk=review.pk)
        return render(request, self.template_name, {"form": form, "review": None}, status=422)


class ReviewEditView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "reviews/review_form.html"

    def _review(self, pk: int) -> ManagementReview:
        review = selectors.review_get(organization=self.organization, pk=pk)
        if review.status == "closed":
            raise PermissionDenied(_("The minutes were approved; the review is no longer edited."))
        return review

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        review = self._review(pk)
        form = ReviewForm(
            initial=review_initial(review, selectors.review_attendees(review)),
            organization=self.organization,
            review=review,
        )
        return render(request, self.template_name, {"form": form, "review": review})

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        review = self._review(pk)
        form = ReviewForm(request.POST, organization=self.organization, review=review)
        status = 422
        if form.is_valid():
            try:
                services.review_update(
                    review=review,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("%s was saved.") % review)
                return redirect("reviews:review_detail", org_slug=org_slug, pk=review.pk)
            review = self._review(pk)
        return render(request, self.template_name, {"form": form, "review": review}, status=status)


class ReviewDeleteView(OrgScopedMixin, View):
    permission_required = CHANGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        review = selectors.review_get(organization=self.organization, pk=pk)
        try:
            services.review_delete(review=review, actor=self.actor, version=posted_version(request))
        except (ValidationError, ConflictError) as exc:
            _flash(request, exc)
            return redirect("reviews:review_detail", org_slug=org_slug, pk=review.pk)
        messages.success(request, _("%s was deleted.") % review)
        return redirect("reviews:review_list", org_slug=org_slug)


class ReviewDetailView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        org, user = self.organization, self.actor
        review = selectors.review_get(organization=org, pk=pk)
        today = timezone.localdate()
        decisions = selectors.review_decisions(review)
        can_change = user.has_perm(CHANGE, org)
        context = {
            "review": review,
            "attendees": selectors.review_attendees(review),
            "external": [x.strip() for x in review.external_attendees.splitlines() if x.strip()],
            "sections": inputs_for_page(org_slug, review.inputs or {}),
            "minutes_html": render_markdown(review.minutes) if review.minutes else "",
            "decisions": [{"decision": d, "overdue": d.is_overdue(today)} for d in decisions],
            "can_change": can_change,
            "can_close": can_change and services.may_close(user, review),
            "hold_form": HoldForm(initial={"held_on": today, "version": review.version}),
            "can_audit": user.has_perm("core.view_auditlog", org),
        }
        return render(request, "reviews/review_detail.html", context)


class ReviewStepView(OrgScopedMixin, View):
    """A lifecycle step posted from the review page (version seen; the hold date)."""

    permission_required = CHANGE
    step = ""

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        review = selectors.review_get(organization=self.organization, pk=pk)
        form = (HoldForm if self.step == "hold" else VersionForm)(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                for error in errors:
                    messages.error(
                        request, f"{field}: {error}" if field != "__all__" else str(error)
                    )
            return redirect("reviews:review_detail", org_slug=org_slug, pk=review.pk)
        data = dict(form.cleaned_data)
        service = getattr(services, f"review_{self.step}")
        try:
            service(review=review, actor=self.actor, **data)
        except (ValidationError, ConflictError) as exc:
            _flash(request, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, self.done_message(review))
        return redirect("reviews:review_detail", org_slug=org_slug, pk=review.pk)

    def done_message(self, review: ManagementReview) -> str:
        return {
            "prepare": _("The inputs of %s were compiled."),
            "recompile": _("The inputs of %s were compiled again."),
            "hold": _("%s was held: its inputs are frozen."),
            "close": _("The minutes of %s were approved."),
        }[self.step] % review.ref


class ReviewMinutesView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        from openisms.core.reports import report_response
        from openisms.reviews.report import minutes_report

        review = selectors.review_get(organization=self.organization, pk=pk)
        fmt = request.GET.get("format", "pdf")
        if fmt not in ("pdf", "docx"):
            raise Http404(_("Unknown format."))
        return report_response(minutes_report(review), fmt, f"{review.ref}-minutes")


# --- decisions ----------------------------------------------------------------------------------


class DecisionListView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        form = DecisionFilterForm(request.GET or None, organization=org)
        qs = selectors.decision_list(organization=org, filters=form.filters())
        context = {"form": form, **_list_context(request, qs)}
        today = timezone.localdate()
        context["rows"] = [{"decision": d, "overdue": d.is_overdue(today)} for d in context["page"]]
        return render_list(request, "reviews/decision_list.html", context)


class DecisionExportView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        filters = DecisionFilterForm(request.GET or None, organization=org).filters()
        return register_export(
            selectors.DECISION_HEADER,
            selectors.decision_export_rows(organization=org, filters=filters),
            fmt=request.GET.get("format", "csv"),
            name="review-decisions",
            organization=org,
        )


class DecisionCreateView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "reviews/decision_form.html"

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        review = selectors.review_get(organization=self.organization, pk=pk)
        form = DecisionForm(organization=self.organization)
        return render(request, self.template_name, {"form": form, "review": review})

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        review = selectors.review_get(organization=self.organization, pk=pk)
        form = DecisionForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                decision = services.decision_create(
                    review=review, actor=self.actor, **form.service_data()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("%s was recorded.") % decision)
                url = reverse("reviews:review_detail", kwargs={"org_slug": org_slug, "pk": pk})
                return redirect(f"{url}#decisions")
        context = {"form": form, "review": review}
        return render(request, self.template_name, context, status=422)


class DecisionDetailView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        org, user = self.organization, self.actor
        decision = selectors.decision_get(organization=org, pk=pk)
        can_change = user.has_perm(CHANGE, org)
        closed = decision.status not in DECISION_TRANSITIONS or not DECISION_TRANSITIONS.get(
            decision.status
        )
        context = {
            "decision": decision,
            "overdue": decision.is_overdue(),
            "can_change": can_change and not closed,
            "can_progress": user.has_perm(UPDATE, decision) and not closed,
            "progress_form": ProgressForm(
                initial={
                    "status": decision.status,
                    "outcome": decision.outcome,
                    "version": decision.version,
                }
            ),
            "can_objective": can_change
            and decision.kind == DecisionKind.OBJECTIVE
            and decision.objective_id is None,
            "can_opportunity": can_change
            and decision.kind == DecisionKind.IMPROVEMENT
            and decision.opportunity_id is None,
            "can_delete": can_change
            and decision.status == DecisionStatus.OPEN
            and decision.review.status != "closed"
            and not decision.objective_id
            and not decision.opportunity_id,
            "can_audit": user.has_perm("core.view_auditlog", org),
        }
        return render(request, "reviews/decision_detail.html", context)


class DecisionEditView(OrgScopedMixin, View):
    permission_required = CHANGE
    template_name = "reviews/decision_form.html"

    def _decision(self, pk: int) -> ReviewDecision:
        return selectors.decision_get(organization=self.organization, pk=pk)

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        decision = self._decision(pk)
        form = DecisionForm(
            initial=decision_initial(decision), organization=self.organization, decision=decision
        )
        context = {"form": form, "review": decision.review, "decision": decision}
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        decision = self._decision(pk)
        form = DecisionForm(request.POST, organization=self.organization, decision=decision)
        status = 422
        if form.is_valid():
            try:
                services.decision_update(
                    decision=decision,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("%s was saved.") % decision)
                return redirect("reviews:decision_detail", org_slug=org_slug, pk=decision.pk)
            decision = self._decision(pk)
        context = {"form": form, "review": decision.review, "decision": decision}
        return render(request, self.template_name, context, status=status)


class DecisionProgressView(OrgScopedMixin, View):
    """Status and outcome (contributors: the decisions they own)."""

    permission_required = UPDATE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        decision = selectors.decision_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm(UPDATE, decision):
            raise PermissionDenied(_("Your role does not allow this."))
        form = ProgressForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                for error in errors:
                    messages.error(
                        request, f"{field}: {error}" if field != "__all__" else str(error)
                    )
        else:
            data = dict(form.cleaned_data)
            version = data.pop("version")
            if not data.get("closed_on"):
                data.pop("closed_on", None)
            try:
                services.decision_update(
                    decision=decision, actor=self.actor, version=version, **data
                )
            except (ValidationError, ConflictError) as exc:
                _flash(request, exc)
            else:
                messages.success(
                    request,
                    _("%(ref)s is now %(status)s.")
                    % {"ref": decision.ref, "status": DecisionStatus(decision.status).label},
                )
        return redirect("reviews:decision_detail", org_slug=org_slug, pk=decision.pk)


class DecisionDeleteView(OrgScopedMixin, View):
    permission_required = CHANGE

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        decision = selectors.decision_get(organization=self.organization, pk=pk)
        try:
            services.decision_delete(
                decision=decision, actor=self.actor, version=posted_version(request)
            )
        except (ValidationError, ConflictError) as exc:
            _flash(request, exc)
            return redirect("reviews:decision_detail", org_slug=org_slug, pk=decision.pk)
        messages.success(request, _("%s was deleted.") % decision)
        url = reverse(
            "reviews:review_detail", kwargs={"org_slug": org_slug, "pk": decision.review_id}
        )
        return redirect(f"{url}#decisions")


class DecisionLinkView(OrgScopedMixin, View):
    """Create the objective (kind objective) or improvement opportunity (kind improvement)."""

    permission_required = CHANGE
    target = "objective"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        decision = selectors.decision_get(organization=self.organization, pk=pk)
        service = (
            services.decision_create_objective
            if self.target == "objective"
            else services.decision_create_opportunity
        )
        try:
            item = service(decision=decision, actor=self.actor)
        except ValidationError as exc:
            _flash(request, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("%s was created.") % item)
        return redirect("reviews:decision_detail", org_slug=org_slug, pk=decision.pk)
