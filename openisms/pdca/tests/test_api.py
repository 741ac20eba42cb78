"""The calendar and my-work API operations."""

from __future__ import annotations

import pytest

from openisms.accounts.services import token_create
from openisms.pdca.tests.helpers import DAY, TODAY, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, org, member):
    person = member(org, "contributor", email="p@acme.test")
    secret = token_create(organization=org, actor=person, name="t").secret

    def call(path, **params):
        return client.get(f"/api/v1/orgs/acme{path}", params, HTTP_AUTHORIZATION=f"Bearer {secret}")

    call.person = person
    return call


def test_calendar_range_mine_and_errors(api, org, owner, member):
    pks = world(org, owner, api.person)
    body = api("/calendar/", start=str(TODAY + 6 * DAY), end=str(TODAY + 8 * DAY)).json()
    kinds = {row["kind"] for row in body}
    assert "risk_review" in kinds and "document_review" in kinds  # overdue always listed
    row = next(r for r in body if r["kind"] == "risk_review")
    assert row["record_id"] == pks["risk_review"] and row["url"].startswith("/o/acme/risks/")
    assert row["uid"] == f"risk_review-{pks['risk_review']}"
    other = member(org, "contributor", email="q@acme.test")
    world(org, owner, other)
    mine = api("/calendar/", mine="true", end=str(TODAY + 60 * DAY)).json()
    assert {r["owner_id"] for r in mine} == {api.person.pk}
    assert len(api("/calendar/", end=str(TODAY + 60 * DAY)).json()) > len(mine)
    bad = api("/calendar/", start=str(TODAY), end=str(TODAY - DAY))
    assert bad.status_code == 422 and "end" in bad.content.decode()
    assert api("/calendar/", start="2026-13-40").status_code == 422


def test_my_work(api, org, owner):
    world(org, owner, api.person)
    body = api("/my-work/").json()
    assert {r["kind"] for r in body["overdue"]} == {"document_review", "review_decision"}
    assert all(r["overdue"] is False for r in body["due_soon"])
    assert "corrective_action" in {r["kind"] for r in body["due_soon"]}
