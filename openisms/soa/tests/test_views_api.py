from __future__ import annotations

import pytest
from django.urls import reverse

from openisms.catalog.models import Framework
from openisms.core.models import AuditEvent
from openisms.soa import selectors, services
from openisms.soa.models import SoaEntry, SoaVersion
from openisms.soa.tests.test_services import SENTENCE, decide_all, entry


@pytest.fixture
def soa(org, owner):
    iso = Framework.objects.get(urn=selectors.ISO27001_2022)
    return services.soa_create(organization=org, actor=owner, framework=iso)


def url(name, org, *args):
    return reverse(f"soa:{name}", args=[org.slug, *args])


class TestPages:
    def test_index_creates_the_draft(self, client, org, owner):
        client.force_login(owner)
        page = client.get(url("soa_index", org))
        assert page.status_code == 200 and b'data-testid="no-soa"' in page.content
        iso = Framework.objects.get(urn=selectors.ISO27001_2022)
        response = client.post(url("soa_index", org), {"framework": iso.pk})
        soa = selectors.default_soa(organization=org)
        assert response.status_code == 302 and response["Location"] == url(
            "soa_detail", org, soa.pk
        )
        assert soa.entries.count() == 93
        # With one statement, the index opens it.
        assert client.get(url("soa_index", org))["Location"] == url("soa_detail", org, soa.pk)

    def test_detail_shows_rows_findings_and_filters(self, client, org, owner, soa):
        client.force_login(owner)
        e = entry(soa, "A.8.25")
        services.entry_update(
            entry=e, actor=owner, version=1, applicable=False, justification=SENTENCE
        )
        page = client.get(url("soa_detail", org, soa.pk))
        html = page.content.decode()
        assert page.status_code == 200
        assert html.count('data-testid="row-A.') == 93
        assert html.count('data-testid="finding-undecided"') == 92
        assert "Draft — never approved" in html
        only_excluded = client.get(url("soa_detail", org, soa.pk), {"applicability": "no"})
        assert only_excluded.content.decode().count('data-testid="row-A.') == 1

    def test_edit_a_row_and_stale_edit(self, client, org, owner, soa):
        client.force_login(owner)
        e = entry(soa, "A.5.7")
        edit = url("entry_edit", org, e.pk)
        assert client.get(edit).status_code == 200
        bad = client.post(edit, {"applicable": "no", "justification": "no", "version": 1})
        assert bad.status_code == 422 and "at least a sentence" in bad.content.decode()
        ok = client.post(
            edit,
            {
                "applicable": "yes",
                "contractual": "on",
                "contractual_reference": "MSA with Contoso §7",
                "version": 1,
            },
        )
        assert ok.status_code == 302
        assert entry(soa, "A.5.7").contractual_reference == "MSA with Contoso §7"
        stale = client.post(edit, {"applicable": "no", "justification": SENTENCE, "version": 1})
        assert stale.status_code == 409 and b'data-testid="reload"' in stale.content
        assert entry(soa, "A.5.7").applicable is True

    def test_approve_then_view_and_compare(self, client, org, owner, soa):
        client.force_login(owner)
        refused = client.post(url("soa_approve", org, soa.pk), {"comment": ""})
        assert refused.status_code == 422
        assert "not consistent (93 problems)" in refused.content.decode()
        decide_all(soa, owner)
        assert client.post(url("soa_approve", org, soa.pk), {"comment": "Board"}).status_code == 302
        version = SoaVersion.objects.get(soa=soa)
        page = client.get(url("soa_detail", org, soa.pk)).content.decode()
        assert "Approved — version 1" in page
        e = entry(soa, "A.5.7")
        services.entry_update(
            entry=e, actor=owner, version=e.version, applicable=False, justification=SENTENCE
        )
        page = client.get(url("soa_detail", org, soa.pk)).content.decode()
        assert "Draft with changes since version 1" in page
        frozen = client.get(url("version_detail", org, soa.pk, 1)).content.decode()
        assert version.content_hash in frozen and frozen.count('data-testid="row-A.') == 93
        diff = client.get(url("soa_compare", org, soa.pk), {"before": "1", "after": "draft"})
        html = diff.content.decode()
        assert "0 rows added, 0 removed, 1 changed." in html
        assert 'data-testid="change-A.5.7"' in html and "Justification for exclusion" in html

    def test_viewer_reads_but_cannot_edit(self, client, org, member, soa):
        viewer = member(org, "viewer")
        client.force_login(viewer)
        page = client.get(url("soa_detail", org, soa.pk))
        assert page.status_code == 200 and b'data-testid="edit-A.5.1"' not in page.content
        assert b'data-testid="approve-form"' not in page.content
        assert client.get(url("entry_edit", org, entry(soa, "A.5.1").pk)).status_code == 403

    def test_other_organisation_gets_404(self, client, other_org, member, soa):
        stranger = member(other_org, "owner")
        client.force_login(stranger)
        assert client.get(url("soa_detail", other_org, soa.pk)).status_code == 404
        assert client.get(url("entry_edit", other_org, entry(soa, "A.5.1").pk)).status_code == 404


