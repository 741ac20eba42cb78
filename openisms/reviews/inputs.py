"""The inputs of a management review (ISO/IEC 27001:2022 9.3.2), compiled from the live registers.

``compile_inputs(organization, period_start, period_end, review=None)`` returns a JSON-safe dict:
``{"period": {...}, "sections": [section, ...]}`` with one section per input a)–g) plus the
incidents of the period. A section is::

    {"key": "d", "clause": "9.3.2 d)", "title": ..., "summary": ...,
     "groups": [{"title", "summary", "figures": [[label, value], ...], "text",
                 "records": [{"kind", "id", "ref", "title", "status", "note"}, ...],
                 "more": n}]}

``kind`` + ``id`` let a page link the record (``views.record_url``); ``more`` counts the records
left out (lists stop at ``MAX_RECORDS``). Each section costs a constant number of queries.
The text is in the language of the person who compiled it: the snapshot is a record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.core.gate import scoped
from openisms.core.models import AuditEvent

MAX_RECORDS = 50


# --- helpers ------------------------------------------------------------------------------------


def canonical_hash(inputs: dict[str, Any]) -> str:
    data = json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in the current time zone."""
    tz = timezone.get_current_timezone()
    low = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return low, high


def _iso(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date().isoformat()
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _num(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


def record(kind: str, pk: Any, ref: str, title: str, status: str = "", note: str = "") -> dict:
    return {
        "kind": kind,
        "id": pk,
        "ref": ref or "",
        "title": title or "",
        "status": str(status or ""),
        "note": note or "",
    }


def group(
    title: str = "",
    *,
    summary: str = "",
    figures: Iterable[tuple[Any, Any]] = (),
    records: list[dict] | None = None,
    text: str = "",
) -> dict[str, Any]:
    rows = records or []
    return {
        "title": str(title),
        "summary": str(summary),
        "figures": [[str(label), value] for label, value in figures],
        "text": text,
        "records": rows[:MAX_RECORDS],
        "more": max(0, len(rows) - MAX_RECORDS),
    }


def section(key: str, title: str, summary: str, groups: list[dict]) -> dict[str, Any]:
    return {
        "key": key,
        "clause": f"9.3.2 {key})" if key in "abcdefg" else "",
        "title": str(title),
        "summary": str(summary),
        "groups": groups,
    }


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# --- a) status of actions from previous management reviews ---------------------------------------


def previous_decisions(
    organization: Any, period_start: dt.date, period_end: dt.date, review: Any = None
) -> Any:
    """Decisions of earlier reviews that were not closed before the period began (still open,
    closed during the period or since): what the review looks at again."""
    from openisms.reviews.choices import HELD_STATUSES
    from openisms.reviews.models import ReviewDecision

    qs = (
        scoped(ReviewDecision, organization)
        .filter(review__status__in=HELD_STATUSES, review__held_on__lte=period_end)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period_start))
        .select_related("review", "owner")
    )
    if review is not None and review.pk:
        qs = qs.exclude(review=review)
    return qs.order_by("review__held_on", "ref")


