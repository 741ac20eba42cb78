"""Clauses 6.1.2, 6.1.3 (risk assessment and treatment), 8.2 and 8.3 (performing them): the
method and its acceptance threshold, the register, treatment, acceptance and the treatment
plan. Levels and the appetite come from the immutable method version a risk was assessed with
(``openisms.risks.methodology.Method``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openisms.core.gate import current_members, scoped
from openisms.readiness.engine import Context, Finding, found, obj, rule

OPEN_ACTIONS = ("open", "in_progress")
TREATING = ("modify", "avoid", "share")


def _link(risk: Any) -> tuple[str, dict[str, Any]]:
    return ("risks:risk_detail", {"pk": risk.pk})


def _method(ctx: Context) -> Any:
    from openisms.risks.selectors import methodology_current

    return ctx.memo("method", lambda: methodology_current(organization=ctx.organization))


def _methods(ctx: Context) -> dict[int, Any]:
    """Every method version of the organisation, as ``Method`` lookups (one query)."""
    from openisms.risks.methodology import Method
    from openisms.risks.models import MethodologyVersion

    return ctx.memo(
        "methods",
        lambda: {
            v.pk: Method(v.definition)
            for v in scoped(MethodologyVersion, ctx.organization).only("pk", "definition")
        },
    )


def _risks(ctx: Context) -> list[Any]:
    """The open (not closed) risks, with their owner and latest acceptance annotated."""
    from openisms.risks.models import Risk, RiskAcceptance

    def load() -> list[Any]:
        latest = RiskAcceptance.objects.filter(risk=OuterRef("pk")).order_by("-accepted_at", "-pk")
        return list(
            scoped(Risk, ctx.organization)
            .exclude(status="closed")
            .annotate(
                acc_until=Subquery(latest.values("valid_until")[:1]),
                acc_level=Subquery(latest.values("level")[:1]),
                acc_by=Subquery(latest.values("accepted_by_id")[:1]),
                acc_method=Subquery(latest.values("methodology_version_id")[:1]),
                selected=Count("selected_controls", distinct=True)
                + Count("annex_a_controls", distinct=True),
                planned_actions=Count("actions", distinct=True),
            )
            .order_by("ref")
        )

    return ctx.memo("risks", load)


def _above(ctx: Context, risk: Any) -> bool:
    """Is the risk's current level above the acceptance threshold of its method version?"""
    method = _methods(ctx).get(risk.methodology_version_id)
    if method is None or not risk.current_level:
        return False
    return not method.within_appetite(risk.current_level)


def _accepted(ctx: Context, risk: Any) -> bool:
    return bool(
        risk.acc_until and risk.acc_until >= ctx.today and risk.acc_level == risk.current_level
    )


@rule(
    "R-6.1.2-METHODOLOGY-DEFINED",
    "6.1.2",
    "blocker",
    gettext_lazy("A risk methodology with acceptance criteria (a threshold) is defined."),
)
def methodology_defined(ctx: Context) -> Iterator[Finding]:
    """6.1.2 a), b): risk acceptance criteria and criteria for performing assessments must be
    established so that repeated assessments give consistent, valid and comparable results."""
    version = _method(ctx)
    if version is None or not version.definition.get("threshold"):
        yield found(
            _("No risk methodology with an acceptance threshold is defined."),
            link="riskmethod:methodology",
        )


@rule(
    "R-6.1.2-RISKS-IDENTIFIED",
    "6.1.2",
    "blocker",
    gettext_lazy("Risks are identified in the risk register."),
)
def risks_identified(ctx: Context) -> Iterator[Finding]:
    """6.1.2 c): the risk assessment identifies the risks; an empty register means none was
    performed."""
    if not _risks(ctx):
        yield found(_("The risk register has no open risk."), link="risks:risk_create")


@rule(
    "R-6.1.2-RISK-OWNER",
    "6.1.2",
    "major",
    gettext_lazy("Every open risk has an owner."),
)
def risk_owner(ctx: Context) -> Iterator[Finding]:
    """6.1.2 c) 2): risk owners must be identified."""
    for risk in _risks(ctx):
        if risk.owner_id is None:
            yield found(
                _("%(ref)s “%(title)s” has no owner.") % {"ref": risk.ref, "title": risk.title},
                obj("risk", risk),
                link=("risks:risk_edit", {"pk": risk.pk}),
            )


