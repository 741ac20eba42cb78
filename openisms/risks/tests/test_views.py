"""The risk register pages: register (filters, sort, pages, htmx, query count), risk form, the
risk page and the forms posted from it, heat maps and the treatment plan."""

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from openisms.assets import services as asset_services
from openisms.catalog.models import RequirementNode
from openisms.risks import services
from openisms.risks.models import Risk, RiskAcceptance, TreatmentAction

ISO22 = "urn:openisms:framework:iso27001-2022"
BASE = "/o/acme/risks/"
TODAY = timezone.localdate()


@pytest.fixture
def method(org, owner):
    return services.methodology_from_preset(organization=org, actor=owner, preset="4x4")


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def make_risk(org, actor, title="Ransomware", *, current=None, inherent=None, **data):
    risk = services.risk_create(organization=org, actor=actor, title=title, **data)
    if current or inherent:
        services.risk_assess(
            risk=risk, actor=actor, version=risk.version, current=current, inherent=inherent
        )
    return risk


def html(response) -> str:
    return response.content.decode()


def refs(response) -> list[str]:
    return re.findall(r'class="ref" href="[^"]+">(R-\d+)</a>', html(response))


def method_page_exists() -> bool:
    try:
        reverse("riskmethod:methodology", kwargs={"org_slug": "acme"})
    except NoReverseMatch:
        return False
    return True


def assert_no_inline_style(response):
    assert " style=" not in html(response)
    assert "<script>" not in html(response)


# --- the register -------------------------------------------------------------------------------


