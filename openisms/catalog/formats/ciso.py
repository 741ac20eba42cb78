"""CISO Assistant's open YAML library format: frameworks, requirement mapping sets and
reference controls (imported as control templates)."""

from __future__ import annotations

from typing import Any

from openisms.catalog.data import (
    ControlTemplateData,
    FrameworkData,
    LibraryData,
    LibraryError,
    MappingData,
    MappingSetData,
    NodeData,
)
from openisms.catalog.formats.common import as_bool, as_date, as_str


def detect(doc: Any) -> bool:
    return isinstance(doc, dict) and "urn" in doc and isinstance(doc.get("objects"), dict)


def _list(value: Any, *, source: str, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise LibraryError("expected a list", source=source, where=where)
    return value


def _required(d: dict[str, Any], key: str, *, source: str, where: str) -> str:
    value = as_str(d.get(key))
    if not value:
        raise LibraryError(f"'{key}' is required", source=source, where=where)
    return value


def parse(doc: dict[str, Any], *, source: str) -> LibraryData:
    lib = LibraryData(
        urn=_required(doc, "urn", source=source, where="(top)"),
        name=as_str(doc.get("name")) or as_str(doc.get("ref_id")) or as_str(doc.get("urn")),
        version=as_str(doc.get("version")) or "1",
        provider=as_str(doc.get("provider")),
        publication_date=as_date(
            doc.get("publication_date"), source=source, where="publication_date"
        ),
        copyright=as_str(doc.get("copyright")),
        description=as_str(doc.get("description")),
        dependencies=[
            as_str(d) for d in _list(doc.get("dependencies"), source=source, where="dependencies")
        ],
        source=source,
        format="ciso-assistant",
    )
    objects = doc["objects"]
    fw = objects.get("framework")
    if fw is not None:
        lib.frameworks.append(_framework(fw, lib, source=source))
    mapping_sets = objects.get("requirement_mapping_sets") or []
    if objects.get("requirement_mapping_set"):
        mapping_sets = [objects["requirement_mapping_set"], *mapping_sets]
    for i, ms in enumerate(
        _list(mapping_sets, source=source, where="objects.requirement_mapping_sets")
    ):
        lib.mapping_sets.append(
            _mapping_set(ms, source=source, where=f"objects.requirement_mapping_sets[{i}]")
        )
    for i, rc in enumerate(
        _list(objects.get("reference_controls"), source=source, where="objects.reference_controls")
    ):
        where = f"objects.reference_controls[{i}]"
        if not isinstance(rc, dict):
            raise LibraryError("expected a mapping", source=source, where=where)
        lib.control_templates.append(
            ControlTemplateData(
                urn=_required(rc, "urn", source=source, where=where),
                ref_id=as_str(rc.get("ref_id")),
                name=as_str(rc.get("name")) or as_str(rc.get("ref_id")),
                description=as_str(rc.get("description")),
                category=as_str(rc.get("category")),
                function=as_str(rc.get("csf_function")),
            )
        )
    if not (lib.frameworks or lib.mapping_sets or lib.control_templates):
        raise LibraryError(
            "the library holds no framework, mapping set or reference controls",
            source=source,
            where="objects",
        )
    return lib


def _framework(fw: Any, lib: LibraryData, *, source: str) -> FrameworkData:
    where = "objects.framework"
    if not isinstance(fw, dict):
        raise LibraryError("expected a mapping", source=source, where=where)
    data = FrameworkData(
        urn=_required(fw, "urn", source=source, where=where),
        ref_id=as_str(fw.get("ref_id")) or as_str(fw.get("urn")).rsplit(":", 1)[-1],
        name=as_str(fw.get("name")) or lib.name,
        version=lib.version,
        description=as_str(fw.get("description")),
        provider=lib.provider,
        publication_date=lib.publication_date,
        copyright=lib.copyright,
        locale=as_str(fw.get("locale")) or "en",
    )
    for j, node in enumerate(
        _list(fw.get("requirement_nodes"), source=source, where=f"{where}.requirement_nodes")
    ):
        nw = f"{where}.requirement_nodes[{j}]"
        if not isinstance(node, dict):
            raise LibraryError("expected a mapping", source=source, where=nw)
        urn = _required(node, "urn", source=source, where=nw)
        templates = [as_str(t) for t in node.get("reference_controls") or []]
        data.nodes.append(
            NodeData(
                ref_id=as_str(node.get("ref_id")),
                name=as_str(node.get("name")),
                urn=urn,
                parent=as_str(node.get("parent_urn")),
                kind="requirement"
                if as_bool(node.get("assessable"), source=source, where=nw, default=False)
                else "group",
                assessable=as_bool(
                    node.get("assessable"), source=source, where=f"{nw}.assessable", default=False
                ),
                description=as_str(node.get("description")),
                guidance=as_str(node.get("annotation")),
                attributes={"reference_controls": templates} if templates else {},
                where=f"{nw} ({urn})",
            )
        )
    return data


def _mapping_set(ms: Any, *, source: str, where: str) -> MappingSetData:
    if not isinstance(ms, dict):
        raise LibraryError("expected a mapping", source=source, where=where)
    data = MappingSetData(
        urn=_required(ms, "urn", source=source, where=where),
        name=as_str(ms.get("name")) or as_str(ms.get("ref_id")),
        description=as_str(ms.get("description")),
        source_framework=_required(ms, "source_framework_urn", source=source, where=where),
        target_framework=_required(ms, "target_framework_urn", source=source, where=where),
    )
    for k, m in enumerate(
        _list(ms.get("requirement_mappings"), source=source, where=f"{where}.requirement_mappings")
    ):
        mw = f"{where}.requirement_mappings[{k}]"
        if not isinstance(m, dict):
            raise LibraryError("expected a mapping", source=source, where=mw)
        strength = m.get("strength_of_relationship")
        data.mappings.append(
            MappingData(
                source=_required(m, "source_requirement_urn", source=source, where=mw),
                target=_required(m, "target_requirement_urn", source=source, where=mw),
                relationship=_required(m, "relationship", source=source, where=mw),
                strength=int(strength) if isinstance(strength, int) else None,
                rationale=as_str(m.get("rationale")),
                where=mw,
            )
        )
    return data
