"""The controls pages: the list (filters in the URL, sort, pages, health badges, htmx, query
count), a control's page, its forms (create, edit, delete), test definitions, recording a run,
and the coverage of a framework through mapping sets."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openisms.catalog.models import Framework
from openisms.catalog.services import framework_adopt
from openisms.controls import services
from openisms.controls.models import Control, ControlTest, ControlTestRun
from openisms.controls.tests.test_services import (
    CSF,
    ISO22,
    make_control,
    make_evidence,
    make_test,
    node,
    private_requirement,
)
from openisms.risks import services as risk_services

BASE = "/o/acme/controls/"
TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def html(response) -> str:
    return response.content.decode()


def refs(response) -> list[str]:
    return re.findall(r'class="ref" href="[^"]+">(C-\d+)</a>', html(response))


def assert_no_inline_style(response):
    assert " style=" not in html(response)
    assert "<script>" not in html(response)


def make_healthy(org, owner, name, **data):
    control = make_control(org, owner, name=name, status="implemented", **data)
    make_evidence(org, ref=f"E-{control.pk}", valid_until=TODAY + 100 * DAY, controls=[control])
    test = make_test(control, owner, frequency_days=90)
    services.run_record(test=test, actor=owner, result="pass", performed_on=TODAY - DAY)
    return control


def make_failing(org, owner, name, **data):
    control = make_healthy(org, owner, name, **data)
    services.run_record(test=control.tests.get(), actor=owner, result="fail", notes="Broken")
    return control


# --- the list -----------------------------------------------------------------------------------


class TestList:
    def test_filters_each_narrow_the_list(self, signed_in, org, owner, member):
        colleague = member(org, "manager", email="mia@acme.test")
        c1 = make_healthy(org, owner, "Backups", requirements=[node("A.8.13")])
        c2 = make_control(
            org,
            owner,
            name="Access review",
            status="planned",
            owner=colleague,
            requirements=[node("A.5.15")],
        )
        c3 = make_failing(org, owner, "Logging", requirements=[node("A.8.15")])
        get = signed_in.get
        assert refs(get(BASE)) == [c1.ref, c2.ref, c3.ref]
        assert refs(get(BASE + "?q=access")) == [c2.ref]
        assert refs(get(BASE + "?q=access&status=bogus&owner=x")) == [c2.ref]
        assert refs(get(BASE + "?status=planned")) == [c2.ref]
        assert refs(get(BASE + "?status=implemented")) == [c1.ref, c3.ref]
        assert refs(get(BASE + f"?owner={colleague.pk}")) == [c2.ref]
        assert refs(get(BASE + "?health=healthy")) == [c1.ref]
        assert refs(get(BASE + "?health=at_risk")) == [c2.ref]
        assert refs(get(BASE + "?health=failing")) == [c3.ref]
        assert refs(get(BASE + "?requirement=A.8.13")) == [c1.ref]
        assert refs(get(BASE + "?requirement=a.8.15")) == [c3.ref]
        assert refs(get(BASE + f"?requirement={node('A.5.15').pk}")) == [c2.ref]
        assert refs(get(BASE + "?requirement=Z.9")) == []
        # filters are kept in the form (and so in the URL on the next change)
        page = html(get(BASE + "?requirement=A.8.13&health=healthy"))
        assert 'value="A.8.13"' in page and '<option value="healthy" selected>' in page

    def test_health_badge_and_reasons_per_row(self, signed_in, org, owner):
        make_healthy(org, owner, "Backups")
        make_control(org, owner, name="Planned one", status="planned")
        page = html(signed_in.get(BASE))
        assert re.search(r'data-testid="health-C-001">Healthy<', page)
        assert re.search(r'data-testid="health-C-002">At risk<', page)
        assert "implementation planned; no evidence" in page
        assert "How health is decided" in page  # the legend

    def test_sortable_columns(self, signed_in, org, owner):
        a = make_control(org, owner, name="Zeta", status="planned")
        b = make_control(org, owner, name="Alpha", status="implemented")
        c = make_control(org, owner, name="Mu", status="not_started")
        assert refs(signed_in.get(BASE + "?sort=-ref")) == [c.ref, b.ref, a.ref]
        assert refs(signed_in.get(BASE + "?sort=name")) == [b.ref, c.ref, a.ref]
        assert refs(signed_in.get(BASE + "?sort=-name")) == [a.ref, c.ref, b.ref]
        assert refs(signed_in.get(BASE + "?sort=status")) == [b.ref, c.ref, a.ref]
        page = html(signed_in.get(BASE + "?sort=name"))
        assert 'aria-sort="ascending"' in page and "sort=-name" in page

    def test_pagination_fifty_a_page(self, signed_in, org, owner):
        for i in range(53):
            make_control(org, owner, name=f"Control {i}")
        first = signed_in.get(BASE)
        assert len(refs(first)) == 50
        assert "page=2" in html(first) and "53 controls" in html(first)
        assert refs(signed_in.get(BASE + "?page=2")) == ["C-051", "C-052", "C-053"]
        # with a health filter too (computed for every control, then paged)
        assert len(refs(signed_in.get(BASE + "?health=at_risk"))) == 50
        assert refs(signed_in.get(BASE + "?health=at_risk&page=2")) == ["C-051", "C-052", "C-053"]

    @pytest.mark.parametrize("query", ["", "?health=at_risk", "?requirement=A.8.13&sort=-name"])
    def test_query_count_does_not_grow(self, client, org, owner, member, query):
        viewer = member(org, "viewer")

        def fill(n):
            for i in range(n):
                control = make_control(
                    org, owner, name=f"C{i}", requirements=[node("A.8.13")], status="planned"
                )
                make_evidence(org, ref=f"E-{control.pk}", controls=[control])
                test = make_test(control, owner)
                services.run_record(test=test, actor=owner, result="pass")

        def count():
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(BASE + query)
            assert response.status_code == 200
            return len(ctx.captured_queries), len(refs(response))

        client.force_login(viewer)
        fill(3)
        small, rows = count()
        assert rows == 3
        fill(27)
        assert count() == (small, 30)

    def test_htmx_swaps_the_results_partial(self, signed_in, org, owner):
        make_control(org, owner)
        r = signed_in.get(BASE + "?q=back", HTTP_HX_REQUEST="true")
        assert "HX-Request" in r["Vary"]
        body = html(r).lstrip()
        assert body.startswith('<div id="results">') and "<form" not in body

    def test_viewer_sees_no_new_button(self, client, org, member):
        client.force_login(member(org, "viewer"))
        page = client.get(BASE)
        assert page.status_code == 200 and 'data-testid="new-control"' not in html(page)
        assert_no_inline_style(page)


# --- one control --------------------------------------------------------------------------------


class TestDetail:
    def test_shows_fields_links_evidence_tests_and_health(self, signed_in, org, owner):
        framework_adopt(organization=org, actor=owner, framework=Framework.objects.get(urn=CSF))
        risk = risk_services.risk_create(organization=org, actor=owner, title="Data loss")
        control = make_control(
            org,
            owner,
            description="Nightly snapshots",
            status="implemented",
            documentation="Backup policy v3\nRunbook RB-7",
            requirements=[node("A.8.13"), node("PR.DS-11", CSF)],
            risks=[risk],
        )
        make_evidence(org, ref="E-012", valid_until=TODAY - 3 * DAY, controls=[control])
        make_evidence(org, ref="E-013", valid_until=TODAY + 200 * DAY, controls=[control])
        test = make_test(control, owner, procedure="Restore one file", frequency_days=30)
        services.run_record(
            test=test,
            actor=owner,
            result="fail",
            notes="Took 9 hours",
            performed_on=TODAY - 2 * DAY,
            nonconformity_ref="NC-004",
        )
        response = signed_in.get(f"{BASE}{control.pk}/")
        assert response.status_code == 200
        page = html(response)
        iso = Framework.objects.get(urn=ISO22)
        a813 = node("A.8.13")
        assert f"/o/acme/frameworks/{iso.pk}/requirements/{a813.pk}/" in page
        assert "A.8.13" in page and "PR.DS-11" in page
        assert page.index("ISO/IEC 27001:2022") != page.index("NIST")  # grouped by framework
        assert f"/o/acme/risks/{risk.pk}/" in page and "Data loss" in page
        assert "Backup policy v3" in page and "Runbook RB-7" in page
        assert re.search(r'data-testid="freshness-E-012">Stale<', page)
        assert re.search(r'data-testid="freshness-E-013">Fresh<', page)
        assert "Restore one file" in page and "Took 9 hours" in page and "NC-004" in page
        assert re.search(r'data-testid="health">Failing<', page)
        assert f"test “Restore test” failed on {TODAY - 2 * DAY}" in page
        assert f"evidence E-012 stale since {TODAY - 3 * DAY}" in page
        assert "How health is decided" in page
        assert f"object_type=controls.control&amp;object_id={control.pk}" in page
        assert f'data-testid="run-form-{test.pk}"' in page
        assert f"?control={control.pk}" in page  # add evidence
        assert_no_inline_style(response)

    def test_audit_link_shows_the_controls_history(self, signed_in, org, owner):
        control = make_control(org, owner)
        services.control_update(control=control, actor=owner, version=1, name="Renamed")
        page = html(signed_in.get(f"{BASE}{control.pk}/"))
        link = re.search(r'href="([^"]+)" data-testid="audit-trail"', page).group(1)
        trail = signed_in.get(link.replace("&amp;", "&"))
        assert trail.status_code == 200 and "C-001 Renamed" in html(trail)

    def test_query_count_does_not_grow_with_tests_and_runs(self, signed_in, org, owner):
        control = make_control(org, owner, requirements=[node("A.8.13"), node("A.8.14")])

        def fill(n):
            for i in range(n):
                test = make_test(control, owner, name=f"T{i}")
                evidence = make_evidence(org, ref=f"E-{test.pk}", controls=[control])
                for days in range(3):
                    services.run_record(
                        test=test,
                        actor=owner,
                        result="pass",
                        performed_on=TODAY - days * DAY,
                        evidence=[evidence],
                    )

        def count():
            with CaptureQueriesContext(connection) as ctx:
                response = signed_in.get(f"{BASE}{control.pk}/")
            assert response.status_code == 200
            return len(ctx.captured_queries)

        fill(1)
        small = count()
        fill(6)
        assert count() == small

    def test_viewer_sees_no_forms_nor_audit_link(self, client, org, owner, member):
        control = make_control(org, owner)
        make_test(control, owner)
        client.force_login(member(org, "viewer"))
        page = html(client.get(f"{BASE}{control.pk}/"))
        assert "run-form-" not in page and "add-test" not in page
        assert "audit-trail" not in page and "add-evidence" not in page

    def test_another_organisations_control_is_404(self, signed_in, other_org, member):
        boss = member(other_org, "owner")
        theirs = make_control(other_org, boss)
        assert signed_in.get(f"{BASE}{theirs.pk}/").status_code == 404
        assert signed_in.get(f"{BASE}{theirs.pk}/edit/").status_code == 404


# --- forms --------------------------------------------------------------------------------------


class TestForms:
    def test_create(self, signed_in, org, owner):
        risk = risk_services.risk_create(organization=org, actor=owner, title="Data loss")
        r = signed_in.post(
            BASE + "new/",
            {
                "name": "Backups",
                "description": "Nightly",
                "status": "planned",
                "review_interval_months": 6,
                "requirements": [node("A.8.13").pk, node("A.8.14").pk],
                "risks": [risk.pk],
            },
        )
        control = Control.objects.get(organization=org)
        assert r.status_code == 302 and r["Location"] == f"{BASE}{control.pk}/"
        assert control.ref == "C-001" and control.owner == owner
        assert control.review_interval_months == 6
        assert set(control.requirements.values_list("ref_id", flat=True)) == {"A.8.13", "A.8.14"}
        assert list(control.risks.all()) == [risk]

    def test_requirements_offered_are_adopted_frameworks_and_iso(self, signed_in, org, owner):
        csf_node = node("PR.DS-11", CSF)
        page = html(signed_in.get(BASE + "new/"))
        assert "ISO/IEC 27001:2022" in page and f'value="{node("A.8.13").pk}"' in page
        assert f'value="{csf_node.pk}"' not in page
        r = signed_in.post(
            BASE + "new/",
            {
                "name": "X",
                "status": "planned",
                "review_interval_months": 12,
                "requirements": [csf_node.pk],
            },
        )
        assert r.status_code == 422 and not Control.objects.exists()
        framework_adopt(organization=org, actor=owner, framework=csf_node.framework)
        assert f'value="{csf_node.pk}"' in html(signed_in.get(BASE + "new/"))

    def test_edit_keeps_a_requirement_no_longer_offered(self, signed_in, org, owner):
        own = private_requirement(org)  # the organisation's own framework, not adopted
        control = make_control(org, owner, requirements=[own])
        page = html(signed_in.get(f"{BASE}{control.pk}/edit/"))
        assert f'<option value="{own.pk}" selected>' in page
        r = signed_in.post(
            f"{BASE}{control.pk}/edit/",
            {
                "name": "Backups v2",
                "status": "implemented",
                "review_interval_months": 12,
                "requirements": [own.pk],
                "version": 1,
            },
        )
        assert r.status_code == 302
        control.refresh_from_db()
        assert control.name == "Backups v2" and control.version == 2
        assert list(control.requirements.all()) == [own]

    def test_stale_edit_is_409_with_a_reload_link(self, signed_in, org, owner):
        control = make_control(org, owner)
        services.control_update(control=control, actor=owner, version=1, name="Changed")
        r = signed_in.post(
            f"{BASE}{control.pk}/edit/",
            {"name": "Mine", "status": "planned", "review_interval_months": 12, "version": 1},
        )
        assert r.status_code == 409 and 'data-testid="reload"' in html(r)
        assert Control.objects.get(pk=control.pk).name == "Changed"

    def test_contributor_edits_only_own(self, client, org, owner, member):
        contributor = member(org, "contributor")
        client.force_login(contributor)
        theirs = make_control(org, owner)
        assert client.get(f"{BASE}{theirs.pk}/edit/").status_code == 403
        r = client.post(
            BASE + "new/",
            {
                "name": "For the boss",
                "status": "planned",
                "review_interval_months": 12,
                "owner": owner.pk,
            },
        )
        assert r.status_code == 403 and not Control.objects.filter(name="For the boss").exists()
        r = client.post(
            BASE + "new/", {"name": "Mine", "status": "planned", "review_interval_months": 12}
        )
        assert r.status_code == 302
        assert Control.objects.get(name="Mine").owner == contributor

    def test_delete(self, signed_in, org, owner):
        control = make_control(org, owner)
        r = signed_in.post(f"{BASE}{control.pk}/delete/", {"version": 1})
        assert r.status_code == 302 and r["Location"] == BASE
        assert not Control.objects.filter(pk=control.pk).exists()

    def test_delete_refused_when_runs_exist(self, signed_in, org, owner):
        control = make_control(org, owner)
        services.run_record(test=make_test(control, owner), actor=owner, result="pass")
        r = signed_in.post(f"{BASE}{control.pk}/delete/", {"version": 1}, follow=True)
        assert Control.objects.filter(pk=control.pk).exists()
        assert "has test results on record" in html(r)

    def test_stale_delete_is_refused(self, signed_in, org, owner):
        control = make_control(org, owner)
        services.control_update(control=control, actor=owner, version=1, name="Changed")
        r = signed_in.post(f"{BASE}{control.pk}/delete/", {"version": 1}, follow=True)
        assert Control.objects.filter(pk=control.pk).exists()
        assert "message--error" in html(r)


class TestTestDefinitions:
    def test_create_edit_delete(self, signed_in, org, owner):
        control = make_control(org, owner)
        assert signed_in.get(f"{BASE}{control.pk}/tests/new/").status_code == 200
        r = signed_in.post(
            f"{BASE}{control.pk}/tests/new/",
            {
                "name": "Restore test",
                "procedure": "Restore a file",
                "method": "reperformance",
                "frequency_days": 90,
            },
        )
        test = ControlTest.objects.get(control=control)
        assert r.status_code == 302 and r["Location"] == f"{BASE}{control.pk}/#test-{test.pk}"
        assert test.owner == owner and test.method == "reperformance"
        assert signed_in.get(f"{BASE}tests/{test.pk}/edit/").status_code == 200
        r = signed_in.post(
            f"{BASE}tests/{test.pk}/edit/",
            {
                "name": "Restore drill",
                "method": "reperformance",
                "frequency_days": 30,
                "version": 1,
            },
        )
        assert r.status_code == 302
        test.refresh_from_db()
        assert test.name == "Restore drill" and test.frequency_days == 30
        r = signed_in.post(
            f"{BASE}tests/{test.pk}/edit/",
            {"name": "Stale", "method": "inspection", "frequency_days": 30, "version": 1},
        )
        assert r.status_code == 409
        r = signed_in.post(f"{BASE}tests/{test.pk}/delete/", {"version": 2})
        assert r.status_code == 302 and not ControlTest.objects.filter(pk=test.pk).exists()

    def test_invalid_test_is_422(self, signed_in, org, owner):
        control = make_control(org, owner)
        r = signed_in.post(f"{BASE}{control.pk}/tests/new/", {"name": "", "frequency_days": 0})
        assert r.status_code == 422 and not ControlTest.objects.exists()

    def test_delete_refused_with_runs(self, signed_in, org, owner):
        test = make_test(make_control(org, owner), owner)
        services.run_record(test=test, actor=owner, result="pass")
        r = signed_in.post(f"{BASE}tests/{test.pk}/delete/", {"version": 1}, follow=True)
        assert ControlTest.objects.filter(pk=test.pk).exists()
        assert "has results on record" in html(r)


class TestRuns:
    def post_run(self, client, test, **data):
        return client.post(
            f"{BASE}tests/{test.pk}/runs/", {f"run{test.pk}-{k}": v for k, v in data.items()}
        )

    def test_record_a_run_with_evidence(self, signed_in, org, owner):
        control = make_control(org, owner)
        test = make_test(control, owner)
        evidence = make_evidence(org, ref="E-001", controls=[control])
        r = self.post_run(
            signed_in,
            test,
            result="partial",
            performed_on=str(TODAY - DAY),
            notes="Slow",
            evidence=[evidence.pk],
        )
        assert r.status_code == 302 and r["Location"] == f"{BASE}{control.pk}/#test-{test.pk}"
        run = ControlTestRun.objects.get(test=test)
        assert run.result == "partial" and run.performed_by == owner
        assert run.performed_on == TODAY - DAY and run.nonconformity_ref == ""
        assert list(run.evidence.all()) == [evidence]

    def test_failed_run_without_notes_is_422_on_the_page(self, signed_in, org, owner):
        test = make_test(make_control(org, owner), owner)
        r = self.post_run(signed_in, test, result="fail", performed_on=str(TODAY))
        assert r.status_code == 422 and "Say what failed." in html(r)
        assert not ControlTestRun.objects.exists()

    def test_run_in_the_future_is_422(self, signed_in, org, owner):
        test = make_test(make_control(org, owner), owner)
        r = self.post_run(signed_in, test, result="pass", performed_on=str(TODAY + DAY))
        assert r.status_code == 422 and "cannot be performed in the future" in html(r)

    def test_contributor_cannot_record_on_anothers_control(self, client, org, owner, member):
        test = make_test(make_control(org, owner), owner)
        client.force_login(member(org, "contributor"))
        r = self.post_run(client, test, result="pass", performed_on=str(TODAY))
        assert r.status_code == 403 and not ControlTestRun.objects.exists()


# --- coverage -----------------------------------------------------------------------------------


def row(page: str, ref_id: str) -> str:
    match = re.search(rf'<tr data-testid="row-{re.escape(ref_id)}">(.*?)</tr>', page, re.S)
    assert match, ref_id
    return match.group(1)


def count(page: str, name: str) -> str:
    match = re.search(rf'data-testid="count-{name}">([^<]*)<', page)
    assert match, name
    return match.group(1)


class TestCoverage:
    def test_csf_requirement_covered_through_the_shipped_mapping(self, signed_in, org, owner):
        csf = Framework.objects.get(urn=CSF)
        framework_adopt(organization=org, actor=owner, framework=csf)
        url = f"{BASE}coverage/?framework={csf.pk}"
        assert "through a mapping" not in row(html(signed_in.get(url)), "PR.DS-11")
        control = make_control(org, owner, status="planned", requirements=[node("A.8.13")])
        page = html(signed_in.get(url))
        cells = row(page, "PR.DS-11")
        assert "through a mapping" in cells and "A.8.13" in cells and control.ref in cells
        assert "not implemented" in cells
        assert count(page, "direct") == "0 (0 %)"
        assert count(page, "mapped").startswith(("1 ", "2 ", "3 "))
        services.control_update(control=control, actor=owner, version=1, status="implemented")
        page = html(signed_in.get(url))
        assert "not implemented" not in row(page, "PR.DS-11")
        assert count(page, "implemented") == count(page, "mapped")

    def test_iso_requirement_covered_from_a_csf_control(self, signed_in, org, owner):
        """The other direction: the mapping's target framework is the one shown."""
        make_control(org, owner, status="implemented", requirements=[node("PR.DS-11", CSF)])
        page = html(signed_in.get(BASE + "coverage/"))  # default: ISO/IEC 27001:2022
        assert "through a mapping" in row(page, "A.8.13")
        assert "PR.DS-11" in row(page, "A.8.13")

    def test_direct_coverage_and_counts(self, signed_in, org, owner):
        make_control(org, owner, status="implemented", requirements=[node("A.5.1")])
        make_control(org, owner, status="planned", requirements=[node("A.5.2")])
        page = html(signed_in.get(BASE + "coverage/"))
        assert "direct" in row(page, "A.5.1") and "not implemented" not in row(page, "A.5.1")
        assert "not implemented" in row(page, "A.5.2")
        assert "not covered" in row(page, "A.5.3")
        assert count(page, "direct").startswith("2 (")
        assert count(page, "implemented").startswith("1 (")

    def test_unknown_or_foreign_framework_is_404(self, signed_in, other_org):
        foreign = private_requirement(other_org).framework
        assert signed_in.get(f"{BASE}coverage/?framework={foreign.pk}").status_code == 404
        assert signed_in.get(f"{BASE}coverage/?framework=999999").status_code == 404
        assert signed_in.get(f"{BASE}coverage/?framework=abc").status_code == 404

    def test_query_count_does_not_grow(self, signed_in, org, owner):
        csf = Framework.objects.get(urn=CSF)
        annex = list(
            Framework.objects.get(urn=ISO22).nodes.filter(kind="control").order_by("order")
        )

        def fill(start, n):
            for i in range(start, start + n):
                make_control(
                    org,
                    owner,
                    name=f"C{i}",
                    requirements=[annex[i], annex[i + 40]],
                    status="implemented" if i % 2 else "planned",
                )

        def queries():
            with CaptureQueriesContext(connection) as ctx:
                response = signed_in.get(f"{BASE}coverage/?framework={csf.pk}")
            assert response.status_code == 200
            return len(ctx.captured_queries)

        fill(0, 3)
        small = queries()
        fill(3, 27)
        assert queries() == small
