"""The document register API: CRUD, versions, the working draft (JSON and upload), lifecycle,
approval, export, methodology; versions with If-Match / body version; errors name fields."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openisms.accounts import services as account_services
from openisms.documents.models import Document, DocumentVersion
from openisms.documents.tests.helpers import (  # noqa: F401 - fixture
    _evidence_root,
    approve,
    make_doc,
    text_file,
)
from openisms.risks import services as risk_services

pytestmark = pytest.mark.django_db
API = "/api/v1/orgs/acme/documents/"


@pytest.fixture
def token(org, owner):
    return account_services.token_create(organization=org, actor=owner, name="tests").secret


def call(client, method, url, secret, body=None, **extra):
    return client.generic(
        method,
        url,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        **extra,
    )


def test_full_lifecycle(client, org, owner, token):
    r = call(client, "POST", API, token, {"title": "ISP", "type": "policy", "body_markdown": "# P"})
    assert r.status_code == 201, r.content
    doc = r.json()
    assert doc["ref"] == "DOC-001" and doc["status"] == "draft" and doc["version"] == 1
    assert doc["working_version"]["number"] == "1.0" and doc["current_version"] is None
    url = f"{API}{doc['id']}/"
    r = call(client, "PATCH", url + "draft/", token, {"body_markdown": "# P\n\n<script>x</script>"})
    assert r.status_code == 428
    r = call(client, "PATCH", url + "draft/", token, {"body_markdown": "# Policy", "version": 1})
    assert r.status_code == 200 and r.json()["body_html"] == "<h1>Policy</h1>"
    r = call(client, "POST", url + "transition/", token, {"to": "in_review", "version": 1})
    assert r.status_code == 200 and r.json()["status"] == "in_review"
    r = call(client, "POST", url + "approve/", token, {"version": 1})
    assert r.status_code == 409
    r = call(client, "POST", url + "approve/", token, {"comment": "ok"}, HTTP_IF_MATCH='"2"')
    assert r.status_code == 200, r.content
    approved = r.json()
    assert approved["status"] == "approved" and approved["in_force"] is True
    assert approved["approved_by"]["email"] == "owner@acme.test" and approved["approved_at"]
    r = call(client, "GET", url, token)
    assert r.json()["status"] == "approved" and r.json()["next_review"]
    assert r["ETag"] == f'"{r.json()["version"]}"'
    r = call(client, "POST", url + "versions/", token, {"bump": "major"})
    assert r.status_code == 201 and r.json()["number"] == "2.0"
    r = call(client, "GET", url + "versions/", token)
    assert [v["number"] for v in r.json()] == ["2.0", "1.0"]
    r = call(client, "DELETE", url + "?version=4", token)
    assert r.status_code == 422 and "retire it instead" in r.json()["error"]["message"]


def test_refusals_name_the_field(client, org, owner, token):
    r = call(client, "POST", API, token, {"title": "X", "type": "policy", "number": "1"})
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["loc"] == ["body", "number"]
    r = call(client, "POST", API, token, {"title": "X", "type": "memo"})
    assert r.status_code == 422
    r = call(client, "POST", API, token, {"title": "X", "type": "policy", "bogus": 1})
    assert r.status_code == 422
    doc = make_doc(org, owner)
    r = call(client, "POST", f"{API}{doc.pk}/transition/", token, {"to": "draft", "version": 1})
    assert r.status_code == 422 and "only a version in review" in r.json()["error"]["message"]


def test_upload_and_download(client, org, owner, token):
    doc = make_doc(org, owner)
    r = client.post(
        f"{API}{doc.pk}/draft/upload/",
        {"file": SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan"), "change_note": "Scanned"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["file"]["name"] == "plan.pdf" and body["body_markdown"] == ""
    download = client.get(body["file"]["download_url"], HTTP_AUTHORIZATION=f"Bearer {token}")
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 plan"
    bad = client.post(
        f"{API}{doc.pk}/draft/upload/",
        {"file": SimpleUploadedFile("x.svg", b"<svg onload=alert(1)></svg>")},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"] == ["body", "file"]


def test_markdown_version_has_no_download(client, org, owner, token):
    doc = make_doc(org, owner)
    v = DocumentVersion.objects.get(document=doc)
    r = call(client, "GET", f"{API}{doc.pk}/versions/{v.pk}/download/", token)
    assert r.status_code == 404


def test_list_filters_and_export(client, org, owner, token):
    make_doc(org, owner, title="Backup procedure", type="procedure")
    approve(make_doc(org, owner), owner)
    r = call(client, "GET", API + "?status=approved", token)
    assert [d["ref"] for d in r.json()["items"]] == ["DOC-002"]
    r = call(client, "GET", API + "?type=procedure", token)
    assert [d["ref"] for d in r.json()["items"]] == ["DOC-001"]
    r = call(client, "GET", API + "export/?format=csv&type=procedure", token)
    text = r.content.decode("utf-8-sig")
    assert "Backup procedure" in text and "Information security policy" not in text


def test_methodology_endpoint(client, org, owner, token):
    r = call(client, "POST", API + "risk-methodology/", token)
    assert r.status_code == 422 and "no risk methodology" in r.json()["error"]["message"]
    risk_services.methodology_from_preset(organization=org, actor=owner, preset="5x5")
    r = call(client, "POST", API + "risk-methodology/", token)
    assert r.status_code == 201 and r.json()["title"] == "Risk assessment methodology"
    assert Document.objects.get().source == "risk_methodology"


def test_other_organisation_is_404(client, org, other_org, owner, member, token):
    theirs = make_doc(other_org, member(other_org, "owner", email="o@globex.test"))
    assert call(client, "GET", f"{API}{theirs.pk}/", token).status_code == 404
    r = call(client, "GET", f"/api/v1/orgs/globex/documents/{theirs.pk}/", token)
    assert r.status_code == 404
