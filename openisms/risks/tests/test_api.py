from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openisms.accounts import services as account_services
from openisms.accounts.tests.test_api import assert_error_shape, auth
from openisms.assets import services as asset_services
from openisms.catalog.models import Framework, Library, RequirementNode
from openisms.core.models import AuditEvent
from openisms.risks import methodology, services
from openisms.risks.models import AssessmentResult, Risk, RiskAcceptance, Threat, TreatmentAction

BASE = "/api/v1/orgs/acme"
ISO22 = "urn:openisms:framework:iso27001-2022"


@pytest.fixture
def token(org, owner):
    return account_services.token_create(organization=org, actor=owner, name="tests").secret


@pytest.fixture
def method(org, owner):
    return services.methodology_from_preset(organization=org, actor=owner, preset="4x4")


@pytest.fixture
def outsider(other_org, member):
    return member(other_org, "owner", email="boss@globex.test")


def token_for(org, user):
    return account_services.token_create(organization=org, actor=user, name="t").secret


def post(client, url, body, secret, **extra):
    return client.post(url, body, content_type="application/json", **extra, **auth(secret))


def patch(client, url, body, secret, **extra):
    return client.patch(url, body, content_type="application/json", **extra, **auth(secret))


def new_risk(org, actor, **data):
    return services.risk_create(organization=org, actor=actor, title=data.pop("title", "R"), **data)


class TestMethodology:
    def test_none_yet_is_404_with_the_error_body(self, client, org, token):
        assert_error_shape(client.get(f"{BASE}/risk-methodology/", **auth(token)), 404, "not_found")
        r = client.get(f"{BASE}/risks/heatmap/", **auth(token))
        assert_error_shape(r, 404, "not_found")

    def test_preset_then_definition_make_versions(self, client, org, token):
        r = post(client, f"{BASE}/risk-methodology/", {"preset": "4x4"}, token)
        assert r.status_code == 201, r.content
        assert r.json()["number"] == 1 and len(r.json()["definition"]["matrix"]) == 4
        d = copy.deepcopy(r.json()["definition"])
        d["threshold"] = "low"
        r = post(client, f"{BASE}/risk-methodology/", {"definition": d}, token)
        assert r.status_code == 201, r.content
        current = client.get(f"{BASE}/risk-methodology/", **auth(token)).json()
        assert current["number"] == 2 and current["definition"]["threshold"] == "low"
        versions = client.get(f"{BASE}/risk-methodology/versions/", **auth(token)).json()
        assert [v["number"] for v in versions["items"]] == [2, 1]

    def test_invalid_definition_names_the_cell(self, client, org, token):
        d = copy.deepcopy(methodology.presets()["4x4"]["definition"])
        d["matrix"][1][2] = ""
        r = post(client, f"{BASE}/risk-methodology/", {"definition": d}, token)
        assert_error_shape(r, 422, "validation_error")
        detail = r.json()["error"]["details"][0]
        assert detail["loc"] == ["body", "definition"]
        l1, c2 = d["likelihood"][1]["label"], d["consequence"][2]["label"]
        assert f"likelihood “{l1}” × consequence “{c2}” is empty" in detail["message"]

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"preset": "4x4", "definition": {}},
            {"preset": "9x9"},
            {"preset": "4x4", "x": 1},
            {"preset": "4x4", "name": "Mine"},
        ],
    )
    def test_bad_requests_are_422(self, client, org, token, body):
        r = post(client, f"{BASE}/risk-methodology/", body, token)
        assert_error_shape(r, 422, "validation_error")

    def test_contributor_cannot_define_it(self, client, org, member):
        secret = token_for(org, member(org, "contributor"))
        r = post(client, f"{BASE}/risk-methodology/", {"preset": "3x3"}, secret)
        assert_error_shape(r, 403, "permission_denied")


