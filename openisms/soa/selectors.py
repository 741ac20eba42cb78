"""Reads for the Statement of Applicability: the draft's rows with every derived column, the
consistency findings, versions and their comparison.

A row is a plain dict (``ROW_KEYS``), the same for the live draft and for a frozen version, so
the page, the API and every export render one shape. Derived columns come from the risk
register and the controls module with a fixed number of queries, whatever the number of risks
or evidence items:

* ``risk_refs``: risks (not closed) whose treatment selected the requirement directly or
  selected one of the organisation's controls implementing it;
* ``controls`` and ``implementation_status``: the controls implementing the requirement;
  the status is ``implemented`` when all of them are, ``partially_implemented`` when at least
  one is implemented or partially implemented, ``planned`` when at least one is planned,
  ``not_started`` otherwise, and empty when no control implements it;
* ``evidence``: evidence linked to the requirement or to an implementing control, with counts
  per freshness state;
* ``obligations``: the organisation's obligations addressed by the ISMS (``governance``) that
  drive the requirement directly or through an implementing control, as "OB-001 Title (kind)";
  a legal or regulatory one makes the ``legal_regulatory`` reason hold, a contractual one the
  ``contractual`` reason (besides the row's own ticks and free references).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.catalog.models import Framework, RequirementNode
from openisms.controls.choices import ImplementationStatus
from openisms.controls.health import expiring_window
from openisms.controls.models import Control, Evidence
from openisms.core.gate import get_scoped_or_404, scoped
from openisms.core.models import AuditChain
from openisms.risks.models import Risk
from openisms.soa.models import Soa, SoaEntry, SoaVersion

ISO27001_2022 = "urn:openisms:framework:iso27001-2022"

REASONS = ("risk_treatment", "legal_regulatory", "contractual", "business_requirement")
ROW_KEYS = (
    "ref_id",
    "name",
    "theme",
    "applicable",
    "reasons",
    "risk_refs",
    "legal_reference",
    "contractual_reference",
    "business_reference",
    "obligations",
    "justification",
    "implementation_status",
    "controls",
    "documents",
    "evidence",
    "evidence_counts",
    "notes",
)
# How many risk refs a row of the page lists (the count is always complete).
PAGE_REFS = 5
MIN_JUSTIFICATION_CHARS = 20
MIN_JUSTIFICATION_WORDS = 4


def soa_rows_for(framework: Framework) -> Any:
    """The requirements that make up a statement for ``framework``: its controls when it has
    any (ISO/IEC 27001 Annex A: 93), otherwise every assessable requirement."""
    nodes = RequirementNode.objects.filter(framework=framework)
    controls = nodes.filter(kind="control")
    return (controls if controls.exists() else nodes.filter(assessable=True)).order_by("order")


def statement_frameworks(organization: Any) -> Any:
    """Frameworks a statement can be made for: the ones the organisation adopted, and
    ISO/IEC 27001:2022 always."""
    from openisms.catalog.selectors import adoption_list, visible_frameworks

    adopted = adoption_list(organization=organization).values("framework_id")
    visible = visible_frameworks(organization)
    return (visible.filter(pk__in=adopted) | visible.filter(urn=ISO27001_2022)).distinct()


def soa_get(*, organization: Any, pk: Any = None, framework: Framework | None = None) -> Soa:
    qs = scoped(Soa, organization).select_related("framework")
    if pk is not None:
        return get_scoped_or_404(qs, organization, pk=pk)
    soa = qs.filter(framework=framework).first() if framework is not None else None
    if soa is None:
        raise Http404
    return soa


def soa_list(*, organization: Any) -> Any:
    return scoped(Soa, organization).select_related("framework").order_by("pk")


def default_soa(*, organization: Any) -> Soa | None:
    """The ISO/IEC 27001:2022 statement, else the organisation's first one."""
    qs = soa_list(organization=organization)
    return qs.filter(framework__urn=ISO27001_2022).first() or qs.first()


def version_list(*, soa: Soa) -> Any:
    return soa.versions.select_related("approved_by").order_by("-number")


def version_get(*, soa: Soa, number: int) -> SoaVersion:
    version = soa.versions.filter(number=number).select_related("approved_by").first()
    if version is None:
        raise Http404
    return version


