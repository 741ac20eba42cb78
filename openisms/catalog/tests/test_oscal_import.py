"""OSCAL through the whole path: CLI import into the database, profiles, schema-valid export."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openisms.catalog.models import Framework, RequirementNode

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
OSCAL = SHARED / "oscal" / "content"
CATALOG = OSCAL / "NIST_SP-800-53_rev5_catalog.json"
LOW = OSCAL / "NIST_SP-800-53_rev5_LOW-baseline_profile.json"
MODERATE = OSCAL / "NIST_SP-800-53_rev5_MODERATE-baseline_profile.json"
SCHEMA = SHARED / "oscal" / "schemas-v1.2.1" / "release-schemas" / "oscal_catalog_schema.json"

pytestmark = pytest.mark.skipif(
    not CATALOG.exists(), reason="reference data ../shared/data not present"
)


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_catalog_and_profiles_import(db):
    out = run("catalog", "import", str(LOW), str(CATALOG), str(MODERATE))
    assert "Frameworks: 3 created" in out
    catalog = Framework.objects.get(urn__startswith="urn:oscal:catalog:")
    assert (
        RequirementNode.objects.filter(
            framework=catalog, kind__in=["control", "enhancement"]
        ).count()
        == 1189
    )
    ac21 = RequirementNode.objects.get(framework=catalog, ref_id="AC-2(1)")
    assert ac21.parent.ref_id == "AC-2"
    low = Framework.objects.get(name__icontains="LOW")
    assert RequirementNode.objects.filter(framework=low, assessable=True).count() == 149
    # re-import: nothing changes
    assert "Frameworks: 0 created, 0 updated, 3 unchanged" in run(
        "catalog", "import", str(CATALOG), str(LOW), str(MODERATE)
    )


def test_profile_after_its_catalog_was_loaded(db):
    run("catalog", "import", str(CATALOG))
    out = run("catalog", "import", str(LOW))
    assert "created" in out


def test_profile_without_its_catalog_is_refused(db):
    with pytest.raises(
        CommandError,
        match=r"LOW-baseline_profile\.json: profile\.imports\[0\]\.href: the profile selects from catalog .* neither loaded nor given",
    ):
        run("catalog", "import", str(LOW))
    assert not Framework.objects.filter(urn__startswith="urn:oscal:").exists()


@pytest.mark.parametrize(
    "urn", ["urn:openisms:framework:iso27001-2022", "urn:openisms:framework:nist-csf-2.0"]
)
def test_oscal_export_validates_against_the_nist_schema(db, tmp_path, urn):
    import jsonschema_rs

    out = tmp_path / "catalog.json"
    run("catalog", "export", urn, "--format", "oscal-json", "-o", str(out))
    doc = json.loads(out.read_text())
    validator = jsonschema_rs.validator_for(json.loads(SCHEMA.read_text()))
    errors = [e.message for e in validator.iter_errors(doc)]
    assert errors == []
    # and it imports back as an OSCAL catalog with the same requirements
    run("catalog", "import", str(out))
    copy = Framework.objects.get(urn__startswith="urn:oscal:catalog:")
    original = Framework.objects.get(urn=urn)
    assert sorted(copy.nodes.values_list("ref_id", flat=True)) == sorted(
        original.nodes.values_list("ref_id", flat=True)
    )
