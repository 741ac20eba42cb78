"""The demo organisation has controls linked to risks, tests with runs, evidence in every
freshness state (one of them a stored file), and an approved SoA with a newer draft."""

from __future__ import annotations

from openisms.controls.choices import Freshness, Health
from openisms.controls.demo import load_demo as load_controls
from openisms.controls.health import freshness, health_for
from openisms.controls.models import Control, ControlTestRun, Evidence
from openisms.risks.demo import load_demo as load_risks
from openisms.soa import selectors
from openisms.soa.demo import load_demo as load_soa


def test_demo_controls_evidence_and_statement(org, owner, member):
    colleagues = {
        "manager": member(org, "manager", email="maria@acme.test"),
        "contributor": member(org, "contributor", email="carl@acme.test"),
    }
    load_risks(organization=org, owner=owner, colleagues=colleagues)
    load_controls(organization=org, owner=owner, colleagues=colleagues)
    load_soa(organization=org, owner=owner)

    controls = list(Control.objects.filter(organization=org))
    assert len(controls) >= 15
    assert Control.risks.through.objects.filter(control__organization=org).count() >= 10
    states = {h.state for h in health_for(controls).values()}
    assert states == set(Health.values)
    assert ControlTestRun.objects.filter(organization=org, result="fail").exists()
    evidence = Evidence.objects.filter(organization=org)
    assert {freshness(e.valid_until) for e in evidence} == set(Freshness.values)
    assert evidence.filter(kind="file", file__isnull=False).count() == 1

    soa = selectors.default_soa(organization=org)
    versions = list(selectors.version_list(soa=soa))
    assert [v.number for v in versions] == [1]
    rows = selectors.draft_rows(soa)
    assert len(rows) == 93 and selectors.summarize(rows).errors == 0
    diff = selectors.compare(versions[0].rows, selectors.frozen(rows))
    assert [c.ref_id for c in diff.changed] == ["A.8.30"]
    # idempotent
    load_controls(organization=org, owner=owner, colleagues=colleagues)
    load_soa(organization=org, owner=owner)
    assert Control.objects.filter(organization=org).count() == len(controls)
