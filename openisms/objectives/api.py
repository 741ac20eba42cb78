"""REST API for objectives, metrics (with their status against target) and measurements
(append-only)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
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
from openisms.objectives import selectors, services
from openisms.objectives.choices import Direction, MetricStatus, ObjectiveStatus
from openisms.objectives.models import (
    MAX_FREQUENCY_DAYS,
    VALUE_PLACES,
    Measurement,
    Metric,
    Objective,
)
from openisms.objectives.status import metric_state

router = Router(auth=AUTH, tags=["objectives"])

QUANTUM = Decimal(1).scaleb(-VALUE_PLACES)

VIEW = "objectives.view_objective"
CHANGE = "objectives.change_objective"
RECORD = "objectives.record_measurement"


# --- schemas ------------------------------------------------------------------------------------


class ObjectiveOut(Schema):
    id: int
    ref: str
    title: str
    plan: str
    resources: str
    owner: UserRef | None
    due_date: date | None
    evaluation: str
    status: ObjectiveStatus
    metric_count: int
    created_at: datetime
    version: int


class ObjectiveIn(Schema):
    model_config = {"extra": "forbid"}

    title: str = Field(..., min_length=1, max_length=300)
    plan: str = Field("", description="What will be done.")
    resources: str = ""
    owner: int | None = Field(None, description="User id of a member (default: you).")
    due_date: date | None = None
    evaluation: str = Field("", description="How the results are evaluated.")
    status: ObjectiveStatus = ObjectiveStatus.PLANNED


class ObjectivePatch(Schema):
    model_config = {"extra": "forbid"}

    title: str | None = Field(None, min_length=1, max_length=300)
    plan: str | None = None
    resources: str | None = None
    owner: int | None = None
    due_date: date | None = None
    evaluation: str | None = None
    status: ObjectiveStatus | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class ObjectiveQuery(Schema):
    q: str = Field("", max_length=100)
    status: ObjectiveStatus | None = None
    owner: int | None = None


class MetricOut(Schema):
    id: int
    ref: str
    objective_id: int | None
    name: str
    measured: str
    method: str
    frequency_days: int
    measured_by: UserRef | None
    analysed_by: UserRef | None
    unit: str
    target: Decimal
    direction: Direction
    warning: Decimal | None
    latest_value: Decimal | None
    latest_on: date | None
    measurement_count: int
    status: MetricStatus
    overdue: bool
    next_due: date | None
    version: int

    @staticmethod
    def resolve_latest_value(obj: Any) -> Decimal | None:
        # The same digits on every database (SQLite's subquery drops trailing zeros).
        value = obj.latest_value
        return None if value is None else Decimal(value).quantize(QUANTUM)

    @staticmethod
    def resolve_status(obj: Any) -> str:
        return metric_state(obj)["status"]

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return metric_state(obj)["overdue"]

    @staticmethod
    def resolve_next_due(obj: Any) -> date | None:
        return metric_state(obj)["next_due"]


class MetricIn(Schema):
    model_config = {"extra": "forbid"}

    name: str = Field(..., min_length=1, max_length=300)
    objective_id: int | None = None
    measured: str = Field("", description="What is measured.")
    method: str = ""
    frequency_days: int = Field(30, ge=1, le=MAX_FREQUENCY_DAYS)
    measured_by: int | None = Field(None, description="User id of a member (default: you).")
    analysed_by: int | None = Field(None, description="User id of a member.")
    unit: str = Field("", max_length=40)
    target: Decimal
    direction: Direction = Direction.HIGHER
    warning: Decimal | None = Field(
        None, description="Warning threshold: between it and the target, the metric is in warning."
    )


class MetricPatch(Schema):
    model_config = {"extra": "forbid"}

    name: str | None = Field(None, min_length=1, max_length=300)
    objective_id: int | None = None
    measured: str | None = None
    method: str | None = None
    frequency_days: int | None = Field(None, ge=1, le=MAX_FREQUENCY_DAYS)
    measured_by: int | None = None
    analysed_by: int | None = None
    unit: str | None = Field(None, max_length=40)
    target: Decimal | None = None
    direction: Direction | None = None
    warning: Decimal | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class MetricQuery(Schema):
    q: str = Field("", max_length=100)
    objective: int | None = None
    measured_by: int | None = None


class MeasurementOut(Schema):
    id: int
    metric_id: int
    measured_on: date
    value: Decimal
    source: str
    note: str
    corrects_id: int | None
    recorded_by: UserRef | None
    created_at: datetime


class MeasurementIn(Schema):
    model_config = {"extra": "forbid"}

    value: Decimal
    measured_on: date | None = Field(None, description="Default: today; never in the future.")
    source: str = Field("", max_length=300)
    note: str = ""
    corrects_id: int | None = Field(
        None, description="An earlier measurement of this metric that this one corrects."
    )


# --- helpers ------------------------------------------------------------------------------------


def _stale(obj: Any, expected: int, if_match: bool) -> None:
    if expected != obj.version:
        error = PreconditionFailed if if_match else ConflictError
        raise error(obj=obj, expected=expected, current=obj.version)


def _objective_data(org: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "owner" in data:
        data["owner"] = member_user(org, data["owner"], "owner")
    return data


def _objective_out(org: Any, pk: int, response: HttpResponse) -> Objective:
    objective = selectors.objective_list(organization=org).get(pk=pk)
    response["ETag"] = etag(objective.version)
    return objective


def _metric_data(org: Any, data: dict[str, Any]) -> dict[str, Any]:
    for field in ("measured_by", "analysed_by"):
        if field in data:
            data[field] = member_user(org, data[field], field)
    if "objective_id" in data:
        pk = data.pop("objective_id")
        data["objective"] = None
        if pk is not None:
            objective = selectors.objective_list(organization=org).filter(pk=pk).first()
            if objective is None:
                raise ValidationError({"objective_id": _("Unknown objective: %s.") % pk})
            data["objective"] = objective
    return data


def _rename(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    names = {"objective": "objective_id", "corrects": "corrects_id"}
    return ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()})


def _metric_out(org: Any, pk: int, response: HttpResponse) -> Metric:
    metric = selectors.metric_get(organization=org, pk=pk)
    response["ETag"] = etag(metric.version)
    return metric


# --- objectives ---------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/objectives/",
    response={200: list[ObjectiveOut], **ERROR_RESPONSES},
    summary="Information security objectives, by reference",
)
@paginate(PageNumberPagination)
def objective_list(request: HttpRequest, slug: str, filters: Query[ObjectiveQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.objective_list(
        organization=org,
        filters=selectors.ObjectiveFilter(
            q=filters.q.strip(), status=filters.status or "", owner=filters.owner
        ),
    )


@router.post(
    "/orgs/{slug}/objectives/",
    response={201: ObjectiveOut, **WRITE_ERROR_RESPONSES},
    summary="Record an objective",
)
def objective_create(
    request: HttpRequest, slug: str, payload: ObjectiveIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    objective = services.objective_create(
        organization=org,
        actor=request_actor(request),
        **_objective_data(org, payload.model_dump()),
    )
    return Status(201, _objective_out(org, objective.pk, response))


@router.get(
    "/orgs/{slug}/objectives/{objective_id}/",
    response={200: ObjectiveOut, **ERROR_RESPONSES},
    summary="One objective",
)
def objective_get(
    request: HttpRequest, slug: str, objective_id: int, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, VIEW)
    objective = selectors.objective_get(organization=org, pk=objective_id)
    return _objective_out(org, objective.pk, response)


@router.patch(
    "/orgs/{slug}/objectives/{objective_id}/",
    response={200: ObjectiveOut, **WRITE_ERROR_RESPONSES},
    summary="Change an objective (contributors: the ones they own)",
)
def objective_patch(
    request: HttpRequest,
    slug: str,
    objective_id: int,
    payload: ObjectivePatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, CHANGE)
    objective = selectors.objective_get(organization=org, pk=objective_id)
    version, if_match = expected_version(request, payload.version)
    data = _objective_data(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    services.objective_update(
        objective=objective,
        actor=request_actor(request),
        version=version,
        if_match=if_match,
        **data,
    )
    return _objective_out(org, objective.pk, response)


@router.delete(
    "/orgs/{slug}/objectives/{objective_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete an objective without metrics",
)
def objective_delete(
    request: HttpRequest, slug: str, objective_id: int, version: int | None = None
) -> Any:
    org = org_scope(request, slug, CHANGE)
    objective = selectors.objective_get(organization=org, pk=objective_id)
    expected, if_match = expected_version(request, version)
    _stale(objective, expected, if_match)
    services.objective_delete(
        objective=objective, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


# --- metrics ------------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/metrics/",
    response={200: list[MetricOut], **ERROR_RESPONSES},
    summary="Metrics with their latest measurement and status against target",
)
@paginate(PageNumberPagination)
def metric_list(request: HttpRequest, slug: str, filters: Query[MetricQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.metric_list(
        organization=org,
        filters=selectors.MetricFilter(
            q=filters.q.strip(), objective=filters.objective, measured_by=filters.measured_by
        ),
    )


@router.post(
    "/orgs/{slug}/metrics/",
    response={201: MetricOut, **WRITE_ERROR_RESPONSES},
    summary="Define a metric",
)
def metric_create(
    request: HttpRequest, slug: str, payload: MetricIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    try:
        metric = services.metric_create(
            organization=org,
            actor=request_actor(request),
            **_metric_data(org, payload.model_dump()),
        )
    except ValidationError as exc:
        raise _rename(exc) from exc
    return Status(201, _metric_out(org, metric.pk, response))


@router.get(
    "/orgs/{slug}/metrics/{metric_id}/",
    response={200: MetricOut, **ERROR_RESPONSES},
    summary="One metric",
)
def metric_get(request: HttpRequest, slug: str, metric_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _metric_out(org, metric_id, response)


@router.patch(
    "/orgs/{slug}/metrics/{metric_id}/",
    response={200: MetricOut, **WRITE_ERROR_RESPONSES},
    summary="Change a metric (contributors: the ones they measure)",
)
def metric_patch(
    request: HttpRequest, slug: str, metric_id: int, payload: MetricPatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    metric = selectors.metric_get(organization=org, pk=metric_id)
    version, if_match = expected_version(request, payload.version)
    data = _metric_data(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    try:
        services.metric_update(
            metric=metric, actor=request_actor(request), version=version, if_match=if_match, **data
        )
    except ValidationError as exc:
        raise _rename(exc) from exc
    return _metric_out(org, metric.pk, response)


@router.delete(
    "/orgs/{slug}/metrics/{metric_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete a metric never measured",
)
def metric_delete(
    request: HttpRequest, slug: str, metric_id: int, version: int | None = None
) -> Any:
    org = org_scope(request, slug, CHANGE)
    metric = selectors.metric_get(organization=org, pk=metric_id)
    expected, if_match = expected_version(request, version)
    _stale(metric, expected, if_match)
    services.metric_delete(
        metric=metric, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


# --- measurements -------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/metrics/{metric_id}/measurements/",
    response={200: list[MeasurementOut], **ERROR_RESPONSES},
    summary="A metric's measurements, newest first",
)
@paginate(PageNumberPagination)
def measurement_list(request: HttpRequest, slug: str, metric_id: int) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.measurement_list(metric=selectors.metric_get(organization=org, pk=metric_id))


@router.post(
    "/orgs/{slug}/metrics/{metric_id}/measurements/",
    response={201: MeasurementOut, **WRITE_ERROR_RESPONSES},
    summary="Append a measurement (never edited: a correction names the one it corrects)",
)
def measurement_create(
    request: HttpRequest, slug: str, metric_id: int, payload: MeasurementIn
) -> Any:
    org = org_scope(request, slug, RECORD)
    metric = selectors.metric_get(organization=org, pk=metric_id)
    data = payload.model_dump()
    corrects_id = data.pop("corrects_id")
    corrects: Measurement | None = None
    if corrects_id is not None:
        corrects = selectors.measurement_get(metric=metric, pk=corrects_id)
        if corrects is None:
            raise ValidationError({"corrects_id": _("Unknown measurement of this metric.")})
    try:
        measurement = services.measurement_record(
            metric=metric, actor=request_actor(request), corrects=corrects, **data
        )
    except ValidationError as exc:
        raise _rename(exc) from exc
    return Status(201, selectors.measurement_list(metric=metric).get(pk=measurement.pk))
