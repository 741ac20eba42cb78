"""REST API for nonconformities (with their corrective actions, effectiveness verifications and
lifecycle), the organisation-wide corrective actions list, and improvement opportunities."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from openisms.accounts.api import AUTH
from openisms.assets.api import UserRef, member_user
from openisms.catalog.models import RequirementNode
from openisms.core.api import (
    ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    etag,
    expected_version,
    org_scope,
    request_actor,
)
from openisms.core.exceptions import ConflictError, PreconditionFailed
from openisms.improvement import selectors, services
from openisms.improvement.choices import (
    ActionStatus,
    NcSeverity,
    NcSource,
    NcStatus,
    OpportunityStatus,
    VerificationResult,
)
from openisms.improvement.models import CorrectiveAction, ImprovementOpportunity, Nonconformity

router = Router(auth=AUTH, tags=["improvement"])

VIEW = "improvement.view_improvement"
CHANGE = "improvement.change_improvement"
VERIFY = "improvement.verify_effectiveness"


# --- schemas ------------------------------------------------------------------------------------


class NonconformityOut(Schema):
    id: int
    ref: str
    title: str
    description: str
    source: NcSource
    source_reference: str
    test_run_id: int | None
    requirement_id: int | None
    severity: NcSeverity
    owner: UserRef | None
    detected_on: date
    correction: str
    root_cause: str
    five_whys: list[str]
    status: NcStatus
    closed_on: date | None
    action_count: int
    open_action_count: int
    overdue_action_count: int
    created_at: datetime
    version: int

    @staticmethod
    def resolve_overdue_action_count(obj: Any) -> int:
        return obj.overdue_count


class NonconformityIn(Schema):
    model_config = {"extra": "forbid"}

    title: str = Field(..., min_length=1, max_length=300)
    description: str = ""
    source: NcSource = NcSource.OTHER
    source_reference: str = Field("", max_length=300)
    requirement_id: int | None = Field(None, description="A requirement of a framework you see.")
    severity: NcSeverity = NcSeverity.MINOR
    owner: int | None = Field(None, description="User id of a member (default: you).")
    detected_on: date | None = Field(None, description="Default: today.")
    correction: str = ""
    root_cause: str = ""
    five_whys: list[str] = Field(default_factory=list, max_length=5)


class NonconformityPatch(Schema):
    model_config = {"extra": "forbid"}

    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None
    source: NcSource | None = None
    source_reference: str | None = Field(None, max_length=300)
    requirement_id: int | None = None
    severity: NcSeverity | None = None
    owner: int | None = None
    detected_on: date | None = None
    correction: str | None = None
    root_cause: str | None = None
    five_whys: list[str] | None = Field(None, max_length=5)
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class FromRunIn(Schema):
    model_config = {"extra": "forbid"}

    title: str | None = Field(
        None, min_length=1, max_length=300, description="Default: from the run."
    )
    severity: NcSeverity = NcSeverity.MINOR
    owner: int | None = Field(None, description="User id of a member (default: you).")


class TransitionIn(Schema):
    model_config = {"extra": "forbid"}

    status: NcStatus
    version: int | None = Field(None, ge=1, description="The version seen (or send If-Match).")


class NcQuery(Schema):
    q: str = Field("", max_length=100)
    status: NcStatus | None = None
    severity: NcSeverity | None = None
    source: NcSource | None = None
    owner: int | None = None
    overdue: bool = Field(False, description="Only those with overdue corrective actions.")


class ActionOut(Schema):
    id: int
    ref: str
    nonconformity_id: int
    nonconformity_ref: str
    title: str
    owner: UserRef | None
    due_date: date | None
    status: ActionStatus
    overdue: bool
    progress_note: str
    completed_on: date | None
    version: int

    @staticmethod
    def resolve_nonconformity_ref(obj: Any) -> str:
        return obj.nonconformity.ref

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return obj.is_overdue()


class ActionIn(Schema):
    model_config = {"extra": "forbid"}

    title: str = Field(..., min_length=1, max_length=300)
    owner: int | None = Field(None, description="Default: the nonconformity's owner.")
    due_date: date | None = None
    status: ActionStatus = ActionStatus.OPEN
    progress_note: str = ""


class ActionPatch(Schema):
    model_config = {"extra": "forbid"}

    title: str | None = Field(None, min_length=1, max_length=300)
    owner: int | None = None
    due_date: date | None = None
    status: ActionStatus | None = None
    progress_note: str | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class ActionQuery(Schema):
    status: ActionStatus | None = None
    owner: int | None = None
    overdue: bool = False


class VerificationOut(Schema):
    id: int
    nonconformity_id: int
    verified_by: UserRef | None
    verified_on: date
    result: VerificationResult
    notes: str
    created_at: datetime


class VerificationIn(Schema):
    model_config = {"extra": "forbid"}

    result: VerificationResult
    verified_on: date | None = Field(None, description="Default: today; never in the future.")
    notes: str = Field("", description="Required when ineffective.")


class OpportunityOut(Schema):
    id: int
    ref: str
    title: str
    description: str
    source: str
    owner: UserRef | None
    status: OpportunityStatus
    outcome: str
    created_at: datetime
    version: int


class OpportunityIn(Schema):
    model_config = {"extra": "forbid"}

    title: str = Field(..., min_length=1, max_length=300)
    description: str = ""
    source: str = Field("", max_length=200)
    owner: int | None = Field(None, description="User id of a member (default: you).")
    status: OpportunityStatus = OpportunityStatus.PROPOSED
    outcome: str = ""


class OpportunityPatch(Schema):
    model_config = {"extra": "forbid"}

    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None
    source: str | None = Field(None, max_length=200)
    owner: int | None = None
    status: OpportunityStatus | None = None
    outcome: str | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class OpportunityQuery(Schema):
    q: str = Field("", max_length=100)
    status: OpportunityStatus | None = None
    owner: int | None = None


# --- helpers ------------------------------------------------------------------------------------


def _stale(obj: Any, expected: int, if_match: bool) -> None:
    if expected != obj.version:
        error = PreconditionFailed if if_match else ConflictError
        raise error(obj=obj, expected=expected, current=obj.version)


def _nc_data(organization: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "owner" in data:
        data["owner"] = member_user(organization, data["owner"], "owner")
    if "requirement_id" in data:
        pk = data.pop("requirement_id")
        data["requirement"] = None
        if pk is not None:
            node = RequirementNode.objects.filter(pk=pk).first()
            if node is None:
                raise ValidationError({"requirement_id": _("Unknown requirement: %s.") % pk})
            data["requirement"] = node
    if data.get("detected_on", "") is None:
        data.pop("detected_on")
    return data


def _rename(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    names = {"requirement": "requirement_id", "test_run": "run_id"}
    return ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()})


def _nc_out(organization: Any, pk: int, response: HttpResponse | None = None) -> Nonconformity:
    nc = selectors.nonconformity_list(organization=organization).get(pk=pk)
    if response is not None:
        response["ETag"] = etag(nc.version)
    return nc


def _action_out(action: CorrectiveAction, response: HttpResponse | None = None) -> Any:
    if response is not None:
        response["ETag"] = etag(action.version)
    return action


# --- nonconformities ----------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/nonconformities/",
    response={200: list[NonconformityOut], **ERROR_RESPONSES},
    summary="Nonconformities, newest first",
)
@paginate(PageNumberPagination)
def nc_list(request: HttpRequest, slug: str, filters: Query[NcQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.nonconformity_list(
        organization=org,
        filters=selectors.NcFilter(
            q=filters.q.strip(),
            status=filters.status or "",
            severity=filters.severity or "",
            source=filters.source or "",
            owner=filters.owner,
            overdue=filters.overdue,
        ),
    )


@router.post(
    "/orgs/{slug}/nonconformities/",
    response={201: NonconformityOut, **WRITE_ERROR_RESPONSES},
    summary="Record a nonconformity",
)
def nc_create(
    request: HttpRequest, slug: str, payload: NonconformityIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    data = _nc_data(org, payload.model_dump())
    try:
        nc = services.nonconformity_create(organization=org, actor=request_actor(request), **data)
    except ValidationError as exc:
        raise _rename(exc) from exc
    return Status(201, _nc_out(org, nc.pk, response))


@router.post(
    "/orgs/{slug}/control-test-runs/{run_id}/nonconformity/",
    response={201: NonconformityOut, **WRITE_ERROR_RESPONSES},
    summary="Open a nonconformity from a failed control test run",
)
def nc_from_run(
    request: HttpRequest, slug: str, run_id: int, payload: FromRunIn, response: HttpResponse
) -> Any:
    """The run is marked with the new reference; a run opens one nonconformity at most."""
    org = org_scope(request, slug, CHANGE)
    run = selectors.failed_run_get(organization=org, pk=run_id)
    data = payload.model_dump(exclude_none=True)
    if "owner" in data:
        data["owner"] = member_user(org, data["owner"], "owner")
    try:
        nc = services.nonconformity_from_test_run(run=run, actor=request_actor(request), **data)
    except ValidationError as exc:
        raise _rename(exc) from exc
    return Status(201, _nc_out(org, nc.pk, response))


@router.get(
    "/orgs/{slug}/nonconformities/{nc_id}/",
    response={200: NonconformityOut, **ERROR_RESPONSES},
    summary="One nonconformity",
)
def nc_get(request: HttpRequest, slug: str, nc_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _nc_out(org, selectors.nonconformity_get(organization=org, pk=nc_id).pk, response)


@router.patch(
    "/orgs/{slug}/nonconformities/{nc_id}/",
    response={200: NonconformityOut, **WRITE_ERROR_RESPONSES},
    summary="Change a nonconformity (contributors: the ones they own)",
)
def nc_patch(
    request: HttpRequest,
    slug: str,
    nc_id: int,
    payload: NonconformityPatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, CHANGE)
    nc = selectors.nonconformity_get(organization=org, pk=nc_id)
    version, if_match = expected_version(request, payload.version)
    data = _nc_data(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    try:
        services.nonconformity_update(
            nc=nc, actor=request_actor(request), version=version, if_match=if_match, **data
        )
    except ValidationError as exc:
        raise _rename(exc) from exc
    return _nc_out(org, nc.pk, response)


@router.delete(
    "/orgs/{slug}/nonconformities/{nc_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete an open nonconformity with no corrective action",
)
def nc_delete(request: HttpRequest, slug: str, nc_id: int, version: int | None = None) -> Any:
    org = org_scope(request, slug, CHANGE)
    nc = selectors.nonconformity_get(organization=org, pk=nc_id)
    expected, if_match = expected_version(request, version)
    _stale(nc, expected, if_match)
    services.nonconformity_delete(
        nc=nc, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


@router.post(
    "/orgs/{slug}/nonconformities/{nc_id}/transition/",
    response={200: NonconformityOut, **WRITE_ERROR_RESPONSES},
    summary="Move a nonconformity through its lifecycle",
)
def nc_transition(
    request: HttpRequest, slug: str, nc_id: int, payload: TransitionIn, response: HttpResponse
) -> Any:
    """open → analysed (needs a root cause) → action_planned (needs an action) → verifying
    (needs every action done) → closed (needs the latest verification effective; roles that
    verify effectiveness only)."""
    org = org_scope(request, slug, CHANGE)
    nc = selectors.nonconformity_get(organization=org, pk=nc_id)
    version, if_match = expected_version(request, payload.version)
    services.nonconformity_transition(
        nc=nc, actor=request_actor(request), to=payload.status, version=version, if_match=if_match
    )
    return _nc_out(org, nc.pk, response)


# --- corrective actions -------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/nonconformities/{nc_id}/actions/",
    response={200: list[ActionOut], **ERROR_RESPONSES},
    summary="A nonconformity's corrective actions",
)
@paginate(PageNumberPagination)
def nc_action_list(request: HttpRequest, slug: str, nc_id: int) -> Any:
    org = org_scope(request, slug, VIEW)
    nc = selectors.nonconformity_get(organization=org, pk=nc_id)
    return selectors.action_list(
        organization=org, filters=selectors.ActionFilter(nonconformity=nc.pk)
    )


@router.post(
    "/orgs/{slug}/nonconformities/{nc_id}/actions/",
    response={201: ActionOut, **WRITE_ERROR_RESPONSES},
    summary="Plan a corrective action",
)
def action_create(
    request: HttpRequest, slug: str, nc_id: int, payload: ActionIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    nc = selectors.nonconformity_get(organization=org, pk=nc_id)
    data = payload.model_dump()
    data["owner"] = member_user(org, data["owner"], "owner")
    action = services.action_create(nc=nc, actor=request_actor(request), **data)
    return Status(201, _action_out(selectors.action_get(organization=org, pk=action.pk), response))


@router.get(
    "/orgs/{slug}/corrective-actions/",
    response={200: list[ActionOut], **ERROR_RESPONSES},
    summary="Every corrective action, overdue first",
)
@paginate(PageNumberPagination)
def action_list(request: HttpRequest, slug: str, filters: Query[ActionQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.action_list(
        organization=org,
        filters=selectors.ActionFilter(
            status=filters.status or "", owner=filters.owner, overdue=filters.overdue
        ),
    )


@router.get(
    "/orgs/{slug}/corrective-actions/{action_id}/",
    response={200: ActionOut, **ERROR_RESPONSES},
    summary="One corrective action",
)
def action_get(request: HttpRequest, slug: str, action_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _action_out(selectors.action_get(organization=org, pk=action_id), response)


@router.patch(
    "/orgs/{slug}/corrective-actions/{action_id}/",
    response={200: ActionOut, **WRITE_ERROR_RESPONSES},
    summary="Progress a corrective action (contributors: their actions or nonconformities)",
)
def action_patch(
    request: HttpRequest,
    slug: str,
    action_id: int,
    payload: ActionPatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, CHANGE)
    action = selectors.action_get(organization=org, pk=action_id)
    version, if_match = expected_version(request, payload.version)
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    if "owner" in data:
        data["owner"] = member_user(org, data["owner"], "owner")
    services.action_update(
        action=action, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    return _action_out(selectors.action_get(organization=org, pk=action.pk), response)


# --- verifications ------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/nonconformities/{nc_id}/verifications/",
    response={200: list[VerificationOut], **ERROR_RESPONSES},
    summary="Effectiveness verifications of a nonconformity, newest first",
)
@paginate(PageNumberPagination)
def verification_list(request: HttpRequest, slug: str, nc_id: int) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.verification_list(nc=selectors.nonconformity_get(organization=org, pk=nc_id))


@router.post(
    "/orgs/{slug}/nonconformities/{nc_id}/verifications/",
    response={201: VerificationOut, **WRITE_ERROR_RESPONSES},
    summary="Record an effectiveness verification (ineffective reopens to action_planned)",
)
def verification_create(
    request: HttpRequest, slug: str, nc_id: int, payload: VerificationIn
) -> Any:
    org = org_scope(request, slug, VERIFY)
    nc = selectors.nonconformity_get(organization=org, pk=nc_id)
    verification = services.verification_record(
        nc=nc, actor=request_actor(request), **payload.model_dump()
    )
    return Status(201, selectors.verification_list(nc=nc).get(pk=verification.pk))


# --- improvement opportunities ------------------------------------------------------------------


def _opp_data(organization: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "owner" in data:
        data["owner"] = member_user(organization, data["owner"], "owner")
    return data


def _opp_out(item: ImprovementOpportunity, response: HttpResponse) -> ImprovementOpportunity:
    response["ETag"] = etag(item.version)
    return item


@router.get(
    "/orgs/{slug}/improvement-opportunities/",
    response={200: list[OpportunityOut], **ERROR_RESPONSES},
    summary="The improvement log, newest first",
)
@paginate(PageNumberPagination)
def opportunity_list(request: HttpRequest, slug: str, filters: Query[OpportunityQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.opportunity_list(
        organization=org,
        filters=selectors.OpportunityFilter(
            q=filters.q.strip(), status=filters.status or "", owner=filters.owner
        ),
    )


@router.post(
    "/orgs/{slug}/improvement-opportunities/",
    response={201: OpportunityOut, **WRITE_ERROR_RESPONSES},
    summary="Record an improvement opportunity",
)
def opportunity_create(
    request: HttpRequest, slug: str, payload: OpportunityIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    item = services.opportunity_create(
        organization=org, actor=request_actor(request), **_opp_data(org, payload.model_dump())
    )
    return Status(201, _opp_out(selectors.opportunity_get(organization=org, pk=item.pk), response))


@router.get(
    "/orgs/{slug}/improvement-opportunities/{opportunity_id}/",
    response={200: OpportunityOut, **ERROR_RESPONSES},
    summary="One improvement opportunity",
)
def opportunity_get(
    request: HttpRequest, slug: str, opportunity_id: int, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, VIEW)
    return _opp_out(selectors.opportunity_get(organization=org, pk=opportunity_id), response)


@router.patch(
    "/orgs/{slug}/improvement-opportunities/{opportunity_id}/",
    response={200: OpportunityOut, **WRITE_ERROR_RESPONSES},
    summary="Change an improvement opportunity (contributors: the ones they own)",
)
def opportunity_patch(
    request: HttpRequest,
    slug: str,
    opportunity_id: int,
    payload: OpportunityPatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, CHANGE)
    item = selectors.opportunity_get(organization=org, pk=opportunity_id)
    version, if_match = expected_version(request, payload.version)
    data = _opp_data(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    services.opportunity_update(
        item=item, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    return _opp_out(selectors.opportunity_get(organization=org, pk=item.pk), response)


@router.delete(
    "/orgs/{slug}/improvement-opportunities/{opportunity_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete a proposed improvement opportunity",
)
def opportunity_delete(
    request: HttpRequest, slug: str, opportunity_id: int, version: int | None = None
) -> Any:
    org = org_scope(request, slug, CHANGE)
    item = selectors.opportunity_get(organization=org, pk=opportunity_id)
    expected, if_match = expected_version(request, version)
    _stale(item, expected, if_match)
    services.opportunity_delete(
        item=item, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)
