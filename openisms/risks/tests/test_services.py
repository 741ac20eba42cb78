from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openisms.assets import services as asset_services
from openisms.assets.selectors import effective_cia
from openisms.catalog.models import RequirementNode
from openisms.core.exceptions import ConflictError
from openisms.core.models import AuditEvent
from openisms.risks import methodology, selectors, services
from openisms.risks.models import AssessmentResult, Risk, RiskAcceptance, Threat


@pytest.fixture
def method(org, owner):
    return services.methodology_from_preset(organization=org, actor=owner, preset="4x4")


class TestMethodology:
    def test_presets_are_valid(self):
        presets = methodology.presets()
        assert set(presets) == {"3x3", "4x4", "5x5"}
        assert len(presets["5x5"]["definition"]["matrix"]) == 5

    def test_bad_matrix_names_the_cell(self):
        d = copy.deepcopy(methodology.presets()["4x4"]["definition"])
        d["matrix"][1][2] = ""
        d["matrix"][3][0] = "extreme"
        with pytest.raises(ValidationError) as exc:
            methodology.validate(d)
        text = " ".join(exc.value.messages)
        l1, c2 = d["likelihood"][1]["label"], d["consequence"][2]["label"]
        assert f"likelihood “{l1}” × consequence “{c2}” is empty" in text
        assert "unknown level “extreme”" in text

    def test_duplicate_values_and_threshold_outside(self):
        d = copy.deepcopy(methodology.presets()["3x3"]["definition"])
        d["likelihood"][1]["value"] = 1
        d["threshold"] = "none"
        with pytest.raises(ValidationError) as exc:
            methodology.validate(d)
        text = " ".join(exc.value.messages)
        assert (
            "duplicate value 1" in text and "threshold “none” is not one of the risk levels" in text
        )

    def test_scale_size_limits(self):
        d = copy.deepcopy(methodology.presets()["3x3"]["definition"])
        d["consequence"] = d["consequence"][:2]
        with pytest.raises(ValidationError, match="3 to 7 levels"):
            methodology.validate(d)

    def test_change_creates_a_new_version_and_old_results_keep_theirs(self, org, owner, method):
        risk = services.risk_create(organization=org, actor=owner, title="Ransomware")
        services.risk_assess(risk=risk, actor=owner, version=risk.version, current=(4, 4))
        level_before = risk.current_level
        d = copy.deepcopy(method.definition)
        d["matrix"][3][3] = d["levels"][0]["key"]
        v2 = services.methodology_set(organization=org, actor=owner, definition=d)
        assert v2.number == 2
        risk.refresh_from_db()
        assert risk.current_level == level_before and risk.methodology_version_id == method.pk
        assert AuditEvent.objects.filter(action="methodology.version").count() == 2

    def test_only_managers_define_it(self, org, member):
        contributor = member(org, "contributor")
        with pytest.raises(PermissionDenied):
            services.methodology_from_preset(organization=org, actor=contributor, preset="3x3")


