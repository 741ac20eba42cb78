"""Documents for an auditor, as PDF (WeasyPrint) and DOCX (python-docx), from one description.

A module that hands out a report (an internal audit report, management review minutes…) builds
a ``Report``: the organisation, a title, the document control shown on the first page, and
sections made of paragraphs (plain text; a newline is a line break), definition tables
(``Pairs``) and tables (``Table``). ``render(report, "pdf" | "docx")`` lays it out the same way
in both formats: portrait A4 (or landscape), the document control on top, a prominent draft
note when the document is not final, headers repeated on every page of a long table, and
"page X of Y" in the footer with the organisation, title, version and classification.

Every value is text: nothing in a report is interpreted as markup (the PDF template
autoescapes; DOCX runs are plain text). The PDF and DOCX building blocks used here are also
used by the Statement of Applicability's own layouts (``openisms.soa.exports``).
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

import pydyf
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

FORMATS = ("pdf", "docx")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None  # relative column widths


@dataclass
class Pairs:
    items: list[tuple[str, str]]


Block = str | Pairs | Table


@dataclass
class Section:
    heading: str
    blocks: list[Block] = field(default_factory=list)
    level: int = 2  # 2: a section, 3: a subsection


@dataclass
class Report:
    organization: str
    title: str
    subtitle: str = ""
    version_label: str = ""
    classification: str = ""
    control: list[tuple[str, str]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    draft_note: str = ""
    landscape: bool = False

    @property
    def footer(self) -> str:
        parts = [self.organization, self.title, self.version_label, self.classification]
        return " — ".join(p for p in parts if p)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# Characters XML 1.0 cannot hold (C0 controls but tab, newline and carriage return; lone
# surrogates; U+FFFE, U+FFFF): python-docx refuses them, so a DOCX drops them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value: Any) -> str:
    """``value`` as text a DOCX (XML 1.0) can hold."""
    return _XML_INVALID.sub("", _text(value))


def _check(report: Report) -> None:
    for section in report.sections:
        for block in section.blocks:
            if isinstance(block, Table):
                for row in block.rows:
                    if len(row) != len(block.header):
                        raise ValueError(
                            f"Section {section.heading!r}: a row has {len(row)} cells for "
                            f"{len(block.header)} columns."
                        )
                if block.widths is not None and len(block.widths) != len(block.header):
                    raise ValueError(f"Section {section.heading!r}: one width per column.")


# --- PDF ----------------------------------------------------------------------------------------


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: every character but ASCII letters, digits and spaces
    as a hex escape (the space after one ends it), so that nothing in it can end the string or
    the style element."""
    escaped = "".join(
        ch if (ch.isascii() and ch.isalnum()) or ch == " " else f"\\{ord(ch):x} " for ch in text
    )
    return f'"{escaped}"'


def faster_compression(_document: Any, pdf: Any) -> None:
    """A WeasyPrint finisher: pydyf deflates content streams at zlib level 9, which for a
    document listing tens of thousands of refs takes ten times as long as level 6, for a file
    only 5 % smaller. Streams are deflated here at level 6 instead and written as they are
    (any object not shaped as expected is left to pydyf)."""
    to_bytes = getattr(pydyf, "_to_bytes", None)
    if to_bytes is None:
        return
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Stream) or not getattr(obj, "compress", False):
            continue
        extra, items = getattr(obj, "extra", None), getattr(obj, "stream", None)
        if not isinstance(extra, dict) or "Filter" in extra or not isinstance(items, list):
            continue
        obj.stream = [zlib.compress(b"\n".join(to_bytes(i) for i in items), 6)]
        extra["Filter"] = "/FlateDecode"
        obj.compress = False


def _percentages(widths: list[float] | None, count: int) -> list[float]:
    widths = widths or [1.0] * count
    total = sum(widths) or 1.0
    return [round(100 * w / total, 2) for w in widths]


def pdf_html(report: Report) -> str:
    """The HTML WeasyPrint lays out (``core/report_pdf.html``)."""
    sections = []
    for section in report.sections:
        blocks = []
        for block in section.blocks:
            if isinstance(block, Table):
                blocks.append(
                    {
                        "kind": "table",
                        "header": block.header,
                        "rows": [[_text(c) for c in row] for row in block.rows],
                        "widths": _percentages(block.widths, len(block.header)),
                    }
                )
            elif isinstance(block, Pairs):
                blocks.append(
                    {"kind": "pairs", "items": [(_text(k), _text(v)) for k, v in block.items]}
                )
            else:
                blocks.append({"kind": "text", "lines": _text(block).split("\n")})
        sections.append({"heading": section.heading, "level": section.level, "blocks": blocks})
    return render_to_string(
        "core/report_pdf.html",
        {
            "report": report,
            "sections": sections,
            # CSS strings for the page footer; css_string escapes all but [A-Za-z0-9 ].
            "footer_css": mark_safe(css_string(report.footer)),  # noqa: S308
            "page_css": mark_safe(css_string(_("Page"))),  # noqa: S308
            "of_css": mark_safe(css_string(_("of"))),  # noqa: S308
        },
    )


