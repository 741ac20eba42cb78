"""The audits API: programmes with coverage, audits with criteria and team, versions (428, 409,
412), the lifecycle, recording items, raising a nonconformity, the report, other
organisations' ids refused."""

from __future__ import annotations

import json

import pytest

from openisms.accounts.services import token_create
from openisms.audits.models import AuditItem
from openisms.audits.tests.helpers import TODAY, req
from openisms.controls import evidence_services

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


def test_full_audit_through_the_api(api, org, owner, other_org, member):
    stranger = member(other_org, "owner")
    theirs = evidence_services.evidence_create(
        organization=other_org, actor=stranger, title="Theirs", kind="note", note="x"
    )
    mine = evidence_services.evidence_create(
        organization=org, actor=owner, title="Restore log", kind="note", note="ok"
    )
    p = api(
        "POST",
        "/audit-programmes/",
        {"title": "Cycle", "period_start": TODAY.isoformat(), "period_end": "2030-12-31"},
    )
    assert p.status_code == 201, p.content
    programme = p.json()["id"]
    body = {
        "title": "ISMS audit",
        "programme_id": programme,
        "lead_auditor": owner.pk,
        "criteria_ids": [req("9.2.2").pk, req("A.8.13").pk],
    }
    created = api("POST", "/audits/", body)
    assert created.status_code == 201, created.content
    audit = created.json()
    assert audit["ref"] == "IA-001" and audit["status"] == "planned"
    assert [c["ref_id"] for c in audit["criteria"]] == ["9.2.2", "A.8.13"]
    pk = audit["id"]
    bad = api("POST", "/audits/", {**body, "team_ids": [stranger.pk]})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"][-1] == "team_ids"
    bad = api("POST", "/audits/", {**body, "criteria_ids": [999999]})
    assert bad.json()["error"]["details"][0]["loc"][-1] == "criteria_ids"
    assert api("PATCH", f"/audits/{pk}/", {"title": "x"}).status_code == 428
    ok = api("PATCH", f"/audits/{pk}/", {"criteria_ids": [req("A.8.13").pk], "version": 1})
    assert ok.status_code == 200 and ok["ETag"] == '"2"' and ok.json()["item_count"] == 1
    assert api("PATCH", f"/audits/{pk}/", {"title": "y", "version": 1}).status_code == 409
    assert api("POST", f"/audits/{pk}/start/", {}, HTTP_IF_MATCH='"1"').status_code == 412
    started = api("POST", f"/audits/{pk}/start/", {"version": 2})
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    listed = api("GET", f"/audits/{pk}/items/").json()
    assert listed["count"] == 1
    item = listed["items"][0]
    url = f"/audits/{pk}/items/{item['id']}/"
    foreign = api("PATCH", url, {"result": "conformity", "evidence_ids": [theirs.pk], "version": 1})
    assert foreign.status_code == 422
    assert foreign.json()["error"]["details"][0]["loc"][-1] == "evidence_ids"
    needs = api("PATCH", url, {"result": "major_nc", "version": 1})
    assert needs.status_code == 422 and needs.json()["error"]["details"][0]["loc"][-1] == "finding"
    rec = api(
        "PATCH",
        url,
        {
            "result": "major_nc",
            "finding": "No restore test",
            "evidence_ids": [mine.pk],
            "version": 1,
        },
    )
    assert rec.status_code == 200, rec.content
    assert rec.json()["evidence"][0]["ref"] == mine.ref and rec.json()["version"] == 2
    raised = api("POST", f"{url}nonconformity/")
    assert raised.status_code == 201, raised.content
    assert raised.json()["item"]["nonconformity_ref"] == raised.json()["nonconformity_ref"]
    assert api("POST", f"{url}nonconformity/").status_code == 422
    refused = api("POST", f"/audits/{pk}/report/", {"version": 3})
    assert refused.status_code == 422 and "conclusion" in refused.content.decode()
    api("PATCH", f"/audits/{pk}/", {"conclusion": "Weak backups.", "version": 3})
    assert api("POST", f"/audits/{pk}/report/", {"version": 4}).json()["status"] == "reported"
    assert api("POST", f"/audits/{pk}/close/", {"version": 5}).json()["status"] == "closed"
    assert api("DELETE", f"/audits/{pk}/?version=6").status_code == 422
    pdf = api("GET", f"/audits/{pk}/report/?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    cov = api("GET", f"/audit-programmes/{programme}/coverage/").json()
    assert cov["covered"] == 1 and "A.8.13" not in cov["gaps"] and "9.2.2" in cov["gaps"]
    detail = api("GET", f"/audits/{pk}/").json()
    assert detail["counts"]["major_nc"] == 1 and detail["impartiality_warnings"] == []


def test_cancel_delete_and_filters(api, org, owner):
    first = api("POST", "/audits/", {"title": "A"}).json()
    second = api("POST", "/audits/", {"title": "B"}).json()
    assert api("POST", f"/audits/{first['id']}/cancel/", {"version": 1}).status_code == 200
    assert api("GET", "/audits/?status=cancelled").json()["count"] == 1
    assert api("DELETE", f"/audits/{second['id']}/?version=1").status_code == 204
    assert api("GET", "/audits/").json()["count"] == 1
    assert not AuditItem.objects.exists()