class TestRegister:
    def test_refs_are_sequential_and_never_reused(self, org, owner, method):
        r1 = services.risk_create(organization=org, actor=owner, title="One")
        r2 = services.risk_create(organization=org, actor=owner, title="Two")
        assert (r1.ref, r2.ref) == ("R-001", "R-002")
        r2.delete()
        assert services.risk_create(organization=org, actor=owner, title="Three").ref == "R-003"
        services.risk_create(organization=org, actor=owner, title="Imported", ref="R-042")
        assert services.risk_create(organization=org, actor=owner, title="Next").ref == "R-043"

    def test_assess_computes_levels_from_the_matrix(self, org, owner, method):
        risk = services.risk_create(organization=org, actor=owner, title="Outage")
        services.risk_assess(
            risk=risk, actor=owner, version=1, inherent=(4, 4), current=(2, 3), target=(1, 1)
        )
        m = methodology.Method(method.definition)
        assert risk.inherent_level == m.level(4, 4)
        assert risk.current_level == m.level(2, 3)
        assert risk.target_level == m.level(1, 1)
        assert risk.current_level_order == m.order(risk.current_level)
        assert risk.next_review == timezone.localdate() + dt.timedelta(days=365)

    def test_off_scale_values_are_refused(self, org, owner, method):
        risk = services.risk_create(organization=org, actor=owner, title="X")
        with pytest.raises(ValidationError) as exc:
            services.risk_assess(risk=risk, actor=owner, version=1, current=(9, 1))
        assert "current_likelihood" in exc.value.message_dict

    def test_stale_edit_is_refused(self, org, owner, method):
        risk = services.risk_create(organization=org, actor=owner, title="X")
        services.risk_update(risk=Risk.objects.get(pk=risk.pk), actor=owner, version=1, title="Y")
        with pytest.raises(ConflictError):
            services.risk_update(
                risk=Risk.objects.get(pk=risk.pk), actor=owner, version=1, title="Z"
            )

    def test_contributor_edits_only_own_risks(self, org, owner, member, method):
        contributor = member(org, "contributor")
        mine = services.risk_create(organization=org, actor=contributor, title="Mine")
        assert mine.owner_id == contributor.pk
        services.risk_update(risk=mine, actor=contributor, version=1, title="Mine, edited")
        theirs = services.risk_create(organization=org, actor=owner, title="Theirs")
        with pytest.raises(PermissionDenied):
            services.risk_update(risk=theirs, actor=contributor, version=1, title="Hijack")
        with pytest.raises(PermissionDenied):
            services.risk_create(
                organization=org, actor=contributor, title="For someone else", owner=owner
            )

    def test_owner_must_be_a_member(self, org, other_org, owner, member, method):
        outsider = member(other_org, "owner")
        with pytest.raises(ValidationError) as exc:
            services.risk_create(organization=org, actor=owner, title="X", owner=outsider)
        assert "owner" in exc.value.message_dict

    def test_assets_and_requirements_are_linked_and_audited(self, org, owner, method):
        asset = asset_services.asset_create(
            organization=org, actor=owner, name="CRM", type="software"
        )
        risk = services.risk_create(organization=org, actor=owner, title="Leak", assets=[asset])
        a51 = RequirementNode.objects.get(
            framework__urn="urn:openisms:framework:iso27001-2022", ref_id="A.8.13"
        )
        services.risk_set_treatment(
            risk=risk, actor=owner, version=1, option="modify", requirements=[a51]
        )
        assert list(risk.assets.all()) == [asset] and list(risk.annex_a_controls.all()) == [a51]
        changes = [
            e.changes for e in AuditEvent.objects.filter(object_type="risks.risk", action="update")
        ]
        assert {"assets": [[], [asset.pk]]} in changes


