"""Validate a parsed library as a whole, then write it (create, upgrade in place, or nothing).

Used only through ``services.catalog_import`` / ``services.library_load``, which own the
transaction. Node identity across versions is the node URN, so an upgraded framework keeps the
primary keys — and therefore every organisation's links — of the requirements it keeps.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from openisms.catalog.data import RELATIONSHIPS, FrameworkData, LibraryData, LibraryError, NodeData
from openisms.catalog.formats.common import node_urn
from openisms.catalog.models import (
    ControlTemplate,
    Framework,
    Library,
    MappingSet,
    RequirementMapping,
    RequirementNode,
)

MAX_DEPTH = 50
NODE_FIELDS = (
    "ref_id",
    "name",
    "description",
    "guidance",
    "kind",
    "assessable",
    "order",
    "depth",
    "attributes",
)


@dataclass
class FrameworkReport:
    urn: str
    name: str
    status: str  # created, updated, unchanged
    nodes: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class LibraryReport:
    urn: str
    name: str
    source: str
    status: str  # created, updated, unchanged
    frameworks: list[FrameworkReport] = field(default_factory=list)
    mapping_sets: list[tuple[str, int]] = field(default_factory=list)  # (urn, mappings)
    control_templates: int = 0


def content_hash(lib: LibraryData) -> str:
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in {"where", "source_file"}}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    payload = strip(dataclasses.asdict(lib))
    # Nodes may name their parent by ref id or by URN and leave their own URN implicit: hash
    # the resolved form, so that an export re-imports as "unchanged".
    for fw_payload, fw in zip(payload["frameworks"], lib.frameworks, strict=True):
        urns = {n.ref_id: n.urn or node_urn(fw.urn, n.ref_id) for n in fw.nodes if n.ref_id}
        for node_payload, n in zip(fw_payload["nodes"], fw.nodes, strict=True):
            node_payload["urn"] = n.urn or node_urn(fw.urn, n.ref_id)
            node_payload["parent"] = urns.get(n.parent, n.parent)
    for key in ("source", "format", "pending_profile"):
        payload.pop(key, None)
    data = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def _version_key(version: str) -> tuple[int, ...] | None:
    parts = version.strip().lstrip("vV").split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) and parts else None


def is_older(new: str, old: str) -> bool:
    a, b = _version_key(new), _version_key(old)
    return a is not None and b is not None and a < b


# --- validation of one framework's nodes --------------------------------------------------------


@dataclass
class PreparedNode:
    data: NodeData
    urn: str
    parent_urn: str
    depth: int
    order: int


def prepare_nodes(fw: FrameworkData, *, source: str) -> list[PreparedNode]:
    """Derive URNs, resolve parents (by URN or ref id), refuse duplicates, unknown parents and
    cycles, and compute depths."""
    where_fw = f"framework {fw.urn}"
    by_urn: dict[str, NodeData] = {}
    by_ref: dict[str, str] = {}
    urns: list[str] = []
    for n in fw.nodes:
        urn = n.urn or node_urn(fw.urn, n.ref_id)
        if n.ref_id and n.ref_id in by_ref:
            raise LibraryError(
                f"duplicate ref_id {n.ref_id!r} (also at {by_urn[by_ref[n.ref_id]].where})",
                source=source,
                where=n.where or where_fw,
            )
        if urn in by_urn:
            raise LibraryError(
                f"duplicate node URN {urn!r} (also at {by_urn[urn].where})",
                source=source,
                where=n.where or where_fw,
            )
        if n.ref_id:
            by_ref[n.ref_id] = urn
        by_urn[urn] = n
        urns.append(urn)
    for urn in urns:
        n = by_urn[urn]
        where = n.where or where_fw
        if len(urn) > 255:
            raise LibraryError(
                f"URN longer than 255 characters: {urn[:60]!r}…", source=source, where=where
            )
        if len(n.ref_id) > 100:
            raise LibraryError(
                f"ref_id longer than 100 characters: {n.ref_id[:40]!r}…", source=source, where=where
            )
        if len(n.name) > 500:
            raise LibraryError("name longer than 500 characters", source=source, where=where)
        texts = (urn, n.ref_id, n.name, n.description, n.guidance, n.kind, n.parent)
        if any("\x00" in t for t in texts):
            raise LibraryError("NUL characters are not allowed", source=source, where=where)
    parents: dict[str, str] = {}
    for urn in urns:
        n = by_urn[urn]
        if not n.parent:
            parents[urn] = ""
        elif n.parent in by_urn:
            parents[urn] = n.parent
        elif n.parent in by_ref:
            parents[urn] = by_ref[n.parent]
        else:
            raise LibraryError(
                f"unknown parent {n.parent!r}", source=source, where=n.where or where_fw
            )
    depths: dict[str, int] = {}
    for urn in urns:
        chain: list[str] = []
        cur = urn
        while cur and cur not in depths:
            if cur in chain:
                cycle = " → ".join(by_urn[c].ref_id or c for c in [*chain[chain.index(cur) :], cur])
                raise LibraryError(
                    f"cycle in parents: {cycle}", source=source, where=by_urn[cur].where or where_fw
                )
            chain.append(cur)
            cur = parents[cur]
        base = depths[cur] if cur else 0
        for offset, c in enumerate(reversed(chain), start=1):
            depths[c] = base + offset
            if depths[c] > MAX_DEPTH:
                raise LibraryError(
                    f"the tree is deeper than {MAX_DEPTH} levels",
                    source=source,
                    where=by_urn[c].where or where_fw,
                )
    return [
        PreparedNode(data=by_urn[u], urn=u, parent_urn=parents[u], depth=depths[u], order=i)
        for i, u in enumerate(urns)
    ]


# --- writing ----------------------------------------------------------------------------------------


def _node_values(p: PreparedNode) -> dict[str, Any]:
    n = p.data
    return {
        "ref_id": n.ref_id[:100],
        "name": n.name[:500],
        "description": n.description,
        "guidance": n.guidance,
        "kind": n.kind[:30],
        "assessable": n.assessable,
        "order": p.order,
        "depth": p.depth,
        "attributes": n.attributes,
    }


def sync_framework(
    fw: FrameworkData, *, library: Library, organization: Any, source: str
) -> tuple[Framework, FrameworkReport]:
    prepared = prepare_nodes(fw, source=source)
    values = {
        "library": library,
        "ref_id": fw.ref_id[:100],
        "name": fw.name[:500],
        "description": fw.description,
        "version": fw.version[:50],
        "provider": fw.provider[:255],
        "publication_date": fw.publication_date,
        "copyright": fw.copyright,
        "locale": fw.locale[:10],
        "attribute_schema": [dataclasses.asdict(a) for a in fw.attribute_schema],
        "aliases": fw.aliases,
        "source": fw.source,
        "updated_at": timezone.now(),
    }
    framework = Framework.objects.filter(organization=organization, urn=fw.urn).first()
    if framework is None:
        framework = Framework.objects.create(organization=organization, urn=fw.urn, **values)
        report = FrameworkReport(fw.urn, fw.name, "created", nodes=len(prepared))
        existing: dict[str, RequirementNode] = {}
    else:
        for k, v in values.items():
            setattr(framework, k, v)
        framework.save()
        report = FrameworkReport(fw.urn, fw.name, "updated", nodes=len(prepared))
        existing = {n.urn: n for n in RequirementNode.objects.filter(framework=framework)}

    to_create: list[RequirementNode] = []
    to_update: list[RequirementNode] = []
    for p in prepared:
        vals = _node_values(p)
        node = existing.get(p.urn)
        if node is None:
            to_create.append(RequirementNode(framework=framework, urn=p.urn, **vals))
            if existing:
                report.added.append(p.data.ref_id or p.urn)
        else:
            if any(getattr(node, k) != v for k, v in vals.items() if k not in {"order", "depth"}):
                report.changed.append(p.data.ref_id or p.urn)
            for k, v in vals.items():
                setattr(node, k, v)
            to_update.append(node)
    removed = set(existing) - {p.urn for p in prepared}
    report.removed = sorted(existing[u].ref_id or u for u in removed)
    if removed:
        RequirementNode.objects.filter(framework=framework, urn__in=removed).delete()
    RequirementNode.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        RequirementNode.objects.bulk_update(to_update, list(NODE_FIELDS), batch_size=500)
    by_urn = {n.urn: n for n in [*to_create, *to_update]}
    with_parent = []
    for p in prepared:
        node = by_urn[p.urn]
        parent_id = by_urn[p.parent_urn].pk if p.parent_urn else None
        if node.parent_id != parent_id:
            node.parent_id = parent_id
            with_parent.append(node)
    if with_parent:
        RequirementNode.objects.bulk_update(with_parent, ["parent"], batch_size=500)
    return framework, report


class FrameworkIndex:
    """Frameworks visible to an organisation (global + its own), found by URN or alias, with
    their nodes loaded on demand for mapping resolution."""

    def __init__(self, organization: Any) -> None:
        self.organization = organization
        self._frameworks: dict[str, Framework] | None = None
        self._nodes: dict[int, tuple[dict[str, int], dict[str, int], dict[str, int]]] = {}

    def _load(self) -> dict[str, Framework]:
        if self._frameworks is None:
            qs = Framework.objects.filter(organization__isnull=True)
            if self.organization is not None:
                qs = qs | Framework.objects.filter(organization=self.organization)
            self._frameworks = {}
            for fw in qs:
                for key in [fw.urn, *fw.aliases]:
                    # An organisation's own framework wins over a global one of the same URN.
                    if key not in self._frameworks or fw.organization_id is not None:
                        self._frameworks[key] = fw
        return self._frameworks

    def add(self, framework: Framework) -> None:
        frameworks = self._load()
        for key in [framework.urn, *framework.aliases]:
            frameworks[key] = framework
        self._nodes.pop(framework.pk, None)

    def get(self, urn: str) -> Framework | None:
        return self._load().get(urn)

    def node_id(self, framework: Framework, ref: str) -> int | None:
        if framework.pk not in self._nodes:
            by_urn, by_ref, by_ref_ci = {}, {}, {}
            for pk, urn, ref_id in RequirementNode.objects.filter(framework=framework).values_list(
                "pk", "urn", "ref_id"
            ):
                by_urn[urn] = pk
                if ref_id:
                    by_ref[ref_id] = pk
                    by_ref_ci[ref_id.lower()] = pk
            self._nodes[framework.pk] = (by_urn, by_ref, by_ref_ci)
        by_urn, by_ref, by_ref_ci = self._nodes[framework.pk]
        if ref in by_urn:
            return by_urn[ref]
        if ref in by_ref:
            return by_ref[ref]
        # A URN written against an alias of the framework (another tool's URN scheme): match
        # its last segment to a ref id.
        suffix = ref.rsplit(":", 1)[-1].lower()
        return by_ref_ci.get(suffix) if ":" in ref else by_ref_ci.get(ref.lower())


def sync_mapping_sets(
    lib: LibraryData, *, library: Library, organization: Any, index: FrameworkIndex
) -> list[tuple[str, int]]:
    results = []
    for i, ms in enumerate(lib.mapping_sets):
        where = f"mapping set {ms.urn}"
        src = index.get(ms.source_framework)
        tgt = index.get(ms.target_framework)
        for role, urn, fw in (
            ("source", ms.source_framework, src),
            ("target", ms.target_framework, tgt),
        ):
            if fw is None:
                raise LibraryError(
                    f"{role} framework {urn!r} is neither loaded nor in this import",
                    source=lib.source,
                    where=where,
                )
        assert src is not None and tgt is not None
        rows: dict[tuple[int, int], RequirementMapping] = {}
        for k, m in enumerate(ms.mappings):
            mw = m.where or f"mapping_sets[{i}].mappings[{k}]"
            if m.relationship not in RELATIONSHIPS:
                raise LibraryError(
                    f"unknown relationship {m.relationship!r} (one of: {', '.join(RELATIONSHIPS)})",
                    source=lib.source,
                    where=mw,
                )
            s_id = index.node_id(src, m.source)
            if s_id is None:
                raise LibraryError(
                    f"unknown source requirement {m.source!r} in {src.urn}",
                    source=lib.source,
                    where=mw,
                )
            t_id = index.node_id(tgt, m.target)
            if t_id is None:
                raise LibraryError(
                    f"unknown target requirement {m.target!r} in {tgt.urn}",
                    source=lib.source,
                    where=mw,
                )
            if m.strength is not None and not 0 <= m.strength <= 10:
                raise LibraryError(
                    f"strength must be 0–10, not {m.strength}", source=lib.source, where=mw
                )
            rows.setdefault(
                (s_id, t_id),
                RequirementMapping(
                    source_id=s_id,
                    target_id=t_id,
                    relationship=m.relationship,
                    strength=m.strength,
                    rationale=m.rationale,
                ),
            )
        mapping_set, _ = MappingSet.objects.update_or_create(
            organization=organization,
            urn=ms.urn,
            defaults={
                "library": library,
                "name": ms.name[:500],
                "description": ms.description,
                "source_framework": src,
                "target_framework": tgt,
            },
        )
        RequirementMapping.objects.filter(mapping_set=mapping_set).delete()
        for row in rows.values():
            row.mapping_set = mapping_set
        RequirementMapping.objects.bulk_create(rows.values(), batch_size=1000)
        results.append((ms.urn, len(rows)))
    return results


def sync_templates(lib: LibraryData, *, library: Library, organization: Any) -> int:
    existing = {t.urn: t for t in ControlTemplate.objects.filter(library=library)}
    seen = set()
    for t in lib.control_templates:
        if t.urn in seen:
            raise LibraryError(f"duplicate control template URN {t.urn!r}", source=lib.source)
        seen.add(t.urn)
        values = {
            "ref_id": t.ref_id[:100],
            "name": t.name[:500],
            "description": t.description,
            "category": t.category[:100],
            "function": t.function[:100],
        }
        obj = existing.get(t.urn)
        if obj is None:
            ControlTemplate.objects.create(
                library=library, organization=organization, urn=t.urn, **values
            )
        else:
            for k, v in values.items():
                setattr(obj, k, v)
            obj.save()
    ControlTemplate.objects.filter(library=library).exclude(urn__in=seen).delete()
    return len(seen)


def check_library_text(lib: LibraryData) -> None:
    """What both databases must be able to store: URNs within 255 characters, no NUL
    characters (PostgreSQL refuses them) in the library's, frameworks' and mappings' texts.
    Nodes are checked by ``prepare_nodes``."""
    texts: list[tuple[str, str]] = [
        ("urn", lib.urn),
        ("name", lib.name),
        ("description", lib.description),
    ]
    for i, fw in enumerate(lib.frameworks):
        texts += [
            (f"frameworks[{i}].urn", fw.urn),
            (f"frameworks[{i}].name", fw.name),
            (f"frameworks[{i}].description", fw.description),
        ]
    for i, ms in enumerate(lib.mapping_sets):
        texts += [(f"mapping_sets[{i}].urn", ms.urn), (f"mapping_sets[{i}].name", ms.name)]
        texts += [(m.where or f"mapping_sets[{i}]", m.rationale) for m in ms.mappings]
    for i, t in enumerate(lib.control_templates):
        texts += [
            (f"control_templates[{i}].urn", t.urn),
            (f"control_templates[{i}].description", t.description),
        ]
    for where, text in texts:
        if "\x00" in text:
            raise LibraryError("NUL characters are not allowed", source=lib.source, where=where)
        if where.endswith("urn") and len(text) > 255:
            raise LibraryError(
                f"URN longer than 255 characters: {text[:60]!r}…", source=lib.source, where=where
            )
