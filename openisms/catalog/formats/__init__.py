"""Reading any supported library file: our YAML, OSCAL (JSON/YAML), CISO Assistant YAML,
CSV/XLSX. ``read_path`` returns parsed libraries and OSCAL profiles still to be resolved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openisms.catalog.data import LibraryData, LibraryError

FORMATS = ("auto", "openisms", "oscal", "ciso-assistant", "csv")
SUFFIXES = {".yaml", ".yml", ".json", ".csv", ".xlsx"}


def expand(paths: list[Path]) -> list[Path]:
    """Files as given, folders as the library files inside them (recursively, sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            )
        elif path.is_file():
            files.append(path)
        else:
            raise LibraryError("no such file or folder", source=str(path))
    return files


def _read_structured(path: Path) -> Any:
    from openisms.catalog.formats.common import read_yaml

    if path.suffix.lower() == ".json":
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise LibraryError(
                f"not valid JSON: {exc.msg}",
                source=path.name,
                where=f"line {exc.lineno}, column {exc.colno}",
            ) from exc
        except UnicodeDecodeError as exc:
            raise LibraryError("not UTF-8 text", source=path.name) from exc
    return read_yaml(path)


def read_path(path: Path, fmt: str = "auto") -> LibraryData | Any:
    """A LibraryData, or an OSCAL ProfileData to resolve against its catalog."""
    try:
        return _read_path(path, fmt)
    except LibraryError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        # The format modules check the shapes they rely on; anything they missed is still
        # bad input, never a server error.
        raise LibraryError(
            f"unexpected structure ({exc.__class__.__name__}: {str(exc)[:200]})", source=path.name
        ) from exc


def _read_path(path: Path, fmt: str) -> LibraryData | Any:
    from openisms.catalog.formats import ciso, openisms, oscal, tabular

    if fmt not in FORMATS:
        raise LibraryError(
            f"unknown format {fmt!r} (one of: {', '.join(FORMATS)})", source=path.name
        )
    suffix = path.suffix.lower()
    if fmt == "csv" or (fmt == "auto" and suffix in {".csv", ".xlsx"}):
        return tabular.read(path)
    if suffix not in {".yaml", ".yml", ".json"}:
        raise LibraryError(
            f"unknown file type {suffix or '(none)'!r}: expected .yaml, .yml, .json, .csv or .xlsx",
            source=path.name,
        )
    doc = _read_structured(path)
    if fmt in ("auto", "openisms") and openisms.detect(doc):
        return openisms.parse(doc, source=path.name)
    if fmt in ("auto", "oscal") and isinstance(doc, dict):
        kind = oscal.detect(doc)
        if kind == "catalog":
            return oscal.parse_catalog(doc, source=path.name)
        if kind == "profile":
            return oscal.parse_profile(doc, source=path.name)
    if fmt in ("auto", "ciso-assistant") and ciso.detect(doc):
        return ciso.parse(doc, source=path.name)
    if fmt != "auto":
        raise LibraryError(f"not a {fmt} library", source=path.name)
    raise LibraryError(
        "unknown library format: expected an OpenISMS library (openisms_library:), an OSCAL "
        "catalog or profile, or a CISO Assistant library (urn: + objects:)",
        source=path.name,
    )
