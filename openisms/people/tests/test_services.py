from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openisms.core.exceptions import ConflictError
from openisms.core.models import AuditEvent
from openisms.people import selectors, services
from openisms.people.models import RaciAssignment

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def _roles(org, owner, *names):
    return [services.role_create(organization=org, actor=owner, name=n) for n in names]


def test_raci_needs_exactly_one_accountable(org, owner):
    manager, lead, auditor = _roles(org, owner, "ISMS manager", "IT lead", "Auditor")
    with pytest.raises(ValidationError) as exc:
        services.process_create(
            organization=org, actor=owner, name="Audit", raci={manager: "R", lead: "C"}
        )
    assert "raci" in exc.value.message_dict and "has 0" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.process_create(
            organization=org, actor=owner, name="Audit", raci={manager: "A", lead: "A"}
        )
    assert "has 2" in str(exc.value)
    with pytest.raises(ValidationError):
        services.process_create(organization=org, actor=owner, name="Audit", raci={lead: "X"})
    assert not RaciAssignment.objects.exists()
    process = services.process_create(
        organization=org, actor=owner, name="Audit", raci={auditor: "R", manager: "a"}
    )
    letters = dict(process.raci.values_list("role__name", "letter"))
    assert letters == {"Auditor": "R", "ISMS manager": "A"}
    # Moving the A from one role to another in one change (never two A on the way).
    services.raci_set(process=process, actor=owner, assignments={auditor: "A", manager: "I"})
    letters = dict(process.raci.values_list("role__name", "letter"))
    assert letters == {"Auditor": "A", "ISMS manager": "I"}
    services.raci_set(process=process, actor=owner, assignments={})
    assert not process.raci.exists()
    assert AuditEvent.objects.filter(object_type="people.raciassignment").count() >= 6


def test_raci_roles_of_another_organisation_are_refused(org, other_org, owner, member):
    (role,) = _roles(org, owner, "ISMS manager")
    theirs = services.role_create(
        organization=other_org, actor=member(other_org, "owner"), name="Theirs"
    )
    process = services.process_create(organization=org, actor=owner, name="Audit")
    with pytest.raises(ValidationError):
        services.raci_set(process=process, actor=owner, assignments={role: "A", theirs: "R"})


def test_role_holders_and_delete_rules(org, other_org, owner, member):
    maria = member(org, "manager", email="maria@acme.test")
    outsider = member(other_org, "owner")
    competence = services.competence_create(organization=org, actor=owner, name="Auditing")
    with pytest.raises(ValidationError) as exc:
        services.role_create(organization=org, actor=owner, name="DPO", holders=[outsider])
    assert "holders" in exc.value.message_dict
    role = services.role_create(
        organization=org, actor=owner, name="DPO", holders=[maria], competences=[competence]
    )
    assert list(role.holders.all()) == [maria]
    with pytest.raises(ValidationError) as exc:
        services.role_create(organization=org, actor=owner, name="dpo")
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError, match="required by DPO"):
        services.competence_delete(competence=competence, actor=owner, version=1)
    services.process_create(organization=org, actor=owner, name="Breach", raci={role: "A"})
    with pytest.raises(ValidationError, match="accountable"):
        services.role_delete(role=role, actor=owner, version=role.version)
    # Stale edit refused, even when only the holders change.
    services.role_update(role=role, actor=owner, version=1, holders=[maria, owner])
    with pytest.raises(ConflictError):
        services.role_update(role=role, actor=owner, version=1, holders=[])
    assert role.holders.count() == 2


def test_only_managers_change(org, owner, member):
    carl = member(org, "contributor")
    with pytest.raises(PermissionDenied):
        services.competence_create(organization=org, actor=carl, name="X")
    manager = member(org, "manager")
    services.competence_create(organization=org, actor=manager, name="X")


def test_competence_gaps(org, owner, member):
    maria = member(org, "manager", email="maria@acme.test")
    carl = member(org, "contributor", email="carl@acme.test")
    risk, network = (
        services.competence_create(organization=org, actor=owner, name=n)
        for n in ("Risk assessment", "Network security")
    )
    services.role_create(
        organization=org,
        actor=owner,
        name="IT lead",
        holders=[carl, maria],
        competences=[risk, network],
    )
    services.training_create(
        organization=org, actor=owner, person=carl, competence=risk, completed_on=TODAY - DAY
    )
    services.training_create(
        organization=org,
        actor=owner,
        person=carl,
        competence=network,
        completed_on=TODAY - 800 * DAY,
        valid_until=TODAY - 30 * DAY,
    )
    services.training_create(
        organization=org,
        actor=owner,
        person=maria,
        competence=risk,
        completed_on=TODAY - 10 * DAY,
        valid_until=TODAY,
    )
    # A training completed in the future does not count yet.
    services.training_create(
        organization=org, actor=owner, person=maria, competence=network, completed_on=TODAY + DAY
    )
    gaps = {
        (g.person.email, g.competence.name): g.last_valid_until
        for g in selectors.competence_gaps(organization=org)
    }
    assert gaps == {
        ("carl@acme.test", "Network security"): TODAY - 30 * DAY,
        ("maria@acme.test", "Network security"): None,
    }


def test_training_record_checks(org, other_org, owner, member):
    outsider = member(other_org, "owner")
    with pytest.raises(ValidationError) as exc:
        services.training_create(organization=org, actor=owner, person=owner, completed_on=TODAY)
    assert "title" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.training_create(
            organization=org, actor=owner, person=outsider, title="X", completed_on=TODAY
        )
    assert "person" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.training_create(
            organization=org,
            actor=owner,
            person=owner,
            title="X",
            completed_on=TODAY,
            valid_until=TODAY - DAY,
        )
    assert "valid_until" in exc.value.message_dict


def test_campaign_completion(org, owner):
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(
            organization=org,
            actor=owner,
            title="Phishing",
            starts_on=TODAY,
            target_count=10,
            completed_count=11,
        )
    assert "completed_count" in exc.value.message_dict
    campaign = services.campaign_create(
        organization=org, actor=owner, title="Phishing", starts_on=TODAY, target_count=8
    )
    campaign = services.campaign_update(
        campaign=campaign, actor=owner, version=1, completed_count=6
    )
    assert campaign.completion_percent == 75 and campaign.ref == "AW-001"
