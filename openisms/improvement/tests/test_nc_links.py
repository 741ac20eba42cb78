"""The nonconformity page lists what links to it: the incidents that led to it (ref, title,
severity, status, link), alongside the failed test run it came from; a constant number of
queries whatever the number of incidents; hidden from a role that may not see incidents."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openisms.accounts.roles import ROLE_PERMISSIONS, Role
from openisms.improvement.tests.helpers import failed_run, make_nc
from openisms.incidents import services as incidents

BASE = "/o/acme/improvement/nonconformities/"


def html(response) -> str:
    return response.content.decode()


def incident(org, actor, title, nc, **data):
    return incidents.incident_create(
        organization=org, actor=actor, title=title, nonconformities=[nc], **data
    )


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def test_page_lists_linked_incidents(signed_in, org, owner):
    nc = make_nc(org, owner, source="incident")
    other = make_nc(org, owner, title="Other")
    i1 = incident(org, owner, "Laptop stolen from car", nc, severity="high")
    incident(org, owner, "Phishing wave", other)
    page = html(signed_in.get(f"{BASE}{nc.pk}/"))
    assert "Linked incidents" in page
    assert f'data-testid="incident-{i1.ref}"' in page
    assert f"/o/acme/incidents/{i1.pk}/" in page
    assert "Laptop stolen from car" in page and "High" in page and "New" in page
    assert "Phishing wave" not in page


def test_page_says_when_none_is_linked(signed_in, org, owner):
    nc = make_nc(org, owner)
    page = html(signed_in.get(f"{BASE}{nc.pk}/"))
    assert "No incident is linked to this nonconformity." in page


def test_the_failed_test_run_is_still_shown(signed_in, org, owner):
    nc = make_nc(org, owner, test_run=failed_run(org, owner), source="control_test")
    incident(org, owner, "Restore failed in production", nc)
    page = html(signed_in.get(f"{BASE}{nc.pk}/"))
    assert 'data-testid="test-run"' in page and "Restore failed in production" in page


def test_query_count_does_not_grow_with_incidents(signed_in, org, owner):
    nc = make_nc(org, owner)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert signed_in.get(f"{BASE}{nc.pk}/").status_code == 200
        return len(ctx.captured_queries)

    incident(org, owner, "First", nc)
    small = count()
    for i in range(6):
        incident(org, owner, f"More {i}", nc)
    assert count() == small


def test_hidden_without_the_incident_permission(client, org, member, monkeypatch):
    viewer = member(org, "viewer")
    nc = make_nc(org, member(org, "owner"))
    narrowed = ROLE_PERMISSIONS[Role.VIEWER] - {"incidents.view_incident"}
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.VIEWER, narrowed)
    client.force_login(viewer)
    page = html(client.get(f"{BASE}{nc.pk}/"))
    assert "Linked incidents" not in page
