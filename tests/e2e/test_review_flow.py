"""A management review in Chromium: plan it, prepare it (the inputs a–g are compiled from the
demo's live registers), hold it (the inputs are frozen), record a decision and the minutes,
approve the minutes, and download them as PDF; no console error, no CSP violation."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from tests.e2e.test_risk_flow import click_and_wait, sign_in
from tests.e2e.test_shell import assert_clean

pytestmark = pytest.mark.browser


def test_prepare_hold_decide_and_export_minutes(page, demo_server, tmp_path):
    sign_in(page, demo_server)
    title = f"Management review {uuid.uuid4().hex[:6]}"
    today = dt.date.today().isoformat()
    nav = page.get_by_role("navigation", name="Main")
    click_and_wait(page, nav.get_by_role("link", name="Management review"))
    click_and_wait(page, page.get_by_test_id("new-review"))
    page.get_by_label("Title").fill(title)
    page.get_by_label("Planned on").fill(today)
    page.get_by_label("Chair").select_option(index=1)
    page.locator("input[name=attendees]").first.check()
    page.get_by_label("Feedback from interested parties").fill(
        "Key customer asked for our ISO/IEC 27001 certificate date."
    )
    click_and_wait(page, page.get_by_role("button", name="Plan review"))
    assert re.search(r"/\d+/$", page.url), page.url
    assert page.get_by_test_id("review-status").inner_text().startswith("Planned")

    # Prepare: every input of 9.3.2 is compiled from the registers.
    click_and_wait(page, page.get_by_test_id("prepare"))
    assert page.get_by_test_id("review-status").inner_text().startswith("Prepared")
    assert "Compiled from the live data" in page.get_by_test_id("inputs-state").inner_text()
    for key in "abcdefg":
        assert page.get_by_test_id(f"input-{key}").count() == 1, key
    assert "NC-" in page.get_by_test_id("input-d").inner_text()  # the demo's nonconformities
    assert "certificate date" in page.get_by_test_id("input-e").inner_text()

    # Hold: the inputs are frozen, with their hash.
    page.get_by_test_id("hold-form").get_by_label("Held on").fill(today)
    click_and_wait(page, page.get_by_test_id("hold"))
    assert page.get_by_test_id("review-status").inner_text().startswith("Held")
    assert "Frozen when the review was held" in page.get_by_test_id("inputs-state").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", page.get_by_test_id("inputs-hash").inner_text())
    review_url = page.url

    # A decision, tracked to closure later.
    click_and_wait(page, page.get_by_test_id("add-decision"))
    page.get_by_label("Kind").select_option("action")
    page.locator("[name=title]").fill("Budget a second backup site")
    page.get_by_label("Due").fill((dt.date.today() + dt.timedelta(days=60)).isoformat())
    click_and_wait(page, page.get_by_role("button", name="Record decision"))
    page.goto(review_url)
    assert "Budget a second backup site" in page.locator("#decision-table").inner_text()

    # The minutes, then their approval closes the review.
    click_and_wait(page, page.get_by_test_id("edit-review"))
    page.get_by_label("Minutes").fill("## Discussion\n\nThe inputs were reviewed; see decisions.")
    click_and_wait(page, page.get_by_role("button", name="Save"))
    assert "The inputs were reviewed" in page.get_by_test_id("minutes").inner_text()
    click_and_wait(page, page.get_by_test_id("close"))
    assert page.get_by_test_id("review-status").inner_text().startswith("Closed")

    with page.expect_download() as pdf:
        page.get_by_test_id("minutes-pdf").click()
    path = tmp_path / "minutes.pdf"
    pdf.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert_clean(page)
