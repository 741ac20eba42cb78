"""The incident register: services (links checked against the organisation, lifecycle guards
recorded on the timeline, append-only timeline, the GDPR 72-hour clock), the pages (list with
the GDPR flag and constant query count, detail with evidence SHA-256, export), the API and the
CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openisms.accounts.services import token_create
from openisms.assets.services import asset_create
from openisms.controls import evidence_services
from openisms.core.exceptions import ConflictError
from openisms.incidents import services
from openisms.incidents.models import Incident, TimelineEntry

BASE = "/o/acme/incidents/"
NOW = timezone.now


def make(org, actor, **data):
    data.setdefault("title", "Lost laptop")
    return services.incident_create(organization=org, actor=actor, **data)


def move(incident, actor, *statuses):
    for to in statuses:
        incident = services.incident_transition(
            incident=incident, actor=actor, to=to, version=incident.version
        )
    return incident


def file_evidence(org, actor):
    return evidence_services.evidence_create(
        organization=org,
        actor=actor,
        kind="file",
        upload=SimpleUploadedFile("headers.txt", b"Received: from evil.example\n"),
    )


# --- services -----------------------------------------------------------------------------------


def test_create_with_links(org, owner, other_org, member):
    asset = asset_create(organization=org, actor=owner, name="Mail", type="software")
    evidence = file_evidence(org, owner)
    incident = make(org, owner, assets=[asset], evidence=[evidence])
    assert incident.ref == "INC-001" and incident.owner == owner
    assert list(incident.assets.all()) == [asset] and list(incident.evidence.all()) == [evidence]
    foreign = asset_create(
        organization=other_org, actor=member(other_org, "owner"), name="X", type="software"
    )
    with pytest.raises(ValidationError) as exc:
        make(org, owner, assets=[foreign])
    assert "assets" in exc.value.message_dict
    assert Incident.objects.count() == 1


def test_times_checked(org, owner):
    now = NOW()
    with pytest.raises(ValidationError) as exc:
        make(org, owner, detected_at=now, reported_at=now - dt.timedelta(hours=1))
    assert "reported_at" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make(org, owner, detected_at=now + dt.timedelta(days=1))
    assert "detected_at" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make(org, owner, authority_notified_at=now)
    assert "authority_notified_at" in exc.value.message_dict


def test_lifecycle_guards_and_timeline(org, owner):
    incident = make(org, owner)
    incident = move(incident, owner, "triaged")
    with pytest.raises(ValidationError, match="response"):
        move(incident, owner, "resolved")
    with pytest.raises(ValidationError, match="cannot go from"):
        move(incident, owner, "closed")
    incident = services.incident_update(
        incident=incident, actor=owner, version=incident.version, response="Wiped remotely"
    )
    incident = move(incident, owner, "resolved")
    with pytest.raises(ValidationError, match="lessons"):
        move(incident, owner, "closed")
    entries = list(incident.timeline.values_list("what", flat=True))
    assert entries == ["Status: New → Triaged", "Status: Triaged → Resolved"]
    entry = incident.timeline.first()
    with pytest.raises(ValueError):
        entry.what = "changed"
        entry.save()
    with pytest.raises(ValidationError) as exc:
        services.timeline_add(incident=incident, actor=owner, what="  ")
    assert "what" in exc.value.message_dict


def test_contributor_and_stale(org, owner, member):
    contributor = member(org, "contributor")
    theirs = make(org, owner, owner=contributor)
    mine = make(org, owner)
    services.timeline_add(incident=theirs, actor=contributor, what="Called the user")
    with pytest.raises(PermissionDenied):
        services.timeline_add(incident=mine, actor=contributor, what="No")
    services.incident_update(incident=mine, actor=owner, version=1, title="A")
    stale = Incident.objects.get(pk=mine.pk)
    with pytest.raises(ConflictError):
        services.incident_update(incident=stale, actor=owner, version=1, title="B")


def test_gdpr_clock(org, owner):
    old = NOW() - dt.timedelta(hours=80)
    late = make(org, owner, detected_at=old, personal_data_breach=True)
    assert late.notification_overdue()
    fresh = make(org, owner, personal_data_breach=True)
    assert not fresh.notification_overdue()
    notified = make(
        org,
        owner,
        detected_at=old,
        personal_data_breach=True,
        authority_notified_at=old + dt.timedelta(hours=50),
    )
    assert not notified.notification_overdue()
    assert not make(org, owner, detected_at=old).notification_overdue()


def test_delete_only_new_without_timeline(org, owner):
    incident = make(org, owner)
    services.timeline_add(incident=incident, actor=owner, what="Seen")
    with pytest.raises(ValidationError):
        services.incident_delete(incident=incident, actor=owner, version=1)
    other = make(org, owner)
    services.incident_delete(incident=other, actor=owner, version=1)
    assert Incident.objects.count() == 1


# --- pages --------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def test_list_flags_gdpr_and_constant_queries(signed_in, org, owner):
    make(org, owner, detected_at=NOW() - dt.timedelta(days=4), personal_data_breach=True)
    make(org, owner, title="Outage")
    response = signed_in.get(BASE)
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="gdpr-INC-001"' in body
    assert 'data-testid="gdpr-INC-002"' not in body
    assert " style=" not in body and "<script>" not in body
    filtered = signed_in.get(f"{BASE}?notification_overdue=on").content.decode()
    assert "INC-001" in filtered and "INC-002" not in filtered

    with CaptureQueriesContext(connection) as few:
        signed_in.get(BASE)
    for i in range(28):
        make(org, owner, title=f"I{i}")
    with CaptureQueriesContext(connection) as many:
        signed_in.get(BASE)
    assert len(many) == len(few)


def test_detail_shows_evidence_hash_timeline_and_warning(signed_in, org, owner):
    evidence = file_evidence(org, owner)
    incident = make(
        org,
        owner,
        detected_at=NOW() - dt.timedelta(days=4),
        personal_data_breach=True,
        evidence=[evidence],
    )
    response = signed_in.post(
        f"{BASE}{incident.pk}/timeline/",
        {"at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "what": "Headers saved"},
    )
    assert response.status_code == 302
    page = signed_in.get(f"{BASE}{incident.pk}/").content.decode()
    assert evidence.file.sha256 in page
    assert "Headers saved" in page and 'data-testid="gdpr-warning"' in page
    bad = signed_in.post(f"{BASE}{incident.pk}/timeline/", {"at": "", "what": ""})
    assert bad.status_code == 422


def test_create_edit_transition_pages(signed_in, org, owner):
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = signed_in.post(
        f"{BASE}new/",
        {
            "title": "Outage",
            "detected_at": now,
            "classification": "availability",
            "severity": "high",
        },
    )
    assert response.status_code == 302, response.content.decode()
    incident = Incident.objects.get()
    signed_in.post(f"{BASE}{incident.pk}/status/", {"to": "triaged", "version": 1})
    incident.refresh_from_db()
    assert incident.status == "triaged"
    response = signed_in.post(
        f"{BASE}{incident.pk}/status/", {"to": "resolved", "version": incident.version}, follow=True
    )
    assert "Describe the response" in response.content.decode()


def test_export(signed_in, org, owner):
    make(org, owner, title="A", severity="high")
    make(org, owner, title="B", severity="low")
    response = signed_in.get(f"{BASE}export/?severity=high&format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["ref", "title"] and [r[1] for r in rows[1:]] == ["A"]


# --- API and CLI --------------------------------------------------------------------------------


@pytest.fixture
def api(client, org, owner):
    secret = token_create(organization=org, actor=owner, name="t").secret

    def call(method, path, body=None, **headers):
        return client.generic(
            method,
            "/api/v1/orgs/acme" + path,
            data=json.dumps(body) if body is not None else "",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
            **headers,
        )

    return call


def test_api(api, org, owner, other_org, member):
    evidence = file_evidence(org, owner)
    response = api(
        "POST",
        "/incidents/",
        {"title": "Phishing", "personal_data_breach": True, "evidence_ids": [evidence.pk]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["evidence"][0]["sha256"] == evidence.file.sha256
    assert body["notification_deadline"] and body["notification_overdue"] is False
    pk = body["id"]
    bad = api("POST", "/incidents/", {"title": "x", "asset_ids": [999999]})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"][-1] == "asset_ids"
    assert api("POST", f"/incidents/{pk}/timeline/", {"what": "Reported"}).status_code == 201
    moved = api("POST", f"/incidents/{pk}/transition/", {"status": "triaged", "version": 1})
    assert moved.status_code == 200 and moved.json()["status"] == "triaged"
    assert len(api("GET", f"/incidents/{pk}/timeline/").json()["items"]) == 2
    assert api("PATCH", f"/incidents/{pk}/", {"title": "y", "version": 1}).status_code == 409
    foreign = make(other_org, member(other_org, "owner"))
    assert api("GET", f"/incidents/{foreign.pk}/").status_code == 404


def test_cli(org, owner):
    make(org, owner, detected_at=NOW() - dt.timedelta(days=4), personal_data_breach=True)
    out = StringIO()
    call_command("incidents", "list", "--org", "acme", stdout=out)
    assert "INC-001" in out.getvalue() and "OVERDUE" in out.getvalue()
    out = StringIO()
    call_command("incidents", "list", "--org", "acme", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())[0]["notification_overdue"] == "yes"
    assert TimelineEntry.objects.count() == 0
