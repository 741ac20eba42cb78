"""Writes of the pdca app: the member's secret calendar feed (create = rotate, revoke) and
reminder preferences. All go through ``core.services`` (audit trail, optimistic locking); the
feed secret is returned once and only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.core.gate import current_memberships, require
from openisms.core.services import record_create, record_update
from openisms.pdca.models import CalendarFeedToken, ReminderPreference

VIEW = "pdca.view_calendar"
MAX_LEAD_DAYS = 365


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewFeed:
    token: CalendarFeedToken
    secret: str


def _active(organization: Any, user: Any) -> Any:
    return CalendarFeedToken.objects.filter(
        organization=organization, user=user, revoked_at__isnull=True
    )


def feed_active(*, organization: Any, user: Any) -> CalendarFeedToken | None:
    return _active(organization, user).first()


def feed_create(*, organization: Any, actor: Any) -> NewFeed:
    """A new secret feed for the actor; any previous one is revoked (rotation)."""
    require(actor, VIEW, organization)
    with transaction.atomic():
        for old in _active(organization, actor).select_for_update():
            record_update(
                old, actor=actor, data={"revoked_at": timezone.now()}, action="calendar_feed.revoke"
            )
        secret = secrets.token_urlsafe(32)
        token = record_create(
            CalendarFeedToken(organization=organization, user=actor, key_hash=hash_secret(secret)),
            actor=actor,
            action="calendar_feed.create",
        )
    return NewFeed(token=token, secret=secret)


def feed_revoke(*, organization: Any, actor: Any) -> int:
    """Revokes the actor's feed; the number revoked (0 when there was none)."""
    require(actor, VIEW, organization)
    count = 0
    with transaction.atomic():
        for old in _active(organization, actor).select_for_update():
            record_update(
                old, actor=actor, data={"revoked_at": timezone.now()}, action="calendar_feed.revoke"
            )
            count += 1
    return count


def feed_authenticate(secret: str) -> CalendarFeedToken | None:
    """The feed for ``secret`` if it is not revoked and its member may still see the
    calendar (a current member of the organisation); None otherwise."""
    if not secret or len(secret) > 200:
        return None
    token = (
        CalendarFeedToken.objects.select_related("user", "organization")
        .filter(key_hash=hash_secret(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    user = token.user
    if not current_memberships(user).filter(organization=token.organization).exists():
        return None
    if not user.has_perm(VIEW, token.organization):
        return None
    return token


# --- reminder preferences -----------------------------------------------------------------------


def default_lead_days() -> str:
    return str(getattr(settings, "OPENISMS_REMINDER_LEAD_DAYS", "0,7,30"))


def parse_lead_days(raw: str) -> list[int]:
    """ "0, 7,30" → [0, 7, 30]; a clear error naming the field otherwise."""
    days: set[int] = set()
    for part in str(raw).split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) > MAX_LEAD_DAYS:
            raise ValidationError(
                {
                    "lead_days": _(
                        "Give whole numbers of days from 0 to %(max)d, separated by commas."
                    )
                    % {"max": MAX_LEAD_DAYS}
                }
            )
        days.add(int(part))
    if not days:
        raise ValidationError({"lead_days": _("Give at least one lead time (0 = on the day).")})
    return sorted(days)


def preference_get(*, organization: Any, user: Any) -> ReminderPreference:
    """The stored preference, or an unsaved one with the defaults."""
    pref = ReminderPreference.objects.filter(organization=organization, user=user).first()
    return pref or ReminderPreference(
        organization=organization, user=user, lead_days=default_lead_days()
    )


def preference_update(
    *, organization: Any, actor: Any, enabled: bool, lead_days: str, version: int | None
) -> ReminderPreference:
    """Saves the actor's reminder preference (``version``: the one seen; None for the first)."""
    require(actor, VIEW, organization)
    normalized = ",".join(str(d) for d in parse_lead_days(lead_days))
    pref = preference_get(organization=organization, user=actor)
    if pref.pk is None:
        pref.enabled, pref.lead_days = enabled, normalized
        return record_create(pref, actor=actor, action="reminders.update")
    return record_update(
        pref,
        actor=actor,
        expected_version=version if version is not None else -1,
        data={"enabled": enabled, "lead_days": normalized},
        action="reminders.update",
    )
