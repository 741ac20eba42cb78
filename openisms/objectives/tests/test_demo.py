from __future__ import annotations

from openisms.objectives import selectors
from openisms.objectives.demo import load_demo
from openisms.objectives.models import Measurement, Objective


def test_demo_objectives(org, owner, member):
    colleagues = {
        "manager": member(org, "manager", email="maria@acme.test"),
        "contributor": member(org, "contributor", email="carl@acme.test"),
    }
    load_demo(organization=org, owner=owner, colleagues=colleagues)
    assert Objective.objects.filter(organization=org).count() == 3
    rows = selectors.metric_rows(selectors.metric_list(organization=org))
    assert len(rows) == 4
    statuses = sorted(r["status"] for r in rows)
    assert statuses == ["off_target", "on_target", "on_target", "warning"]
    assert not any(r["overdue"] for r in rows)
    assert all(r["metric"].measurement_count == 6 for r in rows)
    load_demo(organization=org, owner=owner, colleagues=colleagues)
    assert Measurement.objects.filter(organization=org).count() == 24
