"""Requesting a pack, the worker's task (progress, success, failure) and downloads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openisms.auditpack import builder, files, services
from openisms.auditpack.models import AuditPack
from openisms.auditpack.tasks import build_pack
from openisms.auditpack.verify import verify
from openisms.auditpack.writer import PackError
from openisms.core.models import AuditEvent


@pytest.fixture(autouse=True)
def _registered():
    builder.parts()  # the parts are registered before a test replaces one


def _events(pack):
    return list(
        AuditEvent.objects.filter(object_type="auditpack.auditpack", object_id=str(pack.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_request_enqueues_the_build_after_commit(
    org, owner, stores, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        pack = services.pack_request(organization=org, actor=owner)
    assert len(callbacks) == 1
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("build_pack") and task.args_kwargs["args"] == [pack.pk]
    assert (pack.ref, pack.status, pack.as_of) == ("AP-001", "queued", timezone.localdate())


def test_the_task_builds_with_progress_and_audits(org, owner, stores, monkeypatch):
    pack = services.pack_create(organization=org, actor=owner)
    seen = []
    real = services._set_progress

    def spy(pack_id, percent, step):
        real(pack_id, percent, step)
        seen.append(AuditPack.objects.values_list("status", "progress", "step").get(pk=pack_id))

    monkeypatch.setattr(services, "_set_progress", spy)
    result = build_pack.call(pack.pk)
    pack.refresh_from_db()
    assert result["status"] == "done" and pack.status == "done" and pack.progress == 100
    assert all(s == "running" for s, _, _ in seen)
    assert [p for _, p, _ in seen] == sorted(p for _, p, _ in seen) and len(seen) >= 11
    assert seen[0][2].startswith("Scope") and seen[-1][2] == "MANIFEST.json"
    path = files.path_for(pack.file_name)
    assert verify(path).ok and path.stat().st_size == pack.size
    import hashlib

    assert hashlib.sha256(path.read_bytes()).hexdigest() == pack.sha256
    assert pack.file_count and pack.chain_seq and len(pack.chain_hash) == 64
    assert pack.parts[0]["folder"] == "01-scope/"
    assert _events(pack) == ["create", "build_started", "build_finished"]
    # a second run of the same task does nothing
    assert build_pack.call(pack.pk)["status"] == "done"


def test_a_failed_build_is_marked_with_its_reason(org, owner, stores, monkeypatch):
    pack = services.pack_create(organization=org, actor=owner)

    def broken(organization, as_of, w):
        w.add_text("partial.txt", "x")
        raise PackError("E-001 Backup log: the stored file does not match its SHA-256.")

    monkeypatch.setitem(builder.PARTS, "05-objectives", builder.Part("05-objectives", "x", broken))
    with pytest.raises(PackError):
        build_pack.call(pack.pk)
    pack.refresh_from_db()
    assert pack.status == "failed" and "E-001" in pack.error and pack.finished_at
    assert not pack.file_name and not list(files.root().iterdir())  # nothing left behind
    assert _events(pack)[-1] == "build_failed"


def test_unexpected_errors_do_not_leak_details(org, owner, stores, monkeypatch):
    pack = services.pack_create(organization=org, actor=owner)

    def broken(organization, as_of, w):
        raise RuntimeError("/secret/path")

    monkeypatch.setitem(builder.PARTS, "01-scope", builder.Part("01-scope", "x", broken))
    with pytest.raises(RuntimeError):
        services.pack_build(pack=pack)
    pack.refresh_from_db()
    assert pack.status == "failed" and "RuntimeError" in pack.error and "/secret" not in pack.error


def test_a_part_not_available_is_noted_not_fatal(org, owner, stores, monkeypatch):
    def missing(organization, as_of, w):
        raise builder.PartUnavailable("not available: the app is not installed.")

    monkeypatch.setitem(
        builder.PARTS, "07-internal-audit", builder.Part("07-internal-audit", "Audits", missing)
    )
    pack = services.pack_build(pack=services.pack_create(organization=org, actor=owner))
    part = next(p for p in pack.parts if p["folder"] == "07-internal-audit/")
    assert part["status"] == "not available" and "not installed" in part["notes"][0]


def test_only_a_queued_pack_is_built(org, owner, stores):
    pack = services.pack_build(pack=services.pack_create(organization=org, actor=owner))
    with pytest.raises(ValidationError, match="only a queued pack"):
        services.pack_build(pack=pack)


def test_as_of_must_not_be_in_the_future(org, owner):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.pack_request(organization=org, actor=owner, as_of=tomorrow)
    assert "as_of" in exc.value.message_dict
    assert not AuditPack.objects.exists()


@pytest.mark.parametrize("role", ["contributor", "viewer"])
def test_roles_without_the_permission_cannot_request(org, member, role):
    with pytest.raises(PermissionDenied):
        services.pack_request(organization=org, actor=member(org, role))


def test_download_is_audited(org, owner, member, stores):
    auditor = member(org, "auditor")
    pack = services.pack_build(pack=services.pack_create(organization=org, actor=owner))
    services.pack_downloaded(pack=pack, actor=auditor)
    event = AuditEvent.objects.filter(action="download").get()
    assert event.actor_id == auditor.pk and event.changes["sha256"] == pack.sha256
    with pytest.raises(PermissionDenied):
        services.pack_downloaded(pack=pack, actor=member(org, "viewer"))
