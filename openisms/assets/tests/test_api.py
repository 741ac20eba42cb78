from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openisms.accounts import services as account_services
from openisms.accounts.tests.test_api import assert_error_shape, auth
from openisms.assets import selectors, services
from openisms.assets.models import Asset
from openisms.core.models import AuditEvent
from openisms.risks import services as risk_services

BASE = "/api/v1/orgs/acme"


@pytest.fixture
def token(org, owner):
    return account_services.token_create(organization=org, actor=owner, name="tests").secret


def token_for(org, user):
    return account_services.token_create(organization=org, actor=user, name="t").secret


def post(client, url, body, secret, **extra):
    return client.post(url, body, content_type="application/json", **extra, **auth(secret))


def patch(client, url, body, secret, **extra):
    return client.patch(url, body, content_type="application/json", **extra, **auth(secret))


@pytest.fixture
def outsider(other_org, member):
    return member(other_org, "owner", email="boss@globex.test")


class TestAssetCrud:
    def test_create_read_change_delete(self, client, org, owner, token):
        r = post(
            client,
            f"{BASE}/assets/",
            {"name": "CRM", "type": "software", "owner": owner.pk, "confidentiality": 3},
            token,
        )
        assert r.status_code == 201, r.content
        body = r.json()
        assert body["ref"] == "A-001" and body["owner"]["email"] == owner.email
        assert body["confidentiality"] == 3 and body["version"] == 1
        assert r["ETag"] == '"1"'
        url = f"{BASE}/assets/{body['id']}/"

        r = client.get(url, **auth(token))
        assert r.status_code == 200 and r["ETag"] == '"1"'
        assert r.json()["effective"]["confidentiality"] == 3

        r = patch(
            client, url, {"name": "CRM (SaaS)", "in_scope": False}, token, HTTP_IF_MATCH='"1"'
        )
        assert r.status_code == 200, r.content
        assert r.json()["name"] == "CRM (SaaS)" and r.json()["in_scope"] is False
        assert r["ETag"] == '"2"'

        assert client.delete(f"{url}?version=2", **auth(token)).status_code == 204
        assert not Asset.objects.filter(pk=body["id"]).exists()
        actions = list(
            AuditEvent.objects.filter(organization=org, object_type__icontains="asset")
            .order_by("seq")
            .values_list("action", flat=True)
        )
        assert actions[0] == "create" and "update" in actions and actions[-1] == "delete"

    def test_list_filters_and_pagination(self, client, org, owner, member, token):
        other = member(org, "contributor")
        services.asset_create(organization=org, actor=owner, name="Laptop", type="hardware")
        services.asset_create(
            organization=org, actor=owner, name="Payroll", type="information", owner=other
        )
        services.asset_create(
            organization=org, actor=owner, name="Archive", type="information", in_scope=False
        )

        def names(query):
            r = client.get(f"{BASE}/assets/{query}", **auth(token))
            return [a["name"] for a in r.json()["items"]]

        assert names("") == ["Laptop", "Payroll", "Archive"]
        assert names("?type=information&sort=name") == ["Archive", "Payroll"]
        assert names(f"?owner={other.pk}") == ["Payroll"]
        assert names("?in_scope=false") == ["Archive"]
        assert names("?q=lap") == ["Laptop"]
        assert names("?sort=-name") == ["Payroll", "Laptop", "Archive"]
        r = client.get(f"{BASE}/assets/?page_size=2", **auth(token)).json()
        assert r["count"] == 3 and len(r["items"]) == 2
        assert "effective" not in r["items"][0]

    def test_effective_cia_on_detail_comes_from_dependents(self, client, org, owner, token):
        server = services.asset_create(
            organization=org, actor=owner, name="Server", type="hardware", confidentiality=1
        )
        r = post(
            client,
            f"{BASE}/assets/",
            {
                "name": "HR data",
                "type": "information",
                "confidentiality": 4,
                "depends_on": [server.pk],
            },
            token,
        )
        assert r.status_code == 201, r.content
        assert [d["ref"] for d in r.json()["depends_on"]] == [server.ref]
        detail = client.get(f"{BASE}/assets/{server.pk}/", **auth(token)).json()
        assert detail["confidentiality"] == 1
        assert detail["effective"] == {
            "confidentiality": 4,
            "integrity": 2,
            "availability": 2,
            "inherited_from": [r.json()["ref"]],
        }

    def test_linked_asset_cannot_be_deleted(self, client, org, owner, token):
        asset = services.asset_create(organization=org, actor=owner, name="DB", type="software")
        risk_services.risk_create(organization=org, actor=owner, title="Leak", assets=[asset])
        r = client.delete(f"{BASE}/assets/{asset.pk}/?version=1", **auth(token))
        assert_error_shape(r, 422, "validation_error")
        assert Asset.objects.filter(pk=asset.pk).exists()


