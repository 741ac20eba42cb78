"""Frameworks (any standard or control set), their requirement trees, mapping sets between
frameworks, control templates, and which frameworks an organisation adopts.

A library with ``organization`` NULL is global (shipped content, or imported by an operator on
the command line) and read-only for organisations; one imported by an organisation's owner
belongs to that organisation only.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.core.models import OrganizationOwned


class Library(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    urn = models.CharField(max_length=255)
    name = models.CharField(max_length=255)
    version = models.CharField(max_length=50)
    provider = models.CharField(max_length=255, blank=True)
    publication_date = models.DateField(null=True, blank=True)
    copyright = models.TextField(blank=True)
    description = models.TextField(blank=True)
    format = models.CharField(max_length=30)
    dependencies = models.JSONField(default=list, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    content_hash = models.CharField(max_length=64)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "libraries"
        constraints = [
            models.UniqueConstraint(
                fields=["urn"], condition=Q(organization__isnull=True), name="library_global_urn"
            ),
            models.UniqueConstraint(fields=["organization", "urn"], name="library_org_urn"),
        ]

    def __str__(self) -> str:
        return self.name


class Framework(models.Model):
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="frameworks")
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    urn = models.CharField(max_length=255)
    ref_id = models.CharField(max_length=100)
    name = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    version = models.CharField(max_length=50)
    provider = models.CharField(max_length=255, blank=True)
    publication_date = models.DateField(null=True, blank=True)
    copyright = models.TextField(blank=True)
    locale = models.CharField(max_length=10, default="en")
    attribute_schema = models.JSONField(default=list, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    source = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["urn"], condition=Q(organization__isnull=True), name="framework_global_urn"
            ),
            models.UniqueConstraint(fields=["organization", "urn"], name="framework_org_urn"),
        ]

    def __str__(self) -> str:
        return self.name


class RequirementNode(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    urn = models.CharField(max_length=255)
    ref_id = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    guidance = models.TextField(_("typical evidence / guidance"), blank=True)
    kind = models.CharField(max_length=30)
    assessable = models.BooleanField(default=True)
    order = models.PositiveIntegerField()
    depth = models.PositiveSmallIntegerField(default=1)
    attributes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "urn"], name="node_framework_urn")
        ]
        indexes = [models.Index(fields=["framework", "ref_id"], name="node_framework_ref")]

    def __str__(self) -> str:
        return f"{self.ref_id} {self.name}".strip() or self.urn

    @property
    def label(self) -> str:
        return str(self)


class MappingSet(models.Model):
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="mapping_sets")
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    urn = models.CharField(max_length=255)
    name = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    source_framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    target_framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["urn"], condition=Q(organization__isnull=True), name="mappingset_global_urn"
            ),
            models.UniqueConstraint(fields=["organization", "urn"], name="mappingset_org_urn"),
        ]

    def __str__(self) -> str:
        return self.name


class Relationship(models.TextChoices):
    EQUAL = "equal", _("equal")
    SUBSET = "subset", _("subset of")
    SUPERSET = "superset", _("superset of")
    INTERSECT = "intersect", _("intersects")
    NOT_RELATED = "not_related", _("not related")


class RequirementMapping(models.Model):
    mapping_set = models.ForeignKey(MappingSet, on_delete=models.CASCADE, related_name="mappings")
    source = models.ForeignKey(
        RequirementNode, on_delete=models.CASCADE, related_name="mappings_out"
    )
    target = models.ForeignKey(
        RequirementNode, on_delete=models.CASCADE, related_name="mappings_in"
    )
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    strength = models.PositiveSmallIntegerField(null=True, blank=True)
    rationale = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mapping_set", "source", "target"], name="mapping_unique_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.relationship} {self.target_id}"


class ControlTemplate(models.Model):
    """A reusable control description (e.g. CISO Assistant ``reference_controls``) that an
    organisation can adopt as one of its implemented controls."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="control_templates")
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    urn = models.CharField(max_length=255)
    ref_id = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=100, blank=True)
    function = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["ref_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["library", "urn"], name="template_library_urn")
        ]

    def __str__(self) -> str:
        return f"{self.ref_id} {self.name}".strip()


class FrameworkAdoption(OrganizationOwned):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="adoptions")
    adopted_at = models.DateTimeField(default=timezone.now)
    adopted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "framework"], name="adoption_unique")
        ]

    def __str__(self) -> str:
        return str(self.framework)
