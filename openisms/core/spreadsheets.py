"""Reading CSV and XLSX tables for imports, and the shared pieces of an all-or-nothing import.

* ``read_table(source, filename=…)``: CSV (UTF-8 with or without BOM, comma or semicolon,
  sniffed from the header line) or XLSX (first sheet), as a header and numbered rows of
  strings. Row numbers are the spreadsheet's: the header is row 1.
* ``Columns``: documented columns matched case-insensitively, ignoring surrounding spaces and
  treating spaces, hyphens and underscores alike; unknown columns become warnings.
* ``Problem`` / ``ImportFailed``: every problem of a file as (row, column, reason), raised
  once, so that a bad file reports all its bad rows and writes nothing.
* ``neutralise``: cells that a spreadsheet would run as a formula get an apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ROWS = 100_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = ";"


def neutralise(value: str) -> str:
    """Cells that a spreadsheet would run as a formula are prefixed with an apostrophe."""
    return "'" + value if value[:1] in FORMULA_START else value


def unneutralise(value: str) -> str:
    """The inverse of ``neutralise`` for imported cells: an exported file imports back as it
    was."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_START else value


def cell(value: Any) -> Any:
    """A value for an exported cell: text neutralised, numbers and dates as they are, nothing
    (None: no cell written) for empty text."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool | int | float | dt.date):
        return value
    return neutralise(str(value))


@dataclass(frozen=True)
class Problem:
    row: int  # 0: the file as a whole; 1: the header
    column: str
    reason: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.reason
        where = _("row %d") % self.row
        if self.column:
            where += ", " + _("column %s") % self.column
        return f"{where}: {self.reason}"


class ImportFailed(ValidationError):
    """The file was refused as a whole; ``problems`` lists every reason. Nothing was written."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.row, p.column))
        super().__init__([str(p) for p in self.problems])


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        text = _("%(c)d created, %(u)d updated, %(n)d unchanged.") % {
            "c": self.created,
            "u": self.updated,
            "n": self.unchanged,
        }
        return (_("Dry run, nothing written.") + " " + text) if self.dry_run else text


@dataclass
class Table:
    header: list[str]  # as in the file, stripped
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells)


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", "_", str(name).strip().lower()).strip("_")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _read_bytes(source: Path | bytes | IO[bytes]) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, Path):
        return source.read_bytes()
    return source.read()


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            [Problem(0, "", _("The file is not UTF-8 text (save it as CSV UTF-8)."))]
        ) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFailed([Problem(0, "", _("Not valid CSV: %s") % exc)]) from exc


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ImportFailed(
            [Problem(0, "", _("Not a readable XLSX workbook (%s).") % exc.__class__.__name__)]
        ) from exc
    try:
        if not wb.worksheets:
            return []
        return [[_text(v) for v in row] for row in wb.worksheets[0].iter_rows(values_only=True)]
    except Exception as exc:  # a damaged sheet inside a valid zip
        raise ImportFailed(
            [Problem(0, "", _("Not a readable XLSX workbook (%s).") % exc.__class__.__name__)]
        ) from exc
    finally:
        wb.close()


def read_table(source: Path | bytes | IO[bytes], *, filename: str = "") -> Table:
    """The first sheet (XLSX) or the CSV text as a header and numbered, non-empty rows."""
    data = _read_bytes(source)
    is_xlsx = filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04"
    raw = _xlsx_rows(data) if is_xlsx else _csv_rows(data)
    if not raw or not any(c.strip() for c in raw[0]):
        raise ImportFailed([Problem(0, "", _("The file is empty: no header row."))])
    if len(raw) - 1 > MAX_ROWS:
        raise ImportFailed([Problem(0, "", _("More than %d rows; split the file.") % MAX_ROWS)])
    header = [c.strip() for c in raw[0]]
    while header and not header[-1]:
        header.pop()
    rows = [
        (number, [unneutralise(c.strip()) for c in row])
        for number, row in enumerate(raw[1:], start=2)
        if any(c.strip() for c in row)
    ]
    return Table(header=header, rows=rows)


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy translation, shown in exports and recognised on import
    aliases: tuple[str, ...] = ()


class Columns:
    """A set of documented columns: ``bind`` maps a file's header onto them."""

    def __init__(self, columns: Iterable[Column], required: Iterable[str] = ()) -> None:
        self.columns = list(columns)
        self.required = tuple(required)

    def _names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for c in self.columns:
            for name in (c.key, str(c.label), *c.aliases):
                names.setdefault(_norm(name), c.key)
        return names

    def bind(self, header: list[str]) -> tuple[dict[str, int], list[str], list[Problem]]:
        """(column key → index, warnings, problems) for a header row."""
        names = self._names()
        index: dict[str, int] = {}
        warnings: list[str] = []
        problems: list[Problem] = []
        for i, title in enumerate(header):
            if not title:
                continue
            key = names.get(_norm(title))
            if key is None:
                warnings.append(_("Unknown column “%s” ignored.") % title)
            elif key in index:
                problems.append(Problem(1, title, _("This column appears twice.")))
            else:
                index[key] = i
        for key in self.required:
            if key not in index:
                problems.append(Problem(1, key, _("Required column missing.")))
        return index, warnings, problems


def row_values(index: Mapping[str, int], row: list[str]) -> dict[str, str]:
    """The row's cells by column key ('' for a short row)."""
    return {key: (row[i] if i < len(row) else "") for key, i in index.items()}


BOOLEANS = {
    "true": True,
    "yes": True,
    "y": True,
    "1": True,
    "x": True,
    "false": False,
    "no": False,
    "n": False,
    "0": False,
}


def parse_bool(text: str) -> bool | None:
    return BOOLEANS.get(text.strip().lower())


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def choices_by_text(choices: Iterable[tuple[Any, Any]]) -> dict[str, Any]:
    """Normalised value and label (in the active language) → value, for ``choice_value``."""
    lookup: dict[str, Any] = {}
    for value, label in choices:
        lookup.setdefault(_norm(str(value)), value)
        lookup.setdefault(_norm(str(label)), value)
    return lookup


def choice_value(text: str, choices: Iterable[tuple[Any, Any]] | Mapping[str, Any]) -> Any:
    """A choice's value from its value or label (case-insensitive; spaces = underscores)."""
    lookup = choices if isinstance(choices, Mapping) else choices_by_text(choices)
    return lookup.get(_norm(text))


def problems_from(number: int, exc: Exception) -> list[Problem]:
    """A service's refusal of one row as problems of that row."""
    from openisms.core.exceptions import ConflictError

    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return [
            Problem(number, "" if name == "__all__" else name, " ".join(messages))
            for name, messages in exc.message_dict.items()
        ]
    if isinstance(exc, ValidationError):
        return [Problem(number, "", " ".join(exc.messages))]
    if isinstance(exc, ConflictError):
        return [Problem(number, "", exc.message)]
    return [Problem(number, "", str(exc))]
