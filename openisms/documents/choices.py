from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentType(models.TextChoices):
    POLICY = "policy", _("Policy")
    PROCEDURE = "procedure", _("Procedure")
    PLAN = "plan", _("Plan")
    RECORD = "record", _("Record")
    STANDARD = "standard", _("Standard")
    OTHER = "other", _("Other")


class DocumentStatus(models.TextChoices):
    """Where the document stands: never approved yet (draft, in review), in force (approved:
    it has a current approved version, whatever its working draft is doing), or retired."""

    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    RETIRED = "retired", _("Retired")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")


class Transition(models.TextChoices):
    """What a user may ask of a document (approval has its own action and permission)."""

    SUBMIT = "in_review", _("Submit for review")
    RETURN = "draft", _("Return to draft")
    RETIRE = "retired", _("Retire")


class Bump(models.TextChoices):
    MINOR = "minor", _("Minor (x.y+1)")
    MAJOR = "major", _("Major (x+1.0)")
