"""Reads for the incident register (through the scoped gate)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from openisms.core.gate import get_scoped_or_404, scoped
from openisms.incidents.models import NOTIFY_WITHIN, Incident


@dataclass(frozen=True)
class IncidentFilter:
    q: str = ""
    status: str = ""
    severity: str = ""
    classification: str = ""
    owner: int | None = None
    notification_overdue: bool = False


def notification_overdue_q(now: Any = None) -> Q:
    now = now or timezone.now()
    return Q(
        personal_data_breach=True,
        authority_notified_at__isnull=True,
        detected_at__lt=now - NOTIFY_WITHIN,
    )


def incident_list(*, organization: Any, filters: IncidentFilter | None = None) -> QuerySet:
    f = filters or IncidentFilter()
    qs = scoped(Incident, organization).select_related("owner")
    if f.q:
        qs = qs.filter(
            Q(ref__icontains=f.q) | Q(title__icontains=f.q) | Q(description__icontains=f.q)
        )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.severity:
        qs = qs.filter(severity=f.severity)
    if f.classification:
        qs = qs.filter(classification=f.classification)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    if f.notification_overdue:
        qs = qs.filter(notification_overdue_q())
    return qs.order_by("-detected_at", "-pk")


def incident_get(*, organization: Any, pk: int) -> Incident:
    return get_scoped_or_404(
        scoped(Incident, organization).select_related("owner"), organization, pk=pk
    )


def incident_detail(*, incident: Incident) -> dict[str, Any]:
    return {
        "assets": list(incident.assets.order_by("ref")),
        "risks": list(incident.risks.order_by("ref")),
        "nonconformities": list(incident.nonconformities.order_by("ref")),
        "evidence": list(incident.evidence.select_related("file").order_by("ref")),
        "timeline": list(incident.timeline.select_related("by").order_by("at", "pk")),
    }


def timeline_list(*, incident: Incident) -> QuerySet:
    return incident.timeline.select_related("by").order_by("at", "pk")


HEADER = [
    "ref",
    "title",
    "detected_at",
    "reported_at",
    "reported_by",
    "classification",
    "severity",
    "status",
    "owner",
    "personal_data_breach",
    "authority_notified_at",
    "notification_overdue",
    "assets",
    "risks",
    "nonconformities",
    "evidence",
    "lessons_learned",
]


def export_rows(*, organization: Any, filters: IncidentFilter | None = None) -> Any:
    now = timezone.now()
    qs = incident_list(organization=organization, filters=filters).prefetch_related(
        "assets", "risks", "nonconformities", "evidence"
    )
    for i in qs:
        yield [
            i.ref,
            i.title,
            i.detected_at.isoformat(),
            i.reported_at.isoformat() if i.reported_at else "",
            i.reported_by,
            i.classification,
            i.severity,
            i.status,
            i.owner.email if i.owner else "",
            "yes" if i.personal_data_breach else "no",
            i.authority_notified_at.isoformat() if i.authority_notified_at else "",
            "yes" if i.notification_overdue(now) else "no",
            " ".join(a.ref for a in i.assets.all()),
            " ".join(r.ref for r in i.risks.all()),
            " ".join(n.ref for n in i.nonconformities.all()),
            " ".join(e.ref for e in i.evidence.all()),
            i.lessons_learned,
        ]
