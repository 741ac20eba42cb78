"""The incident register (ISO/IEC 27001 A.5.24–A.5.28): detection and report, classification,
severity, affected assets, a timeline of events (append-only), the response, evidence collected
(the evidence module keeps each file's SHA-256: the chain of custody), lessons learned, and the
risks and nonconformities it led to. Personal data breaches carry the GDPR 72-hour clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.core.models import OrganizationOwned, Versioned
from openisms.incidents.choices import Classification, IncidentStatus, Severity

NOTIFY_WITHIN = dt.timedelta(hours=72)


class Incident(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.CharField(_("reported by"), max_length=200, blank=True)
    classification = models.CharField(
        _("classification"),
        max_length=20,
        choices=Classification.choices,
        default=Classification.OTHER,
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    status = models.CharField(
        _("status"), max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.NEW
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    response = models.TextField(_("response"), blank=True)
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    personal_data_breach = models.BooleanField(_("personal data breach"), default=False)
    authority_notified_at = models.DateTimeField(
        _("supervisory authority notified at"), null=True, blank=True
    )
    assets = models.ManyToManyField(
        "assets.Asset", blank=True, related_name="incidents", verbose_name=_("affected assets")
    )
    risks = models.ManyToManyField(
        "risks.Risk", blank=True, related_name="incidents", verbose_name=_("risks")
    )
    nonconformities = models.ManyToManyField(
        "improvement.Nonconformity",
        blank=True,
        related_name="incidents",
        verbose_name=_("nonconformities"),
    )
    evidence = models.ManyToManyField(
        "controls.Evidence", blank=True, related_name="incidents", verbose_name=_("evidence")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "-detected_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "ref"], name="incident_ref")]
        indexes = [models.Index(fields=["organization", "status"], name="incident_org_status")]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    def clean(self) -> None:
        if self.reported_at and self.detected_at and self.reported_at < self.detected_at:
            raise ValidationError(
                {"reported_at": _("An incident is reported after it is detected.")}
            )
        if self.authority_notified_at and not self.personal_data_breach:
            raise ValidationError(
                {"authority_notified_at": _("Only a personal data breach is notified.")}
            )

    @property
    def notification_deadline(self) -> dt.datetime | None:
        if not self.personal_data_breach:
            return None
        return self.detected_at + NOTIFY_WITHIN

    def notification_overdue(self, now: Any = None) -> bool:
        """A personal data breach not notified more than 72 hours after detection."""
        deadline = self.notification_deadline
        if deadline is None or self.authority_notified_at is not None:
            return False
        return (now or timezone.now()) > deadline


class TimelineEntry(OrganizationOwned):
    """One event of an incident. A record of what happened: never edited."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(_("at"), default=timezone.now)
    what = models.TextField(_("what happened"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["incident", "at", "pk"]
        verbose_name_plural = _("timeline entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.what[:40]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A timeline entry is a record: it is never edited.")
        super().save(*args, **kwargs)
