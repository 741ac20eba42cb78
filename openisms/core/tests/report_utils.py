"""Reading reports back in tests: the text WeasyPrint lays out on each page of a PDF report
(margin boxes included) and every text of a DOCX (paragraphs, tables, footers)."""

from __future__ import annotations

import io
from typing import Any


def pdf_pages_text(html: str) -> list[str]:
    """The text of each page WeasyPrint lays out from ``html`` (``reports.pdf_html(report)``)."""
    from weasyprint import HTML
    from weasyprint.formatting_structure.boxes import TextBox

    document = HTML(string=html).render()
    return [
        " ".join(b.text for b in page._page_box.descendants() if isinstance(b, TextBox))
        for page in document.pages
    ]


def docx_text(content: bytes) -> str:
    """Every paragraph, table cell and footer text of a DOCX, one per line."""
    from docx import Document

    document = Document(io.BytesIO(content))
    lines: list[str] = [p.text for p in document.paragraphs]

    def cells(table: Any) -> None:
        for row in table.rows:
            for c in row.cells:
                lines.extend(p.text for p in c.paragraphs)
                for inner in c.tables:
                    cells(inner)

    for table in document.tables:
        cells(table)
    for section in document.sections:
        lines.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(lines)
