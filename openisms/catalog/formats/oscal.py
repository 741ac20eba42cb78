"""OSCAL catalogs and profiles (JSON or YAML) ↔ the in-memory library form.

* ``read_document`` / ``detect`` read a file and tell a catalog from a profile.
* ``parse_catalog`` turns a catalog into a ``LibraryData`` with one framework: groups become
  non-assessable ``group`` nodes, controls ``control`` nodes, controls nested in controls
  ``enhancement`` nodes. The statement is rendered as plain text with parameters shown the
  NIST way ("[Assignment: …]", "[Selection (one or more): …]").
* ``parse_profile`` reads a profile's selection; ``ProfileData.resolve`` applies it to the
  catalog it imports and yields a new framework.
* ``export_catalog`` writes a framework as an OSCAL 1.2.1 catalog.

Pure functions: no database, no Django.
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from openisms.catalog.data import FrameworkData, LibraryData, LibraryError, NodeData
from openisms.catalog.formats.common import as_date, as_str, node_urn, read_yaml, slug

OSCAL_VERSION = "1.2.1"
# Namespace of the props OpenISMS adds itself (only "assessable" = "false" for now).
OPENISMS_NS = "https://openisms.org/ns/oscal"
CONTROL_KINDS = ("control", "enhancement")
PREFERRED_LABEL_CLASSES = ("", "sp800-53")

_INSERT_RE = re.compile(r"\{\{\s*insert:\s*param,\s*([^\s}]+)\s*\}\}")
_STRING_RE = re.compile(r"\S(.*\S)?")
_MAX_PARAM_DEPTH = 5


# --- reading ------------------------------------------------------------------------------------


def read_document(path: Path) -> dict[str, Any]:
    """Parse an OSCAL file (.json, .yaml, .yml) into a dict; syntax errors name the line."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        doc = _read_json(path)
    elif suffix in (".yaml", ".yml"):
        doc = read_yaml(path)
    else:
        raise LibraryError("not an OSCAL file (expected .json, .yaml or .yml)", source=path.name)
    if not isinstance(doc, dict):
        raise LibraryError("an OSCAL document must be a mapping", source=path.name, where="line 1")
    return doc


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise LibraryError(f"not valid JSON: {exc.msg}", source=path.name, where=where) from exc
    except UnicodeDecodeError as exc:
        raise LibraryError("not UTF-8 text", source=path.name) from exc


def detect(doc: Any) -> str | None:
    """ "catalog" or "profile" after the document's top-level key, else None."""
    if isinstance(doc, dict):
        for kind in ("catalog", "profile"):
            if kind in doc:
                return kind
    return None


# --- small helpers on OSCAL structures ----------------------------------------------------------


def _fail(message: str, source: str, where: str) -> LibraryError:
    return LibraryError(message, source=source, where=where)


