"""The audit pack (ISO/IEC 27001 7.5.3, 9.2, 9.3; what a certification auditor asks for): one
zip with the scope, policies and approved documents, risk register and treatment plan, SoA,
objectives and measurements, competence records, internal audit reports, nonconformities,
management review minutes, the readiness report and the evidence files, each hashed in a
``MANIFEST.json`` that also names the audit trail's chain head at the time of the pack.

An ``AuditPack`` row is one request: queued, built by the worker (``tasks.build_pack``) with
its progress, then ready to download (or failed, with the reason). The zip lives under the
audit-pack directory (``files.root()``), outside the web root, and is served only after a
permission check; every download is recorded in the audit trail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.auditpack.choices import IN_PROGRESS, PackStatus
from openisms.core.models import OrganizationOwned, Versioned


class AuditPack(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    as_of = models.DateField(
        _("as of"),
        default=timezone.localdate,
        help_text=_("The records as they stood at the end of this day (default: today)."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PackStatus.choices, default=PackStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("current step"), max_length=200, blank=True)
    # Relative to the audit-pack directory (files.root()); never a path from user input.
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 of the zip"), max_length=64, blank=True)
    file_count = models.PositiveIntegerField(_("files"), null=True, blank=True)
    chain_seq = models.PositiveBigIntegerField(_("audit chain sequence"), null=True, blank=True)
    chain_hash = models.CharField(_("audit chain hash"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The manifest's part list: folder, title, status (included, empty, not available), files,
    # notes (what the part could not include, and why).
    parts = models.JSONField(_("parts"), default=list, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["organization", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="auditpack_ref")
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="auditpack_org_created")
        ]

    def __str__(self) -> str:
        return f"{self.ref} (as of {self.as_of.isoformat()})"

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    @property
    def downloadable(self) -> bool:
        return self.status == PackStatus.DONE and bool(self.file_name)

    @property
    def download_name(self) -> str:
        """The file name offered to the browser (``acme-audit-pack-AP-003-2026-11-02.zip``)."""
        return f"{self.organization.slug}-audit-pack-{self.ref}-{self.as_of.isoformat()}.zip"
