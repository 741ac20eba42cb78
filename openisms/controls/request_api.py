"""REST API for evidence requests: the auditor asks (``audits.record_finding``), the
organisation answers by linking evidence (``controls.change_evidence``)."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from openisms.accounts.api import AUTH
from openisms.assets.api import UserRef
from openisms.controls import request_selectors as selectors
from openisms.controls import request_services as services
from openisms.controls.models import EvidenceRequest, EvidenceRequestStatus
from openisms.core.api import (
    ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    etag,
    expected_version,
    org_scope,
    request_actor,
)

router = Router(auth=AUTH, tags=["evidence requests"])

VIEW = "controls.view_control"
P = "/orgs/{slug}/evidence-requests/"


class EvidenceRefOut(Schema):
    id: int
    ref: str
    title: str


class EvidenceRequestOut(Schema):
    id: int
    ref: str
    title: str
    description: str
    requested_by: UserRef | None
    requested_on: date
    due_date: date | None
    overdue: bool
    control_id: int | None
    status: EvidenceRequestStatus
    answer_note: str
    requester_note: str
    evidence: list[EvidenceRefOut]
    answered_by: UserRef | None
    answered_at: datetime | None
    created_at: datetime
    version: int

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return bool(obj.is_overdue())

    @staticmethod
    def resolve_evidence(obj: Any) -> list[Any]:
        return list(obj.evidence.all())


class EvidenceRequestIn(Schema):
    model_config = {"extra": "forbid"}

    title: str = Field(..., min_length=1, max_length=300)
    description: str = ""
    requested_on: date | None = Field(None, description="Default: today.")
    due_date: date | None = None
    control_id: int | None = Field(None, description="One of the organisation's controls.")


class EvidenceRequestPatch(Schema):
    model_config = {"extra": "forbid"}

    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None
    requested_on: date | None = None
    due_date: date | None = None
    control_id: int | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class AnswerIn(Schema):
    model_config = {"extra": "forbid"}

    evidence: list[int] = Field(
        default_factory=list, description="Ids of the organisation's evidence items."
    )
    note: str = ""
    version: int | None = Field(None, ge=1, description="The version seen (or send If-Match).")


class StatusIn(Schema):
    model_config = {"extra": "forbid"}

    status: EvidenceRequestStatus
    note: str = Field("", description="Required to reopen (answered → open).")
    version: int | None = Field(None, ge=1, description="The version seen (or send If-Match).")


class RequestQuery(Schema):
    q: str = Field("", max_length=100)
    status: EvidenceRequestStatus | None = None
    overdue: bool = Field(False, description="Only open requests past their due date.")


def _data(org: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "control_id" in data:
        data["control"] = services.resolve_control(org, data.pop("control_id"), "control_id")
    return data


def _rename(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    names = {"control": "control_id"}
    return ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()})


def _out(org: Any, pk: int, response: HttpResponse | None = None) -> EvidenceRequest:
    er = selectors.request_list(organization=org).get(pk=pk)
    if response is not None:
        response["ETag"] = etag(er.version)
    return er


@router.get(
    P,
    response={200: list[EvidenceRequestOut], **ERROR_RESPONSES},
    summary="Evidence requests, newest first",
)
@paginate(PageNumberPagination)
def request_list(request: HttpRequest, slug: str, filters: Query[RequestQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.request_list(
        organization=org,
        filters=selectors.RequestFilter(
            q=filters.q.strip(), status=filters.status or "", overdue=filters.overdue
        ),
    )


@router.post(
    P,
    response={201: EvidenceRequestOut, **WRITE_ERROR_RESPONSES},
    summary="Request evidence (auditors, managers, owners)",
)
def request_create(
    request: HttpRequest, slug: str, payload: EvidenceRequestIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, services.REQUEST)
    data = _data(org, payload.model_dump())
    try:
        er = services.request_create(organization=org, actor=request_actor(request), **data)
    except ValidationError as exc:
        raise _rename(exc) from exc
    return Status(201, _out(org, er.pk, response))


@router.get(
    P + "{request_id}/",
    response={200: EvidenceRequestOut, **ERROR_RESPONSES},
    summary="One evidence request",
)
def request_get(request: HttpRequest, slug: str, request_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _out(org, selectors.request_get(organization=org, pk=request_id).pk, response)


@router.patch(
    P + "{request_id}/",
    response={200: EvidenceRequestOut, **WRITE_ERROR_RESPONSES},
    summary="Change an open evidence request",
)
def request_patch(
    request: HttpRequest,
    slug: str,
    request_id: int,
    payload: EvidenceRequestPatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, services.REQUEST)
    er = selectors.request_get(organization=org, pk=request_id)
    version, if_match = expected_version(request, payload.version)
    data = _data(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    try:
        services.request_update(
            er=er, actor=request_actor(request), version=version, if_match=if_match, **data
        )
    except ValidationError as exc:
        raise _rename(exc) from exc
    return _out(org, er.pk, response)


@router.post(
    P + "{request_id}/answer/",
    response={200: EvidenceRequestOut, **WRITE_ERROR_RESPONSES},
    summary="Answer an open request by linking evidence",
)
def request_answer(
    request: HttpRequest, slug: str, request_id: int, payload: AnswerIn, response: HttpResponse
) -> Any:
    """Links the organisation's evidence items (and a note); the request is then answered."""
    org = org_scope(request, slug, services.ANSWER)
    er = selectors.request_get(organization=org, pk=request_id)
    version, if_match = expected_version(request, payload.version)
    evidence = services.resolve_evidence(org, payload.evidence)
    services.request_answer(
        er=er,
        actor=request_actor(request),
        evidence=evidence,
        note=payload.note,
        version=version,
        if_match=if_match,
    )
    return _out(org, er.pk, response)


@router.post(
    P + "{request_id}/status/",
    response={200: EvidenceRequestOut, **WRITE_ERROR_RESPONSES},
    summary="Withdraw, close or reopen a request",
)
def request_status(
    request: HttpRequest, slug: str, request_id: int, payload: StatusIn, response: HttpResponse
) -> Any:
    """open/answered → withdrawn; answered → closed (the requester or an audit manager);
    answered → open (the requester, with a note saying why the answer is not sufficient)."""
    org = org_scope(request, slug, services.REQUEST)
    er = selectors.request_get(organization=org, pk=request_id)
    version, if_match = expected_version(request, payload.version)
    services.request_transition(
        er=er,
        actor=request_actor(request),
        to=payload.status,
        note=payload.note,
        version=version,
        if_match=if_match,
    )
    return _out(org, er.pk, response)
