from __future__ import annotations

import copy

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openisms.risks import methodology, selectors, services
from openisms.risks.method_nav import register_nav
from openisms.risks.models import AssessmentRun, MethodologyVersion

BASE = "/o/acme/risk-method/"


@pytest.fixture(autouse=True)
def _nav():
    register_nav()


@pytest.fixture
def viewer(org, member):
    return member(org, "viewer", email="viewer@acme.test")


@pytest.fixture
def method(org, owner):
    return services.methodology_from_preset(organization=org, actor=owner, preset="4x4")


def edit_post(client, definition_text, based_on):
    return client.post(BASE + "edit/", {"definition": definition_text, "based_on": based_on})


class TestMethodologyPage:
    def test_empty_state_offers_presets_to_managers(self, client, org, owner):
        client.force_login(owner)
        html = client.get(BASE).content.decode()
        assert 'id="no-method"' in html
        for preset in methodology.presets().values():
            assert preset["name"] in html and preset["description"] in html
        assert f'href="{BASE}edit/"' in html

    def test_preset_choice_creates_version_1(self, client, org, owner):
        client.force_login(owner)
        r = client.post(BASE + "preset/", {"preset": "5x5"}, follow=True)
        assert r.redirect_chain[-1][0] == BASE
        html = r.content.decode()
        assert "Version 1 saved." in html
        current = selectors.methodology_current(organization=org)
        assert current.number == 1 and len(current.definition["matrix"]) == 5
        assert "Almost certain" in html  # likelihood scale with criteria
        assert "Monthly or more often" in html
        assert 'class="level level-critical"' in html and 'id="matrix"' in html
        assert owner.email in html or owner.get_full_name() in html  # history: who

    def test_unknown_preset_is_422(self, client, org, owner):
        client.force_login(owner)
        r = client.post(BASE + "preset/", {"preset": "9x9"})
        assert r.status_code == 422
        assert not MethodologyVersion.objects.filter(organization=org).exists()

    def test_matrix_rows_highest_likelihood_first_and_threshold(self, client, org, method, viewer):
        client.force_login(viewer)
        r = client.get(BASE)
        rows = r.context["method"]["rows"]
        assert rows[0]["likelihood"]["label"] == "Very likely"
        assert [c["key"] for c in rows[0]["cells"]] == ["medium", "high", "critical", "critical"]
        assert r.context["method"]["threshold"]["name"] == "Medium"
        html = r.content.decode()
        assert "365 days" in html and "an owner of the organisation" in html

    def test_viewer_sees_no_buttons_and_gets_403_on_posts(self, client, org, method, viewer):
        client.force_login(viewer)
        html = client.get(BASE).content.decode()
        assert "Start from a preset" not in html and f"{BASE}edit/" not in html
        assert client.post(BASE + "preset/", {"preset": "3x3"}).status_code == 403
        assert client.get(BASE + "edit/").status_code == 403
        text = yaml.safe_dump(method.definition, sort_keys=False)
        assert edit_post(client, text, 1).status_code == 403
        assert MethodologyVersion.objects.filter(organization=org).count() == 1

    def test_navigation_entry(self, client, org, viewer):
        client.force_login(viewer)
        assert f'href="{BASE}"' in client.get("/o/acme/").content.decode()

    def test_custom_level_keys_get_a_tone(self, client, org, owner):
        d = copy.deepcopy(methodology.presets()["3x3"]["definition"])
        d["levels"][2] = {"key": "severe", "name": "Severe", "colour": "#6a1b9a", "order": 3}
        d["matrix"] = [[k if k != "high" else "severe" for k in row] for row in d["matrix"]]
        services.methodology_set(organization=org, actor=owner, definition=d)
        client.force_login(owner)
        html = client.get(BASE).content.decode()
        assert 'class="level level-severe tone-purple"' in html


