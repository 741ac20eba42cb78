"""Clause 5 (leadership): the information security policy, ISMS roles, responsibilities and
authorities, and accountability for the ISMS processes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openisms.core.gate import scoped
from openisms.readiness.engine import Context, Finding, found, obj, rule


def _policies(ctx: Context) -> list:
    from openisms.documents.models import Document

    return ctx.memo(
        "policies",
        lambda: list(
            scoped(Document, ctx.organization)
            .filter(type="policy")
            .exclude(status="retired")
            .select_related("current_version")
            .order_by("ref")
        ),
    )


@rule(
    "R-5.2-POLICY-APPROVED",
    "5.2",
    "blocker",
    gettext_lazy("An information security policy (a document of type policy) is approved."),
)
def policy_approved(ctx: Context) -> Iterator[Finding]:
    """5.2: top management shall establish an information security policy, available as
    documented information; without an approved one the ISMS has no mandate."""
    if not any(d.current_version_id for d in _policies(ctx)):
        drafts = [d for d in _policies(ctx) if not d.current_version_id]
        if drafts:
            d = drafts[0]
            yield found(
                _("No policy is approved; %(ref)s “%(title)s” is still a draft.")
                % {"ref": d.ref, "title": d.title},
                *[obj("document", x) for x in drafts],
                link=("documents:document_detail", {"pk": d.pk}),
            )
        else:
            yield found(
                _("No document of type policy is in the register."),
                link="documents:document_create",
            )


@rule(
    "R-5.2-POLICY-REVIEWED",
    "5.2",
    "major",
    gettext_lazy("Every approved policy was reviewed within its review interval."),
)
def policy_reviewed(ctx: Context) -> Iterator[Finding]:
    """Policies are reviewed at planned intervals (A.5.1); one past its next review date, or
    approved longer ago than its review interval, is out of date."""
    for d in _policies(ctx):
        v = d.current_version
        if v is None:
            continue
        due = d.next_review
        if due is None and v.approved_at is not None:
            approved = timezone.localtime(v.approved_at).date()
            due = approved + dt.timedelta(days=round(d.review_interval_months * 30.44))
        if due is not None and due < ctx.today:
            yield found(
                _("%(ref)s “%(title)s” (v%(v)s) was due for review on %(date)s.")
                % {"ref": d.ref, "title": d.title, "v": v.number, "date": due},
                obj("document", d),
                link=("documents:document_detail", {"pk": d.pk}),
                clause="A.5.1",
            )


@rule(
    "R-5.3-ISMS-ROLES-ASSIGNED",
    "5.3",
    "major",
    gettext_lazy("ISMS roles are defined and each is held by someone."),
)
def roles_assigned(ctx: Context) -> Iterator[Finding]:
    """5.3: top management assigns the responsibility and authority for the ISMS roles; a role
    nobody holds is an unassigned responsibility."""
    from openisms.people.models import IsmsRole

    roles = list(scoped(IsmsRole, ctx.organization).annotate(n=Count("holders")).order_by("name"))
    if not roles:
        yield found(_("No ISMS role is defined."), link="people:role_list")
    for role in roles:
        if role.n == 0:
            yield found(
                _("The ISMS role “%(name)s” is held by nobody.") % {"name": role.name},
                obj("isms_role", role, ref=role.name),
                link=("people:role_detail", {"pk": role.pk}),
            )


@rule(
    "R-5.3-ROLE-RESPONSIBILITIES",
    "5.3",
    "minor",
    gettext_lazy("Every ISMS role states its responsibilities and authorities."),
)
def role_responsibilities(ctx: Context) -> Iterator[Finding]:
    """5.3 asks that responsibilities and authorities be communicated: they must be written."""
    from openisms.people.models import IsmsRole

    for role in scoped(IsmsRole, ctx.organization).filter(responsibilities="").order_by("name"):
        yield found(
            _("The ISMS role “%(name)s” has no responsibilities written.") % {"name": role.name},
            obj("isms_role", role, ref=role.name),
            link=("people:role_detail", {"pk": role.pk}),
        )


@rule(
    "R-5.3-PROCESS-ACCOUNTABLE",
    "5.3",
    "minor",
    gettext_lazy("Every ISMS process has one accountable role (RACI)."),
)
def process_accountable(ctx: Context) -> Iterator[Finding]:
    """A process without an accountable role has nobody answerable for it (4.4, 5.3)."""
    from openisms.people.models import Process

    rows = (
        scoped(Process, ctx.organization)
        .annotate(a=Count("raci", filter=Q(raci__letter="A")))
        .filter(a=0)
        .order_by("name")
    )
    for process in rows:
        yield found(
            _("The process “%(name)s” has no accountable role.") % {"name": process.name},
            obj("process", process, ref=process.name),
            link="people:process_list",
        )
