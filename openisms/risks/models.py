"""Risk methodology (versioned), threat and vulnerability catalogs, the risk register, treatment
plan actions, acceptances and assessment runs (ISO/IEC 27001 6.1.2, 6.1.3, 8.2, 8.3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.core.models import OrganizationOwned, Versioned
from openisms.risks.choices import (
    ActionStatus,
    RiskKind,
    RiskStatus,
    RunStatus,
    ThreatCategory,
    TreatmentOption,
)


class Methodology(OrganizationOwned, Versioned):
    """The organisation's risk method. Its definition lives in immutable versions: a change
    creates a new ``MethodologyVersion`` and every assessment keeps the one it used."""

    name = models.CharField(_("name"), max_length=200)
    current = models.ForeignKey(
        "MethodologyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="methodology_one_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class MethodologyVersion(OrganizationOwned):
    methodology = models.ForeignKey(Methodology, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["methodology", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["methodology", "number"], name="methodology_version")
        ]

    def __str__(self) -> str:
        return f"{self.methodology.name} v{self.number}"


class Threat(Versioned):
    """Shipped threats have no organisation (read-only); an organisation adds, edits and
    deletes its own (optimistically locked like every edited record)."""

    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ref = models.CharField(_("ref"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=40, choices=ThreatCategory.choices)
    description = models.TextField(_("description"), blank=True)
    origin = models.JSONField(default=list, blank=True)
    affects = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["ref"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="threat_org_ref"),
            models.UniqueConstraint(
                fields=["ref"],
                condition=models.Q(organization__isnull=True),
                name="threat_global_ref",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.name}"


class Vulnerability(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["organization", "ref"]
        verbose_name_plural = "vulnerabilities"
        constraints = [models.UniqueConstraint(fields=["organization", "ref"], name="vuln_ref")]

    def __str__(self) -> str:
        return f"{self.ref} {self.name}"


class Risk(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=RiskKind.choices, default=RiskKind.SCENARIO
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RiskStatus.choices, default=RiskStatus.IDENTIFIED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    assets = models.ManyToManyField("assets.Asset", blank=True, related_name="risks")
    threat = models.ForeignKey(
        Threat, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    vulnerability = models.ForeignKey(
        Vulnerability, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    affects_confidentiality = models.BooleanField(_("confidentiality"), default=False)
    affects_integrity = models.BooleanField(_("integrity"), default=False)
    affects_availability = models.BooleanField(_("availability"), default=False)
    existing_controls = models.TextField(_("existing controls"), blank=True)
    # The methodology version the levels below were computed with (immutable).
    methodology_version = models.ForeignKey(
        MethodologyVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    inherent_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    inherent_consequence = models.PositiveSmallIntegerField(null=True, blank=True)
    inherent_level = models.CharField(max_length=30, blank=True)
    current_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    current_consequence = models.PositiveSmallIntegerField(null=True, blank=True)
    current_level = models.CharField(max_length=30, blank=True)
    current_level_order = models.PositiveSmallIntegerField(default=0)
    target_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    target_consequence = models.PositiveSmallIntegerField(null=True, blank=True)
    target_level = models.CharField(max_length=30, blank=True)
    # Consequence judged per C/I/A (methods whose cia_rule is "max"): {"inherent": {"c": 3,
    # "i": 2, "a": 4}, …} for the assessments so judged; <grid>_consequence holds the highest.
    consequence_by_cia = models.JSONField(default=dict, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    treatment_option = models.CharField(
        _("treatment"), max_length=20, choices=TreatmentOption.choices, blank=True
    )
    treatment_description = models.TextField(_("treatment description"), blank=True)
    annex_a_controls = models.ManyToManyField(
        "catalog.RequirementNode",
        blank=True,
        related_name="+",
        verbose_name=_("selected requirements"),
    )
    next_review = models.DateField(_("next review"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "ref"]
        constraints = [models.UniqueConstraint(fields=["organization", "ref"], name="risk_ref")]
        indexes = [
            models.Index(fields=["organization", "status"], name="risk_org_status"),
            models.Index(fields=["organization", "current_level_order"], name="risk_org_level"),
            models.Index(
                fields=["organization", "current_level", "ref"], name="risk_org_level_key"
            ),
            models.Index(
                fields=["organization", "-current_level_order", "ref"], name="risk_org_level_desc"
            ),
            models.Index(fields=["organization", "owner"], name="risk_org_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"


class TreatmentAction(OrganizationOwned, Versioned):
    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    progress_note = models.TextField(_("progress"), blank=True)

    class Meta:
        ordering = ["organization", "due_date", "pk"]
        indexes = [
            models.Index(fields=["organization", "status", "due_date"], name="action_org_due")
        ]

    def __str__(self) -> str:
        return self.title


class RiskAcceptance(OrganizationOwned):
    """Append-only: a new acceptance supersedes the previous one; none is edited."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="acceptances")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(default=timezone.now)
    justification = models.TextField()
    valid_until = models.DateField()
    level = models.CharField(max_length=30)
    methodology_version = models.ForeignKey(
        MethodologyVersion, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["risk", "-accepted_at"]

    def __str__(self) -> str:
        return f"{self.risk_id} accepted until {self.valid_until}"


class AssessmentRun(OrganizationOwned, Versioned):
    name = models.CharField(_("name"), max_length=200)
    scope = models.TextField(_("scope"), blank=True)
    participants = models.TextField(_("participants"), blank=True)
    methodology_version = models.ForeignKey(
        MethodologyVersion, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=RunStatus.choices, default=RunStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organization", "-started_at"]

    def __str__(self) -> str:
        return self.name


class AssessmentResult(OrganizationOwned):
    """One risk's frozen result in a completed run."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="results")
    risk = models.ForeignKey(Risk, null=True, on_delete=models.SET_NULL, related_name="+")
    ref = models.CharField(max_length=30)
    title = models.CharField(max_length=300)
    status = models.CharField(max_length=20)
    owner_label = models.CharField(max_length=254, blank=True)
    inherent_level = models.CharField(max_length=30, blank=True)
    current_level = models.CharField(max_length=30, blank=True)
    target_level = models.CharField(max_length=30, blank=True)
    treatment_option = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["run", "ref"]
        constraints = [models.UniqueConstraint(fields=["run", "ref"], name="result_run_ref")]

    def __str__(self) -> str:
        return f"{self.ref} in {self.run_id}"
