"""A new organisation's first steps in Chromium: choose the 4×4 method and import the asset
inventory from a spreadsheet (the demo subsidiary starts empty); no console error, no CSP
violation."""

from __future__ import annotations

import pytest

from tests.e2e.test_risk_flow import click_and_wait
from tests.e2e.test_shell import assert_clean

pytestmark = pytest.mark.browser


def test_choose_4x4_method_and_import_assets(page, demo_server, tmp_path):
    from openisms.accounts.management.commands.demo import DEMO_EMAIL, DEMO_PASSWORD

    org = f"{demo_server}/o/demo-subsidiary"
    page.goto(f"{org}/")
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{org}/")

    page.goto(f"{org}/risk-method/")
    page.locator("input[name=preset][value='4x4']").check()
    click_and_wait(page, page.locator("form:has(input[name=preset])").get_by_role("button").first)
    assert page.locator(".matrix, table").first.is_visible()

    csv = tmp_path / "inventory.csv"
    csv.write_text(
        f"Name;Type;Owner;Confidentiality\nPayroll data;information;{DEMO_EMAIL};4\n"
        "HR system;software;;3\nHead office;site;;\n",
        encoding="utf-8-sig",
    )
    page.goto(f"{org}/assets/")
    click_and_wait(page, page.get_by_test_id("import-assets"))
    page.get_by_label("Spreadsheet (CSV or XLSX)").set_input_files(str(csv))
    click_and_wait(page, page.get_by_role("button", name="Import"))
    assert "3 created" in page.get_by_test_id("import-result").inner_text()
    page.goto(f"{org}/assets/")
    assert page.get_by_text("Payroll data").is_visible()
    assert_clean(page)
