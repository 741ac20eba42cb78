"""The readiness history: one snapshot of the evaluation per organisation and day (taken by the
worker's daily task ``openisms.readiness.tasks.snapshot_all``). The evaluation itself is derived,
never stored; snapshots only keep the figures needed to draw the trend and compare days."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.core.models import OrganizationOwned, Versioned


class ReadinessSnapshot(OrganizationOwned, Versioned):
    date = models.DateField(_("date"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    blocker = models.PositiveIntegerField(_("blocker findings"), default=0)
    major = models.PositiveIntegerField(_("major findings"), default=0)
    minor = models.PositiveIntegerField(_("minor findings"), default=0)
    info = models.PositiveIntegerField(_("info findings"), default=0)
    rules_total = models.PositiveIntegerField(_("rules"), default=0)
    rules_passed = models.PositiveIntegerField(_("rules passed"), default=0)
    # {"4": {"passed": n, "failed": n, "score": x, "findings": {...}}, …, "A.5": {…}}
    clauses = models.JSONField(_("per clause and theme"), default=dict, blank=True)
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)

    class Meta:
        ordering = ["organization", "date"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "date"], name="readiness_snapshot_day")
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.score}"

    @property
    def counts(self) -> dict[str, int]:
        return {
            "blocker": self.blocker,
            "major": self.major,
            "minor": self.minor,
            "info": self.info,
        }