class TestCatalogues:
    def test_threats_shipped_and_own(self, client, org, other_org, outsider, token):
        services.threat_create(
            organization=other_org, actor=outsider, name="Theirs", category="physical"
        )
        r = post(client, f"{BASE}/threats/", {"name": "Drone", "category": "physical"}, token)
        assert r.status_code == 201, r.content
        assert r.json()["own"] is True and r.json()["ref"] == "T-001"
        r = client.get(f"{BASE}/threats/?page_size=200", **auth(token)).json()
        names = {t["name"] for t in r["items"]}
        assert "Drone" in names and "Theirs" not in names
        assert r["count"] == Threat.objects.filter(organization__isnull=True).count() + 1
        bad = post(client, f"{BASE}/threats/", {"name": "X", "category": "aliens"}, token)
        assert_error_shape(bad, 422, "validation_error")

    def test_vulnerabilities(self, client, org, other_org, outsider, token):
        services.vulnerability_create(organization=other_org, actor=outsider, name="Theirs")
        r = post(client, f"{BASE}/vulnerabilities/", {"name": "No MFA"}, token)
        assert r.status_code == 201 and r.json()["ref"] == "V-001"
        items = client.get(f"{BASE}/vulnerabilities/", **auth(token)).json()["items"]
        assert [v["name"] for v in items] == ["No MFA"]

    def test_viewer_cannot_add_threats(self, client, org, member):
        secret = token_for(org, member(org, "viewer"))
        r = post(client, f"{BASE}/threats/", {"name": "X", "category": "physical"}, secret)
        assert_error_shape(r, 403, "permission_denied")


class TestRiskCrud:
    def test_create_with_references_and_read_detail(self, client, org, owner, member, token):
        colleague = member(org, "contributor")
        asset = asset_services.asset_create(
            organization=org, actor=owner, name="CRM", type="software"
        )
        threat = Threat.objects.get(ref="TH-01")
        vuln = services.vulnerability_create(organization=org, actor=owner, name="Old TLS")
        r = post(
            client,
            f"{BASE}/risks/",
            {
                "title": "Data leak",
                "owner": colleague.pk,
                "assets": [asset.pk],
                "threat": threat.pk,
                "vulnerability": vuln.pk,
                "affects_confidentiality": True,
                "kind": "asset_based",
            },
            token,
        )
        assert r.status_code == 201, r.content
        body = r.json()
        assert body["ref"] == "R-001" and body["owner"]["id"] == colleague.pk
        assert body["assets"] == [{"id": asset.pk, "ref": asset.ref, "name": "CRM"}]
        assert body["threat_id"] == threat.pk and body["vulnerability_id"] == vuln.pk
        assert body["status"] == "identified" and body["transitions"] == ["analysed", "closed"]
        assert body["current"] == {"likelihood": None, "consequence": None, "level": ""}
        assert r["ETag"] == '"1"'
        detail = client.get(f"{BASE}/risks/{body['id']}/", **auth(token))
        assert detail.status_code == 200 and detail["ETag"] == '"1"'
        assert set(detail.json()) >= {"assets", "requirements", "actions", "acceptances"}

    def test_owner_defaults_to_the_caller(self, client, org, owner, token):
        r = post(client, f"{BASE}/risks/", {"title": "X"}, token)
        assert r.json()["owner"]["id"] == owner.pk

    def test_patch_with_if_match_and_body_version(self, client, org, owner, token):
        risk = new_risk(org, owner)
        url = f"{BASE}/risks/{risk.pk}/"
        r = patch(client, url, {"title": "Renamed", "assets": []}, token, HTTP_IF_MATCH='"1"')
        assert r.status_code == 200, r.content
        assert r.json()["title"] == "Renamed" and r["ETag"] == '"2"'
        assert_error_shape(patch(client, url, {"title": "A", "version": 1}, token), 409, "conflict")
        r = patch(client, url, {"title": "A"}, token, HTTP_IF_MATCH='"1"')
        assert_error_shape(r, 412, "precondition_failed")
        assert_error_shape(patch(client, url, {"title": "A"}, token), 428, "precondition_required")
        risk.refresh_from_db()
        assert risk.title == "Renamed"

    def test_no_delete(self, client, org, owner, token):
        risk = new_risk(org, owner)
        r = client.delete(f"{BASE}/risks/{risk.pk}/?version=1", **auth(token))
        assert r.status_code == 405
        assert Risk.objects.filter(pk=risk.pk).exists()

    def test_list_filters(self, client, org, owner, member, token, method):
        other = member(org, "contributor")
        asset = asset_services.asset_create(organization=org, actor=owner, name="A", type="site")
        a = new_risk(org, owner, title="Alpha", assets=[asset])
        services.risk_assess(risk=a, actor=owner, version=1, current=(4, 4))
        b = new_risk(org, owner, title="Bravo", owner=other)
        services.risk_set_treatment(risk=b, actor=owner, version=1, option="avoid")
        services.action_create(
            risk=b, actor=owner, title="Late", due_date=timezone.localdate() - dt.timedelta(days=1)
        )
        new_risk(org, owner, title="Charlie")

        def refs(query):
            r = client.get(f"{BASE}/risks/{query}", **auth(token))
            assert r.status_code == 200, r.content
            return [i["title"] for i in r.json()["items"]]

        assert refs("") == ["Alpha", "Bravo", "Charlie"]
        assert refs("?q=brav") == ["Bravo"]
        assert refs("?level=critical") == ["Alpha"]
        assert refs(f"?owner={other.pk}") == ["Bravo"]
        assert refs("?status=identified&sort=-title") == ["Charlie", "Bravo", "Alpha"]
        assert refs("?treatment=avoid") == ["Bravo"]
        assert refs(f"?asset={asset.pk}") == ["Alpha"]
        assert refs("?overdue_actions=true") == ["Bravo"]
        assert refs("?grid=current&likelihood=4&consequence=4") == ["Alpha"]
        assert refs("?sort=-level")[0] == "Alpha"
        assert "assets" not in client.get(f"{BASE}/risks/", **auth(token)).json()["items"][0]