def _section_a(org: Any, start: dt.date, end: dt.date, review: Any, today: dt.date) -> dict:
    from openisms.reviews.choices import DecisionStatus

    rows = list(previous_decisions(org, start, end, review))
    counts: Counter[str] = Counter()
    records = []
    for d in rows:
        overdue = d.is_overdue(today)
        counts[d.status] += 1
        if overdue:
            counts["overdue"] += 1
        bits = [_("from %s") % d.review.ref]
        if d.owner is not None:
            bits.append(d.owner.get_full_name() or d.owner.email)
        if d.due_date:
            bits.append(_("due %s") % d.due_date.isoformat())
        if overdue:
            bits.append(_("overdue"))
        if d.closed_on:
            bits.append(_("closed %s") % d.closed_on.isoformat())
        records.append(
            record(
                "decision", d.pk, d.ref, d.title, _label(DecisionStatus, d.status), " · ".join(bits)
            )
        )
    open_now = counts[DecisionStatus.OPEN] + counts[DecisionStatus.IN_PROGRESS]
    if rows:
        summary = _(
            "%(total)s decisions of earlier reviews: %(done)s done, %(open)s open "
            "(%(overdue)s overdue), %(cancelled)s cancelled."
        ) % {
            "total": len(rows),
            "done": counts[DecisionStatus.DONE],
            "open": open_now,
            "overdue": counts["overdue"],
            "cancelled": counts[DecisionStatus.CANCELLED],
        }
    else:
        summary = _("No decision of an earlier management review to follow up.")
    figures = [
        (_("Done"), counts[DecisionStatus.DONE]),
        (_("Open or in progress"), open_now),
        (_("Overdue"), counts["overdue"]),
        (_("Cancelled"), counts[DecisionStatus.CANCELLED]),
    ]
    return section(
        "a",
        _("Status of actions from previous management reviews"),
        summary,
        [group(figures=figures, records=records)],
    )


# --- b), c) changes in the context (from the audit trail) ----------------------------------------


CHANGE_WORDS = {"create": "added", "update": "changed", "delete": "removed"}


