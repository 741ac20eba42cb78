"""A write sent without the version the user saw is refused, never applied to whatever the
record is now (it could overwrite or delete someone else's change)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openisms.assets.models import Asset
from openisms.assets.services import asset_create
from openisms.controls.models import Control, Evidence
from openisms.controls.services import control_create
from openisms.core.forms import parse_id
from openisms.risks import services as risks
from openisms.risks.models import Threat


@pytest.mark.parametrize(
    ("route", "make", "model"),
    [
        (
            "assets:asset_delete",
            lambda org, u: asset_create(organization=org, actor=u, name="Server", type="hardware"),
            Asset,
        ),
        (
            "controls:control_delete",
            lambda org, u: control_create(organization=org, actor=u, name="Backups"),
            Control,
        ),
        (
            "risks:threat_delete",
            lambda org, u: risks.threat_create(
                organization=org, actor=u, name="Flood", category="natural"
            ),
            Threat,
        ),
        (
            "improvement:nc_delete",
            lambda org, u: __import__("openisms.improvement.tests.helpers", fromlist=["x"]).make_nc(
                org, u
            ),
            __import__("openisms.improvement.models", fromlist=["x"]).Nonconformity,
        ),
        (
            "incidents:incident_delete",
            lambda org, u: __import__(
                "openisms.incidents.services", fromlist=["x"]
            ).incident_create(organization=org, actor=u, title="Lost laptop"),
            __import__("openisms.incidents.models", fromlist=["x"]).Incident,
        ),
        (
            "objectives:objective_delete",
            lambda org, u: __import__(
                "openisms.objectives.services", fromlist=["x"]
            ).objective_create(organization=org, actor=u, title="Fewer phishing clicks"),
            __import__("openisms.objectives.models", fromlist=["x"]).Objective,
        ),
        (
            "evidence:evidence_delete",
            lambda org, u: __import__(
                "openisms.controls.evidence_services", fromlist=["x"]
            ).evidence_create(organization=org, actor=u, kind="note", title="Log", note="ok"),
            Evidence,
        ),
    ],
)
@pytest.mark.parametrize("version", [None, "", "abc", "²", "99999999999999999999"])
def test_delete_without_a_valid_version_is_refused(client, org, owner, route, make, model, version):
    obj = make(org, owner)
    client.force_login(owner)
    data = {} if version is None else {"version": version}
    response = client.post(reverse(route, args=[org.slug, obj.pk]), data, follow=True)
    assert response.status_code == 200
    assert model.objects.filter(pk=obj.pk).exists()
    assert "without the version you saw" in response.content.decode()


def test_parse_id():
    assert parse_id("42") == 42
    for bad in ("", "0", "-1", "²", "٣", "1e3", "99999999999", None, 5):
        assert parse_id(bad) is None


def test_numbers_out_of_range_are_bad_input_not_500(client, org, owner):
    from openisms.accounts import services as account_services

    token = account_services.token_create(organization=org, actor=owner, name="t").secret
    huge = "9" * 25
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for path in (
        f"/api/v1/orgs/{org.slug}/controls/?owner={huge}",
        f"/api/v1/orgs/{org.slug}/evidence/?owner={huge}",
    ):
        response = client.get(path, **auth)
        # SQLite cannot bind it (422 "out of range"); PostgreSQL compares it and finds none
        assert response.status_code in (200, 422), (path, response.status_code)
        if response.status_code == 422:
            assert "out of range" in response.content.decode()
    client.force_login(owner)
    for path in (
        f"/o/{org.slug}/controls/?owner={huge}",
        f"/o/{org.slug}/evidence/?owner={huge}",
        f"/o/{org.slug}/risks/?owner={huge}",
    ):
        assert client.get(path).status_code in (200, 400), path


def test_an_oversized_request_is_refused_before_its_body_is_read(client, org, owner, settings):
    settings.OPENISMS_EVIDENCE_MAX_BYTES = 1024
    client.force_login(owner)
    body = b"x" * (3 * 1024 * 1024)
    response = client.generic(
        "POST",
        f"/o/{org.slug}/evidence/new/",
        body,
        content_type="multipart/form-data; boundary=zzz",
    )
    assert response.status_code == 413 and b"too large" in response.content
