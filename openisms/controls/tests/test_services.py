"""Writes for controls, their tests and runs: references, optimistic locking, links limited to
the organisation, refusals (delete with results, run in the future, failure without notes),
contributors acting on their own controls only, and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openisms.catalog.models import Framework, Library, RequirementNode
from openisms.controls import services
from openisms.controls.models import Control, ControlTest, ControlTestRun, Evidence
from openisms.core.exceptions import ConflictError
from openisms.core.models import AuditEvent
from openisms.risks import services as risk_services

ISO22 = "urn:openisms:framework:iso27001-2022"
CSF = "urn:openisms:framework:nist-csf-2.0"
TODAY = timezone.localdate()


def node(ref_id: str, urn: str = ISO22) -> RequirementNode:
    return RequirementNode.objects.get(
        framework__urn=urn, framework__organization=None, ref_id=ref_id
    )


def make_control(org, actor, name="Backups", **data) -> Control:
    return services.control_create(organization=org, actor=actor, name=name, **data)


def make_test(control, actor, name="Restore test", **data) -> ControlTest:
    return services.control_test_create(control=control, actor=actor, name=name, **data)


def make_evidence(org, ref="E-001", *, valid_until=None, controls=(), **data) -> Evidence:
    evidence = Evidence.objects.create(
        organization=org,
        ref=ref,
        title=data.pop("title", f"Evidence {ref}"),
        kind="note",
        valid_until=valid_until,
        **data,
    )
    evidence.controls.add(*controls)
    return evidence


def private_requirement(organization) -> RequirementNode:
    """A requirement of a framework only ``organization`` sees."""
    library = Library.objects.create(
        organization=organization,
        urn="urn:test:private",
        name="p",
        version="1",
        format="openisms",
        content_hash="x",
    )
    framework = Framework.objects.create(
        library=library,
        organization=organization,
        urn="urn:test:private-fw",
        ref_id="P",
        name="Private",
        version="1",
    )
    return RequirementNode.objects.create(
        framework=framework,
        urn="urn:test:private-fw:p1",
        ref_id="P1",
        name="Private one",
        kind="requirement",
        order=1,
    )


class TestControls:
    def test_create_numbers_links_and_audits(self, org, owner):
        risk = risk_services.risk_create(organization=org, actor=owner, title="Data loss")
        control = make_control(
            org, owner, description="Nightly", requirements=[node("A.8.13")], risks=[risk]
        )
        assert control.ref == "C-001" and control.owner == owner and control.version == 1
        assert list(control.requirements.values_list("ref_id", flat=True)) == ["A.8.13"]
        assert list(control.risks.all()) == [risk]
        assert list(risk.selected_controls.all()) == [control]
        events = AuditEvent.objects.filter(
            object_type="controls.control", object_id=str(control.pk)
        )
        assert [e.action for e in events.order_by("seq")] == ["create", "update", "update"]
        assert make_control(org, owner, name="Second").ref == "C-002"

    def test_explicit_ref_is_reserved_and_unique(self, org, owner):
        make_control(org, owner, ref="C-010")
        assert make_control(org, owner, name="Next").ref == "C-011"
        with pytest.raises(ValidationError) as exc:
            make_control(org, owner, name="Dup", ref="C-010")
        assert "ref" in exc.value.message_dict

    def test_stale_edit_is_a_conflict(self, org, owner):
        control = make_control(org, owner)
        services.control_update(control=control, actor=owner, version=1, name="Backups v2")
        stale = Control.objects.get(pk=control.pk)
        stale.version = 1
        with pytest.raises(ConflictError):
            services.control_update(control=stale, actor=owner, version=1, name="Lost")
        assert Control.objects.get(pk=control.pk).name == "Backups v2"

    def test_ref_never_changes(self, org, owner):
        control = make_control(org, owner)
        with pytest.raises(ValidationError):
            services.control_update(control=control, actor=owner, version=1, ref="C-999")

    def test_requirement_of_another_organisation_is_refused(self, org, other_org, owner):
        foreign = private_requirement(other_org)
        with pytest.raises(ValidationError) as exc:
            make_control(org, owner, requirements=[foreign])
        assert "requirements" in exc.value.message_dict
        assert not Control.objects.filter(organization=org).exists()  # nothing half written
        control = make_control(org, owner, requirements=[node("A.5.1")])
        with pytest.raises(ValidationError):
            services.control_update(control=control, actor=owner, version=1, requirements=[foreign])
        assert list(control.requirements.values_list("ref_id", flat=True)) == ["A.5.1"]
        # the organisation's own private framework is fine
        own = private_requirement(org)
        services.control_update(control=control, actor=owner, version=1, requirements=[own.pk])
        assert list(control.requirements.all()) == [own]

    def test_risk_of_another_organisation_is_refused(self, org, other_org, owner, member):
        boss = member(other_org, "owner")
        foreign = risk_services.risk_create(organization=other_org, actor=boss, title="Theirs")
        with pytest.raises(ValidationError) as exc:
            make_control(org, owner, risks=[foreign])
        assert "risks" in exc.value.message_dict
        assert not Control.objects.filter(organization=org).exists()

    def test_owner_must_be_a_member(self, org, other_org, owner, member):
        stranger = member(other_org, "owner")
        with pytest.raises(ValidationError) as exc:
            make_control(org, owner, owner=stranger)
        assert "owner" in exc.value.message_dict

    def test_delete_without_runs_removes_tests_and_links(self, org, owner):
        control = make_control(org, owner, requirements=[node("A.8.13")])
        test = make_test(control, owner)
        evidence = make_evidence(org, controls=[control])
        pk, test_pk = control.pk, test.pk
        services.control_delete(control=control, actor=owner, version=1)
        assert not Control.objects.filter(pk=pk).exists()
        assert not ControlTest.objects.filter(pk=test_pk).exists()
        assert Evidence.objects.filter(pk=evidence.pk).exists()
        assert not evidence.controls.exists()
        assert AuditEvent.objects.filter(
            object_type="controls.control", object_id=str(pk), action="delete"
        ).exists()

    def test_delete_with_runs_is_refused(self, org, owner):
        control = make_control(org, owner)
        test = make_test(control, owner)
        services.run_record(test=test, actor=owner, result="pass")
        with pytest.raises(ValidationError) as exc:
            services.control_delete(control=control, actor=owner, version=1)
        assert "test results" in exc.value.messages[0]
        assert Control.objects.filter(pk=control.pk).exists()

    def test_stale_delete_is_a_conflict(self, org, owner):
        control = make_control(org, owner)
        services.control_update(control=control, actor=owner, version=1, name="v2")
        with pytest.raises(ConflictError):
            services.control_delete(control=control, actor=owner, version=1)
        assert Control.objects.filter(pk=control.pk).exists()

    def test_viewer_cannot_write(self, org, owner, member):
        viewer = member(org, "viewer")
        with pytest.raises(PermissionDenied):
            make_control(org, viewer)
        control = make_control(org, owner)
        with pytest.raises(PermissionDenied):
            services.control_update(control=control, actor=viewer, version=1, name="x")

    def test_contributor_edits_only_own_controls(self, org, owner, member):
        contributor = member(org, "contributor")
        mine = make_control(org, contributor, name="Mine")
        assert mine.owner == contributor
        services.control_update(control=mine, actor=contributor, version=1, name="Mine v2")
        with pytest.raises(PermissionDenied):
            make_control(org, contributor, name="For the boss", owner=owner)
        theirs = make_control(org, owner, name="Theirs")
        with pytest.raises(PermissionDenied):
            services.control_update(control=theirs, actor=contributor, version=1, name="x")
        with pytest.raises(PermissionDenied):
            services.control_delete(control=theirs, actor=contributor, version=1)
        with pytest.raises(PermissionDenied):
            make_test(theirs, contributor)
        their_test = make_test(theirs, owner)
        with pytest.raises(PermissionDenied):
            services.run_record(test=their_test, actor=contributor, result="pass")
        own_test = make_test(mine, contributor)
        services.run_record(test=own_test, actor=contributor, result="pass")


class TestTestsAndRuns:
    def test_test_owner_defaults_to_the_controls(self, org, owner, member):
        colleague = member(org, "manager")
        control = make_control(org, owner, owner=colleague)
        test = make_test(control, owner, frequency_days=90, method="observation")
        assert test.owner == colleague and test.organization == org
        services.control_test_update(test=test, actor=owner, version=1, frequency_days=30)
        assert ControlTest.objects.get(pk=test.pk).frequency_days == 30

    def test_stale_test_edit_is_a_conflict(self, org, owner):
        test = make_test(make_control(org, owner), owner)
        services.control_test_update(test=test, actor=owner, version=1, name="v2")
        with pytest.raises(ConflictError):
            services.control_test_update(test=test, actor=owner, version=1, name="v3")

    def test_unknown_field_is_refused(self, org, owner):
        control = make_control(org, owner)
        with pytest.raises(ValidationError):
            services.control_test_create(control=control, actor=owner, name="x", colour="red")

    def test_test_with_runs_cannot_be_deleted(self, org, owner):
        test = make_test(make_control(org, owner), owner)
        services.run_record(test=test, actor=owner, result="partial")
        with pytest.raises(ValidationError):
            services.control_test_delete(test=test, actor=owner, version=1)
        empty = make_test(test.control, owner, name="Other")
        services.control_test_delete(test=empty, actor=owner, version=1)
        assert not ControlTest.objects.filter(pk=empty.pk).exists()

    def test_run_records_evidence_and_audits(self, org, owner):
        control = make_control(org, owner)
        test = make_test(control, owner)
        evidence = make_evidence(org, controls=[control])
        run = services.run_record(
            test=test,
            actor=owner,
            result="fail",
            notes="Restore took 9 hours",
            performed_on=TODAY - dt.timedelta(days=2),
            evidence=[evidence],
            nonconformity_ref="NC-004",
        )
        assert run.performed_by == owner and run.nonconformity_ref == "NC-004"
        assert list(run.evidence.all()) == [evidence]
        assert AuditEvent.objects.filter(
            object_type="controls.controltestrun", object_id=str(run.pk)
        ).exists()

    def test_run_in_the_future_is_refused(self, org, owner):
        test = make_test(make_control(org, owner), owner)
        with pytest.raises(ValidationError) as exc:
            services.run_record(
                test=test, actor=owner, result="pass", performed_on=TODAY + dt.timedelta(days=1)
            )
        assert "performed_on" in exc.value.message_dict
        assert not ControlTestRun.objects.exists()

    def test_failed_run_needs_notes(self, org, owner):
        test = make_test(make_control(org, owner), owner)
        with pytest.raises(ValidationError) as exc:
            services.run_record(test=test, actor=owner, result="fail", notes="  ")
        assert "notes" in exc.value.message_dict

    def test_unknown_result_is_refused(self, org, owner):
        test = make_test(make_control(org, owner), owner)
        with pytest.raises(ValidationError) as exc:
            services.run_record(test=test, actor=owner, result="maybe")
        assert "result" in exc.value.message_dict

    def test_evidence_of_another_organisation_is_refused(self, org, other_org, owner):
        test = make_test(make_control(org, owner), owner)
        foreign = make_evidence(other_org, ref="E-900")
        with pytest.raises(ValidationError) as exc:
            services.run_record(test=test, actor=owner, result="pass", evidence=[foreign])
        assert "evidence" in exc.value.message_dict
        assert not ControlTestRun.objects.exists()  # nothing half written


def test_risk_controls_set_links_from_the_risk_side(org, owner):
    risk = risk_services.risk_create(organization=org, actor=owner, title="Data loss")
    a, b = make_control(org, owner, name="A"), make_control(org, owner, name="B")
    services.risk_controls_set(risk=risk, actor=owner, controls=[a, b])
    assert set(risk.selected_controls.all()) == {a, b}
    services.risk_controls_set(risk=risk, actor=owner, controls=[b])
    assert list(risk.selected_controls.all()) == [b]
