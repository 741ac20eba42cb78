from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from openisms.catalog import services
from openisms.catalog.data import LibraryError
from openisms.catalog.formats import openisms as openisms_format
from openisms.catalog.models import (
    ControlTemplate,
    Framework,
    Library,
    MappingSet,
    RequirementMapping,
    RequirementNode,
)
from openisms.catalog.selectors import framework_to_data, library_to_data
from openisms.core.models import AuditEvent

CONTENT = services.CONTENT_DIR
SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
HERE = Path(__file__).resolve().parent / "data"
ISO22 = "urn:openisms:framework:iso27001-2022"


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def library_yaml(nodes, *, urn="urn:test:lib", fw="urn:test:fw", revision=1, mapping_sets=None):
    return yaml.safe_dump(
        {
            "openisms_library": 1,
            "urn": urn,
            "name": "Test",
            "revision": revision,
            "frameworks": [
                {
                    "urn": fw,
                    "ref_id": "T",
                    "name": "Test framework",
                    "version": str(revision),
                    "nodes": nodes,
                }
            ],
            "mapping_sets": mapping_sets or [],
        },
        sort_keys=False,
    )


class TestShippedContent:
    def test_iso27001_2022_has_123_assessable_requirements_under_groups_and_themes(self, db):
        doc = json.loads(run("catalog", "show", ISO22, "--json"))
        nodes = {n["ref_id"]: n for n in doc["nodes"]}
        assessable = [n for n in doc["nodes"] if n["assessable"]]
        assert len(assessable) == 123
        assert sum(1 for n in assessable if n["ref_id"].startswith("A.")) == 93
        assert nodes["6.1.2"]["name"] == "Information security risk assessment"
        assert nodes["6.1.2"]["parent"] == nodes["6.1"]["urn"]
        assert nodes["A.5.1"]["name"] == "Policies for information security"
        assert nodes["A.5.1"]["parent"] == nodes["A.5"]["urn"]
        assert not nodes["A.8"]["assessable"] and not nodes["6"]["assessable"]

    def test_ids_and_names_match_the_reference_structure(self, db):
        import csv

        path = SHARED / "iso27001-2022" / "structure.csv"
        if not path.exists():
            pytest.skip("reference data ../shared/data not present")
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        fw = Framework.objects.get(urn=ISO22)
        stored = {
            n.ref_id: (n.name, n.parent.ref_id if n.parent else "")
            for n in fw.nodes.select_related("parent")
        }
        assert {r["ref_id"]: (r["title"], r["parent"]) for r in rows} == stored

    def test_every_requirement_has_our_description_and_evidence(self, db):
        fw = Framework.objects.get(urn=ISO22)
        for node in fw.nodes.filter(assessable=True):
            assert node.description and node.guidance, node.ref_id

    def test_list_shows_csf_and_mapping_sets(self, db):
        out = run("catalog", "list")
        assert "urn:openisms:framework:nist-csf-2.0" in out
        assert "urn:openisms:mapping:nist-csf-2.0-to-iso27001-2022" in out
        assert "urn:openisms:mapping:iso27001-2013-to-iso27001-2022" in out
        data = json.loads(run("catalog", "list", "--json"))
        csf = next(
            f for f in data["frameworks"] if f["urn"] == "urn:openisms:framework:nist-csf-2.0"
        )
        assert csf["assessable"] == 106
        iso13 = next(m for m in data["mapping_sets"] if "2013" in m["urn"])
        assert iso13["mappings"] == 114

    def test_attribute_schema_without_values(self, db):
        fw = Framework.objects.get(urn=ISO22)
        keys = [a["key"] for a in fw.attribute_schema]
        assert keys == [
            "control_type",
            "information_security_properties",
            "cybersecurity_concepts",
            "operational_capabilities",
            "security_domains",
        ]
        assert not fw.nodes.exclude(attributes={}).exists()

    def test_reimport_of_unchanged_content_writes_nothing(self, db):
        events = AuditEvent.objects.count()
        nodes = list(RequirementNode.objects.values_list("pk", flat=True).order_by("pk"))
        result = services.load_shipped_content()
        assert {fw.status for lib in result.libraries for fw in lib.frameworks} == {"unchanged"}
        assert AuditEvent.objects.count() == events
        assert list(RequirementNode.objects.values_list("pk", flat=True).order_by("pk")) == nodes


