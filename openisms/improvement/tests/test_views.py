"""The improvement pages: lists with overdue flags and constant query counts, the corrective
actions list overdue first, creating from a failed test run, the lifecycle and verification
from the nonconformity page, exports, and the improvement log."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openisms.improvement import services
from openisms.improvement.models import ImprovementOpportunity, Nonconformity
from openisms.improvement.tests.helpers import DAY, TODAY, failed_run, make_nc, to_verifying

BASE = "/o/acme/improvement/"


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def html(response) -> str:
    return response.content.decode()


def assert_clean(response):
    assert " style=" not in html(response) and "<script>" not in html(response)


def test_list_flags_overdue_and_filters(signed_in, org, owner):
    late = make_nc(org, owner, title="Late one")
    services.action_create(nc=late, actor=owner, title="Fix", due_date=TODAY - DAY)
    make_nc(org, owner, title="On time")
    response = signed_in.get(f"{BASE}nonconformities/")
    assert response.status_code == 200
    assert_clean(response)
    assert 'data-testid="overdue-NC-001"' in html(response)
    assert 'data-testid="overdue-banner"' in html(response)
    assert "NC-002" in html(response)
    response = signed_in.get(f"{BASE}nonconformities/?overdue=on")
    assert "NC-001" in html(response) and "NC-002" not in html(response)


@pytest.mark.parametrize("path", ["nonconformities/", "actions/", "opportunities/"])
def test_list_query_count_is_constant(signed_in, org, owner, path):
    def fill(n):
        for i in range(n):
            nc = make_nc(org, owner, title=f"NC {i}")
            services.action_create(nc=nc, actor=owner, title=f"A {i}", due_date=TODAY - DAY)
            services.opportunity_create(organization=org, actor=owner, title=f"I {i}")

    fill(3)
    with CaptureQueriesContext(connection) as few:
        assert signed_in.get(BASE + path).status_code == 200
    fill(27)
    with CaptureQueriesContext(connection) as many:
        assert signed_in.get(BASE + path).status_code == 200
    assert len(many) == len(few)


def test_action_list_overdue_first(signed_in, org, owner):
    nc = make_nc(org, owner)
    services.action_create(nc=nc, actor=owner, title="Later", due_date=TODAY + 5 * DAY)
    services.action_create(
        nc=nc, actor=owner, title="Done", due_date=TODAY - 9 * DAY, status="done"
    )
    services.action_create(nc=nc, actor=owner, title="Overdue", due_date=TODAY - DAY)
    response = signed_in.get(f"{BASE}actions/")
    refs = re.findall(r'<td class="ref">(CA-\d+)</td>', html(response))
    assert refs == ["CA-003", "CA-001", "CA-002"]
    assert 'data-testid="overdue-CA-003"' in html(response)
    assert 'data-testid="overdue-CA-002"' not in html(response)


def test_create_from_failed_run(signed_in, org, owner):
    run = failed_run(org, owner)
    response = signed_in.get(f"{BASE}nonconformities/new/?test_run={run.pk}")
    assert response.status_code == 200 and 'data-testid="from-run"' in html(response)
    assert "Restore stopped at 80%" in html(response)
    data = {
        "title": "Restore failed",
        "source": "control_test",
        "severity": "major",
        "detected_on": TODAY.isoformat(),
        "test_run": run.pk,
        "why1": "Job killed",
        "why2": "",
    }
    response = signed_in.post(f"{BASE}nonconformities/new/", data)
    assert response.status_code == 302, html(response)
    nc = Nonconformity.objects.get()
    assert nc.test_run == run and nc.five_whys == ["Job killed"]
    run.refresh_from_db()
    assert run.nonconformity_ref == nc.ref
    detail = signed_in.get(f"{BASE}nonconformities/{nc.pk}/")
    assert 'data-testid="test-run"' in html(detail)
    # The same run a second time: refused on the form, nothing written.
    response = signed_in.post(f"{BASE}nonconformities/new/", data)
    assert response.status_code == 422 and nc.ref in html(response)
    assert Nonconformity.objects.count() == 1


def test_other_org_run_is_404(signed_in, other_org, member):
    run = failed_run(other_org, member(other_org, "owner"))
    assert signed_in.get(f"{BASE}nonconformities/new/?test_run={run.pk}").status_code == 404


def test_transition_refused_with_reason_then_allowed(signed_in, org, owner):
    nc = make_nc(org, owner)
    page = signed_in.get(f"{BASE}nonconformities/{nc.pk}/")
    assert "Record the root cause" in html(page)
    response = signed_in.post(
        f"{BASE}nonconformities/{nc.pk}/status/", {"to": "analysed", "version": 1}, follow=True
    )
    assert "Record the root cause" in html(response)
    assert Nonconformity.objects.get().status == "open"
    nc = services.nonconformity_update(nc=nc, actor=owner, version=1, root_cause="Because")
    signed_in.post(f"{BASE}nonconformities/{nc.pk}/status/", {"to": "analysed", "version": 2})
    assert Nonconformity.objects.get().status == "analysed"


def test_verification_from_the_page(signed_in, org, owner):
    nc = to_verifying(org, owner)
    page = signed_in.get(f"{BASE}nonconformities/{nc.pk}/")
    assert 'data-testid="verification-form"' in html(page)
    url = f"{BASE}nonconformities/{nc.pk}/verify/"
    response = signed_in.post(url, {"result": "ineffective", "verified_on": TODAY.isoformat()})
    assert response.status_code == 422 and "Say why" in html(response)
    response = signed_in.post(
        url, {"result": "ineffective", "verified_on": TODAY.isoformat(), "notes": "Still failing"}
    )
    assert response.status_code == 302
    assert Nonconformity.objects.get().status == "action_planned"


def test_auditor_reads_but_does_not_change(client, org, owner, member):
    auditor = member(org, "auditor")
    nc = to_verifying(org, owner)
    client.force_login(auditor)
    page = client.get(f"{BASE}nonconformities/{nc.pk}/")
    assert page.status_code == 200
    assert 'data-testid="verification-form"' not in html(page)
    assert "add-action" not in html(page)
    assert client.post(f"{BASE}nonconformities/{nc.pk}/verify/", {}).status_code == 403


def test_exports_keep_filters(signed_in, org, owner):
    make_nc(org, owner, title="Major one", severity="major")
    make_nc(org, owner, title="Minor one")
    response = signed_in.get(f"{BASE}nonconformities/export/?severity=major&format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "ref" and [r[1] for r in rows[1:]] == ["Major one"]
    xlsx = signed_in.get(f"{BASE}actions/export/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert signed_in.get(f"{BASE}opportunities/export/?format=pdf").status_code == 400


def test_opportunity_pages(signed_in, org, owner):
    response = signed_in.post(f"{BASE}opportunities/new/", {"title": "SSO", "status": "proposed"})
    item = ImprovementOpportunity.objects.get()
    assert response.status_code == 302
    response = signed_in.post(
        f"{BASE}opportunities/{item.pk}/edit/",
        {"title": "SSO", "status": "implemented", "version": 1},
    )
    assert response.status_code == 422 and "Say what became of it" in html(response)
    response = signed_in.post(
        f"{BASE}opportunities/{item.pk}/edit/",
        {"title": "SSO", "status": "implemented", "outcome": "Live", "version": 1},
    )
    assert response.status_code == 302
    page = signed_in.get(f"{BASE}opportunities/{item.pk}/")
    assert "Live" in html(page)
    assert_clean(page)
