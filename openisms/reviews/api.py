"""REST API for management reviews (lifecycle, inputs, minutes) and their decisions."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from openisms.accounts.api import AUTH
from openisms.assets.api import UserRef, member_user
from openisms.core.api import (
    ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    etag,
    expected_version,
    org_scope,
    request_actor,
)
from openisms.core.exceptions import ConflictError, PreconditionFailed
from openisms.reviews import selectors, services
from openisms.reviews.choices import DecisionKind, DecisionStatus, ReviewStatus
from openisms.reviews.inputs import canonical_hash, compile_inputs

router = Router(auth=AUTH, tags=["reviews"])

VIEW = "reviews.view_review"
CHANGE = "reviews.change_review"
UPDATE = "reviews.update_decision"


# --- schemas ------------------------------------------------------------------------------------


class ReviewOut(Schema):
    id: int
    ref: str
    title: str
    status: ReviewStatus
    planned_on: date
    held_on: date | None
    chair: UserRef | None
    location: str
    attendees: list[UserRef]
    external_attendees: str
    period_start: date
    period_end: date
    interested_party_feedback: str
    minutes: str
    inputs_compiled_at: datetime | None
    inputs_hash: str
    inputs_frozen: bool
    closed_on: date | None
    closed_by: UserRef | None
    decision_count: int
    open_decision_count: int
    overdue_decision_count: int
    created_at: datetime
    version: int

    @staticmethod
    def resolve_attendees(obj: Any) -> list[Any]:
        return list(obj.attendees.all())

    @staticmethod
    def resolve_inputs_frozen(obj: Any) -> bool:
        return bool(obj.frozen)

    @staticmethod
    def resolve_overdue_decision_count(obj: Any) -> int:
        return obj.overdue_count


class ReviewIn(Schema):
    model_config = {"extra": "forbid"}

    title: str = Field(..., min_length=1, max_length=300)
    planned_on: date
    chair: int | None = Field(None, description="User id of a member.")
    location: str = Field("", max_length=300)
    attendees: list[int] = Field(default_factory=list, description="User ids of members.")
    external_attendees: str = ""
    period_start: date | None = Field(
        None, description="Default: the previous held review's date, or 12 months back."
    )
    period_end: date | None = Field(None, description="Default: the planned date.")
    interested_party_feedback: str = ""


class ReviewPatch(Schema):
    model_config = {"extra": "forbid"}

    title: str | None = Field(None, min_length=1, max_length=300)
    planned_on: date | None = None
    chair: int | None = None
    location: str | None = Field(None, max_length=300)
    attendees: list[int] | None = None
    external_attendees: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    interested_party_feedback: str | None = None
    minutes: str | None = Field(None, description="Markdown.")
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class StepIn(Schema):
    model_config = {"extra": "forbid"}

    version: int | None = Field(None, ge=1, description="The version seen (or send If-Match).")


class HoldIn(StepIn):
    held_on: date | None = Field(None, description="Default: today; never in the future.")


class InputsOut(Schema):
    review_id: int
    status: ReviewStatus
    frozen: bool
    live: bool = Field(..., description="Compiled now from the live data (a planned review).")
    compiled_at: datetime | None
    hash: str
    period: dict[str, str]
    sections: list[dict[str, Any]]


class ReviewQuery(Schema):
    q: str = Field("", max_length=100)
    status: ReviewStatus | None = None


class MinutesQuery(Schema):
    format: str = Field("pdf", pattern="^(pdf|docx)$")


class DecisionOut(Schema):
    id: int
    ref: str
    review_id: int
    review_ref: str
    kind: DecisionKind
    title: str
    description: str
    owner: UserRef | None
    due_date: date | None
    status: DecisionStatus
    overdue: bool
    outcome: str
    closed_on: date | None
    objective_id: int | None
    objective_ref: str | None
    opportunity_id: int | None
    opportunity_ref: str | None
    created_at: datetime
    version: int

    @staticmethod
    def resolve_review_ref(obj: Any) -> str:
        return obj.review.ref

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return obj.is_overdue()

    @staticmethod
    def resolve_objective_ref(obj: Any) -> str | None:
        return obj.objective.ref if obj.objective_id else None

    @staticmethod
    def resolve_opportunity_ref(obj: Any) -> str | None:
        return obj.opportunity.ref if obj.opportunity_id else None


class DecisionIn(Schema):
    model_config = {"extra": "forbid"}

    kind: DecisionKind = DecisionKind.ACTION
    title: str = Field(..., min_length=1, max_length=300)
    description: str = ""
    owner: int | None = Field(None, description="User id of a member (default: you).")
    due_date: date | None = None


class DecisionPatch(Schema):
    model_config = {"extra": "forbid"}

    kind: DecisionKind | None = None
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None
    owner: int | None = None
    due_date: date | None = None
    status: DecisionStatus | None = None
    outcome: str | None = None
    closed_on: date | None = Field(None, description="Done or cancelled: default today.")
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class DecisionQuery(Schema):
    q: str = Field("", max_length=100)
    status: DecisionStatus | None = None
    kind: DecisionKind | None = None
    owner: int | None = None
    overdue: bool = False
    open: bool = Field(False, description="Only open or in progress.")


class ObjectiveRef(Schema):
    id: int
    ref: str
    title: str


# --- helpers ------------------------------------------------------------------------------------


def _stale(obj: Any, expected: int, if_match: bool) -> None:
    if expected != obj.version:
        error = PreconditionFailed if if_match else ConflictError
        raise error(obj=obj, expected=expected, current=obj.version)


def _members(organization: Any, ids: list[int] | None) -> list[Any] | None:
    if ids is None:
        return None
    users = []
    for pk in dict.fromkeys(ids):
        users.append(member_user(organization, pk, "attendees"))
    return users


def _review_data(organization: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "chair" in data:
        data["chair"] = member_user(organization, data["chair"], "chair")
    if "attendees" in data:
        data["attendees"] = _members(organization, data["attendees"])
    return data


def _review_out(organization: Any, pk: int, response: HttpResponse | None = None) -> Any:
    review = (
        selectors.review_list(organization=organization)
        .defer(None)
        .select_related("closed_by")
        .prefetch_related("attendees")
        .get(pk=pk)
    )
    if response is not None:
        response["ETag"] = etag(review.version)
    return review


def _decision_out(organization: Any, pk: int, response: HttpResponse | None = None) -> Any:
    decision = selectors.decision_get(organization=organization, pk=pk)
    if response is not None:
        response["ETag"] = etag(decision.version)
    return decision


# --- reviews ------------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/management-reviews/",
    response={200: list[ReviewOut], **ERROR_RESPONSES},
    summary="Management reviews, latest first",
)
@paginate(PageNumberPagination)
def review_list(request: HttpRequest, slug: str, filters: Query[ReviewQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    return (
        selectors.review_list(
            organization=org,
            filters=selectors.ReviewFilter(q=filters.q.strip(), status=filters.status or ""),
        )
        .defer(None)
        .select_related("closed_by")
        .prefetch_related("attendees")
    )


@router.post(
    "/orgs/{slug}/management-reviews/",
    response={201: ReviewOut, **WRITE_ERROR_RESPONSES},
    summary="Plan a management review",
)
def review_create(
    request: HttpRequest, slug: str, payload: ReviewIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    data = _review_data(org, payload.model_dump())
    review = services.review_create(organization=org, actor=request_actor(request), **data)
    return Status(201, _review_out(org, review.pk, response))


@router.get(
    "/orgs/{slug}/management-reviews/{review_id}/",
    response={200: ReviewOut, **ERROR_RESPONSES},
    summary="One management review",
)
def review_get(request: HttpRequest, slug: str, review_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _review_out(org, selectors.review_get(organization=org, pk=review_id).pk, response)


@router.patch(
    "/orgs/{slug}/management-reviews/{review_id}/",
    response={200: ReviewOut, **WRITE_ERROR_RESPONSES},
    summary="Change a review (held: attendees and minutes only; closed: nothing)",
)
def review_patch(
    request: HttpRequest, slug: str, review_id: int, payload: ReviewPatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    review = selectors.review_get(organization=org, pk=review_id)
    version, if_match = expected_version(request, payload.version)
    data = _review_data(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    services.review_update(
        review=review, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    return _review_out(org, review.pk, response)


@router.delete(
    "/orgs/{slug}/management-reviews/{review_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete a planned review",
)
def review_delete(
    request: HttpRequest, slug: str, review_id: int, version: int | None = None
) -> Any:
    org = org_scope(request, slug, CHANGE)
    review = selectors.review_get(organization=org, pk=review_id)
    expected, if_match = expected_version(request, version)
    _stale(review, expected, if_match)
    services.review_delete(
        review=review, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


def _step(request: HttpRequest, slug: str, review_id: int, step: str, payload: Any) -> Any:
    org = org_scope(request, slug, CHANGE)
    review = selectors.review_get(organization=org, pk=review_id)
    version, if_match = expected_version(request, payload.version)
    extra = payload.model_dump(exclude={"version"})
    service = getattr(services, f"review_{step}")
    service(
        review=review, actor=request_actor(request), version=version, if_match=if_match, **extra
    )
    return org, review


@router.post(
    "/orgs/{slug}/management-reviews/{review_id}/prepare/",
    response={200: ReviewOut, **WRITE_ERROR_RESPONSES},
    summary="Prepare: compile the inputs from the live data (planned → prepared)",
)
def review_prepare(
    request: HttpRequest, slug: str, review_id: int, payload: StepIn, response: HttpResponse
) -> Any:
    org, review = _step(request, slug, review_id, "prepare", payload)
    return _review_out(org, review.pk, response)


@router.post(
    "/orgs/{slug}/management-reviews/{review_id}/recompile/",
    response={200: ReviewOut, **WRITE_ERROR_RESPONSES},
    summary="Compile the inputs again (until the review is held)",
)
def review_recompile(
    request: HttpRequest, slug: str, review_id: int, payload: StepIn, response: HttpResponse
) -> Any:
    org, review = _step(request, slug, review_id, "recompile", payload)
    return _review_out(org, review.pk, response)


@router.post(
    "/orgs/{slug}/management-reviews/{review_id}/hold/",
    response={200: ReviewOut, **WRITE_ERROR_RESPONSES},
    summary="Record the review as held: inputs compiled a last time and frozen",
)
def review_hold(
    request: HttpRequest, slug: str, review_id: int, payload: HoldIn, response: HttpResponse
) -> Any:
    """Needs a chair and at least one attendee."""
    org, review = _step(request, slug, review_id, "hold", payload)
    return _review_out(org, review.pk, response)


@router.post(
    "/orgs/{slug}/management-reviews/{review_id}/close/",
    response={200: ReviewOut, **WRITE_ERROR_RESPONSES},
    summary="Approve the minutes (chair or owner): minutes and attendees frozen",
)
def review_close(
    request: HttpRequest, slug: str, review_id: int, payload: StepIn, response: HttpResponse
) -> Any:
    org, review = _step(request, slug, review_id, "close", payload)
    return _review_out(org, review.pk, response)


@router.get(
    "/orgs/{slug}/management-reviews/{review_id}/inputs/",
    response={200: InputsOut, **ERROR_RESPONSES},
    summary="The review inputs: the snapshot, or the live compilation for a planned review",
)
def review_inputs(request: HttpRequest, slug: str, review_id: int) -> Any:
    org = org_scope(request, slug, VIEW)
    review = selectors.review_get(organization=org, pk=review_id)
    live = review.status == ReviewStatus.PLANNED
    if live:
        inputs = compile_inputs(org, review.period_start, review.period_end, review)
        compiled_at, digest = None, canonical_hash(inputs)
    else:
        inputs, compiled_at, digest = review.inputs, review.inputs_compiled_at, review.inputs_hash
    return {
        "review_id": review.pk,
        "status": review.status,
        "frozen": review.frozen,
        "live": live,
        "compiled_at": compiled_at,
        "hash": digest,
        "period": inputs.get("period", {}),
        "sections": inputs.get("sections", []),
    }


@router.get(
    "/orgs/{slug}/management-reviews/{review_id}/minutes/",
    response={200: None, **ERROR_RESPONSES},
    summary="The minutes as PDF or DOCX (a draft until the review is closed)",
)
def review_minutes(
    request: HttpRequest, slug: str, review_id: int, query: Query[MinutesQuery]
) -> HttpResponse:
    from openisms.core.reports import report_response
    from openisms.reviews.report import minutes_report

    org = org_scope(request, slug, VIEW)
    review = selectors.review_get(organization=org, pk=review_id)
    return report_response(minutes_report(review), query.format, f"{review.ref}-minutes")


# --- decisions ----------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/management-reviews/{review_id}/decisions/",
    response={200: list[DecisionOut], **ERROR_RESPONSES},
    summary="A review's decisions",
)
@paginate(PageNumberPagination)
def review_decision_list(request: HttpRequest, slug: str, review_id: int) -> Any:
    org = org_scope(request, slug, VIEW)
    review = selectors.review_get(organization=org, pk=review_id)
    return selectors.decision_list(
        organization=org, filters=selectors.DecisionFilter(review=review.pk)
    ).order_by("ref")


@router.post(
    "/orgs/{slug}/management-reviews/{review_id}/decisions/",
    response={201: DecisionOut, **WRITE_ERROR_RESPONSES},
    summary="Record a decision of a held review",
)
def decision_create(
    request: HttpRequest, slug: str, review_id: int, payload: DecisionIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    review = selectors.review_get(organization=org, pk=review_id)
    data = payload.model_dump()
    data["owner"] = member_user(org, data["owner"], "owner")
    decision = services.decision_create(review=review, actor=request_actor(request), **data)
    return Status(201, _decision_out(org, decision.pk, response))


@router.get(
    "/orgs/{slug}/review-decisions/",
    response={200: list[DecisionOut], **ERROR_RESPONSES},
    summary="Decisions of every review",
)
@paginate(PageNumberPagination)
def decision_list(request: HttpRequest, slug: str, filters: Query[DecisionQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.decision_list(
        organization=org,
        filters=selectors.DecisionFilter(
            q=filters.q.strip(),
            status=filters.status or "",
            kind=filters.kind or "",
            owner=filters.owner,
            overdue=filters.overdue,
            open=filters.open,
        ),
    )


@router.get(
    "/orgs/{slug}/review-decisions/{decision_id}/",
    response={200: DecisionOut, **ERROR_RESPONSES},
    summary="One decision",
)
def decision_get(request: HttpRequest, slug: str, decision_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _decision_out(org, decision_id, response)


@router.patch(
    "/orgs/{slug}/review-decisions/{decision_id}/",
    response={200: DecisionOut, **WRITE_ERROR_RESPONSES},
    summary="Progress a decision (contributors: theirs); what was decided: managers",
)
def decision_patch(
    request: HttpRequest,
    slug: str,
    decision_id: int,
    payload: DecisionPatch,
    response: HttpResponse,
) -> Any:
    """``status``/``outcome``/``closed_on`` need *update_decision* on the decision (contributors:
    the decisions they own); ``kind``/``title``/``description``/``owner``/``due_date`` need
    *change_review*. Done or cancelled needs an outcome."""
    org = org_scope(request, slug, UPDATE)
    decision = selectors.decision_get(organization=org, pk=decision_id)
    version, if_match = expected_version(request, payload.version)
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    if "owner" in data:
        data["owner"] = member_user(org, data["owner"], "owner")
    if data.get("closed_on", "") is None:
        data.pop("closed_on")
    services.decision_update(
        decision=decision, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    return _decision_out(org, decision.pk, response)


@router.delete(
    "/orgs/{slug}/review-decisions/{decision_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete an open decision (minutes not approved yet)",
)
def decision_delete(
    request: HttpRequest, slug: str, decision_id: int, version: int | None = None
) -> Any:
    org = org_scope(request, slug, CHANGE)
    decision = selectors.decision_get(organization=org, pk=decision_id)
    expected, if_match = expected_version(request, version)
    _stale(decision, expected, if_match)
    services.decision_delete(
        decision=decision, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


def _link(request: HttpRequest, slug: str, decision_id: int, target: str) -> Any:
    org = org_scope(request, slug, CHANGE)
    decision = selectors.decision_get(organization=org, pk=decision_id)
    service = (
        services.decision_create_objective
        if target == "objective"
        else services.decision_create_opportunity
    )
    item = service(decision=decision, actor=request_actor(request))
    return Status(201, {"id": item.pk, "ref": item.ref, "title": item.title})


@router.post(
    "/orgs/{slug}/review-decisions/{decision_id}/objective/",
    response={201: ObjectiveRef, **WRITE_ERROR_RESPONSES},
    summary="Create the objective a decision of kind objective calls for (linked)",
)
def decision_objective(request: HttpRequest, slug: str, decision_id: int) -> Any:
    return _link(request, slug, decision_id, "objective")


@router.post(
    "/orgs/{slug}/review-decisions/{decision_id}/opportunity/",
    response={201: ObjectiveRef, **WRITE_ERROR_RESPONSES},
    summary="Add a decision of kind improvement to the improvement log (linked)",
)
def decision_opportunity(request: HttpRequest, slug: str, decision_id: int) -> Any:
    return _link(request, slug, decision_id, "opportunity")
