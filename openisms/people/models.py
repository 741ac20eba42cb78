"""Leadership and support (ISO/IEC 27001 5.3, 7.2, 7.3, 7.4): ISMS roles and who holds them,
processes with their RACI, competences required by roles, people's training records, awareness
campaigns and the communication plan.

A competence *gap* is a required competence of a role that one of its holders has no valid
training record for (``selectors.competence_gaps``); it is derived, never stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.core.models import OrganizationOwned, Versioned
from openisms.people.choices import RaciLetter


def _person(verbose: Any, **kwargs: Any) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=verbose,
        **kwargs,
    )


class Competence(OrganizationOwned, Versioned):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="competence_name")
        ]

    def __str__(self) -> str:
        return self.name


class IsmsRole(OrganizationOwned, Versioned):
    name = models.CharField(_("name"), max_length=200)
    responsibilities = models.TextField(_("responsibilities and authorities"), blank=True)
    holders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("held by")
    )
    competences = models.ManyToManyField(
        Competence, blank=True, related_name="roles", verbose_name=_("required competences")
    )

    class Meta:
        ordering = ["organization", "name"]
        verbose_name = _("ISMS role")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="ismsrole_name")
        ]

    def __str__(self) -> str:
        return self.name


class Process(OrganizationOwned, Versioned):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["organization", "name"]
        verbose_name_plural = _("processes")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="process_name")
        ]

    def __str__(self) -> str:
        return self.name


class RaciAssignment(OrganizationOwned):
    """One cell of the RACI matrix. A process has exactly one Accountable role once it has any
    assignment (the service checks the whole set; the constraint keeps it at most one)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="raci")
    role = models.ForeignKey(IsmsRole, on_delete=models.CASCADE, related_name="raci")
    letter = models.CharField(_("RACI"), max_length=1, choices=RaciLetter.choices)

    class Meta:
        ordering = ["process", "role__name"]
        constraints = [
            models.UniqueConstraint(fields=["process", "role"], name="raci_one_per_role"),
            models.UniqueConstraint(
                fields=["process"], condition=models.Q(letter="A"), name="raci_one_accountable"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.process_id}/{self.role_id}: {self.letter}"


class TrainingRecord(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    person = _person(_("person"))
    competence = models.ForeignKey(
        Competence,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_records",
        verbose_name=_("competence"),
    )
    title = models.CharField(_("course or qualification"), max_length=300, blank=True)
    completed_on = models.DateField(_("completed on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    evidence = models.ManyToManyField(
        "controls.Evidence", blank=True, related_name="+", verbose_name=_("evidence")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "-completed_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["organization", "ref"], name="training_ref")]

    def __str__(self) -> str:
        return f"{self.ref} {self.title or self.competence}"

    def clean(self) -> None:
        if self.competence_id is None and not (self.title or "").strip():
            raise ValidationError({"title": _("Name the course or choose a competence.")})
        if self.valid_until and self.completed_on and self.valid_until < self.completed_on:
            raise ValidationError({"valid_until": _("Valid until cannot precede completion.")})

    def is_valid_on(self, day: dt.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.completed_on <= day and (self.valid_until is None or self.valid_until >= day)


class AwarenessCampaign(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("audience"), max_length=300, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    target_count = models.PositiveIntegerField(_("people targeted"), default=0)
    completed_count = models.PositiveIntegerField(_("people completed"), default=0)

    class Meta:
        ordering = ["organization", "-starts_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["organization", "ref"], name="campaign_ref")]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    def clean(self) -> None:
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end cannot precede the start.")})
        if (self.completed_count or 0) > (self.target_count or 0):
            raise ValidationError(
                {"completed_count": _("More people completed than were targeted.")}
            )

    @property
    def completion_percent(self) -> int | None:
        if not self.target_count:
            return None
        return round(100 * self.completed_count / self.target_count)


class CommunicationItem(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    what = models.CharField(_("what"), max_length=300)
    when = models.CharField(_("when"), max_length=200, help_text=_("A date or a frequency."))
    audience = models.CharField(_("with whom"), max_length=300)
    communicator = _person(_("who communicates"), null=True, blank=True)
    channel = models.CharField(_("how"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["organization", "ref"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="communication_ref")
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.what}"
