"""Writes for audit packs: request one (queued for the worker), build it (the worker's task, or
the command line synchronously), record a download. Every state change goes through
``core.services`` (audit trail); the progress counter alone is a plain update, as it carries no
decision and changes a dozen times per build."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.auditpack import builder, files
from openisms.auditpack.choices import PackStatus
from openisms.auditpack.models import AuditPack
from openisms.auditpack.writer import PackError
from openisms.core.gate import require
from openisms.core.refs import next_ref
from openisms.core.services import record_create, record_event, record_update

logger = logging.getLogger(__name__)

PERM = "readiness.build_audit_pack"


def _check_as_of(as_of: dt.date | None) -> dt.date:
    today = timezone.localdate()
    if as_of is None:
        return today
    if as_of > today:
        raise ValidationError({"as_of": _("The as-of date cannot be in the future.")})
    if as_of.year < 2000:
        raise ValidationError({"as_of": _("The as-of date is before 2000.")})
    return as_of


def pack_create(*, organization: Any, actor: Any, as_of: dt.date | None = None) -> AuditPack:
    """A queued pack, not enqueued (the command line builds it at once). ``actor`` None: the
    command line without ``--as``."""
    if actor is not None:
        require(actor, PERM, organization)
    day = _check_as_of(as_of)
    with transaction.atomic():
        pack = AuditPack(
            organization=organization,
            ref=next_ref(organization, "AP"),
            requested_by=actor,
            as_of=day,
        )
        record_create(pack, actor=actor)
    return pack


def pack_request(*, organization: Any, actor: Any, as_of: dt.date | None = None) -> AuditPack:
    """A pack queued for the worker (enqueued once the transaction commits)."""
    from openisms.auditpack.tasks import build_pack

    with transaction.atomic():
        pack = pack_create(organization=organization, actor=actor, as_of=as_of)
        pk = pack.pk
        transaction.on_commit(lambda: build_pack.enqueue(pk))
    return pack


def _set_progress(pack_id: int, percent: int, step: str) -> None:
    AuditPack.objects.filter(pk=pack_id).update(progress=max(0, min(percent, 99)), step=step[:200])


def _failure_message(exc: Exception) -> str:
    if isinstance(exc, PackError | ValidationError):
        return str(exc)[:2000]
    return (
        _(
            "The build failed unexpectedly (%s); the worker's log has the details. Try again, and "
            "tell your administrator if it fails again."
        )
        % type(exc).__name__
    )


def pack_build(*, pack: AuditPack) -> AuditPack:
    """Build a queued pack now (the worker's task, or the command line). A failure marks the
    pack failed with the reason, removes the partial file and re-raises."""
    if pack.status != PackStatus.QUEUED:
        raise ValidationError(
            {
                "status": _("%(ref)s is %(status)s: only a queued pack is built.")
                % {"ref": pack.ref, "status": pack.get_status_display().lower()}
            }
        )
    name = files.file_name_for(pack.organization_id, pack.pk)
    pack = record_update(
        pack,
        actor=None,
        data={
            "status": PackStatus.RUNNING,
            "started_at": timezone.now(),
            "progress": 0,
            "step": "",
            "error": "",
        },
        expected_version=pack.version,
        action="build_started",
    )
    requester = pack.requested_by.email if pack.requested_by is not None else ""
    try:
        written = builder.build(
            organization=pack.organization,
            as_of=pack.as_of,
            destination=files.path_for(name),
            progress=lambda pct, step: _set_progress(pack.pk, pct, step),
            requested_by=requester,
        )
    except Exception as exc:
        logger.exception("audit pack %s of %s failed", pack.ref, pack.organization.slug)
        pack.refresh_from_db()
        record_update(
            pack,
            actor=None,
            data={
                "status": PackStatus.FAILED,
                "finished_at": timezone.now(),
                "step": "",
                "error": _failure_message(exc),
            },
            action="build_failed",
        )
        raise
    head = written.manifest["audit_chain"]
    pack.refresh_from_db()
    return record_update(
        pack,
        actor=None,
        data={
            "status": PackStatus.DONE,
            "progress": 100,
            "step": "",
            "finished_at": timezone.now(),
            "file_name": name,
            "size": written.size,
            "sha256": written.sha256,
            "file_count": len(written.files),
            "chain_seq": head["seq"],
            "chain_hash": head["hash"],
            "parts": written.manifest["parts"],
        },
        action="build_finished",
    )


def pack_downloaded(*, pack: AuditPack, actor: Any) -> None:
    """Record who took a copy of the pack (the audit trail keeps every download)."""
    require(actor, PERM, pack.organization)
    record_event(
        instance=pack,
        actor=actor,
        action="download",
        changes={"sha256": pack.sha256, "size": pack.size},
    )
