"""Writes for ISMS roles, processes and their RACI, competences, training records, awareness
campaigns and the communication plan. Every write goes through ``openisms.core.services``
(validation, optimistic locking, audit trail); many-to-many changes through ``record_m2m``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from openisms.assets.services import check_member
from openisms.controls.services import check_owned
from openisms.core.gate import require
from openisms.core.refs import next_ref
from openisms.core.services import (
    record_create,
    record_delete,
    record_m2m,
    record_update,
)
from openisms.people.choices import RaciLetter
from openisms.people.models import (
    AwarenessCampaign,
    CommunicationItem,
    Competence,
    IsmsRole,
    Process,
    RaciAssignment,
    TrainingRecord,
)

CHANGE = "people.change_people"

COMPETENCE_FIELDS = {"name", "description"}
ROLE_FIELDS = {"name", "responsibilities"}
PROCESS_FIELDS = {"name", "description"}
TRAINING_FIELDS = {"person", "competence", "title", "completed_on", "valid_until", "notes"}
CAMPAIGN_FIELDS = {
    "title",
    "description",
    "audience",
    "starts_on",
    "ends_on",
    "target_count",
    "completed_count",
}
COMMUNICATION_FIELDS = {"what", "when", "audience", "communicator", "channel", "notes"}


def _check_fields(data: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))


def _strip(data: dict[str, Any], *fields: str) -> None:
    for f in fields:
        if isinstance(data.get(f), str):
            data[f] = data[f].strip()


def _unique_name(model: Any, organization: Any, name: str, exclude: int | None = None) -> None:
    qs = model.objects.filter(organization=organization, name__iexact=(name or "").strip())
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise ValidationError({"name": _("“%s” already exists.") % name})


def _create(obj: Any, actor: Any) -> Any:
    return record_create(obj, actor=actor)


def _update(obj: Any, actor: Any, data: dict[str, Any], version: Any, if_match: bool) -> Any:
    return record_update(obj, actor=actor, data=data, expected_version=version, if_match=if_match)


# --- competences --------------------------------------------------------------------------------


def competence_create(*, organization: Any, actor: Any, **data: Any) -> Competence:
    require(actor, CHANGE, organization)
    _check_fields(data, COMPETENCE_FIELDS)
    _strip(data, "name")
    _unique_name(Competence, organization, data.get("name", ""))
    return _create(Competence(organization=organization, **data), actor)


def competence_update(
    *, competence: Competence, actor: Any, version: Any, if_match: bool = False, **data: Any
) -> Competence:
    require(actor, CHANGE, competence)
    _check_fields(data, COMPETENCE_FIELDS)
    _strip(data, "name")
    if "name" in data:
        _unique_name(Competence, competence.organization, data["name"], exclude=competence.pk)
    return _update(competence, actor, data, version, if_match)


def competence_delete(
    *, competence: Competence, actor: Any, version: Any, if_match: bool = False
) -> None:
    require(actor, CHANGE, competence)
    roles = list(competence.roles.values_list("name", flat=True))
    if roles:
        raise ValidationError(
            _("%(c)s is required by %(roles)s; remove it from those roles first.")
            % {"c": competence.name, "roles": ", ".join(sorted(roles))}
        )
    if competence.training_records.exists():
        raise ValidationError(
            _("%s has training records; they stay as records, so it cannot be deleted.")
            % competence.name
        )
    record_delete(competence, actor=actor, expected_version=version, if_match=if_match)


# --- ISMS roles ---------------------------------------------------------------------------------


def _set_role_links(
    role: IsmsRole,
    *,
    actor: Any,
    holders: Iterable[Any] | None,
    competences: Iterable[Competence] | None,
) -> None:
    if holders is not None:
        people = list(holders)
        for person in people:
            check_member(role.organization, person, "holders")
        record_m2m(role, actor=actor, field="holders", ids=[p.pk for p in people])
    if competences is not None:
        ids = check_owned(role.organization, competences, "competences", _("competence"))
        record_m2m(role, actor=actor, field="competences", ids=ids)


def role_create(
    *,
    organization: Any,
    actor: Any,
    holders: Iterable[Any] | None = None,
    competences: Iterable[Competence] | None = None,
    **data: Any,
) -> IsmsRole:
    require(actor, CHANGE, organization)
    _check_fields(data, ROLE_FIELDS)
    _strip(data, "name")
    _unique_name(IsmsRole, organization, data.get("name", ""))
    with transaction.atomic():
        role = _create(IsmsRole(organization=organization, **data), actor)
        _set_role_links(role, actor=actor, holders=holders, competences=competences)
    return role


def role_update(
    *,
    role: IsmsRole,
    actor: Any,
    version: Any,
    if_match: bool = False,
    holders: Iterable[Any] | None = None,
    competences: Iterable[Competence] | None = None,
    **data: Any,
) -> IsmsRole:
    require(actor, CHANGE, role)
    _check_fields(data, ROLE_FIELDS)
    _strip(data, "name")
    if "name" in data:
        _unique_name(IsmsRole, role.organization, data["name"], exclude=role.pk)
    with transaction.atomic():
        # The version is checked (and bumped) even when only the links change.
        role = record_update(
            role,
            actor=actor,
            data=data or {"name": role.name},
            expected_version=version,
            if_match=if_match,
        )
        _set_role_links(role, actor=actor, holders=holders, competences=competences)
    return role


def role_delete(*, role: IsmsRole, actor: Any, version: Any, if_match: bool = False) -> None:
    """Refused while the role is Accountable for a process; its other RACI letters go with it."""
    require(actor, CHANGE, role)
    accountable = list(
        role.raci.filter(letter=RaciLetter.ACCOUNTABLE).values_list("process__name", flat=True)
    )
    if accountable:
        raise ValidationError(
            _("%(role)s is accountable for %(p)s; name another accountable role first.")
            % {"role": role.name, "p": ", ".join(sorted(accountable))}
        )
    with transaction.atomic():
        for assignment in list(role.raci.all()):
            record_delete(assignment, actor=actor)
        record_m2m(role, actor=actor, field="holders", ids=[])
        record_m2m(role, actor=actor, field="competences", ids=[])
        record_delete(role, actor=actor, expected_version=version, if_match=if_match)


# --- processes and RACI -------------------------------------------------------------------------


def raci_problem(letters: Iterable[str]) -> str | None:
    """Why a process's set of letters is not acceptable (None: it is)."""
    letters = list(letters)
    if not letters:
        return None
    accountable = letters.count(RaciLetter.ACCOUNTABLE)
    if accountable != 1:
        return _("A process has exactly one Accountable role (A); this one has %d.") % accountable
    return None