class TestRegister:
    def test_filters_each_narrow_the_list(self, signed_in, org, owner, member, method):
        colleague = member(org, "manager", email="mia@acme.test")
        laptop = asset_services.asset_create(
            organization=org, actor=owner, name="Laptop", type="hardware"
        )
        r1 = make_risk(org, owner, "Ransomware on file server", current=(4, 4), assets=[laptop])
        r2 = make_risk(org, owner, "Phishing", current=(1, 1), owner=colleague)
        r3 = make_risk(org, owner, "Flood in basement")
        services.risk_set_treatment(risk=r2, actor=owner, version=r2.version, option="retain")
        services.action_create(
            risk=r3, actor=owner, title="Move servers", due_date=TODAY - dt.timedelta(days=3)
        )
        get = signed_in.get
        assert refs(get(BASE)) == [r1.ref, r2.ref, r3.ref]
        assert refs(get(BASE + "?q=phish")) == [r2.ref]
        assert refs(get(BASE + "?q=phish&owner=nobody&sort=bogus")) == [r2.ref]
        assert refs(get(BASE + "?level=critical")) == [r1.ref]
        assert refs(get(BASE + f"?owner={colleague.pk}")) == [r2.ref]
        assert refs(get(BASE + "?status=identified")) == [r1.ref, r2.ref, r3.ref]
        assert refs(get(BASE + "?treatment=retain")) == [r2.ref]
        assert refs(get(BASE + f"?asset={laptop.pk}")) == [r1.ref]
        assert refs(get(BASE + "?overdue=on")) == [r3.ref]
        cell = get(BASE + "?grid=current&likelihood=4&consequence=4")
        assert refs(cell) == [r1.ref]
        assert "likelihood “Very likely” × consequence “Severe”" in html(cell)
        assert refs(get(BASE + "?grid=current&likelihood=1&consequence=1")) == [r2.ref]
        # filters are kept in the form (and so in the URL on the next change)
        page = html(get(BASE + "?q=phish&grid=current&likelihood=1&consequence=1"))
        assert 'name="grid" value="current"' in page and 'value="phish"' in page

    def test_sortable_columns(self, signed_in, org, owner, method):
        low = make_risk(org, owner, "B low", current=(1, 1))
        high = make_risk(org, owner, "A high", current=(4, 4))
        none = make_risk(org, owner, "C none")
        assert refs(signed_in.get(BASE + "?sort=-ref")) == [none.ref, high.ref, low.ref]
        assert refs(signed_in.get(BASE + "?sort=title")) == [high.ref, low.ref, none.ref]
        assert refs(signed_in.get(BASE + "?sort=-level")) == [high.ref, low.ref, none.ref]
        page = html(signed_in.get(BASE + "?sort=level"))
        assert 'aria-sort="ascending"' in page
        assert "sort=-level" in page  # the header link flips the direction
        assert "sort=status" in page and "sort=review" in page

    def test_pagination_fifty_a_page(self, signed_in, org, owner, method):
        for i in range(53):
            services.risk_create(organization=org, actor=owner, title=f"Risk {i}")
        first = signed_in.get(BASE + "?sort=ref")
        assert len(refs(first)) == 50
        assert "page=2" in html(first) and "53 risks" in html(first)
        second = signed_in.get(BASE + "?sort=ref&page=2")
        assert refs(second) == ["R-051", "R-052", "R-053"]

    def test_query_count_does_not_grow(self, client, org, owner, member, method):
        viewer = member(org, "viewer")
        laptop = asset_services.asset_create(
            organization=org, actor=owner, name="Laptop", type="hardware"
        )

        def fill(n):
            for i in range(n):
                risk = make_risk(org, owner, f"Risk {i}", current=(1 + i % 4, 2), assets=[laptop])
                services.action_create(risk=risk, actor=owner, title=f"Fix {i}")

        def count():
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(BASE)
            assert response.status_code == 200
            return len(ctx.captured_queries)

        client.force_login(viewer)
        fill(3)
        small = count()
        fill(27)
        assert count() == small

    def test_htmx_swaps_the_results_partial(self, signed_in, org, owner, method):
        make_risk(org, owner)
        r = signed_in.get(BASE + "?q=ransom", HTTP_HX_REQUEST="true")
        assert "HX-Request" in r["Vary"]
        body = html(r).lstrip()
        assert body.startswith('<div id="results">') and "<form" not in body
        full = signed_in.get(BASE)
        assert "HX-Request" in full["Vary"]
        assert 'hx-target="#results"' in html(full)

    def test_level_badges_are_css_classes(self, signed_in, org, owner, method):
        make_risk(org, owner, "Critical one", current=(4, 4))
        make_risk(org, owner, "Not assessed")
        page = signed_in.get(BASE)
        assert '<span class="level level-critical">Critical</span>' in html(page)
        assert "level level-none" in html(page)
        assert_no_inline_style(page)

    def test_unknown_level_key_gets_a_neutral_badge_with_its_name(
        self, signed_in, org, owner, method
    ):
        d = copy.deepcopy(method.definition)
        d["levels"][3].update(key="extreme", name="Extreme")
        d["matrix"] = [[c.replace("critical", "extreme") for c in row] for row in d["matrix"]]
        services.methodology_set(organization=org, actor=owner, definition=d)
        make_risk(org, owner, "Extreme one", current=(4, 4))
        page = html(signed_in.get(BASE))
        assert '<span class="level level-extreme">Extreme</span>' in page

    def test_new_risk_button_and_export_links(self, client, org, owner, member, method):
        viewer = member(org, "viewer")
        contributor = member(org, "contributor")
        client.force_login(contributor)
        assert "New risk" in html(client.get(BASE))
        client.force_login(viewer)
        page = html(client.get(BASE))
        assert "New risk" not in page
        try:
            export = reverse("risks:risk_export", kwargs={"org_slug": "acme"})
        except NoReverseMatch:
            assert "format=xlsx" not in page
        else:
            assert f"{export}?format=xlsx" in page and f"{export}?format=csv" in page

    def test_navigation_entries(self, signed_in, method):
        page = html(signed_in.get("/o/acme/"))
        for url in (BASE, BASE + "heatmap/", BASE + "treatment-plan/"):
            assert f'href="{url}"' in page


# --- create and edit ----------------------------------------------------------------------------