def latest_version(soa: Soa) -> SoaVersion | None:
    return soa.versions.order_by("-number").first()


# --- derived columns ----------------------------------------------------------------------------


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _risk_pairs_sql() -> str:
    """(req, ref) of the open risks selecting each row's requirement, directly or through an
    implementing control. The UNION removes duplicates on integer ids, then one join filters
    by organisation and status and brings the refs (several times faster than a UNION of
    refs on both databases)."""
    risk_req = _table(Risk.annex_a_controls.through)
    control_req = _table(Control.requirements.through)
    control_risk = _table(Control.risks.through)
    risk = _table(Risk)
    entry = _table(SoaEntry)
    return f"""
        SELECT p.req AS req, r.ref AS ref FROM (
            SELECT t.requirementnode_id AS req, t.risk_id AS risk
              FROM {risk_req} t
             WHERE t.requirementnode_id IN (SELECT requirement_id FROM {entry} WHERE soa_id = %(soa)s)
            UNION
            SELECT cr.requirementnode_id, k.risk_id
              FROM {control_req} cr JOIN {control_risk} k ON k.control_id = cr.control_id
             WHERE cr.requirementnode_id IN (SELECT requirement_id FROM {entry} WHERE soa_id = %(soa)s)
        ) p JOIN {risk} r ON r.id = p.risk
        WHERE r.organization_id = %(org)s AND r.status <> 'closed'
    """


def _evidence_pairs_sql() -> str:
    """(req, ref, valid_until) of the evidence linked to each row's requirement or to one of
    its implementing controls (same shape as ``_risk_pairs_sql``)."""
    ev_req = _table(Evidence.requirements.through)
    ev_control = _table(Evidence.controls.through)
    control_req = _table(Control.requirements.through)
    evidence = _table(Evidence)
    entry = _table(SoaEntry)
    return f"""
        SELECT p.req AS req, e.ref AS ref, e.valid_until AS valid_until FROM (
            SELECT er.requirementnode_id AS req, er.evidence_id AS ev
              FROM {ev_req} er
             WHERE er.requirementnode_id IN (SELECT requirement_id FROM {entry} WHERE soa_id = %(soa)s)
            UNION
            SELECT cr.requirementnode_id, ec.evidence_id
              FROM {control_req} cr JOIN {ev_control} ec ON ec.control_id = cr.control_id
             WHERE cr.requirementnode_id IN (SELECT requirement_id FROM {entry} WHERE soa_id = %(soa)s)
        ) p JOIN {evidence} e ON e.id = p.ev
        WHERE e.organization_id = %(org)s
    """


def _obligation_pairs_sql() -> str:
    """(req, ref, title, kind) of the obligations addressed by the ISMS that drive each row's
    requirement directly or through an implementing control (same shape as
    ``_risk_pairs_sql``)."""
    from openisms.governance.models import Obligation

    ob_req = _table(Obligation.requirements.through)
    ob_control = _table(Obligation.controls.through)
    control_req = _table(Control.requirements.through)
    obligation = _table(Obligation)
    entry = _table(SoaEntry)
    return f"""
        SELECT p.req AS req, o.ref AS ref, o.title AS title, o.kind AS kind FROM (
            SELECT t.requirementnode_id AS req, t.obligation_id AS ob
              FROM {ob_req} t
             WHERE t.requirementnode_id IN (SELECT requirement_id FROM {entry} WHERE soa_id = %(soa)s)
            UNION
            SELECT cr.requirementnode_id, oc.obligation_id
              FROM {control_req} cr JOIN {ob_control} oc ON oc.control_id = cr.control_id
             WHERE cr.requirementnode_id IN (SELECT requirement_id FROM {entry} WHERE soa_id = %(soa)s)
        ) p JOIN {obligation} o ON o.id = p.ob
        WHERE o.organization_id = %(org)s AND o.addressed_by_isms = %(yes)s
        ORDER BY p.req, o.ref
    """


def obligations_by_requirement(
    soa: Soa, requirement_id: int | None = None
) -> dict[int, list[tuple[str, str, str]]]:
    """{requirement id: [(ref, title, kind)]} for the statement's rows (one query); only
    ``requirement_id``'s when given."""
    params = {"org": soa.organization_id, "soa": soa.pk, "yes": True}
    sql = _obligation_pairs_sql()
    if requirement_id is not None:
        sql = f"SELECT req, ref, title, kind FROM ({sql}) q WHERE req = %(req)s"
        params["req"] = requirement_id
    out: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for req, ref, title, kind in _fetch(sql, params):
        out[req].append((ref, title, kind))
    return out


