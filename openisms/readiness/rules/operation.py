"""Clause 8.1 (operational planning and control) and the Annex A controls the registers carry
directly: the organisation's controls (owner, review, tests), the asset inventory (A.5.9,
A.5.12), evidence freshness, and incident management (A.5.24–A.5.28). Control findings carry
the control's first Annex A requirement, so they count in its theme."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openisms.core.gate import scoped
from openisms.readiness.engine import Context, Finding, found, obj, rule

ISO27001_2022 = "urn:openisms:framework:iso27001-2022"


def _controls(ctx: Context) -> list[Any]:
    from openisms.controls.models import Control

    return ctx.memo("controls", lambda: list(scoped(Control, ctx.organization).order_by("ref")))


def _annex(ctx: Context) -> dict[int, str]:
    """Control id → its first ISO/IEC 27001:2022 Annex A requirement ("A.8.13"), one query."""
    from openisms.controls.models import Control

    def load() -> dict[int, str]:
        out: dict[int, str] = {}
        rows = (
            Control.requirements.through.objects.filter(
                control__organization=ctx.organization,
                requirementnode__framework__urn=ISO27001_2022,
                requirementnode__ref_id__startswith="A.",
            )
            .order_by("control_id", "requirementnode__order")
            .values_list("control_id", "requirementnode__ref_id")
        )
        for control_id, ref in rows:
            out.setdefault(control_id, ref)
        return out

    return ctx.memo("control_annex", load)


def _control_link(control_id: int) -> tuple[str, dict[str, Any]]:
    return ("controls:control_detail", {"pk": control_id})


@rule(
    "R-8.1-CONTROL-OWNER",
    "8.1",
    "major",
    gettext_lazy("Every control has an owner."),
)
def control_owner(ctx: Context) -> Iterator[Finding]:
    """A control without an owner is operated by nobody in particular; auditors ask who is
    responsible for each control they sample."""
    annex = _annex(ctx)
    for c in _controls(ctx):
        if c.owner_id is None:
            yield found(
                _("%(ref)s %(name)s has no owner.") % {"ref": c.ref, "name": c.name},
                obj("control", c),
                link=("controls:control_edit", {"pk": c.pk}),
                clause=annex.get(c.pk, ""),
            )


@rule(
    "R-8.1-CONTROL-REVIEWED",
    "8.1",
    "minor",
    gettext_lazy("Every implemented control was reviewed within its review interval."),
)
def control_reviewed(ctx: Context) -> Iterator[Finding]:
    """Controls are reviewed at planned intervals (8.1, 9.1); a control last reviewed (or,
    never reviewed, implemented) longer ago than its interval is overdue for review."""
    annex = _annex(ctx)
    for c in _controls(ctx):
        if c.status != "implemented":
            continue
        since = c.last_reviewed_on or c.implemented_on
        if since is None:
            continue
        due = since + dt.timedelta(days=round(c.review_interval_months * 30.44))
        if due < ctx.today:
            yield found(
                _("%(ref)s %(name)s was due for review on %(date)s.")
                % {"ref": c.ref, "name": c.name, "date": due},
                obj("control", c),
                link=("controls:control_edit", {"pk": c.pk}),
                clause=annex.get(c.pk, ""),
            )


@rule(
    "R-9.1-CONTROL-TEST-OVERDUE",
    "9.1",
    "major",
    gettext_lazy("No control test is overdue."),
)
def control_test_overdue(ctx: Context) -> Iterator[Finding]:
    """9.1: what is monitored and when is determined; a test run later than its frequency
    shows the monitoring is not performed as planned."""
    from openisms.controls.selectors import test_schedule

    annex = _annex(ctx)
    for t in test_schedule(organization=ctx.organization):
        if t.overdue(ctx.today):
            yield found(
                _("%(ref)s: the test “%(name)s” was due on %(date)s.")
                % {"ref": t.control_ref, "name": t.name, "date": t.next_due},
                obj("control_test", ref=t.control_ref, pk=t.id),
                link=_control_link(t.control_id),
                clause=annex.get(t.control_id, ""),
            )


@rule(
    "R-10.2-FAILED-TEST-NONCONFORMITY",
    "10.2",
    "major",
    gettext_lazy("Every control test whose latest run failed has a nonconformity raised."),
)
def failed_test_nc(ctx: Context) -> Iterator[Finding]:
    """10.2: a nonconformity found (here, a failed control test) is reacted to and recorded."""
    from openisms.controls.models import ControlTest, ControlTestRun
    from openisms.improvement.models import Nonconformity

    latest = ControlTestRun.objects.filter(test=OuterRef("test")).order_by("-performed_on", "-pk")
    runs = (
        ControlTestRun.objects.filter(
            test__in=scoped(ControlTest, ctx.organization), result="fail", nonconformity_ref=""
        )
        .filter(pk=latest.values("pk")[:1])
        .filter(~Exists(Nonconformity.objects.filter(test_run=OuterRef("pk"))))
        .select_related("test", "test__control")
        .order_by("performed_on", "pk")
    )
    annex = _annex(ctx)
    for run in runs:
        control = run.test.control
        yield found(
            _("%(ref)s: the test “%(name)s” failed on %(date)s and no nonconformity was raised.")
            % {"ref": control.ref, "name": run.test.name, "date": run.performed_on},
            obj("control_test_run", ref=control.ref, pk=run.pk),
            link=_control_link(control.pk),
            clause=annex.get(control.pk, ""),
        )


@rule(
    "R-9.1-EVIDENCE-STALE",
    "9.1",
    "minor",
    gettext_lazy("No evidence linked to a control is stale."),
)
def evidence_stale(ctx: Context) -> Iterator[Finding]:
    """Evidence past its validity no longer shows that a control works; it is refreshed or
    replaced before an auditor samples it."""
    from openisms.controls.choices import Freshness
    from openisms.controls.health import freshness_q
    from openisms.controls.models import Evidence

    rows = (
        scoped(Evidence, ctx.organization)
        .filter(freshness_q(Freshness.STALE, ctx.today))
        .annotate(n=Count("controls"))
        .filter(n__gt=0)
        .order_by("valid_until", "ref")
    )
    for e in rows:
        yield found(
            _("%(ref)s “%(title)s” is stale since %(date)s.")
            % {"ref": e.ref, "title": e.title, "date": e.valid_until},
            obj("evidence", e),
            link=("evidence:evidence_detail", {"pk": e.pk}),
        )


@rule(
    "R-A.5.9-ASSET-INVENTORY",
    "A.5.9",
    "major",
    gettext_lazy("An inventory of information and other associated assets exists."),
)
def asset_inventory(ctx: Context) -> Iterator[Finding]:
    """A.5.9: an inventory of information and other associated assets is developed and
    maintained."""
    from openisms.assets.models import Asset

    if not scoped(Asset, ctx.organization).exists():
        yield found(_("The asset inventory is empty."), link="assets:asset_create")


@rule(
    "R-A.5.9-ASSET-OWNER",
    "A.5.9",
    "major",
    gettext_lazy("Every asset in the inventory has an owner."),
)
def asset_owner(ctx: Context) -> Iterator[Finding]:
    """A.5.9: the inventory includes owners."""
    from openisms.assets.models import Asset

    for a in scoped(Asset, ctx.organization).filter(owner__isnull=True).order_by("ref"):
        yield found(
            _("%(ref)s %(name)s has no owner.") % {"ref": a.ref, "name": a.name},
            obj("asset", a),
            link=("assets:asset_edit", {"pk": a.pk}),
        )


@rule(
    "R-A.5.12-ASSET-CLASSIFIED",
    "A.5.12",
    "minor",
    gettext_lazy("Every asset is classified."),
)
def asset_classified(ctx: Context) -> Iterator[Finding]:
    """A.5.12: information is classified according to the organisation's needs."""
    from openisms.assets.models import Asset

    for a in scoped(Asset, ctx.organization).filter(classification__isnull=True).order_by("ref"):
        yield found(
            _("%(ref)s %(name)s has no classification.") % {"ref": a.ref, "name": a.name},
            obj("asset", a),
            link=("assets:asset_edit", {"pk": a.pk}),
        )


