"""Writes for organisations, users, memberships and API tokens (UI, API and CLI call these)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.accounts.backends import forget_roles
from openisms.accounts.models import ApiToken, Membership, Organization, User
from openisms.accounts.roles import Role
from openisms.core import audit
from openisms.core.gate import current_memberships, require
from openisms.core.services import record_create, record_delete, record_event, record_update

UNCHANGED = object()  # a keyword argument the caller did not send
TOKEN_PREFIX = "oism_"  # noqa: S105 (a prefix, not a secret)


# --- organisations --------------------------------------------------------------------------


def organization_create(
    *, slug: str, name: str, actor: Any = None, owner: User | None = None
) -> Organization:
    """Create an organisation (CLI and demo; there is no self-service sign-up)."""
    with transaction.atomic():
        if Organization.objects.filter(slug=slug).exists():
            raise ValidationError(
                {"slug": _("An organisation with slug “%s” already exists.") % slug}
            )
        org = record_create(Organization(slug=slug, name=name), actor=actor)
        if owner is not None:
            membership_add(organization=org, actor=actor, user=owner, role=Role.OWNER, check=False)
    return org


def organization_update(
    *,
    organization: Organization,
    actor: User,
    version: int | None,
    if_match: bool = False,
    **data: Any,
) -> Organization:
    require(actor, "accounts.change_organization", organization)
    allowed = {"name", "require_mfa"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    return record_update(
        organization, actor=actor, data=data, expected_version=version, if_match=if_match
    )


# --- users ----------------------------------------------------------------------------------


def user_create(
    *, email: str, password: str | None, full_name: str = "", actor: Any = None
) -> User:
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A user with e-mail %s already exists.") % email})
    user = User(email=email, full_name=full_name)
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


# --- memberships ----------------------------------------------------------------------------


def membership_add(
    *,
    organization: Organization,
    actor: Any,
    user: User,
    role: str,
    access_starts_at: datetime | None = None,
    access_expires_at: datetime | None = None,
    check: bool = True,
) -> Membership:
    if check:
        require(actor, "accounts.manage_members", organization)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%s”.") % role})
    _check_window(role, access_starts_at, access_expires_at, adding=False)
    with transaction.atomic():
        if Membership.objects.filter(organization=organization, user=user).exists():
            raise ValidationError({"user": _("%s is already a member.") % user.email})
        membership = record_create(
            Membership(
                organization=organization,
                user=user,
                role=role,
                access_starts_at=access_starts_at,
                access_expires_at=access_expires_at,
            ),
            actor=actor,
            action="membership.add",
        )
    forget_roles(user)
    return membership


def _check_window(
    role: str,
    starts: datetime | None,
    expires: datetime | None,
    *,
    adding: bool,
    end_required: bool | None = None,
) -> None:
    """The access window: an auditor invited or given the role has one ("access until"
    required; ``adding``: in the future; ``end_required`` defaults to ``adding``); when both
    ends are given, the window must not be empty. The operator's low-level ``membership_add``
    (demo, ``openisms user create``) may add a permanent auditor."""
    errors: dict[str, str] = {}
    if end_required is None:
        end_required = adding
    if end_required and role == Role.AUDITOR and expires is None:
        errors["access_expires_at"] = _("An auditor's access needs an end (“access until”).")
    elif adding and expires is not None and expires <= timezone.now():
        errors["access_expires_at"] = _("“Access until” must be in the future.")
    if starts is not None and expires is not None and starts >= expires:
        errors["access_starts_at"] = _("“Access from” must be before “access until”.")
    if errors:
        raise ValidationError(errors)


def _in_window(starts: datetime | None, expires: datetime | None, now: datetime) -> bool:
    return (starts is None or starts <= now) and (expires is None or expires > now)


def _ensure_an_owner_remains(
    membership: Membership,
    *,
    new_role: str | None,
    expires: datetime | None = None,
    starts: datetime | None = None,
) -> None:
    """After the change, at least one *current* owner (active account, inside its access
    window) must remain. The organisation's owner rows are locked while checking, so two
    owners demoting each other at the same moment cannot both succeed."""
    now = timezone.now()
    if membership.role != Role.OWNER and new_role != Role.OWNER:
        return
    if new_role == Role.OWNER and _in_window(starts, expires, now):
        return  # this membership is, and stays, a current owner
    owners = list(
        Membership.objects.select_for_update(of=("self",))
        .filter(organization_id=membership.organization_id, role=Role.OWNER, user__is_active=True)
        .exclude(pk=membership.pk)
        .values_list("access_starts_at", "access_expires_at")
    )
    if not any(_in_window(s, e, now) for s, e in owners):
        raise ValidationError(_("An organisation needs at least one current owner."))


def membership_change_role(
    *,
    membership: Membership,
    actor: User,
    role: str,
    version: int | None,
    access_expires_at: datetime | object | None = UNCHANGED,
    access_starts_at: datetime | object | None = UNCHANGED,
    if_match: bool = False,
) -> Membership:
    """Change a role and, when given, the access window (``UNCHANGED`` keeps an end)."""
    require(actor, "accounts.manage_members", membership)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%s”.") % role})
    expires = membership.access_expires_at if access_expires_at is UNCHANGED else access_expires_at
    starts = membership.access_starts_at if access_starts_at is UNCHANGED else access_starts_at
    _check_window(role, starts, expires, adding=False, end_required=True)  # type: ignore[arg-type]
    with transaction.atomic():
        _ensure_an_owner_remains(
            membership,
            new_role=role,
            expires=expires,  # type: ignore[arg-type]
            starts=starts,  # type: ignore[arg-type]
        )
        record_update(
            membership,
            actor=actor,
            data={"role": role, "access_starts_at": starts, "access_expires_at": expires},
            expected_version=version,
            if_match=if_match,
            action="membership.role_change",
        )
    forget_roles(membership.user)
    forget_roles(actor)
    return membership


def membership_remove(
    *, membership: Membership, actor: User, version: int | None, if_match: bool = False
) -> None:
    """Remove a member (from the version the caller saw) and revoke their tokens for the
    organisation, each revocation audited."""
    require(actor, "accounts.manage_members", membership)
    with transaction.atomic():
        _ensure_an_owner_remains(membership, new_role=None)
        for token in membership.user.api_tokens.filter(
            organization_id=membership.organization_id, revoked_at__isnull=True
        ):
            record_update(
                token, actor=actor, data={"revoked_at": timezone.now()}, action="token.revoke"
            )
        record_delete(
            membership,
            actor=actor,
            expected_version=version,
            action="membership.remove",
            if_match=if_match,
        )
    forget_roles(membership.user)


# --- API tokens -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(
    *, organization: Organization, actor: User, name: str, expires_at: datetime | None = None
) -> NewToken:
    """A new token for ``actor`` in ``organization``; the secret is returned once."""
    require(actor, "accounts.use_api_tokens", organization)
    if organization.require_mfa and not user_has_mfa(actor):
        raise ValidationError(
            _("This organisation requires two-factor authentication: set it up first.")
        )
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = record_create(
        ApiToken(
            organization=organization,
            user=actor,
            name=name.strip() or _("API token"),
            prefix=prefix,
            key_hash=hash_token(secret),
            expires_at=expires_at,
        ),
        actor=actor,
        action="token.create",
    )
    return NewToken(token=token, secret=secret)


def token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Users revoke their own tokens; owners may revoke anyone's in their organisation."""
    if token.user_id != actor.pk:
        require(actor, "accounts.manage_members", token)
    else:
        require(actor, "accounts.use_api_tokens", token)
    if token.revoked_at is not None:
        return token
    return record_update(
        token, actor=actor, data={"revoked_at": timezone.now()}, action="token.revoke"
    )


