"""Writes for the document register (ISO/IEC 27001 7.5, 5.2).

* ``document_create`` / ``document_update`` / ``document_delete``: the register entry
  (``documents.change_document``; contributors: the documents they own). A document is created
  with its first working version (a draft); only a document that was never approved can be
  deleted.
* ``draft_start`` opens the next working version (minor or major, as the user chooses), a copy
  of the latest content; ``draft_update`` edits the working draft: a Markdown body or an
  uploaded file (stored like evidence: content-addressed, type sniffed, size limited).
* ``document_transition``: submit for review (draft → in review), return to draft, retire
  (``documents.approve_document``). A refused transition says why.
* ``document_approve`` (``documents.approve_document``): the acting user approves the version in
  review; it is frozen (immutable), becomes the version in force and sets the next review date.
* ``methodology_document_generate`` writes the risk methodology into the procedure "Risk
  assessment methodology" (a new document, or a new draft of it).

Every write goes through ``openisms.core.services`` (validation, optimistic locking, audit).
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import hashlib
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.assets.services import check_member
from openisms.controls import storage
from openisms.controls.evidence_services import stored_file_row
from openisms.core.exceptions import ConflictError, PreconditionFailed
from openisms.core.gate import require
from openisms.core.refs import next_ref
from openisms.core.services import (
    record_create,
    record_delete,
    record_event,
    record_m2m,
    record_update,
)
from openisms.documents.choices import (
    Bump,
    DocumentStatus,
    DocumentType,
    Transition,
    VersionStatus,
)
from openisms.documents.models import RISK_METHODOLOGY_SOURCE, Document, DocumentVersion

VIEW = "documents.view_document"
CHANGE = "documents.change_document"
APPROVE = "documents.approve_document"
PREFIX = "DOC"
EDITABLE = {"title", "type", "owner", "classification", "review_interval_months", "retention"}
NUMBER = re.compile(r"^(\d{1,4})\.(\d{1,4})$")
MAX_INTERVAL = 120


# --- helpers ------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def parse_number(value: Any) -> tuple[int, int]:
    match = NUMBER.fullmatch(str(value or "").strip())
    if not match:
        raise ValidationError(
            {"number": _("Give the version number as major.minor, e.g. 1.0 or 0.1.")}
        )
    major, minor = int(match.group(1)), int(match.group(2))
    if major == 0 and minor == 0:
        raise ValidationError({"number": _("The first version is at least 0.1.")})
    return major, minor


def content_hash(body: str, file: Any) -> str:
    if file is not None:
        return str(file.sha256)
    if body:
        return hashlib.sha256(body.encode("utf-8")).hexdigest()
    return ""


def working_version(document: Document) -> DocumentVersion | None:
    """The version being worked on (draft or in review), if any."""
    return (
        DocumentVersion.objects.filter(document=document)
        .exclude(status=VersionStatus.APPROVED)
        .select_related("file")
        .first()
    )


def latest_version(document: Document) -> DocumentVersion | None:
    return (
        DocumentVersion.objects.filter(document=document)
        .select_related("file")
        .order_by("-major", "-minor")
        .first()
    )


def derived_status(document: Document, working: DocumentVersion | None) -> str:
    if document.status == DocumentStatus.RETIRED:
        return DocumentStatus.RETIRED
    if document.current_version_id:
        return DocumentStatus.APPROVED
    if working is not None and working.status == VersionStatus.IN_REVIEW:
        return DocumentStatus.IN_REVIEW
    return DocumentStatus.DRAFT


def _check_fields(data: dict[str, Any]) -> None:
    unknown = set(data) - EDITABLE
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    for name in ("title", "classification", "retention"):
        if isinstance(data.get(name), str):
            data[name] = data[name].strip()
    if "title" in data and not data["title"]:
        raise ValidationError({"title": _("Give a title.")})
    if "type" in data and data["type"] not in DocumentType.values:
        raise ValidationError({"type": _("Choose one of: %s.") % ", ".join(DocumentType.values)})
    interval = data.get("review_interval_months")
    if interval is not None and not 1 <= int(interval) <= MAX_INTERVAL:
        raise ValidationError(
            {
                "review_interval_months": _("Review at least every %d months (1 or more).")
                % MAX_INTERVAL
            }
        )
    return data


def _not_retired(document: Document) -> None:
    if document.status == DocumentStatus.RETIRED:
        raise ValidationError(_("%s is retired: it can no longer be changed.") % document.ref)


def _check_version(document: Document, expected: int | None, if_match: bool) -> None:
    if expected is not None and expected != document.version:
        error = PreconditionFailed if if_match else ConflictError
        raise error(obj=document, expected=expected, current=document.version)


def _lock(document: Document) -> Document:
    return Document.objects.select_for_update().get(pk=document.pk)


def _touch(
    document: Document,
    *,
    actor: Any,
    expected: int | None,
    if_match: bool,
    action: str = "update",
    **data: Any,
) -> Document:
    """Change the document row (status, current version, next review) with the lock check;
    ``updated_at`` always changes, so the version moves on every transition."""
    return record_update(
        document,
        actor=actor,
        data={**data, "updated_at": timezone.now()},
        expected_version=document.version if expected is None else expected,
        if_match=if_match,
        action=action,
    )


def _store(upload: Any, filename: str | None) -> storage.StoredFile | None:
    return storage.store(upload, filename=filename) if upload is not None else None


# --- the register entry -------------------------------------------------------------------------


def document_create(
    *,
    organization: Any,
    actor: Any,
    title: str,
    type: str,
    number: str = "1.0",
    body_markdown: str = "",
    upload: Any = None,
    filename: str | None = None,
    change_note: str = "",
    source: str = "",
    **data: Any,
) -> Document:
    """A new document (DOC-nnn) with its first working version ``number`` (a draft): a Markdown
    body or an uploaded file (not both). The owner defaults to the acting user."""
    require(actor, CHANGE, organization)
    _check_fields(data)
    data = _clean({**data, "title": title, "type": type})
    owner = data.get("owner")
    check_member(organization, owner, "owner")
    require(actor, CHANGE, Document(organization=organization, owner=owner or actor))
    major, minor = parse_number(number)
    body_markdown = body_markdown or ""
    if upload is not None and body_markdown.strip():
        raise ValidationError(
            {"body_markdown": _("Give either a Markdown body or a file, not both.")}
        )
    stored = _store(upload, filename)
    with transaction.atomic():
        document = Document(
            organization=organization, ref=next_ref(organization, PREFIX), source=source, **data
        )
        if document.owner_id is None and actor is not None:
            document.owner = actor
        record_create(document, actor=actor)
        file = stored_file_row(organization, actor, stored) if stored is not None else None
        record_create(
            DocumentVersion(
                organization=organization,
                document=document,
                major=major,
                minor=minor,
                body_markdown=body_markdown if file is None else "",
                file=file,
                filename=stored.filename if stored is not None else "",
                change_note=(change_note or "").strip(),
                content_hash=content_hash(body_markdown, file),
                created_by=actor,
            ),
            actor=actor,
        )
    return document


def document_update(
    *, document: Document, actor: Any, version: int | None, if_match: bool = False, **data: Any
) -> Document:
    """Change the register entry (title, type, owner, classification, review interval,
    retention). A new review interval moves the next review date of an approved document."""
    require(actor, CHANGE, document)
    _check_fields(data)
    _not_retired(document)
    data = _clean(data)
    if "owner" in data:
        check_member(document.organization, data["owner"], "owner")
        probe = copy.copy(document)
        probe.owner = data["owner"]
        require(actor, CHANGE, probe)  # a contributor cannot give their document away
    interval = data.get("review_interval_months")
    if interval is not None and document.current_version_id:
        approved = DocumentVersion.objects.get(pk=document.current_version_id).approved_at
        if approved is not None:
            data["next_review"] = add_months(timezone.localdate(approved), int(interval))
    return record_update(
        document,
        actor=actor,
        data={**data, "updated_at": timezone.now()},
        expected_version=version,
        if_match=if_match,
    )


def document_delete(
    *, document: Document, actor: Any, version: int | None, if_match: bool = False
) -> None:
    """Delete a document that was never approved (with its working draft). An approved
    document is a record: retire it instead."""
    require(actor, CHANGE, document)
    if DocumentVersion.objects.filter(document=document, status=VersionStatus.APPROVED).exists():
        raise ValidationError(
            _("%s has an approved version: approved documents are kept; retire it instead.")
            % document.ref
        )
    with transaction.atomic():
        _check_version(_lock(document), version, if_match)
        _uncite(document, actor=actor)
        for draft in DocumentVersion.objects.filter(document=document):
            record_delete(draft, actor=actor)
        record_delete(document, actor=actor, expected_version=version, if_match=if_match)


def _uncite(document: Document, *, actor: Any) -> None:
    """Drop the document from the controls that cite it (one audited change per control)."""
    for control in document.controls.order_by("pk"):
        ids = set(control.documents.values_list("pk", flat=True)) - {document.pk}
        record_m2m(control, actor=actor, field="documents", ids=ids)


# --- the working draft --------------------------------------------------------------------------


def draft_start(
    *,
    document: Document,
    actor: Any,
    bump: str = Bump.MINOR,
    version: int | None = None,
    if_match: bool = False,
    change_note: str = "",
) -> DocumentVersion:
    """Open the next version (minor: x.y+1, major: x+1.0) as a draft holding a copy of the
    latest content. Refused while a version is being worked on."""
    require(actor, CHANGE, document)
    if bump not in Bump.values:
        raise ValidationError({"bump": _("Choose minor or major.")})
    with transaction.atomic():
        locked = _lock(document)
        _not_retired(locked)
        _check_version(locked, version, if_match)
        working = working_version(locked)
        if working is not None:
            raise ValidationError(
                _("Version %(n)s is already being worked on (%(status)s); finish it first.")
                % {"n": working.number, "status": working.get_status_display().lower()}
            )
        latest = latest_version(locked)
        if latest is None:
            major, minor = 1, 0
        elif bump == Bump.MAJOR:
            major, minor = latest.major + 1, 0
        else:
            major, minor = latest.major, latest.minor + 1
        draft = record_create(
            DocumentVersion(
                organization=locked.organization,
                document=locked,
                major=major,
                minor=minor,
                body_markdown=latest.body_markdown if latest else "",
                file=latest.file if latest else None,
                filename=latest.filename if latest else "",
                change_note=(change_note or "").strip(),
                content_hash=latest.content_hash if latest else "",
                created_by=actor,
            ),
            actor=actor,
        )
        _touch(locked, actor=actor, expected=None, if_match=False)
        document.version = locked.version
    return draft


def draft_update(
    *,
    document: Document,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    body_markdown: str | None = None,
    change_note: str | None = None,
    upload: Any = None,
    filename: str | None = None,
) -> DocumentVersion:
    """Edit the working draft (``version`` is the draft's own version). Its content is a
    Markdown body or a file: uploading a file replaces the body, writing a body replaces the
    file (both stay in the audit trail). A version in review is returned to draft first."""
    require(actor, CHANGE, document)
    _not_retired(document)
    draft = working_version(document)
    if draft is None:
        raise ValidationError(
            _("%s has no working draft: start a new version first.") % document.ref
        )
    if draft.status != VersionStatus.DRAFT:
        raise ValidationError(
            _("Version %s is in review: return it to draft to change it.") % draft.number
        )
    if upload is not None and (body_markdown or "").strip():
        raise ValidationError(
            {"body_markdown": _("Give either a Markdown body or a file, not both.")}
        )
    stored = _store(upload, filename)
    data: dict[str, Any] = {}
    if change_note is not None:
        data["change_note"] = change_note.strip()
    with transaction.atomic():
        if stored is not None:
            data.update(
                body_markdown="",
                file=stored_file_row(document.organization, actor, stored),
                filename=stored.filename,
            )
        elif body_markdown is not None and (body_markdown.strip() or draft.file_id is None):
            data.update(body_markdown=body_markdown, file=None, filename="")
        body = data.get("body_markdown", draft.body_markdown)
        data["content_hash"] = content_hash(body, data.get("file", draft.file))
        data["updated_at"] = timezone.now()
        record_update(draft, actor=actor, data=data, expected_version=version, if_match=if_match)
    return draft


# --- lifecycle ----------------------------------------------------------------------------------

REFUSALS = {
    Transition.SUBMIT: _("only a draft can be submitted for review"),
    Transition.RETURN: _("only a version in review can be returned to draft"),
}


def allowed_transitions(document: Document, working: DocumentVersion | None) -> list[str]:
    """The transitions the document's state allows (permissions aside)."""
    if document.status == DocumentStatus.RETIRED:
        return []
    result: list[str] = []
    if working is not None and working.status == VersionStatus.DRAFT:
        result.append(Transition.SUBMIT)
    if working is not None and working.status == VersionStatus.IN_REVIEW:
        result.append(Transition.RETURN)
    result.append(Transition.RETIRE)
    return result


def document_transition(
    *, document: Document, actor: Any, to: str, version: int | None, if_match: bool = False
) -> Document:
    """Submit the working draft for review (``in_review``), return it to draft (``draft``), or
    retire the document (``retired``, approvers only). ``version`` is the document's."""
    if to not in Transition.values:
        raise ValidationError(
            {
                "to": _("Unknown transition “%(to)s”: use %(allowed)s.")
                % {"to": to, "allowed": ", ".join(Transition.values)}
            }
        )
    require(actor, APPROVE if to == Transition.RETIRE else CHANGE, document)
    with transaction.atomic():
        locked = _lock(document)
        _check_version(locked, version, if_match)
        if locked.status == DocumentStatus.RETIRED:
            raise ValidationError({"to": _("%s is already retired.") % locked.ref})
        working = working_version(locked)
        if to == Transition.RETIRE:
            locked = _touch(
                locked,
                actor=actor,
                expected=version,
                if_match=if_match,
                action="retire",
                status=DocumentStatus.RETIRED,
                next_review=None,
            )
        else:
            wanted = VersionStatus.DRAFT if to == Transition.SUBMIT else VersionStatus.IN_REVIEW
            if working is None:
                raise ValidationError(
                    {"to": _("%s has no working version: start a new version first.") % locked.ref}
                )
            if working.status != wanted:
                raise ValidationError(
                    {
                        "to": _("Version %(n)s is %(status)s: %(why)s.")
                        % {
                            "n": working.number,
                            "status": working.get_status_display().lower(),
                            "why": REFUSALS[Transition(to)],
                        }
                    }
                )
            if to == Transition.SUBMIT and not working.content_hash:
                raise ValidationError(
                    {
                        "to": _("Version %s is empty: write its body or upload a file first.")
                        % working.number
                    }
                )
            record_update(
                working,
                actor=actor,
                data={
                    "status": to,
                    "submitted_at": timezone.now() if to == Transition.SUBMIT else None,
                    "updated_at": timezone.now(),
                },
                action="submit" if to == Transition.SUBMIT else "return",
            )
            locked = _touch(
                locked,
                actor=actor,
                expected=version,
                if_match=if_match,
                status=derived_status(locked, working),
            )
    document.refresh_from_db()
    return document


def document_approve(
    *,
    document: Document,
    actor: Any,
    version: int | None,
    if_match: bool = False,
    comment: str = "",
) -> DocumentVersion:
    """Approve the version in review, as the acting user (named, with the date): it is frozen,
    becomes the version in force, and the next review is due after the review interval."""
    require(actor, APPROVE, document)
    with transaction.atomic():
        locked = _lock(document)
        _check_version(locked, version, if_match)
        if locked.status == DocumentStatus.RETIRED:
            raise ValidationError(_("%s is retired: it cannot be approved.") % locked.ref)
        working = working_version(locked)
        if working is None or working.status != VersionStatus.IN_REVIEW:
            state = (
                _("has no version being worked on")
                if working is None
                else _("version %s is a draft: submit it for review first") % working.number
            )
            raise ValidationError(
                _("%(ref)s cannot be approved: %(why)s.") % {"ref": locked.ref, "why": state}
            )
        if not working.content_hash:
            raise ValidationError(_("Version %s is empty: nothing to approve.") % working.number)
        now = timezone.now()
        name = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
        previous = locked.current_version_id
        try:
            with transaction.atomic():
                record_update(
                    working,
                    actor=actor,
                    data={
                        "status": VersionStatus.APPROVED,
                        "approved_by": actor,
                        "approver_name": (f"{name} <{actor.email}>" if name else actor.email)[:254],
                        "approved_at": now,
                        "approval_comment": (comment or "").strip(),
                        "content_hash": content_hash(working.body_markdown, working.file),
                        "updated_at": now,
                    },
                    action="approve",
                )
        except IntegrityError as exc:  # pragma: no cover - guarded by the document lock
            raise ValidationError(_("Someone approved it at the same moment; reload.")) from exc
        locked = _touch(
            locked,
            actor=actor,
            expected=version,
            if_match=if_match,
            action="approve",
            current_version=working,
            status=DocumentStatus.APPROVED,
            next_review=add_months(timezone.localdate(now), locked.review_interval_months),
        )
        record_event(
            instance=locked,
            actor=actor,
            action="approve",
            changes={
                "approved_version": [None, working.number],
                "current_version_id": [previous, working.pk],
                "content_hash": [None, working.content_hash],
            },
        )
    document.refresh_from_db()
    return working


# --- the risk methodology -----------------------------------------------------------------------


def methodology_document_generate(
    *, organization: Any, actor: Any
) -> tuple[Document, DocumentVersion]:
    """Write the current risk methodology into the procedure "Risk assessment methodology":
    created when the organisation has none (version 1.0 draft), else its working draft is
    regenerated or a new minor version is started. Refused without a methodology, while the
    working version is in review, or when the version in force already says the same."""
    from openisms.documents.methodology_doc import TITLE, methodology_markdown
    from openisms.risks.selectors import methodology_current

    require(actor, CHANGE, organization)
    current = methodology_current(organization=organization)
    if current is None:
        raise ValidationError(_("The organisation has no risk methodology yet: define one first."))
    body = methodology_markdown(current, organization_name=organization.name)
    note = _("Generated from the risk methodology, version %s.") % current.number
    with transaction.atomic():
        document = (
            Document.objects.filter(organization=organization, source=RISK_METHODOLOGY_SOURCE)
            .exclude(status=DocumentStatus.RETIRED)
            .order_by("-pk")
            .first()
        )
        if document is None:
            document = document_create(
                organization=organization,
                actor=actor,
                title=TITLE,
                type=DocumentType.PROCEDURE,
                body_markdown=body,
                change_note=note,
                source=RISK_METHODOLOGY_SOURCE,
                classification="Internal",
            )
            return document, DocumentVersion.objects.get(document=document)
        if not actor.has_perm(CHANGE, document):
            raise PermissionDenied(_("Your role does not allow you to change %s.") % document.ref)
        working = working_version(document)
        if working is not None and working.status == VersionStatus.IN_REVIEW:
            raise ValidationError(
                _("Version %(n)s of %(ref)s is in review: return it to draft to regenerate it.")
                % {"n": working.number, "ref": document.ref}
            )
        if working is None:
            in_force = document.current_version
            if in_force is not None and in_force.body_markdown == body:
                raise ValidationError(
                    _("%(ref)s version %(n)s already describes the current methodology.")
                    % {"ref": document.ref, "n": in_force.number}
                )
            working = draft_start(document=document, actor=actor, bump=Bump.MINOR)
        draft_update(
            document=document,
            actor=actor,
            version=working.version,
            body_markdown=body,
            change_note=note,
        )
        working.refresh_from_db()
    return document, working
