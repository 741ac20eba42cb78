from django.db import models
from django.utils.translation import gettext_lazy as _


class ImplementationStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    PLANNED = "planned", _("Planned")
    PARTIAL = "partially_implemented", _("Partially implemented")
    IMPLEMENTED = "implemented", _("Implemented")


class EvidenceKind(models.TextChoices):
    FILE = "file", _("File")
    LINK = "link", _("Link")
    NOTE = "note", _("Note")


class Freshness(models.TextChoices):
    FRESH = "fresh", _("Fresh")
    EXPIRING = "expiring", _("Expiring")
    STALE = "stale", _("Stale")


class CheckMethod(models.TextChoices):
    INSPECTION = "inspection", _("Inspection of records")
    OBSERVATION = "observation", _("Observation")
    INQUIRY = "inquiry", _("Inquiry (interview)")
    REPERFORMANCE = "reperformance", _("Re-performance")
    AUTOMATED = "automated", _("Automated check")


class RunResult(models.TextChoices):
    PASS = "pass", _("Pass")
    PARTIAL = "partial", _("Partial")
    FAIL = "fail", _("Fail")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    AT_RISK = "at_risk", _("At risk")
    FAILING = "failing", _("Failing")
