"""Audit services: references, criteria and the checklist that follows them, the lifecycle and
its guards, recording results (who may, what is required), impartiality, raising
nonconformities, closing, stale versions and other organisations' records."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openisms.audits import selectors, services
from openisms.audits.models import Audit, AuditItem
from openisms.audits.tests.helpers import (
    TODAY,
    items,
    make_audit,
    record,
    reported,
    req,
    reqs,
    started,
)
from openisms.controls import evidence_services
from openisms.controls import services as controls
from openisms.core.exceptions import ConflictError
from openisms.core.models import AuditEvent
from openisms.improvement.models import Nonconformity


def test_create_makes_checklist_in_catalogue_order(org, owner):
    audit = make_audit(org, owner, refs=("A.8.13", "9.2.2", "4.1"))
    assert audit.ref == "IA-001" and audit.status == "planned"
    listed = [i.requirement.ref_id for i in selectors.item_list(audit=audit)]
    assert listed == ["4.1", "9.2.2", "A.8.13"]
    first = selectors.item_list(audit=audit).first()
    assert first.question.startswith("4.1 Understanding the organization")
    assert AuditEvent.objects.filter(object_type="audits.audititem", action="create").count() == 3


def test_criteria_change_regenerates_and_keeps_recorded(org, owner):
    audit = started(org, owner)
    record(items(audit)["9.2.2"], owner, result="conformity")
    audit.refresh_from_db()
    audit = services.audit_update(
        audit=audit, actor=owner, version=audit.version, criteria=reqs("9.2.2", "5.2")
    )
    assert set(items(audit)) == {"9.2.2", "5.2"}
    with pytest.raises(ValidationError) as exc:
        services.audit_update(audit=audit, actor=owner, version=audit.version, criteria=reqs("5.2"))
    assert "9.2.2" in str(exc.value.message_dict["criteria"])
    assert set(items(audit)) == {"9.2.2", "5.2"}


def test_criteria_must_be_assessable_requirements_of_adopted_frameworks(org, owner, other_org):
    clause_group = req("6.1")  # not assessable
    with pytest.raises(ValidationError) as exc:
        services.audit_create(organization=org, actor=owner, title="x", criteria=[clause_group])
    assert "criteria" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.audit_create(organization=org, actor=owner, title="x", criteria=[999999])


def test_start_guards_and_impartiality(org, owner, member):
    auditor = member(org, "auditor", email="ann@acme.test")
    audit = services.audit_create(organization=org, actor=owner, title="Empty")
    problem = services.transition_problem(audit, "in_progress")
    assert "lead auditor" in problem
    audit = make_audit(org, owner, team=[auditor])
    control = controls.control_create(
        organization=org, actor=owner, name="Backups", owner=auditor, requirements=[req("A.8.13")]
    )
    conflicts = selectors.impartiality_conflicts(audit)
    assert [(c.user, c.role) for c in conflicts] == [(auditor, "team")]
    assert control.ref in conflicts[0].message and "A.8.13" in conflicts[0].message
    with pytest.raises(ValidationError, match="impartiality statement"):
        services.audit_start(audit=audit, actor=owner, version=audit.version)
    audit = services.audit_update(
        audit=audit,
        actor=owner,
        version=audit.version,
        impartiality_statement="Ann does not sample A.8.13; the lead auditor does.",
    )
    audit = services.audit_start(audit=audit, actor=owner, version=audit.version)
    assert audit.status == "in_progress" and audit.actual_start == TODAY


def test_record_rules(org, owner, member):
    auditor = member(org, "auditor")
    outsider = member(org, "auditor")
    viewer = member(org, "viewer")
    audit = make_audit(org, owner, team=[auditor])
    item = items(audit)["9.2.2"]
    with pytest.raises(ValidationError, match="not in progress"):
        record(item, owner, result="conformity")
    audit = services.audit_start(audit=audit, actor=owner, version=audit.version)
    item = AuditItem.objects.get(pk=item.pk)
    for result in ("minor_nc", "observation", "ofi", "major_nc"):
        with pytest.raises(ValidationError) as exc:
            record(item, auditor, result=result)
        assert "finding" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        record(item, auditor, result="not_sampled")
    assert "sampling_notes" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        record(item, outsider, result="conformity")
    with pytest.raises(PermissionDenied):
        record(item, viewer, result="conformity")
    record(item, auditor, result="minor_nc", finding="Audit plan not approved.")
    item.refresh_from_db()
    assert item.recorded_by == auditor and item.recorded_at is not None
    # The auditor records but does not edit the audit.
    audit.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.audit_update(audit=audit, actor=auditor, version=audit.version, title="Mine")
    with pytest.raises(PermissionDenied):
        services.audit_cancel(audit=audit, actor=auditor, version=audit.version)


def test_stale_version_is_refused(org, owner):
    audit = started(org, owner)
    item = items(audit)["9.2.2"]
    services.item_record(item=item, actor=owner, version=1, result="conformity")
    with pytest.raises(ConflictError):
        services.item_record(
            item=AuditItem.objects.get(pk=item.pk),
            actor=owner,
            version=1,
            result="ofi",
            finding="x",
        )
    with pytest.raises(ConflictError):
        services.audit_update(audit=audit, actor=owner, version=1, title="Old")
    with pytest.raises(ConflictError):
        services.audit_update(audit=audit, actor=owner, version=1, criteria=reqs("9.2.2"))
    assert set(items(audit)) == {"9.2.2", "A.8.13"}


def test_other_organisations_records_are_refused(org, owner, other_org, member):
    stranger = member(other_org, "owner")
    foreign_evidence = evidence_services.evidence_create(
        organization=other_org, actor=stranger, title="Theirs", kind="note", note="x"
    )
    audit = started(org, owner)
    with pytest.raises(ValidationError) as exc:
        record(items(audit)["9.2.2"], owner, result="conformity", evidence=[foreign_evidence.pk])
    assert "evidence" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_audit(org, owner, team=[stranger])
    assert "team" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_audit(org, owner, lead_auditor=stranger)
    assert "lead_auditor" in exc.value.message_dict
    theirs = services.programme_create(
        organization=other_org,
        actor=stranger,
        title="Theirs",
        period_start=TODAY,
        period_end=TODAY,
    )
    with pytest.raises(ValidationError) as exc:
        make_audit(org, owner, programme=theirs)
    assert "programme" in exc.value.message_dict
    assert Audit.objects.filter(organization=org).count() == 1


def test_report_raise_and_close(org, owner):
    audit = started(org, owner)
    with pytest.raises(ValidationError, match=r"9\.2\.2"):
        services.audit_report(audit=audit, actor=owner, version=audit.version)
    its = items(audit)
    record(its["9.2.2"], owner, result="conformity")
    record(its["A.8.13"], owner, result="major_nc", finding="No restore test in 2 years.\nMore.")
    audit.refresh_from_db()
    with pytest.raises(ValidationError, match="conclusion"):
        services.audit_report(audit=audit, actor=owner, version=audit.version)
    audit = services.audit_update(
        audit=audit, actor=owner, version=audit.version, conclusion="Backups are a weakness."
    )
    audit = services.audit_report(audit=audit, actor=owner, version=audit.version)
    assert audit.report_issued_on == TODAY and audit.actual_end == TODAY
    with pytest.raises(ValidationError, match=r"A\.8\.13"):
        services.audit_close(audit=audit, actor=owner, version=audit.version)
    with pytest.raises(ValidationError):
        services.raise_nonconformity(item=items(audit)["9.2.2"], actor=owner)
    nc = services.raise_nonconformity(item=items(audit)["A.8.13"], actor=owner)
    assert (nc.severity, nc.source, nc.requirement) == ("major", "audit_finding", req("A.8.13"))
    assert (
        nc.source_reference == f"{audit.ref} · A.8.13" and nc.title == "No restore test in 2 years."
    )
    with pytest.raises(ValidationError, match=nc.ref):
        services.raise_nonconformity(item=items(audit)["A.8.13"], actor=owner)
    audit.refresh_from_db()
    audit = services.audit_close(audit=audit, actor=owner, version=audit.version)
    assert audit.status == "closed" and audit.closed_on == TODAY
    with pytest.raises(ValidationError, match="no longer edited"):
        services.audit_update(audit=audit, actor=owner, version=audit.version, title="Later")


def test_raise_needs_improvement_permission(org, owner, member):
    auditor = member(org, "auditor")
    contributor = member(org, "contributor")
    audit = started(org, owner, team=[auditor])
    item = items(audit)["9.2.2"]
    record(item, auditor, result="minor_nc", finding="Programme not approved.")
    item.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.raise_nonconformity(item=item, actor=auditor)
    nc = services.raise_nonconformity(item=item, actor=contributor)
    assert nc.owner == contributor and Nonconformity.objects.count() == 1
    with pytest.raises(ValidationError, match=nc.ref):
        record(item, owner, result="conformity")


def test_cancel_and_delete(org, owner):
    audit = make_audit(org, owner)
    audit = services.audit_cancel(audit=audit, actor=owner, version=audit.version)
    with pytest.raises(ValidationError):
        services.audit_start(audit=audit, actor=owner, version=audit.version)
    with pytest.raises(ValidationError):
        services.audit_delete(audit=audit, actor=owner, version=audit.version)
    planned = make_audit(org, owner)
    services.audit_delete(audit=planned, actor=owner, version=planned.version)
    assert not AuditItem.objects.filter(audit_id=planned.pk).exists()


def test_programme_delete_only_without_audits(org, owner):
    programme = services.programme_create(
        organization=org, actor=owner, title="Cycle", period_start=TODAY, period_end=TODAY
    )
    assert programme.ref == "AP-001" and programme.owner == owner
    audit = make_audit(org, owner, programme=programme)
    with pytest.raises(ValidationError, match=audit.ref):
        services.programme_delete(programme=programme, actor=owner, version=programme.version)
    with pytest.raises(ValidationError) as exc:
        services.programme_update(
            programme=programme,
            actor=owner,
            version=programme.version,
            period_end=TODAY.replace(year=TODAY.year - 1),
        )
    assert "period_end" in exc.value.message_dict


def test_reported_helper_closes(org, owner):
    audit = reported(org, owner)
    assert audit.status == "reported"
    audit = services.audit_close(audit=audit, actor=owner, version=audit.version)
    assert audit.status == "closed"


def test_impartiality_holds_while_the_audit_runs(org, owner, member):
    """A conflict brought in after the start (new lead, team member or criterion) needs the
    statement too; the refused change is not kept."""
    ann = member(org, "auditor", email="ann@acme.test")
    controls.control_create(
        organization=org, actor=owner, name="Backups", owner=ann, requirements=[req("A.8.13")]
    )
    audit = started(org, owner)
    with pytest.raises(ValidationError, match="impartiality statement"):
        services.audit_update(audit=audit, actor=owner, version=audit.version, team=[ann])
    audit = Audit.objects.get(pk=audit.pk)
    assert list(audit.team.all()) == []
    with pytest.raises(ValidationError, match="impartiality statement"):
        services.audit_update(audit=audit, actor=owner, version=audit.version, lead_auditor=ann)
    audit = Audit.objects.get(pk=audit.pk)
    assert audit.lead_auditor == owner
    audit = services.audit_update(
        audit=audit,
        actor=owner,
        version=audit.version,
        team=[ann],
        impartiality_statement="Ann does not sample A.8.13.",
    )
    assert list(audit.team.all()) == [ann]


def test_an_issued_report_no_longer_changes(org, owner, member):
    other = member(org, "manager")
    audit = reported(org, owner)
    for change in (
        {"conclusion": ""},
        {"scope": "Something else"},
        {"lead_auditor": other},
        {"team": [other]},
    ):
        with pytest.raises(ValidationError, match=r"report of .* was issued"):
            services.audit_update(audit=audit, actor=owner, version=audit.version, **change)
    # Unchanged values (a form sends them all) are accepted.
    audit = services.audit_update(
        audit=audit, actor=owner, version=audit.version, conclusion=audit.conclusion
    )
    assert audit.status == "reported"


def test_an_audit_without_checklist_is_not_reported(org, owner):
    audit = started(org, owner)
    with pytest.raises(ValidationError, match="keeps its criteria"):
        services.audit_update(audit=audit, actor=owner, version=audit.version, criteria=[])
    AuditItem.objects.filter(audit=audit).delete()  # whatever way the checklist went missing
    audit = Audit.objects.get(pk=audit.pk)
    audit = services.audit_update(
        audit=audit, actor=owner, version=audit.version, conclusion="Nothing seen."
    )
    assert "nothing to report" in services.transition_problem(audit, "reported")


def test_a_raised_findings_result_is_frozen(org, owner):
    audit = started(org, owner)
    item = items(audit)["A.8.13"]
    record(item, owner, result="major_nc", finding="No restore test.")
    nc = services.raise_nonconformity(item=items(audit)["A.8.13"], actor=owner)
    with pytest.raises(ValidationError, match=nc.ref):
        record(items(audit)["A.8.13"], owner, result="minor_nc", finding="No restore test.")
    record(items(audit)["A.8.13"], owner, result="major_nc", finding="No restore test in 2025.")
    assert items(audit)["A.8.13"].finding == "No restore test in 2025."
