"""The management review API: CRUD with versions (none 428, stale 409, If-Match 412), the
lifecycle, the inputs (live for a planned review, the frozen snapshot once held), decisions
(contributors: theirs), other organisations' ids refused, the minutes as DOCX and PDF."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document

from openisms.accounts.services import token_create
from openisms.improvement import services as improvement
from openisms.reviews.tests.helpers import TODAY, decide, held

API = "/api/v1/orgs/acme"


@pytest.fixture
def api_as(client, org):
    def make(user):
        secret = token_create(organization=org, actor=user, name=f"t{user.pk}").secret

        def call(method, path, body=None, **headers):
            return client.generic(
                method,
                API + path,
                data=json.dumps(body) if body is not None else "",
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {secret}",
                **headers,
            )

        return call

    return make


@pytest.fixture
def api(api_as, owner):
    return api_as(owner)


def test_review_lifecycle_through_the_api(api, org, owner, member):
    manager = member(org, "manager")
    response = api(
        "POST",
        "/management-reviews/",
        {
            "title": "Annual",
            "planned_on": TODAY.isoformat(),
            "chair": owner.pk,
            "attendees": [owner.pk, manager.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    pk = body["id"]
    assert body["ref"] == "MR-001" and body["status"] == "planned" and len(body["attendees"]) == 2
    live = api("GET", f"/management-reviews/{pk}/inputs/").json()
    assert live["live"] is True and live["compiled_at"] is None
    assert [s["key"] for s in live["sections"]][:7] == list("abcdefg")
    assert api("POST", f"/management-reviews/{pk}/prepare/", {}).status_code == 428
    assert api("POST", f"/management-reviews/{pk}/prepare/", {"version": 1}).status_code == 200
    stale = api("PATCH", f"/management-reviews/{pk}/", {"title": "x"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert (
        api("PATCH", f"/management-reviews/{pk}/", {"title": "x", "version": 1}).status_code == 409
    )
    held_response = api("POST", f"/management-reviews/{pk}/hold/", {"version": 2})
    assert held_response.status_code == 200 and held_response.json()["inputs_frozen"] is True
    frozen = api("GET", f"/management-reviews/{pk}/inputs/").json()
    improvement.nonconformity_create(organization=org, actor=owner, title="Later")
    again = api("GET", f"/management-reviews/{pk}/inputs/").json()
    assert again == frozen and frozen["frozen"] is True and frozen["hash"]
    refused = api("POST", f"/management-reviews/{pk}/recompile/", {"version": 3})
    assert refused.status_code == 422 and "frozen" in refused.json()["error"]["message"]
    no_minutes = api("POST", f"/management-reviews/{pk}/close/", {"version": 3})
    assert no_minutes.status_code == 422
    patched = api("PATCH", f"/management-reviews/{pk}/", {"minutes": "Agreed.", "version": 3})
    assert patched.status_code == 200
    closed = api("POST", f"/management-reviews/{pk}/close/", {"version": 4})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert api("DELETE", f"/management-reviews/{pk}/?version=5").status_code == 422
    listing = api("GET", "/management-reviews/?status=closed").json()
    assert listing["count"] == 1


def test_other_organisation_ids_are_refused(api, org, other_org, owner, member):
    stranger = member(other_org, "owner")
    bad = api(
        "POST",
        "/management-reviews/",
        {"title": "x", "planned_on": TODAY.isoformat(), "attendees": [stranger.pk]},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["loc"][-1] == "attendees"
    bad = api(
        "POST",
        "/management-reviews/",
        {"title": "x", "planned_on": TODAY.isoformat(), "chair": stranger.pk},
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"][-1] == "chair"
    review = held(org, owner)
    bad = api(
        "POST", f"/management-reviews/{review.pk}/decisions/", {"title": "x", "owner": stranger.pk}
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"][-1] == "owner"
    other_review = held(other_org, stranger)
    assert api("GET", f"/management-reviews/{other_review.pk}/").status_code == 404
    assert (
        api(
            "POST", "/management-reviews/", {"title": "x", "planned_on": "2026-01-01", "nope": 1}
        ).status_code
        == 422
    )


def test_decisions_through_the_api(api, api_as, org, owner, member):
    carl = member(org, "contributor", email="carl@acme.test")
    dora = member(org, "contributor", email="dora@acme.test")
    review = held(org, owner)
    created = api(
        "POST",
        f"/management-reviews/{review.pk}/decisions/",
        {"title": "Monitor backups", "owner": carl.pk, "kind": "action"},
    )
    assert created.status_code == 201 and created.json()["ref"] == "MRD-001"
    pk = created.json()["id"]
    carl_api, dora_api = api_as(carl), api_as(dora)
    assert (
        dora_api(
            "PATCH", f"/review-decisions/{pk}/", {"status": "in_progress", "version": 1}
        ).status_code
        == 403
    )
    assert (
        carl_api(
            "PATCH", f"/review-decisions/{pk}/", {"title": "Mine now", "version": 1}
        ).status_code
        == 403
    )
    ok = carl_api("PATCH", f"/review-decisions/{pk}/", {"status": "in_progress", "version": 1})
    assert ok.status_code == 200 and ok["ETag"] == '"2"'
    need = carl_api("PATCH", f"/review-decisions/{pk}/", {"status": "done", "version": 2})
    assert need.status_code == 422 and need.json()["error"]["details"][0]["loc"][-1] == "outcome"
    done = carl_api(
        "PATCH", f"/review-decisions/{pk}/", {"status": "done", "outcome": "In place", "version": 2}
    )
    assert done.json()["closed_on"] == TODAY.isoformat()
    goal = decide(review, owner, kind="objective", title="Restore in 8 hours")
    made = api("POST", f"/review-decisions/{goal.pk}/objective/")
    assert made.status_code == 201 and made.json()["ref"].startswith("OBJ-")
    assert api("GET", f"/review-decisions/{goal.pk}/").json()["objective_ref"] == made.json()["ref"]
    assert api("POST", f"/review-decisions/{goal.pk}/objective/").status_code == 422
    assert api("GET", "/review-decisions/?open=true").json()["count"] == 1  # the objective
    assert api("GET", f"/management-reviews/{review.pk}/decisions/").json()["count"] == 2


def test_minutes_documents(api, org, owner):
    review = held(org, owner, minutes="## Conclusions\n\nThe ISMS remains **suitable**.")
    decide(review, owner, title="Phishing simulation twice a year")
    response = api("GET", f"/management-reviews/{review.pk}/minutes/?format=docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "The ISMS remains suitable." in text
    assert "Phishing simulation twice a year" in cells
    assert "Draft" in text + cells
    pdf = api("GET", f"/management-reviews/{review.pk}/minutes/?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert api("GET", f"/management-reviews/{review.pk}/minutes/?format=odt").status_code == 422
