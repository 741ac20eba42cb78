from __future__ import annotations

import json

import pytest

from openisms.accounts import services as accounts
from openisms.people import services


@pytest.fixture
def api(client, org, owner):
    secret = accounts.token_create(organization=org, actor=owner, name="t").secret

    def call(method, path, body=None, **headers):
        return client.generic(
            method,
            f"/api/v1/orgs/{org.slug}/{path}",
            data=json.dumps(body) if body is not None else "",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
            **headers,
        )

    return call


def test_roles_processes_and_raci(api, org, owner, member):
    maria = member(org, "manager")
    competence = api("POST", "competences/", {"name": "Auditing"}).json()
    role = api(
        "POST",
        "isms-roles/",
        {"name": "Auditor", "holders": [maria.pk], "competence_ids": [competence["id"]]},
    )
    assert role.status_code == 201, role.content
    role = role.json()
    assert role["holders"][0]["id"] == maria.pk and role["competence_ids"] == [competence["id"]]
    lead = api("POST", "isms-roles/", {"name": "IT lead"}).json()
    response = api(
        "POST",
        "processes/",
        {"name": "Audit", "raci": [{"role_id": role["id"], "letter": "R"}]},
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"][-1] == "raci"
    process = api(
        "POST",
        "processes/",
        {
            "name": "Audit",
            "raci": [
                {"role_id": role["id"], "letter": "R"},
                {"role_id": lead["id"], "letter": "A"},
            ],
        },
    ).json()
    assert {(r["role"], r["letter"]) for r in process["raci"]} == {
        ("Auditor", "R"),
        ("IT lead", "A"),
    }
    response = api(
        "PATCH",
        f"processes/{process['id']}/",
        {"raci": [{"role_id": role["id"], "letter": "A"}], "version": 1},
    )
    assert response.status_code == 200
    assert [(r["role"], r["letter"]) for r in response.json()["raci"]] == [("Auditor", "A")]
    # The accountable role cannot be deleted.
    assert api("DELETE", f"isms-roles/{role['id']}/?version=1").status_code == 422
    gaps = api("GET", "competence-gaps/").json()["items"]
    assert [(g["person"]["id"], g["competence"]) for g in gaps] == [(maria.pk, "Auditing")]


def test_training_campaign_communication(api, org, owner, other_org, member):
    competence = services.competence_create(organization=org, actor=owner, name="Auditing")
    theirs = services.competence_create(
        organization=other_org, actor=member(other_org, "owner"), name="Theirs"
    )
    response = api(
        "POST",
        "training-records/",
        {"competence_id": theirs.pk, "completed_on": "2026-01-05"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"][-1] == "competence_id"
    record = api(
        "POST",
        "training-records/",
        {"competence_id": competence.pk, "completed_on": "2026-01-05", "valid_until": "2026-01-04"},
    )
    assert record.status_code == 422
    record = api(
        "POST", "training-records/", {"competence_id": competence.pk, "completed_on": "2026-01-05"}
    ).json()
    assert record["person"]["id"] == owner.pk and record["valid"] is True
    campaign = api(
        "POST",
        "awareness-campaigns/",
        {"title": "Phish", "starts_on": "2026-01-05", "target_count": 10},
    ).json()
    response = api(
        "PATCH", f"awareness-campaigns/{campaign['id']}/", {"completed_count": 11, "version": 1}
    )
    assert response.status_code == 422
    response = api(
        "PATCH", f"awareness-campaigns/{campaign['id']}/", {"completed_count": 7, "version": 1}
    )
    assert response.json()["completion_percent"] == 70
    item = api(
        "POST",
        "communication-plan/",
        {"what": "Policy", "when": "Yearly", "audience": "All", "communicator": owner.pk},
    ).json()
    assert item["ref"] == "COM-001" and item["communicator"]["id"] == owner.pk
    assert (
        api("PATCH", f"communication-plan/{item['id']}/", {"what": None, "version": 1}).status_code
        == 422
    )
