"""Answers ``user.has_perm(perm, obj)`` from the user's role in the object's organisation."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend

from openisms.accounts.roles import OWN_RECORDS_ONLY, role_has_perm
from openisms.core.gate import current_memberships

_CACHE_ATTR = "_openisms_roles"


def roles_by_org(user: Any) -> dict[int, str]:
    """Organisation id → role for the user's current memberships, loaded once per user object
    (i.e. once per request)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = dict(current_memberships(user).values_list("organization_id", "role"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def organization_id_of(obj: Any) -> int | None:
    if obj is None:
        return None
    if obj._meta.label == "accounts.Organization":
        return obj.pk
    return getattr(obj, "organization_id", None)


class OrganizationRoleBackend:
    """Object permissions only: with no object there is no organisation, hence no answer."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def get_user(self, user_id: int) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not getattr(user_obj, "is_active", False) or not user_obj.is_authenticated:
            return False
        org_id = organization_id_of(obj)
        if org_id is None:
            return False
        role = roles_by_org(user_obj).get(org_id)
        if not role_has_perm(role, perm):
            return False
        # Contributors act on the records they own only (a record with an ``owner``).
        if role in OWN_RECORDS_ONLY and obj._meta.label != "accounts.Organization":
            owner_id = getattr(obj, "owner_id", None)
            if owner_id is not None or hasattr(obj, "owner_id"):
                return bool(owner_id == user_obj.pk)
        return True

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()


class LoginBackend(AllauthBackend):
    """allauth's e-mail/password authentication, without Django's model permissions: every
    permission comes from ``OrganizationRoleBackend``."""

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False
