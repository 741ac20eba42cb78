from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openisms.accounts import services
from openisms.accounts.models import ApiToken, Membership
from openisms.accounts.tests.factories import PASSWORD, MembershipFactory, UserFactory
from openisms.core.models import AuditEvent


def test_login_with_password_then_dashboard(client, org, owner):
    r = client.post("/accounts/login/", {"login": owner.email, "password": PASSWORD})
    assert r.status_code == 302
    r = client.get("/", follow=True)
    assert r.redirect_chain[-1][0] == "/o/acme/"
    assert b"Acme Ltd" in r.content


def test_login_failure_does_not_reveal_whether_account_exists(client, org, owner):
    known = client.post("/accounts/login/", {"login": owner.email, "password": "wrong-password-1"})
    unknown = client.post(
        "/accounts/login/", {"login": "ghost@acme.test", "password": "wrong-password-1"}
    )
    assert known.status_code == unknown.status_code == 200

    def errors(response):
        return [str(e) for e in response.context["form"].non_field_errors()]

    assert errors(known) == errors(unknown)


def test_login_is_throttled(client, org, owner, settings):
    from django.core.cache import cache

    cache.clear()
    for _ in range(5):
        client.post("/accounts/login/", {"login": owner.email, "password": "wrong-password-1"})
    r = client.post("/accounts/login/", {"login": owner.email, "password": PASSWORD})
    assert r.status_code in (200, 429)
    assert "_auth_user_id" not in client.session  # even the right password is refused now
    cache.clear()


def test_org_switcher_lists_only_my_organisations(client, org, other_org, owner):
    third = MembershipFactory(user=owner, role="viewer").organization
    client.force_login(owner)
    html = client.get("/o/acme/").content.decode()
    assert f"/o/{third.slug}/" in html
    assert "/o/globex/" not in html


def test_member_list_query_count_is_constant(client, org, owner):
    client.force_login(owner)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/o/acme/members/").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        MembershipFactory(organization=org)
    few = count()
    for _ in range(27):
        MembershipFactory(organization=org)
    assert count() == few


