from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class NcSource(models.TextChoices):
    AUDIT_FINDING = "audit_finding", _("Audit finding")
    CONTROL_TEST = "control_test", _("Failed control test")
    INCIDENT = "incident", _("Incident")
    COMPLAINT = "complaint", _("Complaint")
    MANAGEMENT_REVIEW = "management_review", _("Management review")
    OTHER = "other", _("Other")


class NcSeverity(models.TextChoices):
    MAJOR = "major", _("Major")
    MINOR = "minor", _("Minor")


class NcStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANALYSED = "analysed", _("Analysed")
    ACTION_PLANNED = "action_planned", _("Action planned")
    VERIFYING = "verifying", _("Verifying effectiveness")
    CLOSED = "closed", _("Closed")


# The lifecycle: which status may follow which (the guards are in the services). An
# ineffective verification moves a nonconformity from verifying back to action planned.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    NcStatus.OPEN: (NcStatus.ANALYSED,),
    NcStatus.ANALYSED: (NcStatus.ACTION_PLANNED, NcStatus.OPEN),
    NcStatus.ACTION_PLANNED: (NcStatus.VERIFYING, NcStatus.ANALYSED),
    NcStatus.VERIFYING: (NcStatus.CLOSED, NcStatus.ACTION_PLANNED),
    NcStatus.CLOSED: (),
}
GUARDS: dict[str, Any] = {
    NcStatus.ANALYSED: _("needs a root cause"),
    NcStatus.ACTION_PLANNED: _("needs at least one corrective action"),
    NcStatus.VERIFYING: _("needs every corrective action done (or cancelled, one done)"),
    NcStatus.CLOSED: _("needs an effective verification (the latest)"),
}


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_ACTIONS = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class VerificationResult(models.TextChoices):
    EFFECTIVE = "effective", _("Effective")
    INEFFECTIVE = "ineffective", _("Ineffective")


class OpportunityStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    IMPLEMENTED = "implemented", _("Implemented")
    REJECTED = "rejected", _("Rejected")
