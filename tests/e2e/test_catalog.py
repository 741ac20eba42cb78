"""Browse the catalog in Chromium: framework list, tree search (htmx), a requirement and its
mappings; no console error, no CSP violation."""

from __future__ import annotations

import pytest

from openisms.accounts.management.commands.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.test_shell import assert_clean

pytestmark = pytest.mark.browser


def test_browse_iso_27001_and_follow_a_mapping(page, demo_server):
    page.goto(f"{demo_server}/o/demo/")  # → sign in, then back here
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo_server}/o/demo/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Frameworks").click()
    page.get_by_role(
        "link", name="ISO/IEC 27001:2022 Information security management systems — Requirements"
    ).click()
    assert page.get_by_text("123 assessable").is_visible()
    page.get_by_label("Search requirements").fill("cryptograph")
    page.wait_for_url("**q=cryptograph**")
    tree = page.locator("#tree li")
    assert tree.count() >= 1
    page.get_by_role("link", name="A.8.24 Use of cryptography").click()
    assert page.get_by_role("heading", level=1).inner_text() == "A.8.24 Use of cryptography"
    assert page.locator("#mappings tbody tr").count() >= 1
    assert_clean(page)