class TestRiskForm:
    def test_create_with_assets_threat_and_default_owner(self, signed_in, org, owner, method):
        laptop = asset_services.asset_create(
            organization=org, actor=owner, name="Laptop", type="hardware"
        )
        page = html(signed_in.get(BASE + "new/"))
        assert "Laptop" in page and 'name="affects_integrity"' in page
        threat = re.search(r'<option value="(\d+)">(\S+) ', page.split('name="threat"')[1])
        assert threat is not None
        r = signed_in.post(
            BASE + "new/",
            {
                "title": "Stolen laptop",
                "kind": "asset_based",
                "owner": "",
                "assets": [laptop.pk],
                "threat": threat.group(1),
                "affects_confidentiality": "on",
                "next_review": "2030-01-31",
            },
        )
        risk = Risk.objects.get(organization=org, title="Stolen laptop")
        assert r.status_code == 302 and r["Location"] == f"{BASE}{risk.pk}/"
        assert risk.owner == owner and risk.affects_confidentiality and not risk.affects_integrity
        assert list(risk.assets.all()) == [laptop] and risk.threat_id == int(threat.group(1))
        assert risk.next_review == dt.date(2030, 1, 31)

    def test_field_errors_next_to_fields(self, signed_in, org, owner, member, other_org, method):
        outsider = member(other_org, "owner")
        r = signed_in.post(BASE + "new/", {"title": "", "kind": "scenario", "owner": outsider.pk})
        assert r.status_code == 422
        page = html(r)
        assert page.count('class="field-error"') == 2  # title required, owner not a member
        assert not Risk.objects.filter(organization=org).exists()

    def test_contributor_registers_only_own_risks(self, client, org, owner, member, method):
        contributor = member(org, "contributor")
        client.force_login(contributor)
        r = client.post(BASE + "new/", {"title": "X", "kind": "scenario", "owner": owner.pk})
        assert r.status_code == 403 and "only risks you own" in html(r)
        r = client.post(BASE + "new/", {"title": "Mine", "kind": "scenario"})
        assert r.status_code == 302
        assert Risk.objects.get(title="Mine").owner == contributor

    def test_edit_and_stale_edit_conflict(self, signed_in, org, owner, method):
        risk = make_risk(org, owner)
        form = html(signed_in.get(f"{BASE}{risk.pk}/edit/"))
        assert 'name="version" value="1"' in form and "Ransomware" in form
        data = {"title": "Ransomware v2", "kind": "scenario", "owner": owner.pk, "version": 1}
        assert signed_in.post(f"{BASE}{risk.pk}/edit/", data).status_code == 302
        risk.refresh_from_db()
        assert (risk.title, risk.version) == ("Ransomware v2", 2)
        stale = signed_in.post(f"{BASE}{risk.pk}/edit/", {**data, "title": "Lost update"})
        assert stale.status_code == 409
        assert "changed by someone else" in html(stale)
        assert f'href="{BASE}{risk.pk}/edit/"' in html(stale)  # reload link
        risk.refresh_from_db()
        assert risk.title == "Ransomware v2"

    def test_contributor_cannot_edit_someone_elses_risk(self, client, org, owner, member, method):
        risk = make_risk(org, owner)
        client.force_login(member(org, "contributor"))
        assert client.get(f"{BASE}{risk.pk}/edit/").status_code == 403


# --- the risk page and its forms ------------------------------------------------------------------


