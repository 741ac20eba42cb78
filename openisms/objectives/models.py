"""Information security objectives and their monitoring (ISO/IEC 27001 6.2, 9.1).

An objective says what will be done, with which resources, by whom, by when and how its results
are evaluated. Metrics define what is measured, how, how often and by whom, with a target and a
warning threshold; measurements are a record of what was measured: appended, never edited (a
correction is a new measurement that names the one it corrects). The status of a metric against
its target is derived from its latest measurement (``openisms.objectives.status``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.core.models import OrganizationOwned, Versioned
from openisms.objectives.choices import Direction, ObjectiveStatus

VALUE_DIGITS = 18
VALUE_PLACES = 4
MAX_FREQUENCY_DAYS = 3660


def _person(verbose: Any) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=verbose,
    )


def _value(verbose: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        verbose, max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES, **kwargs
    )


class Objective(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    plan = models.TextField(_("what will be done"), blank=True)
    resources = models.TextField(_("resources"), blank=True)
    owner = _person(_("owner"))
    due_date = models.DateField(_("due"), null=True, blank=True)
    evaluation = models.TextField(_("how results are evaluated"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ObjectiveStatus.choices, default=ObjectiveStatus.PLANNED
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "ref"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="objective_ref")
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"


class Metric(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    objective = models.ForeignKey(
        Objective,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="metrics",
        verbose_name=_("objective"),
    )
    name = models.CharField(_("name"), max_length=300)
    measured = models.TextField(_("what is measured"), blank=True)
    method = models.TextField(_("method"), blank=True)
    frequency_days = models.PositiveIntegerField(
        _("frequency (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_FREQUENCY_DAYS)],
    )
    measured_by = _person(_("measured by"))
    analysed_by = _person(_("analysed by"))
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    target = _value(_("target"))
    direction = models.CharField(
        _("direction"), max_length=20, choices=Direction.choices, default=Direction.HIGHER
    )
    warning = _value(
        _("warning threshold"),
        null=True,
        blank=True,
        help_text=_("Between target and warning the metric is in warning; beyond it, off target."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "ref"]
        constraints = [models.UniqueConstraint(fields=["organization", "ref"], name="metric_ref")]

    def __str__(self) -> str:
        return f"{self.ref} {self.name}"

    @property
    def owner_id(self) -> int | None:
        """Whoever measures the metric: contributors edit and record only the metrics they
        measure (the permission backend limits them to records whose ``owner_id`` is theirs)."""
        return self.measured_by_id

    def clean(self) -> None:
        if self.warning is None or self.target is None:
            return
        if self.direction == Direction.HIGHER and self.warning > self.target:
            raise ValidationError(
                {"warning": _("Higher is better: the warning threshold is at most the target.")}
            )
        if self.direction == Direction.LOWER and self.warning < self.target:
            raise ValidationError(
                {"warning": _("Lower is better: the warning threshold is at least the target.")}
            )


class Measurement(OrganizationOwned):
    """One measured value. A record: never edited or deleted; a correction is a new measurement
    that names the one it corrects (and says why in its note)."""

    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="measurements")
    measured_on = models.DateField(_("measured on"), default=timezone.localdate)
    value = _value(_("value"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["metric", "-measured_on", "-pk"]
        indexes = [models.Index(fields=["metric", "-measured_on"], name="measurement_latest")]

    def __str__(self) -> str:
        return f"{self.measured_on}: {self.value}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A measurement is a record: it is never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("A measurement is a record: it is never deleted.")

    def clean(self) -> None:
        if self.value is not None and not Decimal(self.value).is_finite():
            raise ValidationError({"value": _("Enter a number.")})
        if self.corrects_id is not None and not (self.note or "").strip():
            raise ValidationError({"note": _("Say why the earlier measurement is corrected.")})