# The inclusion reason an obligation of each kind makes hold ("other": none).
OBLIGATION_REASON = {
    "legal": "legal_regulatory",
    "regulatory": "legal_regulatory",
    "contractual": "contractual",
}


def _fetch(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _risk_refs(soa: Soa, *, full: bool) -> tuple[dict[int, list[str]], dict[int, int]]:
    params = {"org": soa.organization_id, "soa": soa.pk, "n": PAGE_REFS}
    pairs = _risk_pairs_sql()
    refs: dict[int, list[str]] = defaultdict(list)
    if full:  # every ref; the counts follow from the lists
        for req, ref in _fetch(f"SELECT req, ref FROM ({pairs}) p ORDER BY req, ref", params):
            refs[req].append(ref)
        return refs, {req: len(r) for req, r in refs.items()}
    counts = dict(_fetch(f"SELECT req, COUNT(*) FROM ({pairs}) p GROUP BY req", params))
    rows = _fetch(
        f"""SELECT req, ref FROM (
              SELECT req, ref, ROW_NUMBER() OVER (PARTITION BY req ORDER BY ref) AS rn
                FROM ({pairs}) p) q
             WHERE rn <= %(n)s ORDER BY req, ref""",
        params,
    )
    for req, ref in rows:
        refs[req].append(ref)
    return refs, counts


def _evidence(
    soa: Soa, *, full: bool, today: dt.date
) -> tuple[dict[int, list[str]], dict[int, dict[str, int]]]:
    soon = today + expiring_window()
    params = {"org": soa.organization_id, "soa": soa.pk, "today": today, "soon": soon}
    pairs = _evidence_pairs_sql()
    refs: dict[int, list[str]] = defaultdict(list)
    counts: dict[int, dict[str, int]] = {}
    if full:  # every ref with its validity; the counts follow from them
        for req, ref, valid_until in _fetch(
            f"SELECT req, ref, valid_until FROM ({pairs}) p ORDER BY req, ref", params
        ):
            refs[req].append(ref)
            c = counts.setdefault(req, {"total": 0, "stale": 0, "expiring": 0, "fresh": 0})
            c["total"] += 1
            if isinstance(valid_until, str):  # SQLite returns raw values from a raw query
                valid_until = dt.date.fromisoformat(valid_until)
            if valid_until is not None and valid_until < today:
                c["stale"] += 1
            elif valid_until is not None and valid_until <= soon:
                c["expiring"] += 1
            else:
                c["fresh"] += 1
        return refs, counts
    for req, total, stale, expiring in _fetch(
        f"""SELECT req, COUNT(*),
                   SUM(CASE WHEN valid_until < %(today)s THEN 1 ELSE 0 END),
                   SUM(CASE WHEN valid_until >= %(today)s AND valid_until <= %(soon)s
                            THEN 1 ELSE 0 END)
              FROM ({pairs}) p GROUP BY req""",
        params,
    ):
        stale, expiring = stale or 0, expiring or 0
        counts[req] = {
            "total": total,
            "stale": stale,
            "expiring": expiring,
            "fresh": total - stale - expiring,
        }
    return refs, counts


def _derived(soa: Soa, *, today: dt.date) -> tuple[Any, Any, Any, Any]:
    """The page's derived columns, cached under the head of the organisation's audit chain.

    Every write to risks, controls and evidence goes through the audited services and so moves
    the head; an unchanged head (and day: freshness depends on it) means unchanged derived
    data. The head is read before computing, so a write that lands meanwhile only makes the
    next read recompute."""
    head = (
        AuditChain.objects.filter(organization_id=soa.organization_id)
        .values_list("last_hash", flat=True)
        .first()
    )
    key = f"soa-page:{soa.pk}:{head}:{today.isoformat()}"
    cached = cache.get(key) if head else None
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    risk_refs, risk_counts = _risk_refs(soa, full=False)
    ev_refs, ev_counts = _evidence(soa, full=False, today=today)
    value = (dict(risk_refs), risk_counts, dict(ev_refs), ev_counts)  # plain dicts pickle
    if head:
        cache.set(key, value, timeout=24 * 3600)
    return value


def draft_hash(soa: Soa) -> str:
    """The SHA-256 of the draft as an approval would freeze it now (derived columns
    included), cached under the audit chain head like the page data: comparing it with the
    latest version's hash tells whether the draft differs from what was approved."""
    head = (
        AuditChain.objects.filter(organization_id=soa.organization_id)
        .values_list("last_hash", flat=True)
        .first()
    )
    today = timezone.localdate()
    key = f"soa-hash:{soa.pk}:{head}:{today.isoformat()}"
    cached = cache.get(key) if head else None
    if isinstance(cached, str):
        return cached
    value = rows_hash(frozen(draft_rows(soa, full=True, today=today)))
    if head:
        cache.set(key, value, timeout=24 * 3600)
    return value


def derived_status(statuses: list[str]) -> str:
    if not statuses:
        return ""
    if all(s == ImplementationStatus.IMPLEMENTED for s in statuses):
        return ImplementationStatus.IMPLEMENTED
    if any(s in (ImplementationStatus.IMPLEMENTED, ImplementationStatus.PARTIAL) for s in statuses):
        return ImplementationStatus.PARTIAL
    if any(s == ImplementationStatus.PLANNED for s in statuses):
        return ImplementationStatus.PLANNED
    return ImplementationStatus.NOT_STARTED


def _controls(soa: Soa) -> dict[int, list[tuple[str, str, str, str]]]:
    through = Control.requirements.through
    out: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
    for req, ref, name, status, docs in (
        through.objects.filter(
            control__organization_id=soa.organization_id,
            requirementnode_id__in=SoaEntry.objects.filter(soa=soa).values("requirement_id"),
        )
        .order_by("requirementnode_id", "control__ref")
        .values_list(
            "requirementnode_id",
            "control__ref",
            "control__name",
            "control__status",
            "control__documentation",
        )
    ):
        out[req].append((ref, name, status, docs))
    return out


@dataclass
class Finding:
    code: str
    severity: str  # "error" blocks approval; "warning" is reported
    message: str


def is_sentence(text: str) -> bool:
    text = text.strip()
    return len(text) >= MIN_JUSTIFICATION_CHARS and len(text.split()) >= MIN_JUSTIFICATION_WORDS


def row_findings(row: dict[str, Any], *, risk_count: int | None = None) -> list[Finding]:
    """The consistency rules for one row (enforced when saving, reported on the page, and
    blocking approval when of severity "error")."""
    findings = []
    n_risks = len(row["risk_refs"]) if risk_count is None else risk_count
    if row["applicable"] is None:
        findings.append(Finding("undecided", "error", _("Applicability not decided.")))
    elif row["applicable"] is False:
        if n_risks:
            findings.append(
                Finding(
                    "excluded_but_selected",
                    "error",
                    _("Excluded, but selected by the treatment of %(refs)s.")
                    % {
                        "refs": ", ".join(row["risk_refs"])
                        + ("…" if n_risks > len(row["risk_refs"]) else "")
                    },
                )
            )
        if not is_sentence(row["justification"]):
            findings.append(
                Finding(
                    "no_justification",
                    "error",
                    _("Excluded without a justification of at least a sentence."),
                )
            )
    else:
        if not row["reasons"]:
            findings.append(
                Finding("no_reason", "error", _("Applicable without a reason for inclusion."))
            )
        if not row["controls"]:
            findings.append(
                Finding("no_control", "warning", _("Applicable, but no control implements it."))
            )
    return findings


def _theme(node: RequirementNode) -> str:
    parent = node.parent
    return f"{parent.ref_id} {parent.name}".strip() if parent else ""


def draft_rows(
    soa: Soa, *, full: bool = True, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Every row of the draft, derived columns included. ``full`` lists every risk and
    evidence ref (exports, approval); otherwise the first few risk refs (the page), with
    ``risk_count`` always complete."""
    today = today or timezone.localdate()
    entries = list(
        SoaEntry.objects.filter(soa=soa)
        .select_related("requirement", "requirement__parent")
        .order_by("order", "pk")
    )
    risk_refs, risk_counts, ev_refs, ev_counts = (
        _derived(soa, today=today)
        if not full
        else (*_risk_refs(soa, full=True), *_evidence(soa, full=True, today=today))
    )
    controls = _controls(soa)
    obligations = obligations_by_requirement(soa)
    rows = []
    for entry in entries:
        req = entry.requirement_id
        ctrls = controls.get(req, [])
        obs = obligations.get(req, [])
        derived = {OBLIGATION_REASON.get(kind) for _ref, _title, kind in obs}
        reasons = []
        if risk_counts.get(req):
            reasons.append("risk_treatment")
        if entry.legal_regulatory or "legal_regulatory" in derived:
            reasons.append("legal_regulatory")
        if entry.contractual or "contractual" in derived:
            reasons.append("contractual")
        if entry.business_requirement:
            reasons.append("business_requirement")
        docs = sorted({line.strip() for c in ctrls for line in c[3].splitlines() if line.strip()})
        row = {
            "ref_id": entry.requirement.ref_id,
            "name": entry.requirement.name,
            "theme": _theme(entry.requirement),
            "applicable": entry.applicable,
            "reasons": reasons,
            "risk_refs": risk_refs.get(req, []),
            "legal_reference": entry.legal_reference,
            "contractual_reference": entry.contractual_reference,
            "business_reference": entry.business_reference,
            "obligations": [f"{ref} {title} ({kind})" for ref, title, kind in obs],
            "justification": entry.justification,
            "implementation_status": derived_status([c[2] for c in ctrls]),
            "controls": [f"{c[0]} {c[1]}" for c in ctrls],
            "documents": docs,
            "evidence": ev_refs.get(req, []),
            "evidence_counts": ev_counts.get(
                req, {"total": 0, "stale": 0, "expiring": 0, "fresh": 0}
            ),
            "notes": entry.notes,
        }
        rows.append(
            {
                **row,
                "entry": entry,
                "risk_count": risk_counts.get(req, 0),
                "findings": row_findings(row, risk_count=risk_counts.get(req, 0)),
            }
        )
    return rows


def frozen(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The JSON-able part of rows, as a version stores it."""
    return [{k: r[k] for k in ROW_KEYS} for r in rows]


def rows_hash(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def version_rows(version: SoaVersion) -> list[dict[str, Any]]:
    rows = []
    for row in version.rows:
        rows.append(
            {
                **row,
                "obligations": row.get("obligations", []),  # versions approved before the column
                "risk_count": len(row["risk_refs"]),
                "findings": row_findings(row),
            }
        )
    return rows


@dataclass
class Summary:
    total: int = 0
    applicable: int = 0
    excluded: int = 0
    undecided: int = 0
    errors: int = 0
    warnings: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def summarize(rows: list[dict[str, Any]]) -> Summary:
    s = Summary(total=len(rows))
    for row in rows:
        if row["applicable"] is True:
            s.applicable += 1
            status = row["implementation_status"] or "none"
            s.by_status[status] = s.by_status.get(status, 0) + 1
        elif row["applicable"] is False:
            s.excluded += 1
        else:
            s.undecided += 1
        for f in row["findings"]:
            if f.severity == "error":
                s.errors += 1
            else:
                s.warnings += 1
    return s


# --- comparison -------------------------------------------------------------------------------

COMPARED = tuple(k for k in ROW_KEYS if k not in ("ref_id", "name", "theme", "evidence_counts"))


@dataclass
class RowChange:
    ref_id: str
    name: str
    changes: dict[str, tuple[Any, Any]]


@dataclass
class Comparison:
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[RowChange]


def _column(row: dict[str, Any], key: str) -> Any:
    """A row's value; versions approved before the obligations column have none (empty)."""
    return row.get(key, [] if key == "obligations" else None)


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> Comparison:
    """Rows added, removed and changed (with each changed column's old and new value)."""
    old = {r["ref_id"]: r for r in before}
    new = {r["ref_id"]: r for r in after}
    changed = []
    for ref, row in new.items():
        if ref not in old:
            continue
        diff = {
            k: (_column(old[ref], k), _column(row, k))
            for k in COMPARED
            if _column(old[ref], k) != _column(row, k)
        }
        if diff:
            changed.append(RowChange(ref, row["name"], diff))
    return Comparison(
        added=[r for ref, r in new.items() if ref not in old],
        removed=[r for ref, r in old.items() if ref not in new],
        changed=changed,
    )
