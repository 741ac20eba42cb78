"""Reads for evidence requests: the list (status, overdue, q), one request with its evidence,
the evidence an answer may link, and the export rows. Lists issue a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from openisms.controls.models import Evidence, EvidenceRequest
from openisms.controls.models import EvidenceRequestStatus as Status
from openisms.core.gate import get_scoped_or_404, scoped


@dataclass(frozen=True)
class RequestFilter:
    q: str = ""
    status: str = ""
    overdue: bool = False


def _base(organization: Any) -> QuerySet[EvidenceRequest]:
    return scoped(EvidenceRequest, organization).select_related(
        "requested_by", "answered_by", "control"
    )


def request_list(
    *, organization: Any, filters: RequestFilter | None = None, today: dt.date | None = None
) -> QuerySet[EvidenceRequest]:
    f = filters or RequestFilter()
    qs = _base(organization)
    if f.q:
        qs = qs.filter(
            Q(ref__icontains=f.q) | Q(title__icontains=f.q) | Q(description__icontains=f.q)
        )
    if f.status in Status.values:
        qs = qs.filter(status=f.status)
    if f.overdue:
        qs = qs.filter(status=Status.OPEN, due_date__lt=today or timezone.localdate())
    return qs.prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.order_by("ref").only("pk", "ref", "title"))
    ).order_by("-requested_on", "-pk")


def request_get(*, organization: Any, pk: Any) -> EvidenceRequest:
    return get_scoped_or_404(_base(organization), organization, pk=pk)


def request_evidence(*, er: EvidenceRequest) -> list[Evidence]:
    return list(er.evidence.select_related("owner").order_by("ref"))


def evidence_choices(*, organization: Any) -> list[tuple[int, str]]:
    """(id, "ref title") of the organisation's evidence (one query)."""
    return [
        (pk, f"{ref} {title}")
        for pk, ref, title in scoped(Evidence, organization)
        .order_by("ref")
        .values_list("pk", "ref", "title")
    ]


EXPORT_HEADER = [
    "ref",
    "title",
    "status",
    "overdue",
    "requested_by",
    "requested_on",
    "due_date",
    "control",
    "evidence",
    "answered_by",
    "answered_at",
    "answer_note",
]


def export_rows(
    *, organization: Any, filters: RequestFilter | None = None, today: dt.date | None = None
) -> list[list[Any]]:
    today = today or timezone.localdate()
    return [
        [
            er.ref,
            er.title,
            er.status,
            "yes" if er.is_overdue(today) else "",
            er.requested_by.email if er.requested_by else "",
            er.requested_on,
            er.due_date or "",
            er.control.ref if er.control else "",
            " ".join(e.ref for e in er.evidence.all()),
            er.answered_by.email if er.answered_by else "",
            timezone.localtime(er.answered_at).strftime("%Y-%m-%d %H:%M") if er.answered_at else "",
            er.answer_note,
        ]
        for er in request_list(organization=organization, filters=filters, today=today)
    ]
