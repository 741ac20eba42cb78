"""REST API for the organisation's implemented controls, their tests and test runs, their
health, and the coverage of a framework by them. Evidence: ``openisms.controls.evidence_api``."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from openisms.accounts.api import AUTH
from openisms.assets.api import UserRef, member_user
from openisms.controls import selectors, services
from openisms.controls.choices import CheckMethod, Health, ImplementationStatus, RunResult
from openisms.controls.models import Control, ControlTest, Evidence
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
from openisms.documents.choices import DocumentStatus
from openisms.documents.models import Document
from openisms.risks.models import Risk

router = Router(auth=AUTH, tags=["controls"])


class ControlPagination(PageNumberPagination):
    """Page numbers, and each control of the page gets its health (three queries for the
    page; none again when a health filter has already computed it)."""

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        result = super().paginate_queryset(queryset, pagination, request, **params)
        items = list(result[self.items_attribute])
        if any(not hasattr(c, "health") for c in items):
            selectors.with_health(items)
        result[self.items_attribute] = items
        return result


# --- schemas ------------------------------------------------------------------------------------


class HealthOut(Schema):
    state: Health
    label: str
    reasons: list[str] = Field(..., description='In words, e.g. "evidence E-012 stale since …".')


class ControlDocumentOut(Schema):
    id: int
    ref: str
    title: str
    status: DocumentStatus
    version_in_force: str | None = Field(
        ..., description='The approved version in force ("1.2"), if any.'
    )

    @staticmethod
    def resolve_version_in_force(obj: Any) -> str | None:
        return obj.current_version.number if obj.current_version else None


class ControlOut(Schema):
    id: int
    ref: str
    name: str
    description: str
    owner: UserRef | None
    status: ImplementationStatus
    implemented_on: date | None
    review_interval_months: int
    last_reviewed_on: date | None
    documentation: str = Field(..., description="Documents not in the register, one per line.")
    documents: list[ControlDocumentOut] = Field(
        ..., description="The register's documents it cites (document API)."
    )
    requirement_ids: list[int]
    risk_ids: list[int]
    evidence_ids: list[int] = Field(..., description="Evidence linked to it (evidence API).")
    health: HealthOut
    created_at: datetime
    version: int

    @staticmethod
    def resolve_requirement_ids(obj: Any) -> list[int]:
        return sorted(r.pk for r in obj.requirements.all())

    @staticmethod
    def resolve_risk_ids(obj: Any) -> list[int]:
        return sorted(r.pk for r in obj.risks.all())

    @staticmethod
    def resolve_evidence_ids(obj: Any) -> list[int]:
        return sorted(e.pk for e in obj.evidence.all())

    @staticmethod
    def resolve_documents(obj: Any) -> list[Any]:
        return list(obj.documents.all())

    @staticmethod
    def resolve_health(obj: Any) -> dict[str, Any]:
        h = obj.health
        return {"state": h.state, "label": h.label, "reasons": list(h.reasons)}


class ControlIn(Schema):
    model_config = {"extra": "forbid"}

    ref: str = Field("", max_length=30, description="Empty: the next C-nnn.")
    name: str = Field(..., min_length=1, max_length=300)
    description: str = Field("", description="How it is implemented.")
    owner: int | None = Field(None, description="User id of a member (default: you).")
    status: ImplementationStatus = ImplementationStatus.NOT_STARTED
    implemented_on: date | None = None
    review_interval_months: int = Field(12, ge=1, le=120)
    last_reviewed_on: date | None = None
    documentation: str = Field(
        "", description="The documents that describe it and are not in the register, one per line."
    )
    document_ids: list[int] = Field(
        default_factory=list, description="Ids of your register's documents that describe it."
    )
    requirement_ids: list[int] = Field(
        default_factory=list, description="Requirement ids of any framework you see."
    )
    risk_ids: list[int] = Field(default_factory=list, description="Ids of your risks.")


class ControlPatch(Schema):
    model_config = {"extra": "forbid"}

    name: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None
    owner: int | None = None
    status: ImplementationStatus | None = None
    implemented_on: date | None = None
    review_interval_months: int | None = Field(None, ge=1, le=120)
    last_reviewed_on: date | None = None
    documentation: str | None = None
    document_ids: list[int] | None = Field(None, description="Omitted: unchanged.")
    requirement_ids: list[int] | None = Field(None, description="Omitted: unchanged.")
    risk_ids: list[int] | None = Field(None, description="Omitted: unchanged.")
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class ControlQuery(Schema):
    q: str = Field("", max_length=100)
    status: ImplementationStatus | None = None
    owner: int | None = None
    health: Health | None = None
    requirement: str = Field(
        "", max_length=100, description='A requirement id, or a ref such as "A.8.13".'
    )
    tests_overdue: bool = Field(
        False, description="Only controls with a test overdue (last run + frequency passed)."
    )
    sort: str = Field("ref", max_length=20, description="ref, name, status; -x descending.")


class ControlTestOut(Schema):
    id: int
    control_id: int
    name: str
    procedure: str
    method: CheckMethod
    frequency_days: int
    owner: UserRef | None
    last_run_on: date | None
    last_result: RunResult | None
    next_due: date
    version: int

    @staticmethod
    def resolve_last_run_on(obj: Any) -> date | None:
        return getattr(obj, "last_on", None)

    @staticmethod
    def resolve_last_result(obj: Any) -> str | None:
        return getattr(obj, "last_result", None)

    @staticmethod
    def resolve_next_due(obj: Any) -> date | None:
        return selectors.next_due(obj)


class ControlTestIn(Schema):
    model_config = {"extra": "forbid"}

    name: str = Field(..., min_length=1, max_length=300)
    procedure: str = Field("", description="What is checked.")
    method: CheckMethod = CheckMethod.INSPECTION
    frequency_days: int = Field(365, ge=1, le=3660)
    owner: int | None = Field(None, description="User id of a member (default: the control's).")


class ControlTestPatch(Schema):
    model_config = {"extra": "forbid"}

    name: str | None = Field(None, min_length=1, max_length=300)
    procedure: str | None = None
    method: CheckMethod | None = None
    frequency_days: int | None = Field(None, ge=1, le=3660)
    owner: int | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class RunOut(Schema):
    id: int
    test_id: int
    performed_on: date
    performed_by: UserRef | None
    result: RunResult
    notes: str
    evidence_ids: list[int]
    nonconformity_ref: str
    created_at: datetime

    @staticmethod
    def resolve_evidence_ids(obj: Any) -> list[int]:
        return sorted(e.pk for e in obj.evidence.all())


class RunIn(Schema):
    model_config = {"extra": "forbid"}

    result: RunResult
    performed_on: date | None = Field(None, description="Default: today; never in the future.")
    notes: str = Field("", description="Required when the test failed.")
    evidence_ids: list[int] = Field(default_factory=list, description="Ids of your evidence.")


class CoveringControlOut(Schema):
    id: int
    ref: str
    name: str
    status: ImplementationStatus


class ViaOut(Schema):
    requirement_id: int
    ref_id: str
    framework_id: int
    mapping_set: str
    relationship: str
    controls: list[CoveringControlOut]


class CoverageRowOut(Schema):
    requirement_id: int
    ref_id: str
    name: str
    state: str = Field(..., description="direct, mapped or none.")
    implemented: bool = Field(..., description="A covering control is implemented.")
    controls: list[CoveringControlOut]
    via: list[ViaOut]


class CoverageCounts(Schema):
    total: int
    covered: int
    direct: int
    mapped: int
    none: int
    implemented: int


class CoveragePercentages(Schema):
    covered: int
    direct: int
    mapped: int
    none: int
    implemented: int


class CoverageOut(Schema):
    framework_id: int
    framework: str
    counts: CoverageCounts
    percentages: CoveragePercentages
    rows: list[CoverageRowOut]


class CoverageQuery(Schema):
    framework: int | None = Field(None, description="Framework id (default: ISO/IEC 27001:2022).")


# --- helpers ------------------------------------------------------------------------------------


def _risks(organization: Any, ids: list[int] | None) -> list[Risk] | None:
    """The organisation's risks with these ids; an unknown or foreign id is a field error."""
    if ids is None:
        return None
    wanted = set(ids)
    found = list(scoped(Risk, organization).filter(pk__in=wanted))
    missing = wanted - {r.pk for r in found}
    if missing:
        raise ValidationError(
            {"risk_ids": _("Unknown risk: %s.") % ", ".join(str(i) for i in sorted(missing))}
        )
    return found


