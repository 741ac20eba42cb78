"""The risk register in Chromium: register a risk, assess it, plan its treatment with an action,
accept it, find it on the heat map and follow the cell to the filtered register; no console
error, no CSP violation."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import NoReverseMatch, reverse

from openisms.accounts.management.commands.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.test_shell import assert_clean

pytestmark = pytest.mark.browser


def sign_in(page, server):
    page.goto(f"{server}/o/demo/")  # → sign in, then back here
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server}/o/demo/")


def ensure_methodology(page, server):
    """The demo has no risk method unless demo data adds one: pick a preset on the method page."""
    page.goto(f"{server}/o/demo/risks/heatmap/")
    if page.get_by_test_id("no-methodology").count() == 0:
        return
    try:
        path = reverse("riskmethod:methodology", kwargs={"org_slug": "demo"})
    except NoReverseMatch:
        pytest.skip("no risk methodology page (riskmethod:methodology) to define a method with")
    page.goto(f"{server}{path}")
    preset = page.locator("form:has(input[name=preset])")
    if preset.count() == 0:
        pytest.skip("the risk methodology page offers no preset to start from")
    preset.locator("input[name=preset]").first.check()
    with page.expect_navigation():
        preset.get_by_role("button").first.click()
    assert_clean(page)
    page.goto(f"{server}/o/demo/risks/heatmap/")
    assert page.get_by_test_id("no-methodology").count() == 0


def choose_highest(select) -> str:
    value = select.locator("option").last.get_attribute("value")
    select.select_option(value)
    return value


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()
    assert_clean(page)


def test_register_assess_treat_accept_and_find_on_heat_map(page, demo_server):
    sign_in(page, demo_server)
    ensure_methodology(page, demo_server)
    title = f"Ransomware on the file server {uuid.uuid4().hex[:6]}"

    # register
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Risk register").click()
    page.wait_for_url("**/risks/")
    assert_clean(page)
    click_and_wait(page, page.get_by_role("link", name="New risk"))
    page.get_by_label(re.compile(r"^Title:?$")).fill(title)
    page.get_by_label("Description").fill("Encryption of shared drives by malware.")
    page.get_by_label("Affects availability").check()
    click_and_wait(page, page.get_by_role("button", name="Register risk"))
    assert re.search(r"/risks/\d+/$", page.url), page.url
    assert title in page.get_by_role("heading", level=1).inner_text()
    risk_url = page.url

    # assess inherent and current at the top of both scales
    form = page.get_by_test_id("assess-form")
    values = {}
    for group in ("Inherent (without controls)", "Current (with existing controls)"):
        fieldset = form.get_by_role("group", name=group)
        values[group] = (
            choose_highest(fieldset.get_by_label("Likelihood")),
            choose_highest(fieldset.get_by_label("Consequence")),
        )
    click_and_wait(page, form.get_by_role("button", name="Save assessment"))
    assert page.get_by_test_id("level-current").locator(".level").inner_text() != "not assessed"
    click_and_wait(page, page.get_by_role("button", name="Move to Analysed"))
    assert page.get_by_test_id("risk-status").inner_text() == "Analysed"

    # plan the treatment with an Annex A control and an action
    page.get_by_text("Plan the treatment").click()
    treatment = page.get_by_test_id("treatment-form")
    treatment.get_by_label("Treatment option").select_option("modify")
    treatment.get_by_label("Treatment description").fill("Offline backups and EDR.")
    treatment.get_by_label("Annex A controls").select_option(label="A.8.13 Information backup")
    click_and_wait(page, treatment.get_by_role("button", name="Save treatment"))
    assert page.get_by_role("link", name="A.8.13 Information backup").is_visible()
    page.get_by_text("Add an action").click()
    action = page.get_by_test_id("action-form")
    action.get_by_label(re.compile(r"^Action:?$")).fill("Set up immutable offline backups")
    action.get_by_label("Due").fill("2030-06-30")
    click_and_wait(page, action.get_by_role("button", name="Add action"))
    assert page.locator("#action-table").get_by_text("Set up immutable offline backups").count()
    click_and_wait(page, page.get_by_role("button", name="Move to Treatment planned"))

    # accept the residual risk
    page.get_by_text("Accept the residual risk").click()
    accept = page.get_by_test_id("accept-form")
    accept.get_by_label("Justification").fill("Backups tested monthly; residual risk accepted.")
    click_and_wait(page, accept.get_by_role("button", name="Record acceptance"))
    assert page.locator("#acceptance-history").get_by_text("in force").is_visible()
    click_and_wait(page, page.get_by_role("button", name="Move to Accepted"))
    assert page.get_by_test_id("risk-status").inner_text() == "Accepted"

    # the heat map places it; its cell leads to the filtered register
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Heat maps").click()
    page.wait_for_url("**/risks/heatmap/")
    assert_clean(page)
    likelihood, consequence = values["Current (with existing controls)"]
    cell = page.locator(
        f'#heatmap-current svg a[href$="grid=current&likelihood={likelihood}'
        f'&consequence={consequence}"]'
    )
    assert int(cell.get_attribute("data-count")) >= 1
    click_and_wait(page, cell)
    assert "grid=current" in page.url and f"likelihood={likelihood}" in page.url
    assert page.get_by_test_id("cell-filter").is_visible()
    page.get_by_label("Search").fill(title.rsplit(" ", 1)[1])  # htmx swaps the results
    page.wait_for_url("**q=**")
    assert page.locator("#results tbody tr").count() == 1
    assert_clean(page)
    page.locator("#results").get_by_role("link", name=title).click()
    page.wait_for_url(risk_url)
    assert_clean(page)