class TestMassAssignment:
    @pytest.mark.parametrize(
        "body",
        [
            {"ref": "R-999", "version": 1},
            {"current_level": "low", "version": 1},
            {"status": "closed", "version": 1},
            {"organization": 2, "version": 1},
            {"treatment_option": "avoid", "version": 1},
            {"methodology_version": 1, "version": 1},
        ],
    )
    def test_patch_refuses_read_only_fields(self, client, org, owner, token, body):
        risk = new_risk(org, owner)
        r = patch(client, f"{BASE}/risks/{risk.pk}/", body, token)
        assert_error_shape(r, 422, "validation_error")
        risk.refresh_from_db()
        assert (risk.ref, risk.status, risk.current_level, risk.version) == (
            "R-001",
            "identified",
            "",
            1,
        )

    @pytest.mark.parametrize(
        "extra", [{"current_level": "critical"}, {"organization": 1}, {"status": "accepted"}]
    )
    def test_create_refuses_read_only_fields(self, client, org, token, extra):
        r = post(client, f"{BASE}/risks/", {"title": "X", **extra}, token)
        assert_error_shape(r, 422, "validation_error")
        assert not Risk.objects.filter(organization=org).exists()

    def test_assessment_refuses_levels(self, client, org, owner, token, method):
        risk = new_risk(org, owner)
        r = post(
            client,
            f"{BASE}/risks/{risk.pk}/assessment/",
            {"current": {"likelihood": 1, "consequence": 1, "level": "low"}, "version": 1},
            token,
        )
        assert_error_shape(r, 422, "validation_error")


