"""Every source of dated obligations, the window (overdue always in), the owner filter, the
role's visibility, isolation between organisations, and constant queries."""

from __future__ import annotations

import pytest

from openisms.pdca.sources import obligations
from openisms.pdca.tests.helpers import DAY, TODAY, world

pytestmark = pytest.mark.django_db


def _kinds(items):
    return {(i.kind, i.pk) for i in items}


def test_every_kind_is_gathered_with_dates_and_overdue_flags(org, owner, member):
    person = member(org, "contributor", email="p@acme.test")
    pks = world(org, owner, person)
    items = obligations(org, TODAY, TODAY + 40 * DAY)
    found = {i.kind: i for i in items}
    assert set(pks) <= set(found), set(pks) - set(found)
    assert found["document_review"].overdue and found["document_review"].date == TODAY - 3 * DAY
    assert found["review_decision"].overdue
    assert not found["risk_review"].overdue and found["risk_review"].date == TODAY + 7 * DAY
    assert found["control_test"].date == TODAY  # never run: due today
    assert found["measurement"].date == TODAY + 30 * DAY  # never measured: one period after
    assert found["treatment_action"].url(org).endswith(f"#action-{pks['treatment_action']}")
    assert [i.date for i in items] == sorted(i.date for i in items)


def test_window_keeps_overdue_and_drops_later(org, owner, member):
    person = member(org, "contributor", email="p@acme.test")
    pks = world(org, owner, person)
    items = obligations(org, TODAY + 8 * DAY, TODAY + 12 * DAY)
    kinds = {i.kind for i in items}
    assert kinds == {"document_review", "review_decision", "treatment_action"}
    assert ("treatment_action", pks["treatment_action"]) in _kinds(items)


def test_user_filter_and_closed_items(org, owner, member):
    from openisms.improvement.models import CorrectiveAction

    person = member(org, "contributor", email="p@acme.test")
    world(org, owner, person)
    other = member(org, "contributor", email="q@acme.test")
    assert obligations(org, TODAY, TODAY + 40 * DAY, other) == []
    mine = obligations(org, TODAY, TODAY + 40 * DAY, person)
    assert "corrective_action" in {i.kind for i in mine}
    assert all(i.owner_id == person.pk for i in mine)
    CorrectiveAction.objects.filter(organization=org).update(status="done")
    assert "corrective_action" not in {i.kind for i in obligations(org, TODAY, TODAY + 40 * DAY)}


def test_viewer_sees_only_sources_of_their_role(org, owner, member):
    person = member(org, "contributor", email="p@acme.test")
    world(org, owner, person)
    viewer = member(org, "viewer", email="v@acme.test")
    allowed = obligations(org, TODAY, TODAY + 40 * DAY, viewer=viewer)
    for item in allowed:
        assert item.kind  # every role may see something; nothing beyond its permissions:
    assert len(allowed) <= len(obligations(org, TODAY, TODAY + 40 * DAY))


def test_other_organisation_is_never_included(org, other_org, owner, member):
    person = member(org, "contributor", email="p@acme.test")
    world(org, owner, person)
    boss = member(other_org, "owner", email="boss@globex.test")
    assert obligations(other_org, TODAY - 400 * DAY, TODAY + 400 * DAY) == []
    world(other_org, boss, boss)
    own = obligations(org, TODAY, TODAY + 40 * DAY)
    theirs = obligations(other_org, TODAY, TODAY + 40 * DAY)
    assert not _kinds(own) & _kinds(theirs)


def test_queries_do_not_grow_with_rows(org, owner, member, django_assert_max_num_queries):
    person = member(org, "contributor", email="p@acme.test")
    world(org, owner, person)
    with django_assert_max_num_queries(12):
        obligations(org, TODAY, TODAY + 40 * DAY)
    for _ in range(3):
        world(org, owner, person)
    with django_assert_max_num_queries(12):
        assert len(obligations(org, TODAY, TODAY + 40 * DAY)) >= 40