class TestRiskPage:
    def test_assess_shows_labels_levels_and_version(self, signed_in, org, owner, method):
        risk = make_risk(org, owner)
        r = signed_in.post(
            f"{BASE}{risk.pk}/assess/",
            {
                "version": risk.version,
                "inherent_likelihood": 4,
                "inherent_consequence": 4,
                "current_likelihood": 3,
                "current_consequence": 2,
                "target_likelihood": "",
                "target_consequence": "",
            },
        )
        assert r.status_code == 302 and r["Location"].endswith("#assessment")
        risk.refresh_from_db()
        assert (risk.inherent_level, risk.current_level, risk.target_level) == (
            "critical",
            "medium",
            "",
        )
        page = html(signed_in.get(f"{BASE}{risk.pk}/"))
        assert "4 · Very likely" in page and "2 · Moderate" in page
        assert "risk method version 1" in page
        assert '<span class="level level-critical">Critical</span>' in page

    def test_assess_errors_and_conflict(self, signed_in, org, owner, method):
        risk = make_risk(org, owner)
        half = signed_in.post(
            f"{BASE}{risk.pk}/assess/", {"version": risk.version, "current_likelihood": 2}
        )
        assert half.status_code == 422
        assert "Give both likelihood and consequence" in html(half)
        nothing = signed_in.post(f"{BASE}{risk.pk}/assess/", {"version": risk.version})
        assert nothing.status_code == 422 and "Assess at least one" in html(nothing)
        stale = signed_in.post(
            f"{BASE}{risk.pk}/assess/",
            {"version": risk.version + 5, "current_likelihood": 2, "current_consequence": 2},
        )
        assert stale.status_code == 409 and 'data-testid="reload"' in html(stale)

    def test_without_methodology_the_form_says_so(self, signed_in, org, owner):
        risk = make_risk(org, owner)
        page = html(signed_in.get(f"{BASE}{risk.pk}/"))
        assert 'data-testid="no-methodology"' in page and "assess-form" not in page
        if method_page_exists():
            assert reverse("riskmethod:methodology", kwargs={"org_slug": "acme"}) in page
        r = signed_in.post(
            f"{BASE}{risk.pk}/assess/",
            {"version": 1, "current_likelihood": 1, "current_consequence": 1},
        )
        assert r.status_code == 422 and "Define the risk methodology first" in html(r)

    def test_treatment_with_annex_a_controls(self, signed_in, org, owner, method):
        risk = make_risk(org, owner)
        controls = list(
            RequirementNode.objects.filter(
                framework__urn=ISO22, ref_id__in=["A.5.15", "A.8.24"], kind="control"
            )
        )
        page = html(signed_in.get(f"{BASE}{risk.pk}/"))
        assert "A.8.24 Use of cryptography" in page
        assert "A.5.1.1" not in page  # only ISO/IEC 27001:2022 controls are offered
        r = signed_in.post(
            f"{BASE}{risk.pk}/treatment/",
            {
                "version": risk.version,
                "option": "modify",
                "description": "Encrypt and restrict",
                "requirements": [c.pk for c in controls],
            },
        )
        assert r.status_code == 302
        risk.refresh_from_db()
        assert risk.treatment_option == "modify"
        assert set(risk.annex_a_controls.all()) == set(controls)
        page = html(signed_in.get(f"{BASE}{risk.pk}/"))
        for c in controls:
            url = reverse(
                "catalog:requirement_detail",
                kwargs={"org_slug": "acme", "pk": c.framework_id, "node_pk": c.pk},
            )
            assert f'href="{url}"' in page
        bad = signed_in.post(
            f"{BASE}{risk.pk}/treatment/", {"version": risk.version, "option": "ignore"}
        )
        assert bad.status_code == 422 and 'class="field-error"' in html(bad)

    def test_transitions(self, signed_in, org, owner, method):
        risk = make_risk(org, owner)
        page = html(signed_in.get(f"{BASE}{risk.pk}/"))
        assert 'name="to" value="analysed"' in page and 'name="to" value="closed"' in page
        assert 'name="to" value="accepted"' not in page
        early = signed_in.post(
            f"{BASE}{risk.pk}/transition/", {"to": "analysed", "version": risk.version}
        )
        assert early.status_code == 422 and "Assess the risk" in html(early)
        services.risk_assess(risk=risk, actor=owner, version=risk.version, current=(2, 2))
        r = signed_in.post(
            f"{BASE}{risk.pk}/transition/", {"to": "analysed", "version": risk.version}
        )
        assert r.status_code == 302
        risk.refresh_from_db()
        assert risk.status == "analysed"
        stale = signed_in.post(
            f"{BASE}{risk.pk}/transition/", {"to": "closed", "version": risk.version - 1}
        )
        assert stale.status_code == 409

    def test_transition_buttons_only_for_owner_or_manager(self, client, org, owner, member, method):
        contributor = member(org, "contributor")
        others = make_risk(org, owner)
        own = make_risk(org, contributor, "Own risk")
        client.force_login(contributor)
        assert 'name="to"' not in html(client.get(f"{BASE}{others.pk}/"))
        assert 'name="to"' in html(client.get(f"{BASE}{own.pk}/"))
        r = client.post(f"{BASE}{others.pk}/transition/", {"to": "closed", "version": 1})
        assert r.status_code == 403
        client.force_login(member(org, "manager"))
        assert 'name="to"' in html(client.get(f"{BASE}{others.pk}/"))

    def test_actions_create_update_and_conflict(self, signed_in, org, owner, member, method):
        colleague = member(org, "contributor", email="carl@acme.test")
        risk = make_risk(org, owner)
        r = signed_in.post(
            f"{BASE}{risk.pk}/actions/",
            {"title": "Offline backups", "owner": colleague.pk, "due_date": "2030-06-30"},
        )
        assert r.status_code == 302 and r["Location"].endswith("#actions")
        action = TreatmentAction.objects.get(risk=risk)
        assert (action.owner, action.due_date) == (colleague, dt.date(2030, 6, 30))
        missing = signed_in.post(f"{BASE}{risk.pk}/actions/", {"title": ""})
        assert missing.status_code == 422 and 'class="field-error"' in html(missing)
        p = f"a{action.pk}-"
        data = {
            p + "status": "in_progress",
            p + "progress_note": "Half done",
            p + "due_date": "2030-07-31",
            p + "version": action.version,
        }
        assert signed_in.post(f"{BASE}actions/{action.pk}/", data).status_code == 302
        action.refresh_from_db()
        assert (action.status, action.progress_note) == ("in_progress", "Half done")
        stale = signed_in.post(f"{BASE}actions/{action.pk}/", {**data, p + "status": "done"})
        assert stale.status_code == 409 and "changed by someone else" in html(stale)
        action.refresh_from_db()
        assert action.status == "in_progress"
        assert "Half done" in html(signed_in.get(f"{BASE}{risk.pk}/"))

    def test_accept_and_history(self, signed_in, org, owner, method):
        risk = make_risk(org, owner, current=(2, 2))
        short = signed_in.post(f"{BASE}{risk.pk}/accept/", {"justification": "ok"})
        assert short.status_code == 422 and "a sentence at least" in html(short)
        r = signed_in.post(
            f"{BASE}{risk.pk}/accept/",
            {"justification": "Within appetite; cost of controls too high.", "valid_until": ""},
        )
        assert r.status_code == 302
        first = RiskAcceptance.objects.get(risk=risk)
        assert first.valid_until == TODAY + dt.timedelta(days=365)
        RiskAcceptance.objects.filter(pk=first.pk).update(
            valid_until=TODAY - dt.timedelta(days=1),
            accepted_at=timezone.now() - dt.timedelta(days=400),
        )
        page = html(signed_in.get(f"{BASE}{risk.pk}/"))
        assert "expired" in page and "in force" not in page
        signed_in.post(
            f"{BASE}{risk.pk}/accept/",
            {"justification": "Reviewed again, still acceptable.", "valid_until": "2031-01-01"},
        )
        page = html(signed_in.get(f"{BASE}{risk.pk}/"))
        assert RiskAcceptance.objects.filter(risk=risk).count() == 2
        assert "in force" in page and "expired" in page
        assert page.index("2031-01-01") < page.index("Within appetite")  # newest first

    def test_accept_refused_is_explained(self, client, org, owner, member, method):
        contributor = member(org, "contributor")
        risk = make_risk(org, contributor, current=(4, 4))  # above the appetite
        client.force_login(contributor)
        r = client.post(
            f"{BASE}{risk.pk}/accept/", {"justification": "We live with it for now, fine."}
        )
        assert r.status_code == 403 and "Within the appetite the risk owner accepts" in html(r)

    def test_detail_shows_everything(self, signed_in, org, owner, method):
        laptop = asset_services.asset_create(
            organization=org, actor=owner, name="Laptop", type="hardware"
        )
        risk = make_risk(
            org,
            owner,
            description="Encrypts shares",
            existing_controls="Daily backups",
            assets=[laptop],
            current=(1, 1),
        )
        page = signed_in.get(f"{BASE}{risk.pk}/")
        text = html(page)
        for expected in ("Encrypts shares", "Daily backups", "Laptop", "Identified"):
            assert expected in text
        assert_no_inline_style(page)


