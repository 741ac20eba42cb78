"""PDF and DOCX reports (openisms.core.reports)."""

from __future__ import annotations

import io

import pytest

from openisms.core import reports
from openisms.core.reports import Pairs, Report, Section, Table
from openisms.core.tests.report_utils import docx_text, pdf_pages_text


def _report(**kwargs):
    data = {
        "organization": "Acme Ltd",
        "title": "Internal audit report",
        "subtitle": "IA-003 Access control",
        "version_label": "IA-003",
        "classification": "Internal",
        "control": [("Lead auditor", "Ann Smith"), ("Team", "Bob\nCarla")],
        "sections": [
            Section("Scope", ["Head office and the cloud platform.\nAll staff."]),
            Section("Summary", [Pairs([("Conformity", "12"), ("Minor nonconformity", "1")])]),
            Section(
                "Findings",
                [
                    Table(
                        ["Requirement", "Result", "Finding"],
                        [["A.5.15", "Minor nonconformity", "Leavers keep <b>access</b> for days"]]
                        + [[f"A.8.{i}", "Conformity", ""] for i in range(60)],
                        widths=[1, 1, 3],
                    )
                ],
            ),
            Section("Detail", ["Sub text"], level=3),
        ],
        "draft_note": "Draft: the audit is not closed.",
    }
    data.update(kwargs)
    return Report(**data)


def test_pdf_lays_out_every_part_and_escapes_text():
    report = _report()
    html = reports.pdf_html(report)
    assert "Leavers keep &lt;b&gt;access&lt;/b&gt; for days" in html
    assert "<b>access" not in html
    assert 'style="width: 20.00%"' in html and 'style="width: 60.00%"' in html
    pages = pdf_pages_text(html)
    assert len(pages) >= 2  # 60 rows do not fit on one page
    text = " ".join(pages)
    for expected in (
        "Acme Ltd",
        "Internal audit report",
        "Draft: the audit is not closed.",
        "Document control",
        "Ann Smith",
        "Head office and the cloud platform.",
        "Minor nonconformity",
        "A.8.59",
        "Sub text",
    ):
        assert expected in text, expected
    assert f"Page 2 of {len(pages)}" in pages[1]
    assert "Acme Ltd — Internal audit report — IA-003 — Internal" in pages[1]
    # The table header is repeated on the second page.
    assert "Requirement" in pages[1] and "Finding" in pages[1]
    assert reports.render(report, "pdf")[:5] == b"%PDF-"


def test_docx_holds_the_same_content():
    from docx import Document

    content = reports.render(_report(), "docx")
    text = docx_text(content)
    for expected in (
        "Internal audit report",
        "Draft: the audit is not closed.",
        "Ann Smith",
        "Leavers keep <b>access</b> for days",
        "A.8.59",
        "Acme Ltd — Internal audit report — IA-003 — Internal",
    ):
        assert expected in text, expected
    document = Document(io.BytesIO(content))
    assert document.core_properties.title == "Internal audit report"
    findings = document.tables[-1]
    assert len(findings.rows) == 62  # the header and 61 rows
    assert findings.rows[0]._tr.trPr is not None  # the header repeats on each page
    portrait = document.sections[0]
    assert portrait.page_width < portrait.page_height
    landscape = Document(io.BytesIO(reports.render(_report(landscape=True), "docx"))).sections[0]
    assert landscape.page_width > landscape.page_height


def test_a_row_that_does_not_match_its_header_is_refused():
    bad = _report(sections=[Section("Findings", [Table(["A", "B"], [["only one"]])])])
    with pytest.raises(ValueError, match="Findings"):
        reports.render(bad, "docx")
    with pytest.raises(ValueError, match="one width per column"):
        reports.render(_report(sections=[Section("X", [Table(["A", "B"], [], widths=[1])])]), "pdf")


def test_response_is_a_download_with_a_safe_name():
    response = reports.report_response(_report(), "docx", "IA-003 report/../x")
    assert response["Content-Type"] == reports.CONTENT_TYPES["docx"]
    assert response["Content-Disposition"] == 'attachment; filename="ia-003-reportx.docx"'
    assert response["X-Content-Type-Options"] == "nosniff"
    with pytest.raises(ValueError, match="Unknown format"):
        reports.render(_report(), "xlsx")


def test_footer_cannot_break_out_of_the_css_string():
    html = reports.pdf_html(_report(organization='Evil"; } body { display: none'))
    assert 'Evil"; }' not in html.split("<body>")[0]


def test_docx_drops_characters_xml_cannot_hold():
    hostile = "Escape\x1b[31m red\x0b and \x00 nul \ufffe"
    report = _report(
        title=f"Title {hostile}",
        control=[("Lead", hostile)],
        sections=[
            Section(hostile, [hostile, Pairs([(hostile, hostile)]), Table(["A"], [[hostile]])])
        ],
    )
    text = docx_text(reports.render(report, "docx"))
    assert "Escape[31m red and  nul " in text
    assert "\x1b" not in text and "\x0b" not in text
    assert reports.render(report, "pdf")[:5] == b"%PDF-"
