"""Exports of the Statement of Applicability: every format, the document control, the
frozen data of a version, formula neutralising, and the download routes (UI and API)."""

from __future__ import annotations

import csv
import io
import json
import re
import zlib

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from docx import Document
from openpyxl import load_workbook

from openisms.accounts import services as account_services
from openisms.catalog.models import RequirementNode
from openisms.controls import services as control_services
from openisms.controls.models import Evidence
from openisms.risks import services as risk_services
from openisms.risks.models import Risk
from openisms.soa import exports, selectors, services
from openisms.soa.models import SoaEntry

PAYLOAD = '=HYPERLINK("http://evil.test","click") we run no software development here at all.'
SENTENCE = "We run no software development at all, so this control protects nothing."


def node(ref):
    return RequirementNode.objects.get(framework__urn=selectors.ISO27001_2022, ref_id=ref)


def entry(soa, ref):
    return SoaEntry.objects.get(soa=soa, requirement__ref_id=ref)


def decide_all(soa):
    SoaEntry.objects.filter(soa=soa).update(
        applicable=True, business_requirement=True, business_reference="Customer trust"
    )


def exclude(soa, owner, ref, justification):
    e = entry(soa, ref)
    services.entry_update(
        entry=e, actor=owner, version=e.version, applicable=False, justification=justification
    )


@pytest.fixture
def statement(org, owner):
    """A consistent statement: every row applicable for a business reason, A.5.1 also for GDPR,
    A.8.13 selected by a risk and implemented by a control with evidence, A.8.25 excluded with
    a justification that a spreadsheet would run as a formula."""
    soa = services.soa_create(
        organization=org,
        actor=owner,
        framework=node("A.5.1").framework,
    )
    decide_all(soa)
    e = entry(soa, "A.5.1")
    services.entry_update(
        entry=e, actor=owner, version=e.version, legal_regulatory=True, legal_reference="GDPR 32"
    )
    risk = risk_services.risk_create(organization=org, actor=owner, title="Lost backups")
    control = control_services.control_create(
        organization=org,
        actor=owner,
        name="Daily backups",
        status="implemented",
        documentation="Backup policy v3\nRestore runbook",
        requirements=[node("A.8.13")],
    )
    control_services.risk_controls_set(risk=risk, actor=owner, controls=[control])
    ev = Evidence.objects.create(organization=org, ref="E-001", title="Backup log", kind="note")
    ev.controls.add(control)
    exclude(soa, owner, "A.8.25", PAYLOAD)
    soa.risk_ref = risk.ref
    return soa


@pytest.fixture
def approved(statement, owner):
    return services.soa_approve(soa=statement, actor=owner, comment="Management review 2026")


def rows_by_ref(doc):
    return {r["ref_id"]: r for r in doc.rows}


class TestDocument:
    def test_default_is_the_draft_until_a_version_exists(self, statement, owner):
        doc = exports.soa_document(statement)
        assert doc.is_draft and doc.status == "draft" and len(doc.rows) == 93
        assert doc.version_label == "Draft (no approved version yet)"
        assert doc.file_name("xlsx") == "acme-soa-draft.xlsx"
        services.soa_approve(soa=statement, actor=owner)
        doc = exports.soa_document(statement)
        assert doc.version_number == 1 and doc.file_name("pdf") == "acme-soa-v1.pdf"
        assert exports.soa_document(statement, draft=True).version_label == (
            "Draft after version 1"
        )

    def test_unknown_version(self, statement):
        with pytest.raises(Http404):
            exports.soa_document(statement, version=3)

    def test_version_exports_its_frozen_rows_after_the_draft_changed(
        self, statement, owner, approved
    ):
        exclude(statement, owner, "A.7.4", SENTENCE)
        Risk.objects.filter(ref=statement.risk_ref).update(status="closed")
        frozen = rows_by_ref(exports.soa_document(statement, version=1))
        draft = rows_by_ref(exports.soa_document(statement, draft=True))
        assert frozen["A.7.4"]["applicable"] is True and draft["A.7.4"]["applicable"] is False
        assert frozen["A.8.13"]["risk_refs"] == [statement.risk_ref]
        assert draft["A.8.13"]["risk_refs"] == []
        data = json.loads(exports.to_json(exports.soa_document(statement, version=1)))
        assert data["rows"] == approved.rows  # exactly what was approved
        assert data["document"]["content_hash"] == approved.content_hash

    def test_a_fixed_number_of_queries(self, org, owner, statement):
        def count():
            with CaptureQueriesContext(connection) as ctx:
                exports.to_csv(exports.soa_document(statement))
            return len(ctx.captured_queries)

        baseline = count()
        for i in range(10):
            risk = risk_services.risk_create(organization=org, actor=owner, title=f"Risk {i}")
            risk.annex_a_controls.set([node("A.5.1"), node("A.8.8")])
            ev = Evidence.objects.create(organization=org, ref=f"E-1{i}", title="x", kind="note")
            ev.requirements.add(node("A.5.2"))
        assert count() == baseline


