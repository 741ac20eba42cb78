from __future__ import annotations

from openisms.people import selectors
from openisms.people.demo import load_demo
from openisms.people.models import (
    AwarenessCampaign,
    CommunicationItem,
    IsmsRole,
    Process,
    TrainingRecord,
)


def test_demo_people(org, owner, member):
    colleagues = {
        "manager": member(org, "manager", email="maria@acme.test"),
        "contributor": member(org, "contributor", email="carl@acme.test"),
        "auditor": member(org, "auditor", email="alex@acme.test"),
    }
    load_demo(organization=org, owner=owner, colleagues=colleagues)
    assert IsmsRole.objects.filter(organization=org).count() == 5
    matrix = selectors.raci_matrix(organization=org)
    assert len(matrix.rows) == 3 and not any(r["problem"] for r in matrix.rows)
    gaps = selectors.competence_gaps(organization=org)
    assert [(g.person.email, g.competence.name) for g in gaps] == [
        ("carl@acme.test", "Network and endpoint security")
    ]
    assert gaps[0].last_valid_until is not None
    assert AwarenessCampaign.objects.filter(organization=org, completed_count__gt=0).count() == 2
    assert CommunicationItem.objects.filter(organization=org).count() == 6
    load_demo(organization=org, owner=owner, colleagues=colleagues)
    assert Process.objects.filter(organization=org).count() == 3
    assert TrainingRecord.objects.filter(organization=org).count() == 8
