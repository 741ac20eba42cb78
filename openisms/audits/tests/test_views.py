"""The audit pages: list (filters, constant queries, exports), programme with coverage, the
audit form (criteria, team), the audit page (impartiality warning, lifecycle, inline
recording with htmx, conflicts), raising a nonconformity, report downloads."""

from __future__ import annotations

import csv
import io

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openisms.audits import services
from openisms.audits.models import Audit, AuditItem
from openisms.audits.tests.helpers import TODAY, items, make_audit, reported, req, started
from openisms.controls import services as controls

BASE = "/o/acme/audits/"


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def html(response) -> str:
    return response.content.decode()


def assert_clean(response):
    assert " style=" not in html(response) and "<script>" not in html(response)


def test_list_filters_and_constant_queries(signed_in, org, owner):
    def fill(n):
        for i in range(n):
            make_audit(org, owner, title=f"Audit {i}")

    fill(3)
    with CaptureQueriesContext(connection) as few:
        response = signed_in.get(BASE)
    assert response.status_code == 200 and "IA-003" in html(response)
    assert_clean(response)
    fill(20)
    with CaptureQueriesContext(connection) as many:
        assert signed_in.get(BASE).status_code == 200
    assert len(many) == len(few)
    audit = Audit.objects.get(ref="IA-001")
    services.audit_cancel(audit=audit, actor=owner, version=audit.version)
    filtered = html(signed_in.get(f"{BASE}?status=cancelled"))
    assert "IA-001" in filtered and "IA-002" not in filtered
    export = signed_in.get(f"{BASE}export/?format=csv&status=cancelled")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][0] == "ref" and [r[0] for r in rows[1:]] == ["IA-001"]


def test_create_audit_with_the_form(signed_in, org, owner, member):
    auditor = member(org, "auditor")
    assert signed_in.get(f"{BASE}new/").status_code == 200
    response = signed_in.post(
        f"{BASE}new/",
        {
            "title": "Clause 9 audit",
            "criteria": [req("9.1").pk, req("9.2.2").pk],
            "lead_auditor": str(owner.pk),
            "team": [str(auditor.pk)],
            "planned_start": TODAY.isoformat(),
            "planned_end": (TODAY.replace(year=TODAY.year - 1)).isoformat(),
        },
    )
    assert response.status_code == 422 and "The end comes before the start." in html(response)
    response = signed_in.post(
        f"{BASE}new/",
        {
            "title": "Clause 9 audit",
            "criteria": [req("9.1").pk, req("9.2.2").pk],
            "lead_auditor": str(owner.pk),
            "team": [str(auditor.pk)],
        },
    )
    audit = Audit.objects.get(title="Clause 9 audit")
    assert response.status_code == 302 and audit.items.count() == 2
    assert list(audit.team.all()) == [auditor]
    edit = signed_in.get(f"{BASE}{audit.pk}/edit/")
    assert edit.status_code == 200
    stale = signed_in.post(
        f"{BASE}{audit.pk}/edit/",
        {"title": "Renamed", "criteria": [req("9.1").pk], "version": "9"},
    )
    assert stale.status_code == 409
    assert Audit.objects.get(pk=audit.pk).title == "Clause 9 audit"


def test_detail_shows_impartiality_warning_and_lifecycle(signed_in, org, owner, member):
    auditor = member(org, "auditor", email="ann@acme.test")
    controls.control_create(
        organization=org, actor=owner, name="Backups", owner=auditor, requirements=[req("A.8.13")]
    )
    audit = make_audit(org, owner, team=[auditor])
    page = signed_in.get(f"{BASE}{audit.pk}/")
    assert page.status_code == 200
    assert_clean(page)
    text = html(page)
    assert 'data-testid="impartiality-warning"' in text and "ann@acme.test" in text
    assert 'data-testid="to-in_progress"' in text and "disabled" in text
    refused = signed_in.post(
        f"{BASE}{audit.pk}/status/", {"to": "in_progress", "version": audit.version}, follow=True
    )
    assert "impartiality statement" in html(refused)
    audit.refresh_from_db()
    assert audit.status == "planned"