class TestXlsx:
    def test_sheets_rows_document_control_and_neutralised_formula(self, statement, owner, approved):
        doc = exports.soa_document(statement)
        wb = load_workbook(io.BytesIO(exports.to_xlsx(doc)))
        assert wb.sheetnames == ["Document control", "Statement of Applicability", "Legend"]
        control = {r[0]: r[1] for r in wb["Document control"].iter_rows(values_only=True) if r}
        assert control["Organisation"] == "Acme Ltd"
        assert control["Version"] == "Version 1"
        assert control["Status"] == "Approved"
        assert control["Approved by"] == approved.approver_name
        assert control["Approval date"].startswith(approved.approved_at.strftime("%Y-%m-%d"))
        assert control["Approval comment"] == "Management review 2026"
        assert control["Classification"] == "Internal"
        assert control["Applicable"] == 92 and control["Excluded"] == 1
        table = list(wb["Statement of Applicability"].iter_rows(values_only=True))
        header, rows = table[0], {r[0]: dict(zip(table[0], r, strict=True)) for r in table[1:]}
        assert len(table) == 94 and len(rows) == 93
        assert header[:4] == ("Control", "Name", "Theme", "Applicable")
        a8_25 = rows["A.8.25"]
        assert a8_25["Applicable"] == "No"
        assert a8_25["Justification for exclusion"] == "'" + PAYLOAD  # not a formula
        a8_13 = rows["A.8.13"]
        assert a8_13["Risk treatment"] == "Yes"
        assert a8_13["Risks (treatment)"] == statement.risk_ref
        assert a8_13["Implementation status"] == "Implemented"
        assert a8_13["Implementing controls"].endswith("Daily backups")
        assert a8_13["Documents"] == "Backup policy v3\nRestore runbook"
        assert a8_13["Evidence"] == "E-001" and a8_13["Evidence items"] == 1
        assert rows["A.5.1"]["Legal / regulatory"] == "Yes"
        assert rows["A.5.1"]["Legal or regulatory reference"] == "GDPR 32"
        assert rows["A.5.1"]["Business requirement reference"] == "Customer trust"
        legend = [r[0] for r in wb["Legend"].iter_rows(values_only=True) if r and r[0]]
        assert {"Columns", "Reasons", "Statuses", "Risk treatment", "Partially implemented"} <= set(
            legend
        )

    def test_a_list_longer_than_a_cell_is_written_in_full_elsewhere(self, org, statement):
        risks = Risk.objects.bulk_create(
            Risk(organization=org, ref=f"R-{i:05d}", title="x") for i in range(1, 4201)
        )
        Risk.annex_a_controls.through.objects.bulk_create(
            Risk.annex_a_controls.through(risk_id=r.pk, requirementnode_id=node("A.5.7").pk)
            for r in risks
        )
        wb = load_workbook(io.BytesIO(exports.to_xlsx(exports.soa_document(statement))))
        table = list(wb["Statement of Applicability"].iter_rows(values_only=True))
        col = table[0].index("Risks (treatment)")
        text = next(r for r in table if r[0] == "A.5.7")[col]
        assert len(text) <= exports.EXCEL_CELL_LIMIT and "4200 in all" in text
        listed = [r[2] for r in wb["Long lists"].iter_rows(min_row=2, values_only=True)]
        assert listed == [r.ref for r in risks]