def _mapping(value: Any, *, source: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail("expected a mapping", source, where)
    return value


def _items(
    parent: dict[str, Any], key: str, *, source: str, where: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, mapping) for each entry of the list ``parent[key]`` (absent = empty)."""
    value = parent.get(key)
    if value is None:
        return
    if not isinstance(value, list):
        raise _fail(f"{key!r} must be a list", source, f"{where}.{key}")
    for i, item in enumerate(value):
        path = f"{where}.{key}[{i}]"
        yield path, _mapping(item, source=source, where=path)


def _required_str(obj: dict[str, Any], key: str, what: str, *, source: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str | int | float) or not str(value).strip():
        raise _fail(f"{what} has no {key}", source, where)
    return str(value).strip()


def _props(obj: dict[str, Any]) -> list[dict[str, Any]]:
    props = obj.get("props")
    return [p for p in props if isinstance(p, dict)] if isinstance(props, list) else []


def _label(obj: dict[str, Any]) -> str:
    """The label prop, preferring one without class (or class "sp800-53")."""
    labels = [p for p in _props(obj) if p.get("name") == "label" and as_str(p.get("value"))]
    for p in labels:
        if as_str(p.get("class")).lower() in PREFERRED_LABEL_CLASSES:
            return as_str(p.get("value"))
    return as_str(labels[0].get("value")) if labels else ""


def _is_token(text: str) -> bool:
    """OSCAL token: ``^(\\p{L}|_)(\\p{L}|\\p{N}|[.\\-_])*$``."""
    if not text or not (text[0] == "_" or unicodedata.category(text[0]).startswith("L")):
        return False
    return all(c in "._-" or unicodedata.category(c)[0] in "LN" for c in text[1:])


def _is_string(text: str) -> bool:
    """OSCAL string: non-empty, single line, no leading or trailing whitespace."""
    return _STRING_RE.fullmatch(text) is not None


def _party_name(metadata: dict[str, Any]) -> str:
    """The creator's (or else the first organisation's) name, if the metadata says."""
    parties = {p.get("uuid"): p for p in metadata.get("parties") or [] if isinstance(p, dict)}
    for rp in metadata.get("responsible-parties") or []:
        if isinstance(rp, dict) and rp.get("role-id") in ("creator", "publisher"):
            for party_uuid in rp.get("party-uuids") or []:
                if as_str(parties.get(party_uuid, {}).get("name")):
                    return as_str(parties[party_uuid]["name"])
    for party in parties.values():
        if party.get("type") == "organization" and as_str(party.get("name")):
            return as_str(party["name"])
    return ""


# --- rendering of parts and parameters ----------------------------------------------------------


def _collect_params(obj: Any, params: dict[str, dict[str, Any]]) -> None:
    """Every ``params`` entry anywhere in the document, by id (for ``{{ insert: param }}``)."""
    if isinstance(obj, dict):
        for param in obj.get("params") or []:
            if isinstance(param, dict) and isinstance(param.get("id"), str):
                params[param["id"]] = param
        for key in ("groups", "controls"):
            for child in obj.get(key) or []:
                _collect_params(child, params)


def _insert_params(text: str, params: dict[str, dict[str, Any]], depth: int = 0) -> str:
    def replace(match: re.Match[str]) -> str:
        return _param_text(match.group(1), params, depth)

    return _INSERT_RE.sub(replace, text)


def _param_text(param_id: str, params: dict[str, dict[str, Any]], depth: int) -> str:
    param = params.get(param_id, {})
    if depth >= _MAX_PARAM_DEPTH:
        return f"[Assignment: {param_id}]"
    select = param.get("select")
    if isinstance(select, dict):
        choices = [
            _insert_params(str(c), params, depth + 1).strip() for c in select.get("choice") or []
        ]
        how = "Selection (one or more)" if select.get("how-many") == "one-or-more" else "Selection"
        return f"[{how}: {'; '.join(choices)}]"
    text = as_str(param.get("label"))
    if not text:
        guidelines = [g for g in param.get("guidelines") or [] if isinstance(g, dict)]
        text = "; ".join(as_str(g.get("prose")) for g in guidelines if as_str(g.get("prose")))
    return f"[Assignment: {_insert_params(text, params, depth + 1) or param_id}]"


def _render_part(part: dict[str, Any], params: dict[str, dict[str, Any]], depth: int) -> list[str]:
    """Lines of a part: its label and prose, then its sub-parts indented by level."""
    lines: list[str] = []
    prose = _insert_params(as_str(part.get("prose")), params)
    head = " ".join(x for x in (_label(part), prose) if x)
    if head:
        lines.append("  " * max(depth, 0) + head)
    for sub in part.get("parts") or []:
        if not isinstance(sub, dict):
            continue
        sub_lines = _render_part(sub, params, depth + 1)
        if sub_lines and lines and not _label(sub):
            lines.append("")  # paragraphs without a label stand apart
        lines.extend(sub_lines)
    return lines


def _parts_text(obj: dict[str, Any], name: str, params: dict[str, dict[str, Any]]) -> str:
    parts = [p for p in obj.get("parts") or [] if isinstance(p, dict) and p.get("name") == name]
    blocks = ["\n".join(_render_part(p, params, -1)) for p in parts]
    return "\n\n".join(b for b in blocks if b).strip()


# --- catalogs -----------------------------------------------------------------------------------


class _CatalogReader:
    """Walks a catalog depth-first, parents before children, collecting nodes."""

    def __init__(self, catalog: dict[str, Any], *, source: str, framework_urn: str) -> None:
        self.source = source
        self.fw_urn = framework_urn
        self.params: dict[str, dict[str, Any]] = {}
        _collect_params(catalog, self.params)
        self.nodes: list[NodeData] = []
        self.ids: dict[str, str] = {}  # OSCAL id → where first seen
        self.ref_ids: set[str] = set()

    def read(self, catalog: dict[str, Any]) -> list[NodeData]:
        for path, group in _items(catalog, "groups", source=self.source, where="catalog"):
            self._group(group, path, parent="")
        for path, control in _items(catalog, "controls", source=self.source, where="catalog"):
            self._control(control, path, parent="", nested=False)
        return self.nodes

    def _group(self, group: dict[str, Any], path: str, parent: str) -> None:
        title = _required_str(group, "title", "group", source=self.source, where=path)
        oscal_id = as_str(group.get("id")) or f"group-{slug(title)}"
        node = self._node(group, oscal_id, title, path, parent, kind="group", assessable=False)
        for sub_path, sub in _items(group, "groups", source=self.source, where=path):
            self._group(sub, sub_path, parent=node.urn)
        for sub_path, control in _items(group, "controls", source=self.source, where=path):
            self._control(control, sub_path, parent=node.urn, nested=False)

    def _control(self, control: dict[str, Any], path: str, parent: str, *, nested: bool) -> None:
        oscal_id = _required_str(control, "id", "control", source=self.source, where=path)
        title = _required_str(
            control, "title", f"control {oscal_id!r}", source=self.source, where=path
        )
        kind = "enhancement" if nested else "control"
        node = self._node(control, oscal_id, title, path, parent, kind=kind, assessable=True)
        for sub_path, sub in _items(control, "controls", source=self.source, where=path):
            self._control(sub, sub_path, parent=node.urn, nested=True)

    def _node(
        self,
        obj: dict[str, Any],
        oscal_id: str,
        title: str,
        path: str,
        parent: str,
        *,
        kind: str,
        assessable: bool,
    ) -> NodeData:
        if oscal_id in self.ids:
            raise _fail(
                f"duplicate id {oscal_id!r} (also at {self.ids[oscal_id]})", self.source, path
            )
        self.ids[oscal_id] = path
        ref_id = _label(obj) or oscal_id
        if ref_id in self.ref_ids:  # two labels alike: the id is unique
            ref_id = oscal_id
        self.ref_ids.add(ref_id)
        attributes, assessable = self._attributes(obj, assessable)
        description = _parts_text(obj, "statement", self.params) or _parts_text(
            obj, "overview", self.params
        )
        node = NodeData(
            ref_id=ref_id,
            name=title,
            urn=f"{self.fw_urn}:{oscal_id}",
            parent=parent,
            kind=kind,
            assessable=assessable,
            description=description,
            guidance=_parts_text(obj, "guidance", self.params),
            attributes=attributes,
            where=path,
        )
        self.nodes.append(node)
        return node

    @staticmethod
    def _attributes(obj: dict[str, Any], assessable: bool) -> tuple[dict[str, list[str]], bool]:
        """Props other than labels as attributes; "status: withdrawn" (and our own
        "assessable: false") make the node non-assessable."""
        attributes: dict[str, list[str]] = {}
        for prop in _props(obj):
            name, value = as_str(prop.get("name")), as_str(prop.get("value"))
            if not name or not value or name == "label":
                continue
            if prop.get("ns") == OPENISMS_NS:
                if name == "assessable" and value.lower() == "false":
                    assessable = False
                continue
            if name == "status" and value == "withdrawn":
                assessable = False
            attributes.setdefault(name, []).append(value)
        return attributes, assessable


def parse_catalog(doc: dict[str, Any], *, source: str) -> LibraryData:
    """An OSCAL catalog as a library holding one framework (see the module docstring)."""
    catalog = _mapping(
        doc.get("catalog") if isinstance(doc, dict) else None, source=source, where="catalog"
    )
    metadata = _mapping(catalog.get("metadata"), source=source, where="catalog.metadata")
    title = _required_str(
        metadata, "title", "catalog metadata", source=source, where="catalog.metadata"
    )
    version = as_str(metadata.get("version")) or "1"
    published = as_date(
        metadata.get("published"), source=source, where="catalog.metadata.published"
    )
    provider = _party_name(metadata)
    description = as_str(metadata.get("remarks"))
    # A title without ASCII letters or digits (e.g. 目录) falls back to the document's uuid.
    key = slug(title) or slug(as_str(catalog.get("uuid"))) or "catalog"
    fw_urn = f"urn:oscal:catalog:{key}"
    nodes = _CatalogReader(catalog, source=source, framework_urn=fw_urn).read(catalog)
    framework = FrameworkData(
        urn=fw_urn,
        ref_id=title,
        name=title,
        version=version,
        description=description,
        provider=provider,
        publication_date=published,
        nodes=nodes,
        source={"oscal_uuid": as_str(catalog.get("uuid")), "file": source},
    )
    return LibraryData(
        urn=f"urn:oscal:library:{key}",
        name=title,
        version=version,
        provider=provider,
        publication_date=published,
        description=description,
        frameworks=[framework],
        source=source,
        format="oscal",
    )


# --- profiles -----------------------------------------------------------------------------------


@dataclass
class ControlSelection:
    """One ``include-controls`` or ``exclude-controls`` entry."""

    where: str  # e.g. "profile.imports[0].include-controls[0]"
    with_ids: list[str] = field(default_factory=list)
    matching: list[str] = field(default_factory=list)  # glob patterns on control ids
    with_child_controls: bool = False


@dataclass
class ProfileData:
    """An OSCAL profile's selection from one catalog.

    Only selection is supported: ``include-all``, ``include-controls`` (``with-ids``,
    ``matching`` as globs on ids, ``with-child-controls``) and ``exclude-controls``. ``merge``
    and ``modify`` (parameter settings, alterations) are ignored: the resolved framework keeps
    the catalog's structure and text as they are.
    """

    title: str
    version: str
    uuid: str
    source: str
    catalog_refs: list[str] = field(default_factory=list)
    href: str = ""
    include_all: bool = False
    includes: list[ControlSelection] = field(default_factory=list)
    excludes: list[ControlSelection] = field(default_factory=list)
    provider: str = ""
    publication_date: date | None = None
    description: str = ""

    def resolve(self, catalog: FrameworkData) -> LibraryData:
        """A new framework with the selected controls and their ancestors (groups, parent
        controls), node URNs rebased onto the profile's framework URN. Ancestor controls
        kept only for the tree's sake are not assessable."""
        index = _CatalogIndex(catalog)
        selected: set[str] = set(index.controls()) if self.include_all else set()
        for selection in self.includes:
            selected |= self._select(selection, index, catalog)
        for selection in self.excludes:
            selected -= self._select(selection, index, catalog)
        kept = set(selected)
        for urn in selected:
            kept.update(index.ancestors(urn))
        key = slug(self.title) or slug(self.uuid) or "profile"
        fw_urn = f"urn:oscal:profile:{key}"
        nodes = [
            _rebased(node, index, fw_urn, selected=index.urn(node) in selected)
            for node in catalog.nodes
            if index.urn(node) in kept
        ]
        framework = FrameworkData(
            urn=fw_urn,
            ref_id=self.title,
            name=self.title,
            version=self.version,
            description=self.description,
            provider=self.provider,
            publication_date=self.publication_date,
            locale=catalog.locale,
            attribute_schema=list(catalog.attribute_schema),
            nodes=nodes,
            source={"oscal_uuid": self.uuid, "file": self.source, "profile_of": catalog.urn},
        )
        return LibraryData(
            urn=f"urn:oscal:library:profile:{key}",
            name=self.title,
            version=self.version,
            provider=self.provider,
            publication_date=self.publication_date,
            description=self.description,
            frameworks=[framework],
            source=self.source,
            format="oscal",
        )

    def _select(
        self, selection: ControlSelection, index: _CatalogIndex, catalog: FrameworkData
    ) -> set[str]:
        found: set[str] = set()
        for k, oscal_id in enumerate(selection.with_ids):
            urn = index.control_by_id(oscal_id)
            if urn is None:
                raise LibraryError(
                    f"control {oscal_id!r} is not in catalog {catalog.name!r}",
                    source=self.source,
                    where=f"{selection.where}.with-ids[{k}]",
                )
            found.add(urn)
        for pattern in selection.matching:
            found.update(
                urn for urn in index.controls() if fnmatchcase(index.oscal_id(urn), pattern)
            )
        if selection.with_child_controls:
            for urn in list(found):
                found.update(index.descendant_controls(urn))
        return found


