"""The in-memory form of a library, shared by every importer and exporter.

Importers (``formats/*.py``) parse a file into ``LibraryData``; ``services.library_load``
validates it as a whole and writes it in one transaction; exporters turn a stored framework
back into a file. Nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

RELATIONSHIPS = ("equal", "subset", "superset", "intersect", "not_related")


class LibraryError(ValueError):
    """Bad input: says where (file, path or line) and what."""

    def __init__(self, message: str, *, source: str = "", where: str = "") -> None:
        self.source = source
        self.where = where
        self.detail = message
        prefix = ": ".join(p for p in (source, where) if p)
        super().__init__(f"{prefix}: {message}" if prefix else message)


@dataclass
class NodeData:
    ref_id: str
    name: str = ""
    urn: str = ""  # derived from the framework URN and ref_id when empty
    parent: str = ""  # the parent's urn, or its ref_id (resolved by the loader)
    kind: str = "requirement"  # clause_group, clause, theme, control, group, enhancement…
    assessable: bool = True
    description: str = ""
    guidance: str = ""  # typical evidence / implementation guidance
    attributes: dict[str, list[str]] = field(default_factory=dict)
    where: str = field(default="", compare=False)  # location in the source, for messages


@dataclass
class AttributeDef:
    key: str
    name: str
    values: list[str] = field(default_factory=list)


@dataclass
class FrameworkData:
    urn: str
    ref_id: str
    name: str
    version: str = "1"
    description: str = ""
    provider: str = ""
    publication_date: date | None = None
    copyright: str = ""
    locale: str = "en"
    attribute_schema: list[AttributeDef] = field(default_factory=list)
    nodes: list[NodeData] = field(default_factory=list)
    # Other URNs this framework answers to (e.g. the same standard in another tool's library),
    # so that mappings written against them resolve.
    aliases: list[str] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)  # e.g. {"oscal_uuid": …}


@dataclass
class MappingData:
    source: str  # requirement urn (or ref_id in our own format)
    target: str
    relationship: str
    strength: int | None = None
    rationale: str = ""
    where: str = field(default="", compare=False)


@dataclass
class MappingSetData:
    urn: str
    name: str
    source_framework: str  # framework urn
    target_framework: str
    description: str = ""
    mappings: list[MappingData] = field(default_factory=list)


@dataclass
class ControlTemplateData:
    urn: str
    ref_id: str
    name: str
    description: str = ""
    category: str = ""
    function: str = ""


@dataclass
class LibraryData:
    urn: str
    name: str
    version: str = "1"
    provider: str = ""
    publication_date: date | None = None
    copyright: str = ""
    description: str = ""
    dependencies: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # other URNs this library answers to
    frameworks: list[FrameworkData] = field(default_factory=list)
    mapping_sets: list[MappingSetData] = field(default_factory=list)
    control_templates: list[ControlTemplateData] = field(default_factory=list)
    source: str = ""  # file name, for messages
    format: str = ""  # openisms, oscal, ciso-assistant, csv
    # OSCAL profiles: the catalog they select from, resolved by the loader.
    pending_profile: Any = None
