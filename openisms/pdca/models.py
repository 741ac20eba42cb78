"""The PDCA calendar's own records: a secret iCalendar feed per member (hash at rest), the
member's reminder preferences, and the log of daily digests (one per user and day)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.core.models import OrganizationOwned, Versioned


class CalendarFeedToken(OrganizationOwned, Versioned):
    """A member's secret feed URL. Only the SHA-256 of the secret is stored; creating a new
    one revokes the previous one (rotation)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["organization", "user", "-created_at"]

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"


class ReminderPreference(OrganizationOwned, Versioned):
    """A member's e-mail reminders for one organisation (absent: the defaults apply)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(_("send e-mail reminders"), default=True)
    lead_days = models.CharField(
        _("lead times (days)"),
        max_length=100,
        help_text=_("Days before the due date, separated by commas (0 = on the day)."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="pdca_pref_user")
        ]

    def __str__(self) -> str:
        return f"reminders of {self.user_id}"


class DigestLog(models.Model):
    """One row per user and day a digest was handled (sent, or nothing to send). Created in the
    transaction that sends, so a restarted worker never sends the same day twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    item_count = models.PositiveIntegerField(default=0)
    sent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="pdca_digest_day")]

    def __str__(self) -> str:
        return f"digest {self.user_id} {self.date}"
