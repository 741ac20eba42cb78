"""The evidence API: list with filters (constant query count), create as JSON (link, note)
and as a multipart upload, the download, change with versions, delete, refusals in the
error body, and another organisation's evidence never visible."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openisms.accounts import services as account_services
from openisms.accounts.tests.test_api import assert_error_shape, auth
from openisms.controls import evidence_services as services
from openisms.controls import services as control_services
from openisms.controls.models import Evidence, EvidenceFile
from openisms.controls.tests.test_evidence_storage import (
    HTML,
    PDF,
    PNG,
    stored_files,
    upload,
    use_tmp_root,
)

BASE = "/api/v1/orgs/acme/evidence/"
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    return use_tmp_root(settings, tmp_path)


@pytest.fixture
def token(org, owner):
    return account_services.token_create(organization=org, actor=owner, name="tests").secret


@pytest.fixture
def control(org, owner):
    return control_services.control_create(organization=org, actor=owner, name="Backups")


def make_note(org, actor, title="Walkthrough", **data) -> Evidence:
    return services.evidence_create(
        organization=org, actor=actor, kind="note", title=title, note="Seen.", **data
    )


def post_json(client, url, body, secret, **extra):
    return client.post(url, body, content_type="application/json", **extra, **auth(secret))


def patch_json(client, url, body, secret, **extra):
    return client.patch(url, body, content_type="application/json", **extra, **auth(secret))


class TestCreate:
    def test_link_as_json(self, client, org, token, control):
        r = post_json(
            client,
            BASE,
            {
                "kind": "link",
                "title": "Backup dashboard",
                "url": "https://backup.example/jobs",
                "refresh_days": 90,
                "control_ids": [control.pk],
            },
            token,
        )
        assert r.status_code == 201, r.content
        body = r.json()
        assert body["ref"] == "E-001" and body["kind"] == "link" and body["file"] is None
        assert body["valid_until"] == (TODAY + dt.timedelta(days=90)).isoformat()
        assert body["freshness"] == "fresh" and body["control_ids"] == [control.pk]
        assert r["ETag"] == '"1"'

    def test_json_refusals_name_the_field(self, client, org, token):
        r = post_json(client, BASE, {"kind": "link", "title": "L", "url": "javascript:x"}, token)
        assert_error_shape(r, 422, "validation_error")
        assert r.json()["error"]["details"][0]["loc"] == ["body", "url"]
        r = post_json(client, BASE, {"kind": "file", "title": "F"}, token)
        assert_error_shape(r, 422, "validation_error")
        assert "upload" in r.json()["error"]["message"]
        r = post_json(client, BASE, {"kind": "note", "title": "N", "note": "x", "bogus": 1}, token)
        assert_error_shape(r, 422, "validation_error")
        assert not Evidence.objects.exists()

    def test_foreign_control_is_refused(self, client, org, token, other_org, member):
        theirs = control_services.control_create(
            organization=other_org, actor=member(other_org, "owner"), name="Theirs"
        )
        r = post_json(
            client,
            BASE,
            {"kind": "note", "title": "N", "note": "x", "control_ids": [theirs.pk]},
            token,
        )
        assert_error_shape(r, 422, "validation_error")
        assert r.json()["error"]["details"][0]["loc"] == ["body", "control_ids"]

    def test_multipart_upload_then_download(self, client, org, token, control, evidence_root):
        r = client.post(
            BASE + "upload/",
            {
                "file": upload("Restore report.pdf", PDF),
                "title": "Restore test 2026",
                "refresh_days": "90",
                "control_ids": [str(control.pk)],
            },
            **auth(token),
        )
        assert r.status_code == 201, r.content
        body = r.json()
        sha = hashlib.sha256(PDF).hexdigest()
        assert body["kind"] == "file" and body["title"] == "Restore test 2026"
        assert body["file"] == {
            "name": "Restore report.pdf",
            "sha256": sha,
            "size": len(PDF),
            "content_type": "application/pdf",
            "download_url": f"{BASE}{body['id']}/download/",
        }
        assert body["control_ids"] == [control.pk]
        listed = client.get(BASE, **auth(token)).json()["items"]
        assert listed[0]["file"] == body["file"]
        download = client.get(body["file"]["download_url"], **auth(token))
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF
        assert download["Content-Type"] == "application/pdf"
        assert download["Content-Disposition"].startswith("attachment;")
        assert "filename*=UTF-8''Restore%20report.pdf" in download["Content-Disposition"]
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"

    def test_upload_with_only_a_file(self, client, org, token):
        r = client.post(BASE + "upload/", {"file": upload("shot.png", PNG)}, **auth(token))
        assert r.status_code == 201, r.content
        assert r.json()["title"] == "shot.png"
        assert r.json()["file"]["content_type"] == "image/png"

    def test_upload_refusals(self, client, org, token, settings, evidence_root):
        r = client.post(BASE + "upload/", {"file": upload("bill.pdf", HTML)}, **auth(token))
        assert_error_shape(r, 422, "validation_error")
        assert r.json()["error"]["details"][0]["loc"] == ["body", "file"]
        assert "HTML" in r.json()["error"]["message"] and ".pdf" in r.json()["error"]["message"]
        settings.OPENISMS_EVIDENCE_MAX_BYTES = 10
        r = client.post(BASE + "upload/", {"file": upload("a.pdf", PDF)}, **auth(token))
        assert_error_shape(r, 422, "validation_error")
        assert "larger than the limit" in r.json()["error"]["message"]
        assert not Evidence.objects.exists() and stored_files(evidence_root) == []

    def test_same_upload_twice_is_one_file(self, client, org, token, evidence_root):
        for name in ("a.pdf", "b.pdf"):
            r = client.post(BASE + "upload/", {"file": upload(name, PDF)}, **auth(token))
            assert r.status_code == 201
        assert EvidenceFile.objects.count() == 1 and len(stored_files(evidence_root)) == 1

    def test_viewer_cannot_upload(self, client, org, member):
        secret = account_services.token_create(
            organization=org, actor=member(org, "viewer"), name="v"
        ).secret
        r = client.post(BASE + "upload/", {"file": upload("a.pdf", PDF)}, **auth(secret))
        assert_error_shape(r, 403, "permission_denied")


class TestRead:
    def test_list_filters(self, client, org, owner, token, control):
        make_note(
            org,
            owner,
            "Old",
            collected_on=TODAY - dt.timedelta(days=9),
            valid_until=TODAY - dt.timedelta(days=1),
            controls=[control],
        )
        make_note(org, owner, "Soon", valid_until=TODAY + dt.timedelta(days=2))
        make_note(org, owner, "Forever")

        def refs(query=""):
            r = client.get(BASE + query, **auth(token))
            assert r.status_code == 200, r.content
            return [item["ref"] for item in r.json()["items"]]

        assert refs() == ["E-001", "E-002", "E-003"]
        assert refs("?freshness=stale") == ["E-001"]
        assert refs("?freshness=expiring") == ["E-002"]
        assert refs("?freshness=fresh") == ["E-003"]
        assert refs(f"?control={control.pk}") == ["E-001"]
        assert refs("?kind=link") == []
        assert client.get(BASE + "?freshness=rotten", **auth(token)).status_code == 422

    def test_list_query_count_does_not_grow(self, client, org, owner, token, control):
        def fill(n):
            for i in range(n):
                make_note(org, owner, f"N{i}", controls=[control])

        def count():
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(BASE, **auth(token)).status_code == 200
            return len(ctx.captured_queries)

        fill(3)
        count()  # the token's first use of the day is recorded (a few more queries)
        small = count()
        fill(27)
        assert count() == small

    def test_another_organisation_is_404(self, client, org, token, other_org, member):
        theirs = make_note(other_org, member(other_org, "owner"))
        assert_error_shape(client.get(f"{BASE}{theirs.pk}/", **auth(token)), 404, "not_found")
        r = client.get(f"{BASE}{theirs.pk}/download/", **auth(token))
        assert_error_shape(r, 404, "not_found")
        r = patch_json(client, f"{BASE}{theirs.pk}/", {"title": "x", "version": 1}, token)
        assert_error_shape(r, 404, "not_found")

    def test_note_has_no_download(self, client, org, owner, token):
        evidence = make_note(org, owner)
        r = client.get(f"{BASE}{evidence.pk}/download/", **auth(token))
        assert_error_shape(r, 404, "error")


class TestChange:
    def test_patch_with_versions(self, client, org, owner, token, control):
        evidence = make_note(org, owner)
        url = f"{BASE}{evidence.pk}/"
        r = patch_json(client, url, {"title": "x"}, token)
        assert_error_shape(r, 428, "precondition_required")
        r = patch_json(
            client, url, {"title": "Second", "control_ids": [control.pk], "version": 1}, token
        )
        assert r.status_code == 200, r.content
        assert r.json()["title"] == "Second" and r.json()["control_ids"] == [control.pk]
        assert r["ETag"] == '"2"'
        r = patch_json(client, url, {"title": "Stale", "version": 1}, token)
        assert_error_shape(r, 409, "conflict")
        r = patch_json(client, url, {"title": "Stale"}, token, HTTP_IF_MATCH='"1"')
        assert_error_shape(r, 412, "precondition_failed")
        r = patch_json(client, url, {"kind": "link", "version": 2}, token)
        assert_error_shape(r, 422, "validation_error")

    def test_delete(self, client, org, owner, token):
        evidence = make_note(org, owner)
        url = f"{BASE}{evidence.pk}/"
        assert_error_shape(client.delete(url, **auth(token)), 428, "precondition_required")
        assert_error_shape(client.delete(url + "?version=3", **auth(token)), 409, "conflict")
        assert client.delete(url + "?version=1", **auth(token)).status_code == 204
        assert not Evidence.objects.exists()
