"""REST API for internal audit: the audit programme (with its coverage), audits (criteria, team,
lifecycle, report), their checklist (recording results) and raising nonconformities from
findings."""

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from openisms.accounts.api import AUTH
from openisms.assets.api import UserRef, member_user
from openisms.audits import report, selectors, services
from openisms.audits.choices import AuditStatus, ItemResult
from openisms.audits.models import AuditItem, AuditProgramme
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
from openisms.core.reports import report_response

router = Router(auth=AUTH, tags=["audits"])

VIEW = "audits.view_audit"
MANAGE = "audits.manage_audits"
RECORD = "audits.record_finding"
RAISE = "improvement.change_improvement"


# --- schemas ------------------------------------------------------------------------------------


class ProgrammeOut(Schema):
    id: int
    ref: str
    title: str
    period_start: date
    period_end: date
    objectives: str
    owner: UserRef | None
    notes: str
    audit_count: int
    closed_count: int
    created_at: datetime
    version: int


class ProgrammeIn(Schema):
    model_config = {"extra": "forbid"}

    title: str = Field(..., min_length=1, max_length=300)
    period_start: date
    period_end: date
    objectives: str = ""
    owner: int | None = Field(None, description="User id of a member (default: you).")
    notes: str = ""


class ProgrammePatch(Schema):
    model_config = {"extra": "forbid"}

    title: str | None = Field(None, min_length=1, max_length=300)
    period_start: date | None = None
    period_end: date | None = None
    objectives: str | None = None
    owner: int | None = None
    notes: str | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class CoverageRowOut(Schema):
    requirement_id: int
    ref_id: str
    name: str
    state: Literal["covered", "planned", "gap"]
    audits: list[str]


class CoverageGroupOut(Schema):
    framework: str
    ref_id: str
    name: str
    total: int
    covered: int
    planned: int
    gap: int
    percent: int
    rows: list[CoverageRowOut]


class CoverageOut(Schema):
    programme: str
    total: int
    covered: int
    planned: int
    percent: int
    groups: list[CoverageGroupOut]
    gaps: list[str]


class RequirementRef(Schema):
    id: int
    ref_id: str
    name: str
    framework_id: int


class AuditOut(Schema):
    id: int
    ref: str
    title: str
    programme_id: int | None
    scope: str
    objectives: str
    planned_start: date | None
    planned_end: date | None
    actual_start: date | None
    actual_end: date | None
    lead_auditor: UserRef | None
    impartiality_statement: str
    status: AuditStatus
    conclusion: str
    report_issued_on: date | None
    closed_on: date | None
    item_count: int
    recorded_count: int
    nc_count: int
    created_at: datetime
    version: int


class AuditDetailOut(AuditOut):
    criteria: list[RequirementRef]
    team: list[UserRef]
    impartiality_warnings: list[str]
    counts: dict[str, int]


class AuditIn(Schema):
    model_config = {"extra": "forbid"}

    title: str = Field(..., min_length=1, max_length=300)
    programme_id: int | None = None
    scope: str = ""
    objectives: str = ""
    planned_start: date | None = None
    planned_end: date | None = None
    lead_auditor: int | None = Field(None, description="User id of a member.")
    team_ids: list[int] = Field(default_factory=list, description="User ids of members.")
    criteria_ids: list[int] = Field(
        default_factory=list, description="Requirements of the adopted frameworks."
    )
    impartiality_statement: str = ""


class AuditPatch(Schema):
    model_config = {"extra": "forbid"}

    title: str | None = Field(None, min_length=1, max_length=300)
    programme_id: int | None = None
    scope: str | None = None
    objectives: str | None = None
    planned_start: date | None = None
    planned_end: date | None = None
    actual_start: date | None = None
    actual_end: date | None = None
    lead_auditor: int | None = None
    team_ids: list[int] | None = None
    criteria_ids: list[int] | None = None
    impartiality_statement: str | None = None
    conclusion: str | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class VersionIn(Schema):
    model_config = {"extra": "forbid"}

    version: int | None = Field(None, ge=1, description="The version seen (or send If-Match).")


class AuditQuery(Schema):
    q: str = Field("", max_length=100)
    status: AuditStatus | None = None
    programme: int | None = None


class EvidenceRef(Schema):
    id: int
    ref: str
    title: str


