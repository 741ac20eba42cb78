"""Reads of the readiness app: the evaluation filtered for the page and the API, the rule
list, and the snapshot history (through the scoped gate)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from openisms.core.gate import scoped
from openisms.readiness.engine import (
    CLAUSES,
    SEVERITIES,
    THEMES,
    Evaluation,
    Finding,
    Rule,
    all_rules,
)
from openisms.readiness.models import ReadinessSnapshot


@dataclass(frozen=True)
class FindingFilter:
    severity: str = ""  # one of SEVERITIES
    clause: str = ""  # a clause "4"–"10" or theme "A.5"–"A.8", or a finer one ("6.1.3")


def filter_findings(evaluation: Evaluation, filters: FindingFilter | None = None) -> list[Finding]:
    f = filters or FindingFilter()
    out = evaluation.findings
    if f.severity in SEVERITIES:
        out = [x for x in out if x.severity == f.severity]
    if f.clause:
        if f.clause in CLAUSES or f.clause in THEMES:
            out = [x for x in out if x.group == f.clause]
        else:
            out = [x for x in out if x.clause == f.clause or x.clause.startswith(f.clause + ".")]
    return out


def grouped_by_severity(findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    return [(s, [f for f in findings if f.severity == s]) for s in SEVERITIES]


def rule_list(*, severity: str = "", clause: str = "") -> list[Rule]:
    rules = all_rules()
    if severity:
        rules = [r for r in rules if r.severity == severity]
    if clause:
        rules = [r for r in rules if r.group == clause or r.clause == clause]
    return rules


def snapshot_history(
    *, organization: Any, since: dt.date | None = None
) -> QuerySet[ReadinessSnapshot]:
    """The organisation's snapshots, newest first."""
    qs = scoped(ReadinessSnapshot, organization)
    if since is not None:
        qs = qs.filter(date__gte=since)
    return qs.order_by("-date")


def group_choices() -> list[tuple[str, str]]:
    return [(k, f"{k} {v}") for k, v in (*CLAUSES.items(), *THEMES.items())]
