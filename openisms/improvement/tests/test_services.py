"""Nonconformity services: references, the five whys, the lifecycle and its guards, corrective
actions, effectiveness verification (append-only, ineffective reopens), opening a
nonconformity from a failed control test run, ownership and stale edits."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openisms.controls.models import ControlTestRun
from openisms.core.exceptions import ConflictError
from openisms.core.models import AuditEvent
from openisms.improvement import services
from openisms.improvement.models import EffectivenessVerification, Nonconformity
from openisms.improvement.tests.helpers import DAY, TODAY, failed_run, make_nc, move, to_verifying


def test_create_gives_refs_owner_and_audit(org, owner):
    first = make_nc(org, owner)
    second = make_nc(org, owner, title="Second")
    assert (first.ref, second.ref) == ("NC-001", "NC-002")
    assert first.owner == owner and first.status == "open"
    assert AuditEvent.objects.filter(
        object_type="improvement.nonconformity", object_id=str(first.pk), action="create"
    ).exists()


@pytest.mark.parametrize("whys", [["a", "b", "c", "d", "e", "f"], ["a", " "], "not a list"])
def test_five_whys_are_checked(org, owner, whys):
    with pytest.raises(ValidationError) as exc:
        make_nc(org, owner, five_whys=whys)
    assert "five_whys" in exc.value.message_dict
    assert not Nonconformity.objects.exists()


def test_lifecycle_guards(org, owner):
    nc = make_nc(org, owner)
    with pytest.raises(ValidationError, match="root cause"):
        move(nc, owner, "analysed")
    with pytest.raises(ValidationError, match="cannot go from"):
        move(nc, owner, "closed")
    nc = services.nonconformity_update(nc=nc, actor=owner, version=nc.version, root_cause="X")
    nc = move(nc, owner, "analysed")
    with pytest.raises(ValidationError, match="at least one corrective action"):
        move(nc, owner, "action_planned")
    action = services.action_create(nc=nc, actor=owner, title="Fix", due_date=TODAY + DAY)
    nc = move(nc, owner, "action_planned")
    with pytest.raises(ValidationError, match=action.ref):
        move(nc, owner, "verifying")
    services.action_update(action=action, actor=owner, version=action.version, status="done")
    nc.refresh_from_db()
    nc = move(nc, owner, "verifying")
    with pytest.raises(ValidationError, match="effective"):
        move(nc, owner, "closed")
    with pytest.raises(ValidationError):
        services.action_create(nc=nc, actor=owner, title="Late")


def test_ineffective_verification_reopens_and_effective_closes(org, owner):
    nc = to_verifying(org, owner)
    with pytest.raises(ValidationError) as exc:
        services.verification_record(nc=nc, actor=owner, result="ineffective")
    assert "notes" in exc.value.message_dict
    services.verification_record(nc=nc, actor=owner, result="ineffective", notes="Failed again")
    nc.refresh_from_db()
    assert nc.status == "action_planned"
    with pytest.raises(ValidationError):
        services.verification_record(nc=nc, actor=owner, result="effective")
    nc = move(nc, owner, "verifying")
    v = services.verification_record(nc=nc, actor=owner, result="effective")
    nc.refresh_from_db()
    nc = move(nc, owner, "closed")
    assert nc.status == "closed" and nc.closed_on == TODAY
    with pytest.raises(ValueError):
        v.notes = "changed"
        v.save()
    assert list(EffectivenessVerification.objects.values_list("result", flat=True)) == [
        "effective",
        "ineffective",
    ]
    with pytest.raises(ValidationError, match="closed"):
        services.nonconformity_update(nc=nc, actor=owner, version=nc.version, title="x")


def test_only_verifying_roles_verify_and_close(org, owner, member):
    contributor = member(org, "contributor")
    nc = to_verifying(org, owner, owner=contributor)
    with pytest.raises(PermissionDenied):
        services.verification_record(nc=nc, actor=contributor, result="effective")
    services.verification_record(nc=nc, actor=owner, result="effective")
    nc.refresh_from_db()
    with pytest.raises(PermissionDenied):
        move(nc, contributor, "closed")


def test_verification_in_the_future_refused(org, owner):
    nc = to_verifying(org, owner)
    with pytest.raises(ValidationError) as exc:
        services.verification_record(
            nc=nc, actor=owner, result="effective", verified_on=TODAY + DAY
        )
    assert "verified_on" in exc.value.message_dict


def test_contributors_change_their_own(org, owner, member):
    contributor = member(org, "contributor")
    theirs = make_nc(org, owner, owner=contributor)
    mine = make_nc(org, owner)
    services.nonconformity_update(nc=theirs, actor=contributor, version=1, title="Ok")
    with pytest.raises(PermissionDenied):
        services.nonconformity_update(nc=mine, actor=contributor, version=1, title="No")
    # An action they own on someone else's nonconformity: they progress it.
    action = services.action_create(nc=mine, actor=owner, title="Fix", owner=contributor)
    services.action_update(action=action, actor=contributor, version=1, status="in_progress")
    other = services.action_create(nc=mine, actor=owner, title="Other")
    with pytest.raises(PermissionDenied):
        services.action_update(action=other, actor=contributor, version=1, status="done")


def test_stale_edit_refused(org, owner):
    nc = make_nc(org, owner)
    services.nonconformity_update(nc=nc, actor=owner, version=1, title="First")
    stale = Nonconformity.objects.get(pk=nc.pk)
    with pytest.raises(ConflictError):
        services.nonconformity_update(nc=stale, actor=owner, version=1, title="Second")
    assert Nonconformity.objects.get(pk=nc.pk).title == "First"


def test_action_done_sets_completion_and_overdue(org, owner):
    nc = make_nc(org, owner)
    action = services.action_create(nc=nc, actor=owner, title="Fix", due_date=TODAY - DAY)
    assert action.is_overdue() and action.ref == "CA-001"
    action = services.action_update(action=action, actor=owner, version=1, status="done")
    assert action.completed_on == TODAY and not action.is_overdue()
    action = services.action_update(action=action, actor=owner, version=2, status="open")
    assert action.completed_on is None


def test_from_failed_run(org, owner, other_org, member):
    run = failed_run(org, owner)
    nc = services.nonconformity_from_test_run(run=run, actor=owner, severity="major")
    run.refresh_from_db()
    assert run.nonconformity_ref == nc.ref
    assert nc.source == "control_test" and nc.test_run == run
    assert "Restore test" in nc.title and nc.description == "Restore stopped at 80%"
    assert nc.detected_on == run.performed_on
    with pytest.raises(ValidationError, match=nc.ref):
        services.nonconformity_from_test_run(run=run, actor=owner)
    passed = failed_run(org, owner, result="pass")
    with pytest.raises(ValidationError, match="failed"):
        services.nonconformity_from_test_run(run=passed, actor=owner)
    foreign_owner = member(other_org, "owner")
    foreign = failed_run(other_org, foreign_owner)
    with pytest.raises(ValidationError):
        services.nonconformity_create(organization=org, actor=owner, title="x", test_run=foreign)
    assert ControlTestRun.objects.get(pk=foreign.pk).nonconformity_ref == ""


def test_delete_only_open_without_actions_and_clears_run(org, owner):
    run = failed_run(org, owner)
    nc = services.nonconformity_from_test_run(run=run, actor=owner)
    services.nonconformity_delete(nc=nc, actor=owner, version=nc.version)
    run.refresh_from_db()
    assert run.nonconformity_ref == "" and not Nonconformity.objects.exists()
    nc = make_nc(org, owner)
    services.action_create(nc=nc, actor=owner, title="Fix")
    with pytest.raises(ValidationError):
        services.nonconformity_delete(nc=nc, actor=owner, version=nc.version)


def test_opportunity_outcome_required_when_decided(org, owner):
    item = services.opportunity_create(organization=org, actor=owner, title="SSO")
    assert item.ref == "IMP-001"
    with pytest.raises(ValidationError) as exc:
        services.opportunity_update(item=item, actor=owner, version=1, status="rejected")
    assert "outcome" in exc.value.message_dict
    services.opportunity_update(
        item=item, actor=owner, version=1, status="rejected", outcome="Too costly"
    )
    with pytest.raises(ValidationError):
        services.opportunity_delete(item=item, actor=owner, version=2)
