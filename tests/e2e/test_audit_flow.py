"""An internal audit in Chromium, followed through to a verified corrective action: plan an
audit on two requirements, start it, record a minor nonconformity and a conformity on the
checklist, issue the report, raise the nonconformity, analyse it, plan and complete a
corrective action, verify it effective and close the nonconformity, close the audit and download
its report; no console error, no CSP violation."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from tests.e2e.test_risk_flow import click_and_wait, sign_in
from tests.e2e.test_shell import assert_clean

pytestmark = pytest.mark.browser


def _select_requirements(page, *refs):
    select = page.locator("select[name=criteria]")
    values = []
    for ref in refs:
        option = select.locator("option", has_text=re.compile(rf"^\s*{re.escape(ref)}\b")).first
        values.append(option.get_attribute("value"))
    select.select_option(values)


def _move(page, to):
    click_and_wait(page, page.get_by_test_id(f"to-{to}"))


def test_audit_finding_to_verified_corrective_action(page, demo_server, tmp_path):
    sign_in(page, demo_server)
    title = f"Access control audit {uuid.uuid4().hex[:6]}"
    today = dt.date.today().isoformat()
    nav = page.get_by_role("navigation", name="Main")
    click_and_wait(page, nav.get_by_role("link", name="Internal audit"))
    click_and_wait(page, page.get_by_test_id("new-audit"))
    page.get_by_label("Title").fill(title)
    page.get_by_label("Scope").fill("Joiners, movers and leavers at head office.")
    _select_requirements(page, "A.5.15", "A.5.18")
    page.get_by_label("Planned start").fill(today)
    page.get_by_label("Lead auditor").select_option(index=1)
    page.get_by_label("Impartiality statement").fill(
        "The lead auditor has no operational role in access management."
    )
    click_and_wait(page, page.get_by_role("button", name="Plan audit"))
    assert re.search(r"/\d+/$", page.url), page.url
    audit_url = page.url
    assert page.get_by_test_id("audit-status").inner_text().startswith("Planned")
    assert page.get_by_test_id("item-A.5.15").count() == 1
    assert page.get_by_test_id("item-A.5.18").count() == 1

    _move(page, "in_progress")
    assert page.get_by_test_id("audit-status").inner_text().startswith("In progress")

    # The checklist: recorded in place (htmx).
    item = page.get_by_test_id("item-A.5.15")
    item.locator("summary").click()
    item.get_by_label("Result").select_option("minor_nc")
    item.get_by_label("Finding").fill("Two leavers of October kept VPN access for nine days.")
    item.get_by_label("Sampling notes").fill("Sampled the 12 leavers of October.")
    item.get_by_role("button", name="Save").click()
    page.get_by_test_id("item-A.5.15").get_by_text("Minor nonconformity").first.wait_for()
    item = page.get_by_test_id("item-A.5.18")
    item.locator("summary").click()
    item.get_by_label("Result").select_option("conformity")
    item.get_by_label("Sampling notes").fill("Quarterly access review of Q3 sampled.")
    item.get_by_role("button", name="Save").click()
    page.get_by_test_id("item-A.5.18").get_by_text("Conformity").first.wait_for()

    # The conclusion, then the report.
    click_and_wait(page, page.get_by_test_id("edit-audit"))
    page.get_by_label("Conclusion").fill("Access management is effective except for leavers.")
    click_and_wait(page, page.get_by_role("button", name="Save"))
    _move(page, "reported")
    assert page.get_by_test_id("audit-status").inner_text().startswith("Reported")

    # Closing needs the nonconformity raised first.
    item = page.get_by_test_id("item-A.5.15")
    click_and_wait(page, item.get_by_role("button", name="Raise a nonconformity"))
    nc_link = page.get_by_test_id("item-A.5.15").get_by_role("link", name=re.compile(r"^NC-\d+"))
    nc_ref = nc_link.inner_text()
    click_and_wait(page, nc_link)
    assert nc_ref in page.locator("h1").inner_text()
    assert page.get_by_test_id("nc-status").inner_text() == "Open"
    nc_url = page.url

    # Analyse, plan and complete a corrective action.
    click_and_wait(page, page.get_by_role("link", name="Edit", exact=True))
    page.get_by_label("Root cause").fill("HR does not notify IT of leavers' last day.")
    click_and_wait(page, page.get_by_role("button", name="Save"))
    _move(page, "analysed")
    click_and_wait(page, page.get_by_test_id("add-action"))
    page.get_by_label("Title").fill("Automate leaver notification from the HR system")
    page.get_by_label("Due").fill((dt.date.today() + dt.timedelta(days=30)).isoformat())
    click_and_wait(page, page.get_by_role("button", name="Add action"))
    page.goto(nc_url)
    _move(page, "action_planned")
    click_and_wait(page, page.get_by_role("link", name=re.compile(r"^Edit\s+CA-")))
    page.get_by_label("Status").select_option("done")
    page.get_by_label("Progress note").fill("HR system sends the leaver's date to IT.")
    click_and_wait(page, page.get_by_role("button", name="Save"))
    page.goto(nc_url)
    _move(page, "verifying")

    # Verify: effective closes the nonconformity.
    page.get_by_text("Record a verification").click()
    form = page.get_by_test_id("verification-form")
    form.get_by_label("Result").select_option("effective")
    form.get_by_label("Verified on").fill(today)
    form.get_by_label("Notes").fill("November leavers all removed on their last day.")
    click_and_wait(page, form.get_by_role("button", name="Record verification"))
    assert "Effective" in page.locator("#verifications").inner_text()
    _move(page, "closed")
    assert page.get_by_test_id("nc-status").inner_text() == "Closed"

    # The audit closes; its report is a PDF.
    page.goto(audit_url)
    _move(page, "closed")
    assert page.get_by_test_id("audit-status").inner_text().startswith("Closed")
    with page.expect_download() as pdf:
        page.get_by_test_id("report-pdf").click()
    path = tmp_path / "report.pdf"
    pdf.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert_clean(page)
