"""The demo organisation has context issues (some overdue), parties with obligations linked to
the demo controls and Annex A, and an approved scope v1 naming sites and assets."""

from __future__ import annotations

from openisms.assets.models import Asset
from openisms.controls.demo import load_demo as load_controls
from openisms.governance import selectors
from openisms.governance.demo import load_demo
from openisms.governance.models import ContextIssue, InterestedParty, Obligation
from openisms.risks.demo import load_demo as load_risks


def test_demo_context_obligations_and_scope(org, owner, member):
    colleagues = {
        "manager": member(org, "manager", email="maria@acme.test"),
        "contributor": member(org, "contributor", email="carl@acme.test"),
    }
    load_risks(organization=org, owner=owner, colleagues=colleagues)
    load_controls(organization=org, owner=owner, colleagues=colleagues)
    load_demo(organization=org, owner=owner, colleagues=colleagues)
    load_demo(organization=org, owner=owner, colleagues=colleagues)  # idempotent

    issues = list(ContextIssue.objects.filter(organization=org))
    assert len(issues) == 8 and any(i.review_overdue for i in issues)
    assert InterestedParty.objects.filter(organization=org).count() == 6
    obligations = Obligation.objects.filter(organization=org)
    assert obligations.count() == 8
    assert {o.kind for o in obligations} == {"legal", "regulatory", "contractual"}
    linked = Obligation.controls.through.objects.filter(obligation__organization=org)
    assert linked.count() >= 10
    assert (
        Obligation.requirements.through.objects.filter(obligation__organization=org).count() >= 10
    )
    assert obligations.filter(addressed_by_isms=False).exists()
    scope = selectors.scope_get(organization=org)
    versions = selectors.version_list(scope=scope)
    assert [v.number for v in versions] == [1]
    refs = {a["ref"] for a in versions[0].content["assets"]}
    sites = set(Asset.objects.filter(organization=org, type="site").values_list("ref", flat=True))
    assert sites and sites <= refs
