from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from openisms.accounts.models import ApiToken, Membership, Organization, User
from openisms.core.gate import get_scoped_or_404, scoped


def member_list(*, organization: Organization) -> QuerySet[Membership]:
    return scoped(Membership, organization).select_related("user").order_by("user__email")


def member_get(*, organization: Organization, pk: Any) -> Membership:
    return get_scoped_or_404(Membership.objects.select_related("user"), organization, pk=pk)


def token_list(*, organization: Organization, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens in the organisation."""
    return scoped(ApiToken, organization).filter(user=user).order_by("-created_at")


def token_get(*, organization: Organization, user: User, pk: Any) -> ApiToken:
    return get_scoped_or_404(ApiToken.objects.filter(user=user), organization, pk=pk)
