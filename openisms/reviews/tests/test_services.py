"""Management review services: the inputs compiled per section (in and out of the period),
frozen when held, decisions carried into the next review, lifecycle rules and refusals,
ownership for contributors, stale versions and other organisations' people."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openisms.core.exceptions import ConflictError
from openisms.governance import services as governance
from openisms.improvement import services as improvement
from openisms.incidents import services as incidents
from openisms.objectives import services as objectives
from openisms.reviews import services
from openisms.reviews.inputs import canonical_hash, compile_inputs
from openisms.reviews.tests.helpers import (
    DAY,
    TODAY,
    decide,
    figure,
    held,
    make_review,
    prepared,
    refs,
    section,
)
from openisms.risks import services as risks


def test_create_defaults_the_period(org, owner):
    review = make_review(org, owner, planned_on=TODAY + 20 * DAY)
    assert review.ref == "MR-001" and review.status == "planned"
    assert review.period_end == TODAY + 20 * DAY
    assert review.period_start == TODAY + 20 * DAY - dt.timedelta(days=365)
    first = held(org, owner, held_on=TODAY - 30 * DAY, planned_on=TODAY - 30 * DAY)
    later = make_review(org, owner, planned_on=TODAY + 60 * DAY)
    assert later.period_start == first.held_on
    with pytest.raises(ValidationError) as err:
        make_review(org, owner, period_start=TODAY, period_end=TODAY - DAY)
    assert "period_end" in err.value.message_dict


def test_compile_inputs_sections_in_and_out_of_period(org, owner):
    start, end = TODAY - 100 * DAY, TODAY
    # b, c: context changes from the audit trail (today: in the period)
    issue = governance.issue_create(
        organization=org,
        actor=owner,
        title="New NIS2 obligations",
        side="external",
        category="legal",
    )
    governance.party_create(organization=org, actor=owner, name="Regulator", side="external")
    # d: nonconformities in / out of the period; e: a complaint
    improvement.nonconformity_create(
        organization=org,
        actor=owner,
        title="Gate log",
        detected_on=TODAY - 10 * DAY,
        severity="major",
    )
    old = improvement.nonconformity_create(
        organization=org, actor=owner, title="Old finding", detected_on=TODAY - 300 * DAY
    )
    improvement.nonconformity_create(
        organization=org,
        actor=owner,
        title="Wrong e-mail",
        source="complaint",
        detected_on=TODAY - 5 * DAY,
    )
    improvement.nonconformity_create(
        organization=org,
        actor=owner,
        title="Old complaint",
        source="complaint",
        detected_on=TODAY - 200 * DAY,
    )
    # d: a metric measured before and after the period's end
    objective = objectives.objective_create(organization=org, actor=owner, title="Recover fast")
    metric = objectives.metric_create(
        organization=org,
        actor=owner,
        objective=objective,
        name="Restore success",
        target=95,
        warning=90,
        frequency_days=365,
    )
    objectives.measurement_record(
        metric=metric, actor=owner, value=80, measured_on=TODAY - 50 * DAY
    )
    # f: a high risk not treated, a low one
    risks.methodology_from_preset(organization=org, actor=owner, preset="4x4")
    high = risks.risk_create(organization=org, actor=owner, title="Ransomware")
    risks.risk_assess(risk=high, actor=owner, version=high.version, current=(4, 4))
    low = risks.risk_create(organization=org, actor=owner, title="Coffee spill")
    risks.risk_assess(risk=low, actor=owner, version=low.version, current=(1, 1))
    risks.action_create(risk=high, actor=owner, title="Offline backups", due_date=TODAY - DAY)
    # g: opportunities
    improvement.opportunity_create(organization=org, actor=owner, title="SSO")
    improvement.opportunity_create(
        organization=org, actor=owner, title="Done idea", status="implemented", outcome="Done"
    )
    # incidents in / out of the period
    incidents.incident_create(organization=org, actor=owner, title="Phishing")
    from django.utils import timezone

    incidents.incident_create(
        organization=org,
        actor=owner,
        title="Old outage",
        detected_at=timezone.now() - dt.timedelta(days=400),
    )

    with CaptureQueriesContext(connection) as queries:
        inputs = compile_inputs(org, start, end)
    assert [s["key"] for s in inputs["sections"]] == [*"abcdefg", "incidents"]
    assert len(queries) < 30

    assert refs(inputs, "b") == [issue.ref]
    assert section(inputs, "b")["groups"][0]["records"][0]["status"] == "added"
    assert figure(inputs, "c", "Added") == 1
    ncs = section(inputs, "d")["groups"][0]
    assert dict(ncs["figures"])["Opened in the period"] == 2
    assert dict(ncs["figures"])["Open now"] == 4  # open ones are shown whenever detected
    assert old.ref in [r["ref"] for r in ncs["records"]]
    metric_row = section(inputs, "d")["groups"][1]["records"][0]
    assert metric_row["ref"] == metric.ref and metric_row["status"] == "Off target"
    assert "80" in metric_row["note"]
    assert section(inputs, "d")["groups"][3]["records"][0]["ref"] == objective.ref
    assert refs(inputs, "e") == ["NC-003"]
    assert refs(inputs, "f") == [high.ref]
    assert refs(inputs, "f", 1) == [high.ref]  # its overdue treatment action
    assert "overdue" in section(inputs, "f")["groups"][1]["records"][0]["note"]
    assert [r["title"] for r in section(inputs, "g")["groups"][0]["records"]] == ["SSO"]
    assert [r["title"] for r in section(inputs, "incidents")["groups"][0]["records"]] == [
        "Phishing"
    ]

    # A period that ended before today's changes sees none of them, and the metric's
    # measurement after its end is not its latest value.
    before = compile_inputs(org, TODAY - 400 * DAY, TODAY - 60 * DAY)
    assert refs(before, "b") == [] and refs(before, "e") == ["NC-004"]
    assert section(before, "d")["groups"][1]["records"][0]["status"] == "No data"
    assert [r["title"] for r in section(before, "incidents")["groups"][0]["records"]] == [
        "Old outage"
    ]


def test_long_lists_are_capped(org, owner):
    for i in range(53):
        improvement.opportunity_create(organization=org, actor=owner, title=f"Idea {i}")
    group = section(compile_inputs(org, TODAY - DAY, TODAY), "g")["groups"][0]
    assert len(group["records"]) == 50 and group["more"] == 3


def test_hold_freezes_the_inputs(org, owner):
    review = prepared(org, owner, interested_party_feedback="Customer asked for ISO 27001")
    assert review.status == "prepared" and review.inputs_compiled_at is not None
    improvement.nonconformity_create(organization=org, actor=owner, title="Before the meeting")
    review = services.review_recompile(review=review, actor=owner, version=review.version)
    assert "NC-001" in refs(review.inputs, "d")
    review = services.review_hold(review=review, actor=owner, version=review.version)
    assert review.status == "held" and review.held_on == TODAY
    frozen, digest = review.inputs, review.inputs_hash
    assert digest == canonical_hash(frozen)
    assert section(frozen, "e")["groups"][0]["text"] == "Customer asked for ISO 27001"

    improvement.nonconformity_create(organization=org, actor=owner, title="After the meeting")
    review.refresh_from_db()
    assert review.inputs == frozen and review.inputs_hash == digest
    assert "NC-002" not in refs(review.inputs, "d")
    with pytest.raises(ValidationError, match="frozen"):
        services.review_recompile(review=review, actor=owner, version=review.version)
    with pytest.raises(ValidationError):
        services.review_update(
            review=review, actor=owner, version=review.version, period_start=TODAY - 5 * DAY
        )
    with pytest.raises(ValidationError):
        services.review_update(
            review=review, actor=owner, version=review.version, interested_party_feedback="x"
        )
    review = services.review_update(
        review=review, actor=owner, version=review.version, minutes="# Minutes\nAgreed."
    )
    assert review.inputs_hash == digest


def test_open_decisions_are_carried_into_the_next_review(org, owner, member):
    first = held(org, owner, held_on=TODAY - 100 * DAY, planned_on=TODAY - 100 * DAY)
    early = decide(first, owner, title="Closed early")
    services.decision_update(
        decision=early,
        actor=owner,
        version=early.version,
        status="done",
        outcome="Done",
        closed_on=TODAY - 90 * DAY,
    )
    still = decide(first, owner, title="Still open", due_date=TODAY - 5 * DAY)
    late = decide(first, owner, title="Cancelled lately")
    services.decision_update(
        decision=late,
        actor=owner,
        version=late.version,
        status="cancelled",
        outcome="Superseded",
        closed_on=TODAY - 10 * DAY,
    )
    # The next review covers from its predecessor's date: all three are followed up.
    second = prepared(org, owner)
    assert second.period_start == first.held_on
    assert refs(second.inputs, "a") == [early.ref, still.ref, late.ref]
    assert figure(second.inputs, "a", "Overdue") == 1
    # With a period that began after the first was closed, only the others remain.
    third = make_review(org, owner, period_start=TODAY - 50 * DAY)
    third = services.review_prepare(review=third, actor=owner, version=third.version)
    a = section(third.inputs, "a")
    assert [r["ref"] for r in a["groups"][0]["records"]] == [still.ref, late.ref]
    assert "overdue" in a["groups"][0]["records"][0]["note"]
    # A review's own decisions are not its input.
    held_second = services.review_hold(review=second, actor=owner, version=second.version)
    own = decide(held_second, owner, title="Own decision")
    assert own.ref not in refs(held_second.inputs, "a")


def test_hold_and_close_rules(org, owner, member):
    manager = member(org, "manager")
    review = make_review(org, owner)
    with pytest.raises(ValidationError, match="prepared"):
        services.review_hold(review=review, actor=owner, version=review.version)
    review = services.review_prepare(review=review, actor=owner, version=review.version)
    with pytest.raises(ValidationError) as err:
        services.review_prepare(review=review, actor=owner, version=review.version)
    assert "status" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.review_hold(review=review, actor=owner, version=review.version)
    assert "chair" in err.value.message_dict
    review = services.review_update(
        review=review, actor=owner, version=review.version, chair=manager
    )
    with pytest.raises(ValidationError) as err:
        services.review_hold(review=review, actor=owner, version=review.version)
    assert "attendees" in err.value.message_dict
    review = services.review_update(
        review=review, actor=owner, version=review.version, attendees=[owner, manager]
    )
    with pytest.raises(ValidationError) as err:
        services.review_hold(
            review=review, actor=owner, version=review.version, held_on=TODAY + DAY
        )
    assert "held_on" in err.value.message_dict
    review = services.review_hold(review=review, actor=owner, version=review.version)
    with pytest.raises(ValidationError) as err:
        services.review_close(review=review, actor=manager, version=review.version)
    assert "minutes" in err.value.message_dict
    review = services.review_update(
        review=review, actor=owner, version=review.version, minutes="Ok"
    )
    # The chair (a manager) or an owner approves; another manager may not.
    other_manager = member(org, "manager")
    with pytest.raises(PermissionDenied):
        services.review_close(review=review, actor=other_manager, version=review.version)
    review = services.review_close(review=review, actor=manager, version=review.version)
    assert review.status == "closed" and review.closed_by == manager and review.closed_on == TODAY
    with pytest.raises(ValidationError, match="closed"):
        services.review_update(review=review, actor=owner, version=review.version, minutes="x")
    with pytest.raises(ValidationError):
        services.review_update(review=review, actor=owner, version=review.version, attendees=[])
    with pytest.raises(ValidationError, match="only a planned"):
        services.review_delete(review=review, actor=owner, version=review.version)
    planned = make_review(org, owner)
    services.review_delete(review=planned, actor=owner, version=planned.version)


def test_decisions_lifecycle_and_ownership(org, owner, member):
    carl = member(org, "contributor", email="carl@acme.test")
    dora = member(org, "contributor", email="dora@acme.test")
    planned = make_review(org, owner)
    with pytest.raises(ValidationError, match="held review"):
        decide(planned, owner)
    review = held(org, owner)
    with pytest.raises(PermissionDenied):
        decide(review, carl, owner=carl)
    decision = decide(review, owner, owner=carl, due_date=TODAY + 30 * DAY)
    assert decision.ref == "MRD-001" and decision.status == "open"
    with pytest.raises(PermissionDenied):
        services.decision_update(decision=decision, actor=dora, version=1, status="in_progress")
    with pytest.raises(PermissionDenied):  # the owner progresses, does not redefine
        services.decision_update(decision=decision, actor=carl, version=1, title="Easier")
    decision = services.decision_update(
        decision=decision, actor=carl, version=1, status="in_progress"
    )
    with pytest.raises(ConflictError):
        services.decision_update(decision=decision, actor=carl, version=1, status="open")
    with pytest.raises(ValidationError) as err:
        services.decision_update(decision=decision, actor=carl, version=2, status="done")
    assert "outcome" in err.value.message_dict
    decision = services.decision_update(
        decision=decision, actor=carl, version=2, status="done", outcome="Alerting in place"
    )
    assert decision.closed_on == TODAY
    with pytest.raises(ValidationError, match="no longer edited"):
        services.decision_update(decision=decision, actor=owner, version=3, status="open")
    with pytest.raises(ValidationError):
        services.decision_delete(decision=decision, actor=owner, version=3)
    other = decide(review, owner, title="Typo")
    with pytest.raises(ValidationError) as err:
        services.decision_update(
            decision=other,
            actor=owner,
            version=1,
            status="done",
            outcome="x",
            closed_on=TODAY - 400 * DAY,
        )
    assert "closed_on" in err.value.message_dict
    services.decision_delete(decision=other, actor=owner, version=1)


def test_decision_creates_its_objective_and_opportunity(org, owner):
    review = held(org, owner)
    action = decide(review, owner, kind="action")
    with pytest.raises(ValidationError):
        services.decision_create_objective(decision=action, actor=owner)
    goal = decide(
        review,
        owner,
        kind="objective",
        title="Restore within 4 hours",
        description="All critical systems",
        due_date=TODAY + 90 * DAY,
    )
    objective = services.decision_create_objective(decision=goal, actor=owner)
    goal.refresh_from_db()
    assert goal.objective == objective and objective.ref.startswith("OBJ-")
    assert objective.due_date == goal.due_date and review.ref in objective.plan
    assert list(objective.review_decisions.all()) == [goal]
    with pytest.raises(ValidationError, match="already"):
        services.decision_create_objective(decision=goal, actor=owner)
    with pytest.raises(ValidationError):
        services.decision_update(decision=goal, actor=owner, version=goal.version, kind="action")
    idea = decide(review, owner, kind="improvement", title="Single sign-on")
    item = services.decision_create_opportunity(decision=idea, actor=owner)
    idea.refresh_from_db()
    assert idea.opportunity == item and item.status == "accepted" and review.ref in item.source


def test_stale_versions_are_refused(org, owner):
    review = make_review(org, owner)
    services.review_update(review=review, actor=owner, version=1, title="Renamed")
    with pytest.raises(ConflictError):
        services.review_update(review=review, actor=owner, version=1, title="Again")
    with pytest.raises(ConflictError):
        services.review_prepare(review=review, actor=owner, version=1)


def test_other_organisations_people_are_refused(org, other_org, owner, member):
    stranger = member(other_org, "owner", email="x@globex.test")
    with pytest.raises(ValidationError) as err:
        make_review(org, owner, attendees=[owner, stranger])
    assert "attendees" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        make_review(org, owner, chair=stranger)
    assert "chair" in err.value.message_dict
    review = held(org, owner)
    with pytest.raises(ValidationError) as err:
        decide(review, owner, owner=stranger)
    assert "owner" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        make_review(other_org, owner)


def test_roles_without_change_review_cannot_plan(org, owner, member):
    for role in ("contributor", "viewer", "auditor"):
        with pytest.raises(PermissionDenied):
            make_review(org, member(org, role))


def test_who_chaired_a_held_review_does_not_change(org, owner, member):
    """Otherwise a manager could name themselves chair and approve the minutes."""
    manager = member(org, "manager")
    review = held(org, owner)
    with pytest.raises(ValidationError, match="chair"):
        services.review_update(review=review, actor=manager, version=review.version, chair=manager)
    review.refresh_from_db()
    assert review.chair == owner
    review = services.review_update(
        review=review, actor=manager, version=review.version, chair=owner, minutes="Held."
    )
    with pytest.raises(PermissionDenied):
        services.review_close(review=review, actor=manager, version=review.version)


def test_decisions_in_approved_minutes_only_progress(org, owner):
    review = held(org, owner)
    decision = decide(review, owner, due_date=TODAY + 30 * DAY)
    review.refresh_from_db()
    review = services.review_update(
        review=review, actor=owner, version=review.version, minutes="Decided."
    )
    services.review_close(review=review, actor=owner, version=review.version)
    decision.refresh_from_db()
    for change in ({"title": "Do nothing"}, {"kind": "isms_change"}, {"due_date": TODAY}):
        with pytest.raises(ValidationError, match="approved minutes"):
            services.decision_update(
                decision=decision, actor=owner, version=decision.version, **change
            )
    decision.refresh_from_db()
    decision = services.decision_update(
        decision=decision, actor=owner, version=decision.version, status="in_progress"
    )
    assert decision.status == "in_progress" and decision.title == "Improve backup monitoring"


def test_a_cancelled_decision_creates_nothing(org, owner):
    review = held(org, owner)
    decision = decide(review, owner, kind="objective")
    decision = services.decision_update(
        decision=decision,
        actor=owner,
        version=decision.version,
        status="cancelled",
        outcome="Superseded.",
    )
    with pytest.raises(ValidationError, match="cancelled"):
        services.decision_create_objective(decision=decision, actor=owner)


@pytest.mark.parametrize("year", [1, 9999])
def test_review_dates_stay_in_a_plausible_range(org, owner, year):
    with pytest.raises(ValidationError, match="year between"):
        make_review(
            org,
            owner,
            planned_on=dt.date(year, 6, 1),
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 6, 1),
        )
