"""Clause 7 (support): competence (7.2), awareness (7.3), communication (7.4) and documented
information (7.5). Competence gaps are those of ``openisms.people.selectors.competence_gaps``;
overdue reviews those of ``openisms.documents.selectors.overdue_q``."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openisms.core.gate import scoped
from openisms.readiness.engine import Context, Finding, found, obj, rule


@rule(
    "R-7.2-COMPETENCE-RECORDS",
    "7.2",
    "major",
    gettext_lazy(
        "Every holder of an ISMS role has a valid training record for each competence the role requires."
    ),
)
def competence_records(ctx: Context) -> Iterator[Finding]:
    """7.2 c), d): people doing work under the ISMS are competent, and documented information
    is retained as evidence of competence."""
    from openisms.people.selectors import competence_gaps

    for gap in competence_gaps(organization=ctx.organization, day=ctx.today):
        who = gap.person.get_full_name() or gap.person.email
        detail = (
            _("expired on %(date)s") % {"date": gap.last_valid_until}
            if gap.last_valid_until
            else _("no record")
        )
        yield found(
            _("%(who)s (%(role)s) has no valid record for “%(competence)s” (%(detail)s).")
            % {
                "who": who,
                "role": gap.role.name,
                "competence": gap.competence.name,
                "detail": detail,
            },
            obj("isms_role", gap.role, ref=gap.role.name),
            obj("competence", gap.competence, ref=gap.competence.name),
            link="people:competence_gaps",
        )


@rule(
    "R-7.2-ROLE-COMPETENCES",
    "7.2",
    "minor",
    gettext_lazy("Every ISMS role names the competences it requires."),
)
def role_competences(ctx: Context) -> Iterator[Finding]:
    """7.2 a): the necessary competence of persons doing work under the ISMS is determined."""
    from openisms.people.models import IsmsRole

    rows = scoped(IsmsRole, ctx.organization).annotate(n=Count("competences")).filter(n=0)
    for role in rows.order_by("name"):
        yield found(
            _("The ISMS role “%(name)s” requires no competence.") % {"name": role.name},
            obj("isms_role", role, ref=role.name),
            link=("people:role_detail", {"pk": role.pk}),
        )


@rule(
    "R-7.3-AWARENESS-CAMPAIGN",
    "7.3",
    "major",
    gettext_lazy("An awareness campaign took place in the last 12 months."),
)
def awareness_campaign(ctx: Context) -> Iterator[Finding]:
    """7.3 and A.6.3: people are made aware of the policy and their contribution; auditors
    look for a recent campaign and its completion."""
    from openisms.people.models import AwarenessCampaign

    since = ctx.months_ago(12)
    recent = scoped(AwarenessCampaign, ctx.organization).filter(
        starts_on__gte=since, starts_on__lte=ctx.today
    )
    if not recent.exists():
        yield found(
            _("No awareness campaign started since %(date)s.") % {"date": since},
            link="people:campaign_list",
            clause="A.6.3",
        )


@rule(
    "R-7.4-COMMUNICATION-PLAN",
    "7.4",
    "minor",
    gettext_lazy("A communication plan (what, when, with whom, who, how) exists."),
)
def communication_plan(ctx: Context) -> Iterator[Finding]:
    """7.4: the organisation determines the need for internal and external communications."""
    from openisms.people.models import CommunicationItem

    if not scoped(CommunicationItem, ctx.organization).exists():
        yield found(_("The communication plan is empty."), link="people:communication_list")


@rule(
    "R-7.5-DOCUMENT-REVIEW-OVERDUE",
    "7.5",
    "minor",
    gettext_lazy("No approved document is past its review date."),
)
def document_review_overdue(ctx: Context) -> Iterator[Finding]:
    """7.5.2, 7.5.3: documented information is reviewed and kept suitable."""
    from openisms.documents.models import Document
    from openisms.documents.selectors import overdue_q

    rows = scoped(Document, ctx.organization).filter(overdue_q(ctx.today)).order_by("next_review")
    for d in rows:
        yield found(
            _("%(ref)s “%(title)s” was due for review on %(date)s.")
            % {"ref": d.ref, "title": d.title, "date": d.next_review},
            obj("document", d),
            link=("documents:document_detail", {"pk": d.pk}),
        )


@rule(
    "R-7.5-DOCUMENT-OWNER",
    "7.5",
    "minor",
    gettext_lazy("Every document in force has an owner."),
)
def document_owner(ctx: Context) -> Iterator[Finding]:
    """7.5.3: documented information is controlled; a document nobody owns is not maintained."""
    from openisms.documents.models import Document

    rows = scoped(Document, ctx.organization).filter(status="approved", owner__isnull=True)
    for d in rows.order_by("ref"):
        yield found(
            _("%(ref)s “%(title)s” has no owner.") % {"ref": d.ref, "title": d.title},
            obj("document", d),
            link=("documents:document_edit", {"pk": d.pk}),
        )


@rule(
    "R-7.5-DOCUMENT-NOT-APPROVED",
    "7.5",
    "info",
    gettext_lazy("Documents in the register that were never approved."),
)
def document_not_approved(ctx: Context) -> Iterator[Finding]:
    """7.5.2: documented information is reviewed and approved; drafts are fine while they are
    being written, but an auditor reads only approved versions."""
    from openisms.documents.models import Document

    rows = scoped(Document, ctx.organization).filter(status__in=("draft", "in_review"))
    for d in rows.order_by("ref"):
        yield found(
            _("%(ref)s “%(title)s” has no approved version yet.")
            % {"ref": d.ref, "title": d.title},
            obj("document", d),
            link=("documents:document_detail", {"pk": d.pk}),
        )