@rule(
    "R-6.1.2-RISK-ASSESSED",
    "6.1.2",
    "major",
    gettext_lazy("Every open risk has a current assessment (likelihood, consequence, level)."),
)
def risk_assessed(ctx: Context) -> Iterator[Finding]:
    """6.1.2 d): risks are analysed — their likelihood and consequences assessed and their
    level determined."""
    for risk in _risks(ctx):
        if not risk.current_level:
            yield found(
                _("%(ref)s “%(title)s” has not been assessed.")
                % {"ref": risk.ref, "title": risk.title},
                obj("risk", risk),
                link=("risks:risk_detail", {"pk": risk.pk}),
            )


@rule(
    "R-8.2-RISK-REVIEW-DUE",
    "8.2",
    "major",
    gettext_lazy("No risk is past its review date or its method's review interval."),
)
def risk_review_due(ctx: Context) -> Iterator[Finding]:
    """8.2: risk assessments are performed at planned intervals; a risk past its next review,
    or assessed longer ago than the method's review interval, is not current."""
    methods = _methods(ctx)
    for risk in _risks(ctx):
        due = risk.next_review
        method = methods.get(risk.methodology_version_id)
        if due is None and risk.assessed_at and method is not None:
            days = int(method.d.get("risk_review_days", 365))
            due = timezone.localtime(risk.assessed_at).date() + dt.timedelta(days=days)
        if due is not None and due < ctx.today:
            yield found(
                _("%(ref)s “%(title)s” was due for review on %(date)s.")
                % {"ref": risk.ref, "title": risk.title, "date": due},
                obj("risk", risk),
                link=("risks:risk_detail", {"pk": risk.pk}),
            )


@rule(
    "R-6.1.3-RISK-ABOVE-THRESHOLD-TREATED",
    "6.1.3",
    "blocker",
    gettext_lazy("Every risk above the acceptance threshold is treated or validly accepted."),
)
def above_threshold_treated(ctx: Context) -> Iterator[Finding]:
    """6.1.3: a risk above the acceptance criteria must have a treatment (modify, avoid or
    share, planned or done) or a current acceptance at its present level; otherwise it is an
    unmanaged risk — the classic major nonconformity."""
    for risk in _risks(ctx):
        if not _above(ctx, risk):
            continue
        treated = risk.treatment_option in TREATING and (
            risk.status in ("treatment_planned", "treated") or risk.planned_actions
        )
        if not treated and not _accepted(ctx, risk):
            yield found(
                _(
                    "%(ref)s “%(title)s” is at level %(level)s, above the threshold, with no "
                    "treatment planned and no valid acceptance."
                )
                % {"ref": risk.ref, "title": risk.title, "level": risk.current_level},
                obj("risk", risk),
                link=("risks:risk_detail", {"pk": risk.pk}),
            )


@rule(
    "R-6.1.3-ACCEPTANCE-VALID",
    "6.1.3",
    "major",
    gettext_lazy(
        "Every accepted risk has an acceptance that is not expired and matches its level."
    ),
)
def acceptance_valid(ctx: Context) -> Iterator[Finding]:
    """6.1.3 f): risk owners approve the residual risk; an acceptance past its validity, or
    given at another level than the risk's current one, no longer covers it."""
    for risk in _risks(ctx):
        if risk.status != "accepted" and not (risk.treatment_option == "retain" and risk.acc_until):
            continue
        if risk.acc_until is None:
            message = _("%(ref)s is marked accepted but has no acceptance recorded.")
        elif risk.acc_until < ctx.today:
            message = _("%(ref)s: its acceptance expired on %(date)s.")
        elif risk.acc_level != risk.current_level:
            message = _("%(ref)s was accepted at level %(old)s; it is now at %(level)s.")
        else:
            continue
        yield found(
            message
            % {
                "ref": risk.ref,
                "date": risk.acc_until,
                "old": risk.acc_level,
                "level": risk.current_level,
            },
            obj("risk", risk),
            link=("risks:risk_detail", {"pk": risk.pk}),
        )


