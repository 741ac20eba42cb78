"""The audit pack pages: list, build, polling, detail, download."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openisms.auditpack import files, services
from openisms.auditpack.models import AuditPack
from openisms.core.models import AuditEvent


def _ready(org, actor):
    """A ready pack without running the builder (a small zip in the pack directory)."""
    pack = services.pack_create(organization=org, actor=actor)
    name = files.file_name_for(org.pk, pack.pk)
    path = files.path_for(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    AuditPack.objects.filter(pk=pack.pk).update(
        status="done", progress=100, file_name=name, size=22, sha256="a" * 64
    )
    pack.refresh_from_db()
    return pack


def test_build_from_the_page(client, org, owner, stores, django_capture_on_commit_callbacks):
    client.force_login(owner)
    url = reverse("auditpack:pack_list", args=[org.slug])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, {"as_of": "2026-01-15"})
    assert response.status_code == 302 and len(callbacks) == 1
    pack = AuditPack.objects.get()
    assert pack.as_of.isoformat() == "2026-01-15" and pack.requested_by == owner
    page = client.get(url)
    assert b"AP-001" in page.content and b'data-testid="polling"' in page.content
    assert b"<progress" in page.content
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.content.lstrip().startswith(b'<div id="results"')
    assert "HX-Request" in fragment["Vary"]


def test_bad_as_of_is_refused_naming_the_field(client, org, owner, stores):
    client.force_login(owner)
    url = reverse("auditpack:pack_list", args=[org.slug])
    response = client.post(url, {"as_of": "2999-01-01"})
    assert response.status_code == 422 and b"cannot be in the future" in response.content
    response = client.post(url, {"as_of": "not a date"})
    assert response.status_code == 422 and not AuditPack.objects.exists()


def test_a_ready_pack_stops_polling_and_downloads(client, org, owner, member, stores):
    pack = _ready(org, owner)
    auditor = member(org, "auditor")
    client.force_login(auditor)
    page = client.get(reverse("auditpack:pack_list", args=[org.slug]))
    assert b'data-testid="polling"' not in page.content
    assert f'data-testid="download-{pack.ref}"'.encode() in page.content
    detail = client.get(reverse("auditpack:pack_detail", args=[org.slug, pack.pk]))
    assert detail.status_code == 200 and pack.sha256.encode() in detail.content
    response = client.get(reverse("auditpack:pack_download", args=[org.slug, pack.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "acme-audit-pack-AP-001" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"PK\x05\x06" + b"\x00" * 18
    event = AuditEvent.objects.get(action="download")
    assert event.actor_id == auditor.pk and event.object_id == str(pack.pk)


def test_a_pack_not_ready_or_gone_is_not_found(client, org, owner, stores):
    client.force_login(owner)
    queued = services.pack_create(organization=org, actor=owner)
    url = reverse("auditpack:pack_download", args=[org.slug, queued.pk])
    assert client.get(url).status_code == 404
    pack = _ready(org, owner)
    files.path_for(pack.file_name).unlink()
    assert (
        client.get(reverse("auditpack:pack_download", args=[org.slug, pack.pk])).status_code == 404
    )
    assert not AuditEvent.objects.filter(action="download").exists()


@pytest.mark.parametrize("role", ["contributor", "viewer"])
def test_roles_without_the_permission_are_refused(client, org, owner, member, stores, role):
    pack = _ready(org, owner)
    client.force_login(member(org, role))
    for url in (
        reverse("auditpack:pack_list", args=[org.slug]),
        reverse("auditpack:pack_download", args=[org.slug, pack.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("auditpack:pack_list", args=[org.slug])).status_code == 403


def test_another_organisations_pack_is_never_reachable(
    client, org, other_org, owner, member, stores
):
    theirs = _ready(other_org, member(other_org, "owner"))
    client.force_login(owner)
    for name in ("auditpack:pack_detail", "auditpack:pack_download"):
        assert client.get(reverse(name, args=[org.slug, theirs.pk])).status_code == 404
    assert b"AP-001" not in client.get(reverse("auditpack:pack_list", args=[org.slug])).content


def test_list_queries_do_not_grow_with_rows(
    client, org, owner, stores, django_assert_max_num_queries
):
    client.force_login(owner)
    url = reverse("auditpack:pack_list", args=[org.slug])
    _ready(org, owner)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for _ in range(12):
        _ready(org, owner)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
