from __future__ import annotations

import json

import pytest

from openisms.accounts import services as accounts
from openisms.objectives.models import Measurement


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


def test_objective_metric_and_measurements(api, owner):
    objective = api("POST", "objectives/", {"title": "Fewer clicks"}).json()
    assert objective["ref"] == "OBJ-001" and objective["owner"]["id"] == owner.pk
    response = api(
        "POST",
        "metrics/",
        {
            "name": "Click rate",
            "objective_id": objective["id"],
            "target": "5",
            "warning": "10",
            "direction": "lower_is_better",
            "unit": "%",
        },
    )
    assert response.status_code == 201, response.content
    metric = response.json()
    assert metric["status"] == "no_data" and metric["ref"] == "MET-001"
    m1 = api("POST", f"metrics/{metric['id']}/measurements/", {"value": "12"})
    assert m1.status_code == 201 and m1.json()["recorded_by"]["id"] == owner.pk
    api("POST", f"metrics/{metric['id']}/measurements/", {"value": "7.25", "source": "Report"})
    got = api("GET", f"metrics/{metric['id']}/").json()
    assert got["status"] == "warning" and got["latest_value"] == "7.2500"
    assert got["measurement_count"] == 2
    items = api("GET", f"metrics/{metric['id']}/measurements/").json()["items"]
    assert [i["value"] for i in items] == ["7.2500", "12.0000"]
    # A correction without a note is refused, naming the field.
    response = api(
        "POST",
        f"metrics/{metric['id']}/measurements/",
        {"value": "7", "corrects_id": items[0]["id"]},
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"][-1] == "note"
    # There is no way to edit or delete a measurement.
    assert api("PATCH", f"metrics/{metric['id']}/measurements/", {}).status_code == 405
    assert Measurement.objects.count() == 2


def test_metric_validation_and_versions(api):
    response = api("POST", "metrics/", {"name": "X", "target": "NaN"})
    assert response.status_code == 422
    response = api("POST", "metrics/", {"name": "X", "target": "5", "objective_id": 999999})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"][-1] == "objective_id"
    metric = api("POST", "metrics/", {"name": "X", "target": "5"}).json()
    path = f"metrics/{metric['id']}/"
    assert api("PATCH", path, {"unit": "%"}).status_code == 428
    assert api("PATCH", path, {"unit": "%", "version": 1}).status_code == 200
    assert api("PATCH", path, {"unit": "h", "version": 1}).status_code == 409
    assert api("PATCH", path, {"unit": "h"}, HTTP_IF_MATCH='"1"').status_code == 412
    assert api("DELETE", f"{path}?version=2").status_code == 204