class TestUpgrade:
    def test_newer_version_upgrades_in_place_and_reports(self, db, tmp_path):
        source = yaml.safe_load((CONTENT / "iso27001-2022.yaml").read_text())
        a51 = RequirementNode.objects.get(framework__urn=ISO22, ref_id="A.5.1")
        a52_pk = RequirementNode.objects.get(framework__urn=ISO22, ref_id="A.5.2").pk
        source["revision"] = 2
        nodes = source["frameworks"][0]["nodes"]
        next(n for n in nodes if n["ref_id"] == "A.5.2")["description"] = "Changed wording."
        nodes[:] = [n for n in nodes if n["ref_id"] != "A.5.3"]
        nodes.append(
            {
                "ref_id": "A.5.38",
                "parent": "A.5",
                "kind": "control",
                "name": "A new control",
                "assessable": True,
            }
        )
        path = write(tmp_path, "iso.yaml", yaml.safe_dump(source, sort_keys=False))
        out = run("catalog", "import", str(path))
        assert "added 1, changed 1, removed 1" in out
        assert "added: A.5.38" in out and "changed: A.5.2" in out and "removed: A.5.3" in out
        assert RequirementNode.objects.get(framework__urn=ISO22, ref_id="A.5.1").pk == a51.pk
        assert RequirementNode.objects.get(framework__urn=ISO22, ref_id="A.5.2").pk == a52_pk
        assert not RequirementNode.objects.filter(framework__urn=ISO22, ref_id="A.5.3").exists()
        assert AuditEvent.objects.filter(
            action="catalog.library_updated", object_id="urn:openisms:library:iso27001-2022"
        ).exists()

    def test_older_version_is_refused(self, db, tmp_path):
        source = yaml.safe_load((CONTENT / "nist-csf-2.0.yaml").read_text())
        source["revision"] = 2
        run("catalog", "import", str(write(tmp_path, "csf.yaml", yaml.safe_dump(source))))
        source["revision"] = 1
        source["frameworks"][0]["name"] = "Older"
        with pytest.raises(CommandError, match="version 1 is older than the installed 2"):
            run("catalog", "import", str(write(tmp_path, "csf.yaml", yaml.safe_dump(source))))


