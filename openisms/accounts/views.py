from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from openisms.accounts import selectors, services
from openisms.accounts.forms import (
    MemberAddForm,
    MemberRoleForm,
    OrganizationSettingsForm,
    TokenCreateForm,
)
from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error, posted_version
from openisms.core.views import OrgScopedMixin


class MemberListView(OrgScopedMixin, View):
    permission_required = "accounts.view_members"
    template_name = "accounts/member_list.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self.render(MemberAddForm())

    page_size = 50

    def render(self, add_form: MemberAddForm, status: int = 200) -> HttpResponse:
        page = Paginator(
            selectors.member_list(organization=self.organization), self.page_size
        ).get_page(self.request.GET.get("page"))
        members = list(page)
        rows = [
            {
                "member": m,
                "form": MemberRoleForm(
                    initial={
                        "role": m.role,
                        "version": m.version,
                        "access_starts_at": m.access_starts_at,
                        "access_expires_at": m.access_expires_at,
                    },
                    prefix=f"m{m.pk}",
                ),
            }
            for m in members
        ]
        can_manage = self.request.user.has_perm("accounts.manage_members", self.organization)
        return render(
            self.request,
            self.template_name,
            {
                "rows": rows,
                "page": page,
                "add_form": add_form,
                "can_manage": can_manage,
                "now": timezone.now(),
            },
            status=status,
        )


class MemberAddView(OrgScopedMixin, View):
    permission_required = "accounts.manage_members"

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = MemberAddForm(request.POST)
        if form.is_valid():
            try:
                services.member_invite(
                    organization=self.organization, actor=self.actor, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("%s was added.") % form.cleaned_data["email"])
                return redirect("accounts:member_list", org_slug=org_slug)
        view = MemberListView()
        view.request, view.organization = request, self.organization
        return view.render(form, status=422)


class MemberRoleView(OrgScopedMixin, View):
    """Change one member's role (htmx: re-renders the row)."""

    permission_required = "accounts.manage_members"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        member = selectors.member_get(organization=self.organization, pk=pk)
        form = MemberRoleForm(request.POST, prefix=f"m{member.pk}")
        status = 200
        if form.is_valid():
            try:
                services.membership_change_role(
                    membership=member,
                    actor=self.actor,
                    role=form.cleaned_data["role"],
                    version=form.cleaned_data["version"],
                    access_starts_at=form.cleaned_data["access_starts_at"],
                    access_expires_at=form.cleaned_data["access_expires_at"],
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = 409 if isinstance(exc, ConflictError) else 422
            else:
                messages.success(request, _("Role of %s changed.") % member.user.email)
                form = MemberRoleForm(
                    initial={
                        "role": member.role,
                        "version": member.version,
                        "access_starts_at": member.access_starts_at,
                        "access_expires_at": member.access_expires_at,
                    },
                    prefix=f"m{member.pk}",
                )
        else:
            status = 422
        if not getattr(request, "htmx", False):
            if status == 200:
                return redirect("accounts:member_list", org_slug=org_slug)
            for field_errors in form.errors.values():
                for error in field_errors:
                    messages.error(request, str(error))
            return redirect("accounts:member_list", org_slug=org_slug)
        return render(
            request,
            "accounts/member_list.html#member_row",
            {"row": {"member": member, "form": form}, "can_manage": True, "now": timezone.now()},
            status=status,
        )


class MemberRemoveView(OrgScopedMixin, View):
    permission_required = "accounts.manage_members"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        member = selectors.member_get(organization=self.organization, pk=pk)
        try:
            services.membership_remove(
                membership=member,
                actor=self.actor,
                version=posted_version(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, str(message))
        except ConflictError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%s was removed.") % member.user.email)
        return redirect("accounts:member_list", org_slug=org_slug)


class OrganizationSettingsView(OrgScopedMixin, View):
    permission_required = "accounts.change_organization"
    template_name = "accounts/organization_settings.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        form = OrganizationSettingsForm(
            initial={"name": org.name, "require_mfa": org.require_mfa, "version": org.version}
        )
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = OrganizationSettingsForm(request.POST)
        status = 422
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.organization_update(
                    organization=self.organization, actor=self.actor, version=version, **data
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = 409 if isinstance(exc, ConflictError) else 422
            else:
                messages.success(request, _("Settings saved."))
                return redirect("accounts:organization_settings", org_slug=org_slug)
        return render(request, self.template_name, {"form": form}, status=status)


class TokenListView(OrgScopedMixin, View):
    permission_required = "accounts.use_api_tokens"
    template_name = "accounts/token_list.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self.render(TokenCreateForm())

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = TokenCreateForm(request.POST)
        if form.is_valid():
            try:
                new = services.token_create(
                    organization=self.organization, actor=self.actor, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                return self.render(TokenCreateForm(), new_secret=new.secret, status=201)
        return self.render(form, status=422)

    def render(
        self, form: TokenCreateForm, new_secret: str = "", status: int = 200
    ) -> HttpResponse:
        tokens = selectors.token_list(organization=self.organization, user=self.actor)
        response = render(
            self.request,
            self.template_name,
            {"form": form, "tokens": tokens, "new_secret": new_secret, "now": timezone.now()},
            status=status,
        )
        response["Cache-Control"] = "no-store"
        return response


class TokenRevokeView(OrgScopedMixin, View):
    permission_required = "accounts.use_api_tokens"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        token = selectors.token_get(organization=self.organization, user=self.actor, pk=pk)
        services.token_revoke(token=token, actor=self.actor)
        messages.success(request, _("Token “%s” revoked.") % token.name)
        return redirect("accounts:token_list", org_slug=org_slug)
