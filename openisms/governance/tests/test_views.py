"""The governance pages: lists with filters, overdue flags and constant query counts, forms
with versions, exports keeping the filters, the party page with its obligations, and the scope
draft, approval, versions and comparison."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openisms.assets.services import asset_create
from openisms.governance import services
from openisms.governance.models import ContextIssue, Obligation, ScopeVersion
from openisms.governance.tests.helpers import (
    annex,
    make_control,
    make_issue,
    make_obligation,
    make_party,
)

BASE = "/o/acme/"
TODAY = timezone.localdate()


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def html(response) -> str:
    return response.content.decode()


def assert_clean(response):
    assert " style=" not in html(response) and "<script>" not in html(response)


def rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_issue_list_flags_overdue_and_filters(signed_in, org, owner):
    make_issue(org, owner, title="Old", review_date=TODAY - dt.timedelta(days=3))
    make_issue(org, owner, title="Fresh", side="internal", category="organisational")
    response = signed_in.get(f"{BASE}context/issues/")
    assert response.status_code == 200
    assert_clean(response)
    assert 'data-testid="overdue-ISS-001"' in html(response)
    assert 'data-testid="overdue-ISS-002"' not in html(response)
    response = signed_in.get(f"{BASE}context/issues/?side=internal")
    assert "ISS-002" in html(response) and "ISS-001" not in html(response)
    response = signed_in.get(f"{BASE}context/issues/?overdue=on")
    assert "ISS-001" in html(response) and "ISS-002" not in html(response)


@pytest.mark.parametrize("path", ["context/issues/", "context/parties/", "obligations/"])
def test_list_query_count_is_constant(signed_in, org, owner, path):
    control = make_control(org, owner, ("A.5.34",))

    def fill(n):
        for i in range(n):
            make_issue(org, owner, title=f"Issue {i}")
            party = make_party(org, owner, name=f"Party {i}")
            make_obligation(
                org, owner, title=f"Ob {i}", party=party, controls=[control],
                requirements=[annex("A.5.34")],
            )  # fmt: skip

    fill(3)
    with CaptureQueriesContext(connection) as few:
        assert signed_in.get(BASE + path).status_code == 200
    fill(27)
    with CaptureQueriesContext(connection) as many:
        response = signed_in.get(BASE + path)
    assert response.status_code == 200
    assert len(many) == len(few)


def test_create_edit_delete_issue(signed_in, org, owner):
    response = signed_in.post(
        f"{BASE}context/issues/new/",
        {"title": "NIS2", "side": "external", "category": "legal", "effect": "Reporting"},
    )
    issue = ContextIssue.objects.get(organization=org)
    assert response.status_code == 302 and response["Location"].endswith(f"/{issue.pk}/")
    page = signed_in.get(f"{BASE}context/issues/{issue.pk}/")
    assert "Reporting" in html(page)
    assert f"object_type=governance.contextissue&amp;object_id={issue.pk}" in html(page)
    edit = f"{BASE}context/issues/{issue.pk}/edit/"
    assert signed_in.get(edit).status_code == 200
    data = {"title": "NIS2 law", "side": "external", "category": "legal", "version": 1}
    assert signed_in.post(edit, data).status_code == 302
    stale = signed_in.post(edit, {**data, "title": "Again"})
    assert stale.status_code == 409 and 'data-testid="reload"' in html(stale)
    bad = signed_in.post(edit, {**data, "version": 2, "category": "nope"})
    assert bad.status_code == 422
    assert (
        signed_in.post(f"{BASE}context/issues/{issue.pk}/delete/", {"version": 1}).status_code
        == 302
    )
    assert ContextIssue.objects.filter(pk=issue.pk).exists()  # stale delete refused
    signed_in.post(f"{BASE}context/issues/{issue.pk}/delete/", {"version": 2})
    assert not ContextIssue.objects.filter(pk=issue.pk).exists()


def test_obligation_form_links_and_party_page(signed_in, org, owner):
    party = make_party(org, owner, name="Cyber insurer")
    control = make_control(org, owner, ("A.8.13",))
    form = signed_in.get(f"{BASE}obligations/new/?party={party.pk}")
    assert form.status_code == 200
    assert f'<option value="{party.pk}" selected>' in html(form)
    response = signed_in.post(
        f"{BASE}obligations/new/",
        {
            "title": "Offline backups",
            "kind": "contractual",
            "party": party.pk,
            "source_reference": "Policy §5",
            "addressed_by_isms": "on",
            "controls": [control.pk],
            "requirements": [annex("A.8.13").pk],
        },
    )
    assert response.status_code == 302
    ob = Obligation.objects.get(organization=org)
    assert ob.addressed_by_isms and list(ob.controls.all()) == [control]
    page = signed_in.get(f"{BASE}context/parties/{party.pk}/")
    assert "OB-001" in html(page) and "Offline backups" in html(page)
    detail = signed_in.get(f"{BASE}obligations/{ob.pk}/")
    assert control.ref in html(detail) and "A.8.13" in html(detail)
    assert_clean(detail)
    listed = signed_in.get(f"{BASE}obligations/?kind=legal")
    assert "OB-001" not in html(listed)
    listed = signed_in.get(f"{BASE}obligations/?addressed=yes&party={party.pk}")
    assert "OB-001" in html(listed)


def test_exports_keep_filters(signed_in, org, owner):
    make_obligation(org, owner, title="GDPR", kind="legal", source_reference="=cmd()")
    make_obligation(org, owner, title="Contract", kind="contractual", addressed_by_isms=False)
    response = signed_in.get(f"{BASE}obligations/export/?kind=legal&format=csv")
    assert response.status_code == 200
    data = rows(response)
    assert data[0][0] == "Ref" and [r[1] for r in data[1:]] == ["GDPR"]
    assert data[1][5].startswith("'")  # formula-safe
    xlsx = signed_in.get(f"{BASE}obligations/export/?addressed=no&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    make_issue(org, owner)
    assert len(rows(signed_in.get(f"{BASE}context/issues/export/?format=csv"))) == 2
    make_party(org, owner)
    assert len(rows(signed_in.get(f"{BASE}context/parties/export/?format=csv"))) == 2
    assert signed_in.get(f"{BASE}context/issues/export/?format=pdf").status_code == 400


def test_scope_draft_approve_versions_compare_export(signed_in, org, owner):
    site = asset_create(organization=org, actor=owner, name="Head office", type="site")
    page = signed_in.get(f"{BASE}context/scope/")
    assert page.status_code == 200 and "not been approved" in html(page)
    refused = signed_in.post(f"{BASE}context/scope/approve/", {})
    assert refused.status_code == 422
    form = f"{BASE}context/scope/edit/"
    assert signed_in.get(form).status_code == 200
    saved = signed_in.post(
        form,
        {
            "text": "Manufacture of parts",
            "boundaries": "Springfield",
            "assets": [site.pk],
            "version": 1,
        },
    )
    assert saved.status_code == 302
    assert signed_in.post(form, {"text": "stale", "version": 1}).status_code == 409
    approved = signed_in.post(f"{BASE}context/scope/approve/", {"comment": "MD"})
    v1 = ScopeVersion.objects.get(organization=org, number=1)
    assert approved.status_code == 302 and approved["Location"].endswith(f"/versions/{v1.pk}/")
    again = signed_in.post(f"{BASE}context/scope/approve/", {})
    assert again.status_code == 422 and "Nothing changed" in html(again)
    version = signed_in.get(f"{BASE}context/scope/versions/{v1.pk}/")
    assert "Manufacture of parts" in html(version) and site.ref in html(version)
    assert_clean(version)
    signed_in.post(form, {"text": "Manufacture and sale of parts", "version": 2})
    page = signed_in.get(f"{BASE}context/scope/")
    assert 'data-testid="scope-changed"' in html(page)
    diff = signed_in.get(f"{BASE}context/scope/compare/")
    assert "Manufacture and sale of parts" in html(diff) and site.ref in html(diff)  # removed
    signed_in.post(f"{BASE}context/scope/approve/", {})
    assert ScopeVersion.objects.filter(organization=org).count() == 2
    diff = signed_in.get(f"{BASE}context/scope/compare/?before=1&after=2")
    assert diff.status_code == 200 and "Removed from the scope" in html(diff)
    export = rows(signed_in.get(f"{BASE}context/scope/export/?version=1&format=csv"))
    assert export[1] == ["Scope statement", "", "", "Manufacture of parts"]
    assert export[-1][1] == site.ref
    assert signed_in.get(f"{BASE}context/scope/export/?version=9").status_code == 404


def test_viewer_sees_no_edit_links_and_other_org_is_404(client, org, other_org, owner, member):
    viewer = member(org, "viewer", email="v@acme.test")
    issue = make_issue(org, owner)
    client.force_login(viewer)
    page = client.get(f"{BASE}context/issues/")
    assert page.status_code == 200 and 'data-testid="new-issue"' not in html(page)
    other_owner = member(other_org, "owner", email="o@globex.test")
    foreign = make_issue(other_org, other_owner)
    assert client.get(f"{BASE}context/issues/{foreign.pk}/").status_code == 404
    assert client.get(f"{BASE}context/issues/{issue.pk}/").status_code == 200
    services.scope_save(organization=org, actor=owner, version=1, text="x")
    scope_page = client.get(f"{BASE}context/scope/")
    assert 'data-testid="approve-scope"' not in html(scope_page)
    assert 'data-testid="edit-scope"' not in html(scope_page)