def _incidents(ctx: Context) -> list[Any]:
    from openisms.incidents.models import Incident

    return ctx.memo(
        "incidents",
        lambda: list(
            scoped(Incident, ctx.organization)
            .annotate(links=Count("nonconformities", distinct=True) + Count("risks", distinct=True))
            .order_by("detected_at", "pk")
        ),
    )


def _incident_link(i: Any) -> tuple[str, dict[str, Any]]:
    return ("incidents:incident_detail", {"pk": i.pk})


@rule(
    "R-A.5.24-INCIDENT-OWNER",
    "A.5.24",
    "minor",
    gettext_lazy("Every open incident has an owner."),
)
def incident_owner(ctx: Context) -> Iterator[Finding]:
    """A.5.24: incident management responsibilities are defined; an open incident nobody owns
    is not being managed."""
    for i in _incidents(ctx):
        if i.status != "closed" and i.owner_id is None:
            yield found(
                _("%(ref)s “%(title)s” has no owner.") % {"ref": i.ref, "title": i.title},
                obj("incident", i),
                link=("incidents:incident_edit", {"pk": i.pk}),
            )


@rule(
    "R-A.5.26-BREACH-NOTIFIED",
    "A.5.26",
    "major",
    gettext_lazy("No personal data breach is past its 72-hour notification deadline."),
)
def breach_notified(ctx: Context) -> Iterator[Finding]:
    """A.5.26, A.5.34 (and GDPR art. 33): a personal data breach is notified to the
    supervisory authority within 72 hours of detection."""
    from openisms.incidents.models import Incident
    from openisms.incidents.selectors import notification_overdue_q

    for i in scoped(Incident, ctx.organization).filter(notification_overdue_q()).order_by("ref"):
        yield found(
            _("%(ref)s “%(title)s”: the supervisory authority was not notified within 72 hours.")
            % {"ref": i.ref, "title": i.title},
            obj("incident", i),
            link=_incident_link(i),
        )