class TestTenancy:
    def test_foreign_ids_in_the_body_are_422(self, client, org, other_org, owner, outsider, token):
        asset = asset_services.asset_create(
            organization=other_org, actor=outsider, name="Theirs", type="site"
        )
        threat = services.threat_create(
            organization=other_org, actor=outsider, name="Theirs", category="physical"
        )
        vuln = services.vulnerability_create(organization=other_org, actor=outsider, name="V")
        for field, value in (
            ("assets", [asset.pk]),
            ("threat", threat.pk),
            ("vulnerability", vuln.pk),
            ("owner", outsider.pk),
        ):
            r = post(client, f"{BASE}/risks/", {"title": "X", field: value}, token)
            assert_error_shape(r, 422, "validation_error")
            assert r.json()["error"]["details"][0]["loc"] == ["body", field]
        assert not Risk.objects.filter(organization=org).exists()
        mine = new_risk(org, owner)
        r = patch(client, f"{BASE}/risks/{mine.pk}/", {"assets": [asset.pk], "version": 1}, token)
        assert_error_shape(r, 422, "validation_error")
        assert not mine.assets.exists()

    def test_other_organisations_records_are_404(
        self, client, org, other_org, outsider, token, method
    ):
        services.methodology_from_preset(organization=other_org, actor=outsider, preset="4x4")
        theirs = new_risk(other_org, outsider)
        action = services.action_create(risk=theirs, actor=outsider, title="A")
        run = services.run_start(organization=other_org, actor=outsider, name="Q1")
        base = f"{BASE}/risks/{theirs.pk}"
        for r in (
            client.get(f"{base}/", **auth(token)),
            patch(client, f"{base}/", {"title": "X", "version": 1}, token),
            post(
                client,
                f"{base}/assessment/",
                {"current": {"likelihood": 1, "consequence": 1}, "version": 1},
                token,
            ),
            post(client, f"{base}/treatment/", {"option": "avoid", "version": 1}, token),
            post(client, f"{base}/transition/", {"to": "closed", "version": 1}, token),
            post(client, f"{base}/acceptances/", {"justification": "Fine by me, really."}, token),
            client.get(f"{base}/acceptances/", **auth(token)),
            client.get(f"{base}/actions/", **auth(token)),
            post(client, f"{base}/actions/", {"title": "X"}, token),
            patch(client, f"{BASE}/actions/{action.pk}/", {"title": "X", "version": 1}, token),
            client.delete(f"{BASE}/actions/{action.pk}/?version=1", **auth(token)),
            post(client, f"{BASE}/assessment-runs/{run.pk}/complete/", {"version": 1}, token),
        ):
            assert_error_shape(r, 404, "not_found")
        theirs.refresh_from_db()
        assert theirs.version == 1 and TreatmentAction.objects.filter(pk=action.pk).exists()

    def test_requirements_of_a_private_framework_of_another_org_are_422(
        self, client, org, other_org, owner, token
    ):
        library = Library.objects.create(
            organization=other_org,
            urn="urn:x:lib",
            name="L",
            version="1",
            format="openisms",
            content_hash="0",
        )
        framework = Framework.objects.create(
            library=library,
            organization=other_org,
            urn="urn:x:fw",
            ref_id="X",
            name="X",
            version="1",
        )
        node = RequirementNode.objects.create(
            framework=framework, urn="urn:x:fw:1", ref_id="X.1", kind="requirement", order=1
        )
        risk = new_risk(org, owner)
        r = post(
            client,
            f"{BASE}/risks/{risk.pk}/treatment/",
            {"option": "modify", "requirement_ids": [node.pk], "version": 1},
            token,
        )
        assert_error_shape(r, 422, "validation_error")
        assert r.json()["error"]["details"][0]["loc"] == ["body", "requirement_ids"]
        risk.refresh_from_db()
        assert risk.version == 1 and not risk.annex_a_controls.exists()


