"""The governance pages (ISO/IEC 27001 4.1–4.3, A.5.31): context issues, interested parties,
the obligations register, and the ISMS scope (draft, approval, versions, comparison). Each
register exports as CSV or XLSX with the list's filters."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error, parse_id, posted_version
from openisms.core.registers import register_export
from openisms.core.views import OrgScopedMixin, render_list
from openisms.governance import selectors, services
from openisms.governance.forms import (
    ApproveForm,
    IssueFilterForm,
    IssueForm,
    ObligationFilterForm,
    ObligationForm,
    PartyFilterForm,
    PartyForm,
    ScopeForm,
    issue_initial,
    obligation_initial,
    party_initial,
    scope_initial,
)

VIEW = "governance.view_governance"
CHANGE = "governance.change_governance"
APPROVE = "governance.approve_scope"
PAGE_SIZE = 50


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


# --- generic register views ---------------------------------------------------------------------


class Register:
    """What the generic views need to know about one register."""

    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)

    name: str  # url name prefix: issue, party, obligation
    label: str
    filter_form: Any
    form: Any
    initial: Any
    list_selector: Any
    get: Any
    export_rows: Any
    header: list[str]
    create: Any
    update: Any
    delete: Any
    arg: str  # keyword of the record in update/delete services


ISSUES = Register(
    name="issue",
    label="context-issues",
    filter_form=IssueFilterForm,
    form=IssueForm,
    initial=issue_initial,
    list_selector=selectors.issue_list,
    get=selectors.issue_get,
    export_rows=selectors.issue_export_rows,
    header=selectors.ISSUE_HEADER,
    create=services.issue_create,
    update=services.issue_update,
    delete=services.issue_delete,
    arg="issue",
)
PARTIES = Register(
    name="party",
    label="interested-parties",
    filter_form=PartyFilterForm,
    form=PartyForm,
    initial=party_initial,
    list_selector=selectors.party_list,
    get=selectors.party_get,
    export_rows=selectors.party_export_rows,
    header=selectors.PARTY_HEADER,
    create=services.party_create,
    update=services.party_update,
    delete=services.party_delete,
    arg="party",
)
OBLIGATIONS = Register(
    name="obligation",
    label="obligations",
    filter_form=ObligationFilterForm,
    form=ObligationForm,
    initial=None,
    list_selector=selectors.obligation_list,
    get=selectors.obligation_get,
    export_rows=selectors.obligation_export_rows,
    header=selectors.OBLIGATION_HEADER,
    create=services.obligation_create,
    update=services.obligation_update,
    delete=services.obligation_delete,
    arg="obligation",
)


class RegisterListView(OrgScopedMixin, View):
    permission_required = VIEW
    register: ClassVar[Register]

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        reg = self.register
        form = reg.filter_form(request.GET or None, organization=org)
        qs = reg.list_selector(organization=org, filters=form.filters())
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_change": self.actor.has_perm(CHANGE, org),
        }
        return render_list(request, f"governance/{reg.name}_list.html", context)


class RegisterExportView(OrgScopedMixin, View):
    permission_required = VIEW
    register: ClassVar[Register]

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        reg = self.register
        filters = reg.filter_form(request.GET or None, organization=org).filters()
        return register_export(
            reg.header,
            reg.export_rows(organization=org, filters=filters),
            fmt=request.GET.get("format", "csv"),
            name=reg.label,
            organization=org,
        )


class RegisterFormMixin(OrgScopedMixin):
    register: ClassVar[Register]

    @property
    def template_name(self) -> str:
        return f"governance/{self.register.name}_form.html"

    def record(self, pk: int) -> Any:
        record = self.register.get(organization=self.organization, pk=pk)
        if not self.actor.has_perm(CHANGE, record):
            raise PermissionDenied(_("Your role does not allow this."))
        return record

    def make_form(self, data: Any = None, record: Any = None) -> Any:
        return self.register.form(
            data,
            initial=self.register.initial(record) if record is not None else None,
            organization=self.organization,
            record=record,
        )

    def done(self, record: Any) -> HttpResponse:
        return redirect(
            f"governance:{self.register.name}_detail",
            org_slug=self.organization.slug,
            pk=record.pk,
        )

    def show(self, form: Any, record: Any, status: int = 200) -> HttpResponse:
        context = {"form": form, "record": record}
        return render(self.request, self.template_name, context, status=status)


class RegisterCreateView(RegisterFormMixin, View):
    permission_required = CHANGE

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self.show(self.make_form(), None)

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = self.make_form(request.POST)
        status = 422
        if form.is_valid():
            try:
                record = self.register.create(
                    organization=self.organization, actor=self.actor, **form.service_data()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            except PermissionDenied:
                form.add_error("owner", _("Your role lets you add only records you own."))
                status = 403
            else:
                messages.success(request, _("%s was added.") % record)
                return self.done(record)
        return self.show(form, None, status)


class RegisterEditView(RegisterFormMixin, View):
    permission_required = CHANGE

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        record = self.record(pk)
        return self.show(self.make_form(record=record), record)

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        record = self.record(pk)
        form = self.make_form(request.POST, record)
        status = 422
        if form.is_valid():
            try:
                self.register.update(
                    **{self.register.arg: record},
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
                messages.success(request, _("%s was saved.") % record)
                return self.done(record)
            record = self.record(pk)  # the failed write left its values on the instance
        return self.show(form, record, status)


class RegisterDeleteView(OrgScopedMixin, View):
    permission_required = CHANGE
    register: ClassVar[Register]

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        reg = self.register
        record = reg.get(organization=self.organization, pk=pk)
        try:
            reg.delete(**{reg.arg: record}, actor=self.actor, version=posted_version(request))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, str(message))
        except ConflictError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%s was deleted.") % record)
            return redirect(f"governance:{reg.name}_list", org_slug=org_slug)
        return redirect(f"governance:{reg.name}_detail", org_slug=org_slug, pk=record.pk)


class RegisterDetailView(OrgScopedMixin, View):
    permission_required = VIEW
    register: ClassVar[Register]

    def more_context(self, record: Any) -> dict[str, Any]:
        return {}

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        record = self.register.get(organization=self.organization, pk=pk)
        context = {
            "record": record,
            "can_change": self.actor.has_perm(CHANGE, record),
            "can_audit": self.actor.has_perm("core.view_auditlog", self.organization),
            **self.more_context(record),
        }
        return render(request, f"governance/{self.register.name}_detail.html", context)


# --- issues -------------------------------------------------------------------------------------


class IssueListView(RegisterListView):
    register = ISSUES


class IssueExportView(RegisterExportView):
    register = ISSUES


class IssueCreateView(RegisterCreateView):
    register = ISSUES


class IssueEditView(RegisterEditView):
    register = ISSUES


class IssueDeleteView(RegisterDeleteView):
    register = ISSUES


class IssueDetailView(RegisterDetailView):
    register = ISSUES


# --- parties ------------------------------------------------------------------------------------


class PartyListView(RegisterListView):
    register = PARTIES


class PartyExportView(RegisterExportView):
    register = PARTIES


class PartyCreateView(RegisterCreateView):
    register = PARTIES


class PartyEditView(RegisterEditView):
    register = PARTIES


class PartyDeleteView(RegisterDeleteView):
    register = PARTIES


class PartyDetailView(RegisterDetailView):
    register = PARTIES

    def more_context(self, record: Any) -> dict[str, Any]:
        filters = selectors.ObligationFilter(party=record.pk)
        return {
            "obligations": list(
                selectors.obligation_list(organization=self.organization, filters=filters)
            )
        }


# --- obligations --------------------------------------------------------------------------------


class ObligationListView(RegisterListView):
    register = OBLIGATIONS


class ObligationExportView(RegisterExportView):
    register = OBLIGATIONS


class ObligationFormMixin(RegisterFormMixin):
    register = OBLIGATIONS

    def make_form(self, data: Any = None, record: Any = None) -> Any:
        initial, linked = None, None
        if record is not None:
            controls = list(record.controls.all())
            requirements = list(record.requirements.all())
            initial = obligation_initial(record, controls, requirements)
            linked = [r.pk for r in requirements]
        elif data is None:
            party = parse_id(self.request.GET.get("party"))
            initial = {"party": party} if party else None
        return ObligationForm(
            data,
            initial=initial,
            organization=self.organization,
            record=record,
            linked=linked,
        )


class ObligationCreateView(ObligationFormMixin, RegisterCreateView):
    pass


class ObligationEditView(ObligationFormMixin, RegisterEditView):
    pass


class ObligationDeleteView(RegisterDeleteView):
    register = OBLIGATIONS


class ObligationDetailView(RegisterDetailView):
    register = OBLIGATIONS

    def more_context(self, record: Any) -> dict[str, Any]:
        return selectors.obligation_detail(obligation=record)


# --- scope --------------------------------------------------------------------------------------


class ScopeView(OrgScopedMixin, View):
    """The scope draft, its approval and its versions."""

    permission_required = VIEW

    def page(self, *, approve_form: Any = None, status: int = 200) -> HttpResponse:
        org, user = self.organization, self.actor
        scope = selectors.scope_get(organization=org)
        versions = selectors.version_list(scope=scope)
        latest = versions[0] if versions else None
        changed = None
        if scope is not None and latest is not None:
            changed = services.content_hash(services.scope_content(scope)) != latest.content_hash
        context = {
            "scope": scope,
            "assets": selectors.asset_rows(selectors.scope_assets(scope)),
            "approve_form": approve_form or ApproveForm(),
            "versions": versions,
            "latest": latest,
            "changed": changed,
            "can_change": user.has_perm(CHANGE, scope or org),
            "can_approve": user.has_perm(APPROVE, org),
            "can_audit": user.has_perm("core.view_auditlog", org),
        }
        return render(self.request, "governance/scope.html", context, status=status)

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self.page()


class ScopeEditView(OrgScopedMixin, View):
    """Edit the draft (created empty, version 1, on first save)."""

    permission_required = CHANGE
    template_name = "governance/scope_form.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        scope = selectors.scope_get(organization=org)
        initial = (
            scope_initial(scope, selectors.scope_assets(scope))
            if scope is not None
            else {"version": 1, "assets": []}
        )
        form = ScopeForm(initial=initial, organization=org)
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        form = ScopeForm(request.POST, organization=org)
        status = 422
        if form.is_valid():
            try:
                services.scope_save(
                    organization=org,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("The scope draft was saved."))
                return redirect("governance:scope", org_slug=org_slug)
        return render(request, self.template_name, {"form": form}, status=status)


class ScopeApproveView(ScopeView):
    permission_required = APPROVE

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return redirect("governance:scope", org_slug=org_slug)

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        approve_form = ApproveForm(request.POST)
        approve_form.is_valid()
        scope = selectors.scope_get(organization=self.organization)
        try:
            if scope is None:
                raise ValidationError(_("Write the scope statement before approving it."))
            version = services.scope_approve(
                scope=scope,
                actor=self.actor,
                comment=approve_form.cleaned_data.get("comment", ""),
            )
        except ValidationError as exc:
            for message in exc.messages:
                approve_form.add_error(None, message)
            return self.page(approve_form=approve_form, status=422)
        messages.success(request, _("Version %d of the scope was approved.") % version.number)
        return redirect("governance:scope_version", org_slug=org_slug, pk=version.pk)


class ScopeVersionView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        version = selectors.version_get(organization=self.organization, pk=pk)
        context = {
            "version": version,
            "content": version.content,
            "asset_rows": selectors.asset_rows(version.content.get("assets", [])),
        }
        return render(request, "governance/scope_version.html", context)


class ScopeCompareView(OrgScopedMixin, View):
    """Two approved versions (``?before=&after=``), or the latest one and the draft."""

    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        scope = selectors.scope_get(organization=org)
        versions = selectors.version_list(scope=scope)
        if scope is None or not versions:
            raise Http404(_("No approved scope yet."))
        before_n = parse_id(request.GET.get("before", ""))
        after_n = parse_id(request.GET.get("after", ""))
        before = (
            selectors.version_get(organization=org, number=before_n) if before_n else versions[0]
        )
        after = selectors.version_get(organization=org, number=after_n) if after_n else None
        after_content = after.content if after else services.scope_content(scope)
        context = {
            "before": before,
            "after": after,
            "versions": versions,
            "diff": selectors.compare(before.content, after_content),
        }
        return render(request, "governance/scope_compare.html", context)


class ScopeExportView(OrgScopedMixin, View):
    """The draft (or ``?version=N``) as CSV or XLSX."""

    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        raw = request.GET.get("version", "")
        if raw:
            number = parse_id(raw)
            if number is None:
                raise Http404
            content = selectors.version_get(organization=org, number=number).content
            name = f"scope-v{number}"
        else:
            scope = selectors.scope_get(organization=org)
            content = services.scope_content(scope) if scope else {}
            name = "scope-draft"
        return register_export(
            selectors.SCOPE_HEADER,
            selectors.scope_export_rows(content),
            fmt=request.GET.get("format", "csv"),
            name=name,
            organization=org,
        )
