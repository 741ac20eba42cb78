"""Writes for the incident register: incidents, their links, lifecycle and timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.assets.services import check_member
from openisms.controls.services import check_owned
from openisms.core.gate import require
from openisms.core.refs import next_ref
from openisms.core.services import record_create, record_delete, record_m2m, record_update
from openisms.incidents.choices import TRANSITIONS, IncidentStatus
from openisms.incidents.models import Incident, TimelineEntry

CHANGE = "incidents.change_incident"
INCIDENT_FIELDS = {
    "title",
    "description",
    "detected_at",
    "reported_at",
    "reported_by",
    "classification",
    "severity",
    "owner",
    "response",
    "lessons_learned",
    "personal_data_breach",
    "authority_notified_at",
}
LINKS = {
    "assets": _("asset"),
    "risks": _("risk"),
    "nonconformities": _("nonconformity"),
    "evidence": _("evidence"),
}


def _check_fields(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))


def _check_times(data: dict[str, Any]) -> None:
    now = timezone.now() + dt.timedelta(minutes=5)
    for field in ("detected_at", "reported_at", "authority_notified_at"):
        value = data.get(field)
        if value is not None and value > now:
            raise ValidationError({field: _("This cannot be in the future.")})


def _set_links(incident: Incident, *, actor: Any, links: dict[str, Iterable[Any] | None]) -> None:
    for field, objects in links.items():
        if objects is None:
            continue
        ids = check_owned(incident.organization, objects, field, str(LINKS[field]))
        record_m2m(incident, actor=actor, field=field, ids=ids)


def _pop_links(data: dict[str, Any]) -> dict[str, Any]:
    return {field: data.pop(field, None) for field in LINKS}


def incident_create(*, organization: Any, actor: Any, **data: Any) -> Incident:
    require(actor, CHANGE, organization)
    links = _pop_links(data)
    _check_fields(data, INCIDENT_FIELDS)
    check_member(organization, data.get("owner"), "owner")
    _check_times(data)
    with transaction.atomic():
        incident = Incident(organization=organization, ref=next_ref(organization, "INC"), **data)
        if incident.owner_id is None and actor is not None:
            incident.owner = actor
        require(actor, CHANGE, incident)
        record_create(incident, actor=actor)
        _set_links(incident, actor=actor, links=links)
    return incident


def incident_update(
    *, incident: Incident, actor: Any, version: int | None, if_match: bool = False, **data: Any
) -> Incident:
    require(actor, CHANGE, incident)
    links = _pop_links(data)
    _check_fields(data, INCIDENT_FIELDS)
    check_member(incident.organization, data.get("owner"), "owner")
    _check_times(data)
    with transaction.atomic():
        record_update(incident, actor=actor, data=data, expected_version=version, if_match=if_match)
        _set_links(incident, actor=actor, links=links)
    return incident


def incident_delete(
    *, incident: Incident, actor: Any, version: int | None, if_match: bool = False
) -> None:
    """Only a new incident without timeline may be deleted (a duplicate, a mistake)."""
    require(actor, CHANGE, incident)
    if incident.status != IncidentStatus.NEW or incident.timeline.exists():
        raise ValidationError(
            _("%s is being handled; it cannot be deleted. Close it instead.") % incident.ref
        )
    with transaction.atomic():
        for field in LINKS:
            record_m2m(incident, actor=actor, field=field, ids=[])
        record_delete(incident, actor=actor, expected_version=version, if_match=if_match)


def transition_problem(incident: Incident, to: str) -> str | None:
    if to not in TRANSITIONS.get(incident.status, ()):
        return _("An incident cannot go from %(a)s to %(b)s.") % {
            "a": IncidentStatus(incident.status).label,
            "b": IncidentStatus(to).label if to in IncidentStatus.values else to,
        }
    if to == IncidentStatus.RESOLVED and not incident.response.strip():
        return _("Describe the response before marking it resolved.")
    if to == IncidentStatus.CLOSED and not incident.lessons_learned.strip():
        return _("Record the lessons learned before closing it.")
    return None


def incident_transition(
    *, incident: Incident, actor: Any, to: str, version: int | None, if_match: bool = False
) -> Incident:
    """Change the status; the timeline records it."""
    require(actor, CHANGE, incident)
    problem = transition_problem(incident, to)
    if problem:
        raise ValidationError({"status": problem})
    before = IncidentStatus(incident.status).label
    with transaction.atomic():
        record_update(
            incident,
            actor=actor,
            data={"status": to},
            expected_version=version,
            if_match=if_match,
            action="incident.transition",
        )
        record_create(
            TimelineEntry(
                organization=incident.organization,
                incident=incident,
                what=_("Status: %(a)s → %(b)s") % {"a": before, "b": IncidentStatus(to).label},
                by=actor,
            ),
            actor=actor,
        )
    return incident


def timeline_add(
    *, incident: Incident, actor: Any, what: str, at: dt.datetime | None = None
) -> TimelineEntry:
    """Add an event to the timeline (never edited afterwards)."""
    require(actor, CHANGE, incident)
    if not (what or "").strip():
        raise ValidationError({"what": _("Say what happened.")})
    at = at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"at": _("This cannot be in the future.")})
    return record_create(
        TimelineEntry(
            organization=incident.organization,
            incident=incident,
            at=at,
            what=what.strip(),
            by=actor,
        ),
        actor=actor,
    )
