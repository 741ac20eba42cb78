"""REST API for the context of the organisation (ISO/IEC 27001 4.1–4.3, A.5.31): issues,
interested parties, obligations, and the ISMS scope (draft, approval, versions)."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from openisms.accounts.api import AUTH
from openisms.assets.api import UserRef, member_user, org_assets
from openisms.controls.models import Control
from openisms.core.api import (
    ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    etag,
    expected_version,
    org_scope,
    request_actor,
)
from openisms.core.exceptions import ConflictError, PreconditionFailed
from openisms.core.gate import scoped
from openisms.governance import selectors, services
from openisms.governance.choices import IssueCategory, ObligationKind, Side
from openisms.governance.models import InterestedParty

router = Router(auth=AUTH, tags=["governance"])

VIEW = "governance.view_governance"
CHANGE = "governance.change_governance"
APPROVE = "governance.approve_scope"


# --- schemas ------------------------------------------------------------------------------------


class IssueOut(Schema):
    id: int
    ref: str
    title: str
    side: Side
    category: IssueCategory
    description: str
    effect: str = Field(..., description="Effect on the ISMS.")
    owner: UserRef | None
    review_date: date | None
    review_overdue: bool
    created_at: datetime
    version: int


class IssueIn(Schema):
    model_config = {"extra": "forbid"}

    ref: str = Field("", max_length=30, description="Empty: the next ISS-nnn.")
    title: str = Field(..., min_length=1, max_length=300)
    side: Side
    category: IssueCategory
    description: str = ""
    effect: str = ""
    owner: int | None = Field(None, description="User id of a member (default: you).")
    review_date: date | None = None


class IssuePatch(Schema):
    model_config = {"extra": "forbid"}

    title: str | None = Field(None, min_length=1, max_length=300)
    side: Side | None = None
    category: IssueCategory | None = None
    description: str | None = None
    effect: str | None = None
    owner: int | None = None
    review_date: date | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class IssueQuery(Schema):
    q: str = Field("", max_length=100)
    side: Side | None = None
    category: IssueCategory | None = None
    owner: int | None = None
    overdue: bool = Field(False, description="Only issues whose review date has passed.")


class PartyOut(Schema):
    id: int
    ref: str
    name: str
    side: Side
    description: str
    expectations: str
    owner: UserRef | None
    obligation_count: int
    created_at: datetime
    version: int


class PartyIn(Schema):
    model_config = {"extra": "forbid"}

    ref: str = Field("", max_length=30, description="Empty: the next IP-nnn.")
    name: str = Field(..., min_length=1, max_length=300)
    side: Side
    description: str = ""
    expectations: str = Field("", description="Needs and expectations.")
    owner: int | None = Field(None, description="User id of a member (default: you).")


class PartyPatch(Schema):
    model_config = {"extra": "forbid"}

    name: str | None = Field(None, min_length=1, max_length=300)
    side: Side | None = None
    description: str | None = None
    expectations: str | None = None
    owner: int | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class PartyQuery(Schema):
    q: str = Field("", max_length=100)
    side: Side | None = None
    owner: int | None = None


class ObligationOut(Schema):
    id: int
    ref: str
    party_id: int | None
    kind: ObligationKind
    title: str
    description: str
    source_reference: str
    addressed_by_isms: bool
    control_ids: list[int]
    requirement_ids: list[int]
    owner: UserRef | None
    review_date: date | None
    review_overdue: bool
    created_at: datetime
    version: int

    @staticmethod
    def resolve_control_ids(obj: Any) -> list[int]:
        return sorted(c.pk for c in obj.controls.all())

    @staticmethod
    def resolve_requirement_ids(obj: Any) -> list[int]:
        return sorted(r.pk for r in obj.requirements.all())


class ObligationIn(Schema):
    model_config = {"extra": "forbid"}

    ref: str = Field("", max_length=30, description="Empty: the next OB-nnn.")
    party_id: int | None = Field(None, description="Id of one of your interested parties.")
    kind: ObligationKind
    title: str = Field(..., min_length=1, max_length=300)
    description: str = ""
    source_reference: str = Field("", max_length=500)
    addressed_by_isms: bool = True
    control_ids: list[int] = Field(default_factory=list, description="Ids of your controls.")
    requirement_ids: list[int] = Field(
        default_factory=list, description="Requirement ids (e.g. Annex A controls) it drives."
    )
    owner: int | None = Field(None, description="User id of a member (default: you).")
    review_date: date | None = None


class ObligationPatch(Schema):
    model_config = {"extra": "forbid"}

    party_id: int | None = None
    kind: ObligationKind | None = None
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None
    source_reference: str | None = Field(None, max_length=500)
    addressed_by_isms: bool | None = None
    control_ids: list[int] | None = Field(None, description="Omitted: unchanged.")
    requirement_ids: list[int] | None = Field(None, description="Omitted: unchanged.")
    owner: int | None = None
    review_date: date | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class ObligationQuery(Schema):
    q: str = Field("", max_length=100)
    kind: ObligationKind | None = None
    addressed: bool | None = Field(None, description="Addressed by the ISMS or not.")
    party: int | None = Field(None, description="Interested party id.")
    owner: int | None = None


class ScopeAssetOut(Schema):
    ref: str
    name: str
    type: str


class ScopeOut(Schema):
    text: str
    boundaries: str
    interfaces: str = Field(..., description="Interfaces and dependencies.")
    exclusions: str
    asset_ids: list[int]
    assets: list[ScopeAssetOut]
    latest_version: int | None
    changed_since_approval: bool | None
    version: int = Field(..., description="The draft's version (1 before its first edit).")


class ScopePatch(Schema):
    model_config = {"extra": "forbid"}

    text: str | None = None
    boundaries: str | None = None
    interfaces: str | None = None
    exclusions: str | None = None
    asset_ids: list[int] | None = Field(None, description="Omitted: unchanged.")
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class ApproveIn(Schema):
    model_config = {"extra": "forbid"}

    comment: str = ""


class ScopeVersionOut(Schema):
    id: int
    number: int
    approved_by: UserRef
    approver_name: str
    approved_at: datetime
    comment: str
    content: dict[str, Any] = Field(
        ..., description="text, boundaries, interfaces, exclusions, assets [{ref, name, type}]."
    )
    content_hash: str


# --- helpers ------------------------------------------------------------------------------------


def _stale(obj: Any, expected: int, if_match: bool) -> None:
    if expected != obj.version:
        error = PreconditionFailed if if_match else ConflictError
        raise error(obj=obj, expected=expected, current=obj.version)


def _owner(org: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "owner" in data:
        data["owner"] = member_user(org, data["owner"], "owner")
    return data


def _rename(exc: ValidationError) -> ValidationError:
    names = {
        "controls": "control_ids",
        "requirements": "requirement_ids",
        "party": "party_id",
        "assets": "asset_ids",
    }
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()})


def _obligation_data(org: Any, data: dict[str, Any]) -> dict[str, Any]:
    _owner(org, data)
    if "party_id" in data:
        pk = data.pop("party_id")
        party = None
        if pk is not None:
            party = scoped(InterestedParty, org).filter(pk=pk).first()
            if party is None:
                raise ValidationError({"party_id": _("Unknown interested party.")})
        data["party"] = party
    if "control_ids" in data:
        ids = set(data.pop("control_ids"))
        found = list(scoped(Control, org).filter(pk__in=ids))
        missing = ids - {c.pk for c in found}
        if missing:
            raise ValidationError(
                {"control_ids": _("Unknown control: %s.") % ", ".join(map(str, sorted(missing)))}
            )
        data["controls"] = found
    if "requirement_ids" in data:
        data["requirements"] = data.pop("requirement_ids")
    return data


def _issue_out(org: Any, pk: int, response: HttpResponse) -> Any:
    issue = selectors.issue_get(organization=org, pk=pk)
    response["ETag"] = etag(issue.version)
    return issue


def _party_out(org: Any, pk: int, response: HttpResponse) -> Any:
    party = selectors.party_list(organization=org).get(pk=pk)
    response["ETag"] = etag(party.version)
    return party


def _obligation_out(org: Any, pk: int, response: HttpResponse) -> Any:
    obligation = selectors.obligation_list(organization=org).get(pk=pk)
    response["ETag"] = etag(obligation.version)
    return obligation


# --- issues -------------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/context-issues/",
    response={200: list[IssueOut], **ERROR_RESPONSES},
    summary="Internal and external issues (ISO/IEC 27001 4.1)",
)
@paginate(PageNumberPagination)
def issue_list(request: HttpRequest, slug: str, filters: Query[IssueQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    f = selectors.IssueFilter(
        q=filters.q.strip(),
        side=filters.side or "",
        category=filters.category or "",
        owner=filters.owner,
        overdue=filters.overdue,
    )
    return selectors.issue_list(organization=org, filters=f)


@router.post(
    "/orgs/{slug}/context-issues/",
    response={201: IssueOut, **WRITE_ERROR_RESPONSES},
    summary="Record an issue",
)
def issue_create(request: HttpRequest, slug: str, payload: IssueIn, response: HttpResponse) -> Any:
    org = org_scope(request, slug, CHANGE)
    data = _owner(org, payload.model_dump())
    issue = services.issue_create(organization=org, actor=request_actor(request), **data)
    return Status(201, _issue_out(org, issue.pk, response))


@router.get(
    "/orgs/{slug}/context-issues/{issue_id}/",
    response={200: IssueOut, **ERROR_RESPONSES},
    summary="One issue",
)
def issue_get(request: HttpRequest, slug: str, issue_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _issue_out(org, issue_id, response)


@router.patch(
    "/orgs/{slug}/context-issues/{issue_id}/",
    response={200: IssueOut, **WRITE_ERROR_RESPONSES},
    summary="Change an issue (contributors: the issues they own)",
)
def issue_patch(
    request: HttpRequest, slug: str, issue_id: int, payload: IssuePatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    issue = selectors.issue_get(organization=org, pk=issue_id)
    version, if_match = expected_version(request, payload.version)
    data = _owner(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    services.issue_update(
        issue=issue, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    return _issue_out(org, issue.pk, response)


@router.delete(
    "/orgs/{slug}/context-issues/{issue_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete an issue",
)
def issue_delete(request: HttpRequest, slug: str, issue_id: int, version: int | None = None) -> Any:
    """Send the version you saw: ``If-Match`` (stale → 412) or ``?version=`` (stale → 409)."""
    org = org_scope(request, slug, CHANGE)
    issue = selectors.issue_get(organization=org, pk=issue_id)
    expected, if_match = expected_version(request, version)
    _stale(issue, expected, if_match)
    services.issue_delete(
        issue=issue, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


# --- interested parties -------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/interested-parties/",
    response={200: list[PartyOut], **ERROR_RESPONSES},
    summary="Interested parties (ISO/IEC 27001 4.2)",
)
@paginate(PageNumberPagination)
def party_list(request: HttpRequest, slug: str, filters: Query[PartyQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    f = selectors.PartyFilter(q=filters.q.strip(), side=filters.side or "", owner=filters.owner)
    return selectors.party_list(organization=org, filters=f)


@router.post(
    "/orgs/{slug}/interested-parties/",
    response={201: PartyOut, **WRITE_ERROR_RESPONSES},
    summary="Add an interested party",
)
def party_create(request: HttpRequest, slug: str, payload: PartyIn, response: HttpResponse) -> Any:
    org = org_scope(request, slug, CHANGE)
    data = _owner(org, payload.model_dump())
    party = services.party_create(organization=org, actor=request_actor(request), **data)
    return Status(201, _party_out(org, party.pk, response))


@router.get(
    "/orgs/{slug}/interested-parties/{party_id}/",
    response={200: PartyOut, **ERROR_RESPONSES},
    summary="One interested party",
)
def party_get(request: HttpRequest, slug: str, party_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    selectors.party_get(organization=org, pk=party_id)
    return _party_out(org, party_id, response)


@router.patch(
    "/orgs/{slug}/interested-parties/{party_id}/",
    response={200: PartyOut, **WRITE_ERROR_RESPONSES},
    summary="Change an interested party (contributors: the ones they own)",
)
def party_patch(
    request: HttpRequest, slug: str, party_id: int, payload: PartyPatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    party = selectors.party_get(organization=org, pk=party_id)
    version, if_match = expected_version(request, payload.version)
    data = _owner(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    services.party_update(
        party=party, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    return _party_out(org, party.pk, response)


@router.delete(
    "/orgs/{slug}/interested-parties/{party_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete an interested party without obligations",
)
def party_delete(request: HttpRequest, slug: str, party_id: int, version: int | None = None) -> Any:
    """Send the version you saw: ``If-Match`` (stale → 412) or ``?version=`` (stale → 409).
    A party with obligations is refused (422)."""
    org = org_scope(request, slug, CHANGE)
    party = selectors.party_get(organization=org, pk=party_id)
    expected, if_match = expected_version(request, version)
    _stale(party, expected, if_match)
    services.party_delete(
        party=party, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


# --- obligations --------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/obligations/",
    response={200: list[ObligationOut], **ERROR_RESPONSES},
    summary="Legal, regulatory and contractual obligations (ISO/IEC 27001 4.2, A.5.31)",
)
@paginate(PageNumberPagination)
def obligation_list(request: HttpRequest, slug: str, filters: Query[ObligationQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    f = selectors.ObligationFilter(
        q=filters.q.strip(),
        kind=filters.kind or "",
        addressed=filters.addressed,
        party=filters.party,
        owner=filters.owner,
    )
    return selectors.obligation_list(organization=org, filters=f)


@router.post(
    "/orgs/{slug}/obligations/",
    response={201: ObligationOut, **WRITE_ERROR_RESPONSES},
    summary="Record an obligation",
)
def obligation_create(
    request: HttpRequest, slug: str, payload: ObligationIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    data = _obligation_data(org, payload.model_dump())
    try:
        obligation = services.obligation_create(
            organization=org, actor=request_actor(request), **data
        )
    except ValidationError as exc:
        raise _rename(exc) from exc
    return Status(201, _obligation_out(org, obligation.pk, response))


@router.get(
    "/orgs/{slug}/obligations/{obligation_id}/",
    response={200: ObligationOut, **ERROR_RESPONSES},
    summary="One obligation",
)
def obligation_get(
    request: HttpRequest, slug: str, obligation_id: int, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, VIEW)
    selectors.obligation_get(organization=org, pk=obligation_id)
    return _obligation_out(org, obligation_id, response)


@router.patch(
    "/orgs/{slug}/obligations/{obligation_id}/",
    response={200: ObligationOut, **WRITE_ERROR_RESPONSES},
    summary="Change an obligation (contributors: the ones they own)",
)
def obligation_patch(
    request: HttpRequest,
    slug: str,
    obligation_id: int,
    payload: ObligationPatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, CHANGE)
    obligation = selectors.obligation_get(organization=org, pk=obligation_id)
    version, if_match = expected_version(request, payload.version)
    data = _obligation_data(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    try:
        services.obligation_update(
            obligation=obligation,
            actor=request_actor(request),
            version=version,
            if_match=if_match,
            **data,
        )
    except ValidationError as exc:
        raise _rename(exc) from exc
    return _obligation_out(org, obligation.pk, response)


@router.delete(
    "/orgs/{slug}/obligations/{obligation_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete an obligation",
)
def obligation_delete(
    request: HttpRequest, slug: str, obligation_id: int, version: int | None = None
) -> Any:
    """Send the version you saw: ``If-Match`` (stale → 412) or ``?version=`` (stale → 409)."""
    org = org_scope(request, slug, CHANGE)
    obligation = selectors.obligation_get(organization=org, pk=obligation_id)
    expected, if_match = expected_version(request, version)
    _stale(obligation, expected, if_match)
    services.obligation_delete(
        obligation=obligation, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


# --- scope --------------------------------------------------------------------------------------


def _scope_out(org: Any, response: HttpResponse | None = None) -> dict[str, Any]:
    scope = selectors.scope_get(organization=org)
    latest = selectors.latest_version(scope)
    if scope is None:
        content: dict[str, Any] = {
            "text": "", "boundaries": "", "interfaces": "", "exclusions": "", "assets": []
        }  # fmt: skip
        version, ids = 1, []
    else:
        content = services.scope_content(scope)
        version = scope.version
        ids = sorted(scope.assets.values_list("pk", flat=True))
    if response is not None:
        response["ETag"] = etag(version)
    return {
        **content,
        "asset_ids": ids,
        "latest_version": latest.number if latest else None,
        "changed_since_approval": (
            services.content_hash(content) != latest.content_hash if latest else None
        ),
        "version": version,
    }


@router.get(
    "/orgs/{slug}/scope/",
    response={200: ScopeOut, **ERROR_RESPONSES},
    summary="The ISMS scope draft (ISO/IEC 27001 4.3)",
)
def scope_get(request: HttpRequest, slug: str, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _scope_out(org, response)


@router.patch(
    "/orgs/{slug}/scope/",
    response={200: ScopeOut, **WRITE_ERROR_RESPONSES},
    summary="Change the scope draft",
)
def scope_patch(
    request: HttpRequest, slug: str, payload: ScopePatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    version, if_match = expected_version(request, payload.version)
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    if "asset_ids" in data:
        data["assets"] = org_assets(org, data.pop("asset_ids"), "asset_ids")
    try:
        services.scope_save(
            organization=org,
            actor=request_actor(request),
            version=version,
            if_match=if_match,
            **data,
        )
    except ValidationError as exc:
        raise _rename(exc) from exc
    return _scope_out(org, response)


@router.post(
    "/orgs/{slug}/scope/approve/",
    response={201: ScopeVersionOut, **WRITE_ERROR_RESPONSES},
    summary="Approve the scope draft (freezes the next version)",
)
def scope_approve(request: HttpRequest, slug: str, payload: ApproveIn) -> Any:
    """Refused (422) when the statement text is empty or nothing changed since the latest
    version."""
    org = org_scope(request, slug, APPROVE)
    scope = selectors.scope_get(organization=org)
    if scope is None:
        raise ValidationError({"text": _("Write the scope statement before approving it.")})
    version = services.scope_approve(
        scope=scope, actor=request_actor(request), comment=payload.comment
    )
    return Status(201, selectors.version_get(organization=org, pk=version.pk))


@router.get(
    "/orgs/{slug}/scope/versions/",
    response={200: list[ScopeVersionOut], **ERROR_RESPONSES},
    summary="Approved scope versions, newest first",
)
@paginate(PageNumberPagination)
def scope_version_list(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.version_list(scope=selectors.scope_get(organization=org))


@router.get(
    "/orgs/{slug}/scope/versions/{version_id}/",
    response={200: ScopeVersionOut, **ERROR_RESPONSES},
    summary="One approved scope version (by id; the list gives ids and numbers)",
)
def scope_version_get(request: HttpRequest, slug: str, version_id: int) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.version_get(organization=org, pk=version_id)
