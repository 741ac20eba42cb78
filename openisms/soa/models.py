"""The Statement of Applicability (ISO/IEC 27001 6.1.3 d): one per organisation and framework
(ISO/IEC 27001:2022 Annex A by default).

``SoaEntry`` rows are the living draft, edited with optimistic locking. ``approve`` freezes the
whole statement, with every derived column (risk refs, implementing controls, implementation
status, evidence), into an immutable ``SoaVersion``; nothing edits a version afterwards.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.core.models import OrganizationOwned, Versioned


class Soa(OrganizationOwned, Versioned):
    framework = models.ForeignKey("catalog.Framework", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=300, default="Statement of Applicability")
    classification = models.CharField(_("classification"), max_length=100, default="Internal")
    created_at = models.DateTimeField(default=timezone.now)
    # When the draft last changed (an entry edited, rows added); compared with the latest
    # approval to tell whether the draft holds unapproved changes.
    draft_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "framework"], name="soa_org_framework")
        ]

    def __str__(self) -> str:
        return self.title


class SoaEntry(OrganizationOwned, Versioned):
    soa = models.ForeignKey(Soa, on_delete=models.CASCADE, related_name="entries")
    requirement = models.ForeignKey(
        "catalog.RequirementNode", on_delete=models.PROTECT, related_name="+"
    )
    # None until someone decides.
    applicable = models.BooleanField(_("applicable"), null=True, blank=True)
    # Reasons for inclusion. ``risk_treatment`` is derived from the risk register, never stored.
    legal_regulatory = models.BooleanField(_("legal or regulatory"), default=False)
    legal_reference = models.TextField(_("legal or regulatory reference"), blank=True)
    contractual = models.BooleanField(_("contractual"), default=False)
    contractual_reference = models.TextField(_("contractual reference"), blank=True)
    business_requirement = models.BooleanField(_("business requirement"), default=False)
    business_reference = models.TextField(_("business requirement"), blank=True)
    justification = models.TextField(_("justification for exclusion"), blank=True)
    notes = models.TextField(_("implementation notes"), blank=True)
    order = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["soa", "order"]
        verbose_name_plural = "SoA entries"
        constraints = [
            models.UniqueConstraint(fields=["soa", "requirement"], name="soaentry_requirement")
        ]

    def __str__(self) -> str:
        return f"{self.soa_id}:{self.requirement_id}"


class SoaVersion(OrganizationOwned):
    """An approved, immutable statement. ``rows`` holds one dict per requirement, with every
    column as it stood at approval (see ``openisms.soa.selectors.ROW_KEYS``)."""

    soa = models.ForeignKey(Soa, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approver_name = models.CharField(_("approver"), max_length=254)
    approved_at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(_("approval comment"), blank=True)
    classification = models.CharField(max_length=100)
    framework_name = models.CharField(max_length=500)
    rows = models.JSONField()
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["soa", "-number"]
        constraints = [models.UniqueConstraint(fields=["soa", "number"], name="soaversion_number")]

    def __str__(self) -> str:
        return f"SoA v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("An approved SoA version is immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("An approved SoA version is immutable.")
