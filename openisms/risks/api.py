"""REST API for risk management: methodology, threats and vulnerabilities, the risk register,
assessment, treatment, acceptance, the treatment plan, heat maps and assessment runs."""

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from openisms.accounts.api import AUTH
from openisms.assets.api import AssetRef, UserRef, member_user, org_assets, stale_if_match
from openisms.catalog.models import RequirementNode
from openisms.catalog.selectors import visible_frameworks
from openisms.core.api import (
    ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    etag,
    expected_version,
    org_scope,
    request_actor,
)
from openisms.core.exceptions import ConflictError, PreconditionFailed
from openisms.core.gate import get_scoped_or_404, scoped
from openisms.risks import selectors, services
from openisms.risks.choices import (
    TRANSITIONS,
    ActionStatus,
    RiskKind,
    RiskStatus,
    ThreatCategory,
    TreatmentOption,
)
from openisms.risks.models import AssessmentRun, Risk, Threat, TreatmentAction, Vulnerability

router = Router(auth=AUTH, tags=["risks"])
OPEN_ACTIONS = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


# --- schemas: catalogues and methodology --------------------------------------------------------


class ThreatOut(Schema):
    id: int
    ref: str
    name: str
    category: str
    description: str
    origin: list[Any]
    affects: list[Any]
    own: bool = Field(
        ..., description="Your organisation's own threat (shipped ones are read-only)."
    )
    version: int

    @staticmethod
    def resolve_own(obj: Any) -> bool:
        return obj.organization_id is not None


class ThreatIn(Schema):
    model_config = {"extra": "forbid"}

    name: str = Field(..., min_length=1, max_length=200)
    category: ThreatCategory
    description: str = ""


class ThreatPatch(Schema):
    model_config = {"extra": "forbid"}

    name: str | None = Field(None, min_length=1, max_length=200)
    category: ThreatCategory | None = None
    description: str | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class VulnerabilityOut(Schema):
    id: int
    ref: str
    name: str
    description: str
    version: int


class VulnerabilityIn(Schema):
    model_config = {"extra": "forbid"}

    name: str = Field(..., min_length=1, max_length=200)
    description: str = ""


class VulnerabilityPatch(Schema):
    model_config = {"extra": "forbid"}

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class MethodologyOut(Schema):
    number: int
    definition: dict[str, Any]
    created_at: datetime
    created_by: UserRef | None


class MethodologyIn(Schema):
    model_config = {"extra": "forbid"}

    definition: dict[str, Any] | None = Field(None, description="A full definition, or …")
    preset: str | None = Field(
        None, max_length=20, description="… a shipped preset: 3x3, 4x4, 5x5."
    )
    name: str | None = Field(None, max_length=200)


# --- schemas: the register ----------------------------------------------------------------------


class Assessed(Schema):
    likelihood: int | None
    consequence: int | None
    level: str


class RequirementRef(Schema):
    id: int
    ref_id: str
    name: str
    framework: str

    @staticmethod
    def resolve_framework(obj: Any) -> str:
        return str(obj.framework.urn)


class RiskRef(Schema):
    id: int
    ref: str
    title: str


class ActionOut(Schema):
    id: int
    risk: RiskRef
    title: str
    owner: UserRef | None
    due_date: date | None
    status: str
    progress_note: str
    overdue: bool
    version: int

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return bool(
            obj.status in OPEN_ACTIONS and obj.due_date and obj.due_date < timezone.localdate()
        )


class AcceptanceOut(Schema):
    id: int
    risk_id: int
    accepted_by: UserRef
    accepted_at: datetime
    justification: str
    valid_until: date
    level: str
    methodology_version_id: int


def _assessed(obj: Any, name: str) -> dict[str, Any]:
    return {
        "likelihood": getattr(obj, f"{name}_likelihood"),
        "consequence": getattr(obj, f"{name}_consequence"),
        "level": getattr(obj, f"{name}_level"),
    }


