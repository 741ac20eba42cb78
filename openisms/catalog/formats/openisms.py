"""Our own YAML library format (docs/library-format.md): read and write, lossless."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from openisms.catalog.data import (
    AttributeDef,
    ControlTemplateData,
    FrameworkData,
    LibraryData,
    LibraryError,
    MappingData,
    MappingSetData,
    NodeData,
)
from openisms.catalog.formats.common import as_bool, as_date, as_str, read_yaml

FORMAT_KEY = "openisms_library"
FORMAT_VERSION = 1


def detect(doc: Any) -> bool:
    return isinstance(doc, dict) and FORMAT_KEY in doc


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, message: str, where: str) -> LibraryError:
        return LibraryError(message, source=self.source, where=where)

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail("expected a mapping (key: value)", where)
        return value

    def items(self, value: Any, where: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail("expected a list", where)
        return value

    def required(self, doc: dict[str, Any], key: str, where: str) -> str:
        value = as_str(doc.get(key))
        if not value:
            raise self.fail(f"'{key}' is required", where)
        return value


def parse(doc: Any, *, source: str) -> LibraryData:
    r = _Reader(source)
    doc = r.mapping(doc, "(top)")
    if doc.get(FORMAT_KEY) != FORMAT_VERSION:
        raise r.fail(f"unsupported {FORMAT_KEY} version {doc.get(FORMAT_KEY)!r}", FORMAT_KEY)
    lib = LibraryData(
        urn=r.required(doc, "urn", "(top)"),
        name=r.required(doc, "name", "(top)"),
        version=as_str(doc.get("revision", doc.get("version", "1"))) or "1",
        provider=as_str(doc.get("provider")),
        publication_date=as_date(
            doc.get("publication_date"), source=source, where="publication_date"
        ),
        copyright=as_str(doc.get("copyright")),
        description=as_str(doc.get("description")),
        dependencies=[as_str(d) for d in r.items(doc.get("dependencies"), "dependencies")],
        aliases=[as_str(a) for a in r.items(doc.get("aliases"), "aliases")],
        source=source,
        format="openisms",
    )
    for i, fw in enumerate(r.items(doc.get("frameworks"), "frameworks")):
        lib.frameworks.append(_framework(r, fw, f"frameworks[{i}]"))
    for i, ms in enumerate(r.items(doc.get("mapping_sets"), "mapping_sets")):
        lib.mapping_sets.append(_mapping_set(r, ms, f"mapping_sets[{i}]"))
    for i, ct in enumerate(r.items(doc.get("control_templates"), "control_templates")):
        where = f"control_templates[{i}]"
        ct = r.mapping(ct, where)
        lib.control_templates.append(
            ControlTemplateData(
                urn=r.required(ct, "urn", where),
                ref_id=as_str(ct.get("ref_id")),
                name=r.required(ct, "name", where),
                description=as_str(ct.get("description")),
                category=as_str(ct.get("category")),
                function=as_str(ct.get("function")),
            )
        )
    return lib


def _flat_strings(r: _Reader, value: Any, where: str) -> dict[str, Any]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in value.values()
    ):
        raise r.fail("expected a mapping of names to text", where)
    return {str(k): v for k, v in value.items()}


def _ref_id(r: _Reader, value: Any, where: str) -> str:
    """Ref ids are text: an unquoted 5.10 would silently become 5.1."""
    if isinstance(value, float | bool):
        raise r.fail(f'ref_id {value!r} must be quoted ("…") so that it stays as written', where)
    return as_str(value)


def _framework(r: _Reader, fw: Any, where: str) -> FrameworkData:
    fw = r.mapping(fw, where)
    data = FrameworkData(
        urn=r.required(fw, "urn", where),
        ref_id=r.required(fw, "ref_id", where),
        name=r.required(fw, "name", where),
        version=as_str(fw.get("version")) or "1",
        description=as_str(fw.get("description")),
        provider=as_str(fw.get("provider")),
        publication_date=as_date(
            fw.get("publication_date"), source=r.source, where=f"{where}.publication_date"
        ),
        copyright=as_str(fw.get("copyright")),
        locale=as_str(fw.get("locale")) or "en",
        aliases=[as_str(a) for a in r.items(fw.get("aliases"), f"{where}.aliases")],
        source=_flat_strings(r, fw.get("source"), f"{where}.source"),
    )
    for j, attr in enumerate(r.items(fw.get("attribute_schema"), f"{where}.attribute_schema")):
        aw = f"{where}.attribute_schema[{j}]"
        attr = r.mapping(attr, aw)
        data.attribute_schema.append(
            AttributeDef(
                key=r.required(attr, "key", aw),
                name=as_str(attr.get("name")) or as_str(attr.get("key")),
                values=[as_str(v) for v in r.items(attr.get("values"), f"{aw}.values")],
            )
        )
    for j, node in enumerate(r.items(fw.get("nodes"), f"{where}.nodes")):
        nw = f"{where}.nodes[{j}]"
        node = r.mapping(node, nw)
        attributes = r.mapping(node.get("attributes") or {}, f"{nw}.attributes")
        data.nodes.append(
            NodeData(
                ref_id=_ref_id(r, node.get("ref_id"), nw),
                name=as_str(node.get("name")),
                urn=as_str(node.get("urn")),
                parent=as_str(node.get("parent")),
                kind=as_str(node.get("kind")) or "requirement",
                assessable=as_bool(
                    node.get("assessable"), source=r.source, where=f"{nw}.assessable"
                ),
                description=as_str(node.get("description")),
                guidance=as_str(node.get("evidence", node.get("guidance"))),
                attributes={
                    str(k): [as_str(v) for v in (vals if isinstance(vals, list) else [vals])]
                    for k, vals in attributes.items()
                },
                where=nw + (f" (ref_id {node.get('ref_id')!r})" if node.get("ref_id") else ""),
            )
        )
        if not data.nodes[-1].ref_id and not data.nodes[-1].urn:
            raise r.fail("a node needs a 'ref_id' or a 'urn'", nw)
    return data


def _mapping_set(r: _Reader, ms: Any, where: str) -> MappingSetData:
    ms = r.mapping(ms, where)
    data = MappingSetData(
        urn=r.required(ms, "urn", where),
        name=r.required(ms, "name", where),
        source_framework=r.required(ms, "source_framework", where),
        target_framework=r.required(ms, "target_framework", where),
        description=as_str(ms.get("description")),
    )
    for k, m in enumerate(r.items(ms.get("mappings"), f"{where}.mappings")):
        mw = f"{where}.mappings[{k}]"
        m = r.mapping(m, mw)
        strength = m.get("strength")
        if strength not in (None, "") and not (
            isinstance(strength, int) and not isinstance(strength, bool)
        ):
            raise r.fail(f"strength must be a whole number, not {strength!r}", mw)
        data.mappings.append(
            MappingData(
                source=r.required(m, "source", mw),
                target=r.required(m, "target", mw),
                relationship=r.required(m, "relationship", mw),
                strength=int(strength) if strength not in (None, "") else None,
                rationale=as_str(m.get("rationale")),
                where=mw,
            )
        )
    return data


def read(path: Path) -> LibraryData:
    return parse(read_yaml(path), source=path.name)


# --- writing ----------------------------------------------------------------------------------


def _drop_empty(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in ("", None, [], {})}


def to_document(lib: LibraryData) -> dict[str, Any]:
    doc: dict[str, Any] = {
        FORMAT_KEY: FORMAT_VERSION,
        "urn": lib.urn,
        "name": lib.name,
        "revision": lib.version,
        "provider": lib.provider,
        "publication_date": lib.publication_date.isoformat() if lib.publication_date else None,
        "copyright": lib.copyright,
        "description": lib.description,
        "dependencies": lib.dependencies,
        "aliases": lib.aliases,
    }
    doc = _drop_empty(doc)
    doc["frameworks"] = [_framework_doc(fw) for fw in lib.frameworks]
    doc["mapping_sets"] = [
        _drop_empty(
            {
                "urn": ms.urn,
                "name": ms.name,
                "description": ms.description,
                "source_framework": ms.source_framework,
                "target_framework": ms.target_framework,
                "mappings": [
                    _drop_empty(
                        {
                            "source": m.source,
                            "target": m.target,
                            "relationship": m.relationship,
                            "strength": m.strength,
                            "rationale": m.rationale,
                        }
                    )
                    for m in ms.mappings
                ],
            }
        )
        for ms in lib.mapping_sets
    ]
    if lib.control_templates:
        doc["control_templates"] = [
            _drop_empty(
                {
                    "urn": t.urn,
                    "ref_id": t.ref_id,
                    "name": t.name,
                    "description": t.description,
                    "category": t.category,
                    "function": t.function,
                }
            )
            for t in lib.control_templates
        ]
    return doc


def _framework_doc(fw: FrameworkData) -> dict[str, Any]:
    doc = _drop_empty(
        {
            "urn": fw.urn,
            "ref_id": fw.ref_id,
            "name": fw.name,
            "description": fw.description,
            "version": fw.version,
            "provider": fw.provider,
            "publication_date": fw.publication_date.isoformat() if fw.publication_date else None,
            "locale": fw.locale,
            "copyright": fw.copyright,
            "aliases": fw.aliases,
            "source": fw.source,
            "attribute_schema": [
                {"key": a.key, "name": a.name, "values": a.values} for a in fw.attribute_schema
            ],
        }
    )
    doc["nodes"] = [
        {
            **_drop_empty(
                {
                    "urn": n.urn,
                    "ref_id": n.ref_id,
                    "parent": n.parent,
                    "kind": n.kind,
                    "name": n.name,
                }
            ),
            "assessable": n.assessable,
            **_drop_empty(
                {"description": n.description, "evidence": n.guidance, "attributes": n.attributes}
            ),
        }
        for n in fw.nodes
    ]
    return doc


def write(lib: LibraryData) -> str:
    header = "# OpenISMS library. Format: docs/library-format.md\n"
    return header + yaml.safe_dump(to_document(lib), sort_keys=False, allow_unicode=True, width=100)
