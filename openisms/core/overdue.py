"""The dashboard's "Overdue and due soon" panel (ISO/IEC 27001 10.2 corrective action, 6.1.3
risk treatment, 7.5.2 review of documented information, 9.1 monitoring).

One section per area the user's role may see, each with its counts, the first few overdue
records and links to the area's list filtered the same way:

    corrective actions      open, due date passed             → improvement actions ?overdue=on
    risk treatment actions  open or in progress, due passed   → risk register ?overdue=on
    document reviews        approved, next review passed      → document register ?overdue=on
    evidence                valid until passed (stale)        → evidence ?freshness=stale
    control tests           last run + frequency passed       → controls ?tests_overdue=on

"Due soon": within ``DUE_SOON_DAYS`` (evidence: the evidence module's expiring window, so that
the count matches its ``?freshness=expiring`` list). Each section costs one or two queries
whatever the number of records.

``core`` does not import the domain apps at module level: each section imports its app's
selectors (which own the overdue rules) when it runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from openisms.core.gate import scoped

DUE_SOON_DAYS = 14
ROWS = 5  # overdue records shown per section
OVERDUE = _("overdue")
DUE_SOON = _("due soon")


@dataclass(frozen=True)
class OverdueItem:
    ref: str
    title: str
    due: dt.date | None
    url: str
    context: str = ""  # what it belongs to, e.g. "NC-004"


@dataclass
class OverdueSection:
    key: str
    label: str | Promise
    overdue: int
    due_soon: int
    overdue_url: str
    due_soon_url: str
    items: list[OverdueItem] = field(default_factory=list)
    overdue_label: str | Promise = OVERDUE
    due_soon_label: str | Promise = DUE_SOON


def _url(name: str, org: Any, query: str = "", **kwargs: Any) -> str:
    url = reverse(name, kwargs={"org_slug": org.slug, **kwargs})
    return f"{url}?{query}" if query else url


def _corrective_actions(org: Any, today: dt.date, soon: dt.date) -> OverdueSection:
    from openisms.improvement.choices import OPEN_ACTIONS
    from openisms.improvement.models import CorrectiveAction
    from openisms.improvement.selectors import overdue_q

    qs = scoped(CorrectiveAction, org)
    late = overdue_q(today=today)
    counts = qs.aggregate(
        overdue=Count("pk", filter=late),
        soon=Count(
            "pk", filter=Q(status__in=OPEN_ACTIONS, due_date__gte=today, due_date__lte=soon)
        ),
    )
    rows = qs.filter(late).select_related("nonconformity").order_by("due_date", "pk")[:ROWS]
    return OverdueSection(
        key="corrective_actions",
        label=_("Corrective actions"),
        overdue=counts["overdue"],
        due_soon=counts["soon"],
        overdue_url=_url("improvement:action_list", org, "overdue=on"),
        due_soon_url=_url("improvement:action_list", org),  # overdue first, then by due date
        items=[
            OverdueItem(
                a.ref,
                a.title,
                a.due_date,
                _url("improvement:nc_detail", org, pk=a.nonconformity_id) + "#actions",
                a.nonconformity.ref,
            )
            for a in rows
        ],
    )


def _treatment_actions(org: Any, today: dt.date, soon: dt.date) -> OverdueSection:
    from openisms.risks.choices import ActionStatus
    from openisms.risks.models import TreatmentAction

    qs = scoped(TreatmentAction, org)
    is_open = Q(status__in=(ActionStatus.OPEN, ActionStatus.IN_PROGRESS))
    late = is_open & Q(due_date__lt=today)
    counts = qs.aggregate(
        overdue=Count("pk", filter=late),
        soon=Count("pk", filter=is_open & Q(due_date__gte=today, due_date__lte=soon)),
    )
    rows = qs.filter(late).select_related("risk").order_by("due_date", "pk")[:ROWS]
    return OverdueSection(
        key="treatment_actions",
        label=_("Risk treatment actions"),
        overdue=counts["overdue"],
        due_soon=counts["soon"],
        overdue_url=_url("risks:risk_list", org, "overdue=on"),
        due_soon_url=_url("risks:treatment_plan", org),
        items=[
            OverdueItem(
                a.risk.ref,
                a.title,
                a.due_date,
                _url("risks:risk_detail", org, pk=a.risk_id) + f"#action-{a.pk}",
                a.risk.title,
            )
            for a in rows
        ],
    )


def _document_reviews(org: Any, today: dt.date, soon: dt.date) -> OverdueSection:
    from openisms.documents.choices import DocumentStatus
    from openisms.documents.models import Document
    from openisms.documents.selectors import overdue_q

    qs = scoped(Document, org)
    late = overdue_q(today)
    counts = qs.aggregate(
        overdue=Count("pk", filter=late),
        soon=Count(
            "pk",
            filter=Q(status=DocumentStatus.APPROVED, next_review__gte=today, next_review__lte=soon),
        ),
    )
    rows = qs.filter(late).order_by("next_review", "ref")[:ROWS]
    return OverdueSection(
        key="document_reviews",
        label=_("Document reviews"),
        overdue=counts["overdue"],
        due_soon=counts["soon"],
        overdue_url=_url("documents:document_list", org, "overdue=on"),
        due_soon_url=_url("documents:document_list", org, "status=approved&sort=next_review"),
        items=[
            OverdueItem(
                d.ref, d.title, d.next_review, _url("documents:document_detail", org, pk=d.pk)
            )
            for d in rows
        ],
    )


def _evidence(org: Any, today: dt.date, soon: dt.date) -> OverdueSection:
    from openisms.controls.choices import Freshness
    from openisms.controls.health import evidence_freshness_counts, freshness_q
    from openisms.controls.models import Evidence

    qs = scoped(Evidence, org)
    counts = evidence_freshness_counts(qs, today)
    rows = qs.filter(freshness_q(Freshness.STALE, today)).order_by("valid_until", "ref")[:ROWS]
    return OverdueSection(
        key="evidence",
        label=_("Evidence"),
        overdue=counts[Freshness.STALE.value],
        due_soon=counts[Freshness.EXPIRING.value],
        overdue_url=_url("evidence:evidence_list", org, "freshness=stale"),
        due_soon_url=_url("evidence:evidence_list", org, "freshness=expiring"),
        overdue_label=_("stale"),
        due_soon_label=_("expiring"),
        items=[
            OverdueItem(
                e.ref, e.title, e.valid_until, _url("evidence:evidence_detail", org, pk=e.pk)
            )
            for e in rows
        ],
    )


def _control_tests(org: Any, today: dt.date, soon: dt.date) -> OverdueSection:
    from openisms.controls.selectors import test_schedule

    tests = test_schedule(organization=org)
    late = [t for t in tests if t.overdue(today)]
    return OverdueSection(
        key="control_tests",
        label=_("Control tests"),
        overdue=len(late),
        due_soon=sum(1 for t in tests if not t.overdue(today) and t.due_by(soon)),
        overdue_url=_url("controls:control_list", org, "tests_overdue=on"),
        due_soon_url=_url("controls:control_list", org),
        items=[
            OverdueItem(
                t.control_ref,
                t.name,
                t.next_due,
                _url("controls:control_detail", org, pk=t.control_id) + f"#test-{t.id}",
                t.control_name,
            )
            for t in late[:ROWS]
        ],
    )


Builder = Callable[[Any, dt.date, dt.date], OverdueSection]

# (permission needed to see the section, builder), in the order shown.
SECTIONS: tuple[tuple[str, Builder], ...] = (
    ("improvement.view_improvement", _corrective_actions),
    ("risks.view_risk", _treatment_actions),
    ("documents.view_document", _document_reviews),
    ("controls.view_control", _evidence),
    ("controls.view_control", _control_tests),
)


def overdue_panel(
    *, organization: Any, user: Any, today: dt.date | None = None
) -> list[OverdueSection]:
    """The sections the user's role may see, each built with one or two queries."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    return [
        build(organization, today, soon)
        for perm, build in SECTIONS
        if user.has_perm(perm, organization)
    ]