@rule(
    "R-A.5.27-INCIDENT-LESSONS",
    "A.5.27",
    "minor",
    gettext_lazy("Every resolved or closed incident records its lessons learned."),
)
def incident_lessons(ctx: Context) -> Iterator[Finding]:
    """A.5.27: knowledge gained from incidents is used to strengthen the controls."""
    for i in _incidents(ctx):
        if i.status in ("resolved", "closed") and not i.lessons_learned.strip():
            yield found(
                _("%(ref)s “%(title)s” has no lessons learned.") % {"ref": i.ref, "title": i.title},
                obj("incident", i),
                link=("incidents:incident_edit", {"pk": i.pk}),
            )


@rule(
    "R-A.5.27-INCIDENT-FOLLOW-UP",
    "A.5.27",
    "minor",
    gettext_lazy(
        "Every high or critical incident resolved is linked to a nonconformity or a risk."
    ),
)
def incident_follow_up(ctx: Context) -> Iterator[Finding]:
    """A serious incident shows a control failed or a risk was misjudged: it leads to a
    nonconformity (10.2) or to a risk reassessed (8.2)."""
    for i in _incidents(ctx):
        if (
            i.severity in ("high", "critical")
            and i.status in ("resolved", "closed")
            and not i.links
        ):
            yield found(
                _("%(ref)s “%(title)s” (%(severity)s) is linked to no nonconformity or risk.")
                % {"ref": i.ref, "title": i.title, "severity": i.severity},
                obj("incident", i),
                link=_incident_link(i),
            )
