"""Management review (ISO/IEC 27001 9.3) and its decisions.

A review is planned, then prepared: its inputs (9.3.2 a–g, plus incidents) are compiled from
the live registers into a JSON snapshot, which can be compiled again until the meeting. When
the review is held the inputs are compiled one last time and frozen (never changed again; their
SHA-256 is kept). Closing the review approves the minutes: minutes and attendees are frozen too.
Decisions (9.3.3: improvement, changes to the ISMS) are tracked to closure and carried into the
input a) of the next review.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.core.models import OrganizationOwned, Versioned
from openisms.reviews.choices import (
    CLOSED_DECISIONS,
    OPEN_DECISIONS,
    DecisionKind,
    DecisionStatus,
    ReviewStatus,
)


def _person(verbose: Any, related_name: str = "+") -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name=related_name,
        verbose_name=verbose,
    )


# Dates a review can plausibly carry (the inputs' period arithmetic stays within range).
MIN_YEAR, MAX_YEAR = 1900, 2999


class ManagementReview(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    planned_on = models.DateField(_("planned on"))
    held_on = models.DateField(_("held on"), null=True, blank=True)
    chair = _person(_("chair"))
    location = models.CharField(
        _("location or format"),
        max_length=300,
        blank=True,
        help_text=_("Meeting room, video call…"),
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("attendees")
    )
    external_attendees = models.TextField(
        _("other attendees"),
        blank=True,
        help_text=_("People who are not members (one per line: name, role or company)."),
    )
    period_start = models.DateField(_("inputs cover from"))
    period_end = models.DateField(_("inputs cover until"))
    status = models.CharField(
        _("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PLANNED
    )
    interested_party_feedback = models.TextField(
        _("feedback from interested parties"),
        blank=True,
        help_text=_("Customer, supplier, regulator feedback to present (input e)."),
    )
    minutes = models.TextField(_("minutes"), blank=True, help_text=_("Markdown."))
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    inputs_compiled_at = models.DateTimeField(_("inputs compiled at"), null=True, blank=True)
    inputs_hash = models.CharField(_("inputs SHA-256"), max_length=64, blank=True)
    closed_on = models.DateField(_("minutes approved on"), null=True, blank=True)
    closed_by = _person(_("minutes approved by"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "-planned_on", "-pk"]
        verbose_name = _("management review")
        verbose_name_plural = _("management reviews")
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="management_review_ref")
        ]
        indexes = [models.Index(fields=["organization", "status"], name="mr_org_status")]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    def clean(self) -> None:
        for field in ("planned_on", "held_on", "period_start", "period_end"):
            value = getattr(self, field)
            if value is not None and not (MIN_YEAR <= value.year <= MAX_YEAR):
                raise ValidationError(
                    {
                        field: _("Give a year between %(a)s and %(b)s.")
                        % {"a": MIN_YEAR, "b": MAX_YEAR}
                    }
                )
        if self.period_start and self.period_end and self.period_start > self.period_end:
            raise ValidationError({"period_end": _("The period cannot end before it starts.")})

    @property
    def frozen(self) -> bool:
        return self.status in (ReviewStatus.HELD, ReviewStatus.CLOSED)


class ReviewDecision(OrganizationOwned, Versioned):
    review = models.ForeignKey(ManagementReview, on_delete=models.PROTECT, related_name="decisions")
    ref = models.CharField(_("ref"), max_length=30)
    kind = models.CharField(
        _("kind"), max_length=20, choices=DecisionKind.choices, default=DecisionKind.ACTION
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    owner = _person(_("owner"))
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.OPEN
    )
    outcome = models.TextField(
        _("outcome"), blank=True, help_text=_("Required once done or cancelled.")
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    objective = models.ForeignKey(
        "objectives.Objective",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_decisions",
        verbose_name=_("objective"),
    )
    opportunity = models.ForeignKey(
        "improvement.ImprovementOpportunity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_decisions",
        verbose_name=_("improvement opportunity"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "ref"]
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="review_decision_ref")
        ]
        indexes = [
            models.Index(fields=["organization", "status", "due_date"], name="mrd_org_status_due")
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    def clean(self) -> None:
        if self.status in CLOSED_DECISIONS and not (self.outcome or "").strip():
            raise ValidationError({"outcome": _("Say what came of it (the outcome).")})

    def is_overdue(self, today: Any = None) -> bool:
        today = today or timezone.localdate()
        return self.status in OPEN_DECISIONS and self.due_date is not None and self.due_date < today
