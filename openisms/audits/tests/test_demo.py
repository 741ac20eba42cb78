from __future__ import annotations

from openisms.audits import selectors
from openisms.audits.demo import load_demo
from openisms.audits.models import Audit, AuditItem, AuditProgramme
from openisms.controls.demo import load_demo as load_controls
from openisms.improvement.demo import load_demo as load_improvement
from openisms.improvement.models import Nonconformity
from openisms.risks.demo import load_demo as load_risks


def test_demo_programme_audits_and_idempotence(org, owner, member):
    colleagues = {
        "manager": member(org, "manager", email="maria@acme.test", full_name="Maria Manager"),
        "contributor": member(org, "contributor", email="carl@acme.test"),
        "auditor": member(org, "auditor", email="alex@acme.test"),
    }
    for load in (load_risks, load_controls, load_improvement, load_demo):
        load(organization=org, owner=owner, colleagues=colleagues)
    programme = AuditProgramme.objects.get(organization=org)
    audits = Audit.objects.filter(organization=org).order_by("ref")
    assert [a.status for a in audits] == ["closed", "planned", "planned"]
    closed = audits[0]
    its = AuditItem.objects.filter(audit=closed)
    assert 15 <= its.count() <= 25
    results = list(its.values_list("result", flat=True))
    assert results.count("not_sampled") == 2 and "observation" in results and "ofi" in results
    nc_item = its.get(result="minor_nc")
    assert nc_item.nonconformity.source == "audit_finding"
    assert nc_item.nonconformity.status == "action_planned"
    assert its.filter(evidence__isnull=False).exists()
    assert closed.actual_end < closed.report_issued_on < closed.closed_on
    planned = audits[1]
    conflicts = selectors.impartiality_conflicts(planned)
    assert conflicts and planned.impartiality_statement
    cov = selectors.coverage(programme=programme)
    assert 0 < cov.covered < cov.total and cov.planned > 0 and cov.gaps
    # Idempotent.
    load_demo(organization=org, owner=owner, colleagues=colleagues)
    assert Audit.objects.filter(organization=org).count() == 3
    assert AuditProgramme.objects.filter(organization=org).count() == 1
    assert (
        Nonconformity.objects.filter(organization=org, source_reference__startswith="IA-").count()
        == 1
    )
