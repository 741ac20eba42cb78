"""Context of the organisation (ISO/IEC 27001 4.1–4.3) and legal, statutory, regulatory and
contractual requirements (Annex A 5.31).

* ``ContextIssue``: an internal or external issue and its effect on the ISMS (4.1).
* ``InterestedParty`` and its ``Obligation``\\ s: requirements the ISMS must address (4.2, A.5.31),
  linked to the controls and the requirements (e.g. Annex A controls) they drive. The SoA's
  legal/regulatory and contractual inclusion reasons derive from them.
* ``ScopeStatement``: the living draft of the ISMS scope (4.3), one per organisation;
  ``approve`` freezes it into an immutable, numbered ``ScopeVersion``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.core.models import OrganizationOwned, Versioned
from openisms.governance.choices import IssueCategory, ObligationKind, Side


def _owner() -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )


class ContextIssue(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    side = models.CharField(_("internal or external"), max_length=10, choices=Side.choices)
    category = models.CharField(_("category"), max_length=20, choices=IssueCategory.choices)
    description = models.TextField(_("description"), blank=True)
    effect = models.TextField(_("effect on the ISMS"), blank=True)
    owner = _owner()
    review_date = models.DateField(_("next review"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "ref"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="contextissue_ref")
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def review_overdue(self) -> bool:
        return self.review_date is not None and self.review_date < timezone.localdate()


class InterestedParty(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    name = models.CharField(_("name"), max_length=300)
    side = models.CharField(_("internal or external"), max_length=10, choices=Side.choices)
    description = models.TextField(_("description"), blank=True)
    expectations = models.TextField(_("needs and expectations"), blank=True)
    owner = _owner()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "ref"]
        verbose_name_plural = "interested parties"
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="interestedparty_ref")
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.name}"


class Obligation(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    party = models.ForeignKey(
        InterestedParty,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="obligations",
        verbose_name=_("interested party"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ObligationKind.choices)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    source_reference = models.CharField(_("source reference"), max_length=500, blank=True)
    addressed_by_isms = models.BooleanField(_("addressed by the ISMS"), default=True)
    controls = models.ManyToManyField(
        "controls.Control", blank=True, related_name="obligations", verbose_name=_("controls")
    )
    requirements = models.ManyToManyField(
        "catalog.RequirementNode",
        blank=True,
        related_name="obligations",
        verbose_name=_("requirements"),
    )
    owner = _owner()
    review_date = models.DateField(_("next review"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "ref"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="obligation_ref")
        ]
        indexes = [models.Index(fields=["organization", "kind"], name="obligation_org_kind")]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def review_overdue(self) -> bool:
        return self.review_date is not None and self.review_date < timezone.localdate()


class ScopeStatement(OrganizationOwned, Versioned):
    """The draft scope of the ISMS (one per organisation)."""

    text = models.TextField(_("scope statement"), blank=True)
    boundaries = models.TextField(_("boundaries"), blank=True)
    interfaces = models.TextField(_("interfaces and dependencies"), blank=True)
    exclusions = models.TextField(_("exclusions"), blank=True)
    assets = models.ManyToManyField(
        "assets.Asset",
        blank=True,
        related_name="in_scope_of",
        verbose_name=_("sites, processes and assets in scope"),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="scopestatement_org")]

    def __str__(self) -> str:
        return "ISMS scope"


class ScopeVersion(OrganizationOwned):
    """An approved, immutable scope. ``content`` holds the statement as it stood at approval
    (text fields and the in-scope assets' refs, names and types)."""

    scope = models.ForeignKey(ScopeStatement, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approver_name = models.CharField(_("approver"), max_length=254)
    approved_at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(_("approval comment"), blank=True)
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["scope", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "number"], name="scopeversion_number")
        ]

    def __str__(self) -> str:
        return f"Scope v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("An approved scope version is immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("An approved scope version is immutable.")
