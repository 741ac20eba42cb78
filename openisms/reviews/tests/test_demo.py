from __future__ import annotations

from django.utils import timezone

from openisms.core import demo
from openisms.objectives.models import Objective
from openisms.reviews.choices import DecisionStatus
from openisms.reviews.demo import load_demo
from openisms.reviews.inputs import canonical_hash
from openisms.reviews.models import ManagementReview, ReviewDecision


def test_demo_reviews(org, owner, member):
    colleagues = {
        "manager": member(org, "manager", email="maria@acme.test"),
        "contributor": member(org, "contributor", email="carl@acme.test"),
    }
    demo.run(organization=org, owner=owner, colleagues=colleagues, full=True)
    reviews = ManagementReview.objects.filter(organization=org).order_by("planned_on")
    assert [r.status for r in reviews] == ["closed", "prepared"]
    past, upcoming = reviews
    today = timezone.localdate()
    assert 140 <= (today - past.held_on).days <= 160
    assert 14 <= (upcoming.planned_on - today).days <= 28
    assert past.inputs_hash == canonical_hash(past.inputs) and past.attendees.count() == 3
    assert past.inputs["period"]["end"] == past.held_on.isoformat()
    decisions = ReviewDecision.objects.filter(review=past)
    assert decisions.count() == 5
    assert decisions.filter(status=DecisionStatus.DONE).count() == 1
    assert any(d.is_overdue() for d in decisions)
    assert decisions.filter(kind="isms_change", status="in_progress").exists()
    goal = decisions.get(kind="objective")
    assert Objective.objects.filter(pk=goal.objective_id).exists()
    carried = next(s for s in upcoming.inputs["sections"] if s["key"] == "a")
    assert len(carried["groups"][0]["records"]) == 5
    # Idempotent.
    load_demo(organization=org, owner=owner, colleagues=colleagues)
    assert ManagementReview.objects.filter(organization=org).count() == 2
