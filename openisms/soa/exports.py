"""Exports of a Statement of Applicability: XLSX, DOCX, PDF, CSV and JSON, of the draft or of
an approved version.

``soa_document`` builds one ``SoaDocument`` (document control, summary, one row per control,
every column; see ``openisms.soa.selectors.ROW_KEYS``) from the draft or a frozen version; the
writers only lay it out:

* XLSX: sheets "Document control", "Statement of Applicability" and "Legend" (write-only
  workbook; every text cell a spreadsheet would run as a formula is neutralised). A list too
  long for one Excel cell (32,767 characters) is cut there and written in full, one ref per
  row, on an extra sheet "Long lists".
* CSV: machine-readable: one header row of column keys, then one row per control. The document
  control travels in the file name and in the ``soa_version`` / ``soa_status`` columns of every
  row; lists are separated by "; ". Cells are neutralised as in the XLSX.
* JSON: ``{"document": {…}, "summary": {…}, "legend": …, "rows": [...]}``, rows as a version
  stores them.
* DOCX and PDF: documents for an auditor: a title page with the document control and the
  summary, the table (landscape, header repeated on every page, the full lists of risk and
  evidence refs wrapped under each row), the legend, and "page X of Y".

Which statement: ``version=N`` an approved version; ``draft=True`` the draft; neither: the
latest approved version, or the draft when none was approved yet.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from openisms.controls.choices import ImplementationStatus
from openisms.core.reports import (
    css_string,
    docx_cell,
    docx_footer,
    docx_pairs,
    docx_repeat_header,
    docx_shade,
    faster_compression,
    xml_safe,
)
from openisms.core.spreadsheets import LIST_SEPARATOR, cell
from openisms.soa import selectors
from openisms.soa.models import Soa, SoaVersion

FORMATS = ("xlsx", "docx", "pdf", "csv", "json")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
EXCEL_CELL_LIMIT = 32_767
REASON_KEYS = selectors.REASONS  # risk_treatment, legal_regulatory, contractual, business_…


def reason_label(key: str) -> str:
    return {
        "risk_treatment": _("Risk treatment"),
        "legal_regulatory": _("Legal / regulatory"),
        "contractual": _("Contractual"),
        "business_requirement": _("Business requirement"),
    }[key]


def status_label(status: str) -> str:
    return str(ImplementationStatus(status).label) if status else _("No control")


def applicable_label(value: bool | None) -> str:
    if value is None:
        return _("Not decided")
    return _("Yes") if value else _("No")


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


@dataclass
class SoaDocument:
    organization: str
    organization_slug: str
    framework: str
    framework_urn: str
    title: str
    classification: str
    version_number: int | None  # None: the draft
    version_label: str
    status: str  # "approved" or "draft"
    status_label: str
    approver: str
    approved_at: dt.datetime | None
    comment: str
    content_hash: str
    generated_at: dt.datetime
    rows: list[dict[str, Any]]  # ROW_KEYS (plus "risk_count" and "findings")
    summary: selectors.Summary
    default_framework: bool = True

    @property
    def is_draft(self) -> bool:
        return self.version_number is None

    def file_name(self, fmt: str) -> str:
        """``acme-soa-v2.xlsx``, ``acme-soa-draft.pdf``; another framework's statement carries
        the framework (``acme-soa-nist-csf-20-v1.csv``)."""
        parts = [self.organization_slug, "soa"]
        if not self.default_framework:
            parts.append(slugify(self.framework_urn.rsplit(":", 1)[-1]) or "framework")
        parts.append("draft" if self.is_draft else f"v{self.version_number}")
        return "-".join(parts) + f".{fmt}"

    def control_fields(self) -> list[tuple[str, str]]:
        """Document control as (label, text), in the order every format shows it."""
        return [
            (_("Organisation"), self.organization),
            (_("Document"), self.title),
            (_("Framework"), self.framework),
            (_("Version"), self.version_label),
            (_("Status"), self.status_label),
            (_("Approved by"), self.approver or _("Not approved")),
            (_("Approval date"), _when(self.approved_at) or _("Not approved")),
            (_("Approval comment"), self.comment or "—"),
            (_("Classification"), self.classification),
            (_("Generated"), _when(self.generated_at)),
        ]

    def summary_fields(self) -> list[tuple[str, int]]:
        s = self.summary
        out = [
            (_("Controls"), s.total),
            (_("Applicable"), s.applicable),
            (_("Excluded"), s.excluded),
            (_("Not decided"), s.undecided),
        ]
        for status in [*ImplementationStatus.values, "none"]:
            if s.by_status.get(status):
                label = status_label("" if status == "none" else status)
                out.append((_("Applicable, %s") % label.lower(), s.by_status[status]))
        out.append((_("Consistency problems"), s.errors))
        out.append((_("Warnings"), s.warnings))
        return out


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z").strip()


def soa_document(soa: Soa, *, version: int | None = None, draft: bool = False) -> SoaDocument:
    """The statement to export: an approved version (``version``; Http404 when unknown), the
    draft (``draft``), or by default the latest approved version, else the draft."""
    if version is not None and draft:
        raise ValueError("version and draft exclude each other")
    chosen: SoaVersion | None = None
    latest = selectors.latest_version(soa)
    if version is not None:
        chosen = selectors.version_get(soa=soa, number=version)
    elif not draft:
        chosen = latest
    organization = soa.organization
    common: dict[str, Any] = {
        "organization": organization.name,
        "organization_slug": organization.slug,
        "framework_urn": soa.framework.urn,
        "title": soa.title,
        "generated_at": timezone.now(),
        "default_framework": soa.framework.urn == selectors.ISO27001_2022,
    }
    if chosen is None:
        rows = selectors.draft_rows(soa, full=True)
        for row in rows:
            row.pop("entry", None)
        label = (
            _("Draft after version %d") % latest.number
            if latest
            else _("Draft (no approved version yet)")
        )
        return SoaDocument(
            **common,
            framework=soa.framework.name,
            classification=soa.classification,
            version_number=None,
            version_label=label,
            status="draft",
            status_label=_("Draft — not approved"),
            approver="",
            approved_at=None,
            comment="",
            content_hash=selectors.rows_hash(selectors.frozen(rows)),
            rows=rows,
            summary=selectors.summarize(rows),
        )
    rows = selectors.version_rows(chosen)
    return SoaDocument(
        **common,
        framework=chosen.framework_name,
        classification=chosen.classification,
        version_number=chosen.number,
        version_label=_("Version %d") % chosen.number,
        status="approved",
        status_label=_("Approved"),
        approver=chosen.approver_name,
        approved_at=chosen.approved_at,
        comment=chosen.comment,
        content_hash=chosen.content_hash,
        rows=rows,
        summary=selectors.summarize(rows),
    )


# --- the legend ---------------------------------------------------------------------------------


def legend() -> list[tuple[str, list[tuple[str, str]]]]:
    """(section, [(term, explanation)]) shown by every document format."""
    return [
        (
            _("Columns"),
            [
                (_("Control"), _("The control's identifier and name in the framework.")),
                (
                    _("Applicable"),
                    _(
                        "Yes: the control is included in the ISMS. No: it is excluded, with a "
                        "justification. Not decided: nobody decided yet (the statement cannot "
                        "be approved so)."
                    ),
                ),
                (
                    _("Reasons for inclusion"),
                    _(
                        "Why an applicable control is included; each reason names what it "
                        "comes from (see Reasons below)."
                    ),
                ),
                (
                    _("Justification for exclusion"),
                    _("Why an excluded control is not needed (at least a sentence)."),
                ),
                (
                    _("Implementation status"),
                    _(
                        "Derived from the organisation's controls that implement the "
                        "requirement (see Statuses below)."
                    ),
                ),
                (
                    _("Implementing controls"),
                    _("The organisation's own controls that implement the requirement."),
                ),
                (_("Documents"), _("The documents those controls refer to.")),
                (
                    _("Evidence"),
                    _(
                        "Evidence items linked to the requirement or to an implementing "
                        "control, with how many are fresh, expiring soon or stale."
                    ),
                ),
                (
                    _("Risks"),
                    _(
                        "Every open risk whose treatment selected the control (directly or "
                        "through an implementing control): the traceability of the reason "
                        "'risk treatment'."
                    ),
                ),
            ],
        ),
        (
            _("Reasons"),
            [
                (
                    reason_label("risk_treatment"),
                    _(
                        "Selected by the treatment of the listed risks (derived from the risk "
                        "register, never typed in)."
                    ),
                ),
                (
                    reason_label("legal_regulatory"),
                    _("Required by the law or regulation named in the reference."),
                ),
                (
                    reason_label("contractual"),
                    _("Required by the contract named in the reference."),
                ),
                (
                    reason_label("business_requirement"),
                    _("Required by the business requirement named in the reference."),
                ),
            ],
        ),
        (
            _("Statuses"),
            [
                (
                    status_label(ImplementationStatus.IMPLEMENTED),
                    _("Every implementing control is implemented."),
                ),
                (
                    status_label(ImplementationStatus.PARTIAL),
                    _("At least one implementing control is implemented or partially so."),
                ),
                (
                    status_label(ImplementationStatus.PLANNED),
                    _("No implementing control is implemented yet; at least one is planned."),
                ),
                (
                    status_label(ImplementationStatus.NOT_STARTED),
                    _("Implementing controls exist, none is planned or implemented."),
                ),
                (status_label(""), _("No control of the organisation implements it yet.")),
                ("—", _("An excluded control has no implementation status.")),
            ],
        ),
        (
            _("Evidence freshness"),
            [
                (_("Fresh"), _("Valid, and not expiring soon (or without an end of validity).")),
                (
                    _("Expiring"),
                    _("Valid, but its validity ends within %d days.")
                    % settings.OPENISMS_EVIDENCE_EXPIRING_DAYS,
                ),
                (_("Stale"), _("Its validity has ended.")),
            ],
        ),
        (
            _("Document status"),
            [
                (
                    _("Approved"),
                    _(
                        "An approved version: frozen at approval, with every column as it "
                        "stood then; it never changes afterwards."
                    ),
                ),
                (
                    _("Draft — not approved"),
                    _("The working draft, with the derived columns as of the generation date."),
                ),
            ],
        ),
    ]


# --- shared row texts -----------------------------------------------------------------------------


def _reference(row: dict[str, Any], reason: str) -> str:
    if reason == "risk_treatment":
        n = row.get("risk_count", len(row["risk_refs"]))
        return _("%d risks") % n if n != 1 else _("1 risk")
    key = {
        "legal_regulatory": "legal_reference",
        "contractual": "contractual_reference",
        "business_requirement": "business_reference",
    }[reason]
    # Obligations of the register that make this reason hold ("OB-001 GDPR (legal)").
    kinds = [k for k, r in selectors.OBLIGATION_REASON.items() if r == reason]
    linked = [o for o in row.get("obligations", []) if o.endswith(tuple(f"({k})" for k in kinds))]
    return "; ".join(x for x in (row[key], *linked) if x)


def _reasons_text(row: dict[str, Any]) -> list[str]:
    out = []
    for reason in row["reasons"]:
        ref = _reference(row, reason)
        out.append(f"{reason_label(reason)}: {ref}" if ref else reason_label(reason))
    return out


def _evidence_text(row: dict[str, Any]) -> str:
    c = row["evidence_counts"]
    if not c.get("total"):
        return _("None")
    return _("%(total)d (%(fresh)d fresh, %(expiring)d expiring, %(stale)d stale)") % c


def _display_rows(doc: SoaDocument) -> list[dict[str, Any]]:
    """Rows with the texts the documents (PDF, DOCX) show."""
    out = []
    theme = None
    for row in doc.rows:
        out.append(
            {
                **row,
                "new_theme": row["theme"] if row["theme"] != theme else None,
                "applicable_label": applicable_label(row["applicable"]),
                "reason_texts": _reasons_text(row),
                "status_label": status_label(row["implementation_status"])
                if row["applicable"] is not False
                else "—",
                "evidence_text": _evidence_text(row),
                "risk_text": ", ".join(row["risk_refs"]),
                "evidence_refs_text": ", ".join(row["evidence"]),
            }
        )
        theme = row["theme"]
    return out


# --- tabular columns (XLSX, CSV) ----------------------------------------------------------------


def _flag(row: dict[str, Any], reason: str) -> bool:
    return reason in row["reasons"]


@dataclass(frozen=True)
class Col:
    key: str  # the CSV header
    label: str  # the XLSX header
    width: float
    get: Any  # row → value (lists stay lists)
    wrap: bool = False


def columns() -> list[Col]:
    return [
        Col("ref_id", _("Control"), 9, lambda r: r["ref_id"]),
        Col("name", _("Name"), 36, lambda r: r["name"], True),
        Col("theme", _("Theme"), 22, lambda r: r["theme"], True),
        Col("applicable", _("Applicable"), 11, lambda r: r["applicable"]),
        Col(
            "risk_treatment",
            reason_label("risk_treatment"),
            10,
            lambda r: _flag(r, "risk_treatment"),
        ),
        Col("risk_refs", _("Risks (treatment)"), 40, lambda r: r["risk_refs"], True),
        Col(
            "legal_regulatory",
            reason_label("legal_regulatory"),
            10,
            lambda r: _flag(r, "legal_regulatory"),
        ),
        Col(
            "legal_reference",
            _("Legal or regulatory reference"),
            28,
            lambda r: r["legal_reference"],
            True,
        ),
        Col(
            "obligations",
            _("Obligations (legal, regulatory, contractual)"),
            36,
            lambda r: r.get("obligations", []),
            True,
        ),
        Col("contractual", reason_label("contractual"), 10, lambda r: _flag(r, "contractual")),
        Col(
            "contractual_reference",
            _("Contractual reference"),
            28,
            lambda r: r["contractual_reference"],
            True,
        ),
        Col(
            "business_requirement",
            reason_label("business_requirement"),
            10,
            lambda r: _flag(r, "business_requirement"),
        ),
        Col(
            "business_reference",
            _("Business requirement reference"),
            28,
            lambda r: r["business_reference"],
            True,
        ),
        Col(
            "justification",
            _("Justification for exclusion"),
            40,
            lambda r: r["justification"],
            True,
        ),
        Col(
            "implementation_status",
            _("Implementation status"),
            18,
            lambda r: r["implementation_status"],
        ),
        Col("implementing_controls", _("Implementing controls"), 32, lambda r: r["controls"], True),
        Col("documents", _("Documents"), 28, lambda r: r["documents"], True),
        Col("evidence", _("Evidence"), 32, lambda r: r["evidence"], True),
        Col("evidence_total", _("Evidence items"), 9, lambda r: r["evidence_counts"]["total"]),
        Col("evidence_fresh", _("Fresh"), 8, lambda r: r["evidence_counts"]["fresh"]),
        Col("evidence_expiring", _("Expiring"), 8, lambda r: r["evidence_counts"]["expiring"]),
        Col("evidence_stale", _("Stale"), 8, lambda r: r["evidence_counts"]["stale"]),
        Col("notes", _("Implementation notes"), 36, lambda r: r["notes"], True),
    ]


# --- CSV ----------------------------------------------------------------------------------------


def _csv_text(key: str, value: Any) -> str:
    if key == "applicable":
        value = "" if value is None else ("yes" if value else "no")
    elif isinstance(value, bool):
        value = "yes" if value else "no"
    elif isinstance(value, list):
        value = f"{LIST_SEPARATOR} ".join(value)
    value = cell(value)
    return "" if value is None else str(value)


def to_csv(doc: SoaDocument) -> bytes:
    """UTF-8 with a BOM (Excel reads it as UTF-8); see the module docstring."""
    cols = columns()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["soa_version", "soa_status", *(c.key for c in cols)])
    version = "draft" if doc.is_draft else str(doc.version_number)
    for row in doc.rows:
        writer.writerow([version, doc.status, *(_csv_text(c.key, c.get(row)) for c in cols)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- JSON ---------------------------------------------------------------------------------------


def to_json(doc: SoaDocument) -> bytes:
    s = doc.summary
    data = {
        "document": {
            "organization": doc.organization,
            "organization_slug": doc.organization_slug,
            "title": doc.title,
            "framework": doc.framework,
            "framework_urn": doc.framework_urn,
            "version": doc.version_number,
            "version_label": doc.version_label,
            "status": doc.status,
            "status_label": doc.status_label,
            "approver": doc.approver or None,
            "approved_at": doc.approved_at.isoformat() if doc.approved_at else None,
            "comment": doc.comment,
            "classification": doc.classification,
            "content_hash": doc.content_hash,
            "generated_at": doc.generated_at.isoformat(),
        },
        "summary": {
            "total": s.total,
            "applicable": s.applicable,
            "excluded": s.excluded,
            "undecided": s.undecided,
            "errors": s.errors,
            "warnings": s.warnings,
            "applicable_by_status": s.by_status,
        },
        "rows": [{k: row[k] for k in selectors.ROW_KEYS} for row in doc.rows],
    }
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


# --- XLSX ---------------------------------------------------------------------------------------


def _xlsx_value(key: str, value: Any, wrap_list: str) -> Any:
    if key == "applicable":
        return applicable_label(value)
    if key == "implementation_status":
        return status_label(value)
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, list):
        return wrap_list.join(value)
    return value


def _fit(
    text: Any,
    *,
    ref_id: str,
    label: str,
    long: list[tuple[str, str, list[str]]],
    items: list[str] | None,
    separator: str,
) -> Any:
    """Text longer than an Excel cell holds (less one character for a neutralising
    apostrophe): a list is cut at an item, with a pointer to the sheet "Long lists", where
    ``items`` are written in full; other text is cut."""
    limit = EXCEL_CELL_LIMIT - 1
    if not isinstance(text, str) or len(text) <= limit:
        return text
    if items is None:
        return text[: limit - 1] + "…"
    note = _(" … (%(n)d in all; the full list is on the sheet “Long lists”)")
    shown: list[str] = []
    size = len(note) + 10
    for item in items:
        if size + len(item) + len(separator) > limit:
            break
        shown.append(item)
        size += len(item) + len(separator)
    long.append((ref_id, label, items))
    return separator.join(shown) + note % {"n": len(items)}


def to_xlsx(doc: SoaDocument) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")

    def styled(ws: Any, value: Any, *, font: Any = None, align: Any = None) -> Any:
        c = WriteOnlyCell(ws, value=cell(value))
        if font is not None:
            c.font = font
        if align is not None:
            c.alignment = align
        return c

    control = wb.create_sheet(_("Document control"))
    control.column_dimensions["A"].width = 26
    control.column_dimensions["B"].width = 80
    control.append([styled(control, doc.title, font=Font(bold=True, size=14))])
    control.append([])
    for label, value in doc.control_fields():
        control.append([styled(control, label, font=bold), styled(control, value, align=wrap)])
    control.append([])
    control.append([styled(control, _("Summary"), font=bold)])
    for label, number in doc.summary_fields():
        control.append([cell(label), number])

    cols = columns()
    table = wb.create_sheet(_("Statement of Applicability"))
    table.freeze_panes = "C2"
    for i, col in enumerate(cols, start=1):
        table.column_dimensions[get_column_letter(i)].width = col.width
    table.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(doc.rows) + 1}"
    table.append([styled(table, c.label, font=bold, align=wrap) for c in cols])
    long: list[tuple[str, str, list[str]]] = []
    for row in doc.rows:
        cells = []
        for col in cols:
            raw = col.get(row)
            separator = ", " if col.key in ("risk_refs", "evidence") else "\n"
            value = _xlsx_value(col.key, raw, separator)
            value = _fit(
                value,
                ref_id=row["ref_id"],
                label=col.label,
                long=long,
                items=raw if isinstance(raw, list) else None,
                separator=separator,
            )
            cells.append(styled(table, value, align=wrap if col.wrap else top))
        table.append(cells)

    sheet = wb.create_sheet(_("Legend"))
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 100
    for section, entries in legend():
        sheet.append([styled(sheet, section, font=bold)])
        for term, text in entries:
            sheet.append([styled(sheet, term, align=top), styled(sheet, text, align=wrap)])
        sheet.append([])

    if long:
        extra = wb.create_sheet(_("Long lists"))
        extra.append([styled(extra, t, font=bold) for t in (_("Control"), _("Column"), _("Ref"))])
        for ref_id, label, items in long:
            for item in items:
                extra.append([cell(ref_id), cell(label), cell(item)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- PDF ----------------------------------------------------------------------------------------


def pdf_html(doc: SoaDocument) -> str:
    """The HTML WeasyPrint lays out (``soa/soa_pdf.html``)."""
    footer = f"{doc.organization} — {doc.title} — {doc.version_label} — {doc.classification}"
    return render_to_string(
        "soa/soa_pdf.html",
        {
            "doc": doc,
            # CSS strings for the page footer; css_string escapes all but [A-Za-z0-9 ].
            "footer_css": mark_safe(css_string(footer)),  # noqa: S308
            "page_css": mark_safe(css_string(_("Page"))),  # noqa: S308
            "of_css": mark_safe(css_string(_("of"))),  # noqa: S308
            "control_fields": doc.control_fields(),
            "summary_fields": doc.summary_fields(),
            "rows": _display_rows(doc),
            "legend": legend(),
        },
    )


# Bump when the PDF template or its CSS changes, so cached renders are not reused.
PDF_LAYOUT = "soa-pdf-1"


def _pdf_cache_key(doc: SoaDocument) -> str | None:
    """An approved version's PDF never changes unless what its title page shows does
    (organisation name, title, classification, language), so it is rendered once: WeasyPrint
    needs seconds for a statement that lists tens of thousands of refs. Drafts are rendered
    every time."""
    if doc.is_draft:
        return None
    from django.utils.translation import get_language

    parts = [
        PDF_LAYOUT,
        settings.TIME_ZONE,
        doc.content_hash,
        doc.organization,
        doc.organization_slug,
        doc.title,
        doc.classification,
        doc.framework,
        str(doc.version_number),
        doc.approver,
        str(doc.approved_at),
        doc.comment,
        get_language() or "",
    ]
    return "soa-pdf:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def to_pdf(doc: SoaDocument) -> bytes:
    from django.core.cache import cache
    from weasyprint import HTML

    key = _pdf_cache_key(doc)
    if key is not None:
        cached = cache.get(key)
        if isinstance(cached, bytes):
            return cached
    pdf: bytes = HTML(string=pdf_html(doc)).write_pdf(finisher=faster_compression)
    if key is not None:
        cache.set(key, pdf, timeout=30 * 24 * 3600)
    return pdf


# --- DOCX ---------------------------------------------------------------------------------------


def _docx_footer(section: Any, doc: SoaDocument) -> None:
    docx_footer(
        section, f"{doc.organization} — {doc.title} — {doc.version_label} — {doc.classification}"
    )


# Widths (cm) of the DOCX table's columns: 26.7 cm between landscape A4's margins.
DOCX_WIDTHS = (4.6, 1.8, 5.0, 4.4, 2.4, 3.8, 2.8, 2.4)


def to_docx(doc: SoaDocument) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm, Pt

    document = Document()
    document.styles["Normal"].font.size = Pt(10)
    document.core_properties.title = xml_safe(doc.title)
    document.core_properties.subject = xml_safe(f"{doc.organization} — {doc.version_label}")
    first = document.sections[0]
    first.page_width, first.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(first, side, Cm(2.0))
    _docx_footer(first, doc)

    # Title page.
    document.add_paragraph(xml_safe(doc.organization)).runs[0].font.size = Pt(14)
    document.add_heading(xml_safe(doc.title), level=0)
    document.add_paragraph(xml_safe(doc.framework))
    document.add_heading(_("Document control"), level=1)
    docx_pairs(document, doc.control_fields(), (4.5, 12.5))
    document.add_heading(_("Summary"), level=1)
    docx_pairs(document, doc.summary_fields(), (8.0, 3.0))

    # The table, landscape.
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    _docx_footer(section, doc)
    document.add_heading(xml_safe(doc.title), level=1)
    headers = [
        _("Control"),
        _("Applicable"),
        _("Reasons for inclusion"),
        _("Justification for exclusion"),
        _("Implementation status"),
        _("Implementing controls"),
        _("Documents"),
        _("Evidence"),
    ]
    widths = [Cm(w) for w in DOCX_WIDTHS]
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    head = table.rows[0]
    docx_repeat_header(head)
    for c, text, width in zip(head.cells, headers, widths, strict=True):
        docx_cell(c, text, bold=True)
        docx_shade(c, "D9D9D9")
        c.width = width
    for row in _display_rows(doc):
        if row["new_theme"]:
            cells = table.add_row().cells
            merged = cells[0].merge(cells[-1])
            docx_cell(merged, row["new_theme"], bold=True, size=9)
            docx_shade(merged, "EFEFEF")
        cells = table.add_row().cells
        values = [
            f"{row['ref_id']}\n{row['name']}",
            row["applicable_label"],
            "\n".join(row["reason_texts"]),
            row["justification"],
            row["status_label"],
            "\n".join(row["controls"]),
            "\n".join(row["documents"]),
            row["evidence_text"],
        ]
        for c, text, width in zip(cells, values, widths, strict=True):
            docx_cell(c, text)
            c.width = width
        cells[0].paragraphs[0].runs[0].bold = True  # the control's ref
        details = []
        if row["risk_refs"]:
            details.append(
                (
                    _("Risks whose treatment selected it (%d)") % len(row["risk_refs"]),
                    row["risk_text"],
                )
            )
        if row["evidence"]:
            details.append((_("Evidence (%d)") % len(row["evidence"]), row["evidence_refs_text"]))
        if row["notes"]:
            details.append((_("Implementation notes"), row["notes"]))
        if details:
            cells = table.add_row().cells
            merged = cells[0].merge(cells[-1])
            p = merged.paragraphs[0]
            for i, (label, text) in enumerate(details):
                if i:
                    p = merged.add_paragraph()
                head_run = p.add_run(xml_safe(f"{label}: "))
                head_run.bold = True
                head_run.font.size = Pt(7)
                run = p.add_run(xml_safe(text))
                run.font.size = Pt(7)

    document.add_heading(_("Legend"), level=1)
    for section_title, entries in legend():
        document.add_heading(section_title, level=2)
        docx_pairs(document, entries, (5.0, 21.0))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


WRITERS = {"xlsx": to_xlsx, "docx": to_docx, "pdf": to_pdf, "csv": to_csv, "json": to_json}


def render(doc: SoaDocument, fmt: str) -> bytes:
    if fmt not in WRITERS:
        raise ValueError(
            _("Unknown format '%(fmt)s' (one of: %(all)s).")
            % {"fmt": fmt, "all": ", ".join(FORMATS)}
        )
    return WRITERS[fmt](doc)
