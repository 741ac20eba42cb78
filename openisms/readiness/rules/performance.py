"""Clause 6.2 (objectives) and clause 9 (performance evaluation): metrics (9.1), the internal
audit programme and audits (9.2), management review (9.3). Metric states come from
``openisms.objectives.status``; audit coverage from ``openisms.audits.selectors.coverage``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openisms.core.gate import scoped
from openisms.readiness.engine import CLAUSES, THEMES, Context, Finding, found, obj, rule

OPEN_OBJECTIVES = ("planned", "in_progress")
REVIEW_INPUTS = ("a", "b", "c", "d", "e", "f", "g")
MINUTES_WITHIN = dt.timedelta(days=30)


def _objectives(ctx: Context) -> list[Any]:
    from openisms.objectives.models import Objective

    return ctx.memo(
        "objectives",
        lambda: list(
            scoped(Objective, ctx.organization)
            .annotate(
                measured=Count(
                    "metrics", filter=Q(metrics__measurements__isnull=False), distinct=True
                )
            )
            .order_by("ref")
        ),
    )


def _objective_link(o: Any) -> tuple[str, dict[str, Any]]:
    return ("objectives:objective_detail", {"pk": o.pk})


@rule(
    "R-6.2-OBJECTIVES-DEFINED",
    "6.2",
    "major",
    gettext_lazy("Information security objectives are established."),
)
def objectives_defined(ctx: Context) -> Iterator[Finding]:
    """6.2: information security objectives are established at relevant functions and levels."""
    if not any(o.status != "cancelled" for o in _objectives(ctx)):
        yield found(
            _("No information security objective is recorded."), link="objectives:objective_create"
        )


@rule(
    "R-6.2-OBJECTIVE-PLANNED",
    "6.2",
    "minor",
    gettext_lazy(
        "Every open objective has an owner, a due date and says how results are evaluated."
    ),
)
def objective_planned(ctx: Context) -> Iterator[Finding]:
    """6.2 f)–k): what will be done, who is responsible, when it will be completed and how the
    results will be evaluated."""
    for o in _objectives(ctx):
        if o.status not in OPEN_OBJECTIVES:
            continue
        missing = [
            label
            for label, ok in (
                (_("an owner"), o.owner_id),
                (_("a due date"), o.due_date),
                (_("how results are evaluated"), o.evaluation.strip()),
            )
            if not ok
        ]
        if missing:
            yield found(
                _("%(ref)s “%(title)s” lacks %(missing)s.")
                % {"ref": o.ref, "title": o.title, "missing": ", ".join(missing)},
                obj("objective", o),
                link=("objectives:objective_edit", {"pk": o.pk}),
            )


@rule(
    "R-6.2-OBJECTIVE-MEASURED",
    "6.2",
    "major",
    gettext_lazy("Every open objective is measured (a metric with at least one measurement)."),
)
def objective_measured(ctx: Context) -> Iterator[Finding]:
    """6.2 b), d): objectives are measurable and monitored."""
    for o in _objectives(ctx):
        if o.status in OPEN_OBJECTIVES and not o.measured:
            yield found(
                _("%(ref)s “%(title)s” has no measured metric.") % {"ref": o.ref, "title": o.title},
                obj("objective", o),
                link=_objective_link(o),
            )


@rule(
    "R-6.2-OBJECTIVE-OVERDUE",
    "6.2",
    "minor",
    gettext_lazy("No open objective is past its due date."),
)
def objective_overdue(ctx: Context) -> Iterator[Finding]:
    """An objective still open after its due date has not been achieved nor re-planned."""
    for o in _objectives(ctx):
        if o.status in OPEN_OBJECTIVES and o.due_date and o.due_date < ctx.today:
            yield found(
                _("%(ref)s “%(title)s” was due on %(date)s.")
                % {"ref": o.ref, "title": o.title, "date": o.due_date},
                obj("objective", o),
                link=("objectives:objective_edit", {"pk": o.pk}),
            )


def _metrics(ctx: Context) -> list[tuple[Any, dict[str, Any]]]:
    from openisms.objectives.models import Metric
    from openisms.objectives.selectors import with_latest
    from openisms.objectives.status import metric_state

    return ctx.memo(
        "metrics",
        lambda: [
            (m, metric_state(m, ctx.today))
            for m in with_latest(scoped(Metric, ctx.organization)).order_by("ref")
        ],
    )


@rule(
    "R-9.1-METRIC-OVERDUE",
    "9.1",
    "minor",
    gettext_lazy("No metric is overdue for measurement."),
)
def metric_overdue(ctx: Context) -> Iterator[Finding]:
    """9.1 c): when monitoring and measuring is performed is determined — and then kept to."""
    for m, state in _metrics(ctx):
        if state["overdue"]:
            yield found(
                _("%(ref)s “%(name)s” is overdue for measurement (every %(days)d days).")
                % {"ref": m.ref, "name": m.name, "days": m.frequency_days},
                obj("metric", m),
                link=("objectives:metric_detail", {"pk": m.pk}),
            )


@rule(
    "R-9.1-METRIC-RESPONSIBLE",
    "9.1",
    "minor",
    gettext_lazy("Every metric names who measures it and who analyses the results."),
)
def metric_responsible(ctx: Context) -> Iterator[Finding]:
    """9.1 d), f): who monitors and measures, and who analyses and evaluates the results."""
    for m, _state in _metrics(ctx):
        if m.measured_by_id is None or m.analysed_by_id is None:
            yield found(
                _("%(ref)s “%(name)s” does not name who measures and who analyses it.")
                % {"ref": m.ref, "name": m.name},
                obj("metric", m),
                link=("objectives:metric_edit", {"pk": m.pk}),
            )


@rule(
    "R-9.1-METRIC-OFF-TARGET",
    "9.1",
    "info",
    gettext_lazy("Metrics whose latest measurement is off target."),
)
def metric_off_target(ctx: Context) -> Iterator[Finding]:
    """Not a nonconformity in itself, but an auditor will ask what was done about it (9.3,
    10.2)."""
    for m, state in _metrics(ctx):
        if state["status"] == "off_target":
            yield found(
                _(
                    "%(ref)s “%(name)s” is off target (latest %(value)s %(unit)s, target %(target)s)."
                )
                % {
                    "ref": m.ref,
                    "name": m.name,
                    "value": m.latest_value.normalize(),
                    "unit": m.unit,
                    "target": m.target.normalize(),
                },
                obj("metric", m),
                link=("objectives:metric_detail", {"pk": m.pk}),
            )


# --- internal audit (9.2) -------------------------------------------------------------------------


def _programme(ctx: Context) -> Any:
    from openisms.audits.selectors import default_programme

    return ctx.memo(
        "programme", lambda: default_programme(organization=ctx.organization, today=ctx.today)
    )


@rule(
    "R-9.2-AUDIT-PROGRAMME",
    "9.2",
    "blocker",
    gettext_lazy("An internal audit programme covers the current period."),
)
def audit_programme(ctx: Context) -> Iterator[Finding]:
    """9.2.2: the organisation plans, establishes, implements and maintains an audit
    programme; certification requires one in place."""
    p = _programme(ctx)
    if p is None:
        yield found(_("There is no internal audit programme."), link="audits:programme_create")
    elif not (p.period_start <= ctx.today <= p.period_end):
        yield found(
            _("The latest audit programme %(ref)s ended on %(date)s.")
            % {"ref": p.ref, "date": p.period_end},
            obj("audit_programme", p),
            link="audits:programme_create",
        )


@rule(
    "R-9.2-PROGRAMME-COVERAGE",
    "9.2",
    "major",
    gettext_lazy("The audit programme covers every clause and every applicable Annex A control."),
)
def programme_coverage(ctx: Context) -> Iterator[Finding]:
    """9.2.2: the programme covers the whole ISMS over the cycle — every clause 4–10 and every
    applicable control is in the criteria of an audit (done or planned)."""
    from openisms.audits.selectors import coverage

    p = _programme(ctx)
    if p is None:
        return
    for group in coverage(programme=p).groups:
        if group.ref_id not in CLAUSES and group.ref_id not in THEMES:
            continue
        gaps = [r for r in group.rows if r.state == "gap"]
        if gaps:
            refs = ", ".join(r.ref_id for r in gaps[:10]) + ("…" if len(gaps) > 10 else "")
            yield found(
                _("%(group)s %(name)s: %(n)d requirement(s) in no audit of %(p)s: %(refs)s.")
                % {
                    "group": group.ref_id,
                    "name": group.name,
                    "n": len(gaps),
                    "p": p.ref,
                    "refs": refs,
                },
                obj("audit_programme", p),
                link=("audits:programme_detail", {"pk": p.pk}),
                clause=group.ref_id,
            )


@rule(
    "R-9.2-AUDIT-WITHIN-12-MONTHS",
    "9.2",
    "blocker",
    gettext_lazy("An internal audit was reported within the last 12 months."),
)
def audit_recent(ctx: Context) -> Iterator[Finding]:
    """9.2.1: internal audits are conducted at planned intervals; a certification body expects
    at least one complete audit (reported) before Stage 2, and yearly after."""
    from openisms.audits.models import Audit

    since = ctx.months_ago(12)
    done = scoped(Audit, ctx.organization).filter(
        Q(status__in=("reported", "closed"))
        & (Q(report_issued_on__gte=since) | Q(report_issued_on__isnull=True, actual_end__gte=since))
    )
    if not done.exists():
        yield found(
            _("No internal audit was reported since %(date)s.") % {"date": since},
            link="audits:audit_list",
        )


@rule(
    "R-9.2-AUDIT-FINDINGS-RAISED",
    "9.2",
    "major",
    gettext_lazy("Every nonconformity found by a reported audit is raised in the register."),
)
def audit_findings_raised(ctx: Context) -> Iterator[Finding]:
    """9.2.2 c), 10.2: audit results are reported and nonconformities acted upon."""
    from openisms.audits.models import AuditItem

    items = (
        scoped(AuditItem, ctx.organization)
        .filter(
            audit__status__in=("reported", "closed"),
            result__in=("major_nc", "minor_nc"),
            nonconformity__isnull=True,
        )
        .select_related("audit", "requirement")
        .order_by("audit__ref", "order")
    )
    for item in items:
        yield found(
            _("%(audit)s found a nonconformity against %(req)s that is not in the register.")
            % {"audit": item.audit.ref, "req": item.requirement.ref_id},
            obj("audit", item.audit),
            link=("audits:audit_detail", {"pk": item.audit_id}),
        )


# --- management review (9.3) ------------------------------------------------------------------------


def _held(ctx: Context) -> Any:
    from openisms.reviews.models import ManagementReview

    return ctx.memo(
        "held_review",
        lambda: (
            scoped(ManagementReview, ctx.organization)
            .filter(status__in=("held", "closed"), held_on__isnull=False)
            .order_by("-held_on", "-pk")
            .first()
        ),
    )


@rule(
    "R-9.3-REVIEW-WITHIN-12-MONTHS",
    "9.3",
    "blocker",
    gettext_lazy("A management review was held within the last 12 months."),
)
def review_recent(ctx: Context) -> Iterator[Finding]:
    """9.3.1: top management reviews the ISMS at planned intervals; certification bodies expect
    one before Stage 2."""
    review = _held(ctx)
    since = ctx.months_ago(12)
    if review is None or review.held_on < since:
        yield found(
            _("No management review was held since %(date)s.") % {"date": since},
            *([obj("management_review", review)] if review else []),
            link="reviews:review_list",
        )


@rule(
    "R-9.3-REVIEW-INPUTS",
    "9.3",
    "major",
    gettext_lazy("The latest management review held considered every input a)–g) of 9.3.2."),
)
def review_inputs(ctx: Context) -> Iterator[Finding]:
    """9.3.2 lists what the review shall include; minutes missing one are a classic finding."""
    review = _held(ctx)
    if review is None:
        return
    keys = {s.get("key") for s in (review.inputs or {}).get("sections", []) if isinstance(s, dict)}
    missing = [k for k in REVIEW_INPUTS if k not in keys]
    if missing:
        yield found(
            _("%(ref)s lacks the inputs %(keys)s of 9.3.2.")
            % {"ref": review.ref, "keys": ", ".join(f"{k})" for k in missing)},
            obj("management_review", review),
            link=("reviews:review_detail", {"pk": review.pk}),
        )


@rule(
    "R-9.3-MINUTES-APPROVED",
    "9.3",
    "minor",
    gettext_lazy("The minutes of a review held more than 30 days ago are approved."),
)
def minutes_approved(ctx: Context) -> Iterator[Finding]:
    """9.3.3: the results of management reviews are available as documented information;
    minutes left unapproved for a month are not."""
    from openisms.reviews.models import ManagementReview

    rows = scoped(ManagementReview, ctx.organization).filter(
        status="held", held_on__lt=ctx.today - MINUTES_WITHIN
    )
    for r in rows.order_by("held_on"):
        yield found(
            _("%(ref)s was held on %(date)s; its minutes are not approved.")
            % {"ref": r.ref, "date": r.held_on},
            obj("management_review", r),
            link=("reviews:review_detail", {"pk": r.pk}),
        )


@rule(
    "R-9.3-DECISIONS-OVERDUE",
    "9.3",
    "minor",
    gettext_lazy("No management review decision is overdue."),
)
def decisions_overdue(ctx: Context) -> Iterator[Finding]:
    """9.3.3: decisions on improvement and changes are carried out."""
    from openisms.reviews.models import ReviewDecision
    from openisms.reviews.selectors import overdue_q

    rows = scoped(ReviewDecision, ctx.organization).filter(overdue_q(today=ctx.today))
    for d in rows.order_by("due_date", "ref"):
        yield found(
            _("%(ref)s “%(title)s” was due on %(date)s.")
            % {"ref": d.ref, "title": d.title, "date": d.due_date},
            obj("review_decision", d),
            link=("reviews:decision_detail", {"pk": d.pk}),
        )
