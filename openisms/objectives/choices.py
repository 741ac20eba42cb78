from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ObjectiveStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    NOT_ACHIEVED = "not_achieved", _("Not achieved")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_OBJECTIVES = (ObjectiveStatus.PLANNED, ObjectiveStatus.IN_PROGRESS)


class Direction(models.TextChoices):
    HIGHER = "higher_is_better", _("Higher is better")
    LOWER = "lower_is_better", _("Lower is better")


class MetricStatus(models.TextChoices):
    """Derived from the latest measurement and the thresholds; never stored."""

    ON_TARGET = "on_target", _("On target")
    WARNING = "warning", _("Warning")
    OFF_TARGET = "off_target", _("Off target")
    NO_DATA = "no_data", _("No data")
