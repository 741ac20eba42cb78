"""Reads for the document register: the list (filters: type, status, owner, review overdue, q)
with each document's version in force and working version in a constant number of queries,
one document with its versions, and the export rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from openisms.core.gate import get_scoped_or_404, scoped
from openisms.documents.choices import DocumentStatus, VersionStatus
from openisms.documents.models import Document, DocumentVersion

SORTS = {
    "ref": ("ref",),
    "-ref": ("-ref",),
    "title": ("title", "ref"),
    "-title": ("-title", "-ref"),
    "next_review": ("next_review", "ref"),
    "-next_review": ("-next_review", "ref"),
}


@dataclass
class DocumentFilter:
    q: str = ""
    type: str = ""
    status: str = ""
    owner: int | None = None
    overdue: bool = False
    sort: str = "ref"


def _working_prefetch() -> Prefetch:
    return Prefetch(
        "versions",
        queryset=DocumentVersion.objects.exclude(status=VersionStatus.APPROVED),
        to_attr="working_versions",
    )


def overdue_q(today: dt.date | None = None) -> Q:
    """Approved documents whose next review date has passed."""
    today = today or timezone.localdate()
    return Q(status=DocumentStatus.APPROVED, next_review__lt=today)


def document_list(
    *, organization: Any, filters: DocumentFilter | None = None, today: dt.date | None = None
) -> QuerySet[Document]:
    f = filters or DocumentFilter()
    qs = scoped(Document, organization).select_related(
        "owner", "current_version", "current_version__approved_by"
    )
    if f.q:
        qs = qs.filter(Q(ref__icontains=f.q) | Q(title__icontains=f.q))
    if f.type:
        qs = qs.filter(type=f.type)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.owner:
        qs = qs.filter(owner_id=f.owner)
    if f.overdue:
        qs = qs.filter(overdue_q(today))
    return qs.prefetch_related(_working_prefetch()).order_by(*SORTS.get(f.sort, ("ref",)))


def working_of(document: Document) -> DocumentVersion | None:
    """The working version of a document read by ``document_list`` (prefetched)."""
    working = getattr(document, "working_versions", None)
    if working is None:
        return (
            DocumentVersion.objects.filter(document=document)
            .exclude(status=VersionStatus.APPROVED)
            .first()
        )
    return working[0] if working else None


def is_overdue(document: Document, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return bool(
        document.status == DocumentStatus.APPROVED
        and document.next_review
        and document.next_review < today
    )


def document_get(*, organization: Any, pk: int) -> Document:
    return get_scoped_or_404(
        scoped(Document, organization).select_related(
            "owner", "current_version", "current_version__approved_by"
        ),
        organization,
        pk=pk,
    )


def document_controls(*, document: Document) -> list[Any]:
    """The organisation's controls that cite the document, by ref (one query)."""
    return list(document.controls.order_by("ref"))  # type: ignore[attr-defined]


def version_list(*, document: Document) -> QuerySet[DocumentVersion]:
    return (
        DocumentVersion.objects.filter(document=document)
        .select_related("file", "approved_by", "created_by")
        .order_by("-major", "-minor")
    )


def version_get(*, document: Document, pk: int) -> DocumentVersion:
    return get_scoped_or_404(
        DocumentVersion.objects.filter(document=document).select_related(
            "file", "approved_by", "created_by"
        ),
        document.organization,
        pk=pk,
    )


EXPORT_HEADER = [
    "ref",
    "title",
    "type",
    "status",
    "owner",
    "classification",
    "version_in_force",
    "approved_by",
    "approved_on",
    "review_interval_months",
    "next_review",
    "review_overdue",
    "working_version",
    "working_status",
    "retention",
]


def export_rows(*, organization: Any, filters: DocumentFilter | None = None) -> Iterator[list[Any]]:
    today = timezone.localdate()
    for d in document_list(organization=organization, filters=filters, today=today):
        current = d.current_version
        working = working_of(d)
        yield [
            d.ref,
            d.title,
            d.get_type_display(),
            d.get_status_display(),
            d.owner.email if d.owner else "",
            d.classification,
            current.number if current else "",
            current.approver_name if current else "",
            timezone.localdate(current.approved_at) if current and current.approved_at else None,
            d.review_interval_months,
            d.next_review,
            "yes" if is_overdue(d, today) else "no",
            working.number if working else "",
            working.get_status_display() if working else "",
            d.retention,
        ]
