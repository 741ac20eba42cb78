from __future__ import annotations

from openisms.accounts import services as accounts
from openisms.auditpack.models import AuditPack
from openisms.auditpack.tests.test_views import _ready
from openisms.core.models import AuditEvent


def _auth(org, user):
    return {
        "HTTP_AUTHORIZATION": f"Bearer {accounts.token_create(organization=org, actor=user, name='t').secret}"
    }


def test_request_list_get_and_download(
    client, org, owner, member, stores, django_capture_on_commit_callbacks
):
    auditor = member(org, "auditor")
    h = _auth(org, auditor)
    base = f"/api/v1/orgs/{org.slug}/audit-packs/"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(base, '{"as_of": "2026-02-01"}', content_type="application/json", **h)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "queued" and body["as_of"] == "2026-02-01"
    assert body["download_url"] is None and body["requested_by"]["email"] == auditor.email
    r = client.post(base, '{"as_of": "2999-01-01"}', content_type="application/json", **h)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["loc"] == ["body", "as_of"]
    r = client.post(base, '{"colour": "red"}', content_type="application/json", **h)
    assert r.status_code == 422

    ready = _ready(org, owner)
    items = client.get(base, **h).json()["items"]
    assert [i["ref"] for i in items] == [ready.ref, "AP-001"]
    one = client.get(f"{base}{ready.pk}/", **h).json()
    assert one["sha256"] == ready.sha256 and one["download_url"].endswith(f"/{ready.pk}/download/")
    r = client.get(one["download_url"], **h)
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment;")
    assert AuditEvent.objects.filter(action="download", actor_id=auditor.pk).exists()
    queued = AuditPack.objects.get(ref="AP-001")
    assert client.get(f"{base}{queued.pk}/download/", **h).status_code == 404


def test_other_organisation_and_roles(client, org, other_org, owner, member, stores):
    theirs = _ready(other_org, member(other_org, "owner"))
    h = _auth(org, owner)
    assert client.get(f"/api/v1/orgs/{org.slug}/audit-packs/{theirs.pk}/", **h).status_code == 404
    assert (
        client.get(f"/api/v1/orgs/{org.slug}/audit-packs/{theirs.pk}/download/", **h).status_code
        == 404
    )
    viewer = _auth(org, member(org, "viewer"))
    assert client.get(f"/api/v1/orgs/{org.slug}/audit-packs/", **viewer).status_code == 403
