"""The conformity rules engine (certification readiness, ISO/IEC 27001 clauses 4–10 and Annex A).

A *rule* is a small documented function over one organisation's data, registered with the
``@rule`` decorator: an id (``R-6.1.3-SOA-EXCLUSION-JUSTIFIED``: the clause or control it protects
and a short name), the clause or Annex A control (``6.1.3``, ``A.5.24``), a severity and a
one-sentence title (what it checks). Its docstring says why an auditor cares. It returns
findings (``found(...)``): a message naming the records concerned, the records themselves
(``{"type", "ref", "id"}``) and where to fix it (a URL name and its arguments).

Severities and their weight in the score:

    blocker  10   would likely be a major nonconformity at a certification audit
    major     5   a nonconformity an auditor will probably raise
    minor     2   an isolated lapse
    info      0   worth knowing; never counts against the score

``evaluate(organization)`` runs every rule, each with a constant number of queries, and gives
the findings (most severe first, then by rule id), the results per clause 4–10 and per Annex A
theme, and the readiness score:

    score = 100 × Σ weight(rules passed) / Σ weight(all rules)

A rule passes when it has no finding. ``Context`` memoises what several rules read (the risk
method, the statement of applicability rows, memberships), so each is read once.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SEVERITIES = ("blocker", "major", "minor", "info")
SEVERITY_LABELS = {
    "blocker": _("Blocker"),
    "major": _("Major"),
    "minor": _("Minor"),
    "info": _("Info"),
}
WEIGHTS = {"blocker": 10, "major": 5, "minor": 2, "info": 0}
FORMULA = "score = 100 × Σ weight(rules passed) / Σ weight(all rules); weights: " + ", ".join(
    f"{s} {w}" for s, w in WEIGHTS.items()
)
CLAUSES = {
    "4": _("Context of the organisation"),
    "5": _("Leadership"),
    "6": _("Planning"),
    "7": _("Support"),
    "8": _("Operation"),
    "9": _("Performance evaluation"),
    "10": _("Improvement"),
}
THEMES = {
    "A.5": _("Organisational controls"),
    "A.6": _("People controls"),
    "A.7": _("Physical controls"),
    "A.8": _("Technological controls"),
}
# At most this many findings per rule are listed; the last one counts the rest.
MAX_FINDINGS_PER_RULE = 50


def group_of(clause: str) -> str:
    """The clause (``"6"``) or Annex A theme (``"A.5"``) a clause or control belongs to."""
    parts = clause.split(".")
    if parts[0] == "A":
        return ".".join(parts[:2])
    return parts[0]


@dataclass
class Finding:
    message: str
    objects: list[dict[str, Any]] = field(default_factory=list)
    link: tuple[str, dict[str, Any]] | None = None  # URL name and kwargs (org_slug added)
    clause: str = ""  # a finer clause or control than the rule's (e.g. the Annex A control)
    rule_id: str = ""
    severity: str = ""
    url: str = ""

    @property
    def group(self) -> str:
        return group_of(self.clause)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "severity": self.severity,
            "clause": self.clause,
            "message": self.message,
            "objects": self.objects,
            "url": self.url,
        }


def obj(kind: str, record: Any = None, *, ref: str = "", pk: Any = None) -> dict[str, Any]:
    """``{"type", "ref", "id"}`` for a record (or explicit ref and id)."""
    if record is not None:
        ref = ref or str(getattr(record, "ref", "") or record)
        pk = record.pk if pk is None else pk
    return {"type": kind, "ref": ref, "id": pk}


def found(
    message: str,
    *objects: dict[str, Any],
    link: str | tuple[str, dict[str, Any]] | None = None,
    clause: str = "",
) -> Finding:
    """A finding of the running rule; ``link`` is a URL name, or (name, kwargs)."""
    if isinstance(link, str):
        link = (link, {})
    return Finding(message=message, objects=list(objects), link=link, clause=clause)


@dataclass(frozen=True)
class Rule:
    id: str
    clause: str
    severity: str
    title: Any
    func: Callable[[Context], Iterable[Finding]]
    area: str

    @property
    def group(self) -> str:
        return group_of(self.clause)

    @property
    def weight(self) -> int:
        return WEIGHTS[self.severity]

    @property
    def description(self) -> str:
        """The rule's docstring (why it matters), as one paragraph."""
        return " ".join((self.func.__doc__ or "").split())

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "clause": self.clause,
            "severity": self.severity,
            "title": str(self.title),
            "description": self.description,
            "area": self.area,
        }


_rules: dict[str, Rule] = {}


def rule(
    id: str, clause: str, severity: str, title: Any
) -> Callable[[Callable[[Context], Iterable[Finding]]], Callable[[Context], Iterable[Finding]]]:
    """Register a rule (see the module docstring)."""
    if severity not in WEIGHTS:
        raise ValueError(f"{id}: unknown severity {severity!r}")

    def register(func: Callable[[Context], Iterable[Finding]]) -> Callable[..., Any]:
        if id in _rules and _rules[id].func.__qualname__ != func.__qualname__:
            raise ValueError(f"Duplicate rule id {id}")
        area = func.__module__.rsplit(".", 1)[-1]
        _rules[id] = Rule(id, clause, severity, title, func, area)
        return func

    return register


