"""The document register (ISO/IEC 27001 7.5, 5.2): policies, procedures, plans, records.

A ``Document`` is the register entry (ref, title, type, owner, classification, review and
retention); its content lives in numbered ``DocumentVersion`` rows (major.minor), each either a
Markdown body or an uploaded file (content-addressed, ``openisms.controls.storage``). At most one
version is being worked on at a time (draft or in review); approving it freezes it: an approved
version is immutable (``save`` and ``delete`` refuse it) and becomes the document's current
version.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.core.models import OrganizationOwned, Versioned
from openisms.documents.choices import DocumentStatus, DocumentType, VersionStatus

# ``Document.source`` of the document generated from the risk methodology.
RISK_METHODOLOGY_SOURCE = "risk_methodology"


class Document(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    type = models.CharField(_("type"), max_length=20, choices=DocumentType.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    classification = models.CharField(_("classification"), max_length=100, blank=True)
    review_interval_months = models.PositiveSmallIntegerField(
        _("review interval (months)"), default=12
    )
    next_review = models.DateField(_("next review"), null=True, blank=True)
    retention = models.CharField(_("retention"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    current_version = models.ForeignKey(
        "DocumentVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved version in force"),
    )
    # What generated the document ("" for a document written by people).
    source = models.CharField(max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "ref"]
        constraints = [models.UniqueConstraint(fields=["organization", "ref"], name="document_ref")]
        indexes = [
            models.Index(fields=["organization", "status"], name="document_org_status"),
            models.Index(fields=["organization", "next_review"], name="document_org_review"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"


class DocumentVersion(OrganizationOwned, Versioned):
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    major = models.PositiveIntegerField(_("major"))
    minor = models.PositiveIntegerField(_("minor"))
    status = models.CharField(
        _("status"), max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    body_markdown = models.TextField(_("body (Markdown)"), blank=True)
    file = models.ForeignKey(
        "controls.EvidenceFile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("file"),
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    change_note = models.TextField(_("change note"), blank=True)
    content_hash = models.CharField(_("content SHA-256"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted for review"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approver_name = models.CharField(_("approver"), max_length=254, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approval_comment = models.TextField(_("approval comment"), blank=True)

    class Meta:
        ordering = ["document", "-major", "-minor"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "major", "minor"], name="documentversion_number"
            ),
            # One version being worked on (draft or in review) per document.
            models.UniqueConstraint(
                fields=["document"],
                condition=~Q(status="approved"),
                name="documentversion_one_working",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"

    @property
    def number(self) -> str:
        return f"{self.major}.{self.minor}"

    @property
    def is_approved(self) -> bool:
        return self.status == VersionStatus.APPROVED

    def _stored_approved(self) -> bool:
        if self._state.adding or self.pk is None:
            return False
        return (
            type(self)._default_manager.filter(pk=self.pk, status=VersionStatus.APPROVED).exists()
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._stored_approved():
            raise ValueError("An approved document version is immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.status == VersionStatus.APPROVED or self._stored_approved():
            raise ValueError("An approved document version is immutable.")
        return super().delete(*args, **kwargs)