# --- roles and organisations ---------------------------------------------------------------------


def post_urls(risk, action):
    return [
        BASE + "new/",
        f"{BASE}{risk.pk}/edit/",
        f"{BASE}{risk.pk}/assess/",
        f"{BASE}{risk.pk}/treatment/",
        f"{BASE}{risk.pk}/transition/",
        f"{BASE}{risk.pk}/accept/",
        f"{BASE}{risk.pk}/actions/",
        f"{BASE}actions/{action.pk}/",
    ]


def test_viewer_reads_but_every_post_is_403(client, org, owner, member, method):
    risk = make_risk(org, owner, current=(1, 1))
    action = services.action_create(risk=risk, actor=owner, title="Fix")
    client.force_login(member(org, "viewer"))
    for url in (BASE, f"{BASE}{risk.pk}/", BASE + "heatmap/", BASE + "treatment-plan/"):
        assert client.get(url).status_code == 200
    page = html(client.get(f"{BASE}{risk.pk}/"))
    assert "assess-form" not in page and 'name="to"' not in page and "accept-form" not in page
    for url in post_urls(risk, action):
        r = client.post(url, {"to": "closed", "version": 1, "title": "x", "kind": "scenario"})
        assert r.status_code == 403, url
    assert not TreatmentAction.objects.exclude(pk=action.pk).exists()
    risk.refresh_from_db()
    assert risk.status == "identified" and risk.version == 2