class TestAssessmentAndTreatment:
    def test_assess_treat_and_walk_the_lifecycle(self, client, org, owner, token, method):
        risk = new_risk(org, owner)
        base = f"{BASE}/risks/{risk.pk}"
        r = post(
            client,
            f"{base}/assessment/",
            {
                "inherent": {"likelihood": 4, "consequence": 4},
                "current": {"likelihood": 3, "consequence": 3},
                "target": {"likelihood": 1, "consequence": 2},
                "version": 1,
            },
            token,
        )
        assert r.status_code == 200, r.content
        body = r.json()
        assert body["inherent"]["level"] == "critical" and body["current"]["level"] == "high"
        assert body["target"] == {"likelihood": 1, "consequence": 2, "level": "low"}
        assert body["methodology_version_id"] == method.pk and r["ETag"] == '"2"'

        nodes = list(
            RequirementNode.objects.filter(framework__urn=ISO22, ref_id__in=["A.5.1", "A.8.24"])
        )
        r = post(
            client,
            f"{base}/treatment/",
            {
                "option": "modify",
                "description": "Encrypt",
                "requirement_ids": [n.pk for n in nodes],
            },
            token,
            HTTP_IF_MATCH='"2"',
        )
        assert r.status_code == 200, r.content
        assert {q["ref_id"] for q in r.json()["requirements"]} == {"A.5.1", "A.8.24"}
        assert r.json()["requirements"][0]["framework"] == ISO22
        assert r.json()["treatment_option"] == "modify"

        for to, version in (("analysed", 3), ("treatment_planned", 4), ("treated", 5)):
            r = post(client, f"{base}/transition/", {"to": to, "version": version}, token)
            assert r.status_code == 200, r.content
            assert r.json()["status"] == to
        actions = set(
            AuditEvent.objects.filter(organization=org, object_id=str(risk.pk)).values_list(
                "action", flat=True
            )
        )
        assert {"risk.assess", "risk.treatment", "risk.transition"} <= actions

    def test_off_scale_and_versions(self, client, org, owner, token, method):
        risk = new_risk(org, owner)
        url = f"{BASE}/risks/{risk.pk}/assessment/"
        bad = post(
            client, url, {"current": {"likelihood": 9, "consequence": 1}, "version": 1}, token
        )
        assert_error_shape(bad, 422, "validation_error")
        assert bad.json()["error"]["details"][0]["loc"] == ["body", "current_likelihood"]
        pair = {"current": {"likelihood": 1, "consequence": 1}}
        assert_error_shape(post(client, url, pair, token), 428, "precondition_required")
        assert_error_shape(post(client, url, {**pair, "version": 7}, token), 409, "conflict")
        r = post(client, url, pair, token, HTTP_IF_MATCH='"7"')
        assert_error_shape(r, 412, "precondition_failed")
        r = post(client, f"{BASE}/risks/{risk.pk}/treatment/", {"option": "avoid"}, token)
        assert_error_shape(r, 428, "precondition_required")

    def test_assessment_without_methodology_is_422(self, client, org, owner, token):
        risk = new_risk(org, owner)
        r = post(
            client,
            f"{BASE}/risks/{risk.pk}/assessment/",
            {"current": {"likelihood": 1, "consequence": 1}, "version": 1},
            token,
        )
        assert_error_shape(r, 422, "validation_error")

    def test_invalid_transition_is_422_and_stale_409(self, client, org, owner, token, method):
        risk = new_risk(org, owner)
        url = f"{BASE}/risks/{risk.pk}/transition/"
        r = post(client, url, {"to": "treated", "version": 1}, token)
        assert_error_shape(r, 422, "validation_error")
        r = post(client, url, {"to": "analysed", "version": 1}, token)  # not assessed yet
        assert_error_shape(r, 422, "validation_error")
        r = post(client, url, {"to": "nowhere", "version": 1}, token)
        assert_error_shape(r, 422, "validation_error")
        assert_error_shape(
            post(client, url, {"to": "closed", "version": 2}, token), 409, "conflict"
        )
        assert post(client, url, {"to": "closed", "version": 1}, token).status_code == 200

    def test_only_owner_or_manager_moves_a_risk(self, client, org, owner, member, method):
        contributor = member(org, "contributor")
        secret = token_for(org, contributor)
        theirs = new_risk(org, owner)
        r = post(
            client, f"{BASE}/risks/{theirs.pk}/transition/", {"to": "closed", "version": 1}, secret
        )
        assert_error_shape(r, 403, "permission_denied")
        mine = new_risk(org, contributor)
        r = post(
            client, f"{BASE}/risks/{mine.pk}/transition/", {"to": "closed", "version": 1}, secret
        )
        assert r.status_code == 200, r.content
        r = patch(client, f"{BASE}/risks/{theirs.pk}/", {"title": "X", "version": 1}, secret)
        assert_error_shape(r, 403, "permission_denied")

    def test_viewer_cannot_create_or_assess(self, client, org, owner, member, method):
        secret = token_for(org, member(org, "viewer"))
        assert client.get(f"{BASE}/risks/", **auth(secret)).status_code == 200
        assert_error_shape(
            post(client, f"{BASE}/risks/", {"title": "X"}, secret), 403, "permission_denied"
        )
        risk = new_risk(org, owner)
        r = post(
            client,
            f"{BASE}/risks/{risk.pk}/assessment/",
            {"current": {"likelihood": 1, "consequence": 1}, "version": 1},
            secret,
        )
        assert_error_shape(r, 403, "permission_denied")


