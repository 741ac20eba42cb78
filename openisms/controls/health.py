"""Evidence freshness and control health: derived, never stored, computed with a fixed number
of queries for any number of controls.

Freshness of an evidence item (``valid_until`` is given, or computed from the refresh cadence):
    stale     valid_until is before today
    expiring  valid_until is within ``OPENISMS_EVIDENCE_EXPIRING_DAYS`` days from today
    fresh     otherwise, including evidence with no end of validity

Health of a control, first rule that matches:
    failing   the latest run of one of its tests failed; or it has evidence and all of it is stale
    at_risk   it is not fully implemented; or it has no evidence; or some evidence is stale or
              expiring; or the latest run of a test was only partial; or a test is overdue
              (never run, or last run longer ago than the test's frequency)
    healthy   otherwise
Each reason is reported in words ("evidence E-012 stale since 2026-10-01").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openisms.controls.choices import Freshness, Health, ImplementationStatus, RunResult
from openisms.controls.models import Control, ControlTest, ControlTestRun, Evidence

# The rule above in words, for the legend on the controls pages (keep the two in step).
RULES = (
    (
        Health.FAILING,
        gettext_lazy(
            "the latest run of one of its tests failed, or it has evidence and all of it is stale"
        ),
    ),
    (
        Health.AT_RISK,
        gettext_lazy(
            "it is not fully implemented, has no evidence, has stale or expiring evidence, the "
            "latest run of a test only partially passed, or a test is overdue (never run, or last "
            "run longer ago than its frequency)"
        ),
    ),
    (Health.HEALTHY, gettext_lazy("none of the above")),
)


def expiring_window() -> dt.timedelta:
    return dt.timedelta(days=settings.OPENISMS_EVIDENCE_EXPIRING_DAYS)


def freshness(valid_until: dt.date | None, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    if valid_until is None:
        return Freshness.FRESH
    if valid_until < today:
        return Freshness.STALE
    if valid_until <= today + expiring_window():
        return Freshness.EXPIRING
    return Freshness.FRESH


def freshness_q(state: str, today: dt.date | None = None, prefix: str = "") -> Q:
    """A filter on evidence rows (``prefix`` e.g. ``"evidence__"``) for one freshness state."""
    today = today or timezone.localdate()
    soon = today + expiring_window()
    vu = f"{prefix}valid_until"
    if state == Freshness.STALE:
        return Q(**{f"{vu}__lt": today})
    if state == Freshness.EXPIRING:
        return Q(**{f"{vu}__gte": today, f"{vu}__lte": soon})
    if state == Freshness.FRESH:
        return Q(**{f"{vu}__isnull": True}) | Q(**{f"{vu}__gt": soon})
    raise ValueError(state)


@dataclass
class ControlHealth:
    state: str = Health.HEALTHY
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(Health(self.state).label)

    def summary(self) -> str:
        if not self.reasons:
            return self.label
        return f"{self.label}: {'; '.join(self.reasons)}"


def health_for(controls: list[Any], *, today: dt.date | None = None) -> dict[int, ControlHealth]:
    """Health of each control (three queries whatever the number of controls)."""
    today = today or timezone.localdate()
    ids = [c.pk for c in controls]
    if not ids:
        return {}
    soon = today + expiring_window()
    through = Evidence.controls.through
    ev = {
        row["control_id"]: row
        for row in through.objects.filter(control_id__in=ids)
        .values("control_id")
        .annotate(
            total=Count("evidence_id"),
            stale=Count("evidence_id", filter=Q(evidence__valid_until__lt=today)),
            expiring=Count(
                "evidence_id",
                filter=Q(evidence__valid_until__gte=today, evidence__valid_until__lte=soon),
            ),
            stale_since=Min("evidence__valid_until", filter=Q(evidence__valid_until__lt=today)),
        )
    }
    # One example per state, for the words ("evidence E-012 stale since …"): the earliest
    # stale and the first expiring item of each control, one correlated subquery each.
    examples: dict[tuple[int, str], tuple[str, dt.date | None]] = {}
    windows = {
        Freshness.STALE: Q(evidence__valid_until__lt=today),
        Freshness.EXPIRING: Q(evidence__valid_until__gte=today, evidence__valid_until__lte=soon),
    }
    first = {
        state: through.objects.filter(window, control_id=OuterRef("pk")).order_by(
            "evidence__valid_until", "evidence__ref"
        )
        for state, window in windows.items()
    }
    for row in (
        Control.objects.filter(pk__in=ids)
        .annotate(
            **{
                f"{state}_{name}": Subquery(qs.values(f"evidence__{name}")[:1])
                for state, qs in first.items()
                for name in ("ref", "valid_until")
            }
        )
        .values("pk", *(f"{s}_{f}" for s in first for f in ("ref", "valid_until")))
    ):
        for state in first:
            if row[f"{state}_ref"] is not None:
                examples[(row["pk"], state)] = (row[f"{state}_ref"], row[f"{state}_valid_until"])
    last_run = ControlTestRun.objects.filter(test=OuterRef("pk")).order_by("-performed_on", "-pk")
    tests: dict[int, list[Any]] = defaultdict(list)
    for t in (
        ControlTest.objects.filter(control_id__in=ids)
        .annotate(
            last_on=Max("runs__performed_on"),
            last_result=Subquery(last_run.values("result")[:1]),
        )
        .values("control_id", "name", "frequency_days", "last_on", "last_result")
    ):
        tests[t["control_id"]].append(t)

    result: dict[int, ControlHealth] = {}
    for control in controls:
        failing: list[str] = []
        at_risk: list[str] = []
        for t in tests.get(control.pk, []):
            if t["last_result"] == RunResult.FAIL:
                failing.append(_("test “%(name)s” failed on %(date)s") % _t(t))
            elif t["last_result"] == RunResult.PARTIAL:
                at_risk.append(_("test “%(name)s” partially passed on %(date)s") % _t(t))
            if t["last_on"] is None:
                at_risk.append(_("test “%s” never run") % t["name"])
            elif t["last_on"] + dt.timedelta(days=t["frequency_days"]) < today:
                due = t["last_on"] + dt.timedelta(days=t["frequency_days"])
                at_risk.append(_("test “%(name)s” overdue since %(due)s") % {**_t(t), "due": due})
        e = ev.get(control.pk)
        if e is None or e["total"] == 0:
            at_risk.append(_("no evidence"))
        else:
            stale = examples.get((control.pk, Freshness.STALE))
            if e["stale"] == e["total"]:
                failing.append(_("all evidence stale (since %s)") % e["stale_since"])
            elif e["stale"]:
                ref, since = stale if stale else ("", e["stale_since"])
                at_risk.append(
                    _("evidence %(ref)s stale since %(date)s") % {"ref": ref, "date": since}
                    if e["stale"] == 1
                    else _("%(n)d evidence items stale, e.g. %(ref)s since %(date)s")
                    % {"n": e["stale"], "ref": ref, "date": since}
                )
            if e["expiring"]:
                ref, until = examples.get((control.pk, Freshness.EXPIRING), ("", None))
                at_risk.append(
                    _("evidence %(ref)s expires on %(date)s") % {"ref": ref, "date": until}
                    if e["expiring"] == 1
                    else _("%(n)d evidence items expiring, first %(ref)s on %(date)s")
                    % {"n": e["expiring"], "ref": ref, "date": until}
                )
        if control.status != ImplementationStatus.IMPLEMENTED:
            at_risk.insert(
                0,
                _("implementation %s") % ImplementationStatus(control.status).label.lower(),
            )
        if failing:
            result[control.pk] = ControlHealth(Health.FAILING, failing + at_risk)
        elif at_risk:
            result[control.pk] = ControlHealth(Health.AT_RISK, at_risk)
        else:
            result[control.pk] = ControlHealth(Health.HEALTHY, [])
    return result


def _t(t: Any) -> dict[str, Any]:
    return {"name": t["name"], "date": t["last_on"]}


def evidence_freshness_counts(qs: QuerySet[Evidence], today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    return qs.aggregate(
        **{state.value: Count("pk", filter=freshness_q(state, today)) for state in Freshness}
    )
