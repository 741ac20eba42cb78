"""Control health (openisms.controls.health): each rule of the documented order, the reasons
in words, evidence freshness, and a fixed number of queries for any number of controls."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openisms.controls import services
from openisms.controls.choices import Freshness, Health
from openisms.controls.health import freshness, freshness_q, health_for
from openisms.controls.models import Evidence
from openisms.controls.tests.test_services import make_control, make_evidence, make_test

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _window(settings):
    settings.OPENISMS_EVIDENCE_EXPIRING_DAYS = 30


def healthy_control(org, owner, name="Backups"):
    """Implemented, with fresh evidence and a test passed yesterday (every 90 days)."""
    control = make_control(org, owner, name=name, status="implemented")
    make_evidence(org, ref=f"E-{control.pk:03d}", valid_until=TODAY + 100 * DAY, controls=[control])
    test = make_test(control, owner, frequency_days=90)
    services.run_record(test=test, actor=owner, result="pass", performed_on=TODAY - DAY)
    return control, test


def health(control):
    return health_for([control])[control.pk]


class TestRules:
    def test_healthy(self, org, owner):
        control, _test = healthy_control(org, owner)
        h = health(control)
        assert h.state == Health.HEALTHY and h.reasons == []
        assert h.summary() == "Healthy"

    def test_not_implemented_is_at_risk(self, org, owner):
        control, _test = healthy_control(org, owner)
        control.status = "planned"
        h = health(control)
        assert h.state == Health.AT_RISK
        assert h.reasons == ["implementation planned"]

    def test_failed_latest_run_is_failing(self, org, owner):
        control, test = healthy_control(org, owner)
        services.run_record(test=test, actor=owner, result="fail", notes="No restore")
        h = health(control)
        assert h.state == Health.FAILING
        assert h.reasons == [f"test “Restore test” failed on {TODAY}"]

    def test_a_later_pass_clears_the_failure(self, org, owner):
        control, test = healthy_control(org, owner)
        services.run_record(
            test=test, actor=owner, result="fail", notes="No", performed_on=TODAY - 2 * DAY
        )
        assert health(control).state == Health.HEALTHY  # the pass of yesterday is the latest

    def test_partial_run_is_at_risk(self, org, owner):
        control, test = healthy_control(org, owner)
        services.run_record(test=test, actor=owner, result="partial")
        h = health(control)
        assert h.state == Health.AT_RISK
        assert h.reasons == [f"test “Restore test” partially passed on {TODAY}"]

    def test_all_evidence_stale_is_failing(self, org, owner):
        control, _test = healthy_control(org, owner)
        Evidence.objects.filter(controls=control).update(valid_until=TODAY - 10 * DAY)
        make_evidence(org, ref="E-777", valid_until=TODAY - 3 * DAY, controls=[control])
        h = health(control)
        assert h.state == Health.FAILING
        assert h.reasons[0] == f"all evidence stale (since {TODAY - 10 * DAY})"

    def test_one_stale_item_among_fresh_is_at_risk_naming_it(self, org, owner):
        control, _test = healthy_control(org, owner)
        make_evidence(org, ref="E-012", valid_until=TODAY - 5 * DAY, controls=[control])
        h = health(control)
        assert h.state == Health.AT_RISK
        assert h.reasons == [f"evidence E-012 stale since {TODAY - 5 * DAY}"]

    def test_expiring_evidence_is_at_risk_naming_it(self, org, owner):
        control, _test = healthy_control(org, owner)
        make_evidence(org, ref="E-020", valid_until=TODAY + 10 * DAY, controls=[control])
        h = health(control)
        assert h.state == Health.AT_RISK
        assert h.reasons == [f"evidence E-020 expires on {TODAY + 10 * DAY}"]

    def test_no_evidence_is_at_risk(self, org, owner):
        control, _test = healthy_control(org, owner)
        Evidence.objects.filter(controls=control).delete()
        h = health(control)
        assert h.state == Health.AT_RISK and h.reasons == ["no evidence"]

    def test_overdue_test_is_at_risk(self, org, owner):
        control = make_control(org, owner, status="implemented")
        make_evidence(org, valid_until=None, controls=[control])
        test = make_test(control, owner, frequency_days=30)
        services.run_record(test=test, actor=owner, result="pass", performed_on=TODAY - 40 * DAY)
        h = health(control)
        assert h.state == Health.AT_RISK
        assert h.reasons == [f"test “Restore test” overdue since {TODAY - 10 * DAY}"]

    def test_never_run_test_is_at_risk(self, org, owner):
        control = make_control(org, owner, status="implemented")
        make_evidence(org, controls=[control])
        make_test(control, owner, name="Access review")
        h = health(control)
        assert h.state == Health.AT_RISK and h.reasons == ["test “Access review” never run"]

    def test_failing_lists_at_risk_reasons_too(self, org, owner):
        control, test = healthy_control(org, owner)
        control.status = "partially_implemented"
        services.run_record(test=test, actor=owner, result="fail", notes="No")
        h = health(control)
        assert h.state == Health.FAILING
        assert h.reasons[0].startswith("test “Restore test” failed")
        assert "implementation partially implemented" in h.reasons

    def test_other_controls_evidence_does_not_count(self, org, owner):
        a, _ = healthy_control(org, owner, "A")
        b, _ = healthy_control(org, owner, "B")
        make_evidence(org, ref="E-900", valid_until=TODAY - DAY, controls=[b])
        result = health_for([a, b])
        assert result[a.pk].state == Health.HEALTHY
        assert result[b.pk].state == Health.AT_RISK


def test_freshness_states(settings):
    settings.OPENISMS_EVIDENCE_EXPIRING_DAYS = 30
    assert freshness(None, TODAY) == Freshness.FRESH
    assert freshness(TODAY - DAY, TODAY) == Freshness.STALE
    assert freshness(TODAY, TODAY) == Freshness.EXPIRING
    assert freshness(TODAY + 30 * DAY, TODAY) == Freshness.EXPIRING
    assert freshness(TODAY + 31 * DAY, TODAY) == Freshness.FRESH


def test_freshness_q_agrees_with_freshness(org):
    for i, until in enumerate([None, TODAY - DAY, TODAY + 5 * DAY, TODAY + 60 * DAY]):
        make_evidence(org, ref=f"E-{i}", valid_until=until)
    for state in Freshness:
        refs = set(Evidence.objects.filter(freshness_q(state, TODAY)).values_list("ref", flat=True))
        expected = {
            e.ref for e in Evidence.objects.all() if freshness(e.valid_until, TODAY) == state
        }
        assert refs == expected and refs


def test_query_count_does_not_grow(org, owner):
    def fill(n):
        for i in range(n):
            control, _test = healthy_control(org, owner, f"C{i}")
            make_evidence(org, ref=f"X-{control.pk}", valid_until=TODAY + DAY, controls=[control])
            make_test(control, owner, name="Second")

    def count():
        controls = list(org_controls())
        with CaptureQueriesContext(connection) as ctx:
            result = health_for(controls)
        assert len(result) == len(controls)
        return len(ctx.captured_queries)

    def org_controls():
        from openisms.controls.models import Control

        return Control.objects.filter(organization=org)

    fill(3)
    small = count()
    fill(27)
    assert count() == small


def test_the_expiring_example_is_named_even_behind_many_stale_items(org, owner):
    """Reviewer's case: 21 stale items and one expiring; both states are named."""
    control, _test = healthy_control(org, owner)
    for i in range(21):
        make_evidence(
            org, ref=f"E-1{i:02d}", valid_until=TODAY - (30 + i) * DAY, controls=[control]
        )
    make_evidence(org, ref="E-300", valid_until=TODAY + 3 * DAY, controls=[control])
    make_evidence(org, ref="E-301", valid_until=TODAY + 300 * DAY, controls=[control])
    reasons = " ".join(health(control).reasons)
    assert f"21 evidence items stale, e.g. E-120 since {TODAY - 50 * DAY}" in reasons
    assert f"evidence E-300 expires on {TODAY + 3 * DAY}" in reasons
