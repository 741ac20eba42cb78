"""Every dated obligation of an organisation in one list (ISO/IEC 27001 6.2, 8.1, 9.1–9.3,
10.2: the "check" dates of the cycle).

``obligations(organization, start, end, user=None)`` gathers, with one or two queries per
source, the open obligations due between ``start`` and ``end`` plus every overdue one (due
before today, still open) up to ``end``. ``user`` keeps what that person owns or is
responsible for. Sources and their rules:

    document_review      approved documents, next review date          owner
    risk_review          risks not closed, next review (reassessment)  owner
    risk_acceptance      latest acceptance of accepted risks, expiry    risk owner
    treatment_action     open / in-progress actions, due date           owner
    evidence             valid until (expiry → refresh)                 owner
    control_test         last run + frequency (never run: due today)    test owner
    audit                planned/in-progress audits, planned start/end  lead auditor, team
    management_review    planned/prepared reviews, planned date         chair, attendees
    review_decision      open decisions, due date                       owner
    corrective_action    open corrective actions, due date              owner
    measurement          metrics: latest measurement + frequency        measured by
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.core.gate import scoped

KINDS: dict[str, Any] = {
    "document_review": _("Document review"),
    "risk_review": _("Risk review"),
    "risk_acceptance": _("Risk acceptance expiry"),
    "treatment_action": _("Risk treatment action"),
    "evidence": _("Evidence expiry"),
    "control_test": _("Control test"),
    "audit": _("Internal audit"),
    "management_review": _("Management review"),
    "review_decision": _("Management review decision"),
    "corrective_action": _("Corrective action"),
    "measurement": _("Metric measurement"),
}


@dataclass(frozen=True)
class Item:
    date: dt.date
    kind: str
    pk: int
    ref: str
    title: str
    owner_id: int | None
    url_name: str
    url_kwargs: tuple[tuple[str, Any], ...]
    overdue: bool
    fragment: str = ""

    @property
    def uid(self) -> str:
        """Stable per obligation (a moved date updates the same event)."""
        return f"{self.kind}-{self.pk}"

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])

    def url(self, organization: Any) -> str:
        path = reverse(
            self.url_name, kwargs={"org_slug": organization.slug, **dict(self.url_kwargs)}
        )
        return path + self.fragment


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date
    today: dt.date

    def q(self, field: str) -> Q:
        """In the window, or overdue (before today) up to its end."""
        return Q(**{f"{field}__gte": self.start, f"{field}__lte": self.end}) | Q(
            **{f"{field}__lt": self.today, f"{field}__lte": self.end}
        )

    def holds(self, day: dt.date | None) -> bool:
        return day is not None and day <= self.end and (day >= self.start or day < self.today)


def _item(w: Window, day: Any, kind: str, record: int, ref: str, title: str, owner: Any,
          url: str, fragment: str = "", /, **kwargs: Any) -> Item:  # fmt: skip
    """An obligation; ``kwargs`` are the URL's (besides the organisation)."""
    return Item(
        day, kind, record, ref, title, owner, url, tuple(kwargs.items()), day < w.today, fragment
    )


def _documents(org: Any, w: Window, user: Any) -> Iterable[Item]:
    from openisms.documents.choices import DocumentStatus
    from openisms.documents.models import Document

    qs = scoped(Document, org).filter(w.q("next_review"), status=DocumentStatus.APPROVED)
    if user is not None:
        qs = qs.filter(owner=user)
    for pk, ref, title, day, owner in qs.values_list(
        "pk", "ref", "title", "next_review", "owner_id"
    ):
        yield _item(
            w, day, "document_review", pk, ref, title, owner, "documents:document_detail", pk=pk
        )