class TestCsvJson:
    def test_csv(self, statement):
        data = exports.to_csv(exports.soa_document(statement))
        assert data[:3] == b"\xef\xbb\xbf"
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert len(rows) == 93
        assert list(rows[0])[:4] == ["soa_version", "soa_status", "ref_id", "name"]
        assert {(r["soa_version"], r["soa_status"]) for r in rows} == {("draft", "draft")}
        by_ref = {r["ref_id"]: r for r in rows}
        assert by_ref["A.8.25"]["justification"] == "'" + PAYLOAD
        assert by_ref["A.8.25"]["applicable"] == "no"
        assert by_ref["A.8.13"]["risk_treatment"] == "yes"
        assert by_ref["A.8.13"]["implementation_status"] == "implemented"
        assert by_ref["A.8.13"]["documents"] == "Backup policy v3; Restore runbook"
        assert by_ref["A.5.1"]["legal_reference"] == "GDPR 32"

    def test_json(self, statement, approved):
        data = json.loads(exports.to_json(exports.soa_document(statement)))
        d = data["document"]
        assert d["organization"] == "Acme Ltd" and d["version"] == 1
        assert d["status"] == "approved" and d["approver"] == approved.approver_name
        assert d["approved_at"] == approved.approved_at.isoformat()
        assert d["classification"] == "Internal"
        assert data["summary"]["total"] == 93 and data["summary"]["excluded"] == 1
        assert len(data["rows"]) == 93 and set(data["rows"][0]) == set(selectors.ROW_KEYS)


class TestDocuments:
    def test_docx(self, statement, approved):
        document = Document(io.BytesIO(exports.to_docx(exports.soa_document(statement))))
        control = {r.cells[0].text: r.cells[1].text for r in document.tables[0].rows}
        assert control["Organisation"] == "Acme Ltd"
        assert control["Version"] == "Version 1" and control["Status"] == "Approved"
        assert control["Approved by"] == approved.approver_name
        assert control["Approval date"].startswith(approved.approved_at.strftime("%Y-%m-%d"))
        assert control["Classification"] == "Internal"
        table = document.tables[2]
        assert table.rows[0].cells[0].text == "Control"
        assert table.rows[0]._tr.trPr.xml.count("tblHeader") == 1  # repeated on each page
        main = [r for r in table.rows if re.match(r"A\.\d+\.\d+\n", r.cells[0].text)]
        assert len(main) == 93
        texts = {r.cells[0].text.split("\n")[0]: [c.text for c in r.cells] for r in main}
        assert texts["A.8.25"][3] == PAYLOAD  # a document, not a spreadsheet: as written
        assert (
            texts["A.5.1"][2] == "Legal / regulatory: GDPR 32\nBusiness requirement: Customer trust"
        )
        details = [r.cells[0].text for r in table.rows if r.cells[0].text.startswith("Risks")]
        assert details == [
            f"Risks whose treatment selected it (1): {statement.risk_ref}\nEvidence (1): E-001"
        ]
        assert document.sections[1].orientation == 1  # landscape
        assert "NUMPAGES" in document.sections[1].footer._element.xml
        headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
        assert "Legend" in headings

    def test_pdf(self, statement, approved):
        from weasyprint import HTML

        doc = exports.soa_document(statement)
        html = exports.pdf_html(doc)
        assert html.count('<tr class="main') == 93
        for text in ("Acme Ltd", "Version 1", "Approved", "Internal", "Management review 2026"):
            assert text in html
        assert approved.approver_name.replace("<", "&lt;").replace(">", "&gt;") in html
        assert "Legend" in html and "Partially implemented" in html
        rendered = HTML(string=html).render()
        assert len(rendered.pages) > 3  # title page, the table, the legend
        footer = _page_text(rendered.pages[1])
        assert f"Page 2 of {len(rendered.pages)}" in footer
        assert "Acme Ltd — Statement of Applicability — Version 1 — Internal" in footer
        pdf = rendered.write_pdf(finisher=exports.faster_compression)
        assert pdf[:5] == b"%PDF-"
        # The content streams, deflated by the finisher, inflate back to drawing operators.
        streams = [
            zlib.decompress(m)
            for m in re.findall(rb"/FlateDecode[^>]*>>\nstream\n(.*?)\nendstream", pdf, re.S)
        ]
        assert sum(b" TJ" in s for s in streams) == len(rendered.pages)

    def test_css_string_cannot_escape(self):
        assert exports.css_string('a"b</style> c') == '"a\\22 b\\3c \\2f style\\3e  c"'


def _page_text(page):
    """The text WeasyPrint laid out on a page (margin boxes included)."""
    from weasyprint.formatting_structure.boxes import TextBox

    return " ".join(b.text for b in page._page_box.descendants() if isinstance(b, TextBox))


