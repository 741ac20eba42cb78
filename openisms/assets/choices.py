from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetType(models.TextChoices):
    INFORMATION = "information", _("Information")
    SOFTWARE = "software", _("Software")
    HARDWARE = "hardware", _("Hardware")
    SERVICE = "service", _("Service")
    PEOPLE = "people", _("People")
    SITE = "site", _("Site")
    SUPPLIER = "supplier", _("Supplier")
    PROCESS = "process", _("Process")


class Lifecycle(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_USE = "in_use", _("In use")
    RETIRED = "retired", _("Retired")


class Requirement(models.IntegerChoices):
    """Confidentiality / integrity / availability requirement of an asset."""

    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    VERY_HIGH = 4, _("Very high")