class _CatalogIndex:
    """Ids, parents and children of a framework's nodes, keyed by node URN."""

    def __init__(self, catalog: FrameworkData) -> None:
        self.catalog = catalog
        self.prefix = f"{catalog.urn}:"
        self.by_urn: dict[str, NodeData] = {}
        by_ref: dict[str, str] = {}
        for node in catalog.nodes:
            urn = self.urn(node)
            self.by_urn[urn] = node
            by_ref.setdefault(node.ref_id, urn)
        self.parent: dict[str, str] = {}
        self.children: dict[str, list[str]] = {}
        for urn, node in self.by_urn.items():
            parent = node.parent if node.parent in self.by_urn else by_ref.get(node.parent, "")
            self.parent[urn] = parent
            if parent:
                self.children.setdefault(parent, []).append(urn)
        self.by_id = {self.oscal_id(urn): urn for urn in self.by_urn}

    def urn(self, node: NodeData) -> str:
        return node.urn or node_urn(self.catalog.urn, node.ref_id)

    def oscal_id(self, urn: str) -> str:
        return urn[len(self.prefix) :] if urn.startswith(self.prefix) else urn.rsplit(":", 1)[-1]

    def is_control(self, urn: str) -> bool:
        return self.by_urn[urn].kind != "group"

    def controls(self) -> list[str]:
        return [urn for urn in self.by_urn if self.is_control(urn)]

    def control_by_id(self, oscal_id: str) -> str | None:
        urn = self.by_id.get(oscal_id)
        return urn if urn is not None and self.is_control(urn) else None

    def ancestors(self, urn: str) -> list[str]:
        found: list[str] = []
        parent = self.parent.get(urn, "")
        while parent and parent not in found:
            found.append(parent)
            parent = self.parent.get(parent, "")
        return found

    def descendant_controls(self, urn: str) -> list[str]:
        found: list[str] = []
        stack = list(self.children.get(urn, []))
        while stack:
            child = stack.pop()
            if self.is_control(child):
                found.append(child)
                stack.extend(self.children.get(child, []))
        return found


