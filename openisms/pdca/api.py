"""REST API of the PDCA calendar: every dated obligation in a date range, and the caller's
own work (overdue and due in the next 30 days)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import ValidationError as NinjaValidationError

from openisms.accounts.api import AUTH
from openisms.core.api import ERROR_RESPONSES, org_scope, request_actor
from openisms.pdca import selectors
from openisms.pdca.services import VIEW
from openisms.pdca.sources import Item, obligations

router = Router(auth=AUTH, tags=["pdca"])

MAX_RANGE_DAYS = 731


class ObligationOut(Schema):
    uid: str
    date: dt.date
    kind: str
    kind_label: str
    record_id: int
    ref: str
    title: str
    owner_id: int | None
    overdue: bool
    url: str


class CalendarQuery(Schema):
    start: dt.date | None = None
    end: dt.date | None = None
    mine: bool = False


class MyWorkOut(Schema):
    overdue: list[ObligationOut]
    due_soon: list[ObligationOut]


def _out(item: Item, org: Any) -> dict[str, Any]:
    return {
        "uid": item.uid,
        "date": item.date,
        "kind": item.kind,
        "kind_label": item.kind_label,
        "record_id": item.pk,
        "ref": item.ref,
        "title": item.title,
        "owner_id": item.owner_id,
        "overdue": item.overdue,
        "url": item.url(org),
    }


def _invalid(field: str, message: str) -> NinjaValidationError:
    return NinjaValidationError([{"loc": ["query", field], "msg": message, "type": "value_error"}])


@router.get("/orgs/{slug}/calendar/", response={200: list[ObligationOut], **ERROR_RESPONSES})
def calendar(request: HttpRequest, slug: str, filters: Query[CalendarQuery]) -> Any:
    """Open obligations due from ``start`` (default today) to ``end`` (default 30 days later),
    plus every overdue one up to ``end``; ``mine=true`` keeps the caller's."""
    org = org_scope(request, slug, VIEW)
    actor = request_actor(request)
    today = timezone.localdate()
    start = filters.start or today
    end = filters.end or start + dt.timedelta(days=selectors.MY_WORK_DAYS)
    if end < start:
        raise _invalid("end", "end is before start")
    if (end - start).days > MAX_RANGE_DAYS:
        raise _invalid("end", f"the range is limited to {MAX_RANGE_DAYS} days")
    user = actor if filters.mine else None
    items = obligations(org, start, end, user, viewer=actor, today=today)
    return [_out(i, org) for i in items]


@router.get("/orgs/{slug}/my-work/", response={200: MyWorkOut, **ERROR_RESPONSES})
def my_work(request: HttpRequest, slug: str) -> Any:
    """The caller's overdue work and what is due in the next 30 days."""
    org = org_scope(request, slug, VIEW)
    work = selectors.my_work(organization=org, user=request_actor(request))
    return {
        "overdue": [_out(i, org) for i in work["items"] if i.overdue],
        "due_soon": [_out(i, org) for i in work["items"] if not i.overdue],
    }