class TestBadInput:
    """Every refusal names the file and where, and nothing is written."""

    def assert_refused(self, tmp_path, files, pattern):
        before = (
            Library.objects.count(),
            RequirementNode.objects.count(),
            MappingSet.objects.count(),
        )
        paths = [write(tmp_path, name, text) for name, text in files]
        with pytest.raises(CommandError, match=pattern):
            run("catalog", "import", *map(str, paths))
        assert (
            Library.objects.count(),
            RequirementNode.objects.count(),
            MappingSet.objects.count(),
        ) == before

    def test_malformed_yaml_names_the_line(self, db, tmp_path):
        self.assert_refused(
            tmp_path,
            [("bad.yaml", "openisms_library: 1\nurn: [unclosed\n")],
            r"bad\.yaml: line \d+, column \d+: not valid YAML",
        )

    def test_malformed_json_names_the_line(self, db, tmp_path):
        self.assert_refused(
            tmp_path,
            [("bad.json", '{"catalog": \n  {"uuid": }\n}')],
            r"bad\.json: line 2, column \d+: not valid JSON",
        )

    def test_unknown_format(self, db, tmp_path):
        self.assert_refused(
            tmp_path, [("x.yaml", "hello: world\n")], r"x\.yaml: unknown library format"
        )
        self.assert_refused(tmp_path, [("x.txt", "hello")], r"x\.txt: unknown file type")

    def test_duplicate_ref_ids(self, db, tmp_path):
        nodes = [{"ref_id": "1", "name": "a"}, {"ref_id": "1", "name": "b"}]
        self.assert_refused(
            tmp_path,
            [("dup.yaml", library_yaml(nodes))],
            r"dup\.yaml: frameworks\[0\]\.nodes\[1\].*duplicate ref_id '1'",
        )

    def test_cycle_in_parents(self, db, tmp_path):
        nodes = [
            {"ref_id": "1", "name": "a", "parent": "2"},
            {"ref_id": "2", "name": "b", "parent": "1"},
        ]
        self.assert_refused(
            tmp_path,
            [("cycle.yaml", library_yaml(nodes))],
            r"cycle\.yaml: .*cycle in parents: 1 → 2 → 1",
        )

    def test_unknown_parent(self, db, tmp_path):
        nodes = [{"ref_id": "1", "name": "a", "parent": "9"}]
        self.assert_refused(
            tmp_path,
            [("orphan.yaml", library_yaml(nodes))],
            r"orphan\.yaml: frameworks\[0\]\.nodes\[0\].*unknown parent '9'",
        )

    def test_mapping_to_unknown_requirement(self, db, tmp_path):
        sets = [
            {
                "urn": "urn:test:ms",
                "name": "m",
                "source_framework": "urn:test:fw",
                "target_framework": ISO22,
                "mappings": [{"source": "1", "target": "A.9.99", "relationship": "equal"}],
            }
        ]
        self.assert_refused(
            tmp_path,
            [("map.yaml", library_yaml([{"ref_id": "1", "name": "a"}], mapping_sets=sets))],
            r"map\.yaml: mapping_sets\[0\]\.mappings\[0\]: unknown target requirement 'A\.9\.99'",
        )

    def test_bad_relationship(self, db, tmp_path):
        sets = [
            {
                "urn": "urn:test:ms",
                "name": "m",
                "source_framework": "urn:test:fw",
                "target_framework": ISO22,
                "mappings": [{"source": "1", "target": "A.5.1", "relationship": "same"}],
            }
        ]
        self.assert_refused(
            tmp_path,
            [("rel.yaml", library_yaml([{"ref_id": "1", "name": "a"}], mapping_sets=sets))],
            r"unknown relationship 'same'",
        )

    def test_missing_dependency_is_named(self, db, tmp_path):
        sample = SHARED / "ciso-assistant-format" / "iso27001-2013.yaml"
        if not sample.exists():
            pytest.skip("reference data ../shared/data not present")
        with pytest.raises(
            CommandError,
            match=r"iso27001-2013\.yaml: dependencies: depends on library 'urn:intuitem:risk:library:doc-pol', which is neither loaded nor given",
        ):
            run("catalog", "import", str(sample))

    def test_one_bad_file_stops_the_whole_import(self, db, tmp_path):
        good = (
            "good.yaml",
            library_yaml(
                [{"ref_id": "1", "name": "a"}], urn="urn:test:good", fw="urn:test:good-fw"
            ),
        )
        bad = ("zbad.yaml", library_yaml([{"ref_id": "1", "name": "a", "parent": "x"}]))
        self.assert_refused(tmp_path, [good, bad], "unknown parent")
        assert not Framework.objects.filter(urn="urn:test:good-fw").exists()

    def test_csv_errors_name_row_and_column(self, db, tmp_path):
        self.assert_refused(
            tmp_path,
            [("set.csv", "ref_id,title\n1,a\n")],
            r"set\.csv: row 1: missing column\(s\): name",
        )
        self.assert_refused(
            tmp_path,
            [("set.csv", "ref_id,name\n1,a\n2,\n")],
            r"set\.csv: row 3: column name is empty",
        )
        self.assert_refused(
            tmp_path,
            [("set.csv", "ref_id,name,assessable\n1,a,maybe\n")],
            r"set\.csv: row 2, column assessable: not true/false",
        )
        self.assert_refused(
            tmp_path,
            [("set.csv", "ref_id,name,parent\n1,a,\n1,b,\n")],
            r"set\.csv: row 3: duplicate ref_id '1' \(also at row 2\)",
        )