def _rebased(node: NodeData, index: _CatalogIndex, fw_urn: str, *, selected: bool) -> NodeData:
    urn = index.urn(node)
    parent = index.parent.get(urn, "")
    return dataclasses.replace(
        node,
        urn=f"{fw_urn}:{index.oscal_id(urn)}",
        parent=f"{fw_urn}:{index.oscal_id(parent)}" if parent else "",
        assessable=node.assessable and selected,
        attributes={k: list(v) for k, v in node.attributes.items()},
    )


def parse_profile(doc: dict[str, Any], *, source: str) -> ProfileData:
    """A profile's metadata, the references of its catalog, and its selection rules."""
    profile = _mapping(
        doc.get("profile") if isinstance(doc, dict) else None, source=source, where="profile"
    )
    metadata = _mapping(profile.get("metadata"), source=source, where="profile.metadata")
    title = _required_str(
        metadata, "title", "profile metadata", source=source, where="profile.metadata"
    )
    imports = list(_items(profile, "imports", source=source, where="profile"))
    if len(imports) != 1:
        message = (
            "a profile needs an import"
            if not imports
            else f"only one import is supported, found {len(imports)}"
        )
        raise _fail(message, source, "profile.imports")
    where, imported = imports[0]
    href = _required_str(imported, "href", "import", source=source, where=where)
    result = ProfileData(
        title=title,
        version=as_str(metadata.get("version")) or "1",
        uuid=as_str(profile.get("uuid")),
        source=source,
        catalog_refs=_catalog_refs(href, profile),
        href=href,
        provider=_party_name(metadata),
        publication_date=as_date(
            metadata.get("published"), source=source, where="profile.metadata.published"
        ),
        description=as_str(metadata.get("remarks")),
    )
    result.include_all = "include-all" in imported or "include-controls" not in imported
    result.includes = [
        _selection(s, p, source)
        for p, s in _items(imported, "include-controls", source=source, where=where)
    ]
    result.excludes = [
        _selection(s, p, source)
        for p, s in _items(imported, "exclude-controls", source=source, where=where)
    ]
    return result