class ItemOut(Schema):
    id: int
    audit_id: int
    requirement: RequirementRef
    order: int
    question: str
    sampling_notes: str
    result: ItemResult | Literal[""]
    finding: str
    evidence: list[EvidenceRef]
    recorded_by: UserRef | None
    recorded_at: datetime | None
    nonconformity_id: int | None
    nonconformity_ref: str | None
    version: int

    @staticmethod
    def resolve_evidence(obj: Any) -> list[Any]:
        return list(obj.evidence.all())

    @staticmethod
    def resolve_nonconformity_ref(obj: Any) -> str | None:
        return obj.nonconformity.ref if obj.nonconformity_id else None


class ItemPatch(Schema):
    model_config = {"extra": "forbid"}

    result: ItemResult | Literal[""] | None = None
    finding: str | None = None
    sampling_notes: str | None = None
    question: str | None = Field(None, description="Audit managers only.")
    evidence_ids: list[int] | None = Field(None, description="Evidence of the organisation.")
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class RaisedOut(Schema):
    item: ItemOut
    nonconformity_id: int
    nonconformity_ref: str


# --- helpers ------------------------------------------------------------------------------------


def _stale(obj: Any, expected: int, if_match: bool) -> None:
    if expected != obj.version:
        error = PreconditionFailed if if_match else ConflictError
        raise error(obj=obj, expected=expected, current=obj.version)


def _rename(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    names = {
        "criteria": "criteria_ids",
        "team": "team_ids",
        "programme": "programme_id",
        "evidence": "evidence_ids",
    }
    return ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()})


def _programme_out(org: Any, pk: int, response: HttpResponse | None = None) -> AuditProgramme:
    programme = selectors.programme_list(organization=org).get(pk=pk)
    if response is not None:
        response["ETag"] = etag(programme.version)
    return programme


def _audit_out(org: Any, pk: int, response: HttpResponse | None = None) -> Any:
    audit = selectors.audit_list(organization=org).get(pk=pk)
    items = list(audit.items.all())
    audit.criteria_list = selectors.audit_criteria(audit)  # type: ignore[attr-defined]
    detail = {
        **{f: getattr(audit, f) for f in AuditOut.model_fields},
        "criteria": audit.criteria_list,  # type: ignore[attr-defined]
        "team": selectors.audit_team(audit),
        "impartiality_warnings": [c.message for c in selectors.impartiality_conflicts(audit)],
        "counts": selectors.result_counts(items),
    }
    if response is not None:
        response["ETag"] = etag(audit.version)
    return detail


def _audit_data(org: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "lead_auditor" in data:
        data["lead_auditor"] = member_user(org, data["lead_auditor"], "lead_auditor")
    if "team_ids" in data:
        ids = data.pop("team_ids")
        data["team"] = None if ids is None else [member_user(org, i, "team_ids") for i in ids]
    if "criteria_ids" in data:
        data["criteria"] = data.pop("criteria_ids")
    if "programme_id" in data:
        pk = data.pop("programme_id")
        data["programme"] = None
        if pk is not None:
            programme = scoped(AuditProgramme, org).filter(pk=pk).first()
            if programme is None:
                raise ValidationError({"programme_id": _("Unknown programme: %s.") % pk})
            data["programme"] = programme
    return data


def _item_out(item: AuditItem, response: HttpResponse | None = None) -> AuditItem:
    fresh = selectors.item_get(audit=item.audit, pk=item.pk)
    if response is not None:
        response["ETag"] = etag(fresh.version)
    return fresh


# --- programmes ---------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/audit-programmes/",
    response={200: list[ProgrammeOut], **ERROR_RESPONSES},
    summary="Audit programmes, latest period first",
)
@paginate(PageNumberPagination)
def programme_list(request: HttpRequest, slug: str) -> Any:
    return selectors.programme_list(organization=org_scope(request, slug, VIEW))


@router.post(
    "/orgs/{slug}/audit-programmes/",
    response={201: ProgrammeOut, **WRITE_ERROR_RESPONSES},
    summary="Plan an audit programme",
)
def programme_create(
    request: HttpRequest, slug: str, payload: ProgrammeIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, MANAGE)
    data = payload.model_dump()
    data["owner"] = member_user(org, data["owner"], "owner")
    programme = services.programme_create(organization=org, actor=request_actor(request), **data)
    return Status(201, _programme_out(org, programme.pk, response))


@router.get(
    "/orgs/{slug}/audit-programmes/{programme_id}/",
    response={200: ProgrammeOut, **ERROR_RESPONSES},
    summary="One audit programme",
)
def programme_get(
    request: HttpRequest, slug: str, programme_id: int, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, VIEW)
    return _programme_out(
        org, selectors.programme_get(organization=org, pk=programme_id).pk, response
    )


