"""The management review pages: list and detail with constant query counts, the lifecycle from
the review page, the inputs shown (compiled or frozen, with the hash), decisions and their
progress (contributors: their own), exports and the minutes downloads."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openisms.improvement import services as improvement
from openisms.reviews import services
from openisms.reviews.models import ManagementReview, ReviewDecision
from openisms.reviews.tests.helpers import DAY, TODAY, decide, held, make_review, prepared

BASE = "/o/acme/management-review/"


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def html(response) -> str:
    return response.content.decode()


def assert_clean(response):
    assert " style=" not in html(response) and "<script>" not in html(response)


def test_plan_prepare_hold_close_from_the_pages(signed_in, org, owner, member):
    manager = member(org, "manager")
    response = signed_in.post(
        f"{BASE}new/",
        {
            "title": "Annual review",
            "planned_on": TODAY.isoformat(),
            "chair": str(owner.pk),
            "attendees": [str(owner.pk), str(manager.pk)],
            "external_attendees": "Jan Visser, consultant",
        },
    )
    review = ManagementReview.objects.get()
    assert response.status_code == 302 and review.attendees.count() == 2
    page = signed_in.get(f"{BASE}{review.pk}/")
    assert_clean(page)
    assert "Not compiled yet" in html(page) and 'data-testid="prepare"' in html(page)
    signed_in.post(f"{BASE}{review.pk}/prepare/", {"version": 1})
    review.refresh_from_db()
    assert review.status == "prepared"
    page = signed_in.get(f"{BASE}{review.pk}/")
    assert "Compiled from the live data" in html(page)
    assert 'data-testid="input-a"' in html(page) and 'data-testid="input-g"' in html(page)
    signed_in.post(f"{BASE}{review.pk}/hold/", {"version": 2, "held_on": TODAY.isoformat()})
    review.refresh_from_db()
    assert review.status == "held"
    page = signed_in.get(f"{BASE}{review.pk}/")
    assert "Frozen when the review was held on" in html(page)
    assert review.inputs_hash in html(page)
    # stale version: refused with the conflict message, nothing changed
    response = signed_in.post(f"{BASE}{review.pk}/close/", {"version": 1}, follow=True)
    assert "changed" in html(response).lower() or "version" in html(response).lower()
    review.refresh_from_db()
    assert review.status == "held"
    response = signed_in.post(
        f"{BASE}{review.pk}/edit/",
        {
            "title": review.title,
            "chair": str(owner.pk),
            "attendees": [str(owner.pk)],
            "minutes": "## Decisions\n\nWe **agreed**.",
            "version": review.version,
        },
    )
    assert response.status_code == 302
    signed_in.post(f"{BASE}{review.pk}/close/", {"version": review.version + 1})
    review.refresh_from_db()
    assert review.status == "closed"
    page = signed_in.get(f"{BASE}{review.pk}/")
    assert "<strong>agreed</strong>" in html(page)
    assert signed_in.get(f"{BASE}{review.pk}/edit/").status_code == 403


def test_edit_with_a_stale_version_shows_the_conflict(signed_in, org, owner):
    review = make_review(org, owner)
    services.review_update(review=review, actor=owner, version=1, title="Changed elsewhere")
    response = signed_in.post(
        f"{BASE}{review.pk}/edit/",
        {"title": "Mine", "planned_on": TODAY.isoformat(), "version": 1},
    )
    assert response.status_code == 409 and 'data-testid="reload"' in html(response)
    review.refresh_from_db()
    assert review.title == "Changed elsewhere"


def test_hold_refusal_is_shown(signed_in, org, owner):
    review = make_review(org, owner)
    review = services.review_prepare(review=review, actor=owner, version=1)
    response = signed_in.post(
        f"{BASE}{review.pk}/hold/", {"version": 2, "held_on": TODAY.isoformat()}, follow=True
    )
    assert "Name the chair" in html(response)
    review.refresh_from_db()
    assert review.status == "prepared"


def test_list_and_detail_query_counts_are_constant(signed_in, org, owner, member):
    def fill(n):
        people = [member(org, "contributor") for _ in range(n)]
        review = held(org, owner, attendees=people)
        for i in range(n):
            decide(review, owner, title=f"D {i}", owner=people[i], due_date=TODAY - DAY)
            improvement.opportunity_create(organization=org, actor=owner, title=f"I {i}")
        return review

    first = fill(3)
    with CaptureQueriesContext(connection) as few_list:
        assert signed_in.get(BASE).status_code == 200
    with CaptureQueriesContext(connection) as few_detail:
        assert signed_in.get(f"{BASE}{first.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as few_decisions:
        assert signed_in.get(f"{BASE}decisions/").status_code == 200
    big = fill(30)
    for _ in range(5):
        fill(1)
    with CaptureQueriesContext(connection) as many_list:
        assert signed_in.get(BASE).status_code == 200
    with CaptureQueriesContext(connection) as many_detail:
        response = signed_in.get(f"{BASE}{big.pk}/")
    assert response.status_code == 200 and 'data-testid="overdue-MRD-030"' in html(response)
    with CaptureQueriesContext(connection) as many_decisions:
        assert signed_in.get(f"{BASE}decisions/").status_code == 200
    assert len(many_list) == len(few_list)
    assert len(many_detail) == len(few_detail)
    assert len(many_decisions) == len(few_decisions)


def test_decision_pages_and_contributor_progress(client, org, owner, member):
    carl = member(org, "contributor", email="carl@acme.test")
    dora = member(org, "contributor", email="dora@acme.test")
    review = held(org, owner)
    mine = decide(review, owner, owner=carl, title="Carl's", due_date=TODAY - DAY)
    theirs = decide(review, owner, owner=dora, title="Dora's")
    client.force_login(carl)
    page = client.get(f"{BASE}decisions/{mine.pk}/")
    assert 'data-testid="progress-form"' in html(page) and 'data-testid="overdue"' in html(page)
    assert 'data-testid="edit-decision"' not in html(page)
    assert 'data-testid="progress-form"' not in html(client.get(f"{BASE}decisions/{theirs.pk}/"))
    ok = client.post(
        f"{BASE}decisions/{mine.pk}/progress/",
        {"status": "done", "outcome": "Alerting in place", "version": 1},
    )
    assert ok.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "done" and mine.closed_on == TODAY
    refused = client.post(
        f"{BASE}decisions/{theirs.pk}/progress/", {"status": "in_progress", "version": 1}
    )
    assert refused.status_code == 403
    assert client.get(f"{BASE}decisions/{mine.pk}/edit/").status_code == 403
    listing = client.get(f"{BASE}decisions/?status=open")
    assert "Dora&#x27;s" in html(listing) and "Carl&#x27;s" not in html(listing)


def test_decision_create_and_objective_from_the_pages(signed_in, org, owner):
    review = held(org, owner)
    response = signed_in.post(
        f"{BASE}{review.pk}/decisions/new/",
        {"kind": "objective", "title": "Restore in 8 hours", "owner": str(owner.pk)},
    )
    assert response.status_code == 302
    decision = ReviewDecision.objects.get()
    page = signed_in.get(f"{BASE}decisions/{decision.pk}/")
    assert 'data-testid="create-objective"' in html(page)
    signed_in.post(f"{BASE}decisions/{decision.pk}/objective/")
    decision.refresh_from_db()
    assert decision.objective is not None
    page = signed_in.get(f"{BASE}decisions/{decision.pk}/")
    assert 'data-testid="objective-link"' in html(page)
    planned = make_review(org, owner)
    refused = signed_in.post(f"{BASE}{planned.pk}/decisions/new/", {"kind": "action", "title": "x"})
    assert refused.status_code == 422


def test_exports(signed_in, org, owner):
    review = held(org, owner)
    decide(review, owner, title="Overdue one", due_date=TODAY - DAY)
    response = signed_in.get(f"{BASE}export/?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "ref" and rows[1][0] == "MR-001" and rows[1][2] == "held"
    response = signed_in.get(f"{BASE}decisions/export/?format=csv&overdue=on")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["MRD-001"] and rows[1][7] == "yes"
    xlsx = signed_in.get(f"{BASE}decisions/export/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_minutes_downloads(signed_in, org, owner):
    review = prepared(org, owner)
    pdf = signed_in.get(f"{BASE}{review.pk}/minutes/?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    docx = signed_in.get(f"{BASE}{review.pk}/minutes/?format=docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert signed_in.get(f"{BASE}{review.pk}/minutes/?format=exe").status_code == 404


def test_other_organisation_is_not_found(client, org, other_org, owner, member):
    review = held(org, owner)
    outsider = member(other_org, "owner")
    client.force_login(outsider)
    assert client.get(f"/o/globex/management-review/{review.pk}/").status_code == 404


def test_audit_results_in_the_inputs_link_to_the_audit(signed_in, org, owner):
    from openisms.audits.tests.helpers import reported

    audit = reported(org, owner)
    review = prepared(org, owner)
    response = signed_in.get(f"{BASE}{review.pk}/")
    assert response.status_code == 200
    assert f'<a href="/o/acme/audits/{audit.pk}/">{audit.ref}</a>' in html(response)


def test_created_objective_and_improvement_show_their_decision(signed_in, org, owner):
    review = held(org, owner)
    goal = decide(review, owner, kind="objective", title="Halve phishing clicks")
    idea = decide(review, owner, kind="improvement", title="Automate leaver removal")
    objective = services.decision_create_objective(decision=goal, actor=owner)
    opportunity = services.decision_create_opportunity(decision=idea, actor=owner)
    page = html(signed_in.get(f"/o/acme/objectives/{objective.pk}/"))
    assert f'decisions/{goal.pk}/">{goal.ref}</a>' in page
    page = html(signed_in.get(f"/o/acme/improvement/opportunities/{opportunity.pk}/"))
    assert f'decisions/{idea.pk}/">{idea.ref}</a>' in page
