from __future__ import annotations

from django.utils import timezone

from openisms.assets.choices import AssetType
from openisms.assets.models import Asset, ClassificationLevel
from openisms.core.models import AuditEvent
from openisms.risks import selectors, services
from openisms.risks.choices import RiskStatus, TreatmentOption
from openisms.risks.demo import load_demo
from openisms.risks.methodology import Method
from openisms.risks.models import AssessmentRun, Risk, RiskAcceptance, TreatmentAction


def test_demo_register(org, owner, member):
    colleagues = {
        "manager": member(org, "manager", email="maria@acme.test"),
        "contributor": member(org, "contributor", email="carl@acme.test"),
        "auditor": member(org, "auditor"),
    }
    load_demo(organization=org, owner=owner, colleagues=colleagues)

    version = selectors.methodology_current(organization=org)
    assert version is not None and version.definition["threshold"] == "medium"
    assert ClassificationLevel.objects.filter(organization=org).count() == 4
    assets = Asset.objects.filter(organization=org)
    assert 20 <= assets.count() <= 30
    assert {a.type for a in assets} == set(AssetType.values)
    assert Asset.depends_on.through.objects.filter(from_asset__organization=org).count() >= 5
    assert not assets.filter(owner__isnull=True).exists()

    risks = Risk.objects.filter(organization=org)
    assert 25 <= risks.count() <= 35
    assert {r.current_level for r in risks} - {""} == set(Method(version.definition).levels)
    assert {r.status for r in risks} == set(RiskStatus.values)
    assert {r.treatment_option for r in risks} - {""} == set(TreatmentOption.values)
    assert {r.owner for r in risks} == {owner, colleagues["manager"], colleagues["contributor"]}
    assessed = risks.exclude(current_level="")
    assert not assessed.filter(inherent_level="").exists()
    assert assessed.exclude(target_level="").count() >= 10
    for risk in risks.filter(treatment_option="modify"):
        assert risk.annex_a_controls.exists(), risk
    assert risks.filter(annex_a_controls__ref_id="A.8.13").exists()

    accepted = RiskAcceptance.objects.filter(organization=org)
    assert accepted.count() >= 4
    method = Method(version.definition)
    above = [a for a in accepted if not method.within_appetite(a.level)]
    assert [a.accepted_by for a in above] == [owner]
    for a in accepted:
        if method.within_appetite(a.level):
            assert a.accepted_by == a.risk.owner
    for risk in risks.filter(status="accepted"):
        assert services.acceptance_valid(risk)

    today = timezone.localdate()
    actions = TreatmentAction.objects.filter(organization=org)
    overdue = actions.filter(status__in=["open", "in_progress"], due_date__lt=today)
    assert actions.count() >= 10 and overdue.count() >= 3
    assert actions.filter(status="done").exists()

    run = AssessmentRun.objects.get(organization=org)
    assert run.status == "completed"
    assert run.results.count() == risks.exclude(status="closed").count()

    events = AuditEvent.objects.count()
    load_demo(organization=org, owner=owner, colleagues=colleagues)  # idempotent
    assert Risk.objects.filter(organization=org).count() == risks.count()
    assert AuditEvent.objects.count() == events


def test_demo_without_colleagues_uses_the_owner(org, owner):
    load_demo(organization=org, owner=owner, colleagues={})
    assert Risk.objects.filter(organization=org).exclude(owner=owner).count() == 0
    assert RiskAcceptance.objects.filter(organization=org).exists()