def _selection(obj: dict[str, Any], where: str, source: str) -> ControlSelection:
    with_ids = obj.get("with-ids") or []
    if not isinstance(with_ids, list):
        raise _fail("'with-ids' must be a list", source, f"{where}.with-ids")
    patterns = [
        as_str(m.get("pattern")) for _, m in _items(obj, "matching", source=source, where=where)
    ]
    return ControlSelection(
        where=where,
        with_ids=[as_str(i) for i in with_ids],
        matching=[p for p in patterns if p],
        with_child_controls=as_str(obj.get("with-child-controls")).lower() == "yes",
    )


def _catalog_refs(href: str, profile: dict[str, Any]) -> list[str]:
    """Everything that names the imported catalog: the href, or for "#uuid" the uuid and the
    file names (with and without extension) of that back-matter resource's rlinks."""
    refs = [href]
    hrefs = [href]
    if href.startswith("#"):
        resource_uuid = href[1:]
        refs.append(resource_uuid)
        back_matter = profile.get("back-matter")
        resources = back_matter.get("resources") if isinstance(back_matter, dict) else None
        for resource in resources or []:
            if isinstance(resource, dict) and resource.get("uuid") == resource_uuid:
                hrefs = [
                    as_str(r.get("href"))
                    for r in resource.get("rlinks") or []
                    if isinstance(r, dict)
                ]
    for link in hrefs:
        name = PurePosixPath(urlparse(link).path).name
        if name:
            refs.extend([name, PurePosixPath(name).stem])
    return list(dict.fromkeys(r for r in refs if r))