def raci_set(*, process: Process, actor: Any, assignments: Mapping[IsmsRole, str]) -> None:
    """Replace the RACI of ``process`` with ``assignments`` (role → R, A, C or I; a role left out
    has no letter). Once any role has a letter, exactly one is Accountable."""
    require(actor, CHANGE, process)
    clean: dict[int, str] = {}
    roles = {}
    for role, letter in assignments.items():
        if role.organization_id != process.organization_id:
            raise ValidationError({"raci": _("Unknown role.")})
        letter = (letter or "").strip().upper()
        if not letter:
            continue
        if letter not in RaciLetter.values:
            raise ValidationError(
                {
                    "raci": _("%(role)s: use R, A, C or I, not “%(l)s”.")
                    % {"role": role, "l": letter}
                }
            )
        clean[role.pk] = letter
        roles[role.pk] = role
    problem = raci_problem(clean.values())
    if problem:
        raise ValidationError({"raci": problem})
    with transaction.atomic():
        existing = {
            a.role_id: a for a in RaciAssignment.objects.select_for_update().filter(process=process)
        }
        for role_id, assignment in existing.items():
            if role_id not in clean:
                record_delete(assignment, actor=actor)
        # Demotions before promotions: at most one A at every step.
        changed = [
            (rid, letter)
            for rid, letter in clean.items()
            if rid in existing and existing[rid].letter != letter
        ]
        for role_id, letter in sorted(changed, key=lambda c: c[1] == RaciLetter.ACCOUNTABLE):
            record_update(existing[role_id], actor=actor, data={"letter": letter})
        for role_id, letter in clean.items():
            if role_id not in existing:
                record_create(
                    RaciAssignment(
                        organization=process.organization,
                        process=process,
                        role=roles[role_id],
                        letter=letter,
                    ),
                    actor=actor,
                )


def process_create(
    *,
    organization: Any,
    actor: Any,
    raci: Mapping[IsmsRole, str] | None = None,
    **data: Any,
) -> Process:
    require(actor, CHANGE, organization)
    _check_fields(data, PROCESS_FIELDS)
    _strip(data, "name")
    _unique_name(Process, organization, data.get("name", ""))
    with transaction.atomic():
        process = _create(Process(organization=organization, **data), actor)
        if raci:
            raci_set(process=process, actor=actor, assignments=raci)
    return process


def process_update(
    *,
    process: Process,
    actor: Any,
    version: Any,
    if_match: bool = False,
    raci: Mapping[IsmsRole, str] | None = None,
    **data: Any,
) -> Process:
    require(actor, CHANGE, process)
    _check_fields(data, PROCESS_FIELDS)
    _strip(data, "name")
    if "name" in data:
        _unique_name(Process, process.organization, data["name"], exclude=process.pk)
    with transaction.atomic():
        process = record_update(
            process,
            actor=actor,
            data=data or {"name": process.name},
            expected_version=version,
            if_match=if_match,
        )
        if raci is not None:
            raci_set(process=process, actor=actor, assignments=raci)
    return process


