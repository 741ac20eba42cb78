"""A simple table (CSV or XLSX) for in-house control sets.

Columns (header row, any order, case-insensitive): ``ref_id`` and ``name`` required;
``parent`` (a ref_id), ``description``, ``assessable`` (true/false, default true), ``kind``,
``evidence`` optional. The framework takes its URN and name from the file name."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from openisms.catalog.data import FrameworkData, LibraryData, LibraryError, NodeData
from openisms.catalog.formats.common import as_bool, as_str, slug

COLUMNS = ("ref_id", "parent", "name", "description", "assessable", "kind", "evidence")
REQUIRED = ("ref_id", "name")
MAX_ROWS = 100_000


def _rows_csv(path: Path) -> Iterator[list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LibraryError("not UTF-8 text", source=path.name) from exc
    try:
        yield from csv.reader(io.StringIO(text))
    except csv.Error as exc:
        raise LibraryError(f"not valid CSV: {exc}", source=path.name) from exc


def _rows_xlsx(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise LibraryError(
            f"not a readable XLSX workbook ({exc.__class__.__name__})", source=path.name
        ) from exc
    try:
        rows = [
            ["" if v is None else str(v) for v in row]
            for row in wb.worksheets[0].iter_rows(values_only=True)
        ]
    except Exception as exc:  # a damaged sheet inside a valid zip
        raise LibraryError(
            f"not a readable XLSX workbook ({exc.__class__.__name__})", source=path.name
        ) from exc
    finally:
        wb.close()
    yield from rows


def read(path: Path) -> LibraryData:
    rows: Iterable[list[str]] = (
        _rows_xlsx(path) if path.suffix.lower() == ".xlsx" else _rows_csv(path)
    )
    iterator = iter(rows)
    header = [h.strip().lower() for h in next(iterator, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise LibraryError(
            f"missing column(s): {', '.join(missing)} (header: {', '.join(header) or 'empty'})",
            source=path.name,
            where="row 1",
        )
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise LibraryError(
            f"unknown column(s): {', '.join(unknown)} (known: {', '.join(COLUMNS)})",
            source=path.name,
            where="row 1",
        )
    stem = slug(path.stem) or "framework"
    framework = FrameworkData(
        urn=f"urn:openisms:framework:custom:{stem}",
        ref_id=path.stem[:100],
        name=path.stem.replace("_", " ").replace("-", " ").strip() or stem,
    )
    for number, row in enumerate(iterator, start=2):
        if number > MAX_ROWS:
            raise LibraryError(
                f"more than {MAX_ROWS:,} rows", source=path.name, where=f"row {number}"
            )
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(header, row, strict=False))
        where = f"row {number}"
        for column in REQUIRED:
            if not as_str(cells.get(column)):
                raise LibraryError(f"column {column} is empty", source=path.name, where=where)
        framework.nodes.append(
            NodeData(
                ref_id=as_str(cells.get("ref_id")),
                name=as_str(cells.get("name")),
                parent=as_str(cells.get("parent")),
                description=as_str(cells.get("description")),
                assessable=as_bool(
                    cells.get("assessable"), source=path.name, where=f"{where}, column assessable"
                ),
                kind=as_str(cells.get("kind")) or "control",
                guidance=as_str(cells.get("evidence")),
                where=where,
            )
        )
    if not framework.nodes:
        raise LibraryError("no rows under the header", source=path.name)
    return LibraryData(
        urn=f"urn:openisms:library:custom:{stem}",
        name=framework.name,
        frameworks=[framework],
        source=path.name,
        format="csv",
    )


def neutralise(value: str) -> str:
    """Cells that a spreadsheet would run as a formula are prefixed with an apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_csv(framework: FrameworkData) -> str:
    by_urn = {n.urn: n.ref_id for n in framework.nodes}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for n in framework.nodes:
        writer.writerow(
            [
                neutralise(v)
                for v in (
                    n.ref_id,
                    by_urn.get(n.parent, n.parent),
                    n.name,
                    n.description,
                    "true" if n.assessable else "false",
                    n.kind,
                    n.guidance,
                )
            ]
        )
    return out.getvalue()