class RiskOut(Schema):
    id: int
    ref: str
    title: str
    description: str
    kind: str
    status: str
    owner: UserRef | None
    threat_id: int | None
    vulnerability_id: int | None
    affects_confidentiality: bool
    affects_integrity: bool
    affects_availability: bool
    existing_controls: str
    methodology_version_id: int | None
    inherent: Assessed
    current: Assessed
    target: Assessed
    assessed_at: datetime | None
    treatment_option: str
    treatment_description: str
    next_review: date | None
    created_at: datetime
    version: int

    @staticmethod
    def resolve_inherent(obj: Any) -> dict[str, Any]:
        return _assessed(obj, "inherent")

    @staticmethod
    def resolve_current(obj: Any) -> dict[str, Any]:
        return _assessed(obj, "current")

    @staticmethod
    def resolve_target(obj: Any) -> dict[str, Any]:
        return _assessed(obj, "target")


class ControlRef(Schema):
    id: int
    ref: str
    name: str
    status: str


class RiskDetailOut(RiskOut):
    transitions: list[str] = Field(..., description="The statuses this risk may move to.")
    assets: list[AssetRef]
    requirements: list[RequirementRef]
    controls: list[ControlRef] = Field(
        ..., description="The organisation's controls the treatment selected."
    )
    actions: list[ActionOut]
    acceptances: list[AcceptanceOut]
    consequence_by_cia: dict[str, dict[str, int]] = Field(
        ...,
        description="Consequences judged per C/I/A, by assessment: "
        '{"current": {"c": 3, "i": 2, "a": 4}}; the assessment\'s consequence is the highest.',
    )

    @staticmethod
    def resolve_transitions(obj: Any) -> list[str]:
        return [str(s) for s in TRANSITIONS.get(obj.status, ())]

    @staticmethod
    def resolve_assets(obj: Any) -> list[Any]:
        return list(obj.api_detail["assets"])

    @staticmethod
    def resolve_requirements(obj: Any) -> list[Any]:
        return list(obj.api_detail["requirements"])

    @staticmethod
    def resolve_controls(obj: Any) -> list[Any]:
        return list(obj.api_detail["controls"])

    @staticmethod
    def resolve_actions(obj: Any) -> list[Any]:
        return list(obj.api_detail["actions"])

    @staticmethod
    def resolve_acceptances(obj: Any) -> list[Any]:
        return list(obj.api_detail["acceptances"])


class RiskIn(Schema):
    model_config = {"extra": "forbid"}

    ref: str = Field("", max_length=30, description="Empty: the next R-nnn.")
    title: str = Field(..., min_length=1, max_length=300)
    description: str = ""
    kind: RiskKind = RiskKind.SCENARIO
    owner: int | None = Field(None, description="User id of a member (default: you).")
    assets: list[int] | None = Field(None, description="Asset ids.")
    threat: int | None = Field(None, description="Threat id (shipped or your own).")
    vulnerability: int | None = Field(None, description="Vulnerability id.")
    affects_confidentiality: bool = False
    affects_integrity: bool = False
    affects_availability: bool = False
    existing_controls: str = ""
    next_review: date | None = None


class RiskPatch(Schema):
    model_config = {"extra": "forbid"}

    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None
    kind: RiskKind | None = None
    owner: int | None = None
    assets: list[int] | None = None
    threat: int | None = None
    vulnerability: int | None = None
    affects_confidentiality: bool | None = None
    affects_integrity: bool | None = None
    affects_availability: bool | None = None
    existing_controls: str | None = None
    next_review: date | None = None
    version: int | None = Field(None, ge=1, description="The version edited (or send If-Match).")


class RiskQuery(Schema):
    q: str = Field("", max_length=100)
    level: str = Field("", max_length=30, description="Current level key.")
    owner: int | None = None
    status: str = Field("", max_length=20)
    treatment: str = Field("", max_length=20)
    asset: int | None = None
    overdue_actions: bool = False
    grid: Literal["", "inherent", "current", "target"] = ""
    likelihood: int | None = None
    consequence: int | None = None
    sort: str = Field("ref", max_length=20)


class ConsequenceByCia(Schema):
    model_config = {"extra": "forbid"}

    c: int | None = None
    i: int | None = None
    a: int | None = None


class Pair(Schema):
    """{likelihood, consequence} or — when the method's cia_rule is "max" —
    {likelihood, consequence_by_cia: {c?, i?, a?}}: the highest of C/I/A counts."""

    model_config = {"extra": "forbid"}

    likelihood: int
    consequence: int | None = None
    consequence_by_cia: ConsequenceByCia | None = None


