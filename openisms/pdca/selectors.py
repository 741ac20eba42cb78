"""Reads of the pdca app, on top of ``sources.obligations`` (a fixed number of queries)."""

from __future__ import annotations

import calendar as pycal
import datetime as dt
from collections import OrderedDict
from typing import Any

from django.utils import timezone

from openisms.core.gate import current_members
from openisms.pdca.sources import KINDS, Item, obligations

MY_WORK_DAYS = 30
FEED_DAYS = 366


def row(item: Item, organization: Any) -> dict[str, Any]:
    return {"item": item, "url": item.url(organization)}


def my_work(*, organization: Any, user: Any, today: dt.date | None = None) -> dict[str, Any]:
    """The user's overdue work and what is due in the next 30 days, each grouped by kind."""
    today = today or timezone.localdate()
    items = obligations(
        organization, today, today + dt.timedelta(days=MY_WORK_DAYS), user, viewer=user, today=today
    )

    def grouped(rows: list[Item]) -> list[tuple[str, list[dict[str, Any]]]]:
        groups: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        for kind in KINDS:
            found = [row(i, organization) for i in rows if i.kind == kind]
            if found:
                groups[str(KINDS[kind])] = found
        return list(groups.items())

    overdue = [i for i in items if i.overdue]
    soon = [i for i in items if not i.overdue]
    return {
        "items": items,
        "overdue": grouped(overdue),
        "due_soon": grouped(soon),
        "overdue_count": len(overdue),
        "due_soon_count": len(soon),
    }


def feed_items(*, organization: Any, user: Any, today: dt.date | None = None) -> list[Item]:
    today = today or timezone.localdate()
    return obligations(
        organization, today, today + dt.timedelta(days=FEED_DAYS), user, viewer=user, today=today
    )


def month(
    *, organization: Any, viewer: Any, first: dt.date, kind: str = "", owner: int | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One month as an agenda (days with their items); overdue work from before the month is
    listed apart when the month is the current one or later."""
    today = today or timezone.localdate()
    last = first.replace(day=pycal.monthrange(first.year, first.month)[1])
    items = [
        i
        for i in obligations(organization, first, last, viewer=viewer, today=today)
        if (not kind or i.kind == kind) and (owner is None or i.owner_id == owner)
    ]
    days: OrderedDict[dt.date, list[dict[str, Any]]] = OrderedDict()
    earlier = []
    for i in items:
        if i.date < first:
            earlier.append(row(i, organization))
        else:
            days.setdefault(i.date, []).append(row(i, organization))
    prev = (first - dt.timedelta(days=1)).replace(day=1)
    following = last + dt.timedelta(days=1)
    return {
        "first": first,
        "days": list(days.items()),
        "earlier": earlier,
        "count": len(items),
        "prev_month": f"{prev:%Y-%m}",
        "next_month": f"{following:%Y-%m}",
        "this_month": f"{first:%Y-%m}",
    }


def member_choices(*, organization: Any) -> list[tuple[int, str]]:
    rows = current_members(organization).select_related("user").order_by("user__email")
    return [(m.user_id, m.user.get_full_name() or m.user.email) for m in rows]