class TestRoutes:
    FORMATS = {
        "xlsx": b"PK",
        "docx": b"PK",
        "pdf": b"%PDF",
        "csv": b"\xef\xbb\xbfsoa_version",
        "json": b"{",
    }

    def test_ui_export_every_format(self, client, statement, approved):
        client.force_login(approved.approved_by)
        url = f"/o/acme/soa/{statement.pk}/export/"
        for fmt, start in self.FORMATS.items():
            r = client.get(url, {"format": fmt})
            assert r.status_code == 200, fmt
            assert r["Content-Type"] == exports.CONTENT_TYPES[fmt]
            assert r["Content-Disposition"] == f'attachment; filename="acme-soa-v1.{fmt}"'
            assert r.content.startswith(start), fmt
        r = client.get(url, {"format": "json", "draft": "1"})
        assert r["Content-Disposition"].endswith('acme-soa-draft.json"')
        assert json.loads(r.content)["document"]["status"] == "draft"
        r = client.get(url, {"format": "json", "version": "1"})
        assert json.loads(r.content)["document"]["version"] == 1

    def test_ui_errors(self, client, member, org, statement, approved):
        client.force_login(member(org, "viewer"))
        url = f"/o/acme/soa/{statement.pk}/export/"
        r = client.get(url, {"format": "odt"})
        assert r.status_code == 400 and b"Unknown format 'odt'" in r.content
        assert client.get(url, {"version": "x"}).status_code == 400
        assert client.get(url, {"version": "1", "draft": "1"}).status_code == 400
        assert client.get(url, {"version": "7"}).status_code == 404
        assert client.get(url, {"format": "csv"}).status_code == 200  # viewers may export

    def test_another_organisations_statement_is_not_found(
        self, client, other_org, member, statement
    ):
        from openisms.accounts.tests.factories import MembershipFactory

        stranger = member(other_org, "owner")
        client.force_login(stranger)
        assert client.get(f"/o/globex/soa/{statement.pk}/export/").status_code == 404
        assert client.get(f"/o/acme/soa/{statement.pk}/export/").status_code == 404
        MembershipFactory(organization=statement.organization, user=stranger, role="viewer")
        other = services.soa_create(
            organization=other_org, actor=stranger, framework=statement.framework
        )
        assert client.get(f"/o/acme/soa/{other.pk}/export/").status_code == 404

    def test_api(self, client, org, owner, other_org, statement, approved):
        secret = account_services.token_create(organization=org, actor=owner, name="t").secret
        auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        url = f"/api/v1/orgs/acme/soa/{statement.pk}/export/"
        for fmt, start in self.FORMATS.items():
            r = client.get(url, {"format": fmt}, **auth)
            assert r.status_code == 200 and r.content.startswith(start), fmt
            assert r["Content-Disposition"] == f'attachment; filename="acme-soa-v1.{fmt}"'
        r = client.get(url, {"format": "csv", "draft": "true"}, **auth)
        assert b"\ndraft,draft,A.5.1," in r.content
        r = client.get(url, {"format": "odt"}, **auth)
        assert r.status_code == 400 and "Unknown format" in r.json()["error"]["message"]
        assert client.get(url, {"version": 9}, **auth).status_code == 404
        owner_b = account_services.user_create(email="b@globex.test", password=None)
        from openisms.accounts.tests.factories import MembershipFactory

        MembershipFactory(organization=other_org, user=owner_b, role="owner")
        foreign = services.soa_create(
            organization=other_org, actor=owner_b, framework=statement.framework
        )
        r = client.get(f"/api/v1/orgs/acme/soa/{foreign.pk}/export/", **auth)
        assert r.status_code == 404
        assert client.get(url.replace("acme", "globex"), **auth).status_code == 404


def test_an_approved_versions_pdf_is_rendered_once(statement, approved, monkeypatch):
    """Approved versions are immutable: their PDF is rendered once and served from the cache
    until what the title page shows changes; drafts are rendered every time."""
    calls = []
    real = exports.pdf_html
    monkeypatch.setattr(exports, "pdf_html", lambda doc: calls.append(doc) or real(doc))
    version = exports.soa_document(statement, version=approved.number)
    first = exports.render(version, "pdf")
    assert exports.render(exports.soa_document(statement, version=approved.number), "pdf") == first
    assert len(calls) == 1
    statement.title = "Statement of Applicability (ISMS Springfield)"
    statement.save()
    exports.render(exports.soa_document(statement, version=approved.number), "pdf")
    draft = exports.soa_document(statement, draft=True)
    exports.render(draft, "pdf")
    exports.render(draft, "pdf")
    assert len(calls) == 4
