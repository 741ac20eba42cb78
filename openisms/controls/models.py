"""The organisation's implemented controls, their evidence and their tests (ISO/IEC 27001
6.1.3, 8.1, 9.1; Annex A as the reference list).

A control is the organisation's own way of meeting one or more requirements of any adopted
framework (``requirements``), selected by the treatment of risks (``risks``). Evidence shows a
control works and stays fresh; tests check it periodically. Health is derived, never stored
(``openisms.controls.health``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.controls.choices import CheckMethod, EvidenceKind, ImplementationStatus, RunResult
from openisms.core.models import OrganizationOwned, Versioned


class Control(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("how it is implemented"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("implementation status"),
        max_length=30,
        choices=ImplementationStatus.choices,
        default=ImplementationStatus.NOT_STARTED,
    )
    implemented_on = models.DateField(_("implementation date"), null=True, blank=True)
    review_interval_months = models.PositiveSmallIntegerField(
        _("review interval (months)"), default=12
    )
    last_reviewed_on = models.DateField(_("last reviewed"), null=True, blank=True)
    # The documents that describe the control: those of the register (``documents``), and,
    # as free text (one per line), those that are not in it.
    documentation = models.TextField(_("documents"), blank=True)
    documents = models.ManyToManyField(
        "documents.Document",
        blank=True,
        related_name="controls",
        verbose_name=_("documents in the register"),
    )
    requirements = models.ManyToManyField(
        "catalog.RequirementNode",
        blank=True,
        related_name="implemented_by",
        verbose_name=_("requirements"),
    )
    risks = models.ManyToManyField(
        "risks.Risk",
        blank=True,
        related_name="selected_controls",
        verbose_name=_("risks whose treatment selected it"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "ref"]
        constraints = [models.UniqueConstraint(fields=["organization", "ref"], name="control_ref")]
        indexes = [
            models.Index(fields=["organization", "status"], name="control_org_status"),
            models.Index(fields=["organization", "owner"], name="control_org_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.name}"


class EvidenceFile(OrganizationOwned):
    """Stored content, addressed by SHA-256 (``openisms.controls.storage``). One row per
    organisation and content: uploading identical content again reuses it."""

    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "sha256"], name="evidencefile_sha")
        ]

    def __str__(self) -> str:
        return self.sha256


class Evidence(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=EvidenceKind.choices)
    file = models.ForeignKey(
        EvidenceFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    url = models.URLField(_("link"), max_length=2000, blank=True)
    note = models.TextField(_("note"), blank=True)
    collected_on = models.DateField(_("collected on"), default=timezone.localdate)
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    # Either given, or computed from the refresh cadence when collected (services).
    refresh_days = models.PositiveIntegerField(_("refresh every (days)"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    controls = models.ManyToManyField(
        Control, blank=True, related_name="evidence", verbose_name=_("controls")
    )
    requirements = models.ManyToManyField(
        "catalog.RequirementNode",
        blank=True,
        related_name="evidence",
        verbose_name=_("requirements"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "ref"]
        verbose_name_plural = "evidence"
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="evidence_ref"),
        ]
        indexes = [
            models.Index(fields=["organization", "valid_until"], name="evidence_org_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"


class ControlTest(OrganizationOwned, Versioned):
    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="tests")
    name = models.CharField(_("name"), max_length=300)
    procedure = models.TextField(_("what is checked"), blank=True)
    method = models.CharField(
        _("method"), max_length=20, choices=CheckMethod.choices, default=CheckMethod.INSPECTION
    )
    frequency_days = models.PositiveIntegerField(_("every (days)"), default=365)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "control", "name"]

    def __str__(self) -> str:
        return self.name


class ControlTestRun(OrganizationOwned):
    """One execution of a test. Runs are a record of what happened: never edited."""

    test = models.ForeignKey(ControlTest, on_delete=models.CASCADE, related_name="runs")
    performed_on = models.DateField(_("performed on"), default=timezone.localdate)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("result"), max_length=10, choices=RunResult.choices)
    notes = models.TextField(_("notes"), blank=True)
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="test_runs")
    # The nonconformity a failed run opened, once the audits module exists.
    nonconformity_ref = models.CharField(_("nonconformity"), max_length=30, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["test", "-performed_on", "-pk"]
        indexes = [models.Index(fields=["test", "-performed_on"], name="testrun_latest")]

    def __str__(self) -> str:
        return f"{self.test_id} {self.result} {self.performed_on}"


class EvidenceRequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class EvidenceRequest(OrganizationOwned, Versioned):
    """An auditor's request for evidence ("please provide the Q3 access review"), answered by
    the organisation by linking evidence (``openisms.controls.request_services``)."""

    ref = models.CharField(_("ref"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_on = models.DateField(_("requested on"), default=timezone.localdate)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    control = models.ForeignKey(
        Control,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence_requests",
        verbose_name=_("control"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EvidenceRequestStatus.choices,
        default=EvidenceRequestStatus.OPEN,
    )
    answer_note = models.TextField(_("answer"), blank=True)
    # The requester's last word: why it was reopened, withdrawn or closed.
    requester_note = models.TextField(_("requester's note"), blank=True)
    evidence = models.ManyToManyField(
        Evidence, blank=True, related_name="requests", verbose_name=_("evidence")
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "-requested_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="evidencerequest_ref")
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="evreq_org_status"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return (
            self.status == EvidenceRequestStatus.OPEN
            and self.due_date is not None
            and self.due_date < (today or timezone.localdate())
        )
