from django.db import models
from django.utils.translation import gettext_lazy as _


class Side(models.TextChoices):
    """Whether an issue or an interested party is internal or external (ISO/IEC 27001 4.1, 4.2)."""

    INTERNAL = "internal", _("Internal")
    EXTERNAL = "external", _("External")


class IssueCategory(models.TextChoices):
    """PESTLE, plus the organisation's own matters."""

    POLITICAL = "political", _("Political")
    ECONOMIC = "economic", _("Economic")
    SOCIAL = "social", _("Social")
    TECHNOLOGICAL = "technological", _("Technological")
    LEGAL = "legal", _("Legal")
    ENVIRONMENTAL = "environmental", _("Environmental")
    ORGANISATIONAL = "organisational", _("Organisational")


class ObligationKind(models.TextChoices):
    LEGAL = "legal", _("Legal")
    REGULATORY = "regulatory", _("Regulatory")
    CONTRACTUAL = "contractual", _("Contractual")
    OTHER = "other", _("Other")


# The SoA inclusion reason an obligation of each kind makes hold.
SOA_REASON = {
    ObligationKind.LEGAL: "legal_regulatory",
    ObligationKind.REGULATORY: "legal_regulatory",
    ObligationKind.CONTRACTUAL: "contractual",
}
