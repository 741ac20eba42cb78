from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.TextChoices):
    CONFIDENTIALITY = "confidentiality", _("Confidentiality breach")
    INTEGRITY = "integrity", _("Integrity")
    AVAILABILITY = "availability", _("Availability")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class IncidentStatus(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    CONTAINED = "contained", _("Contained")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# The lifecycle (guards in the services: resolved needs the response, closed the lessons).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    IncidentStatus.NEW: (IncidentStatus.TRIAGED,),
    IncidentStatus.TRIAGED: (IncidentStatus.CONTAINED, IncidentStatus.RESOLVED),
    IncidentStatus.CONTAINED: (IncidentStatus.RESOLVED, IncidentStatus.TRIAGED),
    IncidentStatus.RESOLVED: (IncidentStatus.CLOSED, IncidentStatus.CONTAINED),
    IncidentStatus.CLOSED: (IncidentStatus.RESOLVED,),
}
