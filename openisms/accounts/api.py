from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import HttpBearer, SessionAuth

from openisms.accounts import selectors, services
from openisms.accounts.roles import Role
from openisms.core.api import (
    ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    etag,
    expected_version,
    org_scope,
    request_actor,
)
from openisms.core.gate import organizations_for
from openisms.core.selectors import AuditFilter, audit_event_list


class TokenAuth(HttpBearer):
    """``Authorization: Bearer oism_…`` — the token's user, limited to its organisation."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = services.token_authenticate(token)
        if api_token is None:
            return None
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token


# Browser sessions also reach the API (CSRF-checked for writes).
AUTH = [TokenAuth(), SessionAuth(csrf=True)]

router = Router(auth=AUTH, tags=["organisations"])


class OrganizationOut(Schema):
    slug: str
    name: str
    require_mfa: bool
    version: int
    created_at: datetime


class OrganizationPatch(Schema):
    model_config = {"extra": "forbid"}

    name: str | None = Field(None, min_length=1, max_length=200)
    require_mfa: bool | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class UserOut(Schema):
    id: int
    email: str
    full_name: str


class MembershipOut(Schema):
    id: int
    user: UserOut
    role: str
    access_starts_at: datetime | None
    access_expires_at: datetime | None
    access_state: str = Field(..., description="current, pending (not yet begun) or expired")
    version: int
    created_at: datetime

    @staticmethod
    def resolve_access_state(obj: Any) -> str:
        return str(obj.access_state())


class MembershipIn(Schema):
    model_config = {"extra": "forbid"}

    email: str = Field(..., max_length=254)
    full_name: str = Field("", max_length=150)
    role: Role
    access_starts_at: datetime | None = Field(None, description="No access before (auditors).")
    access_expires_at: datetime | None = Field(
        None, description="No access from this moment on (required for auditors)."
    )


class MembershipPatch(Schema):
    model_config = {"extra": "forbid"}

    role: Role
    access_starts_at: datetime | None = None
    access_expires_at: datetime | None = None
    version: int | None = Field(None, ge=1)


class AuditEventOut(Schema):
    seq: int
    timestamp: datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    context: dict[str, Any]
    request_id: str
    hash: str
    prev_hash: str


class AuditQuery(Schema):
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    actor: str = ""
    since: datetime | None = None
    until: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


@router.get(
    "/orgs/", response={200: list[OrganizationOut], **ERROR_RESPONSES}, summary="My organisations"
)
def organization_list(request: HttpRequest) -> Any:
    token = getattr(request, "api_token", None)
    orgs = organizations_for(request.user)
    if token is not None:
        orgs = orgs.filter(pk=token.organization_id)
    return list(orgs)


@router.get(
    "/orgs/{slug}/", response={200: OrganizationOut, **ERROR_RESPONSES}, summary="One organisation"
)
def organization_get(request: HttpRequest, slug: str, response: HttpResponse) -> Any:
    org = org_scope(request, slug)
    response["ETag"] = etag(org.version)
    return org


@router.patch(
    "/orgs/{slug}/",
    response={200: OrganizationOut, **WRITE_ERROR_RESPONSES},
    summary="Change organisation settings",
)
def organization_patch(
    request: HttpRequest, slug: str, payload: OrganizationPatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "accounts.change_organization")
    version, if_match = expected_version(request, payload.version)
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    org = services.organization_update(
        organization=org, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    response["ETag"] = etag(org.version)
    return org


@router.get(
    "/orgs/{slug}/members/",
    response={200: list[MembershipOut], **ERROR_RESPONSES},
    summary="Members",
)
@paginate(PageNumberPagination)
def member_list(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, "accounts.view_members")
    return selectors.member_list(organization=org)


@router.post(
    "/orgs/{slug}/members/",
    response={201: MembershipOut, **WRITE_ERROR_RESPONSES},
    summary="Add a member",
)
def member_add(request: HttpRequest, slug: str, payload: MembershipIn) -> Any:
    org = org_scope(request, slug, "accounts.manage_members")
    membership = services.member_invite(
        organization=org, actor=request_actor(request), **payload.model_dump()
    )
    return Status(201, membership)


@router.patch(
    "/orgs/{slug}/members/{member_id}/",
    response={200: MembershipOut, **WRITE_ERROR_RESPONSES},
    summary="Change a member's role",
)
def member_patch(
    request: HttpRequest,
    slug: str,
    member_id: int,
    payload: MembershipPatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, "accounts.manage_members")
    membership = selectors.member_get(organization=org, pk=member_id)
    version, if_match = expected_version(request, payload.version)
    sent = payload.model_dump(exclude_unset=True)
    membership = services.membership_change_role(
        membership=membership,
        actor=request_actor(request),
        role=payload.role,
        version=version,
        access_starts_at=sent.get("access_starts_at", services.UNCHANGED),
        access_expires_at=sent.get("access_expires_at", services.UNCHANGED),
        if_match=if_match,
    )
    response["ETag"] = etag(membership.version)
    return membership


@router.delete(
    "/orgs/{slug}/members/{member_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Remove a member",
)
def member_remove(
    request: HttpRequest, slug: str, member_id: int, version: int | None = None
) -> Any:
    """Send the version you saw: ``If-Match`` (stale → 412) or ``?version=`` (stale → 409)."""
    org = org_scope(request, slug, "accounts.manage_members")
    membership = selectors.member_get(organization=org, pk=member_id)
    expected, if_match = expected_version(request, version)
    services.membership_remove(
        membership=membership, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


@router.get(
    "/orgs/{slug}/audit-events/",
    response={200: list[AuditEventOut], **ERROR_RESPONSES},
    tags=["audit trail"],
    summary="Audit trail",
)
@paginate(PageNumberPagination)
def audit_event_list_api(request: HttpRequest, slug: str, filters: Query[AuditQuery]) -> Any:
    org = org_scope(request, slug, "core.view_auditlog")
    f = AuditFilter(
        action=filters.action,
        object_type=filters.object_type,
        object_id=filters.object_id,
        actor=filters.actor,
        since=filters.since.date() if filters.since else None,
        until=filters.until.date() if filters.until else None,
    )
    return audit_event_list(organization=org, filters=f)


@router.get(
    "/orgs/{slug}/tokens/",
    response={200: list[TokenOut], **ERROR_RESPONSES},
    tags=["API tokens"],
    summary="My API tokens",
)
def token_list(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, "accounts.use_api_tokens")
    return list(selectors.token_list(organization=org, user=request_actor(request)))


@router.delete(
    "/orgs/{slug}/tokens/{token_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    tags=["API tokens"],
    summary="Revoke one of my API tokens",
)
def token_revoke(request: HttpRequest, slug: str, token_id: int) -> Any:
    org = org_scope(request, slug, "accounts.use_api_tokens")
    token = selectors.token_get(organization=org, user=request_actor(request), pk=token_id)
    services.token_revoke(token=token, actor=request_actor(request))
    return Status(204, None)
