"""The pack of a populated organisation (the demo content): every folder, hashes that match,
evidence identical to the store, and the as-of date honoured."""

from __future__ import annotations

import datetime as dt
import json
import time
import zipfile

import pytest
from django.utils import timezone

from openisms.auditpack import builder
from openisms.auditpack.tests.helpers import colleagues
from openisms.auditpack.verify import verify
from openisms.controls import storage
from openisms.controls.models import Evidence
from openisms.core import demo
from openisms.core.models import AuditChain
from openisms.documents.models import Document, DocumentVersion
from openisms.governance import services as governance
from openisms.governance.models import ScopeVersion
from openisms.objectives.models import Measurement

FOLDERS = (
    "01-scope/",
    "02-policy-and-documents/",
    "03-risk/",
    "04-soa/",
    "05-objectives/",
    "06-competence/",
    "07-internal-audit/",
    "08-nonconformities/",
    "09-management-review/",
    "10-readiness/",
    "11-evidence/",
)


@pytest.fixture
def populated(org, owner, member, stores):
    demo.run(organization=org, owner=owner, colleagues=colleagues(org, member), full=True)
    return org


def _manifest(path):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("MANIFEST.json")), zf.namelist()


def test_pack_of_a_populated_organisation(populated, owner, tmp_path):
    org = populated
    started = time.monotonic()
    written = builder.build(organization=org, as_of=None, destination=tmp_path / "p.zip")
    elapsed = time.monotonic() - started
    manifest, names = _manifest(written.path)
    print(f"demo pack: {elapsed:.1f}s, {written.size} bytes, {len(written.files)} files")

    assert manifest["organization"] == {"slug": "acme", "name": "Acme Ltd"}
    assert manifest["as_of"] == timezone.localdate().isoformat()
    head = AuditChain.objects.get(organization=org)
    assert manifest["audit_chain"]["seq"] == head.last_seq
    assert manifest["audit_chain"]["hash"] == head.last_hash
    assert [p["folder"] for p in manifest["parts"]] == list(FOLDERS)
    for part in manifest["parts"]:
        if part["status"] != "not available":
            assert any(n.startswith(part["folder"]) for n in names), part
    for expected in (
        "01-scope/scope-v1.pdf",
        "01-scope/scope-v1.xlsx",
        "02-policy-and-documents/document-index.csv",
        "03-risk/risk-methodology-v1.md",
        "03-risk/risk-register-and-treatment-plan.xlsx",
        "03-risk/risk-register-and-treatment-plan.pdf",
        "04-soa/acme-soa-v1.pdf",
        "04-soa/acme-soa-v1.xlsx",
        "05-objectives/measurements.xlsx",
        "06-competence/training-records.xlsx",
        "08-nonconformities/nonconformities.xlsx",
        "11-evidence/evidence-index.csv",
        "11-evidence/evidence-index.xlsx",
        "README.txt",
        "MANIFEST.json",
        "MANIFEST.json.sha256",
    ):
        assert expected in names, expected
    assert {f["path"] for f in manifest["files"]} == set(names) - {
        "MANIFEST.json",
        "MANIFEST.json.sha256",
    }

    result = verify(written.path)
    assert result.ok and result.checked == len(manifest["files"])

    with zipfile.ZipFile(written.path) as zf:
        # every approved document's current version, as stored
        in_force = Document.objects.filter(organization=org, current_version__isnull=False)
        for d in in_force.exclude(status="retired"):
            v = d.current_version
            body = [n for n in names if n.startswith(f"02-policy-and-documents/{v.document.ref} ")]
            assert body, v.document.ref
            if not v.file_id:
                assert zf.read(body[0]).decode() == v.body_markdown
        # evidence files: byte for byte what the store holds, indexed with their hash
        index = zf.read("11-evidence/evidence-index.csv").decode("utf-8-sig")
        with_files = Evidence.objects.filter(organization=org, file__isnull=False)
        assert with_files.exists()
        for e in with_files:
            name = next(n for n in names if n.startswith(f"11-evidence/files/{e.ref} "))
            assert zf.read(name) == storage.path_for(e.file.sha256).read_bytes()
            assert e.file.sha256 in index and name in index


def test_as_of_takes_the_records_of_that_day(populated, owner, tmp_path):
    org = populated
    today = timezone.localdate()
    past = timezone.now() - dt.timedelta(days=10)
    # Scope v1 approved ten days ago, v2 today; one document approved ten days ago.
    ScopeVersion.objects.filter(organization=org, number=1).update(approved_at=past)
    scope = ScopeVersion.objects.get(organization=org, number=1).scope
    governance.scope_update(scope=scope, actor=owner, version=scope.version, text="Changed.")
    governance.scope_approve(scope=scope, actor=owner)
    old_doc = DocumentVersion.objects.filter(organization=org, status="approved").first()
    DocumentVersion.objects.filter(pk=old_doc.pk).update(approved_at=past)
    as_of = today - dt.timedelta(days=5)
    # one measurement taken today: the pack as of five days ago leaves it out
    latest = Measurement.objects.filter(organization=org).order_by("-measured_on").first()
    Measurement.objects.filter(pk=latest.pk).update(measured_on=today)

    written = builder.build(organization=org, as_of=as_of, destination=tmp_path / "old.zip")
    manifest, names = _manifest(written.path)
    assert manifest["as_of"] == as_of.isoformat()
    assert "01-scope/scope-v1.pdf" in names and "01-scope/scope-v2.pdf" not in names
    docs = [n for n in names if n.startswith("02-policy-and-documents/") and n.endswith(".md")]
    cutoff = builder.AsOf.for_date(as_of).cutoff
    expected = {
        f"02-policy-and-documents/{v.document.ref} {v.document.title} v{v.number}.md"
        for v in DocumentVersion.objects.filter(
            organization=org, status="approved", approved_at__lte=cutoff, file__isnull=True
        )
    }
    assert (
        set(docs) == expected
        and len(expected)
        < DocumentVersion.objects.filter(organization=org, status="approved").count()
    )
    assert (
        f"02-policy-and-documents/{old_doc.document.ref} {old_doc.document.title} v{old_doc.number}.md"
        in docs
    )
    assert not [n for n in names if n.startswith("04-soa/")]  # approved today: not yet
    soa = next(p for p in manifest["parts"] if p["folder"] == "04-soa/")
    assert soa["status"] == "empty" and "no version approved" in soa["notes"][0]
    # evidence collected after the day is left out; the chain head is the day's last event
    index = zipfile.ZipFile(written.path).read("11-evidence/evidence-index.csv").decode()
    for e in Evidence.objects.filter(organization=org):
        assert (f",{e.ref}," in index) == (e.collected_on <= as_of), e.ref
    assert manifest["audit_chain"]["seq"] == 0  # every demo event happened today
    assert Measurement.objects.filter(organization=org, measured_on__gt=as_of).exists()
    from openpyxl import load_workbook

    with zipfile.ZipFile(written.path) as zf, zf.open("05-objectives/measurements.xlsx") as fh:
        import io

        rows = list(load_workbook(io.BytesIO(fh.read())).active.iter_rows(values_only=True))[1:]
    assert rows and all(r[1].date() <= as_of for r in rows)
    assert len(rows) == Measurement.objects.filter(organization=org, measured_on__lte=as_of).count()
    assert verify(written.path).ok

    current = builder.build(organization=org, as_of=None, destination=tmp_path / "now.zip")
    _, names = _manifest(current.path)
    assert "01-scope/scope-v2.pdf" in names and "01-scope/scope-v1.pdf" not in names