class TestLifecycleAndAcceptance:
    def _assessed(self, org, owner, current):
        risk = services.risk_create(organization=org, actor=owner, title="R")
        services.risk_assess(risk=risk, actor=owner, version=1, current=current)
        return risk

    def test_transitions_are_guarded(self, org, owner, method):
        risk = services.risk_create(organization=org, actor=owner, title="R")
        with pytest.raises(ValidationError, match="Assess the risk"):
            services.risk_transition(risk=risk, actor=owner, to="analysed", version=1)
        services.risk_assess(risk=risk, actor=owner, version=1, current=(2, 2))
        services.risk_transition(risk=risk, actor=owner, to="analysed", version=risk.version)
        with pytest.raises(ValidationError, match="cannot go from"):
            services.risk_transition(risk=risk, actor=owner, to="treated", version=risk.version)
        with pytest.raises(ValidationError, match="Choose a treatment"):
            services.risk_transition(
                risk=risk, actor=owner, to="treatment_planned", version=risk.version
            )

    def test_only_risk_owner_or_manager_moves_it(self, org, owner, member, method):
        viewer = member(org, "contributor")
        risk = self._assessed(org, owner, (2, 2))
        with pytest.raises(PermissionDenied):
            services.risk_transition(risk=risk, actor=viewer, to="analysed", version=risk.version)

    def test_acceptance_within_appetite_by_risk_owner(self, org, owner, member, method):
        contributor = member(org, "contributor")
        risk = services.risk_create(organization=org, actor=contributor, title="Low one")
        services.risk_assess(risk=risk, actor=contributor, version=1, current=(1, 1))
        acc = services.risk_accept(
            risk=risk, actor=contributor, justification="Cheap to live with, monitored monthly."
        )
        assert acc.valid_until == timezone.localdate() + dt.timedelta(days=365)
        services.risk_transition(
            risk=risk, actor=contributor, to="analysed", version=risk.version
        ) if risk.status == "identified" else None
        services.risk_transition(risk=risk, actor=contributor, to="accepted", version=risk.version)
        assert risk.status == "accepted"

    def test_above_appetite_needs_the_named_role(self, org, owner, member, method):
        manager = member(org, "manager")
        risk = services.risk_create(organization=org, actor=manager, title="Big one")
        services.risk_assess(risk=risk, actor=manager, version=1, current=(4, 4))
        with pytest.raises(PermissionDenied, match="above it"):
            services.risk_accept(
                risk=risk, actor=manager, justification="We have no budget this year."
            )
        services.risk_accept(
            risk=risk, actor=owner, justification="Board decision of 3 March, see minutes."
        )
        assert RiskAcceptance.objects.filter(risk=risk, accepted_by=owner).exists()

    def test_expired_acceptance_does_not_count(self, org, owner, method):
        risk = self._assessed(org, owner, (1, 1))
        services.risk_accept(
            risk=risk,
            actor=owner,
            justification="Accepted for the pilot period.",
            valid_until=timezone.localdate() + dt.timedelta(days=1),
        )
        RiskAcceptance.objects.filter(risk=risk).update(
            valid_until=timezone.localdate() - dt.timedelta(days=1)
        )
        assert services.acceptance_valid(risk) is None

    def test_justification_required(self, org, owner, method):
        risk = self._assessed(org, owner, (1, 1))
        with pytest.raises(ValidationError):
            services.risk_accept(risk=risk, actor=owner, justification="ok")


class TestViews:
    def test_heatmap_counts_cells(self, org, owner, method):
        for pair in [(1, 1), (1, 1), (4, 4)]:
            risk = services.risk_create(organization=org, actor=owner, title="R")
            services.risk_assess(risk=risk, actor=owner, version=1, current=pair)
        hm = selectors.heatmap(organization=org, grid="current")
        cells = {
            (c.likelihood["value"], c.consequence["value"]): c.count for row in hm.rows for c in row
        }
        assert cells[(1, 1)] == 2 and cells[(4, 4)] == 1 and hm.total == 3
        assert hm.rows[0][0].likelihood["value"] == 4  # highest likelihood first

    def test_treatment_plan_puts_overdue_first(self, org, owner, method):
        risk = services.risk_create(organization=org, actor=owner, title="R")
        today = timezone.localdate()
        later = services.action_create(
            risk=risk, actor=owner, title="later", due_date=today + dt.timedelta(days=9)
        )
        overdue = services.action_create(
            risk=risk, actor=owner, title="overdue", due_date=today - dt.timedelta(days=1)
        )
        plan = selectors.treatment_plan(organization=org)
        assert [a.pk for a in plan] == [overdue.pk, later.pk]
        assert list(
            selectors.risk_list(
                organization=org, filters=selectors.RiskFilter(overdue_actions=True)
            )
        ) == [risk]

    def test_assessment_runs_freeze_and_compare(self, org, owner, method):
        r1 = services.risk_create(organization=org, actor=owner, title="A")
        services.risk_assess(risk=r1, actor=owner, version=1, current=(1, 1))
        run1 = services.run_start(organization=org, actor=owner, name="2026 Q1")
        services.run_complete(run=run1, actor=owner, version=1)
        services.risk_assess(risk=r1, actor=owner, version=r1.version, current=(4, 4))
        r2 = services.risk_create(organization=org, actor=owner, title="B")
        run2 = services.run_start(organization=org, actor=owner, name="2026 Q2")
        services.run_complete(run=run2, actor=owner, version=1)
        assert AssessmentResult.objects.filter(run=run1).count() == 1
        cmp = selectors.run_compare(before=run1, after=run2)
        assert [r.ref for r in cmp.new] == [r2.ref]
        assert [(a.ref, a.current_level != b.current_level) for a, b in cmp.changed] == [
            (r1.ref, True)
        ]
        with pytest.raises(ValidationError, match="already completed"):
            services.run_complete(run=run1, actor=owner, version=run1.version)


