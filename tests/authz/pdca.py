"""Authorisation-matrix specs of the pdca app (see tests/authz/__init__.py). Every role holds
``pdca.view_calendar``; each page shows the acting member's own work or the organisation's
calendar, so there is no per-record route. The iCalendar feed (``pdca:ical_feed``) is public on
purpose (its secret is the credential) and listed in PUBLIC_ROUTES."""

from __future__ import annotations

from typing import Any

from tests.authz.spec import Spec

VIEW = "pdca.view_calendar"

ORG_ROUTES: dict[str, Any] = {
    "pdca:my_work": Spec(VIEW),
    "pdca:calendar": Spec(VIEW, query="?month=2026-01&kind=audit"),
    "pdca:feed_create": Spec(VIEW, ("POST",)),
    "pdca:feed_revoke": Spec(VIEW, ("POST",)),
    "pdca:reminders": Spec(VIEW, ("POST",)),
}
API_ROUTES: dict[tuple[str, str], Any] = {
    ("GET", "/api/v1/orgs/{slug}/calendar/"): Spec(VIEW, query="?mine=true"),
    ("GET", "/api/v1/orgs/{slug}/my-work/"): Spec(VIEW),
}
KINDS: set[str] = set()


def world(world: Any, other_owner: Any) -> dict[str, Any]:
    return {}


def obj_pk(records: dict[str, Any], kind: str, *, user_key: str, foreign: bool) -> Any:
    raise KeyError(kind)
