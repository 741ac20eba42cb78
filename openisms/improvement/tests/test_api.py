"""The improvement API: create, edit with versions (If-Match 412, stale 409, none 428), the
lifecycle with its guards, opening from a failed run, actions overdue first, verifications."""

from __future__ import annotations

import json

import pytest

from openisms.accounts.services import token_create
from openisms.improvement import services
from openisms.improvement.tests.helpers import DAY, TODAY, failed_run, make_nc, to_verifying

API = "/api/v1/orgs/acme"


@pytest.fixture
def api(client, org, owner):
    secret = token_create(organization=org, actor=owner, name="t").secret

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


def test_create_and_edit_with_versions(api, org, owner):
    response = api("POST", "/nonconformities/", {"title": "Gate log", "five_whys": ["Why"]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ref"] == "NC-001" and body["status"] == "open" and body["version"] == 1
    pk = body["id"]
    assert api("PATCH", f"/nonconformities/{pk}/", {"title": "x"}).status_code == 428
    ok = api("PATCH", f"/nonconformities/{pk}/", {"root_cause": "No gate", "version": 1})
    assert ok.status_code == 200 and ok["ETag"] == '"2"'
    assert api("PATCH", f"/nonconformities/{pk}/", {"title": "y", "version": 1}).status_code == 409
    stale = api("PATCH", f"/nonconformities/{pk}/", {"title": "y"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    bad = api("POST", "/nonconformities/", {"title": "t", "requirement_id": 999999})
    assert (
        bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"][-1] == "requirement_id"
    )
    extra = api("POST", "/nonconformities/", {"title": "t", "nope": 1})
    assert extra.status_code == 422


def test_lifecycle_guard_is_422(api, org, owner):
    nc = make_nc(org, owner)
    response = api(
        "POST", f"/nonconformities/{nc.pk}/transition/", {"status": "analysed", "version": 1}
    )
    assert response.status_code == 422 and "root cause" in response.json()["error"]["message"]


def test_from_failed_run(api, org, owner):
    run = failed_run(org, owner)
    response = api("POST", f"/control-test-runs/{run.pk}/nonconformity/", {"severity": "major"})
    assert response.status_code == 201
    assert response.json()["test_run_id"] == run.pk and response.json()["source"] == "control_test"
    again = api("POST", f"/control-test-runs/{run.pk}/nonconformity/", {})
    assert again.status_code == 422 and again.json()["error"]["details"][0]["loc"][-1] == "run_id"


def test_actions_overdue_first_and_verification(api, org, owner):
    nc = make_nc(org, owner)
    api(
        "POST",
        f"/nonconformities/{nc.pk}/actions/",
        {"title": "Later", "due_date": str(TODAY + DAY)},
    )
    api(
        "POST",
        f"/nonconformities/{nc.pk}/actions/",
        {"title": "Late", "due_date": str(TODAY - DAY)},
    )
    items = api("GET", "/corrective-actions/").json()["items"]
    assert [(i["title"], i["overdue"]) for i in items] == [("Late", True), ("Later", False)]
    only = api("GET", "/corrective-actions/?overdue=true").json()["items"]
    assert [i["title"] for i in only] == ["Late"]
    listed = api("GET", "/nonconformities/?overdue=true").json()["items"]
    assert [(n["ref"], n["overdue_action_count"]) for n in listed] == [(nc.ref, 1)]

    verifying = to_verifying(org, owner)
    response = api(
        "POST",
        f"/nonconformities/{verifying.pk}/verifications/",
        {"result": "ineffective", "notes": "Still failing"},
    )
    assert response.status_code == 201 and response.json()["result"] == "ineffective"
    assert api("GET", f"/nonconformities/{verifying.pk}/").json()["status"] == "action_planned"
    assert len(api("GET", f"/nonconformities/{verifying.pk}/verifications/").json()["items"]) == 1


def test_other_organisation_is_404(api, other_org, member):
    foreign_owner = member(other_org, "owner")
    nc = services.nonconformity_create(organization=other_org, actor=foreign_owner, title="x")
    assert api("GET", f"/nonconformities/{nc.pk}/").status_code == 404
    run = failed_run(other_org, foreign_owner)
    assert api("POST", f"/control-test-runs/{run.pk}/nonconformity/", {}).status_code == 404