class TestYamlEdit:
    def test_edit_shows_current_yaml_and_saves_version_2(self, client, org, owner, method):
        client.force_login(owner)
        r = client.get(BASE + "edit/")
        text = r.context["form"].initial["definition"]
        assert yaml.safe_load(text) == method.definition
        assert text.index("likelihood:") < text.index("consequence:")  # not sorted
        definition = yaml.safe_load(text)
        definition["risk_review_days"] = 180
        r = edit_post(client, yaml.safe_dump(definition, sort_keys=False), 1)
        assert r.status_code == 302
        current = selectors.methodology_current(organization=org)
        assert current.number == 2 and current.definition["risk_review_days"] == 180
        html = client.get(BASE).content.decode()
        assert "Version 2 saved." in html and "180 days" in html

    def test_unchanged_definition_keeps_the_version(self, client, org, owner, method):
        client.force_login(owner)
        text = client.get(BASE + "edit/").context["form"].initial["definition"]
        r = edit_post(client, text, 1)
        assert r.status_code == 302
        assert selectors.methodology_current(organization=org).number == 1

    def test_yaml_syntax_error_names_the_line(self, client, org, owner, method):
        client.force_login(owner)
        r = edit_post(client, "likelihood:\n  - {value: 1, label: Low\nconsequence: []\n", 1)
        assert r.status_code == 422
        errors = r.context["form"].errors["definition"]
        assert len(errors) == 1 and "YAML syntax error on line 3" in errors[0]
        assert "YAML syntax error on line 3" in r.content.decode()

    def test_bad_matrix_names_the_cell(self, client, org, owner, method):
        d = copy.deepcopy(method.definition)
        d["matrix"][2][3] = ""
        d["matrix"][0][0] = "extreme"
        client.force_login(owner)
        r = edit_post(client, yaml.safe_dump(d, sort_keys=False, allow_unicode=True), 1)
        assert r.status_code == 422
        html = r.content.decode()
        assert 'id="definition-errors"' in html
        errors = r.context["form"].errors["definition"]
        assert "Matrix cell likelihood “Likely” × consequence “Severe” is empty." in errors
        assert any("unknown level “extreme”" in e for e in errors)
        assert selectors.methodology_current(organization=org).number == 1

    def test_not_a_mapping(self, client, org, owner):
        client.force_login(owner)
        r = edit_post(client, "- just\n- a list\n", 0)
        assert r.status_code == 422
        assert "A methodology definition is a mapping." in r.context["form"].errors["definition"]

    def test_first_version_from_the_editor(self, client, org, owner):
        client.force_login(owner)
        r = client.get(BASE + "edit/")
        assert r.context["form"].initial["based_on"] == 0
        assert edit_post(client, r.context["form"].initial["definition"], 0).status_code == 302
        assert selectors.methodology_current(organization=org).number == 1

    def test_stale_edit_is_409_with_reload_link(self, client, org, owner, method):
        client.force_login(owner)
        text = client.get(BASE + "edit/").context["form"].initial["definition"]
        services.methodology_from_preset(organization=org, actor=owner, preset="3x3")
        r = edit_post(client, text, 1)
        assert r.status_code == 409
        html = r.content.decode()
        assert "changed by someone else" in html and f'href="{BASE}edit/"' in html
        assert selectors.methodology_current(organization=org).number == 2