@router.patch(
    "/orgs/{slug}/audit-programmes/{programme_id}/",
    response={200: ProgrammeOut, **WRITE_ERROR_RESPONSES},
    summary="Change an audit programme",
)
def programme_patch(
    request: HttpRequest,
    slug: str,
    programme_id: int,
    payload: ProgrammePatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, MANAGE)
    programme = selectors.programme_get(organization=org, pk=programme_id)
    version, if_match = expected_version(request, payload.version)
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    if "owner" in data:
        data["owner"] = member_user(org, data["owner"], "owner")
    services.programme_update(
        programme=programme,
        actor=request_actor(request),
        version=version,
        if_match=if_match,
        **data,
    )
    return _programme_out(org, programme.pk, response)


@router.delete(
    "/orgs/{slug}/audit-programmes/{programme_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete an audit programme that has no audits",
)
def programme_delete(
    request: HttpRequest, slug: str, programme_id: int, version: int | None = None
) -> Any:
    org = org_scope(request, slug, MANAGE)
    programme = selectors.programme_get(organization=org, pk=programme_id)
    expected, if_match = expected_version(request, version)
    _stale(programme, expected, if_match)
    services.programme_delete(
        programme=programme, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


@router.get(
    "/orgs/{slug}/audit-programmes/{programme_id}/coverage/",
    response={200: CoverageOut, **ERROR_RESPONSES},
    summary="Which requirements the programme's audits cover (closed), plan, or miss",
)
def programme_coverage(request: HttpRequest, slug: str, programme_id: int) -> Any:
    org = org_scope(request, slug, VIEW)
    programme = selectors.programme_get(organization=org, pk=programme_id)
    cov = selectors.coverage(programme=programme)
    return {
        "programme": programme.ref,
        "total": cov.total,
        "covered": cov.covered,
        "planned": cov.planned,
        "percent": cov.percent,
        "groups": cov.groups,
        "gaps": [row.ref_id for _group, row in cov.gaps],
    }


# --- audits -------------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/audits/",
    response={200: list[AuditOut], **ERROR_RESPONSES},
    summary="Internal audits, latest first",
)
@paginate(PageNumberPagination)
def audit_list(request: HttpRequest, slug: str, filters: Query[AuditQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.audit_list(
        organization=org,
        filters=selectors.AuditFilter(
            q=filters.q.strip(), status=filters.status or "", programme=filters.programme
        ),
    )


@router.post(
    "/orgs/{slug}/audits/",
    response={201: AuditDetailOut, **WRITE_ERROR_RESPONSES},
    summary="Plan an audit (its criteria make the checklist)",
)
def audit_create(request: HttpRequest, slug: str, payload: AuditIn, response: HttpResponse) -> Any:
    org = org_scope(request, slug, MANAGE)
    data = _audit_data(org, payload.model_dump())
    try:
        audit = services.audit_create(organization=org, actor=request_actor(request), **data)
    except ValidationError as exc:
        raise _rename(exc) from exc
    return Status(201, _audit_out(org, audit.pk, response))


@router.get(
    "/orgs/{slug}/audits/{audit_id}/",
    response={200: AuditDetailOut, **ERROR_RESPONSES},
    summary="One audit, with its criteria, team, impartiality warnings and result counts",
)
def audit_get(request: HttpRequest, slug: str, audit_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, VIEW)
    return _audit_out(org, selectors.audit_get(organization=org, pk=audit_id).pk, response)


@router.patch(
    "/orgs/{slug}/audits/{audit_id}/",
    response={200: AuditDetailOut, **WRITE_ERROR_RESPONSES},
    summary="Change an audit (criteria_ids regenerate the checklist)",
)
def audit_patch(
    request: HttpRequest, slug: str, audit_id: int, payload: AuditPatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, MANAGE)
    audit = selectors.audit_get(organization=org, pk=audit_id)
    version, if_match = expected_version(request, payload.version)
    data = _audit_data(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    try:
        services.audit_update(
            audit=audit, actor=request_actor(request), version=version, if_match=if_match, **data
        )
    except ValidationError as exc:
        raise _rename(exc) from exc
    return _audit_out(org, audit.pk, response)


@router.delete(
    "/orgs/{slug}/audits/{audit_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete a planned audit",
)
def audit_delete(request: HttpRequest, slug: str, audit_id: int, version: int | None = None) -> Any:
    org = org_scope(request, slug, MANAGE)
    audit = selectors.audit_get(organization=org, pk=audit_id)
    expected, if_match = expected_version(request, version)
    _stale(audit, expected, if_match)
    services.audit_delete(
        audit=audit, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


def _lifecycle(name: str, summary: str, service: Any) -> None:
    @router.post(
        f"/orgs/{{slug}}/audits/{{audit_id}}/{name}/",
        response={200: AuditDetailOut, **WRITE_ERROR_RESPONSES},
        summary=summary,
        operation_id=f"audit_{name}",
    )
    def handler(
        request: HttpRequest, slug: str, audit_id: int, payload: VersionIn, response: HttpResponse
    ) -> Any:
        org = org_scope(request, slug, MANAGE)
        audit = selectors.audit_get(organization=org, pk=audit_id)
        version, if_match = expected_version(request, payload.version)
        service(audit=audit, actor=request_actor(request), version=version, if_match=if_match)
        return _audit_out(org, audit.pk, response)


_lifecycle(
    "start",
    "Start an audit (needs a lead auditor, a checklist, and an impartiality statement when "
    "an auditor owns a control in the criteria)",
    services.audit_start,
)
_lifecycle(
    "report",
    "Issue the report (every item has a result, the conclusion is written)",
    services.audit_report,
)
_lifecycle(
    "close",
    "Close a reported audit (every major or minor finding has its nonconformity)",
    services.audit_close,
)
_lifecycle("cancel", "Cancel a planned or running audit", services.audit_cancel)


@router.get(
    "/orgs/{slug}/audits/{audit_id}/report/",
    response={200: None, **ERROR_RESPONSES},
    summary="The audit report as PDF or DOCX (a draft until the audit is reported)",
)
def audit_report_download(
    request: HttpRequest, slug: str, audit_id: int, format: Literal["pdf", "docx"] = "pdf"
) -> Any:
    org = org_scope(request, slug, VIEW)
    audit = selectors.audit_get(organization=org, pk=audit_id)
    return report_response(report.build_report(audit), format, report.report_filename(audit))


# --- checklist ----------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/audits/{audit_id}/items/",
    response={200: list[ItemOut], **ERROR_RESPONSES},
    summary="An audit's checklist, in catalogue order",
)
@paginate(PageNumberPagination)
def item_list(request: HttpRequest, slug: str, audit_id: int) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.item_list(audit=selectors.audit_get(organization=org, pk=audit_id))


@router.get(
    "/orgs/{slug}/audits/{audit_id}/items/{item_id}/",
    response={200: ItemOut, **ERROR_RESPONSES},
    summary="One checklist item",
)
def item_get(
    request: HttpRequest, slug: str, audit_id: int, item_id: int, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, VIEW)
    audit = selectors.audit_get(organization=org, pk=audit_id)
    item = selectors.item_get(audit=audit, pk=item_id)
    response["ETag"] = etag(item.version)
    return item


@router.patch(
    "/orgs/{slug}/audits/{audit_id}/items/{item_id}/",
    response={200: ItemOut, **WRITE_ERROR_RESPONSES},
    summary="Record a result, finding, sampling notes and evidence (audit in progress)",
)
def item_patch(
    request: HttpRequest,
    slug: str,
    audit_id: int,
    item_id: int,
    payload: ItemPatch,
    response: HttpResponse,
) -> Any:
    """The lead auditor, the audit team or an audit manager, while the audit is in progress."""
    org = org_scope(request, slug, RECORD)
    audit = selectors.audit_get(organization=org, pk=audit_id)
    item = selectors.item_get(audit=audit, pk=item_id)
    version, if_match = expected_version(request, payload.version)
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    if "evidence_ids" in data:
        data["evidence"] = data.pop("evidence_ids")
    if data.get("result") is None:
        data.pop("result", None)
    try:
        services.item_record(
            item=item, actor=request_actor(request), version=version, if_match=if_match, **data
        )
    except ValidationError as exc:
        raise _rename(exc) from exc
    return _item_out(item, response)


@router.post(
    "/orgs/{slug}/audits/{audit_id}/items/{item_id}/nonconformity/",
    response={201: RaisedOut, **WRITE_ERROR_RESPONSES},
    summary="Raise a nonconformity from a major or minor finding",
)
def item_raise(request: HttpRequest, slug: str, audit_id: int, item_id: int) -> Any:
    org = org_scope(request, slug, RAISE)
    audit = selectors.audit_get(organization=org, pk=audit_id)
    item = selectors.item_get(audit=audit, pk=item_id)
    nc = services.raise_nonconformity(item=item, actor=request_actor(request))
    return Status(
        201, {"item": _item_out(item), "nonconformity_id": nc.pk, "nonconformity_ref": nc.ref}
    )
