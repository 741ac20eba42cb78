from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    REPORTED = "reported", _("Reported")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# The lifecycle: which status may follow which (the guards are in the services).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    AuditStatus.PLANNED: (AuditStatus.IN_PROGRESS, AuditStatus.CANCELLED),
    AuditStatus.IN_PROGRESS: (AuditStatus.REPORTED, AuditStatus.CANCELLED),
    AuditStatus.REPORTED: (AuditStatus.CLOSED,),
    AuditStatus.CLOSED: (),
    AuditStatus.CANCELLED: (),
}
GUARDS: dict[str, Any] = {
    AuditStatus.IN_PROGRESS: _(
        "needs a lead auditor, a checklist, and an impartiality statement when an auditor "
        "owns a control in the criteria"
    ),
    AuditStatus.REPORTED: _("needs a result on every checklist item and a conclusion"),
    AuditStatus.CLOSED: _("needs a nonconformity raised for every major or minor finding"),
}
# Audits whose criteria and checklist may still change.
EDITABLE = (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS)


class ItemResult(models.TextChoices):
    CONFORMITY = "conformity", _("Conformity")
    MAJOR_NC = "major_nc", _("Major nonconformity")
    MINOR_NC = "minor_nc", _("Minor nonconformity")
    OBSERVATION = "observation", _("Observation")
    OFI = "ofi", _("Opportunity for improvement")
    NOT_SAMPLED = "not_sampled", _("Not sampled")


# Results that must say what was found.
NEEDS_FINDING = (
    ItemResult.MAJOR_NC,
    ItemResult.MINOR_NC,
    ItemResult.OBSERVATION,
    ItemResult.OFI,
)
# Results that are nonconformities, with the severity of the nonconformity they raise.
NC_SEVERITY: dict[str, str] = {ItemResult.MAJOR_NC: "major", ItemResult.MINOR_NC: "minor"}