class TestCisoAssistant:
    def test_framework_with_its_dependency_and_mapping_set(self, db):
        framework = SHARED / "ciso-assistant-format" / "iso27001-2013.yaml"
        mapping = SHARED / "ciso-assistant-format" / "mapping-iso27001-2013-to-iso27001-2022.yaml"
        if not framework.exists():
            pytest.skip("reference data ../shared/data not present")
        # Given in any order: dependencies are loaded first.
        out = run("catalog", "import", str(mapping), str(framework), str(HERE / "doc-pol.yaml"))
        assert (
            out.index("doc-pol.yaml")
            < out.index("iso27001-2013.yaml")
            < out.index("mapping-iso27001")
        )
        fw = Framework.objects.get(urn="urn:intuitem:risk:framework:iso27001-2013")
        assert fw.nodes.filter(ref_id="A.5.1.1").exists()
        assert ControlTemplate.objects.filter(
            urn="urn:intuitem:risk:function:doc-pol:DOC.SCOPE"
        ).exists()
        node = fw.nodes.get(ref_id="4.3")
        assert node.attributes["reference_controls"] == [
            "urn:intuitem:risk:function:doc-pol:DOC.SCOPE"
        ]
        # Its 2022 side resolves to our shipped ISO/IEC 27001:2022 through the URN alias.
        ms = MappingSet.objects.get(urn="urn:intuitem:risk:req_mapping_set:iso27001-2013")
        assert ms.target_framework.urn == ISO22
        assert RequirementMapping.objects.filter(mapping_set=ms, target__ref_id="A.5.1").exists()
        assert ms.mappings.count() > 100


class TestTabularAndRoundTrips:
    def test_csv_import_and_export(self, db, tmp_path):
        path = write(
            tmp_path,
            "in-house_controls.csv",
            "ref_id,parent,name,description,assessable\nG1,,Governance,,false\nG1.1,G1,Policy set,\"=cmd|' /C calc'!A0\",true\n",
        )
        run("catalog", "import", str(path))
        fw = Framework.objects.get(urn="urn:openisms:framework:custom:in-house-controls")
        assert fw.nodes.get(ref_id="G1.1").parent.ref_id == "G1"
        out = tmp_path / "out.csv"
        run("catalog", "export", fw.urn, "--format", "csv", "-o", str(out))
        text = out.read_text()
        assert "G1.1,G1,Policy set,'=cmd" in text  # formula neutralised on export

    def test_xlsx_import(self, db, tmp_path):
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.append(["ref_id", "name", "parent", "assessable"])
        ws.append(["C1", "Control one", None, True])
        ws.append(["C1.a", "Part a", "C1", False])
        path = tmp_path / "set.xlsx"
        wb.save(path)
        run("catalog", "import", str(path))
        assert Framework.objects.get(urn="urn:openisms:framework:custom:set").nodes.count() == 2

    def test_our_yaml_round_trips_losslessly(self, db, tmp_path):
        fw = Framework.objects.get(urn=ISO22)
        original = library_to_data(fw)
        out = tmp_path / "iso.yaml"
        run("catalog", "export", ISO22, "--format", "openisms-yaml", "-o", str(out))
        again = openisms_format.read(out)
        assert again.frameworks[0] == original.frameworks[0]
        assert (again.urn, again.version, again.aliases) == (
            original.urn,
            original.version,
            original.aliases,
        )
        # …and importing the export changes nothing.
        result = services.catalog_import([out])
        assert result.libraries[0].status == "unchanged"

    def test_dry_run_writes_nothing(self, db, tmp_path):
        path = write(tmp_path, "x.csv", "ref_id,name\n1,a\n")
        out = run("catalog", "import", "--dry-run", str(path))
        assert "Dry run, nothing written" in out and "1 created" in out
        assert not Framework.objects.filter(urn="urn:openisms:framework:custom:x").exists()

    def test_folder_import(self, db, tmp_path):
        folder = tmp_path / "libs"
        folder.mkdir()
        shutil.copy(HERE / "doc-pol.yaml", folder)
        write(folder, "extra.csv", "ref_id,name\nX1,Extra\n")
        out = run("catalog", "import", str(folder))
        assert "doc-pol.yaml" in out and "extra.csv" in out

    def test_framework_to_data_keeps_tree(self, db):
        data = framework_to_data(Framework.objects.get(urn=ISO22))
        by_urn = {n.urn: n for n in data.nodes}
        a51 = next(n for n in data.nodes if n.ref_id == "A.5.1")
        assert by_urn[a51.parent].ref_id == "A.5"