class TestAcceptance:
    @pytest.fixture
    def assessed(self, org, owner, method):
        risk = new_risk(org, owner)
        services.risk_assess(risk=risk, actor=owner, version=1, current=(1, 1))  # low
        services.risk_transition(risk=risk, actor=owner, to="analysed", version=2)
        return risk  # version 3

    def test_accept_then_transition(self, client, org, owner, token, assessed):
        base = f"{BASE}/risks/{assessed.pk}"
        until = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
        r = post(
            client,
            f"{base}/acceptances/",
            {"justification": "Low impact, cheap to recover.", "valid_until": until},
            token,
        )
        assert r.status_code == 201, r.content
        assert r.json()["level"] == "low" and r.json()["valid_until"] == until
        assert r.json()["accepted_by"]["id"] == owner.pk
        listed = client.get(f"{base}/acceptances/", **auth(token)).json()
        assert listed["count"] == 1 and listed["items"][0]["id"] == r.json()["id"]
        r = post(client, f"{base}/transition/", {"to": "accepted", "version": 3}, token)
        assert r.status_code == 200 and r.json()["status"] == "accepted"
        assert len(r.json()["acceptances"]) == 1

    def test_refusals(self, client, org, owner, member, token, assessed):
        url = f"{BASE}/risks/{assessed.pk}/acceptances/"
        assert_error_shape(
            post(client, url, {"justification": "ok"}, token), 422, "validation_error"
        )
        past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
        r = post(client, url, {"justification": "Fine for a while.", "valid_until": past}, token)
        assert_error_shape(r, 422, "validation_error")
        r = post(client, url, {"justification": "Fine for a while.", "level": "low"}, token)
        assert_error_shape(r, 422, "validation_error")
        viewer = token_for(org, member(org, "viewer"))
        r = post(client, url, {"justification": "Fine for a while."}, viewer)
        assert_error_shape(r, 403, "permission_denied")
        assert not RiskAcceptance.objects.exists()


class TestActions:
    def test_add_list_change_delete(self, client, org, owner, member, token, method):
        doer = member(org, "contributor")
        risk = new_risk(org, owner)
        due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
        r = post(
            client,
            f"{BASE}/risks/{risk.pk}/actions/",
            {"title": "Enable MFA", "owner": doer.pk, "due_date": due},
            token,
        )
        assert r.status_code == 201, r.content
        action = r.json()
        assert action["risk"]["ref"] == risk.ref and action["owner"]["id"] == doer.pk
        assert action["status"] == "open" and action["overdue"] is False
        items = client.get(f"{BASE}/risks/{risk.pk}/actions/", **auth(token)).json()["items"]
        assert [a["id"] for a in items] == [action["id"]]

        url = f"{BASE}/actions/{action['id']}/"
        r = patch(
            client,
            url,
            {"status": "in_progress", "progress_note": "Half done"},
            token,
            HTTP_IF_MATCH='"1"',
        )
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "in_progress" and r["ETag"] == '"2"'
        assert_error_shape(
            patch(client, url, {"status": "done"}, token), 428, "precondition_required"
        )
        assert_error_shape(
            patch(client, url, {"status": "done", "version": 1}, token), 409, "conflict"
        )
        assert_error_shape(
            patch(client, url, {"status": "bogus", "version": 2}, token), 422, "validation_error"
        )
        assert_error_shape(
            patch(client, url, {"risk": 1, "version": 2}, token), 422, "validation_error"
        )

        assert_error_shape(client.delete(url, **auth(token)), 428, "precondition_required")
        assert_error_shape(client.delete(f"{url}?version=1", **auth(token)), 409, "conflict")
        r = client.delete(url, HTTP_IF_MATCH='"1"', **auth(token))
        assert_error_shape(r, 412, "precondition_failed")
        assert client.delete(f"{url}?version=2", **auth(token)).status_code == 204
        assert not TreatmentAction.objects.filter(pk=action["id"]).exists()

    def test_action_owner_must_be_a_member(self, client, org, owner, outsider, token, method):
        risk = new_risk(org, owner)
        r = post(
            client, f"{BASE}/risks/{risk.pk}/actions/", {"title": "X", "owner": outsider.pk}, token
        )
        assert_error_shape(r, 422, "validation_error")
        assert r.json()["error"]["details"][0]["loc"] == ["body", "owner"]

    def test_treatment_plan_overdue_first(self, client, org, owner, token, method):
        risk = new_risk(org, owner)
        today = timezone.localdate()
        later = services.action_create(
            risk=risk, actor=owner, title="Later", due_date=today + dt.timedelta(days=10)
        )
        late = services.action_create(
            risk=risk, actor=owner, title="Late", due_date=today + dt.timedelta(days=-3)
        )
        done = services.action_create(
            risk=risk, actor=owner, title="Done", due_date=today - dt.timedelta(days=30)
        )
        services.action_update(action=done, actor=owner, version=1, status="done")
        items = client.get(f"{BASE}/treatment-plan/", **auth(token)).json()["items"]
        assert [a["id"] for a in items] == [late.pk, later.pk, done.pk]
        assert [a["overdue"] for a in items] == [True, False, False]


