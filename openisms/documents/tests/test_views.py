"""The document register pages: list (filters, export, query count), create/edit forms, the
document page (safe rendering, versions, lifecycle buttons), draft edit, transitions, approval,
version pages, downloads (headers), the methodology button; another organisation's documents are
never visible."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from openisms.documents import services
from openisms.documents.models import Document, DocumentVersion
from openisms.documents.tests.helpers import (  # noqa: F401 - fixture
    _evidence_root,
    approve,
    make_doc,
    submit,
    text_file,
)
from openisms.risks import services as risk_services

pytestmark = pytest.mark.django_db
BASE = "/o/acme/documents/"


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def html(response) -> str:
    return response.content.decode()


def test_list_filters_and_shows_status(signed_in, org, owner):
    draft = make_doc(org, owner, title="Backup procedure", type="procedure")
    policy = make_doc(org, owner)
    approve(policy, owner)
    Document.objects.filter(pk=policy.pk).update(next_review=dt.date(2020, 1, 1))
    page = html(signed_in.get(BASE))
    assert "Backup procedure" in page and 'data-testid="overdue-DOC-002"' in page
    assert "Backup procedure" not in html(signed_in.get(BASE + "?type=policy"))
    only = html(signed_in.get(BASE + "?overdue=on"))
    assert "DOC-002" in only and "DOC-001" not in only
    assert "DOC-002" not in html(signed_in.get(BASE + f"?status=draft&q={draft.title}"))
    assert " style=" not in page and "<script>" not in page


def test_list_query_count_is_constant(signed_in, org, owner):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert signed_in.get(BASE).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        approve(make_doc(org, owner, title=f"Doc {i}"), owner)
    few = count()
    for i in range(27):
        doc = make_doc(org, owner, title=f"More {i}")
        if i % 2:
            approve(doc, owner)
    assert count() == few


def test_export_csv_and_xlsx_keep_filters(signed_in, org, owner):
    make_doc(org, owner, title="=HYPERLINK(1)")
    approve(make_doc(org, owner, title="Policy", classification="Internal"), owner)
    response = signed_in.get(BASE + "export/?format=csv&status=approved")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("ref,title,type,status")
    assert "Policy" in text and "HYPERLINK" not in text
    response = signed_in.get(BASE + "export/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert values[0] == "DOC-001" and values[1] == "'=HYPERLINK(1)"
    assert signed_in.get(BASE + "export/?format=pdf").status_code == 400


def test_create_and_edit(signed_in, org, owner):
    response = signed_in.post(
        BASE + "new/",
        {
            "title": "Acceptable use policy",
            "type": "policy",
            "classification": "Internal",
            "review_interval_months": "12",
            "number": "0.1",
            "body_markdown": "# AUP",
        },
    )
    doc = Document.objects.get()
    assert response.status_code == 302 and doc.owner == owner
    assert DocumentVersion.objects.get(document=doc).number == "0.1"
    response = signed_in.post(
        BASE + f"{doc.pk}/edit/",
        {"title": "AUP", "type": "policy", "review_interval_months": "6", "version": "1"},
    )
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.title == "AUP" and doc.review_interval_months == 6 and doc.owner == owner
    stale = signed_in.post(
        BASE + f"{doc.pk}/edit/",
        {"title": "Other", "type": "policy", "review_interval_months": "6", "version": "1"},
    )
    assert stale.status_code == 409 and 'data-testid="reload"' in html(stale)


def test_create_refuses_bad_number_naming_the_field(signed_in):
    response = signed_in.post(
        BASE + "new/",
        {"title": "X", "type": "policy", "review_interval_months": "12", "number": "one"},
    )
    assert response.status_code == 422 and "major.minor" in html(response)


def test_detail_renders_markdown_safely(signed_in, org, owner):
    doc = make_doc(
        org,
        owner,
        body_markdown="# Rules\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2)) "
        '<img src="https://e.example/i.png" onerror="alert(3)">',
    )
    page = html(signed_in.get(BASE + f"{doc.pk}/"))
    assert "<h1>Rules</h1>" in page
    assert "alert(1)" not in page and "javascript:alert" not in page and "onerror" not in page
    assert 'data-testid="to-in_review"' in page and 'data-testid="edit-draft"' in page
    assert "object_type=documents.document&amp;object_id=" in page


def test_draft_edit_submit_approve_and_new_version(signed_in, org, owner):
    doc = make_doc(org, owner)
    response = signed_in.post(
        BASE + f"{doc.pk}/draft/", {"body_markdown": "# Updated", "change_note": "x", "version": 1}
    )
    assert response.status_code == 302
    signed_in.post(BASE + f"{doc.pk}/transition/", {"to": "in_review", "version": 1})
    doc.refresh_from_db()
    assert doc.status == "in_review"
    page = html(signed_in.get(BASE + f"{doc.pk}/"))
    assert 'data-testid="approve-form"' in page and "edit-draft" not in page
    signed_in.post(BASE + f"{doc.pk}/approve/", {"version": doc.version, "comment": "Fine"})
    doc.refresh_from_db()
    assert doc.status == "approved" and doc.current_version.approver_name.endswith(
        "<owner@acme.test>"
    )
    page = html(signed_in.get(BASE + f"{doc.pk}/"))
    assert "in force" in page and 'data-testid="start-form"' in page
    response = signed_in.post(
        BASE + f"{doc.pk}/draft/new/", {"bump": "major", "version": doc.version}
    )
    assert response.status_code == 302 and response["Location"].endswith("/draft/")
    assert DocumentVersion.objects.filter(document=doc, major=2, minor=0).exists()


def test_refused_transition_says_why(signed_in, org, owner):
    doc = make_doc(org, owner)
    response = signed_in.post(BASE + f"{doc.pk}/approve/", {"version": doc.version}, follow=True)
    assert "submit it for review first" in html(response)
    response = signed_in.post(
        BASE + f"{doc.pk}/transition/", {"to": "draft", "version": doc.version}, follow=True
    )
    assert "only a version in review can be returned to draft" in html(response)


def test_contributor_cannot_approve_or_touch_others(client, org, owner, member):
    contributor = member(org, "contributor", email="c@acme.test")
    client.force_login(contributor)
    doc = make_doc(org, owner)
    submit(doc, owner)
    assert client.post(BASE + f"{doc.pk}/approve/", {"version": doc.version}).status_code == 403
    assert client.get(BASE + f"{doc.pk}/edit/").status_code == 403
    assert client.get(BASE + f"{doc.pk}/draft/").status_code == 403
    page = html(client.get(BASE + f"{doc.pk}/"))
    assert "approve-form" not in page and "to-retired" not in page


def test_file_version_download_headers(signed_in, org, owner):
    doc = make_doc(org, owner, upload=text_file("policy.txt", "Policy\n"))
    v = DocumentVersion.objects.get(document=doc)
    page = html(signed_in.get(BASE + f"{doc.pk}/"))
    assert f"/versions/{v.pk}/download/" in page
    response = signed_in.get(BASE + f"{doc.pk}/versions/{v.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"".join(response.streaming_content) == b"Policy\n"


def test_draft_upload_through_the_form(signed_in, org, owner):
    doc = make_doc(org, owner)
    response = signed_in.post(
        BASE + f"{doc.pk}/draft/",
        {"body_markdown": "", "version": 1, "file": SimpleUploadedFile("p.pdf", b"%PDF-1.4\n")},
    )
    assert response.status_code == 302
    v = DocumentVersion.objects.get(document=doc)
    assert v.filename == "p.pdf" and v.body_markdown == ""
    bad = signed_in.post(
        BASE + f"{doc.pk}/draft/",
        {"version": v.version, "file": SimpleUploadedFile("x.html", b"<html><body>x</body>")},
    )
    assert bad.status_code == 422 and "HTML" in html(bad)


def test_version_page_shows_superseded_version(signed_in, org, owner):
    doc = make_doc(org, owner)
    v1 = approve(doc, owner)
    services.draft_start(document=doc, actor=owner)
    services.draft_update(document=doc, actor=owner, version=1, body_markdown="# Two")
    approve(doc, owner)
    page = html(signed_in.get(BASE + f"{doc.pk}/versions/{v1.pk}/"))
    assert "superseded" in page and "Information security policy" in page


def test_methodology_button(signed_in, org, owner):
    response = signed_in.post(BASE + "risk-methodology/", follow=True)
    assert "no risk methodology" in html(response)
    risk_services.methodology_from_preset(organization=org, actor=owner, preset="5x5")
    response = signed_in.post(BASE + "risk-methodology/")
    doc = Document.objects.get(source="risk_methodology")
    assert response["Location"] == BASE + f"{doc.pk}/"
    page = html(signed_in.get(BASE + f"{doc.pk}/"))
    assert "<table>" in page and "Risk matrix" in page


def test_other_organisation_is_invisible(client, org, other_org, owner, member):
    theirs_owner = member(other_org, "owner", email="o@globex.test")
    theirs = make_doc(other_org, theirs_owner, upload=text_file())
    v = DocumentVersion.objects.get(document=theirs)
    client.force_login(owner)
    assert client.get(BASE + f"{theirs.pk}/").status_code == 404
    assert client.get(BASE + f"{theirs.pk}/versions/{v.pk}/download/").status_code == 404
    assert "DOC-001" not in html(client.get(BASE))
