"""Nonconformities and corrective action (ISO/IEC 27001 10.2) and continual improvement (10.1).

A nonconformity comes from an audit finding, a failed control test, an incident, a complaint or
a management review. It is analysed (root cause, five whys), corrected by corrective actions,
and closed only once a verification found the actions effective; an ineffective verification
sends it back to action planning. Verifications are a record of what was found: never edited.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.core.models import OrganizationOwned, Versioned
from openisms.improvement.choices import (
    OPEN_ACTIONS,
    ActionStatus,
    NcSeverity,
    NcSource,
    NcStatus,
    OpportunityStatus,
    VerificationResult,
)

MAX_WHYS = 5


def _owner(verbose: Any = None) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=verbose or _("owner"),
    )


class Nonconformity(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=NcSource.choices, default=NcSource.OTHER
    )
    source_reference = models.CharField(
        _("source reference"),
        max_length=300,
        blank=True,
        help_text=_("The audit report, complaint, review or incident it comes from."),
    )
    test_run = models.ForeignKey(
        "controls.ControlTestRun",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("failed test run"),
    )
    requirement = models.ForeignKey(
        "catalog.RequirementNode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requirement concerned"),
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=NcSeverity.choices, default=NcSeverity.MINOR
    )
    owner = _owner()
    detected_on = models.DateField(_("detected on"), default=timezone.localdate)
    correction = models.TextField(_("correction taken"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    five_whys = models.JSONField(_("five whys"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=NcStatus.choices, default=NcStatus.OPEN
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "ref"]
        verbose_name = _("nonconformity")
        verbose_name_plural = _("nonconformities")
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="nonconformity_ref"),
            models.UniqueConstraint(
                fields=["test_run"],
                condition=models.Q(test_run__isnull=False),
                name="nonconformity_one_per_run",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="nc_org_status")]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    def clean(self) -> None:
        whys = self.five_whys
        if not isinstance(whys, list) or not all(isinstance(w, str) for w in whys):
            raise ValidationError({"five_whys": _("The five whys are a list of answers.")})
        if len(whys) > MAX_WHYS:
            raise ValidationError({"five_whys": _("At most five whys.")})
        if any(not w.strip() for w in whys):
            raise ValidationError({"five_whys": _("A why cannot be empty.")})


class CorrectiveAction(OrganizationOwned, Versioned):
    nonconformity = models.ForeignKey(
        Nonconformity, on_delete=models.CASCADE, related_name="actions"
    )
    ref = models.CharField(_("ref"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    owner = _owner()
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    progress_note = models.TextField(_("progress note"), blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["nonconformity", "due_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="corrective_action_ref")
        ]
        indexes = [
            models.Index(fields=["organization", "status", "due_date"], name="ca_org_status_due")
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    def is_overdue(self, today: Any = None) -> bool:
        today = today or timezone.localdate()
        return self.status in OPEN_ACTIONS and self.due_date is not None and self.due_date < today


class EffectivenessVerification(OrganizationOwned):
    """Whether the corrective actions worked. A record of what was found: never edited."""

    nonconformity = models.ForeignKey(
        Nonconformity, on_delete=models.CASCADE, related_name="verifications"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_on = models.DateField(_("verified on"), default=timezone.localdate)
    result = models.CharField(_("result"), max_length=12, choices=VerificationResult.choices)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["nonconformity", "-verified_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.result} {self.verified_on}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A verification is a record: it is never edited.")
        super().save(*args, **kwargs)


class ImprovementOpportunity(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("Where the idea came from (a review, an audit, a staff suggestion…)."),
    )
    owner = _owner()
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OpportunityStatus.choices,
        default=OpportunityStatus.PROPOSED,
    )
    outcome = models.TextField(_("what became of it"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "ref"]
        verbose_name_plural = _("improvement opportunities")
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="improvement_ref")
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    def clean(self) -> None:
        if (
            self.status in (OpportunityStatus.IMPLEMENTED, OpportunityStatus.REJECTED)
            and not (self.outcome or "").strip()
        ):
            raise ValidationError({"outcome": _("Say what became of it.")})
