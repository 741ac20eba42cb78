"""Sign in to the demo, switch organisation, see the dashboard: no console error, no CSP
violation, in Debian's Chromium against ``openisms serve --demo``."""

from __future__ import annotations

import pytest

from openisms.accounts.management.commands.demo import DEMO_EMAIL, DEMO_PASSWORD

pytestmark = pytest.mark.browser


def assert_clean(page):
    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []


def test_login_switch_organisation_dashboard(page, demo_server):
    page.goto(f"{demo_server}/o/demo/")
    assert "/accounts/login/" in page.url
    assert_clean(page)
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo_server}/o/demo/")
    assert page.get_by_role("heading", level=1).inner_text() == "Demo Manufacturing Ltd"
    assert_clean(page)

    page.get_by_test_id("org-switcher").click()
    page.get_by_role("link", name="Demo Subsidiary GmbH").click()
    page.wait_for_url(f"{demo_server}/o/demo-subsidiary/")
    assert page.get_by_role("heading", level=1).inner_text() == "Demo Subsidiary GmbH"
    assert page.get_by_text("Recent activity").is_visible()
    assert_clean(page)


def test_audit_filter_with_htmx(page, demo_server):
    page.goto(f"{demo_server}/accounts/login/")
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    page.goto(f"{demo_server}/o/demo/audit/")
    page.get_by_label("Action").select_option("membership.add")
    page.wait_for_url("**action=membership.add**")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 5  # the owner and four demo colleagues
    assert_clean(page)