def _evidence(organization: Any, ids: list[int]) -> list[Evidence]:
    wanted = set(ids)
    found = list(scoped(Evidence, organization).filter(pk__in=wanted))
    missing = wanted - {e.pk for e in found}
    if missing:
        raise ValidationError(
            {
                "evidence_ids": _("Unknown evidence: %s.")
                % ", ".join(str(i) for i in sorted(missing))
            }
        )
    return found


def _rename(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    """A service's field errors under the API's field names (requirements → requirement_ids)."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()})


LINK_NAMES = {
    "requirements": "requirement_ids",
    "risks": "risk_ids",
    "evidence": "evidence_ids",
    "documents": "document_ids",
}


def _links() -> tuple[Any, ...]:
    """What a control's output reads, prefetched (one query each)."""
    documents = Document.objects.select_related("current_version").order_by("ref")
    return ("requirements", "risks", "evidence", Prefetch("documents", queryset=documents))


def _control_data(organization: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "owner" in data:
        data["owner"] = member_user(organization, data["owner"], "owner")
    if "requirement_ids" in data:
        data["requirements"] = data.pop("requirement_ids")
    if "risk_ids" in data:
        data["risks"] = _risks(organization, data.pop("risk_ids"))
    if "document_ids" in data:
        data["documents"] = data.pop("document_ids")
    return data


def _control_out(organization: Any, pk: int, response: HttpResponse) -> Control:
    control = (
        selectors.control_list(organization=organization)
        .filter(pk=pk)
        .prefetch_related(*_links())
        .get()
    )
    selectors.with_health([control])
    response["ETag"] = etag(control.version)
    return control


def _control_get(organization: Any, pk: int) -> Control:
    return selectors.control_get(organization=organization, pk=pk)


def _test_out(test: ControlTest, response: HttpResponse | None = None) -> ControlTest:
    annotated = selectors.control_test_list(control=test.control).get(pk=test.pk)
    if response is not None:
        response["ETag"] = etag(annotated.version)
    return annotated


def _stale(obj: Any, expected: int, if_match: bool) -> None:
    """Refuse a delete from a stale version before anything else is checked."""
    if expected != obj.version:
        error = PreconditionFailed if if_match else ConflictError
        raise error(obj=obj, expected=expected, current=obj.version)


# --- controls -----------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/controls/",
    response={200: list[ControlOut], **ERROR_RESPONSES},
    summary="Implemented controls, with their health",
)
@paginate(ControlPagination)
def control_list(request: HttpRequest, slug: str, filters: Query[ControlQuery]) -> Any:
    """A ``health`` filter computes health for every control the other filters keep."""
    org = org_scope(request, slug, "controls.view_control")
    f = selectors.ControlFilter(
        q=filters.q.strip(),
        status=filters.status or "",
        owner=filters.owner,
        health=filters.health or "",
        requirement=filters.requirement.strip(),
        tests_overdue=filters.tests_overdue,
        sort=filters.sort,
    )
    qs = selectors.control_list(organization=org, filters=f).prefetch_related(*_links())
    if f.health:
        return selectors.filter_health(qs, f.health)
    return qs


@router.post(
    "/orgs/{slug}/controls/",
    response={201: ControlOut, **WRITE_ERROR_RESPONSES},
    summary="Add a control",
)
def control_create(
    request: HttpRequest, slug: str, payload: ControlIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "controls.change_control")
    data = _control_data(org, payload.model_dump())
    try:
        control = services.control_create(organization=org, actor=request_actor(request), **data)
    except ValidationError as exc:
        raise _rename(exc, LINK_NAMES) from exc
    return Status(201, _control_out(org, control.pk, response))


# Before /controls/{control_id}/ so that "coverage" is not read as a control id.
@router.get(
    "/orgs/{slug}/controls/coverage/",
    response={200: CoverageOut, **ERROR_RESPONSES},
    summary="How a framework's requirements are covered by the controls",
)
def control_coverage(request: HttpRequest, slug: str, query: Query[CoverageQuery]) -> Any:
    """Per assessable requirement of the framework: the controls implementing it directly, and
    the requirements mapped to it (either direction of a mapping set you see, "not related"
    excepted) that controls implement. ``implemented``: one of the controls that cover it (the
    direct ones, failing that those through mappings) is implemented."""
    org = org_scope(request, slug, "controls.view_control")
    framework = selectors.coverage_framework(organization=org, pk=query.framework)
    result = selectors.coverage(organization=org, framework=framework)

    def control(c: Any) -> dict[str, Any]:
        return {"id": c.id, "ref": c.ref, "name": c.name, "status": c.status}

    return {
        "framework_id": framework.pk,
        "framework": framework.name,
        "counts": result.counts,
        "percentages": result.percentages,
        "rows": [
            {
                "requirement_id": row.requirement.pk,
                "ref_id": row.requirement.ref_id,
                "name": row.requirement.name,
                "state": row.state,
                "implemented": row.implemented,
                "controls": [control(c) for c in row.controls],
                "via": [
                    {
                        "requirement_id": v.requirement_id,
                        "ref_id": v.ref_id,
                        "framework_id": v.framework_id,
                        "mapping_set": v.mapping_set,
                        "relationship": v.relationship,
                        "controls": [control(c) for c in v.controls],
                    }
                    for v in row.via
                ],
            }
            for row in result.rows
        ],
    }


@router.get(
    "/orgs/{slug}/controls/{control_id}/",
    response={200: ControlOut, **ERROR_RESPONSES},
    summary="One control, with its health and the reasons",
)
def control_get(request: HttpRequest, slug: str, control_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, "controls.view_control")
    return _control_out(org, _control_get(org, control_id).pk, response)


@router.patch(
    "/orgs/{slug}/controls/{control_id}/",
    response={200: ControlOut, **WRITE_ERROR_RESPONSES},
    summary="Change a control (contributors: the controls they own)",
)
def control_patch(
    request: HttpRequest, slug: str, control_id: int, payload: ControlPatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "controls.change_control")
    control = _control_get(org, control_id)
    version, if_match = expected_version(request, payload.version)
    data = _control_data(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    try:
        services.control_update(
            control=control,
            actor=request_actor(request),
            version=version,
            if_match=if_match,
            **data,
        )
    except ValidationError as exc:
        raise _rename(exc, LINK_NAMES) from exc
    return _control_out(org, control.pk, response)


@router.delete(
    "/orgs/{slug}/controls/{control_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete a control with no test results",
)
def control_delete(
    request: HttpRequest, slug: str, control_id: int, version: int | None = None
) -> Any:
    """Send the version you saw: ``If-Match`` (stale → 412) or ``?version=`` (stale → 409).
    A control whose tests have results on record is refused (422): set its status instead."""
    org = org_scope(request, slug, "controls.change_control")
    control = _control_get(org, control_id)
    expected, if_match = expected_version(request, version)
    _stale(control, expected, if_match)
    services.control_delete(
        control=control, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


# --- tests --------------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/controls/{control_id}/tests/",
    response={200: list[ControlTestOut], **ERROR_RESPONSES},
    summary="A control's test definitions, with their last run",
)
@paginate(PageNumberPagination)
def control_test_list(request: HttpRequest, slug: str, control_id: int) -> Any:
    org = org_scope(request, slug, "controls.view_control")
    return selectors.control_test_list(control=_control_get(org, control_id))


@router.post(
    "/orgs/{slug}/controls/{control_id}/tests/",
    response={201: ControlTestOut, **WRITE_ERROR_RESPONSES},
    summary="Define a test of a control",
)
def control_test_create(
    request: HttpRequest, slug: str, control_id: int, payload: ControlTestIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "controls.change_control")
    control = _control_get(org, control_id)
    data = payload.model_dump()
    data["owner"] = member_user(org, data["owner"], "owner")
    test = services.control_test_create(control=control, actor=request_actor(request), **data)
    return Status(201, _test_out(test, response))


@router.get(
    "/orgs/{slug}/control-tests/{test_id}/",
    response={200: ControlTestOut, **ERROR_RESPONSES},
    summary="One test definition",
)
def control_test_get(request: HttpRequest, slug: str, test_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, "controls.view_control")
    return _test_out(selectors.control_test_get(organization=org, pk=test_id), response)


@router.patch(
    "/orgs/{slug}/control-tests/{test_id}/",
    response={200: ControlTestOut, **WRITE_ERROR_RESPONSES},
    summary="Change a test definition",
)
def control_test_patch(
    request: HttpRequest, slug: str, test_id: int, payload: ControlTestPatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "controls.change_control")
    test = selectors.control_test_get(organization=org, pk=test_id)
    version, if_match = expected_version(request, payload.version)
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    if "owner" in data:
        data["owner"] = member_user(org, data["owner"], "owner")
    test = services.control_test_update(
        test=test, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    return _test_out(test, response)


@router.delete(
    "/orgs/{slug}/control-tests/{test_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete a test definition with no runs",
)
def control_test_delete(
    request: HttpRequest, slug: str, test_id: int, version: int | None = None
) -> Any:
    """Send the version you saw: ``If-Match`` (stale → 412) or ``?version=`` (stale → 409).
    A test with runs on record is refused (422)."""
    org = org_scope(request, slug, "controls.change_control")
    test = selectors.control_test_get(organization=org, pk=test_id)
    expected, if_match = expected_version(request, version)
    _stale(test, expected, if_match)
    services.control_test_delete(
        test=test, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


# --- runs ---------------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/control-tests/{test_id}/runs/",
    response={200: list[RunOut], **ERROR_RESPONSES},
    summary="A test's runs, newest first",
)
@paginate(PageNumberPagination)
def run_list(request: HttpRequest, slug: str, test_id: int) -> Any:
    org = org_scope(request, slug, "controls.view_control")
    return selectors.run_list(test=selectors.control_test_get(organization=org, pk=test_id))


@router.post(
    "/orgs/{slug}/control-tests/{test_id}/runs/",
    response={201: RunOut, **WRITE_ERROR_RESPONSES},
    summary="Record a run of a test (runs are never edited)",
)
def run_create(request: HttpRequest, slug: str, test_id: int, payload: RunIn) -> Any:
    org = org_scope(request, slug, "controls.change_control")
    test = selectors.control_test_get(organization=org, pk=test_id)
    data = payload.model_dump()
    data["evidence"] = _evidence(org, data.pop("evidence_ids"))
    try:
        run = services.run_record(test=test, actor=request_actor(request), **data)
    except ValidationError as exc:
        raise _rename(exc, LINK_NAMES) from exc
    return Status(201, selectors.run_list(test=test).get(pk=run.pk))