def token_authenticate(secret: str) -> ApiToken | None:
    """The usable token for ``secret``, or None. Records its use in the audit trail at most
    once per ``OPENISMS_TOKEN_USE_AUDIT_INTERVAL`` seconds."""
    from django.conf import settings

    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "organization")
        .filter(key_hash=hash_token(secret))
        .first()
    )
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    now = timezone.now()
    interval = settings.OPENISMS_TOKEN_USE_AUDIT_INTERVAL
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= interval:
        with transaction.atomic():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
            record_event(instance=token, actor=token.user, action="token.use")
    return token


def user_has_mfa(user: User) -> bool:
    from allauth.mfa.utils import is_mfa_enabled

    return bool(is_mfa_enabled(user))


# --- authentication events ------------------------------------------------------------------


def auth_event_record(*, user: User | None, email: str, action: str, by_user: bool = True) -> None:
    """Login, logout and failed login: one event in each organisation where the person is a
    current member (their auditors see it), or in the global chain otherwise."""
    with transaction.atomic():
        org_ids = (
            list(current_memberships(user).values_list("organization_id", flat=True))
            if user is not None
            else []
        )
        actor = user if by_user else None
        label = None if by_user else "anonymous"
        target: dict[str, Any] = {
            "object_type": "accounts.user",
            "object_id": str(user.pk) if user else "",
            "object_repr": email[:255],
        }
        if not org_ids:
            audit.record(organization=None, actor=actor, actor_label=label, action=action, **target)
        for org in Organization.objects.filter(pk__in=org_ids):
            audit.record(organization=org, actor=actor, actor_label=label, action=action, **target)


def member_invite(
    *,
    organization: Organization,
    actor: User,
    email: str,
    role: str,
    full_name: str = "",
    access_starts_at: datetime | None = None,
    access_expires_at: datetime | None = None,
) -> Membership:
    """Add a person by e-mail, creating their account (without a password: they set one with
    "Forgot password?" on the sign-in page) when they have none. An auditor is invited for a
    period: "access until" is required and must lie ahead."""
    require(actor, "accounts.manage_members", organization)
    _check_window(role, access_starts_at, access_expires_at, adding=True)
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            user = user_create(email=email, password=None, full_name=full_name, actor=actor)
        return membership_add(
            organization=organization,
            actor=actor,
            user=user,
            role=role,
            access_starts_at=access_starts_at,
            access_expires_at=access_expires_at,
        )