def test_library_error_message_format():
    err = LibraryError("bad thing", source="f.yaml", where="row 3")
    assert str(err) == "f.yaml: row 3: bad thing"


class TestHostileInput:
    """Found by review: shapes and sizes that must be refused cleanly, never a 500."""

    def refused(self, tmp_path, name, text, pattern):
        with pytest.raises(CommandError, match=pattern):
            run("catalog", "import", "--dry-run", str(write(tmp_path, name, text)))

    def test_yaml_aliases_are_refused(self, db, tmp_path):
        bomb = "openisms_library: 1\nurn: x\nname: x\na: &a [1, 1, 1]\nb: [*a, *a, *a]\n"
        self.refused(tmp_path, "bomb.yaml", bomb, r"bomb\.yaml: line 5, column \d+: YAML aliases")

    def test_unexpected_shapes(self, db, tmp_path):
        cases = [
            (
                "src.yaml",
                library_yaml([{"ref_id": "1", "name": "a"}]).replace(
                    "nodes:", "source: hello\n  nodes:"
                ),
                "source: expected a mapping",
            ),
            ("ciso.yaml", "urn: u\nobjects:\n  reference_controls: 5\n", "expected a list"),
            (
                "float.yaml",
                library_yaml([{"ref_id": 5.10, "name": "a"}]),
                "ref_id 5.1 must be quoted",
            ),
            (
                "oscal.json",
                '{"catalog": {"uuid": "u", "metadata": {"title": "T", "parties": 5}, "groups": 5}}',
                "oscal.json",
            ),
        ]
        for name, text, pattern in cases:
            self.refused(tmp_path, name, text, pattern)

    def test_limits_both_databases_share(self, db, tmp_path):
        self.refused(tmp_path, "nul.csv", "ref_id,name\n1,a\x00b\n", "NUL characters")
        self.refused(
            tmp_path,
            "long.yaml",
            library_yaml([{"ref_id": "1", "name": "a", "urn": "urn:" + "x" * 300}]),
            "URN longer than 255",
        )
        deep = "ref_id,name,parent\n" + "".join(
            f"{i},n{i},{i - 1 if i else ''}\n" for i in range(60)
        )
        self.refused(tmp_path, "deep.csv", deep, "deeper than 50 levels")

    def test_broken_xlsx(self, db, tmp_path):
        self.refused(tmp_path, "x.xlsx", "not a zip", r"x\.xlsx: not a readable XLSX")

    def test_control_templates_survive_export_and_reimport(self, db, tmp_path):
        doc = yaml.safe_load(library_yaml([{"ref_id": "1", "name": "a"}]))
        doc["control_templates"] = [
            {"urn": "urn:test:tpl:1", "ref_id": "T1", "name": "Template one"}
        ]
        run("catalog", "import", str(write(tmp_path, "lib.yaml", yaml.safe_dump(doc))))
        out = tmp_path / "export.yaml"
        run("catalog", "export", "urn:test:fw", "--format", "openisms-yaml", "-o", str(out))
        assert "urn:test:tpl:1" in out.read_text()
        assert "unchanged" in run("catalog", "import", str(out))
        assert ControlTemplate.objects.filter(urn="urn:test:tpl:1").exists()
