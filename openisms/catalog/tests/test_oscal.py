"""The OSCAL format module against NIST's published content and the OSCAL 1.2.1 schema.

Plain pytest: no database. The reference data lives next to the repository, in
``../shared/data``; without it these tests are skipped.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from openisms.catalog.data import FrameworkData, LibraryData, LibraryError, NodeData
from openisms.catalog.formats import oscal
from openisms.catalog.formats.common import slug

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
CONTENT = DATA / "oscal" / "content"
SCHEMA = DATA / "oscal" / "schemas-v1.2.1" / "release-schemas" / "oscal_catalog_schema.json"
CATALOG_FILE = CONTENT / "NIST_SP-800-53_rev5_catalog.json"
CONTROL_KINDS = {"control", "enhancement"}
NOW = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)


@pytest.fixture(scope="module", autouse=True)
def _shared_data() -> None:
    if not CATALOG_FILE.exists():
        pytest.skip(f"OSCAL reference data not found under {DATA}")


@pytest.fixture(scope="module")
def catalog_doc() -> dict[str, Any]:
    return oscal.read_document(CATALOG_FILE)


@pytest.fixture(scope="module")
def catalog(catalog_doc: dict[str, Any]) -> FrameworkData:
    return oscal.parse_catalog(catalog_doc, source=CATALOG_FILE.name).frameworks[0]


@pytest.fixture(scope="module")
def validator() -> Any:
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def by_ref(framework: FrameworkData) -> dict[str, NodeData]:
    return {n.ref_id: n for n in framework.nodes}


def tree(framework: FrameworkData) -> dict[str, tuple[str, str]]:
    """ref_id → (name, parent's ref_id): what must survive a round trip."""
    ref_of = {n.urn: n.ref_id for n in framework.nodes if n.urn}
    ref_of.update({n.ref_id: n.ref_id for n in framework.nodes})
    return {n.ref_id: (n.name, ref_of[n.parent] if n.parent else "") for n in framework.nodes}


def assert_valid(validator: Any, doc: dict[str, Any]) -> None:
    errors = [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert not errors, "\n".join(errors[:10])


def small_catalog(controls: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "catalog": {
            "uuid": "74c8ba1e-5cd4-4ad1-bbfd-d888e2f6c724",
            "metadata": {"title": "Small", "version": "1", "last-modified": "2024-01-01T00:00:00Z"},
            "groups": [{"id": "g", "title": "Group", "controls": controls}],
        }
    }


# --- reading ------------------------------------------------------------------------------------


def test_detect() -> None:
    assert oscal.detect({"catalog": {}}) == "catalog"
    assert oscal.detect({"$schema": "x", "profile": {}}) == "profile"
    assert oscal.detect({"system-security-plan": {}}) is None
    assert oscal.detect([]) is None


def test_json_syntax_error_reports_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "catalog": {\n    "uuid": "x",\n    oops\n  }\n}\n', encoding="utf-8")
    with pytest.raises(LibraryError) as exc:
        oscal.read_document(path)
    assert exc.value.source == "broken.json"
    assert exc.value.where.startswith("line 4")


def test_yaml_is_read_and_its_syntax_errors_report_the_line(tmp_path: Path) -> None:
    good = tmp_path / "cat.yaml"
    good.write_text("catalog:\n  uuid: abc\n  metadata:\n    title: T\n", encoding="utf-8")
    assert oscal.detect(oscal.read_document(good)) == "catalog"
    bad = tmp_path / "bad.yml"
    bad.write_text("catalog:\n  uuid: abc\n  metadata: [unclosed\n", encoding="utf-8")
    with pytest.raises(LibraryError) as exc:
        oscal.read_document(bad)
    assert exc.value.source == "bad.yml"
    assert "line" in exc.value.where


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(LibraryError):
        oscal.read_document(path)


# --- catalogs -----------------------------------------------------------------------------------


def test_sp800_53_catalog_parses(catalog_doc: dict[str, Any]) -> None:
    start = time.perf_counter()
    oscal.read_document(CATALOG_FILE)
    read = time.perf_counter() - start
    start = time.perf_counter()
    lib = oscal.parse_catalog(catalog_doc, source=CATALOG_FILE.name)
    parsed = time.perf_counter() - start
    print(
        f"\nSP 800-53 rev5: read_document {read:.3f} s + parse_catalog {parsed:.3f} s"
        f" = {read + parsed:.3f} s"
    )

    assert isinstance(lib, LibraryData)
    assert lib.format == "oscal"
    assert lib.source == CATALOG_FILE.name
    assert lib.urn.startswith("urn:oscal:library:nist-special-publication-800-53")
    [fw] = lib.frameworks
    assert fw.urn.startswith("urn:oscal:catalog:nist-special-publication-800-53-revision-5")
    assert fw.name == catalog_doc["catalog"]["metadata"]["title"]
    assert fw.version == "5.0.1"
    assert fw.source == {"oscal_uuid": catalog_doc["catalog"]["uuid"], "file": CATALOG_FILE.name}
    assert fw.provider == "Joint Task Force, Interagency Working Group"

    controls = [n for n in fw.nodes if n.kind in CONTROL_KINDS]
    groups = [n for n in fw.nodes if n.kind == "group"]
    assert len(controls) == 1189
    assert len(groups) == 20
    assert len(fw.nodes) == 1209
    assert all(not g.assessable and not g.parent for g in groups)
    assert len({n.urn for n in fw.nodes}) == len(fw.nodes)
    assert len({n.ref_id for n in fw.nodes}) == len(fw.nodes)

    # document order: every parent comes before its children
    seen: set[str] = set()
    for node in fw.nodes:
        assert not node.parent or node.parent in seen, node.ref_id
        seen.add(node.urn)


def test_sp800_53_nodes(catalog: FrameworkData) -> None:
    nodes = by_ref(catalog)
    ac, ac2, ac21 = nodes["ac"], nodes["AC-2"], nodes["AC-2(1)"]
    assert ac.kind == "group" and ac.name == "Access Control"
    assert ac2.urn == f"{catalog.urn}:ac-2" and ac2.parent == ac.urn and ac2.kind == "control"
    assert ac21.urn == f"{catalog.urn}:ac-2.1"
    assert ac21.parent == ac2.urn
    assert ac21.kind == "enhancement" and ac21.assessable
    assert ac21.name == "Automated System Account Management"
    assert ac21.where == "catalog.groups[0].controls[1].controls[0]"
    assert ac2.attributes == {"sort-id": ["ac-02"]}

    text = ac2.description
    assert "{{" not in text
    assert "[Assignment: organization-defined prerequisites and criteria]" in text
    lines = text.splitlines()
    assert lines[0].startswith("a. Define and document the types of accounts")
    assert "  1. Authorized users of the system;" in lines
    assert ac2.guidance.startswith("Examples of system account types")

    selection = nodes["AC-1"].description
    assert (
        "[Selection (one or more): Organization-level; Mission/business process-level; System-level]"
        in selection
    )
    # a parameter inside a selection choice is rendered too
    assert "[Assignment: organization-defined procedure or method]]" in nodes["AC-4(4)"].description


def test_withdrawn_controls_are_not_assessable(catalog: FrameworkData) -> None:
    withdrawn = by_ref(catalog)["AC-2(10)"]
    assert not withdrawn.assessable
    assert withdrawn.attributes["status"] == ["withdrawn"]
    assert sum(1 for n in catalog.nodes if n.attributes.get("status") == ["withdrawn"]) == 182
    assert all(
        n.assessable
        for n in catalog.nodes
        if n.kind in CONTROL_KINDS and "status" not in n.attributes
    )


def test_basic_catalog_parses() -> None:
    path = CONTENT / "basic-catalog.json"
    lib = oscal.parse_catalog(oscal.read_document(path), source=path.name)
    [fw] = lib.frameworks
    nodes = by_ref(fw)
    assert fw.version == "1.1"
    assert fw.publication_date == date(2023, 10, 12)
    assert {"1", "2", "1.1.1", "2.1.1"} <= set(nodes)
    assert nodes["s1.1"].kind == "group"  # no label: the id
    assert nodes["s1.1"].parent == nodes["1"].urn
    assert nodes["1.1.1"].parent == nodes["s1.1"].urn
    assert "[Assignment: a duration]" in nodes["1.1.1"].description
    assert nodes["1.1.1"].guidance.startswith("Allocation of information security")
    assert (
        nodes["2.1"].description
        == "To limit access to information and information processing facilities."
    )


def test_duplicate_labels_fall_back_to_ids() -> None:
    label = [{"name": "label", "value": "X-1"}]
    doc = small_catalog(
        [{"id": "x-1", "title": "A", "props": label}, {"id": "x-1b", "title": "B", "props": label}]
    )
    nodes = oscal.parse_catalog(doc, source="small.json").frameworks[0].nodes
    assert [n.ref_id for n in nodes] == ["g", "X-1", "x-1b"]


def test_control_without_id_names_the_json_path(catalog_doc: dict[str, Any]) -> None:
    groups = list(catalog_doc["catalog"]["groups"])
    group = dict(groups[3])
    controls = list(group["controls"])
    controls[5] = {k: v for k, v in controls[5].items() if k != "id"}
    group["controls"] = controls
    groups[3] = group
    doc = {"catalog": {**catalog_doc["catalog"], "groups": groups}}
    with pytest.raises(LibraryError) as exc:
        oscal.parse_catalog(doc, source="broken.json")
    assert exc.value.source == "broken.json"
    assert exc.value.where == "catalog.groups[3].controls[5]"
    assert "id" in exc.value.detail


@pytest.mark.parametrize(
    ("doc", "where", "words"),
    [
        ({"catalog": []}, "catalog", "mapping"),
        ({"catalog": {"uuid": "u", "metadata": {}}}, "catalog.metadata", "title"),
        (small_catalog([{"id": "c1"}]), "catalog.groups[0].controls[0]", "title"),
        (
            small_catalog([{"id": "c1", "title": "A"}, {"id": "c1", "title": "B"}]),
            "catalog.groups[0].controls[1]",
            "duplicate id 'c1'",
        ),
        (
            small_catalog([{"id": "c1", "title": "A", "controls": "nope"}]),
            "catalog.groups[0].controls[0].controls",
            "list",
        ),
        (small_catalog(["not a control"]), "catalog.groups[0].controls[0]", "mapping"),
    ],
)
def test_malformed_catalogs(doc: dict[str, Any], where: str, words: str) -> None:
    with pytest.raises(LibraryError) as exc:
        oscal.parse_catalog(doc, source="small.json")
    assert exc.value.source == "small.json"
    assert exc.value.where == where
    assert words in exc.value.detail


# --- profiles -----------------------------------------------------------------------------------


def profile_doc(level: str) -> dict[str, Any]:
    return oscal.read_document(CONTENT / f"NIST_SP-800-53_rev5_{level}-baseline_profile.json")


@pytest.mark.parametrize("level", ["LOW", "MODERATE"])
def test_baseline_profiles_resolve(level: str, catalog: FrameworkData) -> None:
    doc = profile_doc(level)
    wanted = {
        i
        for imp in doc["profile"]["imports"]
        for inc in imp["include-controls"]
        for i in inc["with-ids"]
    }
    profile = oscal.parse_profile(doc, source=f"{level}.json")
    assert profile.title == doc["profile"]["metadata"]["title"]
    assert profile.uuid == doc["profile"]["uuid"]
    assert "NIST_SP-800-53_rev5_catalog" in profile.catalog_refs
    assert "NIST_SP-800-53_rev5_catalog.json" in profile.catalog_refs
    assert "84cbf061-eb87-4ec1-8112-1f529232e907" in profile.catalog_refs

    lib = profile.resolve(catalog)
    [fw] = lib.frameworks
    print(f"\n{level}: {len(wanted)} controls selected, {len(fw.nodes)} nodes with ancestors")
    assert fw.urn == "urn:oscal:profile:" + slug(profile.title)
    assert fw.name == profile.title
    assert fw.source == {
        "oscal_uuid": profile.uuid,
        "file": f"{level}.json",
        "profile_of": catalog.urn,
    }
    assert lib.urn != f"urn:oscal:library:{slug(catalog.name)}"

    controls = [n for n in fw.nodes if n.kind in CONTROL_KINDS]
    suffixes = {n.urn.removeprefix(fw.urn + ":") for n in controls}
    assert suffixes == wanted
    assert len(controls) == len(wanted) == sum(n.assessable for n in fw.nodes)

    urns = {n.urn for n in fw.nodes}
    assert all(n.urn.startswith(fw.urn + ":") for n in fw.nodes)
    assert all(not n.parent or n.parent in urns for n in fw.nodes)  # ancestors kept
    nodes = by_ref(fw)
    assert nodes["AC-2"].parent == nodes["ac"].urn
    assert nodes["ac"].kind == "group" and not nodes["ac"].assessable
    assert "pm" not in nodes  # a family with nothing selected goes
    assert by_ref(catalog)["AC-1"].urn != nodes["AC-1"].urn  # rebased, the catalog untouched
    assert by_ref(catalog)["AC-1"].description == nodes["AC-1"].description


def test_low_and_moderate_counts(catalog: FrameworkData) -> None:
    low = oscal.parse_profile(profile_doc("LOW"), source="low.json").resolve(catalog)
    moderate = oscal.parse_profile(profile_doc("MODERATE"), source="mod.json").resolve(catalog)
    assert sum(n.assessable for n in low.frameworks[0].nodes) == 149
    assert sum(n.assessable for n in moderate.frameworks[0].nodes) == 287


def test_unknown_with_id_names_the_id_and_the_path(catalog: FrameworkData) -> None:
    doc = profile_doc("LOW")
    imported = dict(doc["profile"]["imports"][0])
    ids = [*imported["include-controls"][0]["with-ids"], "zz-99"]
    imported["include-controls"] = [{"with-ids": ids}]
    doc = {"profile": {**doc["profile"], "imports": [imported]}}
    profile = oscal.parse_profile(doc, source="low.json")
    with pytest.raises(LibraryError) as exc:
        profile.resolve(catalog)
    assert "zz-99" in exc.value.detail
    assert exc.value.source == "low.json"
    assert exc.value.where == f"profile.imports[0].include-controls[0].with-ids[{len(ids) - 1}]"
    assert "zz-99" in str(exc.value) and exc.value.where in str(exc.value)


def test_more_than_one_import_is_refused() -> None:
    doc = profile_doc("LOW")
    imported = doc["profile"]["imports"][0]
    doc = {"profile": {**doc["profile"], "imports": [imported, imported]}}
    with pytest.raises(LibraryError) as exc:
        oscal.parse_profile(doc, source="two.json")
    assert exc.value.where == "profile.imports"
    assert "only one import" in exc.value.detail


def small_profile(imported: dict[str, Any]) -> dict[str, Any]:
    return {
        "profile": {
            "uuid": "7eca4589-7ed9-4552-9da6-738126660be3",
            "metadata": {"title": "Tailored", "version": "2"},
            "imports": [
                {"href": "https://example.org/oscal/NIST_SP-800-53_rev5_catalog.json", **imported}
            ],
        }
    }


def test_child_controls_matching_and_exclusions(catalog: FrameworkData) -> None:
    doc = small_profile(
        {
            "include-controls": [
                {"with-ids": ["ac-2"], "with-child-controls": "yes"},
                {"matching": [{"pattern": "au-1*"}]},
                {"with-ids": ["sc-7.3"]},
            ],
            "exclude-controls": [{"with-ids": ["ac-2.1"]}],
        }
    )
    profile = oscal.parse_profile(doc, source="tailored.json")
    assert profile.catalog_refs[-2:] == [
        "NIST_SP-800-53_rev5_catalog.json",
        "NIST_SP-800-53_rev5_catalog",
    ]
    fw = profile.resolve(catalog).frameworks[0]
    nodes = by_ref(fw)
    ac2_children = {n.ref_id for n in catalog.nodes if n.parent == by_ref(catalog)["AC-2"].urn}
    assert ac2_children - {"AC-2(1)"} <= set(nodes)
    assert "AC-2(1)" not in nodes
    assert {"AU-1", "AU-10", "AU-11", "AU-12", "AU-13", "AU-14", "AU-16"} <= set(nodes)
    assert "AU-2" not in nodes
    # SC-7(3) keeps its parent SC-7 for the tree, but SC-7 itself was not selected
    assert nodes["SC-7(3)"].assessable and nodes["SC-7(3)"].parent == nodes["SC-7"].urn
    assert not nodes["SC-7"].assessable
    assert nodes["SC-7"].parent == nodes["sc"].urn


def test_include_all(catalog: FrameworkData) -> None:
    doc = small_profile({"include-all": {}, "exclude-controls": [{"with-ids": ["ac-1"]}]})
    fw = oscal.parse_profile(doc, source="all.json").resolve(catalog).frameworks[0]
    assert len(fw.nodes) == len(catalog.nodes) - 1
    assert "AC-1" not in by_ref(fw)


# --- export -------------------------------------------------------------------------------------


def test_export_sp800_53_is_valid_and_round_trips(catalog: FrameworkData, validator: Any) -> None:
    start = time.perf_counter()
    doc = oscal.export_catalog(catalog, last_modified=NOW)
    print(f"\nSP 800-53 rev5: export_catalog took {time.perf_counter() - start:.3f} s")
    assert_valid(validator, doc)
    exported = doc["catalog"]
    assert exported["metadata"]["oscal-version"] == "1.2.1"
    assert exported["metadata"]["last-modified"] == "2025-03-01T12:30:00Z"
    assert exported["uuid"] == oscal.export_catalog(catalog, last_modified=NOW)["catalog"]["uuid"]
    assert len(exported["groups"]) == 20
    ac2 = exported["groups"][0]["controls"][1]
    assert ac2["id"] == "ac-2"
    assert {"name": "label", "value": "AC-2"} in ac2["props"]
    assert [p["id"] for p in ac2["parts"]] == ["ac-2_smt", "ac-2_gdn"]

    again = oscal.parse_catalog(json.loads(json.dumps(doc)), source="export.json").frameworks[0]
    assert tree(again) == tree(catalog)
    assert [n.urn.rsplit(":", 1)[-1] for n in again.nodes] == [
        n.urn.rsplit(":", 1)[-1] for n in catalog.nodes
    ]
    originals = by_ref(catalog)
    for node in again.nodes:
        original = originals[node.ref_id]
        assert (node.kind, node.assessable, node.attributes) == (
            original.kind,
            original.assessable,
            original.attributes,
        )
        assert (node.description, node.guidance) == (original.description, original.guidance)


def handmade() -> FrameworkData:
    urn = "urn:openisms:test:iso-like"
    return FrameworkData(
        urn=urn,
        ref_id="ISO-LIKE",
        name="An ISO-like standard",
        version="2022",
        provider="Someone & Co.",
        publication_date=date(2022, 10, 25),
        description="Two lines\nof description.",
        nodes=[
            NodeData(
                ref_id="4",
                name="Context of the organization",
                kind="clause_group",
                assessable=False,
            ),
            NodeData(
                ref_id="4.1",
                name="Understanding the organization",
                parent="4",
                description="Determine issues.\n\n- one\n- two",
            ),
            NodeData(ref_id="4.2", name="", parent="4", guidance="Ask the interested parties."),
            NodeData(
                ref_id="A", name="Annex A", urn=f"{urn}:annex-a", kind="annex", assessable=False
            ),
            NodeData(
                ref_id="A.5",
                name="Organizational controls",
                urn=f"{urn}:a.5",
                parent=f"{urn}:annex-a",
                assessable=False,
            ),
            NodeData(
                ref_id="A.5.1",
                name="Policies for\ninformation security",
                urn=f"{urn}:a.5.1",
                parent="A.5",
                attributes={
                    "type": ["preventive", "bad\nvalue"],
                    "bad name": ["x"],
                    "label": ["ignored"],
                },
            ),
            NodeData(
                ref_id="A.5.1(a)",
                name="A sub-control",
                urn=f"{urn}:a.5.1(a)",
                parent=f"{urn}:a.5.1",
                kind="control",
            ),
            NodeData(
                ref_id="A.5.2",
                name="Not assessable leaf",
                urn=f"{urn}:a.5.2",
                parent="A.5",
                assessable=False,
            ),
            NodeData(ref_id="5", name="Colliding id", urn=f"{urn}:_4"),
            NodeData(
                ref_id="6",
                name="Orphan withdrawn",
                urn=f"{urn}:6",
                attributes={"status": ["withdrawn"]},
                assessable=False,
            ),
        ],
    )


def test_export_handmade_is_valid_and_round_trips(validator: Any) -> None:
    framework = handmade()
    doc = oscal.export_catalog(framework, last_modified=datetime(2024, 5, 6, 7, 8, 9))
    assert_valid(validator, doc)
    catalog = doc["catalog"]
    # the schema's token pattern is really enforced: an id starting with a digit is refused
    bad = json.loads(json.dumps(doc))
    bad["catalog"]["groups"][0]["id"] = "4"
    assert not validator.is_valid(bad)
    meta = catalog["metadata"]
    assert meta["title"] == "An ISO-like standard" and meta["version"] == "2022"
    assert meta["published"] == "2022-10-25T00:00:00Z"

    ids: list[str] = []

    def collect(entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            ids.append(entry["id"])
            ids.extend(p["id"] for p in entry.get("parts", []))
            collect(entry.get("groups", []))
            collect(entry.get("controls", []))

    collect(catalog.get("groups", []) + catalog.get("controls", []))
    assert len(ids) == len(set(ids))
    assert {"_4", "_4.1", "a.5", "a.5.1", "a.5.1_a_"} <= set(ids)
    assert [g["id"] for g in catalog["groups"]] == ["_4", "annex-a"]
    a51 = catalog["groups"][1]["groups"][0]["controls"][0]
    assert a51["title"] == "Policies for information security"
    assert [p for p in a51["props"] if p["name"] != "label"] == [
        {"name": "type", "value": "preventive"}
    ]

    lib = oscal.parse_catalog(json.loads(json.dumps(doc)), source="iso.json")
    again = lib.frameworks[0]
    assert again.provider == "Someone & Co."
    assert again.publication_date == date(2022, 10, 25)
    expected = tree(framework)
    expected["A.5.1"] = ("Policies for information security", "A.5")
    expected["4.2"] = ("4.2", "4")  # an empty name gets the ref id as title
    assert tree(again) == expected
    nodes = by_ref(again)
    assert nodes["4.1"].description == "Determine issues.\n\n- one\n- two"
    assert nodes["4.2"].guidance == "Ask the interested parties."
    assert nodes["4"].kind == "group" and not nodes["4"].assessable
    assert not nodes["A.5.2"].assessable and nodes["A.5.2"].attributes == {}
    assert not nodes["6"].assessable and nodes["6"].attributes == {"status": ["withdrawn"]}
    assert nodes["A.5.1"].assessable and nodes["A.5.1(a)"].kind == "enhancement"
