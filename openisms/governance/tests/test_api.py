"""The governance API: CRUD with versions (409/412/428), links by id checked against the
organisation, the scope draft, its approval and versions, another organisation's data 404."""

from __future__ import annotations

import json

import pytest

from openisms.accounts.services import token_create
from openisms.assets.services import asset_create
from openisms.governance.tests.helpers import annex, make_control, make_issue, make_party

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


def test_issue_crud_with_versions(api, org, owner):
    response = api(
        "POST", "/context-issues/", {"title": "NIS2", "side": "external", "category": "legal"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ref"] == "ISS-001" and body["owner"]["id"] == owner.pk
    assert response["ETag"] == '"1"'
    pk = body["id"]
    assert api("PATCH", f"/context-issues/{pk}/", {"effect": "x"}).status_code == 428
    ok = api("PATCH", f"/context-issues/{pk}/", {"effect": "Reporting", "version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    assert api("PATCH", f"/context-issues/{pk}/", {"effect": "y", "version": 1}).status_code == 409
    assert (
        api("PATCH", f"/context-issues/{pk}/", {"effect": "y"}, HTTP_IF_MATCH='"1"').status_code
        == 412
    )
    assert (
        api("PATCH", f"/context-issues/{pk}/", {"colour": "red", "version": 2}).status_code == 422
    )
    listed = api("GET", "/context-issues/?category=legal").json()
    assert listed["count"] == 1
    assert api("DELETE", f"/context-issues/{pk}/?version=2").status_code == 204


def test_obligation_links_by_id(api, org, other_org, owner, member):
    party = make_party(org, owner)
    control = make_control(org, owner, ("A.8.13",))
    other_owner = member(other_org, "owner", email="o@globex.test")
    foreign = make_control(other_org, other_owner)
    bad = api("POST", "/obligations/", {"title": "X", "kind": "legal", "control_ids": [foreign.pk]})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"][-1] == "control_ids"
    bad = api("POST", "/obligations/", {"title": "X", "kind": "legal", "requirement_ids": [0]})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["loc"][-1] == "requirement_ids"
    response = api(
        "POST",
        "/obligations/",
        {
            "title": "Offline backups",
            "kind": "contractual",
            "party_id": party.pk,
            "control_ids": [control.pk],
            "requirement_ids": [annex("A.8.13").pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["party_id"] == party.pk and body["control_ids"] == [control.pk]
    pk = body["id"]
    patched = api("PATCH", f"/obligations/{pk}/", {"control_ids": [], "version": body["version"]})
    assert patched.json()["control_ids"] == [] and patched.json()["requirement_ids"]
    assert api("GET", f"/obligations/?party={party.pk}").json()["count"] == 1
    assert api("GET", "/obligations/?addressed=false").json()["count"] == 0
    refused = api("DELETE", f"/interested-parties/{party.pk}/?version=1")
    assert refused.status_code == 422
    assert api("GET", f"/interested-parties/{party.pk}/").json()["obligation_count"] == 1


def test_scope_draft_approve_versions(api, org, owner):
    site = asset_create(organization=org, actor=owner, name="Plant", type="site")
    empty = api("GET", "/scope/").json()
    assert empty["version"] == 1 and empty["latest_version"] is None
    assert api("POST", "/scope/approve/", {}).status_code == 422
    draft = api("PATCH", "/scope/", {"text": "Parts", "asset_ids": [site.pk], "version": 1})
    assert draft.status_code == 200, draft.content
    assert draft.json()["assets"] == [{"ref": site.ref, "name": "Plant", "type": "site"}]
    assert api("PATCH", "/scope/", {"text": "x", "version": 1}).status_code == 409
    assert api("PATCH", "/scope/", {"asset_ids": [999999], "version": 2}).status_code == 422
    approved = api("POST", "/scope/approve/", {"comment": "ok"})
    assert approved.status_code == 201 and approved.json()["number"] == 1
    assert api("POST", "/scope/approve/", {}).status_code == 422
    assert api("GET", "/scope/").json()["changed_since_approval"] is False
    versions = api("GET", "/scope/versions/").json()
    assert versions["count"] == 1 and versions["items"][0]["content"]["text"] == "Parts"
    pk = approved.json()["id"]
    assert api("GET", f"/scope/versions/{pk}/").json()["number"] == 1
    assert api("GET", f"/scope/versions/{pk + 1}/").status_code == 404


def test_other_organisation_is_404(api, other_org, member):
    other_owner = member(other_org, "owner", email="o@globex.test")
    foreign = make_issue(other_org, other_owner)
    assert api("GET", f"/context-issues/{foreign.pk}/").status_code == 404
    assert api("PATCH", f"/context-issues/{foreign.pk}/", {"version": 1}).status_code == 404
