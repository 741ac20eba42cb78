"""Internal audit (ISO/IEC 27001 9.2): the audit programme, audits with their scope, criteria
(requirements of the adopted frameworks), team and impartiality statement, and the checklist
(one item per criterion) on which results and findings are recorded. A major or minor
nonconformity found raises a nonconformity in the improvement register (10.2)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.audits.choices import NEEDS_FINDING, AuditStatus, ItemResult
from openisms.core.models import OrganizationOwned, Versioned


def _person(verbose: Any = None) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=verbose,
    )


def _check_period(start: object, end: object, field: str) -> None:
    if start is not None and end is not None and end < start:  # type: ignore[operator]
        raise ValidationError({field: _("The end comes before the start.")})


class AuditProgramme(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    objectives = models.TextField(_("objectives"), blank=True)
    owner = _person(_("owner"))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "-period_start", "ref"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref"], name="audit_programme_ref")
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    def clean(self) -> None:
        _check_period(self.period_start, self.period_end, "period_end")


class Audit(OrganizationOwned, Versioned):
    ref = models.CharField(_("ref"), max_length=30)
    programme = models.ForeignKey(
        AuditProgramme,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audits",
        verbose_name=_("programme"),
    )
    title = models.CharField(_("title"), max_length=300)
    scope = models.TextField(_("scope"), blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    criteria = models.ManyToManyField(
        "catalog.RequirementNode", blank=True, related_name="+", verbose_name=_("criteria")
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    lead_auditor = _person(_("lead auditor"))
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("audit team")
    )
    impartiality_statement = models.TextField(_("impartiality statement"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=AuditStatus.choices, default=AuditStatus.PLANNED
    )
    conclusion = models.TextField(_("conclusion"), blank=True)
    report_issued_on = models.DateField(_("report issued on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "-planned_start", "ref"]
        constraints = [models.UniqueConstraint(fields=["organization", "ref"], name="audit_ref")]
        indexes = [models.Index(fields=["organization", "status"], name="audit_org_status")]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    def clean(self) -> None:
        _check_period(self.planned_start, self.planned_end, "planned_end")
        _check_period(self.actual_start, self.actual_end, "actual_end")


class AuditItem(OrganizationOwned, Versioned):
    """One line of an audit's checklist: a requirement of the criteria, the question asked, what
    was sampled, the result and the finding."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="items")
    requirement = models.ForeignKey(
        "catalog.RequirementNode",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requirement"),
    )
    order = models.PositiveIntegerField(default=0)
    question = models.TextField(_("question"), blank=True)
    sampling_notes = models.TextField(
        _("sampling notes"),
        blank=True,
        help_text=_("What was sampled (records, people, sites); why not, if not sampled."),
    )
    result = models.CharField(_("result"), max_length=20, choices=ItemResult.choices, blank=True)
    finding = models.TextField(_("finding"), blank=True)
    evidence = models.ManyToManyField(
        "controls.Evidence", blank=True, related_name="+", verbose_name=_("evidence sampled")
    )
    recorded_by = _person(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    nonconformity = models.ForeignKey(
        "improvement.Nonconformity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("nonconformity raised"),
    )

    class Meta:
        ordering = ["audit", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "requirement"], name="audit_item_requirement")
        ]

    def __str__(self) -> str:
        return f"{self.audit_id}:{self.requirement_id}"

    def clean(self) -> None:
        if self.result in NEEDS_FINDING and not (self.finding or "").strip():
            raise ValidationError({"finding": _("Say what was found.")})
        if self.result == ItemResult.NOT_SAMPLED and not (self.sampling_notes or "").strip():
            raise ValidationError(
                {"sampling_notes": _("Say why this requirement was not sampled.")}
            )