def _clause_key(clause: str) -> tuple[Any, ...]:
    parts = clause.split(".")
    head = 100 if parts[0] == "A" else 0
    return (head, *(int(p) if p.isdigit() else 0 for p in parts if p != "A"))


def all_rules() -> list[Rule]:
    """Every registered rule, by clause then id."""
    from openisms.readiness import rules  # noqa: F401  (registers them)

    return sorted(_rules.values(), key=lambda r: (_clause_key(r.clause), r.id))


class Context:
    """What the rules of one evaluation share: the organisation, the day, memoised reads."""

    def __init__(self, organization: Any, today: dt.date) -> None:
        self.organization = organization
        self.today = today
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def months_ago(self, months: int) -> dt.date:
        return self.today - dt.timedelta(days=round(months * 365.25 / 12))


@dataclass
class RuleResult:
    rule: Rule
    findings: list[Finding]
    total: int  # findings before truncation

    @property
    def passed(self) -> bool:
        return self.total == 0


@dataclass
class GroupResult:
    key: str
    name: str
    rules: int = 0
    passed: int = 0
    failed: int = 0
    weight: int = 0
    weight_passed: int = 0
    findings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEVERITIES, 0))

    @property
    def score(self) -> float | None:
        return round(100 * self.weight_passed / self.weight, 1) if self.weight else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": str(self.name),
            "rules": self.rules,
            "passed": self.passed,
            "failed": self.failed,
            "score": self.score,
            "findings": self.findings,
        }


@dataclass
class Evaluation:
    organization: Any
    today: dt.date
    results: list[RuleResult]
    findings: list[Finding]
    clauses: list[GroupResult]
    themes: list[GroupResult]
    score: float
    counts: dict[str, int]  # findings by severity
    rules_total: int
    rules_passed: int
    seconds: float
    formula: str = FORMULA

    @property
    def weights(self) -> dict[str, int]:
        return dict(WEIGHTS)

    def failing_at(self, level: str) -> list[Finding]:
        """Findings of severity ``level`` or worse."""
        worst = SEVERITIES[: SEVERITIES.index(level) + 1]
        return [f for f in self.findings if f.severity in worst]

    def as_dict(self) -> dict[str, Any]:
        return {
            "organization": self.organization.slug,
            "date": self.today.isoformat(),
            "score": self.score,
            "formula": self.formula,
            "weights": self.weights,
            "rules": {"total": self.rules_total, "passed": self.rules_passed},
            "counts": self.counts,
            "clauses": [g.as_dict() for g in self.clauses],
            "themes": [g.as_dict() for g in self.themes],
            "findings": [f.as_dict() for f in self.findings],
        }


def _url(finding: Finding, slug: str) -> str:
    if finding.link is None:
        return ""
    name, kwargs = finding.link
    try:
        return reverse(name, kwargs={"org_slug": slug, **kwargs})
    except NoReverseMatch:
        return ""


def _run(r: Rule, ctx: Context) -> RuleResult:
    findings = list(r.func(ctx) or [])
    total = len(findings)
    if total > MAX_FINDINGS_PER_RULE:
        rest = findings[MAX_FINDINGS_PER_RULE - 1 :]
        findings = findings[: MAX_FINDINGS_PER_RULE - 1]
        findings.append(
            found(
                str(_("… and %(n)d more records.")) % {"n": len(rest)},
                *[o for f in rest for o in f.objects][:200],
                link=rest[0].link,
            )
        )
    for f in findings:
        f.rule_id, f.severity = r.id, r.severity
        f.clause = f.clause or r.clause
        f.url = _url(f, ctx.organization.slug)
    return RuleResult(r, findings, total)


def _groups(results: list[RuleResult], names: dict[str, Any]) -> list[GroupResult]:
    groups = {key: GroupResult(key, name) for key, name in names.items()}
    for res in results:
        own = groups.get(res.rule.group)
        touched = {f.group for f in res.findings}
        for key in touched | ({own.key} if own else set()):
            g = groups.get(key)
            if g is None:
                continue
            g.rules += 1
            g.weight += res.rule.weight
            if key in touched:
                g.failed += 1
            else:
                g.passed += 1
                g.weight_passed += res.rule.weight
        for f in res.findings:
            g = groups.get(f.group)
            if g is not None:
                g.findings[f.severity] += 1
    return list(groups.values())


def evaluate(organization: Any, today: dt.date | None = None) -> Evaluation:
    """Run every rule over ``organization`` (see the module docstring)."""
    started = time.perf_counter()
    ctx = Context(organization, today or timezone.localdate())
    results = [_run(r, ctx) for r in all_rules()]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings = sorted(
        (f for res in results for f in res.findings),
        key=lambda f: (order[f.severity], f.rule_id),
    )
    weight = sum(r.rule.weight for r in results)
    passed_weight = sum(r.rule.weight for r in results if r.passed)
    counts = dict.fromkeys(SEVERITIES, 0)
    for res in results:
        counts[res.rule.severity] += res.total
    return Evaluation(
        organization=organization,
        today=ctx.today,
        results=results,
        findings=findings,
        clauses=_groups(results, CLAUSES),
        themes=_groups(results, THEMES),
        score=round(100 * passed_weight / weight, 1) if weight else 100.0,
        counts=counts,
        rules_total=len(results),
        rules_passed=sum(1 for r in results if r.passed),
        seconds=time.perf_counter() - started,
    )