class TestHeatMap:
    def test_counts_per_cell(self, client, org, owner, token, method):
        for pair in ((4, 4), (4, 4), (1, 2)):
            risk = new_risk(org, owner)
            services.risk_assess(risk=risk, actor=owner, version=1, current=pair, inherent=(4, 4))
        closed = new_risk(org, owner)
        services.risk_assess(risk=closed, actor=owner, version=1, current=(4, 4))
        services.risk_transition(risk=closed, actor=owner, to="closed", version=2)
        new_risk(org, owner)  # not assessed

        r = client.get(f"{BASE}/risks/heatmap/", **auth(token))
        assert r.status_code == 200, r.content
        body = r.json()
        assert body["grid"] == "current" and body["total"] == 3 and body["other_versions"] == 0
        assert len(body["cells"]) == 16
        assert body["cells"][0]["likelihood"] == 4  # highest likelihood first
        counts = {(c["likelihood"], c["consequence"]): c["count"] for c in body["cells"]}
        assert counts[(4, 4)] == 2 and counts[(1, 2)] == 1 and sum(counts.values()) == 3
        cell = next(c for c in body["cells"] if (c["likelihood"], c["consequence"]) == (4, 4))
        assert cell["level"] == "critical"
        assert [lv["key"] for lv in body["levels"]] == ["low", "medium", "high", "critical"]

        inherent = client.get(f"{BASE}/risks/heatmap/?grid=inherent", **auth(token)).json()
        assert inherent["total"] == 3
        assert {(c["likelihood"], c["consequence"]) for c in inherent["cells"] if c["count"]} == {
            (4, 4)
        }
        assert_error_shape(
            client.get(f"{BASE}/risks/heatmap/?grid=bogus", **auth(token)), 422, "validation_error"
        )

    def test_risks_on_older_scales_are_counted_apart(self, client, org, owner, token, method):
        risk = new_risk(org, owner)
        services.risk_assess(risk=risk, actor=owner, version=1, current=(4, 4))
        services.methodology_from_preset(organization=org, actor=owner, preset="3x3")
        body = client.get(f"{BASE}/risks/heatmap/", **auth(token)).json()
        assert (body["total"], body["other_versions"], len(body["cells"])) == (0, 1, 9)


class TestAssessmentRuns:
    def test_start_complete_compare(self, client, org, owner, token, method):
        a = new_risk(org, owner, title="Stays")
        services.risk_assess(risk=a, actor=owner, version=1, current=(1, 1))
        gone = new_risk(org, owner, title="Goes")
        r = post(client, f"{BASE}/assessment-runs/", {"name": "2025", "scope": "All"}, token)
        assert r.status_code == 201, r.content
        first = r.json()
        assert first["status"] == "in_progress" and first["methodology_version"] == 1
        r = post(client, f"{BASE}/assessment-runs/{first['id']}/complete/", {"version": 1}, token)
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "completed" and r.json()["results"] == 2
        again = post(
            client, f"{BASE}/assessment-runs/{first['id']}/complete/", {"version": 2}, token
        )
        assert_error_shape(again, 422, "validation_error")

        services.risk_assess(risk=a, actor=owner, version=2, current=(4, 4))
        services.risk_transition(risk=gone, actor=owner, to="closed", version=1)
        added = new_risk(org, owner, title="New")
        second = post(client, f"{BASE}/assessment-runs/", {"name": "2026"}, token).json()
        url = f"{BASE}/assessment-runs/{second['id']}/complete/"
        assert_error_shape(post(client, url, {}, token), 428, "precondition_required")
        assert_error_shape(post(client, url, {"version": 3}, token), 409, "conflict")
        assert_error_shape(
            post(client, url, {}, token, HTTP_IF_MATCH='"3"'), 412, "precondition_failed"
        )
        assert post(client, url, {}, token, HTTP_IF_MATCH='"1"').status_code == 200

        listed = client.get(f"{BASE}/assessment-runs/", **auth(token)).json()
        assert [x["name"] for x in listed["items"]] == ["2026", "2025"]
        r = client.get(
            f"{BASE}/assessment-runs/compare/?before={first['id']}&after={second['id']}",
            **auth(token),
        )
        assert r.status_code == 200, r.content
        body = r.json()
        assert [x["ref"] for x in body["new"]] == [added.ref]
        assert [x["ref"] for x in body["closed"]] == [gone.ref]
        assert [
            (c["before"]["current_level"], c["after"]["current_level"]) for c in body["changed"]
        ] == [("low", "critical")]
        assert AssessmentResult.objects.filter(run_id=second["id"]).count() == 2

    def test_compare_with_another_organisations_run_is_404(
        self, client, org, other_org, owner, outsider, token, method
    ):
        services.methodology_from_preset(organization=other_org, actor=outsider, preset="3x3")
        theirs = services.run_start(organization=other_org, actor=outsider, name="Theirs")
        mine = services.run_start(organization=org, actor=owner, name="Mine")
        r = client.get(
            f"{BASE}/assessment-runs/compare/?before={theirs.pk}&after={mine.pk}", **auth(token)
        )
        assert_error_shape(r, 404, "not_found")

    def test_contributor_cannot_run_assessments(self, client, org, member, method):
        secret = token_for(org, member(org, "contributor"))
        r = post(client, f"{BASE}/assessment-runs/", {"name": "X"}, secret)
        assert_error_shape(r, 403, "permission_denied")


