from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskStatus(models.TextChoices):
    IDENTIFIED = "identified", _("Identified")
    ANALYSED = "analysed", _("Analysed")
    TREATMENT_PLANNED = "treatment_planned", _("Treatment planned")
    TREATED = "treated", _("Treated")
    ACCEPTED = "accepted", _("Accepted")
    CLOSED = "closed", _("Closed")


# The lifecycle: which status may follow which.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    RiskStatus.IDENTIFIED: (RiskStatus.ANALYSED, RiskStatus.CLOSED),
    RiskStatus.ANALYSED: (RiskStatus.TREATMENT_PLANNED, RiskStatus.ACCEPTED, RiskStatus.CLOSED),
    RiskStatus.TREATMENT_PLANNED: (RiskStatus.TREATED, RiskStatus.ACCEPTED, RiskStatus.ANALYSED),
    RiskStatus.TREATED: (RiskStatus.ACCEPTED, RiskStatus.ANALYSED, RiskStatus.CLOSED),
    RiskStatus.ACCEPTED: (RiskStatus.ANALYSED, RiskStatus.CLOSED),
    RiskStatus.CLOSED: (RiskStatus.IDENTIFIED,),
}


class RiskKind(models.TextChoices):
    SCENARIO = "scenario", _("Scenario")
    ASSET_BASED = "asset_based", _("Asset × threat × vulnerability")


class TreatmentOption(models.TextChoices):
    MODIFY = "modify", _("Modify (reduce with controls)")
    RETAIN = "retain", _("Retain")
    AVOID = "avoid", _("Avoid")
    SHARE = "share", _("Share (transfer)")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ThreatCategory(models.TextChoices):
    PHYSICAL = "physical", _("Physical")
    NATURAL = "natural", _("Natural")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure failure")
    TECHNICAL_FAILURE = "technical_failure", _("Technical failure")
    HUMAN_ACTION = "human_action", _("Human action")
    COMPROMISE = "compromise_of_information", _("Compromise of information")
    UNAUTHORISED = "unauthorised_action", _("Unauthorised action")
    ORGANISATIONAL = "organisational", _("Organisational")


class RunStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
