from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PREPARED = "prepared", _("Prepared (inputs compiled)")
    HELD = "held", _("Held (inputs frozen)")
    CLOSED = "closed", _("Closed (minutes approved)")


# Statuses in which the inputs can still be (re)compiled from live data.
LIVE_INPUTS = (ReviewStatus.PLANNED, ReviewStatus.PREPARED)
# Statuses of a review that took place.
HELD_STATUSES = (ReviewStatus.HELD, ReviewStatus.CLOSED)


class DecisionKind(models.TextChoices):
    ACTION = "action", _("Action")
    ISMS_CHANGE = "isms_change", _("Change to the ISMS")
    OBJECTIVE = "objective", _("Objective")
    IMPROVEMENT = "improvement", _("Improvement")


class DecisionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_DECISIONS = (DecisionStatus.OPEN, DecisionStatus.IN_PROGRESS)
CLOSED_DECISIONS = (DecisionStatus.DONE, DecisionStatus.CANCELLED)

DECISION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    DecisionStatus.OPEN: (
        DecisionStatus.IN_PROGRESS,
        DecisionStatus.DONE,
        DecisionStatus.CANCELLED,
    ),
    DecisionStatus.IN_PROGRESS: (
        DecisionStatus.OPEN,
        DecisionStatus.DONE,
        DecisionStatus.CANCELLED,
    ),
    DecisionStatus.DONE: (),
    DecisionStatus.CANCELLED: (),
}