@pytest.mark.parametrize("path", ["/risks/", "/treatment-plan/", "/assessment-runs/"])
def test_list_query_count_does_not_grow_with_rows(client, org, owner, member, token, method, path):
    colleague = member(org, "contributor")

    def add(n):
        for _ in range(n):
            risk = new_risk(org, owner, owner=colleague)
            services.risk_assess(risk=risk, actor=owner, version=1, current=(2, 2))
            services.action_create(risk=risk, actor=owner, title="A", owner=colleague)
            services.run_start(organization=org, actor=owner, name="Run")

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"{BASE}{path}", **auth(token))
            assert r.status_code == 200, r.content
        return len(ctx.captured_queries), r.json()["count"]

    client.get(f"{BASE}{path}", **auth(token))  # the token's first use is audited
    add(3)
    few, n = count_queries()
    assert n == 3
    add(27)
    many, n = count_queries()
    assert n == 30 and many == few


def test_api_assess_per_cia_takes_the_highest_and_shows_it(client, org, owner, token, method):
    risk = new_risk(org, owner)
    url = f"{BASE}/risks/{risk.pk}/assessment/"
    r = post(
        client,
        url,
        {
            "inherent": {"likelihood": 4, "consequence_by_cia": {"c": 2, "i": 4, "a": 1}},
            "current": {"likelihood": 3, "consequence": 3},
            "version": 1,
        },
        token,
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["inherent"] == {"likelihood": 4, "consequence": 4, "level": "critical"}
    assert body["consequence_by_cia"] == {"inherent": {"c": 2, "i": 4, "a": 1}}
    got = client.get(f"{BASE}/risks/{risk.pk}/", **auth(token)).json()
    assert got["consequence_by_cia"] == {"inherent": {"c": 2, "i": 4, "a": 1}}
    # Off scale: refused naming the field.
    bad = post(
        client,
        url,
        {"current": {"likelihood": 1, "consequence_by_cia": {"a": 9}}, "version": 2},
        token,
    )
    assert_error_shape(bad, 422, "validation_error")
    assert bad.json()["error"]["details"][0]["loc"] == ["body", "current_consequence"]
    # Both or neither of consequence / consequence_by_cia, and unknown keys, are refused.
    for pair in (
        {"likelihood": 1},
        {"likelihood": 1, "consequence": 1, "consequence_by_cia": {"c": 1}},
        {"likelihood": 1, "consequence_by_cia": {"x": 1}},
        {"likelihood": 1, "consequence_by_cia": {}},
    ):
        r = post(client, url, {"current": pair, "version": 2}, token)
        assert_error_shape(r, 422, "validation_error")
    assert Risk.objects.get(pk=risk.pk).version == 2


def test_api_assess_per_cia_single_rule_refuses(client, org, owner, token, method):
    d = copy.deepcopy(method.definition)
    d["cia_rule"] = "single"
    services.methodology_set(organization=org, actor=owner, definition=d)
    risk = new_risk(org, owner)
    r = post(
        client,
        f"{BASE}/risks/{risk.pk}/assessment/",
        {"target": {"likelihood": 1, "consequence_by_cia": {"c": 1}}, "version": 1},
        token,
    )
    assert_error_shape(r, 422, "validation_error")
    detail = r.json()["error"]["details"][0]
    assert detail["loc"] == ["body", "target_consequence"]
    assert "judges one consequence" in str(detail)
