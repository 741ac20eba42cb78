"""REST API for leadership and support: ISMS roles, processes with their RACI, competences,
training records, awareness campaigns, the communication plan, and the competence gaps."""

from datetime import date
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
from openisms.core.gate import scoped
from openisms.people import selectors, services
from openisms.people.choices import RaciLetter
from openisms.people.models import Competence, IsmsRole

router = Router(auth=AUTH, tags=["people"])

VIEW = "people.view_people"
CHANGE = "people.change_people"
VERSION = Field(None, ge=1, description="The version edited (or send If-Match).")


# --- helpers ------------------------------------------------------------------------------------


def _stale(obj: Any, expected: int, if_match: bool) -> None:
    if expected != obj.version:
        error = PreconditionFailed if if_match else ConflictError
        raise error(obj=obj, expected=expected, current=obj.version)


def _tagged(obj: Any, response: HttpResponse) -> Any:
    response["ETag"] = etag(obj.version)
    return obj


def _members(org: Any, ids: list[int] | None, field: str) -> list[Any] | None:
    if ids is None:
        return None
    return [member_user(org, pk, field) for pk in dict.fromkeys(ids)]


def _owned(model: Any, org: Any, ids: list[int] | None, field: str) -> list[Any] | None:
    if ids is None:
        return None
    wanted = list(dict.fromkeys(ids))
    found = {o.pk: o for o in scoped(model, org).filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationError({field: _("Unknown id: %s.") % missing[0]})
    return [found[pk] for pk in wanted]


def _one(model: Any, org: Any, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    return _owned(model, org, [pk], field)[0]  # type: ignore[index]


def _rename(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()})


# --- competences --------------------------------------------------------------------------------


class CompetenceOut(Schema):
    id: int
    name: str
    description: str
    version: int


class CompetenceIn(Schema):
    model_config = {"extra": "forbid"}
    name: str = Field(..., min_length=1, max_length=200)
    description: str = ""


class CompetencePatch(Schema):
    model_config = {"extra": "forbid"}
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    version: int | None = VERSION


@router.get(
    "/orgs/{slug}/competences/",
    response={200: list[CompetenceOut], **ERROR_RESPONSES},
    summary="Competences",
)
@paginate(PageNumberPagination)
def competence_list(request: HttpRequest, slug: str) -> Any:
    return selectors.competence_list(organization=org_scope(request, slug, VIEW))


@router.post(
    "/orgs/{slug}/competences/",
    response={201: CompetenceOut, **WRITE_ERROR_RESPONSES},
    summary="Add a competence",
)
def competence_create(
    request: HttpRequest, slug: str, payload: CompetenceIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    obj = services.competence_create(
        organization=org, actor=request_actor(request), **payload.model_dump()
    )
    return Status(201, _tagged(obj, response))


@router.get(
    "/orgs/{slug}/competences/{competence_id}/",
    response={200: CompetenceOut, **ERROR_RESPONSES},
    summary="One competence",
)
def competence_get(
    request: HttpRequest, slug: str, competence_id: int, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, VIEW)
    return _tagged(selectors.competence_get(organization=org, pk=competence_id), response)


@router.patch(
    "/orgs/{slug}/competences/{competence_id}/",
    response={200: CompetenceOut, **WRITE_ERROR_RESPONSES},
    summary="Change a competence",
)
def competence_patch(
    request: HttpRequest,
    slug: str,
    competence_id: int,
    payload: CompetencePatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, CHANGE)
    obj = selectors.competence_get(organization=org, pk=competence_id)
    version, if_match = expected_version(request, payload.version)
    obj = services.competence_update(
        competence=obj,
        actor=request_actor(request),
        version=version,
        if_match=if_match,
        **payload.model_dump(exclude_unset=True, exclude={"version"}),
    )
    return _tagged(obj, response)


@router.delete(
    "/orgs/{slug}/competences/{competence_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete a competence no role requires and no training record names",
)
def competence_delete(
    request: HttpRequest, slug: str, competence_id: int, version: int | None = None
) -> Any:
    org = org_scope(request, slug, CHANGE)
    obj = selectors.competence_get(organization=org, pk=competence_id)
    expected, if_match = expected_version(request, version)
    _stale(obj, expected, if_match)
    services.competence_delete(
        competence=obj, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


# --- ISMS roles ---------------------------------------------------------------------------------


class RoleOut(Schema):
    id: int
    name: str
    responsibilities: str
    holders: list[UserRef]
    competence_ids: list[int]
    version: int

    @staticmethod
    def resolve_holders(obj: Any) -> list[Any]:
        return list(obj.holders.all())

    @staticmethod
    def resolve_competence_ids(obj: Any) -> list[int]:
        return [c.pk for c in obj.competences.all()]


class RoleIn(Schema):
    model_config = {"extra": "forbid"}
    name: str = Field(..., min_length=1, max_length=200)
    responsibilities: str = ""
    holders: list[int] = Field(default_factory=list, description="User ids of members.")
    competence_ids: list[int] = Field(default_factory=list, description="Required competences.")


class RolePatch(Schema):
    model_config = {"extra": "forbid"}
    name: str | None = Field(None, min_length=1, max_length=200)
    responsibilities: str | None = None
    holders: list[int] | None = None
    competence_ids: list[int] | None = None
    version: int | None = VERSION


def _role_data(org: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "holders" in data:
        data["holders"] = _members(org, data["holders"], "holders")
    if "competence_ids" in data:
        data["competences"] = _owned(Competence, org, data.pop("competence_ids"), "competence_ids")
    return data


ROLE_NAMES = {"competences": "competence_ids"}


@router.get(
    "/orgs/{slug}/isms-roles/",
    response={200: list[RoleOut], **ERROR_RESPONSES},
    summary="ISMS roles, who holds them and the competences they require",
)
@paginate(PageNumberPagination)
def role_list(request: HttpRequest, slug: str) -> Any:
    return selectors.role_list(organization=org_scope(request, slug, VIEW))


@router.post(
    "/orgs/{slug}/isms-roles/",
    response={201: RoleOut, **WRITE_ERROR_RESPONSES},
    summary="Define an ISMS role",
)
def role_create(request: HttpRequest, slug: str, payload: RoleIn, response: HttpResponse) -> Any:
    org = org_scope(request, slug, CHANGE)
    try:
        role = services.role_create(
            organization=org, actor=request_actor(request), **_role_data(org, payload.model_dump())
        )
    except ValidationError as exc:
        raise _rename(exc, ROLE_NAMES) from exc
    return Status(201, _tagged(selectors.role_get(organization=org, pk=role.pk), response))


@router.get(
    "/orgs/{slug}/isms-roles/{role_id}/",
    response={200: RoleOut, **ERROR_RESPONSES},
    summary="One ISMS role",
)
def role_get(request: HttpRequest, slug: str, role_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _tagged(selectors.role_get(organization=org, pk=role_id), response)


@router.patch(
    "/orgs/{slug}/isms-roles/{role_id}/",
    response={200: RoleOut, **WRITE_ERROR_RESPONSES},
    summary="Change an ISMS role (holders and competences replace the current ones)",
)
def role_patch(
    request: HttpRequest, slug: str, role_id: int, payload: RolePatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    role = selectors.role_get(organization=org, pk=role_id)
    version, if_match = expected_version(request, payload.version)
    data = _role_data(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    try:
        services.role_update(
            role=role, actor=request_actor(request), version=version, if_match=if_match, **data
        )
    except ValidationError as exc:
        raise _rename(exc, ROLE_NAMES) from exc
    return _tagged(selectors.role_get(organization=org, pk=role.pk), response)


@router.delete(
    "/orgs/{slug}/isms-roles/{role_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete an ISMS role that is not Accountable for a process",
)
def role_delete(request: HttpRequest, slug: str, role_id: int, version: int | None = None) -> Any:
    org = org_scope(request, slug, CHANGE)
    role = selectors.role_get(organization=org, pk=role_id)
    expected, if_match = expected_version(request, version)
    _stale(role, expected, if_match)
    services.role_delete(
        role=role, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


# --- processes and RACI -------------------------------------------------------------------------


class RaciOut(Schema):
    role_id: int
    role: str
    letter: RaciLetter

    @staticmethod
    def resolve_role(obj: Any) -> str:
        return obj.role.name


class RaciIn(Schema):
    model_config = {"extra": "forbid"}
    role_id: int
    letter: RaciLetter


class ProcessOut(Schema):
    id: int
    name: str
    description: str
    raci: list[RaciOut]
    version: int

    @staticmethod
    def resolve_raci(obj: Any) -> list[Any]:
        return sorted(obj.raci.all(), key=lambda a: a.role.name)


class ProcessIn(Schema):
    model_config = {"extra": "forbid"}
    name: str = Field(..., min_length=1, max_length=200)
    description: str = ""
    raci: list[RaciIn] = Field(
        default_factory=list, description="Letters per role; exactly one A once any is given."
    )


class ProcessPatch(Schema):
    model_config = {"extra": "forbid"}
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    raci: list[RaciIn] | None = Field(None, description="Replaces the whole RACI of the process.")
    version: int | None = VERSION


def _process_data(org: Any, data: dict[str, Any]) -> dict[str, Any]:
    if data.get("raci") is not None:
        items = data["raci"]
        ids = [item["role_id"] for item in items]
        if len(set(ids)) != len(ids):
            raise ValidationError({"raci": _("A role appears twice.")})
        roles = {r.pk: r for r in _owned(IsmsRole, org, ids, "raci") or []}
        data["raci"] = {roles[item["role_id"]]: item["letter"] for item in items}
    return data


@router.get(
    "/orgs/{slug}/processes/",
    response={200: list[ProcessOut], **ERROR_RESPONSES},
    summary="Processes with their RACI",
)
@paginate(PageNumberPagination)
def process_list(request: HttpRequest, slug: str) -> Any:
    return selectors.process_list(organization=org_scope(request, slug, VIEW))


@router.post(
    "/orgs/{slug}/processes/",
    response={201: ProcessOut, **WRITE_ERROR_RESPONSES},
    summary="Add a process (with its RACI)",
)
def process_create(
    request: HttpRequest, slug: str, payload: ProcessIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    process = services.process_create(
        organization=org, actor=request_actor(request), **_process_data(org, payload.model_dump())
    )
    return Status(201, _tagged(selectors.process_get(organization=org, pk=process.pk), response))


@router.get(
    "/orgs/{slug}/processes/{process_id}/",
    response={200: ProcessOut, **ERROR_RESPONSES},
    summary="One process with its RACI",
)
def process_get(request: HttpRequest, slug: str, process_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _tagged(selectors.process_get(organization=org, pk=process_id), response)


@router.patch(
    "/orgs/{slug}/processes/{process_id}/",
    response={200: ProcessOut, **WRITE_ERROR_RESPONSES},
    summary="Change a process or replace its RACI",
)
def process_patch(
    request: HttpRequest,
    slug: str,
    process_id: int,
    payload: ProcessPatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, CHANGE)
    process = selectors.process_get(organization=org, pk=process_id)
    version, if_match = expected_version(request, payload.version)
    data = _process_data(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    services.process_update(
        process=process, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    return _tagged(selectors.process_get(organization=org, pk=process.pk), response)


@router.delete(
    "/orgs/{slug}/processes/{process_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete a process and its RACI",
)
def process_delete(
    request: HttpRequest, slug: str, process_id: int, version: int | None = None
) -> Any:
    org = org_scope(request, slug, CHANGE)
    process = selectors.process_get(organization=org, pk=process_id)
    expected, if_match = expected_version(request, version)
    _stale(process, expected, if_match)
    services.process_delete(
        process=process, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


# --- competence gaps ----------------------------------------------------------------------------


class GapOut(Schema):
    role_id: int
    role: str
    person: UserRef
    competence_id: int
    competence: str
    expired_on: date | None


@router.get(
    "/orgs/{slug}/competence-gaps/",
    response={200: list[GapOut], **ERROR_RESPONSES},
    summary="Role holders without a valid training record for a required competence",
)
@paginate(PageNumberPagination)
def gap_list(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, VIEW)
    return [
        {
            "role_id": g.role.pk,
            "role": g.role.name,
            "person": g.person,
            "competence_id": g.competence.pk,
            "competence": g.competence.name,
            "expired_on": g.last_valid_until,
        }
        for g in selectors.competence_gaps(organization=org)
    ]


# --- training records ---------------------------------------------------------------------------


class TrainingOut(Schema):
    id: int
    ref: str
    person: UserRef
    competence_id: int | None
    title: str
    completed_on: date
    valid_until: date | None
    valid: bool
    evidence_ids: list[int]
    notes: str
    version: int

    @staticmethod
    def resolve_valid(obj: Any) -> bool:
        return obj.is_valid_on()

    @staticmethod
    def resolve_evidence_ids(obj: Any) -> list[int]:
        return [e.pk for e in obj.evidence.all()]


class TrainingIn(Schema):
    model_config = {"extra": "forbid"}
    person: int | None = Field(None, description="User id of a member (default: you).")
    competence_id: int | None = None
    title: str = Field("", max_length=300, description="Course or qualification.")
    completed_on: date
    valid_until: date | None = None
    evidence_ids: list[int] = Field(default_factory=list)
    notes: str = ""


class TrainingPatch(Schema):
    model_config = {"extra": "forbid"}
    person: int | None = None
    competence_id: int | None = None
    title: str | None = Field(None, max_length=300)
    completed_on: date | None = None
    valid_until: date | None = None
    evidence_ids: list[int] | None = None
    notes: str | None = None
    version: int | None = VERSION


class TrainingQuery(Schema):
    person: int | None = None
    competence: int | None = None
    expired: bool = False


TRAINING_NAMES = {"competence": "competence_id", "evidence": "evidence_ids"}


def _training_data(org: Any, data: dict[str, Any]) -> dict[str, Any]:
    from openisms.controls.models import Evidence

    if "person" in data:
        if data["person"] is None:
            raise ValidationError({"person": _("Name the person trained.")})
        data["person"] = member_user(org, data["person"], "person")
    if "competence_id" in data:
        data["competence"] = _one(Competence, org, data.pop("competence_id"), "competence_id")
    if "evidence_ids" in data:
        data["evidence"] = _owned(Evidence, org, data.pop("evidence_ids"), "evidence_ids")
    if "completed_on" in data and data["completed_on"] is None:
        raise ValidationError({"completed_on": _("Say when it was completed.")})
    return data


@router.get(
    "/orgs/{slug}/training-records/",
    response={200: list[TrainingOut], **ERROR_RESPONSES},
    summary="Training and qualification records, newest first",
)
@paginate(PageNumberPagination)
def training_list(request: HttpRequest, slug: str, filters: Query[TrainingQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.training_list(
        organization=org,
        filters=selectors.TrainingFilter(
            person=filters.person, competence=filters.competence, expired=filters.expired
        ),
    )


@router.post(
    "/orgs/{slug}/training-records/",
    response={201: TrainingOut, **WRITE_ERROR_RESPONSES},
    summary="Record a training or qualification",
)
def training_create(
    request: HttpRequest, slug: str, payload: TrainingIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    data = payload.model_dump()
    if data["person"] is None:
        data["person"] = request_actor(request).pk
    try:
        record = services.training_create(
            organization=org, actor=request_actor(request), **_training_data(org, data)
        )
    except ValidationError as exc:
        raise _rename(exc, TRAINING_NAMES) from exc
    return Status(201, _tagged(selectors.training_get(organization=org, pk=record.pk), response))


@router.get(
    "/orgs/{slug}/training-records/{record_id}/",
    response={200: TrainingOut, **ERROR_RESPONSES},
    summary="One training record",
)
def training_get(request: HttpRequest, slug: str, record_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _tagged(selectors.training_get(organization=org, pk=record_id), response)


@router.patch(
    "/orgs/{slug}/training-records/{record_id}/",
    response={200: TrainingOut, **WRITE_ERROR_RESPONSES},
    summary="Change a training record",
)
def training_patch(
    request: HttpRequest,
    slug: str,
    record_id: int,
    payload: TrainingPatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, CHANGE)
    record = selectors.training_get(organization=org, pk=record_id)
    version, if_match = expected_version(request, payload.version)
    data = _training_data(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    try:
        services.training_update(
            record=record, actor=request_actor(request), version=version, if_match=if_match, **data
        )
    except ValidationError as exc:
        raise _rename(exc, TRAINING_NAMES) from exc
    return _tagged(selectors.training_get(organization=org, pk=record.pk), response)


@router.delete(
    "/orgs/{slug}/training-records/{record_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete a training record",
)
def training_delete(
    request: HttpRequest, slug: str, record_id: int, version: int | None = None
) -> Any:
    org = org_scope(request, slug, CHANGE)
    record = selectors.training_get(organization=org, pk=record_id)
    expected, if_match = expected_version(request, version)
    _stale(record, expected, if_match)
    services.training_delete(
        record=record, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


# --- awareness campaigns ------------------------------------------------------------------------


class CampaignOut(Schema):
    id: int
    ref: str
    title: str
    description: str
    audience: str
    starts_on: date
    ends_on: date | None
    target_count: int
    completed_count: int
    completion_percent: int | None
    version: int


class CampaignIn(Schema):
    model_config = {"extra": "forbid"}
    title: str = Field(..., min_length=1, max_length=300)
    description: str = ""
    audience: str = Field("", max_length=300)
    starts_on: date
    ends_on: date | None = None
    target_count: int = Field(0, ge=0)
    completed_count: int = Field(0, ge=0)


class CampaignPatch(Schema):
    model_config = {"extra": "forbid"}
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None
    audience: str | None = Field(None, max_length=300)
    starts_on: date | None = None
    ends_on: date | None = None
    target_count: int | None = Field(None, ge=0)
    completed_count: int | None = Field(None, ge=0)
    version: int | None = VERSION


def _no_nulls(data: dict[str, Any], *fields: str) -> dict[str, Any]:
    for f in fields:
        if f in data and data[f] is None:
            raise ValidationError({f: _("This field cannot be empty.")})
    return data


@router.get(
    "/orgs/{slug}/awareness-campaigns/",
    response={200: list[CampaignOut], **ERROR_RESPONSES},
    summary="Awareness campaigns with their completion",
)
@paginate(PageNumberPagination)
def campaign_list(request: HttpRequest, slug: str) -> Any:
    return selectors.campaign_list(organization=org_scope(request, slug, VIEW))


@router.post(
    "/orgs/{slug}/awareness-campaigns/",
    response={201: CampaignOut, **WRITE_ERROR_RESPONSES},
    summary="Record an awareness campaign",
)
def campaign_create(
    request: HttpRequest, slug: str, payload: CampaignIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    obj = services.campaign_create(
        organization=org, actor=request_actor(request), **payload.model_dump()
    )
    return Status(201, _tagged(obj, response))


@router.get(
    "/orgs/{slug}/awareness-campaigns/{campaign_id}/",
    response={200: CampaignOut, **ERROR_RESPONSES},
    summary="One awareness campaign",
)
def campaign_get(request: HttpRequest, slug: str, campaign_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _tagged(selectors.campaign_get(organization=org, pk=campaign_id), response)


@router.patch(
    "/orgs/{slug}/awareness-campaigns/{campaign_id}/",
    response={200: CampaignOut, **WRITE_ERROR_RESPONSES},
    summary="Change an awareness campaign (e.g. its completion)",
)
def campaign_patch(
    request: HttpRequest,
    slug: str,
    campaign_id: int,
    payload: CampaignPatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, CHANGE)
    obj = selectors.campaign_get(organization=org, pk=campaign_id)
    version, if_match = expected_version(request, payload.version)
    data = _no_nulls(
        payload.model_dump(exclude_unset=True, exclude={"version"}),
        "title",
        "description",
        "audience",
        "starts_on",
        "target_count",
        "completed_count",
    )
    obj = services.campaign_update(
        campaign=obj, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    return _tagged(obj, response)


@router.delete(
    "/orgs/{slug}/awareness-campaigns/{campaign_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete an awareness campaign",
)
def campaign_delete(
    request: HttpRequest, slug: str, campaign_id: int, version: int | None = None
) -> Any:
    org = org_scope(request, slug, CHANGE)
    obj = selectors.campaign_get(organization=org, pk=campaign_id)
    expected, if_match = expected_version(request, version)
    _stale(obj, expected, if_match)
    services.campaign_delete(
        campaign=obj, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


# --- communication plan -------------------------------------------------------------------------


class CommunicationOut(Schema):
    id: int
    ref: str
    what: str
    when: str
    audience: str
    communicator: UserRef | None
    channel: str
    notes: str
    version: int


class CommunicationIn(Schema):
    model_config = {"extra": "forbid"}
    what: str = Field(..., min_length=1, max_length=300)
    when: str = Field(..., min_length=1, max_length=200, description="A date or a frequency.")
    audience: str = Field(..., min_length=1, max_length=300, description="With whom.")
    communicator: int | None = Field(None, description="User id of the member who communicates.")
    channel: str = Field("", max_length=200, description="How.")
    notes: str = ""


class CommunicationPatch(Schema):
    model_config = {"extra": "forbid"}
    what: str | None = Field(None, min_length=1, max_length=300)
    when: str | None = Field(None, min_length=1, max_length=200)
    audience: str | None = Field(None, min_length=1, max_length=300)
    communicator: int | None = None
    channel: str | None = Field(None, max_length=200)
    notes: str | None = None
    version: int | None = VERSION


def _communication_data(org: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "communicator" in data:
        data["communicator"] = member_user(org, data["communicator"], "communicator")
    return _no_nulls(data, "what", "when", "audience", "channel", "notes")


@router.get(
    "/orgs/{slug}/communication-plan/",
    response={200: list[CommunicationOut], **ERROR_RESPONSES},
    summary="The communication plan",
)
@paginate(PageNumberPagination)
def communication_list(request: HttpRequest, slug: str) -> Any:
    return selectors.communication_list(organization=org_scope(request, slug, VIEW))


@router.post(
    "/orgs/{slug}/communication-plan/",
    response={201: CommunicationOut, **WRITE_ERROR_RESPONSES},
    summary="Plan a communication",
)
def communication_create(
    request: HttpRequest, slug: str, payload: CommunicationIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, CHANGE)
    obj = services.communication_create(
        organization=org,
        actor=request_actor(request),
        **_communication_data(org, payload.model_dump()),
    )
    return Status(201, _tagged(obj, response))


@router.get(
    "/orgs/{slug}/communication-plan/{item_id}/",
    response={200: CommunicationOut, **ERROR_RESPONSES},
    summary="One planned communication",
)
def communication_get(request: HttpRequest, slug: str, item_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _tagged(selectors.communication_get(organization=org, pk=item_id), response)


@router.patch(
    "/orgs/{slug}/communication-plan/{item_id}/",
    response={200: CommunicationOut, **WRITE_ERROR_RESPONSES},
    summary="Change a planned communication",
)
def communication_patch(
    request: HttpRequest,
    slug: str,
    item_id: int,
    payload: CommunicationPatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, CHANGE)
    item = selectors.communication_get(organization=org, pk=item_id)
    version, if_match = expected_version(request, payload.version)
    data = _communication_data(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    item = services.communication_update(
        item=item, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    return _tagged(item, response)


@router.delete(
    "/orgs/{slug}/communication-plan/{item_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete a planned communication",
)
def communication_delete(
    request: HttpRequest, slug: str, item_id: int, version: int | None = None
) -> Any:
    org = org_scope(request, slug, CHANGE)
    item = selectors.communication_get(organization=org, pk=item_id)
    expected, if_match = expected_version(request, version)
    _stale(item, expected, if_match)
    services.communication_delete(
        item=item, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)
