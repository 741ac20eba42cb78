"""Writes for evidence (ISO/IEC 27001 7.5, 9.1): items that show a control works, kept fresh.

* ``evidence_create`` / ``evidence_update`` / ``evidence_delete``: permission
  ``controls.change_evidence`` (contributors: the evidence they own), optimistic locking and
  the audit trail through ``openisms.core.services``.
* A file is stored first (``openisms.controls.storage``: content-addressed, so a file whose
  database write then fails is an orphan nobody can reach), then the rows are written in one
  transaction: nothing is half written.
* ``valid_until`` is given, or computed as ``collected_on + refresh_days``; on an edit it keeps
  following the cadence unless it is set to something else.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.assets.services import check_member
from openisms.controls import storage
from openisms.controls.choices import EvidenceKind
from openisms.controls.models import ControlTestRun, Evidence, EvidenceFile
from openisms.controls.services import check_owned, check_requirements
from openisms.core.gate import require
from openisms.core.refs import next_ref
from openisms.core.services import (
    record_create,
    record_delete,
    record_event,
    record_m2m,
    record_update,
)

PERM = "controls.change_evidence"
EDITABLE = {
    "title",
    "description",
    "url",
    "note",
    "collected_on",
    "period_start",
    "period_end",
    "valid_until",
    "refresh_days",
    "owner",
}


def _check_fields(data: dict[str, Any]) -> None:
    unknown = set(data) - EDITABLE - {"kind"}
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))


def _computed(collected_on: dt.date | None, refresh_days: int | None) -> dt.date | None:
    if collected_on is None or not refresh_days:
        return None
    try:
        return collected_on + dt.timedelta(days=refresh_days)
    except OverflowError as exc:
        raise ValidationError(
            {"refresh_days": _("The validity would end after the year 9999.")}
        ) from exc


def _check_url(url: str) -> None:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise ValidationError({"url": _("Give an http:// or https:// link.")})
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationError({"url": _("This is not a valid link.")}) from exc


def _validate(values: dict[str, Any], *, has_file: bool) -> None:
    """The rules of one evidence item (``values``: every field, after the change)."""
    errors: dict[str, str] = {}
    kind = values["kind"]
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": _("Choose file, link or note.")})
    if not (values.get("title") or "").strip():
        errors["title"] = _("Give a title.")
    url = (values.get("url") or "").strip()
    note = (values.get("note") or "").strip()
    if kind == EvidenceKind.LINK:
        if not url:
            errors["url"] = _("Link evidence needs a link (http:// or https://).")
        else:
            try:
                _check_url(url)
            except ValidationError as exc:
                errors["url"] = exc.message_dict["url"][0]
    elif url:
        errors["url"] = _("Only link evidence has a link.")
    if kind == EvidenceKind.NOTE:
        if not note:
            errors["note"] = _("Note evidence needs the note's text.")
    elif note:
        errors["note"] = _("Only note evidence has a note; use the description.")
    if kind == EvidenceKind.FILE and not has_file:
        errors["file"] = _("File evidence needs a file.")
    if kind != EvidenceKind.FILE and has_file:
        errors["file"] = _("Only file evidence has a file.")
    collected = values.get("collected_on")
    if collected is not None and collected > timezone.localdate():
        errors["collected_on"] = _("Evidence cannot be collected in the future.")
    start, end = values.get("period_start"), values.get("period_end")
    if start and end and end < start:
        errors["period_end"] = _("The period ends (%(end)s) before it starts (%(start)s).") % {
            "end": end,
            "start": start,
        }
    refresh = values.get("refresh_days")
    if refresh is not None and refresh < 1:
        errors["refresh_days"] = _("Refresh at least every day (1 or more).")
    valid_until = values.get("valid_until")
    if valid_until and collected and valid_until < collected:
        errors["valid_until"] = _(
            "Evidence cannot stop being valid (%(until)s) before it was collected (%(on)s)."
        ) % {"until": valid_until, "on": collected}
    if errors:
        raise ValidationError(errors)


def file_downloaded(
    *, instance: Any, actor: Any, perm: str, filename: str, file: EvidenceFile
) -> None:
    """Record in the audit trail that ``actor`` took a copy of a stored file (evidence, a
    document's file version): who, which record, the file name and the content's SHA-256.
    Reading is an organisation-wide permission (contributors read what they do not own)."""
    require(actor, perm, instance.organization)
    record_event(
        instance=instance,
        actor=actor,
        action="download",
        changes={"filename": filename, "sha256": file.sha256, "size": file.size},
    )


def stored_file_row(organization: Any, actor: Any, stored: storage.StoredFile) -> EvidenceFile:
    """The organisation's row for this content: reused when the same content was uploaded
    before (one row per organisation and SHA-256)."""
    existing = EvidenceFile.objects.filter(organization=organization, sha256=stored.sha256).first()
    if existing is not None:
        return existing
    try:
        return record_create(
            EvidenceFile(
                organization=organization,
                sha256=stored.sha256,
                size=stored.size,
                content_type=stored.content_type,
            ),
            actor=actor,
        )
    except ValidationError:
        # The same content was just uploaded by someone else: use their row.
        return EvidenceFile.objects.get(organization=organization, sha256=stored.sha256)


def _set_links(
    evidence: Evidence,
    *,
    actor: Any,
    controls: Iterable[Any] | None,
    requirements: Iterable[Any] | None,
) -> None:
    if controls is not None:
        ids = check_owned(evidence.organization, controls, "controls", _("control"))
        record_m2m(evidence, actor=actor, field="controls", ids=ids)
    if requirements is not None:
        ids = check_requirements(evidence.organization, requirements, "requirements")
        record_m2m(evidence, actor=actor, field="requirements", ids=ids)


def _check_links(
    organization: Any, controls: Iterable[Any] | None, requirements: Iterable[Any] | None
) -> tuple[list[Any] | None, list[Any] | None]:
    """Check the links before a file is stored (so a refusal stores nothing)."""
    controls = list(controls) if controls is not None else None
    requirements = list(requirements) if requirements is not None else None
    if controls:
        check_owned(organization, controls, "controls", _("control"))
    if requirements:
        check_requirements(organization, requirements, "requirements")
    return controls, requirements


def evidence_create(
    *,
    organization: Any,
    actor: Any,
    kind: str,
    title: str = "",
    upload: Any = None,
    filename: str | None = None,
    controls: Iterable[Any] | None = None,
    requirements: Iterable[Any] | None = None,
    **data: Any,
) -> Evidence:
    """Add an evidence item. ``upload`` is a file-like with a ``name`` (``filename``
    overrides the name); ``controls`` are the organisation's controls, ``requirements``
    requirement nodes (or ids) of frameworks it sees."""
    require(actor, PERM, organization)
    _check_fields(data)
    if data.get("collected_on") is None:
        data["collected_on"] = timezone.localdate()
    for name in ("url", "note"):
        if isinstance(data.get(name), str):
            data[name] = data[name].strip()
    owner = data.get("owner")
    check_member(organization, owner, "owner")
    probe = Evidence(organization=organization, owner=owner or actor)
    require(actor, PERM, probe)  # a contributor adds evidence they own
    title = (title or "").strip()
    if kind == EvidenceKind.FILE and not title and upload is not None:
        title = storage.sanitize_filename(filename or getattr(upload, "name", ""))
    if data.get("valid_until") is None:
        data["valid_until"] = _computed(data.get("collected_on"), data.get("refresh_days"))
    _validate({**data, "kind": kind, "title": title}, has_file=upload is not None)
    controls, requirements = _check_links(organization, controls, requirements)
    stored = storage.store(upload, filename=filename) if upload is not None else None
    with transaction.atomic():
        evidence = Evidence(
            organization=organization,
            ref=next_ref(organization, "E"),
            kind=kind,
            title=title,
            **data,
        )
        if evidence.owner_id is None and actor is not None:
            evidence.owner = actor
        if stored is not None:
            evidence.file = stored_file_row(organization, actor, stored)
            evidence.filename = stored.filename
        record_create(evidence, actor=actor)
        _set_links(evidence, actor=actor, controls=controls, requirements=requirements)
    return evidence


def evidence_update(
    *,
    evidence: Evidence,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    upload: Any = None,
    filename: str | None = None,
    controls: Iterable[Any] | None = None,
    requirements: Iterable[Any] | None = None,
    **data: Any,
) -> Evidence:
    """Change an evidence item; ``upload`` replaces its file (file evidence only)."""
    require(actor, PERM, evidence)
    _check_fields(data)
    if "kind" in data and data.pop("kind") != evidence.kind:
        raise ValidationError({"kind": _("The kind never changes: add a new evidence item.")})
    if "owner" in data:
        check_member(evidence.organization, data["owner"], "owner")
        probe = copy.copy(evidence)
        probe.owner = data["owner"]
        require(actor, PERM, probe)  # a contributor cannot give their evidence away
    for name in ("title", "url", "note"):
        if name in data and isinstance(data[name], str):
            data[name] = data[name].strip()
    before = {name: getattr(evidence, name) for name in EDITABLE}
    after = {**before, **data}
    # valid_until follows the cadence unless it is set to something else.
    followed = before["valid_until"] == _computed(before["collected_on"], before["refresh_days"])
    if after["refresh_days"] and (
        after["valid_until"] is None or (followed and after["valid_until"] == before["valid_until"])
    ):
        data["valid_until"] = after["valid_until"] = _computed(
            after["collected_on"], after["refresh_days"]
        )
    if upload is not None and evidence.kind != EvidenceKind.FILE:
        raise ValidationError({"file": _("Only file evidence has a file.")})
    has_file = evidence.file_id is not None or upload is not None
    _validate({**after, "kind": evidence.kind}, has_file=has_file)
    controls, requirements = _check_links(evidence.organization, controls, requirements)
    stored = storage.store(upload, filename=filename) if upload is not None else None
    with transaction.atomic():
        if stored is not None:
            data["file"] = stored_file_row(evidence.organization, actor, stored)
            data["filename"] = stored.filename
        record_update(evidence, actor=actor, data=data, expected_version=version, if_match=if_match)
        _set_links(evidence, actor=actor, controls=controls, requirements=requirements)
    return evidence


def evidence_delete(
    *, evidence: Evidence, actor: Any, version: int | None, if_match: bool = False
) -> None:
    """Delete an evidence item; refused while test runs on record cite it. Its stored file
    stays (content-addressed; other evidence may share it)."""
    require(actor, PERM, evidence)
    runs = ControlTestRun.objects.filter(evidence=evidence)
    if runs.exists():
        raise ValidationError(
            _(
                "%(ref)s supports %(n)d recorded test run(s); results on record keep their "
                "evidence, so it cannot be deleted."
            )
            % {"ref": evidence.ref, "n": runs.count()}
        )
    with transaction.atomic():
        record_m2m(evidence, actor=actor, field="controls", ids=[])
        record_m2m(evidence, actor=actor, field="requirements", ids=[])
        record_delete(evidence, actor=actor, expected_version=version, if_match=if_match)
