"""Certification readiness and the auditor's session in Chromium.

The owner opens the readiness page of the demo: the score with its formula, findings of several
severities, a severity filter applied in place (htmx), and a "fix it" link that leads to the
record concerned. The demo auditor then signs in: they read the readiness page, the risk
register and the internal audits, see no button that would change anything, and an edit page
opened by its address is refused (403); no console error, no CSP violation."""

from __future__ import annotations

import re

import pytest

from openisms.accounts.management.commands.demo import DEMO_PASSWORD
from tests.e2e.test_risk_flow import click_and_wait, sign_in
from tests.e2e.test_shell import assert_clean

pytestmark = pytest.mark.browser

AUDITOR = "auditor@openisms.local"


def test_readiness_page_filters_and_leads_to_the_fix(page, demo_server):
    sign_in(page, demo_server)
    nav = page.get_by_role("navigation", name="Main")
    click_and_wait(page, nav.get_by_role("link", name="Readiness"))
    score = float(page.get_by_test_id("score").inner_text())
    assert 0 < score < 100
    assert "blocker 10" in page.get_by_test_id("formula").inner_text()
    blockers = int(page.get_by_test_id("count-blocker").inner_text())
    assert blockers >= 1 and int(page.get_by_test_id("count-major").inner_text()) >= 1
    assert page.get_by_test_id("findings-major").count() == 1

    # Filter in place: only the blockers remain, and the URL keeps the filter.
    page.get_by_label("Severity").select_option("blocker")
    page.wait_for_url(re.compile(r"severity=blocker"))
    page.get_by_test_id("findings-major").wait_for(state="detached")
    table = page.get_by_test_id("findings-blocker")
    assert table.locator("tbody tr").count() >= 1

    # "Fix it" opens the record concerned.
    click_and_wait(page, table.get_by_role("link", name="Fix it").first)
    assert "/readiness/" not in page.url
    assert_clean(page)


def test_auditor_reads_everything_and_changes_nothing(page, demo_server):
    page.goto(f"{demo_server}/o/demo/")
    page.get_by_label("Email").fill(AUDITOR)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo_server}/o/demo/")
    nav = page.get_by_role("navigation", name="Main")

    click_and_wait(page, nav.get_by_role("link", name="Readiness"))
    assert page.get_by_test_id("score").count() == 1

    click_and_wait(page, nav.get_by_role("link", name="Risk register"))
    assert page.get_by_test_id("new-risk").count() == 0
    risk = page.locator("table a", has_text=re.compile(r"^R-\d+")).first
    click_and_wait(page, risk)
    assert page.get_by_role("button", name=re.compile("Save|Delete|Accept")).count() == 0
    risk_url = page.url

    click_and_wait(page, nav.get_by_role("link", name="Internal audit"))
    assert page.get_by_test_id("new-audit").count() == 0

    # An edit page opened by its address is refused.
    response = page.goto(risk_url + "edit/")
    assert response.status == 403
    page.console_errors.clear()  # the browser logs the 403 it was just given
    assert page.evaluate("window.__cspViolations") == []
