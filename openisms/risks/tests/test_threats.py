"""Threats and vulnerabilities: services (edit, stale edit, shipped threats read-only, delete of
a used one refused), the API (GET one, PATCH, DELETE) and the catalogue pages."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openisms.accounts import services as account_services
from openisms.accounts.tests.test_api import assert_error_shape, auth
from openisms.core.exceptions import ConflictError
from openisms.core.models import AuditEvent
from openisms.risks import services
from openisms.risks.models import Threat, Vulnerability

API = "/api/v1/orgs/acme"
PAGE = "/o/acme/risks/threats/"


@pytest.fixture
def shipped():
    return Threat.objects.get(organization__isnull=True, ref="TH-01")


@pytest.fixture
def threat(org, owner):
    return services.threat_create(
        organization=org, actor=owner, name="Drone", category="physical", description="Flies"
    )


@pytest.fixture
def vuln(org, owner):
    return services.vulnerability_create(organization=org, actor=owner, name="No MFA")


@pytest.fixture
def outsider(other_org, member):
    return member(other_org, "owner", email="boss@globex.test")


def risk_using(org, actor, title="Uses it", **links):
    return services.risk_create(organization=org, actor=actor, title=title, **links)


def events(obj, action, pk=None):
    return AuditEvent.objects.filter(
        action=action, object_type=obj._meta.label_lower, object_id=str(pk or obj.pk)
    ).count()


# --- services ---------------------------------------------------------------------------------


class TestThreatServices:
    def test_update_bumps_the_version_and_is_audited(self, owner, threat):
        services.threat_update(
            threat=threat, actor=owner, version=1, name="Drone overflight", category="natural"
        )
        threat.refresh_from_db()
        assert (threat.name, threat.category, threat.version) == (
            "Drone overflight",
            "natural",
            2,
        )
        assert threat.ref == "T-001"
        event = AuditEvent.objects.get(action="update", object_id=str(threat.pk))
        assert event.changes["name"] == ["Drone", "Drone overflight"]

    def test_stale_edit_is_refused(self, owner, threat):
        services.threat_update(threat=threat, actor=owner, version=1, name="First")
        stale = Threat.objects.get(pk=threat.pk)
        stale.version = 1
        with pytest.raises(ConflictError):
            services.threat_update(threat=stale, actor=owner, version=1, name="Second")
        threat.refresh_from_db()
        assert (threat.name, threat.version) == ("First", 2)

    def test_shipped_threat_cannot_be_changed_or_deleted(self, owner, shipped):
        with pytest.raises(ValidationError, match="shipped threat catalogue"):
            services.threat_update(threat=shipped, actor=owner, version=1, name="Mine")
        with pytest.raises(ValidationError, match="TH-01 Fire is part of the shipped"):
            services.threat_delete(threat=shipped, actor=owner, version=1)
        shipped.refresh_from_db()
        assert shipped.name == "Fire" and shipped.version == 1

    def test_delete_of_a_used_threat_names_the_risks(self, org, owner, threat):
        r1 = risk_using(org, owner, threat=threat)
        r2 = risk_using(org, owner, threat=threat)
        with pytest.raises(ValidationError) as exc:
            services.threat_delete(threat=threat, actor=owner, version=1)
        message = " ".join(exc.value.messages)
        assert f"used by risks {r1.ref}, {r2.ref}" in message
        assert Threat.objects.filter(pk=threat.pk).exists()
        assert events(threat, "delete") == 0

    def test_long_lists_of_risks_are_cut(self, org, owner, threat):
        for i in range(12):
            risk_using(org, owner, title=f"R{i}", threat=threat)
        with pytest.raises(ValidationError) as exc:
            services.threat_delete(threat=threat, actor=owner)
        message = " ".join(exc.value.messages)
        assert "R-001, R-002" in message and "R-010 and 2 more" in message
        assert "R-011" not in message

    def test_delete_unused_threat(self, org, owner, threat):
        pk = threat.pk
        services.threat_delete(threat=threat, actor=owner, version=1)
        assert not Threat.objects.filter(pk=pk).exists()
        assert events(threat, "delete", pk) == 1

    def test_delete_from_a_stale_version_is_refused(self, owner, threat):
        services.threat_update(threat=threat, actor=owner, version=1, name="Changed")
        with pytest.raises(ConflictError):
            services.threat_delete(threat=threat, actor=owner, version=1)
        assert Threat.objects.filter(pk=threat.pk).exists()

    def test_field_checks(self, owner, threat):
        with pytest.raises(ValidationError) as exc:
            services.threat_update(threat=threat, actor=owner, version=1, category="aliens")
        assert "category" in exc.value.message_dict
        threat.refresh_from_db()
        with pytest.raises(ValidationError, match="Unknown fields: origin"):
            services.threat_update(threat=threat, actor=owner, version=1, origin=["x"])
        with pytest.raises(ValidationError, match="A reference never changes"):
            services.threat_update(threat=threat, actor=owner, version=1, ref="T-999")

    def test_roles(self, org, member, threat, outsider):
        contributor = member(org, "contributor")
        services.threat_update(threat=threat, actor=contributor, version=1, name="By contributor")
        viewer = member(org, "viewer")
        with pytest.raises(PermissionDenied):
            services.threat_update(threat=threat, actor=viewer, version=2, name="No")
        with pytest.raises(PermissionDenied):
            services.threat_delete(threat=threat, actor=viewer, version=2)
        with pytest.raises(PermissionDenied):
            services.threat_delete(threat=threat, actor=outsider, version=2)
        assert Threat.objects.filter(pk=threat.pk).exists()


class TestVulnerabilityServices:
    def test_update_and_stale_edit(self, owner, vuln):
        services.vulnerability_update(
            vulnerability=vuln, actor=owner, version=1, name="No MFA on VPN"
        )
        assert Vulnerability.objects.get(pk=vuln.pk).version == 2
        stale = Vulnerability.objects.get(pk=vuln.pk)
        stale.version = 1
        with pytest.raises(ConflictError):
            services.vulnerability_update(vulnerability=stale, actor=owner, version=1, name="X")
        assert Vulnerability.objects.get(pk=vuln.pk).name == "No MFA on VPN"

    def test_delete_of_a_used_vulnerability_names_the_risk(self, org, owner, vuln):
        risk = risk_using(org, owner, vulnerability=vuln)
        with pytest.raises(ValidationError, match=f"used by risks {risk.ref};"):
            services.vulnerability_delete(vulnerability=vuln, actor=owner, version=1)
        assert Vulnerability.objects.filter(pk=vuln.pk).exists()
        services.risk_update(risk=risk, actor=owner, version=risk.version, vulnerability=None)
        pk = vuln.pk
        services.vulnerability_delete(vulnerability=vuln, actor=owner, version=1)
        assert not Vulnerability.objects.filter(pk=pk).exists()
        assert events(vuln, "delete", pk) == 1

    def test_unknown_field_and_viewer(self, org, member, owner, vuln):
        with pytest.raises(ValidationError, match="Unknown fields: category"):
            services.vulnerability_update(
                vulnerability=vuln, actor=owner, version=1, category="physical"
            )
        viewer = member(org, "viewer")
        with pytest.raises(PermissionDenied):
            services.vulnerability_delete(vulnerability=vuln, actor=viewer, version=1)


# --- API --------------------------------------------------------------------------------------


@pytest.fixture
def token(org, owner):
    return account_services.token_create(organization=org, actor=owner, name="tests").secret


def patch(client, url, body, secret, **extra):
    return client.patch(url, body, content_type="application/json", **extra, **auth(secret))


class TestThreatApi:
    def test_get_shipped_and_own(self, client, token, shipped, threat):
        r = client.get(f"{API}/threats/{shipped.pk}/", **auth(token))
        assert r.status_code == 200
        assert r.json()["ref"] == "TH-01" and r.json()["own"] is False
        r = client.get(f"{API}/threats/{threat.pk}/", **auth(token))
        assert r.json()["own"] is True and r.json()["version"] == 1 and r["ETag"] == '"1"'

    def test_another_organisations_threat_is_404(self, client, token, other_org, outsider):
        theirs = services.threat_create(
            organization=other_org, actor=outsider, name="Theirs", category="natural"
        )
        url = f"{API}/threats/{theirs.pk}/"
        assert_error_shape(client.get(url, **auth(token)), 404, "not_found")
        r = patch(client, url, {"name": "Mine", "version": 1}, token)
        assert_error_shape(r, 404, "not_found")
        r = client.delete(url + "?version=1", **auth(token))
        assert_error_shape(r, 404, "not_found")
        theirs.refresh_from_db()
        assert theirs.name == "Theirs"

    def test_patch_with_versions(self, client, token, threat):
        url = f"{API}/threats/{threat.pk}/"
        r = patch(client, url, {"name": "Drone strike", "version": 1}, token)
        assert r.status_code == 200, r.content
        assert r.json()["name"] == "Drone strike" and r.json()["version"] == 2
        assert r.json()["category"] == "physical" and r["ETag"] == '"2"'
        assert_error_shape(
            patch(client, url, {"name": "Stale", "version": 1}, token), 409, "conflict"
        )
        r = patch(client, url, {"name": "Stale"}, token, HTTP_IF_MATCH='"1"')
        assert_error_shape(r, 412, "precondition_failed")
        r = patch(client, url, {"name": "No version"}, token)
        assert_error_shape(r, 428, "precondition_required")
        r = patch(client, url, {"category": "nature", "version": 2}, token)
        assert_error_shape(r, 422, "validation_error")
        r = patch(client, url, {"ref": "T-9", "version": 2}, token)
        assert_error_shape(r, 422, "validation_error")
        r = patch(client, url, {"category": "natural"}, token, HTTP_IF_MATCH='"2"')
        assert r.status_code == 200 and r.json()["category"] == "natural"

    def test_shipped_threat_is_read_only(self, client, token, shipped):
        url = f"{API}/threats/{shipped.pk}/"
        r = patch(client, url, {"name": "Mine", "version": 1}, token)
        assert_error_shape(r, 422, "validation_error")
        assert "shipped threat catalogue" in r.json()["error"]["message"]
        r = patch(client, url, {"name": "Mine"}, token)  # no version: still the clear refusal
        assert_error_shape(r, 422, "validation_error")
        r = client.delete(url + "?version=1", **auth(token))
        assert_error_shape(r, 422, "validation_error")
        shipped.refresh_from_db()
        assert shipped.name == "Fire"

    def test_delete(self, client, org, owner, token, threat):
        url = f"{API}/threats/{threat.pk}/"
        risk = risk_using(org, owner, threat=threat)
        r = client.delete(url + "?version=1", **auth(token))
        assert_error_shape(r, 422, "validation_error")
        assert risk.ref in r.json()["error"]["message"]
        assert_error_shape(client.delete(url, **auth(token)), 428, "precondition_required")
        assert_error_shape(client.delete(url + "?version=5", **auth(token)), 409, "conflict")
        r = client.delete(url, HTTP_IF_MATCH='"5"', **auth(token))
        assert_error_shape(r, 412, "precondition_failed")
        services.risk_update(risk=risk, actor=owner, version=risk.version, threat=None)
        assert client.delete(url + "?version=1", **auth(token)).status_code == 204
        assert not Threat.objects.filter(pk=threat.pk).exists()

    def test_viewer_cannot_change(self, client, org, member, threat):
        viewer = member(org, "viewer")
        secret = account_services.token_create(organization=org, actor=viewer, name="v").secret
        url = f"{API}/threats/{threat.pk}/"
        assert client.get(url, **auth(secret)).status_code == 200
        assert_error_shape(
            patch(client, url, {"name": "X", "version": 1}, secret), 403, "permission_denied"
        )
        r = client.delete(url + "?version=1", **auth(secret))
        assert_error_shape(r, 403, "permission_denied")


class TestVulnerabilityApi:
    def test_get_patch_delete(self, client, org, owner, token, vuln):
        url = f"{API}/vulnerabilities/{vuln.pk}/"
        r = client.get(url, **auth(token))
        assert r.status_code == 200 and r.json()["name"] == "No MFA" and r["ETag"] == '"1"'
        r = patch(client, url, {"description": "VPN accounts", "version": 1}, token)
        assert r.status_code == 200 and r.json()["version"] == 2
        assert r.json()["description"] == "VPN accounts" and r.json()["name"] == "No MFA"
        assert_error_shape(patch(client, url, {"name": "X", "version": 1}, token), 409, "conflict")
        r = patch(client, url, {"name": ""}, token, HTTP_IF_MATCH='"2"')
        assert_error_shape(r, 422, "validation_error")
        risk = risk_using(org, owner, vulnerability=vuln)
        r = client.delete(url + "?version=2", **auth(token))
        assert_error_shape(r, 422, "validation_error")
        assert f"used by risks {risk.ref}" in r.json()["error"]["message"]
        services.risk_update(risk=risk, actor=owner, version=risk.version, vulnerability=None)
        r = client.delete(url, HTTP_IF_MATCH='"1"', **auth(token))
        assert_error_shape(r, 412, "precondition_failed")
        assert client.delete(url, HTTP_IF_MATCH='"2"', **auth(token)).status_code == 204
        assert_error_shape(client.get(url, **auth(token)), 404, "not_found")

    def test_another_organisations_vulnerability_is_404(self, client, token, other_org, outsider):
        theirs = services.vulnerability_create(organization=other_org, actor=outsider, name="V")
        url = f"{API}/vulnerabilities/{theirs.pk}/"
        assert_error_shape(client.get(url, **auth(token)), 404, "not_found")
        assert_error_shape(patch(client, url, {"name": "X", "version": 1}, token), 404, "not_found")
        assert_error_shape(client.delete(url + "?version=1", **auth(token)), 404, "not_found")


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def html(response) -> str:
    return response.content.decode()


class TestCatalogPage:
    def test_lists_shipped_and_own_threats_by_category_and_vulnerabilities(
        self, signed_in, threat, vuln, shipped
    ):
        r = signed_in.get(PAGE)
        assert r.status_code == 200
        page = html(r)
        physical = page.split('data-testid="threats-physical"')[1].split("</table>")[0]
        assert "TH-01" in physical and "Drone" in physical and "T-001" in physical
        assert page.index("category-physical") < page.index("category-natural")
        assert 'id="vulnerability-table"' in page and "No MFA" in page
        # Only own records have edit and delete controls.
        assert f"/o/acme/risks/threats/{threat.pk}/edit/" in page
        assert f"/o/acme/risks/threats/{shipped.pk}/edit/" not in page
        assert f"/o/acme/risks/threats/{shipped.pk}/delete/" not in page
        assert f"/o/acme/risks/vulnerabilities/{vuln.pk}/delete/" in page
        assert 'data-testid="add-threat"' in page and 'data-testid="add-vulnerability"' in page

    def test_viewer_sees_no_forms(self, client, org, member, threat):
        client.force_login(member(org, "viewer"))
        page = html(client.get(PAGE))
        assert "Drone" in page
        assert "add-threat" not in page and "/edit/" not in page and "/delete/" not in page

    def test_in_the_navigation(self, signed_in):
        assert 'href="/o/acme/risks/threats/"' in html(signed_in.get("/o/acme/risks/"))

    def test_query_count_is_constant(self, client, org, owner, member):
        client.force_login(member(org, "viewer"))

        def fill(n):
            for i in range(n):
                services.threat_create(
                    organization=org, actor=owner, name=f"T{i}", category="natural"
                )
                services.vulnerability_create(organization=org, actor=owner, name=f"V{i}")

        def count():
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(PAGE).status_code == 200
            return len(ctx.captured_queries)

        fill(3)
        small = count()
        fill(27)
        assert count() == small


class TestCatalogForms:
    def test_add_threat(self, signed_in, org):
        r = signed_in.post(
            PAGE + "new/", {"name": "Solar flare", "category": "natural", "description": "Sun"}
        )
        assert r.status_code == 302 and r["Location"] == PAGE + "#threats"
        threat = Threat.objects.get(organization=org, name="Solar flare")
        assert (threat.category, threat.description, threat.ref) == ("natural", "Sun", "T-001")

    def test_add_threat_errors_next_to_the_field(self, signed_in, org):
        r = signed_in.post(PAGE + "new/", {"name": "", "category": "aliens"})
        assert r.status_code == 422
        page = html(r)
        assert page.count('class="field-error"') == 2
        assert not Threat.objects.filter(organization=org).exists()

    def test_add_vulnerability(self, signed_in, org):
        r = signed_in.post(
            PAGE.replace("threats", "vulnerabilities") + "new/", {"v-name": "Old TLS"}
        )
        assert r.status_code == 302 and r["Location"] == PAGE + "#vulnerabilities"
        assert Vulnerability.objects.get(organization=org).name == "Old TLS"
        r = signed_in.post(PAGE.replace("threats", "vulnerabilities") + "new/", {"v-name": ""})
        assert r.status_code == 422 and 'id="id_v-name"' in html(r)

    def test_edit_threat(self, signed_in, threat):
        url = f"{PAGE}{threat.pk}/edit/"
        r = signed_in.get(url)
        assert r.status_code == 200 and 'value="Drone"' in html(r)
        r = signed_in.post(
            url, {"name": "Drone swarm", "category": "physical", "description": "", "version": 1}
        )
        assert r.status_code == 302
        threat.refresh_from_db()
        assert (threat.name, threat.version) == ("Drone swarm", 2)

    def test_stale_edit_shows_the_conflict(self, signed_in, owner, threat):
        services.threat_update(threat=threat, actor=owner, version=1, name="Someone else")
        r = signed_in.post(
            f"{PAGE}{threat.pk}/edit/",
            {"name": "Mine", "category": "physical", "description": "", "version": 1},
        )
        assert r.status_code == 409 and 'data-testid="reload"' in html(r)
        threat.refresh_from_db()
        assert threat.name == "Someone else"

    def test_shipped_threat_is_not_editable(self, signed_in, shipped):
        url = f"{PAGE}{shipped.pk}/edit/"
        r = signed_in.get(url, follow=True)
        assert r.redirect_chain[0][0] == PAGE + "#threats"
        assert "shipped threat catalogue" in html(r)
        r = signed_in.post(url, {"name": "Mine", "category": "physical", "version": 1})
        assert r.status_code == 422 and "shipped threat catalogue" in html(r)
        r = signed_in.post(f"{PAGE}{shipped.pk}/delete/", {"version": 1}, follow=True)
        assert "shipped threat catalogue" in html(r)
        shipped.refresh_from_db()
        assert shipped.name == "Fire"

    def test_delete_threat(self, signed_in, org, owner, threat):
        risk = risk_using(org, owner, threat=threat)
        r = signed_in.post(f"{PAGE}{threat.pk}/delete/", {"version": 1}, follow=True)
        assert re.search(rf"used by risks {risk.ref};", html(r))
        assert Threat.objects.filter(pk=threat.pk).exists()
        services.risk_update(risk=risk, actor=owner, version=risk.version, threat=None)
        r = signed_in.post(f"{PAGE}{threat.pk}/delete/", {"version": 1})
        assert r.status_code == 302 and r["Location"] == PAGE + "#threats"
        assert not Threat.objects.filter(pk=threat.pk).exists()

    def test_stale_delete_is_refused(self, signed_in, owner, threat):
        services.threat_update(threat=threat, actor=owner, version=1, name="Changed")
        r = signed_in.post(f"{PAGE}{threat.pk}/delete/", {"version": 1}, follow=True)
        assert "changed by someone else (you edited version 1, it is now at version 2)" in html(r)
        assert Threat.objects.filter(pk=threat.pk).exists()

    def test_edit_and_delete_vulnerability(self, signed_in, vuln):
        base = f"/o/acme/risks/vulnerabilities/{vuln.pk}/"
        assert 'value="No MFA"' in html(signed_in.get(base + "edit/"))
        r = signed_in.post(base + "edit/", {"name": "No MFA on mail", "version": 1})
        assert r.status_code == 302
        assert Vulnerability.objects.get(pk=vuln.pk).name == "No MFA on mail"
        r = signed_in.post(base + "edit/", {"name": "Stale", "version": 1})
        assert r.status_code == 409
        assert signed_in.post(base + "delete/", {"version": 2}).status_code == 302
        assert not Vulnerability.objects.filter(pk=vuln.pk).exists()

    def test_another_organisations_records_are_404(self, signed_in, other_org, outsider):
        theirs = services.threat_create(
            organization=other_org, actor=outsider, name="Theirs", category="natural"
        )
        vuln = services.vulnerability_create(organization=other_org, actor=outsider, name="V")
        assert signed_in.get(f"{PAGE}{theirs.pk}/edit/").status_code == 404
        assert signed_in.post(f"{PAGE}{theirs.pk}/delete/", {"version": 1}).status_code == 404
        base = f"/o/acme/risks/vulnerabilities/{vuln.pk}/"
        assert signed_in.post(base + "edit/", {"name": "X", "version": 1}).status_code == 404
        assert signed_in.post(base + "delete/", {"version": 1}).status_code == 404
        assert Threat.objects.filter(pk=theirs.pk).exists()
        assert Vulnerability.objects.filter(pk=vuln.pk).exists()
        assert "Theirs" not in html(signed_in.get(PAGE))


def test_a_risk_linked_after_the_check_is_still_a_clear_refusal(org, owner, threat, monkeypatch):
    """The FK is PROTECT: if a risk starts using the threat between the check and the delete,
    the refusal is still a ValidationError (never a 500) and nothing is deleted or audited."""
    risk_using(org, owner, threat=threat)
    monkeypatch.setattr(services, "_refuse_if_used", lambda obj, field: None)
    with pytest.raises(ValidationError, match="is in use"):
        services.threat_delete(threat=threat, actor=owner, version=1)
    assert Threat.objects.filter(pk=threat.pk).exists()
    assert events(threat, "delete") == 0
