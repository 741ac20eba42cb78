"""The evidence form in Chromium (served by Django's test client, with its real headers): the
fields follow the chosen kind, a file dropped on the drop zone fills the normal file input, an
oversize file is flagged before sending, and the upload from a control page lands on that
control; no console error, no CSP violation."""

from __future__ import annotations

import hashlib
import os
import shutil
from urllib.parse import urlsplit

import pytest
from django.db import connections

from openisms.controls import services as control_services
from openisms.controls.models import Evidence
from openisms.controls.tests.test_evidence_storage import PDF

pytestmark = pytest.mark.browser

ORIGIN = "http://localhost"  # a trustworthy origin: COOP is honoured
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""
# A DataTransfer holding one file, as a drag from the desktop would bring.
DROP = """([name, bytes, type]) => {
  const dt = new DataTransfer();
  dt.items.add(new File([new Uint8Array(bytes)], name, {type}));
  return dt;
}"""


@pytest.fixture
def page(db, client, monkeypatch):
    """Chromium whose every request to http://localhost is answered by Django's test client
    (same database transaction as the test; real headers, CSP included)."""
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("OPENISMS_REQUIRE_ALL") == "1":
            pytest.fail("Chromium is required (apt-get install chromium)")
        pytest.skip("no 'chromium' on PATH: browser tests skipped")
    from playwright.sync_api import sync_playwright

    # The route handler runs Django in the thread that drives Playwright's event loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Playwright calls the handler in its own context: give it the test's connection (and so
    # the test's transaction).
    connection = connections["default"]

    def answer(route, request):
        connections["default"] = connection
        url = urlsplit(request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        response = client.generic(
            request.method,
            path,
            data=request.post_data_buffer or b"",
            content_type=request.headers.get("content-type", ""),
        )
        # A fulfilled redirect is not routed again: follow it here, and remember it.
        while response.status_code in (301, 302, 303) and response["Location"].startswith("/"):
            pg.redirects.append(response["Location"])
            response = client.get(response["Location"])
        body = b"".join(response.streaming_content) if response.streaming else response.content
        route.fulfill(status=response.status_code, headers=dict(response.items()), body=body)

    with sync_playwright() as p:
        connections["default"] = connection  # the test goes on in Playwright's context too
        browser = p.chromium.launch(
            executable_path=executable, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context()
        context.add_init_script(CSP_LISTENER)
        context.route(f"{ORIGIN}/**", answer)
        pg = context.new_page()
        pg.console_errors = []
        pg.redirects = []
        pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
        pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
        yield pg
        browser.close()


def assert_clean(page):
    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []


def drop(page, name, content, content_type="application/pdf"):
    data = page.evaluate_handle(DROP, [name, list(content), content_type])
    page.get_by_test_id("drop-zone").dispatch_event("drop", {"dataTransfer": data})


def test_drop_a_file_from_a_control_page(client, org, owner, settings, tmp_path, page):
    settings.OPENISMS_EVIDENCE_ROOT = tmp_path / "evidence"
    control = control_services.control_create(organization=org, actor=owner, name="Backups")
    client.force_login(owner)

    page.goto(f"{ORIGIN}/o/acme/evidence/new/?control={control.pk}")
    assert_clean(page)
    form = page.get_by_test_id("evidence-form")
    # Only the fields of the chosen kind show.
    assert page.locator("#id_file").is_visible() and not page.locator("#id_url").is_visible()
    form.get_by_label("Note", exact=True).check()
    assert page.locator("#id_note").is_visible() and not page.locator("#id_file").is_visible()
    form.get_by_label("File", exact=True).check()
    assert page.locator("#id_file").is_visible()

    # Larger than the limit: flagged at once.
    settings.OPENISMS_EVIDENCE_MAX_BYTES = 10
    page.reload()
    status = page.get_by_test_id("drop-zone").locator("[role=status]")
    drop(page, "restore report.pdf", PDF)
    assert "larger than the limit of 10 bytes" in status.inner_text()
    settings.OPENISMS_EVIDENCE_MAX_BYTES = 1024 * 1024
    page.reload()

    # Dropped: the normal input holds the file and the form sends it.
    drop(page, "restore report.pdf", PDF)
    assert "restore report.pdf" in status.inner_text()
    assert page.evaluate("document.querySelector('#id_file').files[0].name") == (
        "restore report.pdf"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Add evidence").click()
    assert page.redirects == [f"/o/acme/controls/{control.pk}/#evidence"]
    assert_clean(page)
    evidence = Evidence.objects.get()
    assert evidence.file.sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.filename == "restore report.pdf"
    assert list(evidence.controls.all()) == [control]
    assert "E-001" in page.locator("#evidence").inner_text()
