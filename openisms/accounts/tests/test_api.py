from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openisms.accounts import services
from openisms.accounts.models import Membership
from openisms.accounts.tests.factories import MembershipFactory, UserFactory
from openisms.core.models import AuditEvent


@pytest.fixture
def token(org, owner):
    return services.token_create(organization=org, actor=owner, name="tests").secret


def auth(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def assert_error_shape(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert body["error"]["code"] == code
    assert body["error"]["message"]


class TestOrganization:
    def test_member_reads_own_organisation_with_etag(self, client, org, token):
        response = client.get("/api/v1/orgs/acme/", **auth(token))
        assert response.status_code == 200
        assert response.json()["slug"] == "acme"
        assert response["ETag"] == '"1"'

    def test_other_organisation_is_404(self, client, org, other_org, owner, token):
        MembershipFactory(organization=other_org, user=owner, role="owner")
        # The token was issued for acme: it does not open globex even for a member of both.
        assert_error_shape(client.get("/api/v1/orgs/globex/", **auth(token)), 404, "not_found")
        assert_error_shape(client.get("/api/v1/orgs/nope/", **auth(token)), 404, "not_found")

    def test_anonymous_and_bad_token_get_401(self, client, org):
        assert_error_shape(client.get("/api/v1/orgs/acme/"), 401, "not_authenticated")
        r = client.get("/api/v1/orgs/acme/", HTTP_AUTHORIZATION="Bearer oism_bad_token")
        assert_error_shape(r, 401, "not_authenticated")

    def test_list_with_token_shows_only_its_organisation(
        self, client, org, other_org, owner, token
    ):
        MembershipFactory(organization=other_org, user=owner, role="owner")
        assert [o["slug"] for o in client.get("/api/v1/orgs/", **auth(token)).json()] == ["acme"]

    def test_patch_with_if_match(self, client, org, token):
        r = client.patch(
            "/api/v1/orgs/acme/",
            {"name": "Acme 2"},
            content_type="application/json",
            HTTP_IF_MATCH='"1"',
            **auth(token),
        )
        assert r.status_code == 200, r.content
        assert r.json()["version"] == 2 and r["ETag"] == '"2"'
        stale = client.patch(
            "/api/v1/orgs/acme/",
            {"name": "Acme 3"},
            content_type="application/json",
            HTTP_IF_MATCH='"1"',
            **auth(token),
        )
        assert_error_shape(stale, 412, "precondition_failed")
        org.refresh_from_db()
        assert org.name == "Acme 2"

    def test_patch_with_stale_body_version_is_409(self, client, org, token):
        org.version = 5
        org.save()
        r = client.patch(
            "/api/v1/orgs/acme/",
            {"name": "X", "version": 4},
            content_type="application/json",
            **auth(token),
        )
        assert_error_shape(r, 409, "conflict")
        assert r.json()["error"]["details"][0]["message"] == "current version: 5"

    def test_patch_without_version_is_428(self, client, org, token):
        r = client.patch(
            "/api/v1/orgs/acme/", {"name": "X"}, content_type="application/json", **auth(token)
        )
        assert_error_shape(r, 428, "precondition_required")

    def test_patch_refuses_unknown_and_read_only_fields(self, client, org, token):
        for body in (
            {"slug": "hijack", "version": 1},
            {"version": 1, "created_at": "2020-01-01T00:00:00Z"},
        ):
            r = client.patch(
                "/api/v1/orgs/acme/", body, content_type="application/json", **auth(token)
            )
            assert_error_shape(r, 422, "validation_error")
        org.refresh_from_db()
        assert org.slug == "acme" and org.version == 1

    def test_validation_error_names_the_field(self, client, org, token):
        r = client.patch(
            "/api/v1/orgs/acme/",
            {"name": "", "version": 1},
            content_type="application/json",
            **auth(token),
        )
        assert_error_shape(r, 422, "validation_error")
        assert r.json()["error"]["details"][0]["loc"] == ["body", "payload", "name"]

    def test_viewer_cannot_patch(self, client, org, member):
        viewer = member(org, "viewer")
        secret = services.token_create(organization=org, actor=viewer, name="t").secret
        r = client.patch(
            "/api/v1/orgs/acme/",
            {"name": "X", "version": 1},
            content_type="application/json",
            **auth(secret),
        )
        assert_error_shape(r, 403, "permission_denied")


class TestMembers:
    def test_pagination_is_capped(self, client, org, token):
        for _ in range(5):
            MembershipFactory(organization=org)
        r = client.get("/api/v1/orgs/acme/members/?page_size=2", **auth(token))
        assert r.json()["count"] == 6 and len(r.json()["items"]) == 2
        r = client.get("/api/v1/orgs/acme/members/?page_size=100000", **auth(token))
        assert len(r.json()["items"]) == 6  # capped at the maximum page size, not refused

    @pytest.mark.parametrize(
        "path", ["/api/v1/orgs/acme/members/", "/api/v1/orgs/acme/audit-events/"]
    )
    def test_list_query_count_does_not_grow_with_rows(self, client, org, owner, token, path):
        def count_queries():
            client.get(path, **auth(token))  # token-use audit happens on first use only
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(path, **auth(token)).status_code == 200
            return len(ctx.captured_queries)

        for _ in range(3):
            services.member_invite(
                organization=org, actor=owner, email=UserFactory.build().email, role="viewer"
            )
        few = count_queries()
        for _ in range(27):
            services.member_invite(
                organization=org, actor=owner, email=UserFactory.build().email, role="viewer"
            )
        assert count_queries() == few

    def test_add_change_remove(self, client, org, owner, token):
        r = client.post(
            "/api/v1/orgs/acme/members/",
            {"email": "new@acme.test", "role": "auditor", "access_expires_at": "2999-01-31T18:00Z"},
            content_type="application/json",
            **auth(token),
        )
        assert r.status_code == 201, r.content
        mid = r.json()["id"]
        r = client.patch(
            f"/api/v1/orgs/acme/members/{mid}/",
            {"role": "viewer", "version": 1},
            content_type="application/json",
            **auth(token),
        )
        assert r.json()["role"] == "viewer"
        assert (
            client.delete(f"/api/v1/orgs/acme/members/{mid}/?version=2", **auth(token)).status_code
            == 204
        )
        assert not Membership.objects.filter(pk=mid).exists()
        actions = set(AuditEvent.objects.filter(organization=org).values_list("action", flat=True))
        assert {"membership.add", "membership.role_change", "membership.remove"} <= actions

    def test_unknown_role_is_422(self, client, org, token):
        r = client.post(
            "/api/v1/orgs/acme/members/",
            {"email": "x@acme.test", "role": "admin"},
            content_type="application/json",
            **auth(token),
        )
        assert_error_shape(r, 422, "validation_error")

    def test_other_organisations_member_is_404(self, client, org, other_org, token):
        foreign = MembershipFactory(organization=other_org)
        r = client.patch(
            f"/api/v1/orgs/acme/members/{foreign.pk}/",
            {"role": "owner", "version": 1},
            content_type="application/json",
            **auth(token),
        )
        assert_error_shape(r, 404, "not_found")
        foreign.refresh_from_db()
        assert foreign.role == "viewer"


class TestAuditEvents:
    def test_filter_by_action(self, client, org, owner, token):
        services.organization_update(organization=org, actor=owner, version=1, name="N")
        r = client.get("/api/v1/orgs/acme/audit-events/?action=update", **auth(token))
        items = r.json()["items"]
        assert [i["action"] for i in items] == ["update"]
        assert items[0]["changes"] == {"name": ["Acme Ltd", "N"]}


def test_openapi_is_3_1_and_docs_are_local(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in docs.lower() and "/static/ninja/swagger-ui-bundle" in docs


def test_nul_characters_are_refused_on_every_database(client, org, token):
    r = client.patch(
        "/api/v1/orgs/acme/",
        {"name": "Acme\x00Ltd", "version": 1},
        content_type="application/json",
        **auth(token),
    )
    assert_error_shape(r, 422, "validation_error")
    assert r.json()["error"]["details"][0]["loc"] == ["body", "name"]
    org.refresh_from_db()
    assert org.name == "Acme Ltd"


def test_stale_if_match_on_delete_is_412_and_missing_version_428(client, org, owner, token):
    target = MembershipFactory(organization=org)
    url = f"/api/v1/orgs/acme/members/{target.pk}/"
    assert_error_shape(client.delete(url, **auth(token)), 428, "precondition_required")
    assert_error_shape(
        client.delete(url, HTTP_IF_MATCH='"7"', **auth(token)), 412, "precondition_failed"
    )
    assert client.delete(url, HTTP_IF_MATCH='"1"', **auth(token)).status_code == 204


def test_organisation_requiring_mfa_refuses_api_without_mfa(client, org, owner, token):
    org.require_mfa = True
    org.save()
    r = client.get("/api/v1/orgs/acme/members/", **auth(token))
    assert_error_shape(r, 403, "permission_denied")
    assert "two-factor" in r.json()["error"]["message"]
    client.force_login(owner)  # the browser session reaches the API too: same rule
    assert client.get("/api/v1/orgs/acme/").status_code == 403


def test_patch_without_expiry_keeps_it(client, org, owner, token):
    import datetime as dt

    from django.utils import timezone

    until = timezone.now() + dt.timedelta(days=3)
    target = MembershipFactory(organization=org, role="auditor", access_expires_at=until)
    r = client.patch(
        f"/api/v1/orgs/acme/members/{target.pk}/",
        {"role": "viewer", "version": 1},
        content_type="application/json",
        **auth(token),
    )
    assert r.status_code == 200
    target.refresh_from_db()
    assert target.access_expires_at == until
