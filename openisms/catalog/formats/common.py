"""Helpers shared by the format modules."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from openisms.catalog.data import LibraryError

# libyaml's safe loader when present (several times faster), else the pure-Python one.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """Parse YAML safely. Aliases (``*name``) are refused: a few hundred bytes of nested
    aliases expand into gigabytes (the "billion laughs"), and no library needs them."""
    try:
        text = path.read_text(encoding="utf-8")
        if "*" in text:
            for event in yaml.parse(text, Loader=_SAFE_LOADER):
                if isinstance(event, yaml.AliasEvent):
                    mark = event.start_mark
                    raise LibraryError(
                        "YAML aliases (*name) are not allowed in a library",
                        source=path.name,
                        where=f"line {mark.line + 1}, column {mark.column + 1}" if mark else "",
                    )
        return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 (a safe loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise LibraryError(f"not valid YAML: {exc.problem}", source=path.name, where=where) from exc
    except UnicodeDecodeError as exc:
        raise LibraryError("not UTF-8 text", source=path.name) from exc


def as_date(value: Any, *, source: str, where: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise LibraryError(
            f"not a date (YYYY-MM-DD): {value!r}", source=source, where=where
        ) from exc


def as_str(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def as_bool(value: Any, *, source: str, where: str, default: bool = True) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "yes", "1", "y"}:
        return True
    if text in {"false", "no", "0", "n"}:
        return False
    raise LibraryError(f"not true/false: {value!r}", source=source, where=where)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def node_urn(framework_urn: str, ref_id: str) -> str:
    """The URN of a node that has none in its source: framework URN + ':' + its ref id."""
    return f"{framework_urn}:{re.sub(r'[^a-z0-9.()_-]+', '-', ref_id.lower()).strip('-')}"