class TestVersions:
    @pytest.fixture
    def asset(self, org, owner):
        asset = services.asset_create(organization=org, actor=owner, name="X", type="site")
        services.asset_update(asset=asset, actor=owner, version=1, name="Y")
        return asset  # now at version 2

    def test_patch_stale_body_version_is_409(self, client, asset, token):
        r = patch(client, f"{BASE}/assets/{asset.pk}/", {"name": "Z", "version": 1}, token)
        assert_error_shape(r, 409, "conflict")
        assert r.json()["error"]["details"][0]["message"] == "current version: 2"

    def test_patch_stale_if_match_is_412(self, client, asset, token):
        r = patch(client, f"{BASE}/assets/{asset.pk}/", {"name": "Z"}, token, HTTP_IF_MATCH='"1"')
        assert_error_shape(r, 412, "precondition_failed")

    def test_patch_without_version_is_428(self, client, asset, token):
        r = patch(client, f"{BASE}/assets/{asset.pk}/", {"name": "Z"}, token)
        assert_error_shape(r, 428, "precondition_required")
        asset.refresh_from_db()
        assert asset.name == "Y"

    def test_delete_versions(self, client, asset, token):
        url = f"{BASE}/assets/{asset.pk}/"
        assert_error_shape(client.delete(url, **auth(token)), 428, "precondition_required")
        assert_error_shape(client.delete(f"{url}?version=1", **auth(token)), 409, "conflict")
        r = client.delete(url, HTTP_IF_MATCH='"1"', **auth(token))
        assert_error_shape(r, 412, "precondition_failed")
        assert client.delete(url, HTTP_IF_MATCH='"2"', **auth(token)).status_code == 204


class TestMassAssignment:
    @pytest.mark.parametrize(
        "body",
        [
            {"ref": "A-999", "version": 1},
            {"organization": 2, "version": 1},
            {"id": 5, "version": 1},
            {"effective": {"confidentiality": 4}, "version": 1},
            {"unknown": "x", "version": 1},
        ],
    )
    def test_patch_refuses_read_only_and_unknown_fields(self, client, org, owner, token, body):
        asset = services.asset_create(organization=org, actor=owner, name="X", type="site")
        r = patch(client, f"{BASE}/assets/{asset.pk}/", body, token)
        assert_error_shape(r, 422, "validation_error")
        asset.refresh_from_db()
        assert (asset.ref, asset.version) == ("A-001", 1)

    @pytest.mark.parametrize("extra", [{"version": 3}, {"organization": 1}, {"id": 7}])
    def test_create_refuses_read_only_fields(self, client, org, token, extra):
        r = post(client, f"{BASE}/assets/", {"name": "X", "type": "site", **extra}, token)
        assert_error_shape(r, 422, "validation_error")
        assert not Asset.objects.filter(organization=org).exists()

    def test_bad_choice_is_422(self, client, org, token):
        r = post(client, f"{BASE}/assets/", {"name": "X", "type": "spaceship"}, token)
        assert_error_shape(r, 422, "validation_error")
        r = post(client, f"{BASE}/assets/", {"name": "X", "type": "site", "integrity": 9}, token)
        assert_error_shape(r, 422, "validation_error")


