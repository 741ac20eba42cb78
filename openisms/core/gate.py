"""The scoped gate: the only way views, API handlers and commands reach organisation data.

* ``organization_for(user, slug)`` resolves the organisation in the URL for a user who is a
  current member of it, and answers 404 otherwise (never 403: another organisation's existence
  is not disclosed).
* ``scoped(model, org)`` is a queryset narrowed to that organisation.
* ``get_scoped_or_404(model, org, **lookup)`` fetches one record of that organisation or 404.
* ``require(user, perm, obj)`` raises PermissionDenied unless the role grants ``perm``.

The tenant model is named, not imported, so that ``core`` stays below ``accounts``.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _


def _organization_model() -> type[models.Model]:
    return apps.get_model("accounts", "Organization")


def _current(qs: QuerySet) -> QuerySet:
    """Memberships that grant something now (auditor access has a window: it may not have
    begun yet, or have ended)."""
    now = timezone.now()
    return qs.filter(
        Q(access_starts_at__isnull=True) | Q(access_starts_at__lte=now),
        Q(access_expires_at__isnull=True) | Q(access_expires_at__gt=now),
    )


def current_memberships(user: Any) -> QuerySet:
    """The user's memberships that grant something now."""
    membership = apps.get_model("accounts", "Membership")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return membership.objects.none()
    return _current(membership._default_manager.filter(user=user))


def current_members(organization: Any) -> QuerySet:
    """The organisation's memberships that grant something now."""
    membership = apps.get_model("accounts", "Membership")
    return _current(membership._default_manager.filter(organization=organization))


def organizations_for(user: Any) -> QuerySet:
    org_ids = current_memberships(user).values("organization_id")
    return _organization_model()._default_manager.filter(pk__in=org_ids).order_by("name")


def organization_for(user: Any, slug: str, *, token: Any = None) -> Any:
    """The organisation ``slug`` if ``user`` is a current member (and, for an API token, the
    token belongs to it); 404 otherwise."""
    org = organizations_for(user).filter(slug=slug).first()
    if org is None or (token is not None and token.organization_id != org.pk):
        raise Http404(_("No such organisation."))
    return org


def scoped[M: models.Model](model_or_qs: type[M] | QuerySet[M], org: Any) -> QuerySet[M]:
    qs = model_or_qs if isinstance(model_or_qs, QuerySet) else model_or_qs._default_manager.all()
    if qs.model._meta.label == "accounts.Organization":
        return qs.filter(pk=org.pk)
    return qs.filter(organization=org)


def get_scoped_or_404[M: models.Model](
    model_or_qs: type[M] | QuerySet[M], org: Any, **lookup: Any
) -> M:
    obj = scoped(model_or_qs, org).filter(**lookup).first()
    if obj is None:
        raise Http404(_("Not found."))
    return obj


def require(user: Any, perm: str, obj: Any) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("Your role does not allow this."))
