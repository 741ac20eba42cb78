"""REST API for controls, their tests and runs, health and coverage: CRUD, filters, versions
(If-Match → 412, stale body version → 409, neither → 428), another organisation's records
(404), links as id lists, and a fixed number of queries per list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openisms.accounts import services as account_services
from openisms.accounts.tests.test_api import assert_error_shape, auth
from openisms.catalog.models import Framework
from openisms.controls import services
from openisms.controls.models import Control, ControlTest, ControlTestRun
from openisms.controls.tests.test_services import (
    CSF,
    make_control,
    make_evidence,
    make_test,
    node,
    private_requirement,
)
from openisms.risks import services as risk_services

BASE = "/api/v1/orgs/acme"
TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture
def token(org, owner):
    return account_services.token_create(organization=org, actor=owner, name="tests").secret


@pytest.fixture
def outsider(other_org, member):
    return member(other_org, "owner", email="boss@globex.test")


def post(client, url, body, secret, **extra):
    return client.post(url, body, content_type="application/json", **extra, **auth(secret))


def patch(client, url, body, secret, **extra):
    return client.patch(url, body, content_type="application/json", **extra, **auth(secret))


class TestControls:
    def test_create_get_patch_delete(self, client, org, owner, token):
        risk = risk_services.risk_create(organization=org, actor=owner, title="Data loss")
        a813, pr = node("A.8.13"), node("PR.DS-11", CSF)
        r = post(
            client,
            f"{BASE}/controls/",
            {
                "name": "Backups",
                "description": "Nightly",
                "status": "implemented",
                "requirement_ids": [a813.pk, pr.pk],
                "risk_ids": [risk.pk],
                "documentation": "Backup policy",
            },
            token,
        )
        assert r.status_code == 201, r.content
        body = r.json()
        assert body["ref"] == "C-001" and body["owner"]["id"] == owner.pk
        assert body["requirement_ids"] == sorted([a813.pk, pr.pk])
        assert body["risk_ids"] == [risk.pk] and body["evidence_ids"] == []
        assert body["health"] == {
            "state": "at_risk",
            "label": "At risk",
            "reasons": ["no evidence"],
        }
        assert r["ETag"] == '"1"'
        url = f"{BASE}/controls/{body['id']}/"
        got = client.get(url, **auth(token))
        assert got.status_code == 200 and got.json() == body and got["ETag"] == '"1"'
        r = patch(client, url, {"status": "planned", "risk_ids": [], "version": 1}, token)
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "planned" and r.json()["risk_ids"] == []
        assert r.json()["requirement_ids"] == sorted([a813.pk, pr.pk])  # omitted: unchanged
        assert r.json()["health"]["reasons"][0] == "implementation planned"
        assert r.json()["version"] == 2 and r["ETag"] == '"2"'
        r = client.delete(url + "?version=2", **auth(token))
        assert r.status_code == 204
        assert not Control.objects.exists()

    def test_versions(self, client, org, owner, token):
        control = make_control(org, owner)
        url = f"{BASE}/controls/{control.pk}/"
        assert_error_shape(patch(client, url, {"name": "x"}, token), 428, "precondition_required")
        r = patch(client, url, {"name": "v2"}, token, HTTP_IF_MATCH='"1"')
        assert r.status_code == 200 and r["ETag"] == '"2"'
        stale = patch(client, url, {"name": "v3"}, token, HTTP_IF_MATCH='"1"')
        assert_error_shape(stale, 412, "precondition_failed")
        assert_error_shape(patch(client, url, {"name": "v3", "version": 1}, token), 409, "conflict")
        delete = client.delete(url, HTTP_IF_MATCH='"1"', **auth(token))
        assert_error_shape(delete, 412, "precondition_failed")
        assert_error_shape(client.delete(url + "?version=1", **auth(token)), 409, "conflict")
        assert_error_shape(client.delete(url, **auth(token)), 428, "precondition_required")
        assert Control.objects.get(pk=control.pk).name == "v2"

    def test_delete_refused_with_runs(self, client, org, owner, token):
        control = make_control(org, owner)
        services.run_record(test=make_test(control, owner), actor=owner, result="pass")
        r = client.delete(f"{BASE}/controls/{control.pk}/?version=1", **auth(token))
        assert_error_shape(r, 422, "validation_error")
        assert "test results on record" in r.json()["error"]["message"]

    def test_links_of_another_organisation_are_422_naming_the_field(
        self, client, org, other_org, outsider, token
    ):
        foreign_risk = risk_services.risk_create(organization=other_org, actor=outsider, title="X")
        foreign_req = private_requirement(other_org)
        r = post(client, f"{BASE}/controls/", {"name": "A", "risk_ids": [foreign_risk.pk]}, token)
        assert_error_shape(r, 422, "validation_error")
        assert r.json()["error"]["details"][0]["loc"] == ["body", "risk_ids"]
        r = post(
            client, f"{BASE}/controls/", {"name": "A", "requirement_ids": [foreign_req.pk]}, token
        )
        assert_error_shape(r, 422, "validation_error")
        assert r.json()["error"]["details"][0]["loc"] == ["body", "requirement_ids"]
        r = post(client, f"{BASE}/controls/", {"name": "A", "owner": outsider.pk}, token)
        assert r.json()["error"]["details"][0]["loc"] == ["body", "owner"]
        r = post(client, f"{BASE}/controls/", {"name": "A", "colour": "red"}, token)
        assert_error_shape(r, 422, "validation_error")
        assert not Control.objects.exists()

    def test_another_organisations_control_is_404(self, client, org, other_org, outsider, token):
        theirs = make_control(other_org, outsider)
        test = make_test(theirs, outsider)
        for url in (
            f"{BASE}/controls/{theirs.pk}/",
            f"{BASE}/controls/{theirs.pk}/tests/",
            f"{BASE}/control-tests/{test.pk}/",
            f"{BASE}/control-tests/{test.pk}/runs/",
        ):
            assert_error_shape(client.get(url, **auth(token)), 404, "not_found")
        r = patch(client, f"{BASE}/controls/{theirs.pk}/", {"name": "x", "version": 1}, token)
        assert_error_shape(r, 404, "not_found")
        r = post(client, f"{BASE}/control-tests/{test.pk}/runs/", {"result": "pass"}, token)
        assert_error_shape(r, 404, "not_found")
        # and the other organisation's slug
        r = client.get("/api/v1/orgs/globex/controls/", **auth(token))
        assert_error_shape(r, 404, "not_found")

    def test_list_filters(self, client, org, owner, member, token):
        colleague = member(org, "manager")
        good = make_control(org, owner, name="Backups", status="implemented")
        make_evidence(org, valid_until=TODAY + 100 * DAY, controls=[good])
        planned = make_control(
            org,
            owner,
            name="Access",
            status="planned",
            owner=colleague,
            requirements=[node("A.5.15")],
        )
        bad = make_control(org, owner, name="Logs", status="implemented")
        services.run_record(test=make_test(bad, owner), actor=owner, result="fail", notes="No")

        def refs(query=""):
            r = client.get(f"{BASE}/controls/{query}", **auth(token))
            assert r.status_code == 200, r.content
            return [c["ref"] for c in r.json()["items"]]

        assert refs() == [good.ref, planned.ref, bad.ref]
        assert refs("?status=planned") == [planned.ref]
        assert refs(f"?owner={colleague.pk}") == [planned.ref]
        assert refs("?health=healthy") == [good.ref]
        assert refs("?health=failing") == [bad.ref]
        assert refs("?requirement=A.5.15") == [planned.ref]
        assert refs(f"?requirement={node('A.5.15').pk}") == [planned.ref]
        assert refs("?q=log") == [bad.ref]
        assert refs("?sort=-name") == [bad.ref, good.ref, planned.ref]
        r = client.get(f"{BASE}/controls/?health=bogus", **auth(token))
        assert_error_shape(r, 422, "validation_error")
        items = client.get(f"{BASE}/controls/?health=failing", **auth(token)).json()["items"]
        assert items[0]["health"]["state"] == "failing"
        assert items[0]["health"]["reasons"] == [
            f"test “Restore test” failed on {TODAY}",
            "no evidence",
        ]

    @pytest.mark.parametrize("query", ["", "?health=at_risk"])
    def test_list_query_count_does_not_grow(self, client, org, owner, token, query):
        risk = risk_services.risk_create(organization=org, actor=owner, title="R")

        def fill(n):
            for i in range(n):
                control = make_control(
                    org, owner, name=f"C{i}", requirements=[node("A.8.13")], risks=[risk]
                )
                make_evidence(org, ref=f"E-{control.pk}", controls=[control])
                make_test(control, owner)

        def count():
            with CaptureQueriesContext(connection) as ctx:
                r = client.get(f"{BASE}/controls/{query}", **auth(token))
            assert r.status_code == 200
            return len(ctx.captured_queries), len(r.json()["items"])

        fill(3)
        count()  # the token's use is recorded at most once per interval: not in the counts
        small, n = count()
        assert n == 3
        fill(27)
        assert count() == (small, 30)

    def test_contributor_changes_only_own(self, client, org, owner, member):
        contributor = member(org, "contributor")
        secret = account_services.token_create(organization=org, actor=contributor, name="c").secret
        theirs = make_control(org, owner)
        r = patch(client, f"{BASE}/controls/{theirs.pk}/", {"name": "x", "version": 1}, secret)
        assert_error_shape(r, 403, "permission_denied")
        r = post(client, f"{BASE}/controls/", {"name": "Mine"}, secret)
        assert r.status_code == 201 and r.json()["owner"]["id"] == contributor.pk


class TestTestsAndRuns:
    def test_test_crud(self, client, org, owner, token):
        control = make_control(org, owner)
        r = post(
            client,
            f"{BASE}/controls/{control.pk}/tests/",
            {
                "name": "Restore",
                "procedure": "Restore a file",
                "method": "reperformance",
                "frequency_days": 30,
            },
            token,
        )
        assert r.status_code == 201, r.content
        body = r.json()
        assert body["control_id"] == control.pk and body["owner"]["id"] == owner.pk
        assert body["last_run_on"] is None and body["last_result"] is None
        assert body["next_due"] == str(TODAY)
        url = f"{BASE}/control-tests/{body['id']}/"
        listed = client.get(f"{BASE}/controls/{control.pk}/tests/", **auth(token)).json()
        assert [t["id"] for t in listed["items"]] == [body["id"]]
        assert client.get(url, **auth(token)).json() == body
        r = patch(client, url, {"frequency_days": 60}, token, HTTP_IF_MATCH='"1"')
        assert r.status_code == 200 and r.json()["frequency_days"] == 60
        stale = patch(client, url, {"frequency_days": 7}, token, HTTP_IF_MATCH='"1"')
        assert_error_shape(stale, 412, "precondition_failed")
        assert_error_shape(client.delete(url + "?version=1", **auth(token)), 409, "conflict")
        assert client.delete(url + "?version=2", **auth(token)).status_code == 204
        assert not ControlTest.objects.exists()

    def test_runs_are_recorded_and_listed(self, client, org, owner, token):
        control = make_control(org, owner)
        test = make_test(control, owner, frequency_days=30)
        evidence = make_evidence(org, controls=[control])
        url = f"{BASE}/control-tests/{test.pk}/runs/"
        r = post(
            client,
            url,
            {
                "result": "partial",
                "performed_on": str(TODAY - 3 * DAY),
                "notes": "Slow",
                "evidence_ids": [evidence.pk],
            },
            token,
        )
        assert r.status_code == 201, r.content
        run = r.json()
        assert run["test_id"] == test.pk and run["evidence_ids"] == [evidence.pk]
        assert run["performed_by"]["id"] == owner.pk and run["nonconformity_ref"] == ""
        r = post(client, url, {"result": "pass"}, token)
        assert r.status_code == 201 and r.json()["performed_on"] == str(TODAY)
        listed = client.get(url, **auth(token)).json()
        assert [x["result"] for x in listed["items"]] == ["pass", "partial"]
        t = client.get(f"{BASE}/control-tests/{test.pk}/", **auth(token)).json()
        assert t["last_result"] == "pass" and t["last_run_on"] == str(TODAY)
        assert t["next_due"] == str(TODAY + 30 * DAY)
        # runs are never edited: no PATCH or DELETE route
        assert (
            client.patch(url, {}, content_type="application/json", **auth(token)).status_code == 405
        )

    def test_run_refusals(self, client, org, other_org, owner, token):
        test = make_test(make_control(org, owner), owner)
        url = f"{BASE}/control-tests/{test.pk}/runs/"
        r = post(client, url, {"result": "fail"}, token)
        assert_error_shape(r, 422, "validation_error")
        assert r.json()["error"]["details"][0]["loc"] == ["body", "notes"]
        r = post(client, url, {"result": "pass", "performed_on": str(TODAY + DAY)}, token)
        assert r.json()["error"]["details"][0]["loc"] == ["body", "performed_on"]
        foreign = make_evidence(other_org, ref="E-9")
        r = post(client, url, {"result": "pass", "evidence_ids": [foreign.pk]}, token)
        assert r.json()["error"]["details"][0]["loc"] == ["body", "evidence_ids"]
        r = post(client, url, {"result": "maybe"}, token)
        assert_error_shape(r, 422, "validation_error")
        assert not ControlTestRun.objects.exists()


class TestCoverage:
    def test_csf_requirement_covered_through_the_shipped_mapping(self, client, org, owner, token):
        csf = Framework.objects.get(urn=CSF)
        url = f"{BASE}/controls/coverage/?framework={csf.pk}"

        def row(body, ref_id):
            return next(r for r in body["rows"] if r["ref_id"] == ref_id)

        before = client.get(url, **auth(token)).json()
        assert row(before, "PR.DS-11")["state"] == "none"
        assert before["counts"]["covered"] == 0 and before["counts"]["total"] > 100
        control = make_control(org, owner, status="implemented", requirements=[node("A.8.13")])
        r = client.get(url, **auth(token))
        assert r.status_code == 200
        body = r.json()
        assert body["framework_id"] == csf.pk
        pr = row(body, "PR.DS-11")
        assert pr["state"] == "mapped" and pr["implemented"] is True and pr["controls"] == []
        via = pr["via"][0]
        assert via["ref_id"] == "A.8.13" and via["requirement_id"] == node("A.8.13").pk
        assert via["controls"] == [
            {"id": control.pk, "ref": control.ref, "name": control.name, "status": "implemented"}
        ]
        assert "NIST CSF 2.0" in via["mapping_set"]
        assert body["counts"]["mapped"] == body["counts"]["covered"] >= 1
        assert body["counts"]["direct"] == 0

    def test_default_is_iso_and_direct_coverage(self, client, org, owner, token):
        make_control(org, owner, status="planned", requirements=[node("A.5.1")])
        body = client.get(f"{BASE}/controls/coverage/", **auth(token)).json()
        assert body["framework"].startswith("ISO/IEC 27001:2022")
        a51 = next(r for r in body["rows"] if r["ref_id"] == "A.5.1")
        assert a51["state"] == "direct" and a51["implemented"] is False
        assert body["counts"]["direct"] == 1 and body["counts"]["implemented"] == 0

    def test_foreign_framework_is_404(self, client, org, other_org, token):
        foreign = private_requirement(other_org).framework
        r = client.get(f"{BASE}/controls/coverage/?framework={foreign.pk}", **auth(token))
        assert_error_shape(r, 404, "not_found")
