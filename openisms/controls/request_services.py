"""Writes for evidence requests (ISO/IEC 27001 9.2: the auditor asks, the organisation answers
by linking evidence). Every write goes through ``openisms.core.services`` (validation,
optimistic locking, audit trail).

* ``request_create`` / ``request_update`` (while open): ``audits.record_finding`` (owner,
  manager, auditor).
* ``request_answer`` (open → answered, evidence linked and a note): ``controls.change_evidence``
  (owner, manager, contributor).
* ``request_transition``: ``withdrawn`` (from open or answered) with ``audits.record_finding``;
  ``closed`` (from answered) by the requester or a role with ``audits.manage_audits``;
  ``open`` again (from answered, the answer found insufficient) by the requester, with a note.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.controls.models import Control, Evidence, EvidenceRequest
from openisms.controls.models import EvidenceRequestStatus as Status
from openisms.core.gate import require, scoped
from openisms.core.refs import next_ref
from openisms.core.services import record_create, record_m2m, record_update

REQUEST = "audits.record_finding"
ANSWER = "controls.change_evidence"
MANAGE = "audits.manage_audits"
FIELDS = {"title", "description", "due_date", "control", "requested_on"}

TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.OPEN: (Status.WITHDRAWN,),
    Status.ANSWERED: (Status.CLOSED, Status.OPEN, Status.WITHDRAWN),
}


def _check_fields(data: dict[str, Any]) -> None:
    unknown = set(data) - FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))


def _check_control(organization: Any, control: Control | None) -> None:
    if control is not None and control.organization_id != organization.pk:
        raise ValidationError({"control": _("Unknown control.")})


def _check_dates(values: dict[str, Any]) -> None:
    requested, due = values.get("requested_on"), values.get("due_date")
    if requested and due and due < requested:
        raise ValidationError(
            {
                "due_date": _("The due date (%(due)s) is before the request (%(on)s).")
                % {"due": due, "on": requested}
            }
        )


def resolve_control(organization: Any, pk: int | None, field: str = "control") -> Control | None:
    """The organisation's control ``pk`` (None for None); another's is unknown."""
    if pk is None:
        return None
    control = scoped(Control, organization).filter(pk=pk).first()
    if control is None:
        raise ValidationError({field: _("Unknown control: %s.") % pk})
    return control


def resolve_evidence(
    organization: Any, ids: Iterable[int], field: str = "evidence"
) -> list[Evidence]:
    """The organisation's evidence items ``ids``; any other id is refused, naming it."""
    wanted = {int(i) for i in ids}
    found = list(scoped(Evidence, organization).filter(pk__in=wanted))
    missing = wanted - {e.pk for e in found}
    if missing:
        raise ValidationError(
            {field: _("Unknown evidence: %s.") % ", ".join(str(i) for i in sorted(missing))}
        )
    return found


def request_create(*, organization: Any, actor: Any, **data: Any) -> EvidenceRequest:
    require(actor, REQUEST, organization)
    _check_fields(data)
    _check_control(organization, data.get("control"))
    if data.get("requested_on") is None:
        data.pop("requested_on", None)
    with transaction.atomic():
        er = EvidenceRequest(
            organization=organization,
            ref=next_ref(organization, "ER"),
            requested_by=actor,
            **data,
        )
        if not (er.title or "").strip():
            raise ValidationError({"title": _("Give a title.")})
        _check_dates({"requested_on": er.requested_on, "due_date": er.due_date})
        record_create(er, actor=actor)
    return er


def _check_requester_or_manager(er: EvidenceRequest, actor: Any) -> None:
    if not (_is_requester(er, actor) or actor.has_perm(MANAGE, er)):
        raise PermissionDenied(
            _("Only the requester or an audit manager changes or withdraws %s.") % er.ref
        )


def request_update(
    *, er: EvidenceRequest, actor: Any, version: int | None, if_match: bool = False, **data: Any
) -> EvidenceRequest:
    require(actor, REQUEST, er)
    _check_requester_or_manager(er, actor)
    _check_fields(data)
    _check_control(er.organization, data.get("control"))
    if er.status != Status.OPEN:
        raise ValidationError(_("%s is no longer open; it is not edited.") % er.ref)
    if "title" in data and not (data["title"] or "").strip():
        raise ValidationError({"title": _("Give a title.")})
    if data.get("requested_on", "") is None:
        data.pop("requested_on")
    _check_dates(
        {
            "requested_on": data.get("requested_on", er.requested_on),
            "due_date": data.get("due_date", er.due_date),
        }
    )
    return record_update(er, actor=actor, data=data, expected_version=version, if_match=if_match)


def request_answer(
    *,
    er: EvidenceRequest,
    actor: Any,
    evidence: list[Evidence],
    note: str,
    version: int | None,
    if_match: bool = False,
) -> EvidenceRequest:
    """Link the organisation's evidence and a note; the request is then answered."""
    require(actor, ANSWER, er)
    if er.status != Status.OPEN:
        raise ValidationError(
            {
                "status": _("%(ref)s is %(status)s; only an open request is answered.")
                % {"ref": er.ref, "status": Status(er.status).label}
            }
        )
    for item in evidence:
        if item.organization_id != er.organization_id:
            raise ValidationError({"evidence": _("Unknown evidence: %s.") % item.pk})
    note = (note or "").strip()
    if not evidence and not note:
        raise ValidationError({"evidence": _("Link at least one evidence item or write a note.")})
    with transaction.atomic():
        record_update(
            er,
            actor=actor,
            data={
                "status": Status.ANSWERED,
                "answer_note": note,
                "answered_by": actor,
                "answered_at": timezone.now(),
            },
            expected_version=version,
            if_match=if_match,
            action="evidence_request.answer",
        )
        record_m2m(er, actor=actor, field="evidence", ids=[e.pk for e in evidence])
    return er


def transition_problem(er: EvidenceRequest, actor: Any, to: str, note: str) -> str | None:
    """Why ``actor`` may not move ``er`` to ``to`` now (None: they may)."""
    if to not in TRANSITIONS.get(er.status, ()):
        return _("An evidence request cannot go from %(a)s to %(b)s.") % {
            "a": Status(er.status).label,
            "b": Status(to).label if to in Status.values else to,
        }
    if to == Status.OPEN and not note.strip():
        return _("Say why the answer is not sufficient.")
    return None


def _is_requester(er: EvidenceRequest, actor: Any) -> bool:
    return er.requested_by_id is not None and er.requested_by_id == getattr(actor, "pk", None)


def request_transition(
    *,
    er: EvidenceRequest,
    actor: Any,
    to: str,
    version: int | None,
    note: str = "",
    if_match: bool = False,
) -> EvidenceRequest:
    require(actor, REQUEST, er)
    if to == Status.CLOSED and not (_is_requester(er, actor) or actor.has_perm(MANAGE, er)):
        raise PermissionDenied(_("Only the requester or an audit manager closes a request."))
    if to == Status.OPEN and not _is_requester(er, actor):
        raise PermissionDenied(_("Only the requester reopens a request."))
    if to == Status.WITHDRAWN:
        _check_requester_or_manager(er, actor)
    problem = transition_problem(er, actor, to, note)
    if problem:
        field = "note" if to == Status.OPEN and to in TRANSITIONS.get(er.status, ()) else "status"
        raise ValidationError({field: problem})
    data: dict[str, Any] = {"status": to}
    if note.strip():
        data["requester_note"] = note.strip()
    return record_update(
        er,
        actor=actor,
        data=data,
        expected_version=version,
        if_match=if_match,
        action="evidence_request.transition",
    )
