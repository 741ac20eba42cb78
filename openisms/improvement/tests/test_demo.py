from __future__ import annotations

from openisms.controls.demo import load_demo as load_controls
from openisms.controls.models import ControlTestRun
from openisms.improvement.choices import NcStatus
from openisms.improvement.demo import load_demo
from openisms.improvement.models import (
    CorrectiveAction,
    EffectivenessVerification,
    ImprovementOpportunity,
    Nonconformity,
)
from openisms.improvement.selectors import overdue_q
from openisms.incidents.demo import load_demo as load_incidents
from openisms.incidents.models import Incident
from openisms.risks.demo import load_demo as load_risks


def test_demo_nonconformities_and_incidents(org, owner, member):
    colleagues = {
        "manager": member(org, "manager", email="maria@acme.test"),
        "contributor": member(org, "contributor", email="carl@acme.test"),
    }
    for load in (load_risks, load_controls, load_demo, load_incidents):
        load(organization=org, owner=owner, colleagues=colleagues)

    ncs = Nonconformity.objects.filter(organization=org)
    assert {nc.status for nc in ncs} == set(NcStatus.values)
    from_run = ncs.get(test_run__isnull=False)
    run = ControlTestRun.objects.get(pk=from_run.test_run_id)
    assert run.test.name == "Restore test" and run.result == "fail"
    assert run.nonconformity_ref == from_run.ref
    assert from_run.actions.filter(overdue_q()).exists()
    assert CorrectiveAction.objects.filter(organization=org).filter(overdue_q()).count() == 1
    closed = ncs.get(status="closed")
    results = list(
        EffectivenessVerification.objects.filter(nonconformity=closed)
        .order_by("verified_on")
        .values_list("result", flat=True)
    )
    assert results == ["ineffective", "effective"]
    assert ImprovementOpportunity.objects.filter(organization=org).count() == 3

    incidents = Incident.objects.filter(organization=org)
    assert incidents.count() == 2
    phishing = incidents.get(classification="confidentiality")
    assert phishing.personal_data_breach and phishing.notification_overdue()
    assert phishing.assets.exists() and phishing.risks.exists()
    assert phishing.timeline.count() >= 4
    outage = incidents.get(classification="availability")
    assert outage.status == "closed" and outage.lessons_learned
    assert outage.nonconformities.get() == from_run
    assert outage.evidence.get().file is not None

    # Idempotent.
    for load in (load_demo, load_incidents):
        load(organization=org, owner=owner, colleagues=colleagues)
    assert Nonconformity.objects.filter(organization=org).count() == ncs.count()
    assert Incident.objects.filter(organization=org).count() == 2
