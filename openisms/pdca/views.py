"""PDCA pages: "My work" (overdue and due in 30 days, grouped by kind; the secret calendar feed
and the reminder preferences), the organisation calendar (one month as an agenda, filters kind
and owner in the URL), and the public iCalendar feed (the secret in the URL is the key)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error, parse_id
from openisms.core.views import OrgScopedMixin
from openisms.pdca import ical, selectors, services
from openisms.pdca.forms import ReminderForm
from openisms.pdca.sources import KINDS

VIEW = services.VIEW


class MyWorkView(OrgScopedMixin, View):
    permission_required = VIEW
    template_name = "pdca/my_work.html"

    def context(self, **extra: Any) -> dict[str, Any]:
        org, user = self.organization, self.actor
        pref = services.preference_get(organization=org, user=user)
        return {
            "work": selectors.my_work(organization=org, user=user),
            "days": selectors.MY_WORK_DAYS,
            "feed": services.feed_active(organization=org, user=user),
            "pref": pref,
            "form": extra.pop("form", None)
            or ReminderForm(
                initial={
                    "enabled": pref.enabled,
                    "lead_days": pref.lead_days,
                    "version": pref.version,
                }
            ),
            **extra,
        }

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return render(request, self.template_name, self.context())


class FeedCreateView(MyWorkView):
    """Creates (or rotates) the feed; the secret URL is shown once, on this answer."""

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        new = services.feed_create(organization=self.organization, actor=self.actor)
        url = request.build_absolute_uri(f"/ical/{new.secret}.ics")
        messages.success(
            request,
            _("Your calendar feed was created. Copy its address now: it is shown only once."),
        )
        response = render(request, self.template_name, self.context(feed_url=url))
        response["Cache-Control"] = "no-store"
        return response


class FeedRevokeView(OrgScopedMixin, View):
    permission_required = VIEW

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        if services.feed_revoke(organization=self.organization, actor=self.actor):
            messages.success(
                request, _("Your calendar feed was revoked: its address no longer works.")
            )
        return redirect("pdca:my_work", org_slug=org_slug)


class RemindersView(MyWorkView):
    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ReminderForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                services.preference_update(
                    organization=self.organization,
                    actor=self.actor,
                    enabled=form.cleaned_data["enabled"],
                    lead_days=form.cleaned_data["lead_days"],
                    version=parse_id(str(form.cleaned_data.get("version") or "")),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = 409 if isinstance(exc, ConflictError) else 422
            else:
                messages.success(request, _("Your reminder settings were saved."))
                return redirect("pdca:my_work", org_slug=org_slug)
        return render(request, self.template_name, self.context(form=form), status=status)


def _month(raw: str | None, today: dt.date) -> dt.date:
    try:
        return dt.datetime.strptime(raw or "", "%Y-%m").date()
    except ValueError:
        return today.replace(day=1)


class CalendarView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        today = timezone.localdate()
        first = _month(request.GET.get("month"), today)
        kind = request.GET.get("kind", "")
        kind = kind if kind in KINDS else ""
        owner = parse_id(request.GET.get("owner", ""))
        cal = selectors.month(
            organization=org, viewer=self.actor, first=first, kind=kind, owner=owner, today=today
        )
        context = {
            **cal,
            "kinds": [(k, str(v)) for k, v in KINDS.items()],
            "kind": kind,
            "owner": owner,
            "members": selectors.member_choices(organization=org),
            "today": today,
        }
        return render(request, "pdca/calendar.html", context)


def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the feed secret is the credential. Unknown, revoked, or a member who left → 404."""
    feed = services.feed_authenticate(token)
    if feed is None:
        raise Http404(_("No such calendar."))
    org, user = feed.organization, feed.user
    items = selectors.feed_items(organization=org, user=user)
    body = ical.calendar(
        items,
        organization=org,
        base_url=request.build_absolute_uri("/").rstrip("/"),
        name=f"OpenISMS · {org.name} · {user.email}",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
