"""The asset inventory (ISO/IEC 27001 A.5.9) and the organisation's classification scheme
(A.5.12)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openisms.assets.choices import AssetType, Lifecycle, Requirement
from openisms.core.models import OrganizationOwned, Versioned


class ClassificationLevel(OrganizationOwned, Versioned):
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["organization", "order"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="classification_name")
        ]

    def __str__(self) -> str:
        return self.name


class Asset(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=20, choices=AssetType.choices)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("custodian"),
    )
    classification = models.ForeignKey(
        ClassificationLevel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assets",
        verbose_name=_("classification"),
    )
    confidentiality = models.PositiveSmallIntegerField(
        _("confidentiality"), choices=Requirement.choices, default=Requirement.MEDIUM
    )
    integrity = models.PositiveSmallIntegerField(
        _("integrity"), choices=Requirement.choices, default=Requirement.MEDIUM
    )
    availability = models.PositiveSmallIntegerField(
        _("availability"), choices=Requirement.choices, default=Requirement.MEDIUM
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    lifecycle = models.CharField(
        _("lifecycle status"), max_length=20, choices=Lifecycle.choices, default=Lifecycle.IN_USE
    )
    in_scope = models.BooleanField(_("in ISMS scope"), default=True)
    depends_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="dependents",
        verbose_name=_("depends on"),
    )

    class Meta:
        ordering = ["organization", "ref"]
        constraints = [models.UniqueConstraint(fields=["organization", "ref"], name="asset_ref")]
        indexes = [
            models.Index(fields=["organization", "type"], name="asset_org_type"),
            models.Index(fields=["organization", "name"], name="asset_org_name"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.name}"
