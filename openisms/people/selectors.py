"""Reads for roles, processes and RACI, competences, training records, awareness campaigns and
the communication plan (through the scoped gate), with a constant number of queries per list;
the competence gaps and the RACI matrix are derived here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from openisms.core.gate import get_scoped_or_404, scoped
from openisms.people.models import (
    AwarenessCampaign,
    CommunicationItem,
    Competence,
    IsmsRole,
    Process,
    RaciAssignment,
    TrainingRecord,
)


def _user(u: Any) -> str:
    return u.email if u is not None else ""


def _name(u: Any) -> str:
    return (u.get_full_name() or u.email) if u is not None else ""


def valid_q(day: Any = None, prefix: str = "") -> Q:
    day = day or timezone.localdate()
    return Q(**{f"{prefix}completed_on__lte": day}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": day})
    )


# --- roles --------------------------------------------------------------------------------------


def role_list(*, organization: Any, q: str = "") -> QuerySet:
    qs = scoped(IsmsRole, organization).prefetch_related("holders", "competences")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(responsibilities__icontains=q))
    return qs.order_by("name")


def role_get(*, organization: Any, pk: int) -> IsmsRole:
    return get_scoped_or_404(role_list(organization=organization), organization, pk=pk)


def role_choices(*, organization: Any) -> QuerySet:
    return scoped(IsmsRole, organization).order_by("name")


def role_raci(role: IsmsRole) -> list[RaciAssignment]:
    return list(role.raci.select_related("process").order_by("process__name"))


# --- processes and the RACI matrix --------------------------------------------------------------


def process_list(*, organization: Any) -> QuerySet:
    return (
        scoped(Process, organization)
        .prefetch_related(Prefetch("raci", queryset=RaciAssignment.objects.select_related("role")))
        .order_by("name")
    )


def process_get(*, organization: Any, pk: int) -> Process:
    return get_scoped_or_404(process_list(organization=organization), organization, pk=pk)


@dataclass
class RaciMatrix:
    roles: list[IsmsRole]
    rows: list[dict[str, Any]]  # {"process", "cells": [letter or ""], "problem": str | None}


def raci_matrix(*, organization: Any, processes: Any = None) -> RaciMatrix:
    """Processes (rows) × roles (columns) → letter; three queries."""
    from openisms.people.services import raci_problem

    roles = list(role_choices(organization=organization))
    rows = []
    for process in processes if processes is not None else process_list(organization=organization):
        letters = {a.role_id: a.letter for a in process.raci.all()}
        rows.append(
            {
                "process": process,
                "cells": [letters.get(r.pk, "") for r in roles],
                "problem": raci_problem(letters.values()) or (None if letters else "no assignment"),
            }
        )
    return RaciMatrix(roles=roles, rows=rows)


# --- competences and gaps -----------------------------------------------------------------------


def competence_list(*, organization: Any) -> QuerySet:
    return (
        scoped(Competence, organization)
        .annotate(role_count=Count("roles", distinct=True))
        .prefetch_related("roles")
        .order_by("name")
    )


def competence_get(*, organization: Any, pk: int) -> Competence:
    return get_scoped_or_404(scoped(Competence, organization), organization, pk=pk)


@dataclass(frozen=True)
class Gap:
    role: IsmsRole
    person: Any
    competence: Competence
    last_valid_until: Any  # the latest expiry of an expired record of it, or None (never trained)


def competence_gaps(*, organization: Any, day: Any = None) -> list[Gap]:
    """For each role holder, the role's required competences without a valid training record
    (completed on or before ``day``, not expired). Four queries whatever the size."""
    day = day or timezone.localdate()
    roles = list(role_list(organization=organization))
    records = scoped(TrainingRecord, organization).filter(competence__isnull=False)
    valid = set(records.filter(valid_q(day)).values_list("person_id", "competence_id"))
    expired: dict[tuple[int, int], Any] = {}
    for person_id, competence_id, until in records.filter(valid_until__lt=day).values_list(
        "person_id", "competence_id", "valid_until"
    ):
        key = (person_id, competence_id)
        if key not in expired or until > expired[key]:
            expired[key] = until
    gaps = []
    for role in roles:
        for person in sorted(role.holders.all(), key=lambda u: u.email):
            for competence in role.competences.all():
                if (person.pk, competence.pk) not in valid:
                    gaps.append(
                        Gap(role, person, competence, expired.get((person.pk, competence.pk)))
                    )
    return gaps


# --- training records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingFilter:
    person: int | None = None
    competence: int | None = None
    expired: bool = False


def training_list(*, organization: Any, filters: TrainingFilter | None = None) -> QuerySet:
    f = filters or TrainingFilter()
    qs = (
        scoped(TrainingRecord, organization)
        .select_related("person", "competence")
        .prefetch_related("evidence")
    )
    if f.person:
        qs = qs.filter(person_id=f.person)
    if f.competence:
        qs = qs.filter(competence_id=f.competence)
    if f.expired:
        qs = qs.filter(valid_until__lt=timezone.localdate())
    return qs.order_by("-completed_on", "-pk")


def training_get(*, organization: Any, pk: int) -> TrainingRecord:
    return get_scoped_or_404(training_list(organization=organization), organization, pk=pk)


# --- campaigns and communication ----------------------------------------------------------------


def campaign_list(*, organization: Any) -> QuerySet:
    return scoped(AwarenessCampaign, organization).order_by("-starts_on", "-pk")


def campaign_get(*, organization: Any, pk: int) -> AwarenessCampaign:
    return get_scoped_or_404(scoped(AwarenessCampaign, organization), organization, pk=pk)


def communication_list(*, organization: Any) -> QuerySet:
    return scoped(CommunicationItem, organization).select_related("communicator").order_by("ref")


def communication_get(*, organization: Any, pk: int) -> CommunicationItem:
    return get_scoped_or_404(communication_list(organization=organization), organization, pk=pk)


# --- exports ------------------------------------------------------------------------------------

ROLE_HEADER = ["name", "responsibilities", "holders", "required_competences"]


def role_export_rows(*, organization: Any) -> Iterator[list[Any]]:
    for r in role_list(organization=organization):
        yield [
            r.name,
            r.responsibilities,
            [_user(u) for u in r.holders.all()],
            [c.name for c in r.competences.all()],
        ]


def process_export(*, organization: Any) -> tuple[list[str], Iterator[list[Any]]]:
    """The RACI matrix: one column per role."""
    matrix = raci_matrix(organization=organization)
    header = ["process", "description", *[r.name for r in matrix.roles]]
    rows = ([row["process"].name, row["process"].description, *row["cells"]] for row in matrix.rows)
    return header, rows


COMPETENCE_HEADER = ["name", "description", "required_by"]


def competence_export_rows(*, organization: Any) -> Iterator[list[Any]]:
    for c in competence_list(organization=organization):
        yield [c.name, c.description, [r.name for r in c.roles.all()]]


TRAINING_HEADER = [
    "ref",
    "person",
    "competence",
    "course",
    "completed_on",
    "valid_until",
    "valid",
    "evidence",
    "notes",
]


def training_export_rows(
    *, organization: Any, filters: TrainingFilter | None = None
) -> Iterator[list[Any]]:
    day = timezone.localdate()
    for t in training_list(organization=organization, filters=filters):
        yield [
            t.ref,
            _user(t.person),
            t.competence.name if t.competence else "",
            t.title,
            t.completed_on,
            t.valid_until,
            "yes" if t.is_valid_on(day) else "no",
            [e.ref for e in t.evidence.all()],
            t.notes,
        ]


CAMPAIGN_HEADER = [
    "ref",
    "title",
    "audience",
    "starts_on",
    "ends_on",
    "target_count",
    "completed_count",
    "completion_percent",
    "description",
]


def campaign_export_rows(*, organization: Any) -> Iterator[list[Any]]:
    for c in campaign_list(organization=organization).iterator():
        yield [
            c.ref,
            c.title,
            c.audience,
            c.starts_on,
            c.ends_on,
            c.target_count,
            c.completed_count,
            c.completion_percent,
            c.description,
        ]


COMMUNICATION_HEADER = ["ref", "what", "when", "with_whom", "who_communicates", "how", "notes"]


def communication_export_rows(*, organization: Any) -> Iterator[list[Any]]:
    for c in communication_list(organization=organization).iterator():
        yield [c.ref, c.what, c.when, c.audience, _user(c.communicator), c.channel, c.notes]


GAP_HEADER = ["role", "person", "competence", "expired_on"]


def gap_export_rows(*, organization: Any) -> Iterator[list[Any]]:
    for g in competence_gaps(organization=organization):
        yield [g.role.name, _user(g.person), g.competence.name, g.last_valid_until]