@pytest.fixture
def api(client, org, owner):
    from openisms.accounts import services as account_services

    token = account_services.token_create(organization=org, actor=owner, name="t").secret

    def call(method, path, body=None, **headers):
        return client.generic(
            method,
            f"/api/v1/orgs/{org.slug}{path}",
            data=body if isinstance(body, str) else __import__("json").dumps(body or {}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            **headers,
        )

    return call


class TestApi:
    def test_create_by_urn_read_edit_approve(self, api, org, owner):
        created = api("POST", "/soa/", {"framework": selectors.ISO27001_2022})
        assert created.status_code == 201, created.content
        soa_id = created.json()["id"]
        detail = api("GET", f"/soa/{soa_id}/").json()
        assert detail["summary"]["undecided"] == 93 and len(detail["rows"]) == 93
        row = detail["rows"][0]
        assert row["ref_id"] == "A.5.1" and row["findings"][0]["code"] == "undecided"
        refused = api(
            "PATCH",
            f"/soa-rows/{row['entry_id']}/",
            {"applicable": False, "justification": "short", "version": 1},
        )
        assert refused.status_code == 422 and "justification" in refused.content.decode()
        ok = api(
            "PATCH",
            f"/soa-rows/{row['entry_id']}/",
            {"applicable": True, "legal_regulatory": True, "legal_reference": "NIS2", "version": 1},
        )
        assert ok.status_code == 200 and ok.json()["reasons"] == ["legal_regulatory"]
        stale = api("PATCH", f"/soa-rows/{row['entry_id']}/", {"notes": "x"}, HTTP_IF_MATCH='"1"')
        assert stale.status_code == 412
        SoaEntry.objects.filter(soa_id=soa_id, applicable__isnull=True).update(
            applicable=True, business_requirement=True
        )
        approved = api("POST", f"/soa/{soa_id}/approve/", {"comment": "ok"})
        assert approved.status_code == 201 and approved.json()["number"] == 1
        assert AuditEvent.objects.filter(action="approve").count() == 1
        again = api("POST", f"/soa/{soa_id}/approve/", {})
        assert again.status_code == 422 and "Nothing changed" in again.content.decode()
        versions = api("GET", f"/soa/{soa_id}/versions/").json()
        assert [v["number"] for v in versions] == [1]
        frozen = api("GET", f"/soa/{soa_id}/versions/1/").json()
        assert len(frozen["rows"]) == 93 and frozen["rows"][0]["legal_reference"] == "NIS2"
        compare = api("GET", f"/soa/{soa_id}/compare/?before=1&after=draft").json()
        assert compare["changed"] == []

    def test_unknown_framework_is_404_and_extra_fields_refused(self, api):
        assert api("POST", "/soa/", {"framework": "urn:nope"}).status_code == 404
        assert api("POST", "/soa/", {"framework": 1, "id": 5}).status_code == 422


def test_risk_treatment_page_selects_the_organisations_controls(client, org, owner, soa):
    """The treatment form links the organisation's controls; the SoA then names the risk as
    the reason for the Annex A control they implement, and the risk page lists them."""
    from openisms.controls import services as control_services
    from openisms.risks import services as risk_services
    from openisms.soa.tests.test_services import node

    risk = risk_services.risk_create(organization=org, actor=owner, title="Lost backups")
    control = control_services.control_create(
        organization=org, actor=owner, name="Backups", requirements=[node("A.8.13")]
    )
    client.force_login(owner)
    response = client.post(
        reverse("risks:risk_treatment", args=[org.slug, risk.pk]),
        {"option": "modify", "description": "", "controls": [control.pk], "version": risk.version},
    )
    assert response.status_code == 302
    assert list(control.risks.all()) == [risk]
    page = client.get(reverse("risks:risk_detail", args=[org.slug, risk.pk])).content.decode()
    assert f"{control.ref} Backups" in page
    row = next(r for r in selectors.draft_rows(soa) if r["ref_id"] == "A.8.13")
    assert row["risk_refs"] == [risk.ref] and row["reasons"] == ["risk_treatment"]
    # Deselecting removes the link (and the reason).
    risk.refresh_from_db()
    client.post(
        reverse("risks:risk_treatment", args=[org.slug, risk.pk]),
        {"option": "modify", "description": "", "version": risk.version},
    )
    assert not control.risks.exists()


def test_risk_treatment_api_selects_controls(api, org, owner, other_org, member):
    from openisms.controls import services as control_services
    from openisms.risks import services as risk_services

    risk = risk_services.risk_create(organization=org, actor=owner, title="Lost laptop")
    mine = control_services.control_create(organization=org, actor=owner, name="Encryption")
    stranger = member(other_org, "owner")
    theirs = control_services.control_create(organization=other_org, actor=stranger, name="X")
    path = f"/risks/{risk.pk}/treatment/"
    refused = api("POST", path, {"option": "modify", "control_ids": [theirs.pk], "version": 1})
    assert refused.status_code == 422 and "control_ids" in refused.content.decode()
    risk.refresh_from_db()
    assert risk.version == 1 and not theirs.risks.exists()  # nothing half written
    ok = api("POST", path, {"option": "modify", "control_ids": [mine.pk], "version": 1})
    assert ok.status_code == 200, ok.content
    assert [c["ref"] for c in ok.json()["controls"]] == [mine.ref]


def test_null_texts_are_refused_not_500(api, org, owner, soa):
    e = entry(soa, "A.5.1")
    for body in (
        {"applicable": True, "justification": None},
        {"applicable": False, "justification": None},
        {"legal_regulatory": True, "legal_reference": None},
    ):
        response = api("PATCH", f"/soa-rows/{e.pk}/", {**body, "version": 1})
        assert response.status_code == 422, (body, response.content)


def test_statements_only_for_adopted_frameworks(api):
    assert (
        api("POST", "/soa/", {"framework": "urn:openisms:framework:nist-csf-2.0"}).status_code
        == 404
    )


def test_status_follows_derived_changes_not_only_edits(client, org, owner, soa):
    """A risk closed after approval changes the draft (its risk-treatment reason goes): the
    page says the draft differs from the approved version."""
    from openisms.risks import services as risk_services
    from openisms.soa.tests.test_services import node

    risk = risk_services.risk_create(organization=org, actor=owner, title="Theft")
    risk_services.risk_set_treatment(
        risk=risk, actor=owner, version=risk.version, option="modify", requirements=[node("A.7.1")]
    )
    decide_all(soa, owner)
    services.soa_approve(soa=soa, actor=owner)
    client.force_login(owner)
    assert "Approved — version 1" in client.get(url("soa_detail", org, soa.pk)).content.decode()
    risk.refresh_from_db()
    risk_services.risk_transition(risk=risk, actor=owner, to="closed", version=risk.version)
    page = client.get(url("soa_detail", org, soa.pk)).content.decode()
    assert "Draft with changes since version 1" in page
