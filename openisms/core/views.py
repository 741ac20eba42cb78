from __future__ import annotations

import logging
from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from openisms.core.gate import organizations_for, require, scoped
from openisms.core.overdue import DUE_SOON_DAYS, overdue_panel
from openisms.core.selectors import AuditFilter, audit_event_list, audit_facets

logger = logging.getLogger(__name__)


class OrgScopedMixin(LoginRequiredMixin):
    """Base of every organisation page (``/o/<org_slug>/…``).

    Resolves the organisation for the signed-in user through the gate (404 when they are not a
    current member), enforces the organisation's MFA requirement, then checks
    ``permission_required`` against the user's role (403).
    """

    permission_required: str = "core.view_organization"
    request: HttpRequest
    organization: Any

    @property
    def actor(self) -> Any:
        """The signed-in user (dispatch has made sure there is one)."""
        return self.request.user

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        orgs = list(organizations_for(request.user))
        org = next((o for o in orgs if o.slug == kwargs.get("org_slug")), None)
        if org is None:
            raise Http404(_("No such organisation."))
        self.organization = org
        request.organization = org  # type: ignore[attr-defined]
        request.user_organizations = orgs  # type: ignore[attr-defined]
        if org.require_mfa and not is_mfa_enabled(request.user):
            messages.warning(
                request,
                _(
                    "%(org)s requires two-factor authentication. Set up an authenticator app to continue."
                )
                % {"org": org.name},
            )
            return redirect("mfa_activate_totp")
        require(request.user, self.permission_required, org)
        return super().dispatch(request, *args, **kwargs)


class OrgTemplateView(OrgScopedMixin, TemplateView):
    pass


class HomeView(LoginRequiredMixin, View):
    """After login: the only organisation's dashboard, or a choice between several."""

    def get(self, request: HttpRequest) -> HttpResponse:
        orgs = list(organizations_for(request.user))
        if len(orgs) == 1:
            return redirect("core:dashboard", org_slug=orgs[0].slug)
        return render(request, "core/organization_choose.html", {"organizations": orgs})


class DashboardView(OrgTemplateView):
    template_name = "core/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from django.apps import apps

        ctx = super().get_context_data(**kwargs)
        members = scoped(apps.get_model("accounts", "Membership"), self.organization)
        user = self.actor
        ctx["my_membership"] = members.filter(user=user).first()
        ctx["member_count"] = members.count()
        ctx["overdue_sections"] = overdue_panel(organization=self.organization, user=user)
        ctx["due_soon_days"] = DUE_SOON_DAYS
        if user.has_perm("core.view_auditlog", self.organization):
            ctx["recent_events"] = list(audit_event_list(organization=self.organization)[:10])
        return ctx


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False, label=gettext_lazy("Action"))
    object_type = forms.CharField(required=False, label=gettext_lazy("Record type"))
    object_id = forms.CharField(required=False, label=gettext_lazy("Record id"), max_length=64)
    actor = forms.CharField(required=False, label=gettext_lazy("Actor"), max_length=254)
    since = forms.DateField(
        required=False, label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )


class AuditEventListView(OrgScopedMixin, View):
    """The organisation's trail, filterable; ``?object_type=…&object_id=…`` gives one record's."""

    permission_required = "core.view_auditlog"
    page_size = 50

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = AuditFilterForm(request.GET or None)
        filters = AuditFilter(**form.cleaned_data) if form.is_valid() else AuditFilter()
        events = audit_event_list(organization=self.organization, filters=filters)
        page = Paginator(events, self.page_size).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "facets": audit_facets(organization=self.organization),
        }
        template = "core/auditlog_list.html"
        if getattr(request, "htmx", False):
            template += "#results"
        response = render(request, template, context)
        response["Vary"] = "HX-Request"
        return response


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up."""
    return JsonResponse({"status": "ok"})


def pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The database answers and every migration is applied; 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        pending = pending_migrations()
    except Exception:  # the database is unreachable or broken: details go to the log only
        logger.exception("readiness check failed")
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    if pending:
        return JsonResponse({"status": "unavailable", "pending_migrations": pending}, status=503)
    return JsonResponse({"status": "ok"})


def render_list(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A list page, or only its ``results`` partial when htmx asks (filters update in place);
    the answer varies with the HX-Request header."""
    if getattr(request, "htmx", False):
        template += "#results"
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return response