class TestTenancy:
    def test_other_organisations_asset_is_404(self, client, org, other_org, outsider, token):
        theirs = services.asset_create(
            organization=other_org, actor=outsider, name="Secret", type="site"
        )
        url = f"{BASE}/assets/{theirs.pk}/"
        assert_error_shape(client.get(url, **auth(token)), 404, "not_found")
        assert_error_shape(patch(client, url, {"name": "X", "version": 1}, token), 404, "not_found")
        assert_error_shape(client.delete(f"{url}?version=1", **auth(token)), 404, "not_found")
        theirs.refresh_from_db()
        assert theirs.name == "Secret"

    def test_foreign_ids_in_the_body_are_422(self, client, org, other_org, outsider, token):
        theirs = services.asset_create(
            organization=other_org, actor=outsider, name="Secret", type="site"
        )
        services.classification_ensure_default(organization=other_org, actor=outsider)
        level = selectors.classification_list(organization=other_org).first()
        for field, value in (
            ("owner", outsider.pk),
            ("custodian", outsider.pk),
            ("classification", level.pk),
            ("depends_on", [theirs.pk]),
        ):
            r = post(client, f"{BASE}/assets/", {"name": "X", "type": "site", field: value}, token)
            assert_error_shape(r, 422, "validation_error")
            assert r.json()["error"]["details"][0]["loc"] == ["body", field]
        assert not Asset.objects.filter(organization=org).exists()

    def test_list_shows_only_own_assets(self, client, org, other_org, owner, outsider, token):
        services.asset_create(organization=org, actor=owner, name="Mine", type="site")
        services.asset_create(organization=other_org, actor=outsider, name="Theirs", type="site")
        items = client.get(f"{BASE}/assets/", **auth(token)).json()["items"]
        assert [a["name"] for a in items] == ["Mine"]


class TestPermissions:
    def test_anonymous_is_401(self, client, org):
        assert_error_shape(client.get(f"{BASE}/assets/"), 401, "not_authenticated")

    def test_viewer_reads_but_cannot_write(self, client, org, owner, member):
        viewer = member(org, "viewer")
        secret = token_for(org, viewer)
        services.asset_create(organization=org, actor=owner, name="X", type="site")
        assert client.get(f"{BASE}/assets/", **auth(secret)).status_code == 200
        r = post(client, f"{BASE}/assets/", {"name": "Y", "type": "site"}, secret)
        assert_error_shape(r, 403, "permission_denied")

    def test_contributor_changes_only_own_assets(self, client, org, owner, member):
        contributor = member(org, "contributor")
        secret = token_for(org, contributor)
        theirs = services.asset_create(organization=org, actor=owner, name="T", type="site")
        r = patch(client, f"{BASE}/assets/{theirs.pk}/", {"name": "X", "version": 1}, secret)
        assert_error_shape(r, 403, "permission_denied")
        r = post(
            client,
            f"{BASE}/assets/",
            {"name": "M", "type": "site", "owner": contributor.pk},
            secret,
        )
        assert r.status_code == 201, r.content
        r = patch(client, f"{BASE}/assets/{r.json()['id']}/", {"name": "M2", "version": 1}, secret)
        assert r.status_code == 200


class TestClassification:
    def test_list_and_create(self, client, org, owner, token):
        services.classification_ensure_default(organization=org, actor=owner)
        r = post(
            client,
            f"{BASE}/classification-levels/",
            {"name": "Top secret", "order": 5, "description": "Eyes only"},
            token,
        )
        assert r.status_code == 201, r.content
        items = client.get(f"{BASE}/classification-levels/", **auth(token)).json()["items"]
        assert [i["name"] for i in items][-2:] == ["Restricted", "Top secret"]
        dup = post(client, f"{BASE}/classification-levels/", {"name": "public", "order": 9}, token)
        assert_error_shape(dup, 422, "validation_error")

    def test_contributor_cannot_define_levels(self, client, org, member):
        secret = token_for(org, member(org, "contributor"))
        r = post(client, f"{BASE}/classification-levels/", {"name": "X", "order": 1}, secret)
        assert_error_shape(r, 403, "permission_denied")

    def test_asset_with_classification(self, client, org, owner, token):
        services.classification_ensure_default(organization=org, actor=owner)
        level = selectors.classification_list(organization=org).last()
        r = post(
            client,
            f"{BASE}/assets/",
            {"name": "X", "type": "information", "classification": level.pk},
            token,
        )
        assert r.json()["classification"] == {"id": level.pk, "name": "Restricted", "order": 4}


def test_list_query_count_does_not_grow_with_rows(client, org, owner, member, token):
    services.classification_ensure_default(organization=org, actor=owner)
    level = selectors.classification_list(organization=org).first()
    custodian = member(org, "contributor")

    def add(n):
        for _ in range(n):
            services.asset_create(
                organization=org,
                actor=owner,
                name="A",
                type="site",
                owner=owner,
                custodian=custodian,
                classification=level,
            )

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"{BASE}/assets/", **auth(token))
            assert r.status_code == 200
        return len(ctx.captured_queries), len(r.json()["items"])

    client.get(f"{BASE}/assets/", **auth(token))  # the token's first use is audited
    add(3)
    few, n = count_queries()
    assert n == 3
    add(27)
    many, n = count_queries()
    assert n == 30 and many == few
