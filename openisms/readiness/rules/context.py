"""Clause 4 (context of the organisation) and Annex A 5.31 (legal, statutory, regulatory and
contractual requirements): the context issues, the interested parties and their requirements,
the obligations and the approved scope."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openisms.core.gate import scoped
from openisms.readiness.engine import Context, Finding, found, obj, rule


@rule(
    "R-4.1-CONTEXT-ISSUES-RECORDED",
    "4.1",
    "major",
    gettext_lazy("Internal and external context issues are recorded."),
)
def context_issues_recorded(ctx: Context) -> Iterator[Finding]:
    """4.1 asks the organisation to determine the external and internal issues relevant to its
    purpose that affect the outcomes of the ISMS; an auditor expects both sides recorded."""
    from openisms.governance.models import ContextIssue

    sides = set(scoped(ContextIssue, ctx.organization).values_list("side", flat=True).distinct())
    missing = [s for s in ("internal", "external") if s not in sides]
    if missing:
        yield found(
            _("No %(sides)s context issue is recorded.") % {"sides": _(" or ").join(missing)},
            link="governance:issue_create",
        )


@rule(
    "R-4.1-CONTEXT-ISSUES-REVIEWED",
    "4.1",
    "minor",
    gettext_lazy("No context issue is past its review date."),
)
def context_issues_reviewed(ctx: Context) -> Iterator[Finding]:
    """Context changes: issues carry a next review date, and one left past it shows the context
    is not kept up to date."""
    from openisms.governance.models import ContextIssue

    for issue in scoped(ContextIssue, ctx.organization).filter(review_date__lt=ctx.today):
        yield found(
            _("%(ref)s “%(title)s” was due for review on %(date)s.")
            % {"ref": issue.ref, "title": issue.title, "date": issue.review_date},
            obj("context_issue", issue),
            link=("governance:issue_edit", {"pk": issue.pk}),
        )


@rule(
    "R-4.2-PARTIES-RECORDED",
    "4.2",
    "major",
    gettext_lazy("Interested parties relevant to the ISMS are recorded."),
)
def parties_recorded(ctx: Context) -> Iterator[Finding]:
    """4.2 a): the interested parties relevant to the ISMS must be determined."""
    from openisms.governance.models import InterestedParty

    if not scoped(InterestedParty, ctx.organization).exists():
        yield found(_("No interested party is recorded."), link="governance:party_create")


@rule(
    "R-4.2-PARTY-REQUIREMENTS",
    "4.2",
    "minor",
    gettext_lazy("Every interested party has its needs and expectations or obligations."),
)
def party_requirements(ctx: Context) -> Iterator[Finding]:
    """4.2 b): the relevant requirements of each interested party must be determined; a party
    with neither expectations nor obligations says nothing about what the ISMS must address."""
    from openisms.governance.models import InterestedParty

    parties = (
        scoped(InterestedParty, ctx.organization)
        .annotate(n=Count("obligations"))
        .filter(n=0, expectations="")
        .order_by("ref")
    )
    for party in parties:
        yield found(
            _("%(ref)s %(name)s has no needs, expectations or obligations recorded.")
            % {"ref": party.ref, "name": party.name},
            obj("interested_party", party),
            link=("governance:party_edit", {"pk": party.pk}),
        )


@rule(
    "R-4.2-OBLIGATIONS-ADDRESSED",
    "4.2",
    "major",
    gettext_lazy("Every obligation the ISMS addresses is linked to a control or requirement."),
)
def obligations_addressed(ctx: Context) -> Iterator[Finding]:
    """4.2 c) and A.5.31: an obligation marked as addressed by the ISMS must show how — through
    a control or the requirement (e.g. an Annex A control) it drives."""
    from openisms.governance.models import Obligation

    rows = (
        scoped(Obligation, ctx.organization)
        .filter(addressed_by_isms=True)
        .annotate(c=Count("controls", distinct=True), r=Count("requirements", distinct=True))
        .filter(c=0, r=0)
        .order_by("ref")
    )
    for ob in rows:
        yield found(
            _(
                "%(ref)s “%(title)s” is addressed by the ISMS but no control or requirement is linked."
            )
            % {"ref": ob.ref, "title": ob.title},
            obj("obligation", ob),
            link=("governance:obligation_edit", {"pk": ob.pk}),
            clause="A.5.31",
        )


@rule(
    "R-A.5.31-OBLIGATIONS-REVIEWED",
    "A.5.31",
    "minor",
    gettext_lazy("No legal, regulatory or contractual obligation is past its review date."),
)
def obligations_reviewed(ctx: Context) -> Iterator[Finding]:
    """A.5.31: requirements are identified, documented *and kept up to date*."""
    from openisms.governance.models import Obligation

    for ob in scoped(Obligation, ctx.organization).filter(review_date__lt=ctx.today):
        yield found(
            _("%(ref)s “%(title)s” was due for review on %(date)s.")
            % {"ref": ob.ref, "title": ob.title, "date": ob.review_date},
            obj("obligation", ob),
            link=("governance:obligation_edit", {"pk": ob.pk}),
        )


@rule(
    "R-A.5.31-LEGAL-REQUIREMENTS-IDENTIFIED",
    "A.5.31",
    "major",
    gettext_lazy("Legal or regulatory requirements are identified."),
)
def legal_identified(ctx: Context) -> Iterator[Finding]:
    """Every organisation is subject to some law (data protection at least); an empty list of
    legal and regulatory obligations is a finding against A.5.31."""
    from openisms.governance.models import Obligation

    if not scoped(Obligation, ctx.organization).filter(kind__in=("legal", "regulatory")).exists():
        yield found(
            _("No legal or regulatory obligation is recorded."),
            link="governance:obligation_create",
        )


@rule(
    "R-4.3-SCOPE-APPROVED",
    "4.3",
    "blocker",
    gettext_lazy("The ISMS scope is written and approved."),
)
def scope_approved(ctx: Context) -> Iterator[Finding]:
    """4.3: the scope shall be available as documented information; without an approved scope
    there is nothing to certify."""
    from openisms.governance.models import ScopeVersion

    if not scoped(ScopeVersion, ctx.organization).exists():
        yield found(_("The ISMS scope has never been approved."), link="governance:scope")


@rule(
    "R-4.3-SCOPE-CURRENT",
    "4.3",
    "minor",
    gettext_lazy("The scope in force is the latest draft (no unapproved change)."),
)
def scope_current(ctx: Context) -> Iterator[Finding]:
    """A draft changed since the last approval means the scope an auditor reads is not the one
    the organisation works to."""
    from openisms.governance import services
    from openisms.governance.models import ScopeStatement

    scope = scoped(ScopeStatement, ctx.organization).first()
    if scope is None:
        return
    latest = scope.versions.order_by("-number").first()
    if latest is None:
        return
    if services.content_hash(services.scope_content(scope)) != latest.content_hash:
        yield found(
            _("The scope draft has changed since version %(n)d was approved.")
            % {"n": latest.number},
            link="governance:scope",
        )
