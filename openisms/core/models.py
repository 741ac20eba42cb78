"""Base models shared by every app, and the audit trail.

``OrganizationOwned`` rows belong to exactly one organisation and are read only through the
scoped gate (``openisms.core.gate``). ``Versioned`` rows carry an optimistic-locking counter
that the generic services in ``openisms.core.services`` check and bump.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationOwned(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )

    class Meta:
        abstract = True


class Versioned(models.Model):
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class AuditChain(models.Model):
    """Head of one hash chain: one per organisation, plus a global one (organisation NULL)
    for events that belong to no organisation (e.g. a failed login for an unknown e-mail).

    The head is the only mutable part of the trail; appending locks it, so concurrent writers
    are serialised and the chain never forks. It also lets ``verify`` notice a removed tail.
    """

    key = models.CharField(max_length=64, unique=True)
    organization = models.OneToOneField(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return self.key


class AuditEvent(models.Model):
    """One append-only, hash-chained event. Database triggers refuse UPDATE and DELETE."""

    chain = models.ForeignKey(AuditChain, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveBigIntegerField()
    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    timestamp = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=255, blank=True)
    object_repr = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    context = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["chain", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_event_chain_seq_unique")
        ]
        indexes = [
            models.Index(fields=["organization", "-seq"], name="audit_event_org_seq"),
            models.Index(
                fields=["organization", "object_type", "object_id"], name="audit_event_obj"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chain_id}#{self.seq} {self.action}"


class RefCounter(models.Model):
    """The last number handed out for a kind of reference in an organisation (``R-042``).
    Numbers are never reused, even after a record is deleted."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(max_length=30)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="refcounter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"
