"""Daily e-mail reminders: at most one digest per user and day.

What a digest lists, per organisation where the member has reminders on (the default) and may
see the calendar: everything of theirs that is **overdue**, and everything due **exactly** a
lead time from today (default lead times ``OPENISMS_REMINDER_LEAD_DAYS`` = "0,7,30": on the day,
a week before, a month before). So an obligation is announced a few times, not every day.

Never twice: the ``DigestLog`` row (unique per user and day) is inserted in the transaction that
sends the mail; a second run (another worker, a restart) finds it and skips the user. If sending
fails, the transaction rolls back and the next run tries again."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openisms.core.gate import current_memberships
from openisms.pdca.models import DigestLog, ReminderPreference
from openisms.pdca.services import VIEW, default_lead_days, parse_lead_days
from openisms.pdca.sources import Item, obligations

logger = logging.getLogger(__name__)


def digest_items(*, user: Any, today: dt.date) -> list[tuple[Any, list[Item]]]:
    """(organisation, items) for each organisation the user gets reminders from."""
    prefs = {p.organization_id: p for p in ReminderPreference.objects.filter(user=user)}
    result = []
    memberships = (
        current_memberships(user).select_related("organization").order_by("organization__name")
    )
    for membership in memberships:
        org = membership.organization
        pref = prefs.get(org.pk)
        if pref is not None and not pref.enabled:
            continue
        if not user.has_perm(VIEW, org):
            continue
        try:
            leads = parse_lead_days(pref.lead_days if pref else default_lead_days())
        except Exception:  # a bad setting must not stop everyone's reminders
            leads = [0, 7, 30]
        end = today + dt.timedelta(days=max(leads))
        items = [
            i
            for i in obligations(org, today, end, user, viewer=user, today=today)
            if i.overdue or (i.date - today).days in leads
        ]
        if items:
            result.append((org, items))
    return result


def _body(user: Any, groups: Iterable[tuple[Any, list[Item]]], today: dt.date) -> str:
    base = str(getattr(settings, "OPENISMS_BASE_URL", "")).rstrip("/")
    lines = [_("Your ISMS work as of %(date)s.") % {"date": today.isoformat()}, ""]
    for org, items in groups:
        lines += [org.name, "=" * len(org.name)]
        late = [i for i in items if i.overdue]
        coming = [i for i in items if not i.overdue]
        for heading, rows in ((_("Overdue"), late), (_("Coming up"), coming)):
            if not rows:
                continue
            lines += ["", heading]
            for i in rows:
                lines.append(f"- {i.date.isoformat()}  {i.kind_label}: {i.ref} {i.title}")
                lines.append(f"  {base}{i.url(org)}")
        lines += ["", _("My work: %(url)s") % {"url": f"{base}/o/{org.slug}/my-work/"}, ""]
    lines.append(
        _("You can change the lead times or turn these reminders off on your My work page.")
    )
    return "\n".join(lines)


def send_digest(*, user: Any, today: dt.date) -> bool | None:
    """The user's digest for ``today``: True sent, False nothing to send, None already done."""
    groups = digest_items(user=user, today=today)
    count = sum(len(items) for _org, items in groups)
    try:
        with transaction.atomic():
            with transaction.atomic():
                DigestLog.objects.create(user=user, date=today, item_count=count, sent=bool(count))
            if count:
                subject = ngettext(
                    "OpenISMS: %(n)d item needs your attention",
                    "OpenISMS: %(n)d items need your attention",
                    count,
                ) % {"n": count}
                send_mail(subject, _body(user, groups, today), None, [user.email])
    except IntegrityError:
        return None  # another run has handled this user today
    return bool(count)


def send_digests(today: dt.date) -> dict[str, int]:
    """Every active member's digest for ``today`` (idempotent per user and day)."""
    user_model = apps.get_model("accounts", "User")
    done = DigestLog.objects.filter(date=today).values("user_id")
    users = (
        user_model.objects.filter(is_active=True, memberships__isnull=False)
        .exclude(pk__in=done)
        .distinct()
    )
    stats = {"sent": 0, "empty": 0, "skipped": 0, "failed": 0}
    for user in users.order_by("pk"):
        try:
            outcome = send_digest(user=user, today=today)
        except Exception:  # one bad address or SMTP hiccup: log it, the next run retries
            logger.exception("Reminder digest for user %s failed", user.pk)
            stats["failed"] += 1
            continue
        stats["sent" if outcome else "empty" if outcome is False else "skipped"] += 1
    return stats