def test_audit_page_query_count_is_constant_and_filters(client, org, owner):
    client.force_login(owner)

    def count(url="/o/acme/audit/"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        services.organization_update(
            organization=org, actor=owner, version=org.version, name=f"A{i}"
        )
    few = count()
    for i in range(30):
        services.organization_update(
            organization=org, actor=owner, version=org.version, name=f"B{i}"
        )
    assert count() == few
    html = client.get(
        "/o/acme/audit/?action=update&object_type=accounts.organization"
    ).content.decode()
    assert "B29" in html and "33 events" in html
    html = client.get(
        f"/o/acme/audit/?object_type=accounts.organization&object_id={org.pk}&actor=nobody"
    ).content.decode()
    assert "0 events" in html


def test_audit_page_partial_for_htmx(client, org, owner):
    client.force_login(owner)
    r = client.get("/o/acme/audit/", HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert body.lstrip().startswith('<div id="results">')
    assert r["Vary"].count("HX-Request") >= 1


class TestRoleChange:
    def test_htmx_role_change_renders_the_row(self, client, org, owner):
        target = MembershipFactory(organization=org, role="viewer")
        client.force_login(owner)
        r = client.post(
            f"/o/acme/members/{target.pk}/role/",
            {f"m{target.pk}-role": "manager", f"m{target.pk}-version": 1},
            HTTP_HX_REQUEST="true",
        )
        assert r.status_code == 200
        assert f'id="member-{target.pk}"' in r.content.decode()
        target.refresh_from_db()
        assert (target.role, target.version) == ("manager", 2)

    def test_stale_role_change_is_refused_with_reload(self, client, org, owner):
        target = MembershipFactory(organization=org, role="viewer")
        services.membership_change_role(
            membership=target,
            actor=owner,
            role="auditor",
            version=1,
            access_expires_at=timezone.now() + dt.timedelta(days=30),
        )
        client.force_login(owner)
        r = client.post(
            f"/o/acme/members/{target.pk}/role/",
            {f"m{target.pk}-role": "manager", f"m{target.pk}-version": 1},
            HTTP_HX_REQUEST="true",
        )
        assert r.status_code == 409
        html = r.content.decode()
        assert "changed by someone else" in html and "Reload" in html
        target.refresh_from_db()
        assert target.role == "auditor"


def test_settings_conflict_message(client, org, owner):
    client.force_login(owner)
    services.organization_update(organization=org, actor=owner, version=1, name="Changed elsewhere")
    r = client.post("/o/acme/settings/", {"name": "Mine", "version": 1})
    assert r.status_code == 409
    assert "changed by someone else" in r.content.decode()
    org.refresh_from_db()
    assert org.name == "Changed elsewhere"


def test_settings_save(client, org, owner):
    client.force_login(owner)
    r = client.post("/o/acme/settings/", {"name": "Acme Group", "require_mfa": "on", "version": 1})
    assert r.status_code == 302
    org.refresh_from_db()
    assert org.name == "Acme Group" and org.require_mfa


def test_required_mfa_sends_members_to_set_it_up(client, org, owner):
    org.require_mfa = True
    org.save()
    client.force_login(owner)
    r = client.get("/o/acme/")
    assert r.status_code == 302 and r["Location"] == "/accounts/2fa/totp/activate/"
    Authenticator.objects.create(user=owner, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.get("/o/acme/").status_code == 200


def test_add_member_errors_are_shown_next_to_the_field(client, org, owner):
    client.force_login(owner)
    r = client.post("/o/acme/members/add/", {"email": "not-an-email", "role": "viewer"})
    assert r.status_code == 422
    assert "Enter a valid email address." in r.content.decode()
    r = client.post("/o/acme/members/add/", {"email": owner.email, "role": "viewer"})
    assert r.status_code == 422 and "already a member" in r.content.decode()
    r = client.post("/o/acme/members/add/", {"email": "new@acme.test", "role": "auditor"})
    assert r.status_code == 422 and "access needs an end" in r.content.decode()
    r = client.post(
        "/o/acme/members/add/",
        {"email": "new@acme.test", "role": "auditor", "access_expires_at": "2999-01-31T18:00"},
    )
    assert r.status_code == 302
    assert Membership.objects.get(user__email="new@acme.test").role == "auditor"


def test_token_page_shows_the_secret_once(client, org, owner):
    client.force_login(owner)
    r = client.post("/o/acme/tokens/", {"name": "ci"})
    assert r.status_code == 201 and r["Cache-Control"] == "no-store"
    secret = r.context["new_secret"]
    assert secret in r.content.decode()
    assert secret not in client.get("/o/acme/tokens/").content.decode()
    token = ApiToken.objects.get()
    client.post(f"/o/acme/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="token.revoke").exists()


def test_security_headers(client, org, owner):
    client.force_login(owner)
    r = client.get("/o/acme/")
    csp = r["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp
    assert "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"
    html = r.content.decode()
    assert 'style="' not in html and "<style" not in html
    assert "<script src=" in html and "nonce=" in html


def test_viewer_sees_no_admin_navigation(client, org, member):
    viewer = member(org, "viewer")
    client.force_login(viewer)
    html = client.get("/o/acme/").content.decode()
    assert "/o/acme/settings/" not in html and "/o/acme/audit/" not in html
    assert "/o/acme/members/" in html


@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_non_member_gets_404_even_for_a_real_organisation(client, org, other_org, member, role):
    user = member(other_org, role)
    client.force_login(user)
    assert client.get("/o/acme/").status_code == 404
    assert client.get("/o/does-not-exist/").status_code == 404


def test_users_have_no_global_permissions(db):
    user = UserFactory()
    assert not user.has_perm("core.view_organization")
    assert not user.has_module_perms("accounts")