@rule(
    "R-6.1.3-ACCEPTANCE-ROLE",
    "6.1.3",
    "major",
    gettext_lazy("Risks above the threshold were accepted by the role the methodology names."),
)
def acceptance_role(ctx: Context) -> Iterator[Finding]:
    """The methodology names who may accept a risk above the threshold (the organisation's
    owner, or a manager); an acceptance by anyone else, or by someone no longer a member, is
    not an approval by the right authority."""
    accepted = [r for r in _risks(ctx) if r.acc_by and _above(ctx, r)]
    if not accepted:
        return
    roles = dict(current_members(ctx.organization).values_list("user_id", "role"))
    methods = _methods(ctx)
    for risk in accepted:
        method = methods.get(risk.acc_method) or methods.get(risk.methodology_version_id)
        needed = method.d.get("acceptance_role_above_threshold", "owner") if method else "owner"
        allowed = ("owner",) if needed == "owner" else ("owner", "manager")
        if roles.get(risk.acc_by) not in allowed:
            yield found(
                _(
                    "%(ref)s is above the threshold and was accepted by someone who is not "
                    "the organisation's %(role)s."
                )
                % {"ref": risk.ref, "role": needed},
                obj("risk", risk),
                link=("risks:risk_detail", {"pk": risk.pk}),
            )


@rule(
    "R-6.1.3-TREATMENT-SELECTS-CONTROLS",
    "6.1.3",
    "minor",
    gettext_lazy("Every risk treated by modification selects controls."),
)
def treatment_selects_controls(ctx: Context) -> Iterator[Finding]:
    """6.1.3 b): the treatment determines all controls necessary to implement it; a
    "modify" treatment naming no control cannot be compared with Annex A (6.1.3 c)."""
    for risk in _risks(ctx):
        if risk.treatment_option == "modify" and not risk.selected:
            yield found(
                _("%(ref)s is treated by modification but selects no control.") % {"ref": risk.ref},
                obj("risk", risk),
                link=("risks:risk_detail", {"pk": risk.pk}),
            )


def _actions(ctx: Context) -> list[Any]:
    from openisms.risks.models import TreatmentAction

    return ctx.memo(
        "treatment_actions",
        lambda: list(
            scoped(TreatmentAction, ctx.organization)
            .filter(status__in=OPEN_ACTIONS)
            .select_related("risk")
            .order_by("due_date", "pk")
        ),
    )


@rule(
    "R-8.3-TREATMENT-ACTION-OWNER",
    "8.3",
    "minor",
    gettext_lazy("Every open treatment action has an owner and a due date."),
)
def treatment_action_owner(ctx: Context) -> Iterator[Finding]:
    """6.1.3 e), 8.3: the risk treatment plan says who does what by when."""
    for a in _actions(ctx):
        if a.owner_id is None or a.due_date is None:
            missing = _("an owner") if a.owner_id is None else _("a due date")
            yield found(
                _("%(risk)s: the action “%(title)s” has no %(missing)s.")
                % {"risk": a.risk.ref, "title": a.title, "missing": missing},
                obj("treatment_action", a, ref=a.risk.ref),
                link=("risks:risk_detail", {"pk": a.risk_id}),
            )


@rule(
    "R-8.3-TREATMENT-ACTION-OVERDUE",
    "8.3",
    "major",
    gettext_lazy("No risk treatment action is overdue."),
)
def treatment_action_overdue(ctx: Context) -> Iterator[Finding]:
    """8.3: the risk treatment plan is implemented; overdue actions show it is not."""
    for a in _actions(ctx):
        if a.due_date is not None and a.due_date < ctx.today:
            yield found(
                _("%(risk)s: the action “%(title)s” was due on %(date)s.")
                % {"risk": a.risk.ref, "title": a.title, "date": a.due_date},
                obj("treatment_action", a, ref=a.risk.ref),
                link=("risks:risk_detail", {"pk": a.risk_id}),
            )


@rule(
    "R-8.2-ASSESSMENT-RECORDED",
    "8.2",
    "minor",
    gettext_lazy("A risk assessment run was completed within the last 12 months."),
)
def assessment_recorded(ctx: Context) -> Iterator[Finding]:
    """8.2: the organisation retains documented information of the results of the risk
    assessments; a completed run freezes them."""
    from openisms.risks.models import AssessmentRun

    since = ctx.months_ago(12)
    done = scoped(AssessmentRun, ctx.organization).filter(
        Q(status="completed") & Q(completed_at__date__gte=since)
    )
    if not done.exists():
        yield found(
            _("No risk assessment run was completed since %(date)s.") % {"date": since},
            link="riskmethod:run_list",
        )