def _pair(name: str, pair: Pair) -> tuple[int, int | dict[str, int]]:
    """(likelihood, consequence) — the consequence a {c, i, a} dict when judged per C/I/A."""
    by_cia = (
        pair.consequence_by_cia.model_dump(exclude_none=True)
        if pair.consequence_by_cia is not None
        else None
    )
    if (pair.consequence is None) == (by_cia is None):
        raise ValidationError(
            {f"{name}_consequence": _("Give either consequence or consequence_by_cia.")}
        )
    if by_cia is not None:
        return pair.likelihood, by_cia
    assert pair.consequence is not None
    return pair.likelihood, pair.consequence


class AssessmentIn(Schema):
    model_config = {"extra": "forbid"}

    inherent: Pair | None = None
    current: Pair | None = None
    target: Pair | None = None
    version: int | None = Field(None, ge=1)


class TreatmentIn(Schema):
    model_config = {"extra": "forbid"}

    option: TreatmentOption
    description: str = ""
    requirement_ids: list[int] | None = Field(
        None, description="Selected requirement (control) ids; omitted: unchanged."
    )
    control_ids: list[int] | None = Field(
        None, description="The organisation's controls selected; omitted: unchanged."
    )
    version: int | None = Field(None, ge=1)


class TransitionIn(Schema):
    model_config = {"extra": "forbid"}

    to: RiskStatus
    version: int | None = Field(None, ge=1)


class AcceptanceIn(Schema):
    model_config = {"extra": "forbid"}

    justification: str = Field(..., max_length=5000)
    valid_until: date | None = Field(None, description="Default: the methodology's period.")


class ActionIn(Schema):
    model_config = {"extra": "forbid"}

    title: str = Field(..., min_length=1, max_length=300)
    owner: int | None = Field(None, description="User id of a member.")
    due_date: date | None = None


class ActionPatch(Schema):
    model_config = {"extra": "forbid"}

    title: str | None = Field(None, min_length=1, max_length=300)
    owner: int | None = None
    due_date: date | None = None
    status: ActionStatus | None = None
    progress_note: str | None = None
    version: int | None = Field(None, ge=1)


# --- schemas: heat map and assessment runs ------------------------------------------------------


class HeatCellOut(Schema):
    likelihood: int
    consequence: int
    level: str
    count: int


class HeatLevelOut(Schema):
    key: str
    name: str
    colour: str
    order: int


class HeatMapOut(Schema):
    grid: str
    cells: list[HeatCellOut] = Field(..., description="Highest likelihood first.")
    levels: list[HeatLevelOut]
    total: int
    other_versions: int = Field(
        ..., description="Open risks assessed on scales the current methodology lacks."
    )


class RunOut(Schema):
    id: int
    name: str
    scope: str
    participants: str
    methodology_version: int
    status: str
    started_at: datetime
    completed_at: datetime | None
    results: int
    version: int

    @staticmethod
    def resolve_methodology_version(obj: Any) -> int:
        return int(obj.methodology_version.number)

    @staticmethod
    def resolve_results(obj: Any) -> int:
        return int(getattr(obj, "n", 0))


class RunIn(Schema):
    model_config = {"extra": "forbid"}

    name: str = Field(..., min_length=1, max_length=200)
    scope: str = ""
    participants: str = ""


class VersionIn(Schema):
    model_config = {"extra": "forbid"}

    version: int | None = Field(None, ge=1)


class ResultOut(Schema):
    ref: str
    title: str
    status: str
    owner_label: str
    inherent_level: str
    current_level: str
    target_level: str
    treatment_option: str


class ChangedOut(Schema):
    before: ResultOut
    after: ResultOut


class CompareQuery(Schema):
    before: int
    after: int


class CompareOut(Schema):
    new: list[ResultOut]
    closed: list[ResultOut]
    changed: list[ChangedOut]


# --- resolving ids in bodies and paths ----------------------------------------------------------