class TestRuns:
    def test_start_complete_and_compare(self, client, org, owner, method):
        r1 = services.risk_create(organization=org, actor=owner, title="Ransomware")
        services.risk_assess(risk=r1, actor=owner, version=r1.version, current=(2, 2))
        client.force_login(owner)
        r = client.post(
            BASE + "runs/start/",
            {"name": "Q1 2025", "scope": "Whole company", "participants": "CISO, CTO"},
        )
        assert r.status_code == 302
        run1 = AssessmentRun.objects.get(organization=org, name="Q1 2025")
        assert r["Location"] == f"{BASE}runs/{run1.pk}/"
        html = client.get(f"{BASE}runs/{run1.pk}/").content.decode()
        assert "Complete" in html and 'name="version" value="1"' in html
        r = client.post(f"{BASE}runs/{run1.pk}/complete/", {"version": "1"}, follow=True)
        html = r.content.decode()
        assert "completed" in html and "Ransomware" in html
        assert 'class="level level-medium"' in html
        assert f"{BASE}runs/{run1.pk}/complete/" not in html  # no button once completed
        # the second run: one risk changed, one new, the first closed by a later change
        r1.refresh_from_db()
        services.risk_assess(risk=r1, actor=owner, version=r1.version, current=(4, 4))
        r2 = services.risk_create(organization=org, actor=owner, title="Phishing")
        services.risk_assess(risk=r2, actor=owner, version=r2.version, current=(1, 1))
        client.post(BASE + "runs/start/", {"name": "Q2 2025"})
        run2 = AssessmentRun.objects.get(organization=org, name="Q2 2025")
        client.post(f"{BASE}runs/{run2.pk}/complete/", {"version": "1"})
        r = client.get(f"{BASE}runs/compare/?before={run1.pk}&after={run2.pk}")
        assert r.status_code == 200
        comparison = r.context["comparison"]
        assert [row["result"].ref for row in comparison["new"]] == [r2.ref]
        assert comparison["closed"] == []
        (pair,) = comparison["changed"]
        assert pair["before"]["current"]["name"] == "Medium"
        assert pair["after"]["current"]["name"] == "Critical"
        html = r.content.decode()
        assert "Phishing" in html and "level-critical" in html
        # back again: the later risk is "closed" from the point of view of run 1
        r = client.get(f"{BASE}runs/compare/?before={run2.pk}&after={run1.pk}")
        assert [row["result"].ref for row in r.context["comparison"]["closed"]] == [r2.ref]

    def test_completing_twice_and_stale_version(self, client, org, owner, method):
        run = services.run_start(organization=org, actor=owner, name="Once")
        client.force_login(owner)
        client.post(f"{BASE}runs/{run.pk}/complete/", {"version": "1"})
        r = client.post(f"{BASE}runs/{run.pk}/complete/", {"version": "2"}, follow=True)
        assert "already completed" in r.content.decode()
        other = services.run_start(organization=org, actor=owner, name="Stale")
        r = client.post(f"{BASE}runs/{other.pk}/complete/", {"version": "7"}, follow=True)
        assert "changed by someone else" in r.content.decode()

    def test_start_without_methodology_is_422(self, client, org, owner):
        client.force_login(owner)
        r = client.post(BASE + "runs/start/", {"name": "Too early"})
        assert r.status_code == 422
        assert "Define the risk methodology first" in r.content.decode()

    def test_run_list_query_count_is_constant(self, client, org, owner, method):
        client.force_login(owner)

        def count():
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(BASE + "runs/").status_code == 200
            return len(ctx.captured_queries)

        for i in range(3):
            services.run_start(organization=org, actor=owner, name=f"Run {i}")
        few = count()
        for i in range(27):
            services.run_start(organization=org, actor=owner, name=f"More {i}")
        assert count() == few

    def test_run_detail_query_count_is_constant(self, client, org, owner, method):
        client.force_login(owner)

        def count(run):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(f"{BASE}runs/{run.pk}/").status_code == 200
            return len(ctx.captured_queries)

        def completed_run(name):
            run = services.run_start(organization=org, actor=owner, name=name)
            return services.run_complete(run=run, actor=owner, version=run.version)

        for i in range(3):
            services.risk_create(organization=org, actor=owner, title=f"Risk {i}")
        few = count(completed_run("Few"))
        for i in range(27):
            services.risk_create(organization=org, actor=owner, title=f"More {i}")
        assert count(completed_run("Many")) == few

    def test_viewer_sees_no_buttons_and_gets_403(self, client, org, owner, method, viewer):
        run = services.run_start(organization=org, actor=owner, name="Annual")
        client.force_login(viewer)
        html = client.get(BASE + "runs/").content.decode()
        assert "Annual" in html and "Start an assessment" not in html
        html = client.get(f"{BASE}runs/{run.pk}/").content.decode()
        assert "/complete/" not in html
        assert client.post(BASE + "runs/start/", {"name": "No"}).status_code == 403
        assert client.post(f"{BASE}runs/{run.pk}/complete/", {"version": "1"}).status_code == 403
        run.refresh_from_db()
        assert run.status == "in_progress"

    def test_other_organisations_run_is_404(self, client, org, other_org, owner, member, method):
        boss = member(other_org, "owner", email="boss@globex.test")
        services.methodology_from_preset(organization=other_org, actor=boss, preset="3x3")
        foreign = services.run_start(organization=other_org, actor=boss, name="Theirs")
        mine = services.run_start(organization=org, actor=owner, name="Mine")
        client.force_login(owner)
        assert client.get(f"{BASE}runs/{foreign.pk}/").status_code == 404
        r = client.post(f"{BASE}runs/{foreign.pk}/complete/", {"version": "1"})
        assert r.status_code == 404
        r = client.get(f"{BASE}runs/compare/?before={mine.pk}&after={foreign.pk}")
        assert r.status_code == 404
        foreign.refresh_from_db()
        assert foreign.status == "in_progress"

    def test_compare_without_choice_shows_the_form(self, client, org, owner):
        client.force_login(owner)
        r = client.get(BASE + "runs/compare/")
        assert r.status_code == 200 and r.context["comparison"] is None