def test_inline_record_with_htmx_and_conflict(client, org, owner, member):
    auditor = member(org, "auditor")
    audit = started(org, owner, team=[auditor])
    item = items(audit)["9.2.2"]
    client.force_login(auditor)
    page = client.get(f"{BASE}{audit.pk}/")
    assert f'data-testid="record-{item.pk}"' in html(page)
    assert 'data-testid="edit-audit"' not in html(page)
    url = f"{BASE}{audit.pk}/items/{item.pk}/record/"
    response = client.post(
        url,
        {"result": "minor_nc", "finding": "Programme not approved", "version": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'id="item-{item.pk}"' in html(response) and "Programme not approved" in html(response)
    assert "<html" not in html(response)
    stale = client.post(url, {"result": "conformity", "version": "1"}, HTTP_HX_REQUEST="true")
    assert stale.status_code == 409 and "Reload" in html(stale)
    missing = client.post(
        url, {"result": "ofi", "finding": "", "version": "2"}, HTTP_HX_REQUEST="true"
    )
    assert missing.status_code == 422
    assert AuditItem.objects.get(pk=item.pk).result == "minor_nc"
    # The auditor cannot edit the audit itself.
    assert client.get(f"{BASE}{audit.pk}/edit/").status_code == 403


def test_raise_nonconformity_and_report_downloads(signed_in, org, owner):
    audit = reported(
        org, owner, {"A.8.13": {"result": "minor_nc", "finding": "Restore never tested"}}
    )
    item = items(audit)["A.8.13"]
    page = html(signed_in.get(f"{BASE}{audit.pk}/"))
    assert f'data-testid="raise-{item.pk}"' in page
    signed_in.post(f"{BASE}{audit.pk}/items/{item.pk}/nonconformity/")
    item.refresh_from_db()
    assert item.nonconformity is not None
    assert f'data-testid="nc-{item.pk}"' in html(signed_in.get(f"{BASE}{audit.pk}/"))
    pdf = signed_in.get(f"{BASE}{audit.pk}/report/?format=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    word = signed_in.get(f"{BASE}{audit.pk}/report/?format=docx")
    assert word["Content-Type"].startswith("application/vnd.openxmlformats")
    document = docx.Document(io.BytesIO(word.content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert "Restore never tested" in cells and item.nonconformity.ref in cells
    assert signed_in.get(f"{BASE}{audit.pk}/report/?format=odt").status_code == 404
    findings = signed_in.get(f"{BASE}findings/export/?format=csv")
    rows = list(csv.reader(io.StringIO(findings.content.decode("utf-8-sig"))))
    assert rows[1][3] == "A.8.13" and rows[1][9] == item.nonconformity.ref
    closed = signed_in.post(f"{BASE}{audit.pk}/status/", {"to": "closed", "version": audit.version})
    assert closed.status_code == 302
    audit.refresh_from_db()
    assert audit.status == "closed"
    assert signed_in.get(f"{BASE}{audit.pk}/edit/").status_code == 403


def test_draft_report_says_draft(signed_in, org, owner):
    audit = make_audit(org, owner)
    word = signed_in.get(f"{BASE}{audit.pk}/report/?format=docx")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert "Draft" in text


def test_programme_pages_and_coverage(signed_in, org, owner):
    assert signed_in.get(f"{BASE}programmes/new/").status_code == 200
    response = signed_in.post(
        f"{BASE}programmes/new/",
        {"title": "Cycle", "period_start": "2026-01-01", "period_end": "2028-12-31"},
    )
    assert response.status_code == 302
    programme_pk = int(response["Location"].rstrip("/").split("/")[-1])
    audit = make_audit(org, owner, refs=("4.1",))
    from openisms.audits.models import AuditProgramme

    programme = AuditProgramme.objects.get(pk=programme_pk)
    services.audit_update(audit=audit, actor=owner, version=audit.version, programme=programme)
    page = signed_in.get(f"{BASE}programmes/{programme_pk}/")
    assert page.status_code == 200
    assert_clean(page)
    assert 'data-testid="coverage-total"' in html(page) and "A.5.1" in html(page)
    assert signed_in.get(f"{BASE}programmes/").status_code == 200
    delete = signed_in.post(
        f"{BASE}programmes/{programme_pk}/delete/", {"version": "1"}, follow=True
    )
    assert audit.ref in html(delete)
