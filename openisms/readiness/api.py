"""REST API of the readiness app: the evaluation (score, formula, per clause and theme,
findings), the snapshot history and the rules — all read-only, for every role."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from openisms.accounts.api import AUTH
from openisms.core.api import ERROR_RESPONSES, org_scope
from openisms.readiness import selectors
from openisms.readiness.engine import evaluate

router = Router(auth=AUTH, tags=["readiness"])

VIEW = "readiness.view_readiness"
Severity = Literal["blocker", "major", "minor", "info"]


class ObjectOut(Schema):
    type: str
    ref: str
    id: int | None


class FindingOut(Schema):
    rule: str
    severity: Severity
    clause: str
    message: str
    objects: list[ObjectOut]
    url: str


class GroupOut(Schema):
    key: str
    name: str
    rules: int
    passed: int
    failed: int
    score: float | None
    findings: dict[str, int]


class RulesCount(Schema):
    total: int
    passed: int


class ReadinessOut(Schema):
    organization: str
    date: date
    score: float
    formula: str
    weights: dict[str, int]
    rules: RulesCount
    counts: dict[str, int]
    clauses: list[GroupOut]
    themes: list[GroupOut]
    findings: list[FindingOut]


class ReadinessQuery(Schema):
    severity: Severity | None = None
    clause: str = ""


class SnapshotOut(Schema):
    date: date
    score: Decimal
    blocker: int
    major: int
    minor: int
    info: int
    rules_total: int
    rules_passed: int
    clauses: dict[str, Any]
    taken_at: datetime


class RuleOut(Schema):
    id: str
    clause: str
    severity: Severity
    title: str
    description: str
    area: str


@router.get(
    "/orgs/{slug}/readiness/",
    response={200: ReadinessOut, **ERROR_RESPONSES},
    summary="Certification readiness: score, formula, results per clause, findings",
)
def readiness_get(request: HttpRequest, slug: str, filters: Query[ReadinessQuery]) -> Any:
    org = org_scope(request, slug, VIEW)
    evaluation = evaluate(org)
    data = evaluation.as_dict()
    shown = selectors.filter_findings(
        evaluation, selectors.FindingFilter(severity=filters.severity or "", clause=filters.clause)
    )
    data["findings"] = [f.as_dict() for f in shown]
    return data


@router.get(
    "/orgs/{slug}/readiness/history/",
    response={200: list[SnapshotOut], **ERROR_RESPONSES},
    summary="Daily readiness snapshots, newest first",
)
@paginate(PageNumberPagination)
def readiness_history(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, VIEW)
    return selectors.snapshot_history(organization=org)


@router.get(
    "/orgs/{slug}/readiness/rules/",
    response={200: list[RuleOut], **ERROR_RESPONSES},
    summary="Every readiness rule (id, clause or control, severity, what it checks)",
)
def readiness_rules(request: HttpRequest, slug: str) -> Any:
    org_scope(request, slug, VIEW)
    return [r.as_dict() for r in selectors.rule_list()]