class TestAssets:
    def test_effective_cia_is_inherited_from_dependents(self, org, owner):
        server = asset_services.asset_create(
            organization=org, actor=owner, name="Server", type="hardware", confidentiality=1
        )
        app = asset_services.asset_create(
            organization=org,
            actor=owner,
            name="App",
            type="software",
            confidentiality=2,
            depends_on=[server],
        )
        asset_services.asset_create(
            organization=org,
            actor=owner,
            name="Customer data",
            type="information",
            confidentiality=4,
            depends_on=[app],
        )
        cia = effective_cia(server)
        assert cia.confidentiality == 4 and "A-003" in cia.inherited_from
        server.refresh_from_db()
        assert server.confidentiality == 1  # shown, not stored

    def test_asset_in_other_org_cannot_be_linked(self, org, other_org, owner, member):
        other_owner = member(other_org, "owner")
        foreign = asset_services.asset_create(
            organization=other_org, actor=other_owner, name="X", type="site"
        )
        with pytest.raises(ValidationError):
            asset_services.asset_create(
                organization=org, actor=owner, name="Y", type="site", depends_on=[foreign]
            )


def test_threat_catalog_is_shipped(db):
    assert Threat.objects.filter(organization__isnull=True).count() >= 40


def test_assess_per_cia_max_rule_takes_the_highest(org, owner, method):
    risk = services.risk_create(organization=org, actor=owner, title="Leak")
    services.risk_assess(
        risk=risk,
        actor=owner,
        version=1,
        inherent=(3, {"c": 4, "i": 2, "a": 1}),
        current=(2, {"i": 3}),
        target=(1, 1),
    )
    risk.refresh_from_db()
    m = methodology.Method(method.definition)
    assert (risk.inherent_consequence, risk.current_consequence) == (4, 3)
    assert risk.inherent_level == m.level(3, 4) and risk.current_level == m.level(2, 3)
    assert risk.consequence_by_cia == {
        "inherent": {"c": 4, "i": 2, "a": 1},
        "current": {"i": 3},
    }
    # A plain consequence replaces the per-C/I/A values of that assessment only.
    services.risk_assess(risk=risk, actor=owner, version=risk.version, current=(2, 2))
    risk.refresh_from_db()
    assert risk.current_consequence == 2
    assert risk.consequence_by_cia == {"inherent": {"c": 4, "i": 2, "a": 1}}
    event = AuditEvent.objects.filter(action="risk.assess").order_by("-pk").first()
    assert event is not None and "consequence_by_cia" in event.changes


def test_assess_per_cia_single_rule_refuses_a_dict(org, owner, method):
    d = copy.deepcopy(method.definition)
    d["cia_rule"] = "single"
    services.methodology_set(organization=org, actor=owner, definition=d)
    risk = services.risk_create(organization=org, actor=owner, title="Single")
    with pytest.raises(ValidationError) as exc:
        services.risk_assess(risk=risk, actor=owner, version=1, current=(2, {"c": 3}))
    assert exc.value.message_dict == {
        "current_consequence": ["This method judges one consequence, not per C/I/A."]
    }
    services.risk_assess(risk=Risk.objects.get(pk=risk.pk), actor=owner, version=1, current=(2, 3))
    assert Risk.objects.get(pk=risk.pk).current_consequence == 3


def test_assess_per_cia_off_scale_or_empty_is_refused(org, owner, method):
    risk = services.risk_create(organization=org, actor=owner, title="Off scale")
    for bad in ({"c": 2, "a": 9}, {}, {"x": 2}):
        with pytest.raises(ValidationError) as exc:
            services.risk_assess(
                risk=Risk.objects.get(pk=risk.pk), actor=owner, version=1, target=(1, bad)
            )
        assert list(exc.value.message_dict) == ["target_consequence"]
    fresh = Risk.objects.get(pk=risk.pk)
    assert fresh.consequence_by_cia == {} and fresh.version == 1