def process_delete(*, process: Process, actor: Any, version: Any, if_match: bool = False) -> None:
    require(actor, CHANGE, process)
    with transaction.atomic():
        for assignment in list(process.raci.all()):
            record_delete(assignment, actor=actor)
        record_delete(process, actor=actor, expected_version=version, if_match=if_match)


# --- training records ---------------------------------------------------------------------------


def _check_training(organization: Any, data: dict[str, Any]) -> None:
    if "person" in data:
        if data["person"] is None:
            raise ValidationError({"person": _("Name the person trained.")})
        check_member(organization, data["person"], "person")
    competence = data.get("competence")
    if competence is not None and competence.organization_id != organization.pk:
        raise ValidationError({"competence": _("Unknown competence.")})
    _strip(data, "title")


def _set_evidence(record: TrainingRecord, actor: Any, evidence: Iterable[Any] | None) -> None:
    if evidence is not None:
        ids = check_owned(record.organization, evidence, "evidence", _("evidence"))
        record_m2m(record, actor=actor, field="evidence", ids=ids)


def training_create(
    *, organization: Any, actor: Any, evidence: Iterable[Any] | None = None, **data: Any
) -> TrainingRecord:
    require(actor, CHANGE, organization)
    _check_fields(data, TRAINING_FIELDS)
    data.setdefault("person", None)
    _check_training(organization, data)
    with transaction.atomic():
        record = _create(
            TrainingRecord(organization=organization, ref=next_ref(organization, "TR"), **data),
            actor,
        )
        _set_evidence(record, actor, evidence)
    return record


def training_update(
    *,
    record: TrainingRecord,
    actor: Any,
    version: Any,
    if_match: bool = False,
    evidence: Iterable[Any] | None = None,
    **data: Any,
) -> TrainingRecord:
    require(actor, CHANGE, record)
    _check_fields(data, TRAINING_FIELDS)
    _check_training(record.organization, data)
    with transaction.atomic():
        record = record_update(
            record,
            actor=actor,
            data=data or {"notes": record.notes},
            expected_version=version,
            if_match=if_match,
        )
        _set_evidence(record, actor, evidence)
    return record


def training_delete(
    *, record: TrainingRecord, actor: Any, version: Any, if_match: bool = False
) -> None:
    require(actor, CHANGE, record)
    with transaction.atomic():
        record_m2m(record, actor=actor, field="evidence", ids=[])
        record_delete(record, actor=actor, expected_version=version, if_match=if_match)


# --- awareness campaigns ------------------------------------------------------------------------


def campaign_create(*, organization: Any, actor: Any, **data: Any) -> AwarenessCampaign:
    require(actor, CHANGE, organization)
    _check_fields(data, CAMPAIGN_FIELDS)
    _strip(data, "title")
    with transaction.atomic():
        return _create(
            AwarenessCampaign(organization=organization, ref=next_ref(organization, "AW"), **data),
            actor,
        )


def campaign_update(
    *, campaign: AwarenessCampaign, actor: Any, version: Any, if_match: bool = False, **data: Any
) -> AwarenessCampaign:
    require(actor, CHANGE, campaign)
    _check_fields(data, CAMPAIGN_FIELDS)
    _strip(data, "title")
    return _update(campaign, actor, data, version, if_match)


def campaign_delete(
    *, campaign: AwarenessCampaign, actor: Any, version: Any, if_match: bool = False
) -> None:
    require(actor, CHANGE, campaign)
    record_delete(campaign, actor=actor, expected_version=version, if_match=if_match)


# --- communication plan -------------------------------------------------------------------------


def communication_create(*, organization: Any, actor: Any, **data: Any) -> CommunicationItem:
    require(actor, CHANGE, organization)
    _check_fields(data, COMMUNICATION_FIELDS)
    check_member(organization, data.get("communicator"), "communicator")
    _strip(data, "what", "when", "audience", "channel")
    with transaction.atomic():
        return _create(
            CommunicationItem(organization=organization, ref=next_ref(organization, "COM"), **data),
            actor,
        )


def communication_update(
    *, item: CommunicationItem, actor: Any, version: Any, if_match: bool = False, **data: Any
) -> CommunicationItem:
    require(actor, CHANGE, item)
    _check_fields(data, COMMUNICATION_FIELDS)
    check_member(item.organization, data.get("communicator"), "communicator")
    _strip(data, "what", "when", "audience", "channel")
    return _update(item, actor, data, version, if_match)


def communication_delete(
    *, item: CommunicationItem, actor: Any, version: Any, if_match: bool = False
) -> None:
    require(actor, CHANGE, item)
    record_delete(item, actor=actor, expected_version=version, if_match=if_match)