def test_other_organisations_records_are_404(client, org, other_org, owner, member):
    outsider = member(other_org, "owner")
    services.methodology_from_preset(organization=other_org, actor=outsider, preset="3x3")
    theirs = make_risk(other_org, outsider, "Theirs", current=(1, 1))
    action = services.action_create(risk=theirs, actor=outsider, title="Their action")
    client.force_login(owner)
    for url in (f"{BASE}{theirs.pk}/", f"{BASE}{theirs.pk}/edit/"):
        assert client.get(url).status_code == 404
    for url in post_urls(theirs, action)[1:]:
        assert client.post(url, {"version": 1}).status_code == 404, url
    assert "Theirs" not in html(client.get(BASE))
    # and someone outside the organisation does not see its register at all
    assert client.get("/o/globex/risks/").status_code == 404


def test_get_on_post_only_urls_is_refused(signed_in, org, owner, method):
    risk = make_risk(org, owner)
    assert signed_in.get(f"{BASE}{risk.pk}/assess/").status_code == 405


# --- heat maps and the treatment plan --------------------------------------------------------------


class TestHeatmap:
    def test_cells_link_to_the_filtered_register_with_counts(self, signed_in, org, owner, method):
        make_risk(org, owner, "One", current=(4, 4), inherent=(4, 4))
        make_risk(org, owner, "Two", current=(4, 4))
        make_risk(org, owner, "Three", current=(1, 2))
        page = signed_in.get(BASE + "heatmap/")
        text = html(page)
        link = f'href="{BASE}?grid=current&amp;likelihood=4&amp;consequence=4"'
        assert link in text
        cell = re.search(re.escape(link) + r'[^>]*data-count="(\d+)"', text)
        assert cell is not None and cell.group(1) == "2"
        assert f'href="{BASE}?grid=inherent&amp;likelihood=4&amp;consequence=4"' in text
        assert 'role="img"' in text and "<title>" in text and 'fill="#c62828"' in text
        assert "Very likely" in text and "Severe" in text  # axis labels
        assert "3 risks placed" in text and "1 risk placed" in text
        assert 'class="visually-hidden"' in text  # the table of counts
        assert_no_inline_style(page)
        # the cell's link leads to exactly its risks
        assert len(refs(signed_in.get(f"{BASE}?grid=current&likelihood=4&consequence=4"))) == 2

    def test_earlier_method_versions_are_counted_apart(self, signed_in, org, owner, method):
        make_risk(org, owner, "Old", current=(4, 4))  # not on the 3×3 scales
        make_risk(org, owner, "Still fits", current=(2, 2))
        services.methodology_from_preset(organization=org, actor=owner, preset="3x3")
        text = html(signed_in.get(BASE + "heatmap/"))
        assert "1 risk assessed with an earlier method version is not placed" in text

    def test_no_methodology(self, signed_in, org, owner):
        text = html(signed_in.get(BASE + "heatmap/"))
        assert 'data-testid="no-methodology"' in text and "<svg class" not in text
        if method_page_exists():
            assert reverse("riskmethod:methodology", kwargs={"org_slug": "acme"}) in text


