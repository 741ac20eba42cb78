"""REST API for the incident register: incidents with their links, lifecycle and timeline."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from openisms.accounts.api import AUTH
from openisms.assets.api import UserRef, member_user
from openisms.assets.models import Asset
from openisms.controls.models import Evidence
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
from openisms.improvement.models import Nonconformity
from openisms.incidents import selectors, services
from openisms.incidents.choices import Classification, IncidentStatus, Severity
from openisms.incidents.models import Incident
from openisms.risks.models import Risk

router = Router(auth=AUTH, tags=["incidents"])

VIEW = "incidents.view_incident"
CHANGE = "incidents.change_incident"
LINKS = {
    "asset_ids": ("assets", Asset, "asset"),
    "risk_ids": ("risks", Risk, "risk"),
    "nonconformity_ids": ("nonconformities", Nonconformity, "nonconformity"),
    "evidence_ids": ("evidence", Evidence, "evidence"),
}


class EvidenceRef(Schema):
    id: int
    ref: str
    title: str
    sha256: str | None = Field(None, description="The stored file's SHA-256 (chain of custody).")
    collected_on: date


class IncidentOut(Schema):
    id: int
    ref: str
    title: str
    description: str
    detected_at: datetime
    reported_at: datetime | None
    reported_by: str
    classification: Classification
    severity: Severity
    status: IncidentStatus
    owner: UserRef | None
    response: str
    lessons_learned: str
    personal_data_breach: bool
    authority_notified_at: datetime | None
    notification_deadline: datetime | None
    notification_overdue: bool = Field(
        ..., description="A personal data breach not notified within 72 hours of detection."
    )
    asset_ids: list[int]
    risk_ids: list[int]
    nonconformity_ids: list[int]
    evidence: list[EvidenceRef]
    created_at: datetime
    version: int

    @staticmethod
    def resolve_notification_overdue(obj: Any) -> bool:
        return obj.notification_overdue()

    @staticmethod
    def resolve_asset_ids(obj: Any) -> list[int]:
        return sorted(o.pk for o in obj.assets.all())

    @staticmethod
    def resolve_risk_ids(obj: Any) -> list[int]:
        return sorted(o.pk for o in obj.risks.all())

    @staticmethod
    def resolve_nonconformity_ids(obj: Any) -> list[int]:
        return sorted(o.pk for o in obj.nonconformities.all())

    @staticmethod
    def resolve_evidence(obj: Any) -> list[dict[str, Any]]:
        return [
            {
                "id": e.pk,
                "ref": e.ref,
                "title": e.title,
                "sha256": e.file.sha256 if e.file else None,
                "collected_on": e.collected_on,
            }
            for e in obj.evidence.all()
        ]


class IncidentIn(Schema):
    model_config = {"extra": "forbid"}

    title: str = Field(..., min_length=1, max_length=300)
    description: str = ""
    detected_at: datetime | None = Field(None, description="Default: now.")
    reported_at: datetime | None = None
    reported_by: str = Field("", max_length=200)
    classification: Classification = Classification.OTHER
    severity: Severity = Severity.MEDIUM
    owner: int | None = Field(None, description="User id of a member (default: you).")
    response: str = ""
    lessons_learned: str = ""
    personal_data_breach: bool = False
    authority_notified_at: datetime | None = None
    asset_ids: list[int] = Field(default_factory=list)
    risk_ids: list[int] = Field(default_factory=list)
    nonconformity_ids: list[int] = Field(default_factory=list)
    evidence_ids: list[int] = Field(default_factory=list)


class IncidentPatch(Schema):
    model_config = {"extra": "forbid"}

    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None
    detected_at: datetime | None = None
    reported_at: datetime | None = None
    reported_by: str | None = Field(None, max_length=200)
    classification: Classification | None = None
    severity: Severity | None = None
    owner: int | None = None
    response: str | None = None
    lessons_learned: str | None = None
    personal_data_breach: bool | None = None
    authority_notified_at: datetime | None = None
    asset_ids: list[int] | None = Field(None, description="Omitted: unchanged.")
    risk_ids: list[int] | None = Field(None, description="Omitted: unchanged.")
    nonconformity_ids: list[int] | None = Field(None, description="Omitted: unchanged.")
    evidence_ids: list[int] | None = Field(None, description="Omitted: unchanged.")
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class IncidentQuery(Schema):
    q: str = Field("", max_length=100)
    status: IncidentStatus | None = None
    severity: Severity | None = None
    classification: Classification | None = None
    owner: int | None = None
    notification_overdue: bool = False


class TransitionIn(Schema):
    model_config = {"extra": "forbid"}

    status: IncidentStatus
    version: int | None = Field(None, ge=1, description="The version seen (or send If-Match).")


class TimelineOut(Schema):
    id: int
    at: datetime
    what: str
    by: UserRef | None
    created_at: datetime


class TimelineIn(Schema):
    model_config = {"extra": "forbid"}

    what: str = Field(..., min_length=1)
    at: datetime | None = Field(None, description="Default: now.")


def _data(organization: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "owner" in data:
        data["owner"] = member_user(organization, data["owner"], "owner")
    for key, (field, model, label) in LINKS.items():
        if key not in data:
            continue
        ids = data.pop(key)
        if ids is None:
            continue
        wanted = set(ids)
        found = list(scoped(model, organization).filter(pk__in=wanted))
        missing = wanted - {o.pk for o in found}
        if missing:
            raise ValidationError(
                {key: _("Unknown %(what)s: %(id)s.") % {"what": label, "id": min(missing)}}
            )
        data[field] = found
    if "detected_at" in data and data["detected_at"] is None:
        data.pop("detected_at")
    return data


def _out(organization: Any, pk: int, response: HttpResponse | None = None) -> Incident:
    incident = (
        selectors.incident_list(organization=organization)
        .prefetch_related("assets", "risks", "nonconformities", "evidence__file")
        .get(pk=pk)
    )
    if response is not None:
        response["ETag"] = etag(incident.version)
    return incident


@router.get(
    "/orgs/{slug}/incidents/",
    response={200: list[IncidentOut], **ERROR_RESPONSES},
    summary="The incident register, newest first",
)
@paginate(PageNumberPagination)
def incident_list(request: HttpRequest, slug: str, filters: Query[IncidentQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.incident_list(
        organization=org,
        filters=selectors.IncidentFilter(
            q=filters.q.strip(),
            status=filters.status or "",
            severity=filters.severity or "",
            classification=filters.classification or "",
            owner=filters.owner,
            notification_overdue=filters.notification_overdue,
        ),
    ).prefetch_related("assets", "risks", "nonconformities", "evidence__file")


@router.post(
    "/orgs/{slug}/incidents/",
    response={201: IncidentOut, **WRITE_ERROR_RESPONSES},
    summary="Record an incident",
)
def incident_create(
    request: HttpRequest, slug: str, payload: IncidentIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    data = _data(org, payload.model_dump())
    incident = services.incident_create(organization=org, actor=request_actor(request), **data)
    return Status(201, _out(org, incident.pk, response))


@router.get(
    "/orgs/{slug}/incidents/{incident_id}/",
    response={200: IncidentOut, **ERROR_RESPONSES},
    summary="One incident",
)
def incident_get(request: HttpRequest, slug: str, incident_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _out(org, selectors.incident_get(organization=org, pk=incident_id).pk, response)


@router.patch(
    "/orgs/{slug}/incidents/{incident_id}/",
    response={200: IncidentOut, **WRITE_ERROR_RESPONSES},
    summary="Change an incident (contributors: the ones they own)",
)
def incident_patch(
    request: HttpRequest,
    slug: str,
    incident_id: int,
    payload: IncidentPatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, CHANGE)
    incident = selectors.incident_get(organization=org, pk=incident_id)
    version, if_match = expected_version(request, payload.version)
    data = _data(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    services.incident_update(
        incident=incident, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    return _out(org, incident.pk, response)


@router.delete(
    "/orgs/{slug}/incidents/{incident_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete a new incident with no timeline (a duplicate)",
)
def incident_delete(
    request: HttpRequest, slug: str, incident_id: int, version: int | None = None
) -> Any:
    org = org_scope(request, slug, CHANGE)
    incident = selectors.incident_get(organization=org, pk=incident_id)
    expected, if_match = expected_version(request, version)
    if expected != incident.version:
        error = PreconditionFailed if if_match else ConflictError
        raise error(obj=incident, expected=expected, current=incident.version)
    services.incident_delete(
        incident=incident, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


@router.post(
    "/orgs/{slug}/incidents/{incident_id}/transition/",
    response={200: IncidentOut, **WRITE_ERROR_RESPONSES},
    summary="Move an incident through its lifecycle (recorded on the timeline)",
)
def incident_transition(
    request: HttpRequest,
    slug: str,
    incident_id: int,
    payload: TransitionIn,
    response: HttpResponse,
) -> Any:
    """new → triaged → contained → resolved (needs the response) → closed (needs the lessons
    learned); one step back is allowed."""
    org = org_scope(request, slug, CHANGE)
    incident = selectors.incident_get(organization=org, pk=incident_id)
    version, if_match = expected_version(request, payload.version)
    services.incident_transition(
        incident=incident,
        actor=request_actor(request),
        to=payload.status,
        version=version,
        if_match=if_match,
    )
    return _out(org, incident.pk, response)


@router.get(
    "/orgs/{slug}/incidents/{incident_id}/timeline/",
    response={200: list[TimelineOut], **ERROR_RESPONSES},
    summary="An incident's timeline, oldest first",
)
@paginate(PageNumberPagination)
def timeline_list(request: HttpRequest, slug: str, incident_id: int) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.timeline_list(
        incident=selectors.incident_get(organization=org, pk=incident_id)
    )


@router.post(
    "/orgs/{slug}/incidents/{incident_id}/timeline/",
    response={201: TimelineOut, **WRITE_ERROR_RESPONSES},
    summary="Add an event to an incident's timeline (never edited)",
)
def timeline_create(request: HttpRequest, slug: str, incident_id: int, payload: TimelineIn) -> Any:
    org = org_scope(request, slug, CHANGE)
    incident = selectors.incident_get(organization=org, pk=incident_id)
    entry = services.timeline_add(
        incident=incident, actor=request_actor(request), **payload.model_dump()
    )
    return Status(201, selectors.timeline_list(incident=incident).get(pk=entry.pk))
