from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from openisms.core.gate import scoped
from openisms.core.models import AuditEvent


@dataclass(frozen=True)
class AuditFilter:
    """One filter definition for the audit trail page and the API."""

    action: str = ""
    object_type: str = ""
    object_id: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def audit_event_list(
    *, organization: Any, filters: AuditFilter | None = None
) -> QuerySet[AuditEvent]:
    """The organisation's events, newest first, narrowed by ``filters``."""
    qs = scoped(AuditEvent, organization).order_by("-seq")
    f = filters or AuditFilter()
    if f.action:
        qs = qs.filter(action=f.action)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id:
        qs = qs.filter(object_id=f.object_id)
    if f.actor:
        qs = qs.filter(actor_label__icontains=f.actor)
    if f.since:
        qs = qs.filter(timestamp__gte=_day_start(f.since))
    if f.until and f.until < date.max:
        qs = qs.filter(timestamp__lt=_day_start(f.until + timedelta(days=1)))
    return qs


def audit_facets(*, organization: Any) -> dict[str, list[str]]:
    """Distinct actions and object types, for the filter drop-downs."""
    qs = scoped(AuditEvent, organization)
    return {
        "actions": sorted(set(qs.values_list("action", flat=True).distinct())),
        "object_types": sorted(set(qs.values_list("object_type", flat=True).distinct()) - {""}),
    }