# --- export -------------------------------------------------------------------------------------


def export_catalog(framework: FrameworkData, *, last_modified: datetime) -> dict[str, Any]:
    """An OSCAL 1.2.1 catalog document for a framework.

    Non-assessable nodes with children, other than controls and not below a control, become
    groups; all other nodes controls. Ids come from the node URN's last segment (or the ref
    id), made into unique OSCAL tokens; the ref id is kept as the "label" prop.
    """
    exporter = _Exporter(framework)
    catalog: dict[str, Any] = {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, framework.urn)),
        "metadata": _export_metadata(framework, last_modified),
    }
    groups, controls = exporter.children("", under_control=False)
    if groups:
        catalog["groups"] = groups
    if controls:
        catalog["controls"] = controls
    return {"catalog": catalog}


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _export_metadata(framework: FrameworkData, last_modified: datetime) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "title": _one_line(framework.name) or _one_line(framework.ref_id) or framework.urn,
    }
    if framework.publication_date:
        metadata["published"] = f"{framework.publication_date.isoformat()}T00:00:00Z"
    metadata["last-modified"] = _timestamp(last_modified)
    metadata["version"] = _one_line(framework.version) or "1"
    metadata["oscal-version"] = OSCAL_VERSION
    provider = _one_line(framework.provider)
    if provider:
        party = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{framework.urn}#provider"))
        metadata["roles"] = [{"id": "creator", "title": "Document creator"}]
        metadata["parties"] = [{"uuid": party, "type": "organization", "name": provider}]
        metadata["responsible-parties"] = [{"role-id": "creator", "party-uuids": [party]}]
    if framework.description.strip():
        metadata["remarks"] = framework.description.strip()
    return metadata


