"""Clause 10 (improvement): nonconformities and corrective action (10.2) and the improvement
log (10.1). Overdue corrective actions are those of ``openisms.improvement.selectors.overdue_q``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openisms.core.gate import scoped
from openisms.readiness.engine import Context, Finding, found, obj, rule

ANALYSE_WITHIN = dt.timedelta(days=30)


@rule(
    "R-10.2-CORRECTIVE-ACTION-OVERDUE",
    "10.2",
    "major",
    gettext_lazy("No corrective action is overdue."),
)
def corrective_action_overdue(ctx: Context) -> Iterator[Finding]:
    """10.2 c): the actions needed are implemented; overdue ones are a sign of a corrective
    action process that does not work."""
    from openisms.improvement.models import CorrectiveAction
    from openisms.improvement.selectors import overdue_q

    rows = (
        scoped(CorrectiveAction, ctx.organization)
        .filter(overdue_q(today=ctx.today))
        .select_related("nonconformity")
        .order_by("due_date", "pk")
    )
    for a in rows:
        yield found(
            _("%(ref)s “%(title)s” (%(nc)s) was due on %(date)s.")
            % {"ref": a.ref, "title": a.title, "nc": a.nonconformity.ref, "date": a.due_date},
            obj("corrective_action", a),
            obj("nonconformity", a.nonconformity),
            link=("improvement:nc_detail", {"pk": a.nonconformity_id}),
        )


@rule(
    "R-10.2-NC-ANALYSED",
    "10.2",
    "minor",
    gettext_lazy("Every nonconformity is analysed (root cause) within 30 days of detection."),
)
def nc_analysed(ctx: Context) -> Iterator[Finding]:
    """10.2 b): the causes of the nonconformity are determined; one left open without a root
    cause for a month is not being dealt with."""
    from openisms.improvement.models import Nonconformity

    rows = scoped(Nonconformity, ctx.organization).filter(
        status="open", detected_on__lt=ctx.today - ANALYSE_WITHIN
    )
    for nc in rows.order_by("detected_on", "ref"):
        yield found(
            _("%(ref)s “%(title)s”, detected on %(date)s, has no root cause yet.")
            % {"ref": nc.ref, "title": nc.title, "date": nc.detected_on},
            obj("nonconformity", nc),
            link=("improvement:nc_edit", {"pk": nc.pk}),
        )


@rule(
    "R-10.2-NC-OWNER",
    "10.2",
    "minor",
    gettext_lazy("Every open nonconformity has an owner."),
)
def nc_owner(ctx: Context) -> Iterator[Finding]:
    """Someone must be responsible for taking the nonconformity to closure."""
    from openisms.improvement.models import Nonconformity

    rows = (
        scoped(Nonconformity, ctx.organization).exclude(status="closed").filter(owner__isnull=True)
    )
    for nc in rows.order_by("ref"):
        yield found(
            _("%(ref)s “%(title)s” has no owner.") % {"ref": nc.ref, "title": nc.title},
            obj("nonconformity", nc),
            link=("improvement:nc_edit", {"pk": nc.pk}),
        )


@rule(
    "R-10.2-NC-VERIFIED-BEFORE-CLOSURE",
    "10.2",
    "major",
    gettext_lazy("Every closed nonconformity's latest verification found the actions effective."),
)
def nc_verified(ctx: Context) -> Iterator[Finding]:
    """10.2 d): the effectiveness of corrective action is reviewed before closing; a closure
    without an effective verification (e.g. imported records) is unsupported."""
    from openisms.improvement.models import EffectivenessVerification, Nonconformity

    latest = EffectivenessVerification.objects.filter(nonconformity=OuterRef("pk")).order_by(
        "-verified_on", "-pk"
    )
    rows = (
        scoped(Nonconformity, ctx.organization)
        .filter(status="closed")
        .annotate(last=Subquery(latest.values("result")[:1]))
        .order_by("ref")
    )
    for nc in rows:
        if nc.last != "effective":
            yield found(
                _("%(ref)s is closed without an effective verification.") % {"ref": nc.ref},
                obj("nonconformity", nc),
                link=("improvement:nc_detail", {"pk": nc.pk}),
            )


@rule(
    "R-10.1-IMPROVEMENT-LOG",
    "10.1",
    "minor",
    gettext_lazy("The improvement log was used in the last 12 months."),
)
def improvement_log(ctx: Context) -> Iterator[Finding]:
    """10.1: the organisation continually improves the ISMS; auditors ask for examples."""
    from openisms.improvement.models import ImprovementOpportunity

    since = ctx.months_ago(12)
    if (
        not scoped(ImprovementOpportunity, ctx.organization)
        .filter(created_at__date__gte=since)
        .exists()
    ):
        yield found(
            _("No improvement opportunity was recorded since %(date)s.") % {"date": since},
            link="improvement:opportunity_create",
        )