def _changes(
    org: Any, start: dt.date, end: dt.date, object_types: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """object type → {"counts": Counter(added/changed/removed), "records": [...]}: what the audit
    trail says happened to those records in the period (one query, plus one for what exists)."""
    low, high = _bounds(start, end)
    events = (
        AuditEvent.objects.filter(
            organization=org,
            object_type__in=list(object_types),
            timestamp__gte=low,
            timestamp__lt=high,
            action__in=list(CHANGE_WORDS),
        )
        .order_by("seq")
        .values("object_type", "object_id", "object_repr", "action")
    )
    per_object: dict[tuple[str, str], dict[str, Any]] = {}
    for e in events:
        key = (e["object_type"], e["object_id"])
        entry = per_object.setdefault(key, {"actions": [], "repr": e["object_repr"]})
        entry["actions"].append(e["action"])
        entry["repr"] = e["object_repr"]
    result: dict[str, dict[str, Any]] = {
        t: {"counts": Counter(), "records": []} for t in object_types
    }
    labels = {
        "added": _("added"),
        "changed": _("changed"),
        "removed": _("removed"),
    }
    for (otype, oid), entry in per_object.items():
        actions = entry["actions"]
        if "delete" in actions:
            if "create" in actions:
                continue  # added and removed within the period: nothing to review
            word = "removed"
        elif "create" in actions:
            word = "added"
        else:
            word = "changed"
        result[otype]["counts"][word] += 1
        ref, _sep, title = entry["repr"].partition(" ")
        result[otype]["records"].append(
            record(
                object_types[otype],
                int(oid) if oid.isdigit() and word != "removed" else None,
                ref,
                title,
                labels[word],
            )
        )
    for item in result.values():
        item["records"].sort(key=lambda r: r["ref"])
    return result


def _change_figures(counts: Counter[str]) -> list[tuple[Any, Any]]:
    return [
        (_("Added"), counts["added"]),
        (_("Changed"), counts["changed"]),
        (_("Removed"), counts["removed"]),
    ]


def _section_b(org: Any, start: dt.date, end: dt.date) -> dict:
    from openisms.governance.models import ContextIssue

    changes = _changes(org, start, end, {"governance.contextissue": "issue"})[
        "governance.contextissue"
    ]
    counts = changes["counts"]
    current = scoped(ContextIssue, org).aggregate(
        internal=Count("pk", filter=Q(side="internal")),
        external=Count("pk", filter=Q(side="external")),
    )
    total = sum(counts.values())
    summary = (
        _(
            "%(n)s context issues added, changed or removed in the period (%(a)s added, %(c)s changed, %(r)s removed)."
        )
        % {"n": total, "a": counts["added"], "c": counts["changed"], "r": counts["removed"]}
        if total
        else _("No change to the external and internal issues in the period.")
    )
    figures = [
        *_change_figures(counts),
        (_("Internal issues now"), current["internal"]),
        (_("External issues now"), current["external"]),
    ]
    return section(
        "b",
        _("Changes in external and internal issues relevant to the ISMS"),
        summary,
        [group(figures=figures, records=changes["records"])],
    )


def _section_c(org: Any, start: dt.date, end: dt.date) -> dict:
    changes = _changes(
        org,
        start,
        end,
        {"governance.interestedparty": "party", "governance.obligation": "obligation"},
    )
    parties, obligations = changes["governance.interestedparty"], changes["governance.obligation"]
    total = sum(parties["counts"].values()) + sum(obligations["counts"].values())
    summary = (
        _("%(p)s interested parties and %(o)s obligations added, changed or removed in the period.")
        % {"p": sum(parties["counts"].values()), "o": sum(obligations["counts"].values())}
        if total
        else _("No change in the needs and expectations of interested parties in the period.")
    )
    return section(
        "c",
        _("Changes in needs and expectations of interested parties"),
        summary,
        [
            group(
                _("Interested parties"),
                figures=_change_figures(parties["counts"]),
                records=parties["records"],
            ),
            group(
                _("Obligations (legal, regulatory, contractual)"),
                figures=_change_figures(obligations["counts"]),
                records=obligations["records"],
            ),
        ],
    )


# --- d) feedback on information security performance ---------------------------------------------


def _nonconformities(org: Any, start: dt.date, end: dt.date, today: dt.date) -> dict:
    from openisms.improvement.choices import NcSeverity, NcSource, NcStatus
    from openisms.improvement.models import CorrectiveAction, Nonconformity
    from openisms.improvement.selectors import overdue_q

    in_period = Q(detected_on__gte=start, detected_on__lte=end)
    closed_in_period = Q(closed_on__gte=start, closed_on__lte=end)
    rows = list(
        scoped(Nonconformity, org)
        .filter(in_period | closed_in_period | ~Q(status=NcStatus.CLOSED))
        .order_by("detected_on", "ref")
        .values("pk", "ref", "title", "status", "severity", "source", "detected_on", "closed_on")
    )
    actions = scoped(CorrectiveAction, org).aggregate(
        open=Count("pk", filter=Q(status__in=("open", "in_progress"))),
        overdue=Count("pk", filter=overdue_q(today=today)),
        done=Count("pk", filter=Q(completed_on__gte=start, completed_on__lte=end)),
    )
    opened = [r for r in rows if start <= r["detected_on"] <= end]
    closed = [r for r in rows if r["closed_on"] and start <= r["closed_on"] <= end]
    open_now = [r for r in rows if r["status"] != NcStatus.CLOSED]
    by_severity = Counter(r["severity"] for r in opened)
    by_source = Counter(r["source"] for r in opened)
    figures: list[tuple[Any, Any]] = [
        (_("Opened in the period"), len(opened)),
        (_("Closed in the period"), len(closed)),
        (_("Open now"), len(open_now)),
        (_("Corrective actions open"), actions["open"]),
        (_("Corrective actions overdue"), actions["overdue"]),
        (_("Corrective actions completed in the period"), actions["done"]),
    ]
    figures += [
        (_("Opened: %s") % _label(NcSeverity, k), v) for k, v in sorted(by_severity.items())
    ]
    figures += [(_("Source: %s") % _label(NcSource, k), v) for k, v in sorted(by_source.items())]
    records = []
    for r in rows:
        note = [_("detected %s") % r["detected_on"].isoformat(), _label(NcSeverity, r["severity"])]
        if r["closed_on"]:
            note.append(_("closed %s") % r["closed_on"].isoformat())
        records.append(
            record(
                "nonconformity",
                r["pk"],
                r["ref"],
                r["title"],
                _label(NcStatus, r["status"]),
                " · ".join(note),
            )
        )
    summary = _(
        "%(opened)s nonconformities opened and %(closed)s closed in the period; %(open)s open "
        "now; %(overdue)s corrective actions overdue."
    ) % {
        "opened": len(opened),
        "closed": len(closed),
        "open": len(open_now),
        "overdue": actions["overdue"],
    }
    return group(
        _("Nonconformities and corrective actions"),
        summary=summary,
        figures=figures,
        records=records,
    )


def _metrics(org: Any, end: dt.date, today: dt.date) -> tuple[dict, dict[int, Counter]]:
    from openisms.objectives.choices import MetricStatus
    from openisms.objectives.models import VALUE_DIGITS, VALUE_PLACES, Measurement, Metric
    from openisms.objectives.status import is_overdue, status_for

    latest = Measurement.objects.filter(metric=OuterRef("pk"), measured_on__lte=end).order_by(
        "-measured_on", "-pk"
    )
    metrics = list(
        scoped(Metric, org)
        .annotate(
            latest_value=Subquery(
                latest.values("value")[:1],
                output_field=DecimalField(max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES),
            ),
            latest_on=Subquery(latest.values("measured_on")[:1]),
        )
        .order_by("ref")
    )
    counts: Counter[str] = Counter()
    by_objective: dict[int, Counter] = {}
    records = []
    as_of = min(end, today)
    for m in metrics:
        status = status_for(
            value=m.latest_value, target=m.target, warning=m.warning, direction=m.direction
        )
        overdue = is_overdue(
            latest_on=m.latest_on,
            frequency_days=m.frequency_days,
            created_on=timezone.localtime(m.created_at).date(),
            today=as_of,
        )
        counts[status] += 1
        if m.objective_id:
            by_objective.setdefault(m.objective_id, Counter())[status] += 1
        unit = f" {m.unit}" if m.unit else ""
        sign = "≥" if m.direction == "higher_is_better" else "≤"
        if m.latest_on:
            note = _("latest %(value)s%(unit)s on %(date)s; target %(sign)s %(target)s%(unit)s") % {
                "value": _num(m.latest_value),
                "unit": unit,
                "date": m.latest_on.isoformat(),
                "sign": sign,
                "target": _num(m.target),
            }
        else:
            note = _("not measured; target %(sign)s %(target)s%(unit)s") % {
                "sign": sign,
                "target": _num(m.target),
                "unit": unit,
            }
        if overdue:
            note += " · " + _("measurement overdue")
        records.append(record("metric", m.pk, m.ref, m.name, _label(MetricStatus, status), note))
    figures = [(_label(MetricStatus, s), counts[s]) for s in MetricStatus.values]
    summary = _(
        "%(n)s metrics: %(on)s on target, %(warn)s warning, %(off)s off target, %(none)s without data."
    ) % {
        "n": len(metrics),
        "on": counts[MetricStatus.ON_TARGET],
        "warn": counts[MetricStatus.WARNING],
        "off": counts[MetricStatus.OFF_TARGET],
        "none": counts[MetricStatus.NO_DATA],
    }
    return (
        group(
            _("Monitoring and measurement results"),
            summary=summary,
            figures=figures,
            records=records,
        ),
        by_objective,
    )


def _audits(org: Any, start: dt.date, end: dt.date) -> dict:
    from openisms.audits.choices import AuditStatus, ItemResult
    from openisms.audits.selectors import review_summary

    data = review_summary(org, start - dt.timedelta(days=1), end)
    audits = data.get("audits", [])
    totals = data.get("totals", {})
    open_ncs = data.get("open_nonconformities", [])
    records = []
    for a in audits:
        counts = a.get("counts") or {}
        bits = [f"{_label(ItemResult, k)}: {v}" for k, v in counts.items() if v]
        if a.get("actual_end"):
            bits.insert(0, _("ended %s") % _iso(a["actual_end"]))
        records.append(
            record(
                "audit",
                a.get("id"),
                a.get("ref", ""),
                a.get("title", ""),
                _label(AuditStatus, a.get("status", "")),
                " · ".join(bits),
            )
        )
    figures: list[tuple[Any, Any]] = [(_("Audits reported or in progress"), len(audits))]
    figures += [(_label(ItemResult, k), v) for k, v in totals.items()]
    figures.append((_("Nonconformities from audits still open"), len(open_ncs)))
    summary = _(
        "%(n)s audits reported in the period or in progress; %(open)s nonconformities from "
        "audits still open."
    ) % {"n": len(audits), "open": len(open_ncs)}
    if open_ncs:
        summary += " " + _("Open: %s.") % ", ".join(str(r) for r in open_ncs[:MAX_RECORDS])
    return group(_("Audit results"), summary=summary, figures=figures, records=records)


def _objectives(org: Any, by_objective: dict[int, Counter]) -> dict:
    from openisms.objectives.choices import MetricStatus, ObjectiveStatus
    from openisms.objectives.models import Objective

    rows = list(scoped(Objective, org).select_related("owner").order_by("ref"))
    counts = Counter(o.status for o in rows)
    records = []
    for o in rows:
        bits = []
        if o.due_date:
            bits.append(_("due %s") % o.due_date.isoformat())
        metric_counts = by_objective.get(o.pk)
        if metric_counts:
            bits.append(
                ", ".join(
                    f"{_label(MetricStatus, s)}: {n}" for s, n in sorted(metric_counts.items())
                )
            )
        records.append(
            record(
                "objective",
                o.pk,
                o.ref,
                o.title,
                _label(ObjectiveStatus, o.status),
                " · ".join(bits),
            )
        )
    figures = [(_label(ObjectiveStatus, s), counts[s]) for s in ObjectiveStatus.values]
    summary = _(
        "%(n)s objectives: %(achieved)s achieved, %(open)s planned or in progress, %(missed)s not achieved."
    ) % {
        "n": len(rows),
        "achieved": counts[ObjectiveStatus.ACHIEVED],
        "open": counts[ObjectiveStatus.PLANNED] + counts[ObjectiveStatus.IN_PROGRESS],
        "missed": counts[ObjectiveStatus.NOT_ACHIEVED],
    }
    return group(
        _("Fulfilment of information security objectives"),
        summary=summary,
        figures=figures,
        records=records,
    )


def _section_d(org: Any, start: dt.date, end: dt.date, today: dt.date) -> dict:
    ncs = _nonconformities(org, start, end, today)
    metrics, by_objective = _metrics(org, end, today)
    groups = [ncs, metrics, _audits(org, start, end), _objectives(org, by_objective)]
    return section(
        "d",
        _("Feedback on the information security performance"),
        " ".join(g["summary"] for g in groups if g["summary"]),
        groups,
    )


# --- e) feedback from interested parties ---------------------------------------------------------


def _section_e(org: Any, start: dt.date, end: dt.date, review: Any) -> dict:
    from openisms.improvement.choices import NcSource, NcStatus
    from openisms.improvement.models import Nonconformity

    feedback = (getattr(review, "interested_party_feedback", "") or "").strip()
    complaints = list(
        scoped(Nonconformity, org)
        .filter(source=NcSource.COMPLAINT, detected_on__gte=start, detected_on__lte=end)
        .order_by("detected_on", "ref")
        .values("pk", "ref", "title", "status", "detected_on", "source_reference")
    )
    records = [
        record(
            "nonconformity",
            c["pk"],
            c["ref"],
            c["title"],
            _label(NcStatus, c["status"]),
            " · ".join(x for x in (c["detected_on"].isoformat(), c["source_reference"]) if x),
        )
        for c in complaints
    ]
    summary = _("%s complaints recorded as nonconformities in the period.") % len(complaints)
    if not feedback:
        summary += " " + _("No other feedback was recorded for this review.")
    return section(
        "e",
        _("Feedback from interested parties"),
        summary,
        [
            group(
                _("Complaints"),
                figures=[(_("Complaints in the period"), len(complaints))],
                records=records,
                text=feedback,
            )
        ],
    )


# --- f) risk assessment and treatment ------------------------------------------------------------


def _section_f(org: Any, start: dt.date, end: dt.date, today: dt.date) -> dict:
    from openisms.risks.choices import ActionStatus, RiskStatus
    from openisms.risks.models import AssessmentRun, Risk, TreatmentAction
    from openisms.risks.selectors import methodology_current

    version = methodology_current(organization=org)
    levels = {lv["key"]: lv for lv in version.definition["levels"]} if version else {}
    threshold = version.definition.get("threshold") if version else None
    threshold_order = levels[threshold]["order"] if threshold in levels else None
    risks = list(
        scoped(Risk, org)
        .exclude(status=RiskStatus.CLOSED)
        .select_related("owner")
        .order_by("-current_level_order", "ref")
    )
    by_level: Counter[str] = Counter(r.current_level or "" for r in risks)
    settled = (RiskStatus.TREATED, RiskStatus.ACCEPTED)
    above = [
        r
        for r in risks
        if threshold_order is not None
        and r.current_level in levels
        and levels[r.current_level]["order"] > threshold_order
        and r.status not in settled
    ]
    records = [
        record(
            "risk",
            r.pk,
            r.ref,
            r.title,
            _label(RiskStatus, r.status),
            " · ".join(
                x
                for x in (
                    levels.get(r.current_level, {}).get("name", r.current_level),
                    (r.owner.get_full_name() or r.owner.email) if r.owner else "",
                )
                if x
            ),
        )
        for r in above
    ]
    figures: list[tuple[Any, Any]] = [(_("Open risks"), len(risks))]
    for key, lv in sorted(levels.items(), key=lambda kv: -kv[1]["order"]):
        figures.append((lv["name"], by_level[key]))
    if by_level[""]:
        figures.append((_("Not assessed"), by_level[""]))
    figures.append((_("Above the acceptance threshold, not treated or accepted"), len(above)))
    low, high = _bounds(start, end)
    runs = list(
        scoped(AssessmentRun, org)
        .filter(completed_at__gte=low, completed_at__lt=high)
        .order_by("completed_at")
        .values("pk", "name", "completed_at")
    )
    figures.append((_("Assessments completed in the period"), len(runs)))
    assessment = group(
        _("Results of risk assessment"),
        summary=_(
            "%(n)s open risks; %(above)s above the acceptance threshold (%(threshold)s) and "
            "neither treated nor accepted."
        )
        % {
            "n": len(risks),
            "above": len(above),
            "threshold": levels.get(threshold, {}).get("name", threshold or "—"),
        },
        figures=figures,
        records=records,
    )
    actions = list(
        scoped(TreatmentAction, org)
        .filter(status__in=(ActionStatus.OPEN, ActionStatus.IN_PROGRESS))
        .select_related("risk", "owner")
        .order_by("due_date", "pk")
    )
    overdue = [a for a in actions if a.due_date is not None and a.due_date < today]
    action_records = [
        record(
            "risk",
            a.risk_id,
            a.risk.ref,
            a.title,
            _label(ActionStatus, a.status),
            " · ".join(
                x
                for x in (
                    (_("due %s") % a.due_date.isoformat()) if a.due_date else "",
                    _("overdue") if a in overdue else "",
                )
                if x
            ),
        )
        for a in actions
    ]
    plan = group(
        _("Status of the risk treatment plan"),
        summary=_("%(open)s treatment actions open, %(overdue)s overdue.")
        % {"open": len(actions), "overdue": len(overdue)},
        figures=[(_("Treatment actions open"), len(actions)), (_("Overdue"), len(overdue))],
        records=action_records,
    )
    return section(
        "f",
        _("Results of risk assessment and status of the risk treatment plan"),
        f"{assessment['summary']} {plan['summary']}",
        [assessment, plan],
    )


# --- g) opportunities for continual improvement --------------------------------------------------


def _section_g(org: Any) -> dict:
    from openisms.improvement.choices import OpportunityStatus
    from openisms.improvement.models import ImprovementOpportunity

    rows = list(
        scoped(ImprovementOpportunity, org)
        .order_by("ref")
        .values("pk", "ref", "title", "status", "source")
    )
    counts = Counter(r["status"] for r in rows)
    live = (OpportunityStatus.PROPOSED, OpportunityStatus.ACCEPTED)
    records = [
        record(
            "opportunity",
            r["pk"],
            r["ref"],
            r["title"],
            _label(OpportunityStatus, r["status"]),
            r["source"],
        )
        for r in rows
        if r["status"] in live
    ]
    figures = [(_label(OpportunityStatus, s), counts[s]) for s in OpportunityStatus.values]
    return section(
        "g",
        _("Opportunities for continual improvement"),
        _(
            "%(proposed)s opportunities proposed, %(accepted)s accepted (in progress), %(done)s implemented."
        )
        % {
            "proposed": counts[OpportunityStatus.PROPOSED],
            "accepted": counts[OpportunityStatus.ACCEPTED],
            "done": counts[OpportunityStatus.IMPLEMENTED],
        },
        [group(figures=figures, records=records)],
    )


# --- incidents (additional input) ----------------------------------------------------------------


def _section_incidents(org: Any, start: dt.date, end: dt.date) -> dict:
    from openisms.incidents.choices import IncidentStatus, Severity
    from openisms.incidents.models import Incident

    low, high = _bounds(start, end)
    rows = list(
        scoped(Incident, org)
        .filter(detected_at__gte=low, detected_at__lt=high)
        .order_by("detected_at", "ref")
        .values("pk", "ref", "title", "status", "severity", "detected_at", "personal_data_breach")
    )
    by_severity = Counter(r["severity"] for r in rows)
    breaches = sum(1 for r in rows if r["personal_data_breach"])
    open_count = sum(1 for r in rows if r["status"] != IncidentStatus.CLOSED)
    records = [
        record(
            "incident",
            r["pk"],
            r["ref"],
            r["title"],
            _label(IncidentStatus, r["status"]),
            " · ".join(
                x
                for x in (
                    _iso(r["detected_at"]),
                    _label(Severity, r["severity"]),
                    _("personal data breach") if r["personal_data_breach"] else "",
                )
                if x
            ),
        )
        for r in rows
    ]
    figures: list[tuple[Any, Any]] = [
        (_("Incidents in the period"), len(rows)),
        (_("Not closed"), open_count),
        (_("Personal data breaches"), breaches),
    ]
    figures += [(_label(Severity, s), by_severity[s]) for s in Severity.values]
    return section(
        "incidents",
        _("Information security incidents"),
        _(
            "%(n)s incidents detected in the period (%(b)s personal data breaches); %(open)s not closed."
        )
        % {"n": len(rows), "b": breaches, "open": open_count},
        [group(figures=figures, records=records)],
    )


# --- the whole -----------------------------------------------------------------------------------


def compile_inputs(
    organization: Any, period_start: dt.date, period_end: dt.date, review: Any = None
) -> dict[str, Any]:
    """The review inputs for the period, from the live data (JSON-safe)."""
    today = timezone.localdate()
    sections = [
        _section_a(organization, period_start, period_end, review, today),
        _section_b(organization, period_start, period_end),
        _section_c(organization, period_start, period_end),
        _section_d(organization, period_start, period_end, today),
        _section_e(organization, period_start, period_end, review),
        _section_f(organization, period_start, period_end, today),
        _section_g(organization),
        _section_incidents(organization, period_start, period_end),
    ]
    inputs = {
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat()},
        "sections": sections,
    }
    # Round-trip through JSON: what is stored is exactly what was hashed.
    result: dict[str, Any] = json.loads(json.dumps(inputs, default=str))
    return result