def test_treatment_plan_overdue_first_and_marked(signed_in, org, owner, method):
    risk = make_risk(org, owner)
    later = services.action_create(
        risk=risk, actor=owner, title="Later", due_date=TODAY + dt.timedelta(days=30)
    )
    late = services.action_create(
        risk=risk, actor=owner, title="Late", due_date=TODAY - dt.timedelta(days=2)
    )
    done = services.action_create(
        risk=risk, actor=owner, title="Done long ago", due_date=TODAY - dt.timedelta(days=9)
    )
    services.action_update(action=done, actor=owner, version=done.version, status="done")
    page = html(signed_in.get(BASE + "treatment-plan/"))
    order = [page.index(a.title) for a in (late, later, done)]
    assert order == sorted(order)
    rows = re.findall(r'<tr( class="risk-overdue")? data-testid="plan-row">', page)
    assert rows == [' class="risk-overdue"', "", ""]
    assert "1 overdue" in page and f'href="{BASE}{risk.pk}/#actions"' in page


def test_treatment_plan_query_count_does_not_grow(client, org, owner, method):
    client.force_login(owner)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(BASE + "treatment-plan/").status_code == 200
        return len(ctx.captured_queries)

    def fill(n):
        for i in range(n):
            risk = make_risk(org, owner, f"R {i}")
            services.action_create(risk=risk, actor=owner, title=f"A {i}", owner=owner)

    fill(3)
    small = count()
    fill(27)
    assert count() == small


def test_assess_form_per_cia_uses_the_highest_and_shows_it(signed_in, org, owner, method):
    risk = make_risk(org, owner)
    page = html(signed_in.get(f"{BASE}{risk.pk}/"))
    for name in ("inherent", "current", "target"):
        for key in "cia":
            assert f'name="{name}_consequence_{key}"' in page
    r = signed_in.post(
        f"{BASE}{risk.pk}/assess/",
        {
            "version": risk.version,
            "current_likelihood": 3,
            "current_consequence": "",
            "current_consequence_c": 2,
            "current_consequence_i": 4,
            "current_consequence_a": "",
            "target_likelihood": 1,
            "target_consequence": 1,
        },
    )
    assert r.status_code == 302
    risk.refresh_from_db()
    assert risk.current_consequence == 4 and risk.target_consequence == 1
    assert risk.consequence_by_cia == {"current": {"c": 2, "i": 4}}
    page = html(signed_in.get(f"{BASE}{risk.pk}/"))
    shown = re.search(r'data-testid="cia-current">([^<]*)</span>', page)
    assert shown and shown.group(1) == "(Confidentiality 2 · Integrity 4)"
    assert 'data-testid="cia-target"' not in page
    # The form starts from the stored values.
    assert re.search(
        r'name="current_consequence_i"[^>]*>(?:(?!</select>).)*value="4" selected', page, re.S
    )
    # An off-scale C/I/A value is refused on its own field.
    bad = signed_in.post(
        f"{BASE}{risk.pk}/assess/",
        {"version": risk.version, "current_likelihood": 1, "current_consequence_a": 9},
    )
    assert bad.status_code == 422 and "Select a valid choice" in html(bad)


def test_assess_form_single_rule_has_no_cia_fields(signed_in, org, owner, method):
    d = copy.deepcopy(method.definition)
    d["cia_rule"] = "single"
    services.methodology_set(organization=org, actor=owner, definition=d)
    risk = make_risk(org, owner)
    page = html(signed_in.get(f"{BASE}{risk.pk}/"))
    assert "current_consequence_c" not in page and 'name="current_consequence"' in page
    r = signed_in.post(
        f"{BASE}{risk.pk}/assess/",
        {"version": risk.version, "current_likelihood": 2, "current_consequence_c": 3},
    )
    assert r.status_code == 422 and "Give both likelihood and consequence" in html(r)