def _resolve(organization: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Ids in a risk body → the organisation's objects (foreign or unknown → 422)."""
    if "owner" in data:
        data["owner"] = member_user(organization, data["owner"], "owner")
    if "assets" in data:
        data["assets"] = org_assets(organization, data["assets"], "assets")
    if data.get("threat") is not None:
        threat = selectors.threat_list(organization=organization).filter(pk=data["threat"]).first()
        if threat is None:
            raise ValidationError({"threat": _("Unknown threat.")})
        data["threat"] = threat
    if data.get("vulnerability") is not None:
        vuln = (
            selectors.vulnerability_list(organization=organization)
            .filter(pk=data["vulnerability"])
            .first()
        )
        if vuln is None:
            raise ValidationError({"vulnerability": _("Unknown vulnerability.")})
        data["vulnerability"] = vuln
    return data


def _requirements(organization: Any, ids: list[int] | None) -> list[RequirementNode] | None:
    """Requirement nodes of frameworks the organisation sees (global or its own)."""
    if ids is None:
        return None
    wanted = set(ids)
    found = list(
        RequirementNode.objects.filter(
            pk__in=wanted, framework__in=visible_frameworks(organization)
        )
    )
    missing = wanted - {n.pk for n in found}
    if missing:
        raise ValidationError(
            {
                "requirement_ids": _("Unknown requirement: %s.")
                % ", ".join(str(i) for i in sorted(missing))
            }
        )
    return found


def _detail(risk: Risk, response: HttpResponse) -> Risk:
    risk.api_detail = selectors.risk_detail(risk=risk)  # type: ignore[attr-defined]
    response["ETag"] = etag(risk.version)
    return risk


def _action_get(organization: Any, pk: int) -> TreatmentAction:
    actions = scoped(TreatmentAction, organization).select_related("risk", "owner")
    return get_scoped_or_404(actions, organization, pk=pk)


def _threat_get(organization: Any, pk: int) -> Threat:
    """A shipped threat or one of the organisation's own (another organisation's: 404)."""
    threat = selectors.threat_list(organization=organization).filter(pk=pk).first()
    if threat is None:
        raise Http404(_("Not found."))
    return threat


def _vulnerability_get(organization: Any, pk: int) -> Vulnerability:
    return get_scoped_or_404(Vulnerability, organization, pk=pk)


def _stale(obj: Any, expected: int, if_match: bool) -> None:
    """Refuse a delete from a stale version before anything else is checked."""
    if expected != obj.version:
        error = PreconditionFailed if if_match else ConflictError
        raise error(obj=obj, expected=expected, current=obj.version)


def _run_get(organization: Any, pk: int) -> AssessmentRun:
    return get_scoped_or_404(selectors.run_list(organization=organization), organization, pk=pk)


# --- threats, vulnerabilities, methodology ------------------------------------------------------


@router.get(
    "/orgs/{slug}/threats/",
    response={200: list[ThreatOut], **ERROR_RESPONSES},
    summary="Threats (shipped catalogue and your own)",
)
@paginate(PageNumberPagination)
def threat_list(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    return selectors.threat_list(organization=org)


@router.post(
    "/orgs/{slug}/threats/",
    response={201: ThreatOut, **WRITE_ERROR_RESPONSES},
    summary="Add an own threat",
)
def threat_create(request: HttpRequest, slug: str, payload: ThreatIn) -> Any:
    org = org_scope(request, slug, "risks.change_risk")
    threat = services.threat_create(
        organization=org, actor=request_actor(request), **payload.model_dump()
    )
    return Status(201, threat)


@router.get(
    "/orgs/{slug}/threats/{threat_id}/",
    response={200: ThreatOut, **ERROR_RESPONSES},
    summary="One threat (shipped or your own)",
)
def threat_get(request: HttpRequest, slug: str, threat_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    threat = _threat_get(org, threat_id)
    response["ETag"] = etag(threat.version)
    return threat


@router.patch(
    "/orgs/{slug}/threats/{threat_id}/",
    response={200: ThreatOut, **WRITE_ERROR_RESPONSES},
    summary="Change an own threat (shipped threats are read-only: 422)",
)
def threat_patch(
    request: HttpRequest, slug: str, threat_id: int, payload: ThreatPatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "risks.change_risk")
    threat = _threat_get(org, threat_id)
    services.ensure_own_threat(threat)
    version, if_match = expected_version(request, payload.version)
    threat = services.threat_update(
        threat=threat,
        actor=request_actor(request),
        version=version,
        if_match=if_match,
        **payload.model_dump(exclude_unset=True, exclude={"version"}),
    )
    response["ETag"] = etag(threat.version)
    return threat


@router.delete(
    "/orgs/{slug}/threats/{threat_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete an own threat no risk uses",
)
def threat_delete(
    request: HttpRequest, slug: str, threat_id: int, version: int | None = None
) -> Any:
    """Send the version you saw: ``If-Match`` (stale → 412) or ``?version=`` (stale → 409).
    A shipped threat, or one a risk uses, is refused (422, naming the risks)."""
    org = org_scope(request, slug, "risks.change_risk")
    threat = _threat_get(org, threat_id)
    services.ensure_own_threat(threat)
    expected, if_match = expected_version(request, version)
    _stale(threat, expected, if_match)
    services.threat_delete(
        threat=threat, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


@router.get(
    "/orgs/{slug}/vulnerabilities/",
    response={200: list[VulnerabilityOut], **ERROR_RESPONSES},
    summary="Vulnerabilities",
)
@paginate(PageNumberPagination)
def vulnerability_list(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    return selectors.vulnerability_list(organization=org)


@router.post(
    "/orgs/{slug}/vulnerabilities/",
    response={201: VulnerabilityOut, **WRITE_ERROR_RESPONSES},
    summary="Add a vulnerability",
)
def vulnerability_create(request: HttpRequest, slug: str, payload: VulnerabilityIn) -> Any:
    org = org_scope(request, slug, "risks.change_risk")
    vuln = services.vulnerability_create(
        organization=org, actor=request_actor(request), **payload.model_dump()
    )
    return Status(201, vuln)


@router.get(
    "/orgs/{slug}/vulnerabilities/{vuln_id}/",
    response={200: VulnerabilityOut, **ERROR_RESPONSES},
    summary="One vulnerability",
)
def vulnerability_get(request: HttpRequest, slug: str, vuln_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    vuln = _vulnerability_get(org, vuln_id)
    response["ETag"] = etag(vuln.version)
    return vuln


@router.patch(
    "/orgs/{slug}/vulnerabilities/{vuln_id}/",
    response={200: VulnerabilityOut, **WRITE_ERROR_RESPONSES},
    summary="Change a vulnerability",
)
def vulnerability_patch(
    request: HttpRequest,
    slug: str,
    vuln_id: int,
    payload: VulnerabilityPatch,
    response: HttpResponse,
) -> Any:
    org = org_scope(request, slug, "risks.change_risk")
    vuln = _vulnerability_get(org, vuln_id)
    version, if_match = expected_version(request, payload.version)
    vuln = services.vulnerability_update(
        vulnerability=vuln,
        actor=request_actor(request),
        version=version,
        if_match=if_match,
        **payload.model_dump(exclude_unset=True, exclude={"version"}),
    )
    response["ETag"] = etag(vuln.version)
    return vuln


@router.delete(
    "/orgs/{slug}/vulnerabilities/{vuln_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete a vulnerability no risk uses",
)
def vulnerability_delete(
    request: HttpRequest, slug: str, vuln_id: int, version: int | None = None
) -> Any:
    """Send the version you saw: ``If-Match`` (stale → 412) or ``?version=`` (stale → 409).
    One a risk uses is refused (422, naming the risks)."""
    org = org_scope(request, slug, "risks.change_risk")
    vuln = _vulnerability_get(org, vuln_id)
    expected, if_match = expected_version(request, version)
    _stale(vuln, expected, if_match)
    services.vulnerability_delete(
        vulnerability=vuln, actor=request_actor(request), version=expected, if_match=if_match
    )
    return Status(204, None)


@router.get(
    "/orgs/{slug}/risk-methodology/",
    response={200: MethodologyOut, **ERROR_RESPONSES},
    summary="The current risk methodology version",
)
def methodology_get(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    version = selectors.methodology_current(organization=org)
    if version is None:
        raise Http404(_("No risk methodology defined yet."))
    return version


@router.post(
    "/orgs/{slug}/risk-methodology/",
    response={201: MethodologyOut, **WRITE_ERROR_RESPONSES},
    summary="Define a new methodology version (a definition, or a preset)",
)
def methodology_set(request: HttpRequest, slug: str, payload: MethodologyIn) -> Any:
    org = org_scope(request, slug, "risks.manage_methodology")
    actor = request_actor(request)
    if (payload.definition is None) == (payload.preset is None):
        raise ValidationError(_("Send either a definition or a preset."))
    if payload.preset is not None:
        if payload.name is not None:
            raise ValidationError({"name": _("A preset brings its own name.")})
        version = services.methodology_from_preset(
            organization=org, actor=actor, preset=payload.preset
        )
        return Status(201, version)
    try:
        version = services.methodology_set(
            organization=org, actor=actor, definition=payload.definition or {}, name=payload.name
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({"definition": exc.error_list}) from exc
    return Status(201, version)


@router.get(
    "/orgs/{slug}/risk-methodology/versions/",
    response={200: list[MethodologyOut], **ERROR_RESPONSES},
    summary="Every methodology version, newest first",
)
@paginate(PageNumberPagination)
def methodology_version_list(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    return selectors.methodology_versions(organization=org)


# --- the register -------------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/risks/",
    response={200: list[RiskOut], **ERROR_RESPONSES},
    summary="Risk register",
)
@paginate(PageNumberPagination)
def risk_list(request: HttpRequest, slug: str, filters: Query[RiskQuery]) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    return selectors.risk_list(
        organization=org, filters=selectors.RiskFilter(**filters.model_dump())
    )


@router.post(
    "/orgs/{slug}/risks/",
    response={201: RiskDetailOut, **WRITE_ERROR_RESPONSES},
    summary="Register a risk",
)
def risk_create(request: HttpRequest, slug: str, payload: RiskIn, response: HttpResponse) -> Any:
    org = org_scope(request, slug, "risks.change_risk")
    data = _resolve(org, payload.model_dump())
    risk = services.risk_create(organization=org, actor=request_actor(request), **data)
    return Status(201, _detail(risk, response))


# Before /risks/{risk_id}/ so that "heatmap" is not read as a risk id.
@router.get(
    "/orgs/{slug}/risks/heatmap/",
    response={200: HeatMapOut, **ERROR_RESPONSES},
    summary="Heat map of open risks on the current methodology",
)
def risk_heatmap(
    request: HttpRequest, slug: str, grid: Literal["inherent", "current", "target"] = "current"
) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    heat = selectors.heatmap(organization=org, grid=grid)
    if heat is None:
        raise Http404(_("No risk methodology defined yet."))
    cells = [
        {
            "likelihood": cell.likelihood["value"],
            "consequence": cell.consequence["value"],
            "level": cell.level["key"],
            "count": cell.count,
        }
        for row in heat.rows
        for cell in row
    ]
    return {
        "grid": heat.grid,
        "cells": cells,
        "levels": heat.levels,
        "total": heat.total,
        "other_versions": heat.other_versions,
    }


@router.get(
    "/orgs/{slug}/risks/{risk_id}/",
    response={200: RiskDetailOut, **ERROR_RESPONSES},
    summary="One risk with its assets, controls, actions and acceptances",
)
def risk_get(request: HttpRequest, slug: str, risk_id: int, response: HttpResponse) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    return _detail(selectors.risk_get(organization=org, pk=risk_id), response)


@router.patch(
    "/orgs/{slug}/risks/{risk_id}/",
    response={200: RiskDetailOut, **WRITE_ERROR_RESPONSES},
    summary="Change a risk",
)
def risk_patch(
    request: HttpRequest, slug: str, risk_id: int, payload: RiskPatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "risks.change_risk")
    risk = selectors.risk_get(organization=org, pk=risk_id)
    version, if_match = expected_version(request, payload.version)
    data = _resolve(org, payload.model_dump(exclude_unset=True, exclude={"version"}))
    risk = services.risk_update(
        risk=risk, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    return _detail(risk, response)


@router.post(
    "/orgs/{slug}/risks/{risk_id}/assessment/",
    response={200: RiskDetailOut, **WRITE_ERROR_RESPONSES},
    summary="Assess likelihood × consequence (inherent, current, target)",
)
def risk_assess(
    request: HttpRequest, slug: str, risk_id: int, payload: AssessmentIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "risks.change_risk")
    risk = selectors.risk_get(organization=org, pk=risk_id)
    version, if_match = expected_version(request, payload.version)
    pairs = {
        name: _pair(name, pair) if pair is not None else None
        for name, pair in (
            ("inherent", payload.inherent),
            ("current", payload.current),
            ("target", payload.target),
        )
    }
    risk = services.risk_assess(
        risk=risk, actor=request_actor(request), version=version, if_match=if_match, **pairs
    )
    return _detail(risk, response)


@router.post(
    "/orgs/{slug}/risks/{risk_id}/treatment/",
    response={200: RiskDetailOut, **WRITE_ERROR_RESPONSES},
    summary="Choose the treatment and the controls",
)
def risk_treatment(
    request: HttpRequest, slug: str, risk_id: int, payload: TreatmentIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "risks.change_risk")
    risk = selectors.risk_get(organization=org, pk=risk_id)
    version, if_match = expected_version(request, payload.version)
    controls = None
    if payload.control_ids is not None:
        from openisms.controls.models import Control

        ids = set(payload.control_ids)
        controls = list(scoped(Control, org).filter(pk__in=ids))
        if len(controls) != len(ids):
            raise ValidationError({"control_ids": _("Unknown control.")})
    with transaction.atomic():
        risk = services.risk_set_treatment(
            risk=risk,
            actor=request_actor(request),
            version=version,
            if_match=if_match,
            option=payload.option,
            description=payload.description,
            requirements=_requirements(org, payload.requirement_ids),
        )
        if controls is not None:
            from openisms.controls.services import risk_controls_set

            risk_controls_set(risk=risk, actor=request_actor(request), controls=controls)
    return _detail(risk, response)


@router.post(
    "/orgs/{slug}/risks/{risk_id}/transition/",
    response={200: RiskDetailOut, **WRITE_ERROR_RESPONSES},
    summary="Move a risk through its lifecycle (risk owner or manager)",
)
def risk_transition(
    request: HttpRequest, slug: str, risk_id: int, payload: TransitionIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    risk = selectors.risk_get(organization=org, pk=risk_id)
    version, if_match = expected_version(request, payload.version)
    risk = services.risk_transition(
        risk=risk, actor=request_actor(request), to=payload.to, version=version, if_match=if_match
    )
    return _detail(risk, response)


@router.get(
    "/orgs/{slug}/risks/{risk_id}/acceptances/",
    response={200: list[AcceptanceOut], **ERROR_RESPONSES},
    summary="A risk's acceptances, newest first",
)
@paginate(PageNumberPagination)
def acceptance_list(request: HttpRequest, slug: str, risk_id: int) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    risk = selectors.risk_get(organization=org, pk=risk_id)
    return selectors.acceptance_list(organization=org).filter(risk=risk).order_by("-accepted_at")


@router.post(
    "/orgs/{slug}/risks/{risk_id}/acceptances/",
    response={201: AcceptanceOut, **WRITE_ERROR_RESPONSES},
    summary="Accept the residual risk (who may depends on the level and the methodology)",
)
def risk_accept(request: HttpRequest, slug: str, risk_id: int, payload: AcceptanceIn) -> Any:
    org = org_scope(request, slug, "risks.accept_risk")
    risk = selectors.risk_get(organization=org, pk=risk_id)
    acceptance = services.risk_accept(
        risk=risk, actor=request_actor(request), **payload.model_dump()
    )
    return Status(201, acceptance)


# --- treatment plan actions ---------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/risks/{risk_id}/actions/",
    response={200: list[ActionOut], **ERROR_RESPONSES},
    summary="A risk's treatment actions",
)
@paginate(PageNumberPagination)
def action_list(request: HttpRequest, slug: str, risk_id: int) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    risk = selectors.risk_get(organization=org, pk=risk_id)
    return (
        scoped(TreatmentAction, org)
        .filter(risk=risk)
        .select_related("risk", "owner")
        .order_by("due_date", "pk")
    )


@router.post(
    "/orgs/{slug}/risks/{risk_id}/actions/",
    response={201: ActionOut, **WRITE_ERROR_RESPONSES},
    summary="Add a treatment action",
)
def action_create(
    request: HttpRequest, slug: str, risk_id: int, payload: ActionIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "risks.change_risk")
    risk = selectors.risk_get(organization=org, pk=risk_id)
    action = services.action_create(
        risk=risk,
        actor=request_actor(request),
        title=payload.title,
        owner=member_user(org, payload.owner, "owner"),
        due_date=payload.due_date,
    )
    response["ETag"] = etag(action.version)
    return Status(201, action)


@router.patch(
    "/orgs/{slug}/actions/{action_id}/",
    response={200: ActionOut, **WRITE_ERROR_RESPONSES},
    summary="Change a treatment action (progress, status, due date)",
)
def action_patch(
    request: HttpRequest, slug: str, action_id: int, payload: ActionPatch, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "risks.change_risk")
    action = _action_get(org, action_id)
    version, if_match = expected_version(request, payload.version)
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    if "owner" in data:
        data["owner"] = member_user(org, data["owner"], "owner")
    action = services.action_update(
        action=action, actor=request_actor(request), version=version, if_match=if_match, **data
    )
    response["ETag"] = etag(action.version)
    return action


@router.delete(
    "/orgs/{slug}/actions/{action_id}/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete a treatment action",
)
def action_delete(
    request: HttpRequest, slug: str, action_id: int, version: int | None = None
) -> Any:
    """Send the version you saw: ``If-Match`` (stale → 412) or ``?version=`` (stale → 409)."""
    org = org_scope(request, slug, "risks.change_risk")
    action = _action_get(org, action_id)
    expected, if_match = expected_version(request, version)
    if expected != action.version:
        error = PreconditionFailed if if_match else ConflictError
        raise error(obj=action, expected=expected, current=action.version)
    services.action_delete(action=action, actor=request_actor(request))
    return Status(204, None)


@router.get(
    "/orgs/{slug}/treatment-plan/",
    response={200: list[ActionOut], **ERROR_RESPONSES},
    summary="Every treatment action, overdue first",
)
@paginate(PageNumberPagination)
def treatment_plan(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    return selectors.treatment_plan(organization=org)


# --- assessment runs ----------------------------------------------------------------------------


@router.get(
    "/orgs/{slug}/assessment-runs/",
    response={200: list[RunOut], **ERROR_RESPONSES},
    summary="Risk assessment runs",
)
@paginate(PageNumberPagination)
def run_list(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    return selectors.run_list(organization=org).order_by("-started_at", "-pk")


@router.post(
    "/orgs/{slug}/assessment-runs/",
    response={201: RunOut, **WRITE_ERROR_RESPONSES},
    summary="Start an assessment run",
)
def run_start(request: HttpRequest, slug: str, payload: RunIn) -> Any:
    org = org_scope(request, slug, "risks.manage_methodology")
    run = services.run_start(organization=org, actor=request_actor(request), **payload.model_dump())
    return Status(201, run)


@router.get(
    "/orgs/{slug}/assessment-runs/compare/",
    response={200: CompareOut, **ERROR_RESPONSES},
    summary="Compare two assessment runs",
)
def run_compare(request: HttpRequest, slug: str, query: Query[CompareQuery]) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    result = selectors.run_compare(
        before=_run_get(org, query.before), after=_run_get(org, query.after)
    )
    return {
        "new": result.new,
        "closed": result.closed,
        "changed": [{"before": a, "after": b} for a, b in result.changed],
    }


@router.post(
    "/orgs/{slug}/assessment-runs/{run_id}/complete/",
    response={200: RunOut, **WRITE_ERROR_RESPONSES},
    summary="Complete a run: freeze every open risk's result",
)
def run_complete(
    request: HttpRequest, slug: str, run_id: int, payload: VersionIn, response: HttpResponse
) -> Any:
    org = org_scope(request, slug, "risks.manage_methodology")
    run = _run_get(org, run_id)
    version, if_match = expected_version(request, payload.version)
    with stale_if_match(if_match):
        run = services.run_complete(run=run, actor=request_actor(request), version=version)
    response["ETag"] = etag(run.version)
    return _run_get(org, run.pk)