class _Exporter:
    def __init__(self, framework: FrameworkData) -> None:
        self.framework = framework
        urns = [n.urn or node_urn(framework.urn, n.ref_id) for n in framework.nodes]
        by_urn = dict(zip(urns, framework.nodes, strict=True))
        by_ref = {n.ref_id: u for u, n in zip(urns, framework.nodes, strict=True)}
        self.children_of: dict[str, list[tuple[str, NodeData]]] = {}
        for urn, node in zip(urns, framework.nodes, strict=True):
            parent = node.parent if node.parent in by_urn else by_ref.get(node.parent, "")
            self.children_of.setdefault(parent if parent != urn else "", []).append((urn, node))
        self.used: set[str] = set()
        self.ids = {
            urn: self._unique(_token_from(urn, node))
            for urn, node in zip(urns, framework.nodes, strict=True)
        }

    def _unique(self, base: str) -> str:
        candidate, n = base, 1
        while candidate in self.used:
            n += 1
            candidate = f"{base}_{n}"
        self.used.add(candidate)
        return candidate

    def children(
        self, parent: str, *, under_control: bool
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        groups: list[dict[str, Any]] = []
        controls: list[dict[str, Any]] = []
        kids = self.children_of.get(parent, [])
        as_group = [
            not under_control
            and not node.assessable
            and bool(self.children_of.get(urn))
            and node.kind not in CONTROL_KINDS
            for urn, node in kids
        ]
        # An OSCAL group holds either groups or controls, never both: where a node mixes them
        # (ISO/IEC 27001 clause 6 holds 6.1 and 6.2), its sub-groups are written as controls.
        # The catalog itself may hold both.
        if parent and any(as_group) and not all(as_group):
            as_group = [False] * len(kids)
        for (urn, node), is_group in zip(kids, as_group, strict=True):
            if is_group:
                groups.append(self._entry(urn, node, under_control=False))
            else:
                controls.append(self._entry(urn, node, under_control=True))
        return groups, controls

    def _entry(self, urn: str, node: NodeData, *, under_control: bool) -> dict[str, Any]:
        oscal_id = self.ids[urn]
        entry: dict[str, Any] = {
            "id": oscal_id,
            "title": _one_line(node.name) or _one_line(node.ref_id) or oscal_id,
            "props": self._props(node, is_control=under_control),
        }
        parts = [
            {"id": self._unique(f"{oscal_id}_{suffix}"), "name": name, "prose": text.strip()}
            for name, suffix, text in (
                ("statement", "smt", node.description),
                ("guidance", "gdn", node.guidance),
            )
            if text.strip()
        ]
        if parts:
            entry["parts"] = parts
        groups, controls = self.children(urn, under_control=under_control)
        if groups:
            entry["groups"] = groups
        if controls:
            entry["controls"] = controls
        return entry

    @staticmethod
    def _props(node: NodeData, *, is_control: bool) -> list[dict[str, Any]]:
        props: list[dict[str, Any]] = []
        label = _one_line(node.ref_id)
        if label:
            props.append({"name": "label", "value": label})
        withdrawn = "withdrawn" in node.attributes.get("status", [])
        if is_control and not node.assessable and not withdrawn:
            props.append({"name": "assessable", "ns": OPENISMS_NS, "value": "false"})
        for name, values in node.attributes.items():
            if name == "label" or not _is_token(name):
                continue
            props.extend(
                {"name": name, "value": v} for v in values if isinstance(v, str) and _is_string(v)
            )
        return props


def _token_from(urn: str, node: NodeData) -> str:
    """An OSCAL token from the URN's last segment (or the ref id)."""
    base = urn.rsplit(":", 1)[-1] if urn else node.ref_id
    base = base or node.ref_id or "node"
    chars = [c if c in "._-" or unicodedata.category(c)[0] in "LN" else "_" for c in base]
    token = "".join(chars)
    return token if _is_token(token) else f"_{token}"
