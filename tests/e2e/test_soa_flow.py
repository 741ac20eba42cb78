"""The Statement of Applicability in Chromium: open the demo's draft, edit a row (a refused
exclusion first, then a valid decision), approve the draft into a new version, open that
version and download its PDF and XLSX; no console error, no CSP violation."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_risk_flow import click_and_wait, sign_in
from tests.e2e.test_shell import assert_clean

pytestmark = pytest.mark.browser


def test_edit_approve_and_export(page, demo_server, tmp_path):
    sign_in(page, demo_server)
    nav = page.get_by_role("navigation", name="Main")
    click_and_wait(page, nav.get_by_role("link", name="Statement of Applicability"))
    assert re.search(r"/soa/\d+/$", page.url), page.url
    soa_url = page.url
    assert "Draft with changes since version" in page.get_by_test_id("soa-status").inner_text()
    before = int(re.search(r"version (\d+)", page.get_by_test_id("soa-status").inner_text())[1])

    # A control selected by risk treatment cannot be excluded: the form says why.
    row = page.get_by_test_id("row-A.8.13")
    assert "Risk treatment" in row.inner_text()
    click_and_wait(page, page.get_by_test_id("edit-A.8.13"))
    page.get_by_label("Applicability").select_option("no")
    page.get_by_label("Justification for exclusion").fill(
        "We would rather not back anything up at all this year."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert "cannot be excluded" in page.get_by_test_id("entry-form").inner_text()
    # The refusal is answered 422, which the browser logs; nothing else may be.
    assert all("status of 422" in e for e in page.console_errors), page.console_errors
    page.console_errors.clear()

    # A valid decision: applicable for a contractual reason as well.
    page.get_by_label("Applicability").select_option("yes")
    page.get_by_label("Justification for exclusion").fill("")
    page.get_by_label("Contractual requirement").check()
    page.get_by_label("Which contract").fill("Customer framework agreement §12 (backups)")
    click_and_wait(page, page.get_by_role("button", name="Save"))
    assert page.url.startswith(soa_url)
    assert "Customer framework agreement §12" in page.get_by_test_id("row-A.8.13").inner_text()

    # Approve: a new version; the status says so.
    page.get_by_label("Approval comment").fill("Approved in the browser test.")
    click_and_wait(page, page.get_by_role("button", name="Approve this statement"))
    status = page.get_by_test_id("soa-status").inner_text()
    assert f"Approved — version {before + 1}" in status, status

    # The frozen version and its exports.
    click_and_wait(page, page.get_by_role("link", name=f"Version {before + 1}", exact=True))
    assert page.get_by_test_id("row-A.8.13").count() == 1
    with page.expect_download() as pdf:
        page.get_by_test_id("version-export-pdf").click()
    path = tmp_path / "soa.pdf"
    pdf.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert pdf.value.suggested_filename.endswith(".pdf")
    with page.expect_download() as xlsx:
        page.get_by_role("link", name="XLSX").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")
    assert_clean(page)
