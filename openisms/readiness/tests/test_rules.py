"""Every rule fires on a world that breaks it and passes on the compliant world (which no rule
fires on). ``BREAKERS`` must name every registered rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from openisms.readiness.engine import all_rules, evaluate
from openisms.readiness.tests.helpers import DAY, TODAY, compliant_world, fired, run_rule


def _m(name: str) -> Any:
    from django.apps import apps

    app, model = name.split(".")
    return apps.get_model(app, model)


def _upd(obj: Any, **fields: Any) -> None:
    type(obj).objects.filter(pk=obj.pk).update(**fields)


def _high_risk(w: Any, **fields: Any) -> Any:
    """A risk at the highest level of the method (above the threshold)."""
    from openisms.risks import services as risks

    d = w.method.definition
    top = d["likelihood"][-1]["value"], d["consequence"][-1]["value"]
    risk = risks.risk_create(organization=w.org, actor=w.owner, title="Ransomware", owner=w.owner)
    risk = risks.risk_assess(risk=risk, actor=w.owner, version=risk.version, current=top)
    if fields:
        _upd(risk, **fields)
        risk.refresh_from_db()
    return risk


def _accept(w: Any, risk: Any, by: Any, **fields: Any) -> None:
    _m("risks.RiskAcceptance").objects.create(
        organization=w.org,
        risk=risk,
        accepted_by=by,
        justification="Accepted for the year",
        valid_until=fields.pop("valid_until", TODAY + 100 * DAY),
        level=fields.pop("level", risk.current_level),
        methodology_version=w.method,
    )


def _entry(w: Any, ref: str) -> Any:
    return _m("soa.SoaEntry").objects.get(soa=w.soa, requirement__ref_id=ref)


def _contributor(w: Any, member: Any) -> Any:
    return member(w.org, "contributor")


def _control_test(w: Any, **run: Any) -> Any:
    test = _m("controls.ControlTest").objects.create(
        organization=w.org, control=w.control, name="Check", frequency_days=30
    )
    if run:
        _m("controls.ControlTestRun").objects.create(organization=w.org, test=test, **run)
    return test


def _incident(w: Any, **fields: Any) -> Any:
    fields.setdefault("title", "Outage")
    return _m("incidents.Incident").objects.create(organization=w.org, ref="INC-001", **fields)


def _nc(w: Any, **fields: Any) -> Any:
    fields.setdefault("title", "Visitor log missing")
    return _m("improvement.Nonconformity").objects.create(
        organization=w.org, ref="NC-001", **fields
    )


def _soa_change(w: Any) -> None:
    """Applicable A.5.2 too (a business reason, implemented by the policy control)."""
    from openisms.catalog.models import RequirementNode

    entry = _entry(w, "A.5.2")
    _upd(entry, applicable=True, business_requirement=True, justification="")
    w.control.requirements.add(RequirementNode.objects.get(pk=entry.requirement_id))


BREAKERS: dict[str, Any] = {
    # 4
    "R-4.1-CONTEXT-ISSUES-RECORDED": lambda w, m: (
        _m("governance.ContextIssue").objects.filter(side="internal").delete()
    ),
    "R-4.1-CONTEXT-ISSUES-REVIEWED": lambda w, m: (
        _m("governance.ContextIssue")
        .objects.filter(organization=w.org)
        .update(review_date=TODAY - DAY)
    ),
    "R-4.2-PARTIES-RECORDED": lambda w, m: (
        _m("governance.Obligation").objects.update(party=None),
        _m("governance.InterestedParty").objects.all().delete(),
    ),
    "R-4.2-PARTY-REQUIREMENTS": lambda w, m: (
        _upd(w.party, expectations=""),
        _upd(w.obligation, party=None),
    ),
    "R-4.2-OBLIGATIONS-ADDRESSED": lambda w, m: w.obligation.controls.clear(),
    "R-A.5.31-OBLIGATIONS-REVIEWED": lambda w, m: _upd(w.obligation, review_date=TODAY - DAY),
    "R-A.5.31-LEGAL-REQUIREMENTS-IDENTIFIED": lambda w, m: _upd(w.obligation, kind="contractual"),
    "R-4.3-SCOPE-APPROVED": lambda w, m: None,  # special-cased: a fresh organisation
    "R-4.3-SCOPE-CURRENT": lambda w, m: _upd(w.scope, text="Only the head office."),
    # 5
    "R-5.2-POLICY-APPROVED": lambda w, m: _upd(w.policy, type="procedure"),
    "R-5.2-POLICY-REVIEWED": lambda w, m: _upd(w.policy, next_review=TODAY - DAY),
    "R-5.3-ISMS-ROLES-ASSIGNED": lambda w, m: w.role.holders.clear(),
    "R-5.3-ROLE-RESPONSIBILITIES": lambda w, m: _upd(w.role, responsibilities=""),
    "R-5.3-PROCESS-ACCOUNTABLE": lambda w, m: _m("people.RaciAssignment").objects.update(
        letter="R"
    ),
    # 6.1.2, 6.1.3, 8.2, 8.3
    "R-6.1.2-METHODOLOGY-DEFINED": lambda w, m: (
        _m("risks.Methodology").objects.filter(organization=w.org).update(current=None)
    ),
    "R-6.1.2-RISKS-IDENTIFIED": lambda w, m: _upd(w.risk, status="closed"),
    "R-6.1.2-RISK-OWNER": lambda w, m: _upd(w.risk, owner=None),
    "R-6.1.2-RISK-ASSESSED": lambda w, m: _upd(w.risk, current_level=""),
    "R-8.2-RISK-REVIEW-DUE": lambda w, m: _upd(w.risk, next_review=TODAY - DAY),
    "R-6.1.3-RISK-ABOVE-THRESHOLD-TREATED": lambda w, m: _high_risk(
        w, treatment_option="modify", status="analysed"
    ),
    "R-6.1.3-ACCEPTANCE-VALID": lambda w, m: _accept(
        w,
        _high_risk(w, status="accepted", treatment_option="retain"),
        w.owner,
        valid_until=TODAY - DAY,
    ),
    "R-6.1.3-ACCEPTANCE-ROLE": lambda w, m: _accept(
        w, _high_risk(w, status="accepted"), _contributor(w, m)
    ),
    "R-6.1.3-TREATMENT-SELECTS-CONTROLS": lambda w, m: _upd(w.risk, treatment_option="modify"),
    "R-8.3-TREATMENT-ACTION-OWNER": lambda w, m: _m("risks.TreatmentAction").objects.create(
        organization=w.org, risk=w.risk, title="Encrypt", due_date=TODAY + DAY
    ),
    "R-8.3-TREATMENT-ACTION-OVERDUE": lambda w, m: _m("risks.TreatmentAction").objects.create(
        organization=w.org, risk=w.risk, title="Encrypt", owner=w.owner, due_date=TODAY - DAY
    ),
    "R-8.2-ASSESSMENT-RECORDED": lambda w, m: _m("risks.AssessmentRun").objects.update(
        completed_at=timezone.now() - dt.timedelta(days=400)
    ),
    # SoA
    "R-6.1.3-SOA-APPROVED": lambda w, m: None,  # special-cased: a fresh organisation with a draft
    "R-6.1.3-SOA-CURRENT": lambda w, m: _soa_change(w),
    "R-6.1.3-SOA-DECIDED": lambda w, m: _upd(_entry(w, "A.5.2"), applicable=None),
    "R-6.1.3-SOA-EXCLUSION-JUSTIFIED": lambda w, m: _upd(_entry(w, "A.5.2"), justification="No."),
    "R-6.1.3-SOA-INCLUSION-REASON": lambda w, m: _upd(
        _entry(w, "A.5.2"), applicable=True, justification=""
    ),
    "R-6.1.3-SOA-CONTROL-IMPLEMENTED-BY": lambda w, m: w.control.requirements.clear(),
    "R-8.1-APPLICABLE-CONTROLS-STARTED": lambda w, m: _upd(w.control, status="not_started"),
    "R-9.1-APPLICABLE-CONTROLS-EVIDENCED": lambda w, m: _upd(w.evidence, valid_until=TODAY - DAY),
    # controls, assets, incidents
    "R-8.1-CONTROL-OWNER": lambda w, m: _upd(w.control, owner=None),
    "R-8.1-CONTROL-REVIEWED": lambda w, m: _upd(w.control, last_reviewed_on=TODAY - 400 * DAY),
    "R-9.1-CONTROL-TEST-OVERDUE": lambda w, m: _control_test(
        w, performed_on=TODAY - 40 * DAY, result="pass"
    ),
    "R-10.2-FAILED-TEST-NONCONFORMITY": lambda w, m: _control_test(
        w, performed_on=TODAY, result="fail"
    ),
    "R-9.1-EVIDENCE-STALE": lambda w, m: _upd(w.evidence, valid_until=TODAY - DAY),
    "R-A.5.9-ASSET-INVENTORY": lambda w, m: _m("assets.Asset").objects.all().delete(),
    "R-A.5.9-ASSET-OWNER": lambda w, m: _upd(w.asset, owner=None),
    "R-A.5.12-ASSET-CLASSIFIED": lambda w, m: _upd(w.asset, classification=None),
    "R-A.5.24-INCIDENT-OWNER": lambda w, m: _incident(w, status="triaged"),
    "R-A.5.26-BREACH-NOTIFIED": lambda w, m: _incident(
        w,
        owner=w.owner,
        personal_data_breach=True,
        detected_at=timezone.now() - dt.timedelta(days=4),
    ),
    "R-A.5.27-INCIDENT-LESSONS": lambda w, m: _incident(
        w, owner=w.owner, status="resolved", response="Restored"
    ),
    "R-A.5.27-INCIDENT-FOLLOW-UP": lambda w, m: _incident(
        w, owner=w.owner, status="closed", severity="high", lessons_learned="Test restores"
    ),
    # 7
    "R-7.2-COMPETENCE-RECORDS": lambda w, m: _m("people.TrainingRecord").objects.update(
        valid_until=TODAY - DAY
    ),
    "R-7.2-ROLE-COMPETENCES": lambda w, m: w.role.competences.clear(),
    "R-7.3-AWARENESS-CAMPAIGN": lambda w, m: _m("people.AwarenessCampaign").objects.update(
        starts_on=TODAY - 400 * DAY
    ),
    "R-7.4-COMMUNICATION-PLAN": lambda w, m: _m("people.CommunicationItem").objects.all().delete(),
    "R-7.5-DOCUMENT-REVIEW-OVERDUE": lambda w, m: _upd(w.policy, next_review=TODAY - DAY),
    "R-7.5-DOCUMENT-OWNER": lambda w, m: _upd(w.policy, owner=None),
    "R-7.5-DOCUMENT-NOT-APPROVED": lambda w, m: _m("documents.Document").objects.create(
        organization=w.org, ref="DOC-002", title="Backup procedure", type="procedure"
    ),
    # 6.2, 9.1
    "R-6.2-OBJECTIVES-DEFINED": lambda w, m: _upd(w.objective, status="cancelled"),
    "R-6.2-OBJECTIVE-PLANNED": lambda w, m: _upd(w.objective, evaluation=""),
    "R-6.2-OBJECTIVE-MEASURED": lambda w, m: _upd(w.metric, objective=None),
    "R-6.2-OBJECTIVE-OVERDUE": lambda w, m: _upd(w.objective, due_date=TODAY - DAY),
    "R-9.1-METRIC-OVERDUE": lambda w, m: (
        _m("objectives.Measurement")
        .objects.filter(metric=w.metric)
        .update(measured_on=TODAY - 40 * DAY)
    ),
    "R-9.1-METRIC-RESPONSIBLE": lambda w, m: _upd(w.metric, analysed_by=None),
    "R-9.1-METRIC-OFF-TARGET": lambda w, m: _upd(w.metric, target=1),
    # 9.2
    "R-9.2-AUDIT-PROGRAMME": lambda w, m: _upd(w.programme, period_end=TODAY - DAY),
    "R-9.2-PROGRAMME-COVERAGE": lambda w, m: w.audit.criteria.remove(
        *w.audit.criteria.filter(ref_id="4.1")
    ),
    "R-9.2-AUDIT-WITHIN-12-MONTHS": lambda w, m: _upd(w.audit, report_issued_on=TODAY - 400 * DAY),
    "R-9.2-AUDIT-FINDINGS-RAISED": lambda w, m: _m("audits.AuditItem").objects.create(
        organization=w.org,
        audit=w.audit,
        requirement=w.audit.criteria.first(),
        result="minor_nc",
        finding="No log",
    ),
    # 9.3
    "R-9.3-REVIEW-WITHIN-12-MONTHS": lambda w, m: _upd(w.review, held_on=TODAY - 400 * DAY),
    "R-9.3-REVIEW-INPUTS": lambda w, m: _upd(w.review, inputs={"sections": [{"key": "a"}]}),
    "R-9.3-MINUTES-APPROVED": lambda w, m: _upd(w.review, status="held", held_on=TODAY - 40 * DAY),
    "R-9.3-DECISIONS-OVERDUE": lambda w, m: _m("reviews.ReviewDecision").objects.create(
        organization=w.org, review=w.review, ref="MRD-001", title="Buy EDR", due_date=TODAY - DAY
    ),
    # 10
    "R-10.2-CORRECTIVE-ACTION-OVERDUE": lambda w, m: _m(
        "improvement.CorrectiveAction"
    ).objects.create(
        organization=w.org,
        nonconformity=_nc(w, owner=w.owner),
        ref="CA-001",
        title="Fix",
        due_date=TODAY - DAY,
    ),
    "R-10.2-NC-ANALYSED": lambda w, m: _nc(w, owner=w.owner, detected_on=TODAY - 40 * DAY),
    "R-10.2-NC-OWNER": lambda w, m: _nc(w),
    "R-10.2-NC-VERIFIED-BEFORE-CLOSURE": lambda w, m: _nc(
        w, owner=w.owner, status="closed", root_cause="x"
    ),
    "R-10.1-IMPROVEMENT-LOG": lambda w, m: _m("improvement.ImprovementOpportunity").objects.update(
        created_at=timezone.now() - dt.timedelta(days=400)
    ),
}


def test_every_rule_has_a_breaker():
    assert set(BREAKERS) == {r.id for r in all_rules()}


@pytest.mark.parametrize("rule_id", sorted(BREAKERS))
def test_rule_fires_and_passes(client, org, owner, member, rule_id):
    world = compliant_world(org, owner)
    reader = owner
    assert run_rule(org, rule_id).passed, rule_id
    if rule_id in ("R-4.3-SCOPE-APPROVED", "R-6.1.3-SOA-APPROVED"):
        from openisms.accounts.tests.factories import OrganizationFactory
        from openisms.catalog.models import Framework
        from openisms.soa.services import soa_create

        fresh = OrganizationFactory(slug="fresh")
        boss = reader = member(fresh, "owner")
        if rule_id == "R-6.1.3-SOA-APPROVED":
            iso = Framework.objects.get(urn="urn:openisms:framework:iso27001-2022")
            assert not run_rule(fresh, rule_id).passed  # no statement at all
            soa_create(organization=fresh, actor=boss, framework=iso)
        result = run_rule(fresh, rule_id)
    else:
        BREAKERS[rule_id](world, member)
        # The breakers write with the ORM, which does not move the audit chain head the SoA's
        # derived data is cached under (every service write does).
        cache.clear()
        result = run_rule(org, rule_id)
    assert not result.passed, rule_id
    client.force_login(reader)
    for finding in result.findings:
        assert finding.rule_id == rule_id and finding.message
        assert finding.url.startswith("/o/"), (rule_id, finding.link)
        # "Fix it" is a page the user can open (not a POST-only action).
        assert client.get(finding.url).status_code == 200, (rule_id, finding.url)


def test_compliant_world_passes_everything(org, owner):
    compliant_world(org, owner)
    evaluation = evaluate(org)
    assert fired(org) == set()
    assert evaluation.score == 100.0 and evaluation.findings == []