def _risks(org: Any, w: Window, user: Any) -> Iterable[Item]:
    from openisms.risks.choices import RiskStatus
    from openisms.risks.models import Risk, RiskAcceptance

    risks = scoped(Risk, org).filter(w.q("next_review")).exclude(status=RiskStatus.CLOSED)
    if user is not None:
        risks = risks.filter(owner=user)
    for pk, ref, title, day, owner in risks.values_list(
        "pk", "ref", "title", "next_review", "owner_id"
    ):
        yield _item(w, day, "risk_review", pk, ref, title, owner, "risks:risk_detail", pk=pk)
    acceptances = scoped(RiskAcceptance, org).filter(risk__status=RiskStatus.ACCEPTED)
    if user is not None:
        acceptances = acceptances.filter(risk__owner=user)
    seen: set[int] = set()
    rows = acceptances.order_by("risk_id", "-accepted_at", "-pk").values_list(
        "pk", "risk_id", "risk__ref", "risk__title", "valid_until", "risk__owner_id"
    )
    for pk, risk_id, ref, title, day, owner in rows:
        if risk_id in seen:
            continue  # superseded by a later acceptance
        seen.add(risk_id)
        if w.holds(day):
            yield _item(
                w, day, "risk_acceptance", pk, ref, title, owner, "risks:risk_detail", pk=risk_id
            )