def to_pdf(report: Report) -> bytes:
    from weasyprint import HTML

    _check(report)
    pdf: bytes = HTML(string=pdf_html(report)).write_pdf(finisher=faster_compression)
    return pdf


# --- DOCX ---------------------------------------------------------------------------------------


def docx_page_field(paragraph: Any, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) in ``paragraph``."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    placeholder = OxmlElement("w:t")
    placeholder.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, text, separate, placeholder, end):
        run._r.append(element)


def docx_footer(section: Any, text: str) -> None:
    """``text`` and "Page X of Y" in the footer of a DOCX section."""
    footer = section.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    p.text = ""
    p.add_run(xml_safe(text))
    p.add_run("    " + _("Page") + " ")
    docx_page_field(p, "PAGE")
    p.add_run(" " + _("of") + " ")
    docx_page_field(p, "NUMPAGES")


def docx_cell(c: Any, text: str, *, bold: bool = False, size: float = 8) -> None:
    from docx.shared import Pt

    text = xml_safe(text)
    lines = text.split("\n") if text else [""]
    p = c.paragraphs[0]
    for i, line in enumerate(lines):
        if i:
            p = c.add_paragraph()
        run = p.add_run(line)
        run.bold = bold
        run.font.size = Pt(size)


def docx_repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def docx_shade(c: Any, colour: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    c._tc.get_or_add_tcPr().append(shading)


def docx_pairs(document: Any, pairs: list[tuple[str, Any]], widths: tuple[float, float]) -> None:
    from docx.shared import Cm

    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for label, value in pairs:
        cells = table.add_row().cells
        docx_cell(cells[0], _text(label), bold=True, size=10)
        docx_cell(cells[1], _text(value), size=10)
        cells[0].width, cells[1].width = Cm(widths[0]), Cm(widths[1])


def _docx_table(document: Any, block: Table, usable_cm: float) -> None:
    from docx.shared import Cm

    widths = [Cm(usable_cm * p / 100) for p in _percentages(block.widths, len(block.header))]
    table = document.add_table(rows=1, cols=len(block.header))
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    head = table.rows[0]
    docx_repeat_header(head)
    for c, text, width in zip(head.cells, block.header, widths, strict=True):
        docx_cell(c, _text(text), bold=True)
        docx_shade(c, "D9D9D9")
        c.width = width
    for row in block.rows:
        cells = table.add_row().cells
        for c, text, width in zip(cells, row, widths, strict=True):
            docx_cell(c, _text(text))
            c.width = width


def to_docx(report: Report) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt, RGBColor

    _check(report)
    document = Document()
    document.styles["Normal"].font.size = Pt(10)
    document.core_properties.title = xml_safe(report.title)
    document.core_properties.subject = xml_safe(
        " — ".join(p for p in (report.organization, report.version_label) if p)
    )
    section = document.sections[0]
    if report.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    else:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    usable = (29.7 if report.landscape else 21.0) - 4.0
    docx_footer(section, report.footer)

    document.add_paragraph(xml_safe(report.organization)).runs[0].font.size = Pt(13)
    document.add_heading(xml_safe(report.title), level=0)
    if report.subtitle:
        document.add_paragraph(xml_safe(report.subtitle))
    if report.draft_note:
        run = document.add_paragraph().add_run(xml_safe(report.draft_note))
        run.bold = True
        run.font.color.rgb = RGBColor(0xAA, 0x33, 0x33)
    if report.control:
        document.add_heading(_("Document control"), level=1)
        docx_pairs(document, report.control, (usable * 0.3, usable * 0.7))
    for part in report.sections:
        document.add_heading(xml_safe(part.heading), level=1 if part.level <= 2 else 2)
        for block in part.blocks:
            if isinstance(block, Table):
                _docx_table(document, block, usable)
                document.add_paragraph()
            elif isinstance(block, Pairs):
                docx_pairs(document, block.items, (usable * 0.3, usable * 0.7))
                document.add_paragraph()
            else:
                p = document.add_paragraph()
                for i, line in enumerate(xml_safe(block).split("\n")):
                    if i:
                        p.add_run().add_break()
                    p.add_run(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


WRITERS = {"pdf": to_pdf, "docx": to_docx}


def render(report: Report, fmt: str) -> bytes:
    if fmt not in WRITERS:
        raise ValueError(
            _("Unknown format '%(fmt)s' (one of: %(all)s).")
            % {"fmt": fmt, "all": ", ".join(FORMATS)}
        )
    return WRITERS[fmt](report)


def report_filename(filename: str, fmt: str) -> str:
    """A safe download name: ``filename`` slugified (ASCII letters, digits, dashes) + extension."""
    return f"{slugify(filename) or 'report'}.{fmt}"


def report_response(report: Report, fmt: str, filename: str) -> HttpResponse:
    """The report as a download (``fmt`` "pdf" or "docx"; ValueError for anything else)."""
    content = render(report, fmt)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{report_filename(filename, fmt)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
