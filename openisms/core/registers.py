"""One way to export a register (a list page) as CSV or XLSX, for every app.

``register_export(header, rows, fmt=..., name=...)`` returns the download: CSV in UTF-8 with a
BOM (Excel opens it right), or XLSX written in constant memory (openpyxl write-only). Every
text cell goes through ``core.spreadsheets.cell`` so a value starting with ``= + - @`` cannot
run as a formula. Rows are any iterable (a queryset's ``.iterator()``), consumed once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from openisms.core.spreadsheets import cell

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)):
        return "; ".join(str(v) for v in value)
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(h) for h in header])
    for row in rows:
        writer.writerow([cell(_plain(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=(title or "Register")[:31])
    sheet.append([str(h) for h in header])
    for row in rows:
        sheet.append([cell(_plain(v)) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def register_export(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    fmt: str,
    name: str,
    organization: Any,
) -> HttpResponse:
    """The register as a download named ``<org>-<name>-<date>.<fmt>``; an unknown format is
    answered 400 with the formats allowed."""
    if fmt not in FORMATS:
        return HttpResponse(
            _("Unknown format “%(fmt)s”: use csv or xlsx.") % {"fmt": fmt},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    stamp = timezone.localdate().isoformat()
    filename = f"{organization.slug}-{slugify(name)}-{stamp}.{fmt}"
    if fmt == "csv":
        body, content_type = to_csv(header, rows), "text/csv; charset=utf-8"
    else:
        body, content_type = to_xlsx(header, rows, title=name), XLSX_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