def _treatment_actions(org: Any, w: Window, user: Any) -> Iterable[Item]:
    from openisms.risks.choices import ActionStatus
    from openisms.risks.models import TreatmentAction

    qs = scoped(TreatmentAction, org).filter(
        w.q("due_date"), status__in=(ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
    )
    if user is not None:
        qs = qs.filter(owner=user)
    rows = qs.values_list("pk", "risk_id", "risk__ref", "title", "due_date", "owner_id")
    for pk, risk_id, ref, title, day, owner in rows:
        yield _item(w, day, "treatment_action", pk, ref, title, owner, "risks:risk_detail",
                    f"#action-{pk}", pk=risk_id)  # fmt: skip


def _evidence(org: Any, w: Window, user: Any) -> Iterable[Item]:
    from openisms.controls.models import Evidence

    qs = scoped(Evidence, org).filter(w.q("valid_until"))
    if user is not None:
        qs = qs.filter(owner=user)
    for pk, ref, title, day, owner in qs.values_list(
        "pk", "ref", "title", "valid_until", "owner_id"
    ):
        yield _item(w, day, "evidence", pk, ref, title, owner, "evidence:evidence_detail", pk=pk)


def _control_tests(org: Any, w: Window, user: Any) -> Iterable[Item]:
    from openisms.controls.models import ControlTest

    qs = scoped(ControlTest, org)
    if user is not None:
        qs = qs.filter(owner=user)
    rows = (
        qs.values("pk", "name", "frequency_days", "control_id", "control__ref", "owner_id")
        .annotate(last_on=Max("runs__performed_on"))
        .order_by()
    )
    for r in rows:  # the due date is computed here (date arithmetic differs between databases)
        day = r["last_on"] + dt.timedelta(days=r["frequency_days"]) if r["last_on"] else w.today
        if w.holds(day):
            yield _item(w, day, "control_test", r["pk"], r["control__ref"], r["name"],
                        r["owner_id"], "controls:control_detail", f"#test-{r['pk']}",
                        pk=r["control_id"])  # fmt: skip


def _audits(org: Any, w: Window, user: Any) -> Iterable[Item]:
    from openisms.audits.choices import AuditStatus
    from openisms.audits.models import Audit

    planned = Q(status=AuditStatus.PLANNED) & w.q("planned_start")
    running = Q(status=AuditStatus.IN_PROGRESS) & w.q("planned_end")
    qs = scoped(Audit, org).filter(planned | running)
    if user is not None:
        qs = qs.filter(Q(lead_auditor=user) | Q(team=user)).distinct()
    rows = qs.values_list(
        "pk", "ref", "title", "status", "planned_start", "planned_end", "lead_auditor_id"
    )
    for pk, ref, title, status, start, end, owner in rows:
        day = start if status == AuditStatus.PLANNED else end
        yield _item(w, day, "audit", pk, ref, title, owner, "audits:audit_detail", pk=pk)


def _reviews(org: Any, w: Window, user: Any) -> Iterable[Item]:
    from openisms.reviews.choices import OPEN_DECISIONS, ReviewStatus
    from openisms.reviews.models import ManagementReview, ReviewDecision

    reviews = scoped(ManagementReview, org).filter(
        w.q("planned_on"), status__in=(ReviewStatus.PLANNED, ReviewStatus.PREPARED)
    )
    if user is not None:
        reviews = reviews.filter(Q(chair=user) | Q(attendees=user)).distinct()
    for pk, ref, title, day, owner in reviews.values_list(
        "pk", "ref", "title", "planned_on", "chair_id"
    ):
        yield _item(
            w, day, "management_review", pk, ref, title, owner, "reviews:review_detail", pk=pk
        )
    decisions = scoped(ReviewDecision, org).filter(w.q("due_date"), status__in=OPEN_DECISIONS)
    if user is not None:
        decisions = decisions.filter(owner=user)
    for pk, ref, title, due, owner in decisions.values_list(
        "pk", "ref", "title", "due_date", "owner_id"
    ):
        yield _item(
            w, due, "review_decision", pk, ref, title, owner, "reviews:decision_detail", pk=pk
        )


def _corrective_actions(org: Any, w: Window, user: Any) -> Iterable[Item]:
    from openisms.improvement.choices import OPEN_ACTIONS
    from openisms.improvement.models import CorrectiveAction

    qs = scoped(CorrectiveAction, org).filter(w.q("due_date"), status__in=OPEN_ACTIONS)
    if user is not None:
        qs = qs.filter(owner=user)
    rows = qs.values_list("pk", "ref", "title", "due_date", "owner_id", "nonconformity_id")
    for pk, ref, title, day, owner, nc in rows:
        yield _item(w, day, "corrective_action", pk, ref, title, owner, "improvement:nc_detail",
                    "#actions", pk=nc)  # fmt: skip


def _measurements(org: Any, w: Window, user: Any) -> Iterable[Item]:
    from openisms.objectives.models import Metric

    qs = scoped(Metric, org)
    if user is not None:
        qs = qs.filter(measured_by=user)
    rows = (
        qs.values("pk", "ref", "name", "frequency_days", "measured_by_id", "created_at")
        .annotate(last_on=Max("measurements__measured_on"))
        .order_by()
    )
    for r in rows:  # never measured: due one period after it was defined
        since = r["last_on"] or timezone.localtime(r["created_at"]).date()
        day = since + dt.timedelta(days=r["frequency_days"])
        if w.holds(day):
            yield _item(w, day, "measurement", r["pk"], r["ref"], r["name"], r["measured_by_id"],
                        "objectives:metric_detail", pk=r["pk"])  # fmt: skip


Source = Callable[[Any, Window, Any], Iterable[Item]]

# (permission needed to see the source, source); each costs one or two queries.
SOURCES: tuple[tuple[str, Source], ...] = (
    ("documents.view_document", _documents),
    ("risks.view_risk", _risks),
    ("risks.view_risk", _treatment_actions),
    ("controls.view_control", _evidence),
    ("controls.view_control", _control_tests),
    ("audits.view_audit", _audits),
    ("reviews.view_review", _reviews),
    ("improvement.view_improvement", _corrective_actions),
    ("objectives.view_objective", _measurements),
)


def obligations(
    organization: Any,
    start: dt.date,
    end: dt.date,
    user: Any = None,
    *,
    viewer: Any = None,
    today: dt.date | None = None,
) -> list[Item]:
    """The open obligations due from ``start`` to ``end`` and every overdue one up to ``end``,
    by date. ``user``: only theirs. ``viewer``: only the sources their role may read."""
    w = Window(start, end, today or timezone.localdate())
    items = [
        item
        for perm, source in SOURCES
        if viewer is None or viewer.has_perm(perm, organization)
        for item in source(organization, w, user)
    ]
    return sorted(items, key=lambda i: (i.date, i.kind, i.ref, i.pk))
