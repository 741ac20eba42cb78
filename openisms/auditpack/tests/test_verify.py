"""The writer and the verifier, on packs written directly (no database)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest

from openisms.auditpack.tests.helpers import rewrite
from openisms.auditpack.verify import unsafe_name, verify
from openisms.auditpack.writer import PackError, PackWriter, safe_path

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def pack(tmp_path):
    path = tmp_path / "pack.zip"
    with PackWriter(path, generated_at=NOW) as w:
        w.add_text("01-scope/scope.md", "# Scope\n")
        w.add_bytes("11-evidence/files/E-001 report.pdf", b"%PDF-1.4 " + bytes(range(256)) * 40)
        w.add_stream("11-evidence/files/E-002 log.txt", io.BytesIO(b"line\n" * 1000))
        written = w.finish({"organization": {"slug": "acme", "name": "Acme"}})
    assert written.path == path and path.is_file()
    assert not list(tmp_path.glob(".building-*"))  # the temporary file was renamed
    return path


def test_intact_pack_verifies(pack):
    result = verify(pack)
    assert result.ok and result.checked == 3
    manifest = json.loads(zipfile.ZipFile(pack).read("MANIFEST.json"))
    for item in manifest["files"]:
        data = zipfile.ZipFile(pack).read(item["path"])
        assert hashlib.sha256(data).hexdigest() == item["sha256"] and len(data) == item["size"]


def test_one_changed_byte_is_reported(pack):
    data = bytearray(zipfile.ZipFile(pack).read("01-scope/scope.md"))
    data[2] ^= 0x01
    rewrite(pack, replace={"01-scope/scope.md": bytes(data)})
    result = verify(pack)
    assert not result.ok and result.changed == ["01-scope/scope.md"]
    assert not result.added and not result.missing


def test_a_flipped_byte_in_the_archive_itself_is_reported(pack):
    raw = bytearray(pack.read_bytes())
    with zipfile.ZipFile(pack) as zf:
        info = zf.getinfo("11-evidence/files/E-002 log.txt")
    start = info.header_offset
    name_len = int.from_bytes(raw[start + 26 : start + 28], "little")
    extra_len = int.from_bytes(raw[start + 28 : start + 30], "little")
    offset = start + 30 + name_len + extra_len  # the entry's compressed data
    raw[offset + info.compress_size // 2] ^= 0xFF
    pack.write_bytes(bytes(raw))
    result = verify(pack)
    assert result.changed == ["11-evidence/files/E-002 log.txt"]


def test_added_and_missing_files_are_reported(pack):
    rewrite(pack, drop="01-scope/scope.md", add={"extra.txt": b"hello"})
    result = verify(pack)
    assert result.missing == ["01-scope/scope.md"] and result.added == ["extra.txt"]


def test_a_changed_manifest_is_caught_by_its_own_hash(pack):
    manifest = json.loads(zipfile.ZipFile(pack).read("MANIFEST.json"))
    manifest["organization"]["name"] = "Someone else"
    rewrite(pack, replace={"MANIFEST.json": json.dumps(manifest).encode()})
    assert verify(pack).changed == ["MANIFEST.json"]


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"format": "other", "files": []}', "not an audit pack manifest"),
        (b'{"format": "openisms-audit-pack", "files": {}}', "'files' must be a list"),
        (
            b'{"format": "openisms-audit-pack", "files": [{"path": "../x", "sha256": "'
            + b"0" * 64
            + b'", "size": 1}]}',
            "not a safe file name",
        ),
        (
            b'{"format": "openisms-audit-pack", "files": [{"path": "x", "sha256": "nope", "size": 1}]}',
            "not a SHA-256",
        ),
    ],
)
def test_malformed_manifest(pack, manifest, message):
    rewrite(pack, drop="MANIFEST.json.sha256", replace={"MANIFEST.json": manifest})
    result = verify(pack)
    assert not result.ok and message in result.manifest_error


def test_missing_manifest_and_not_a_zip(pack, tmp_path):
    rewrite(pack, drop="MANIFEST.json")
    assert "MANIFEST.json is missing" in verify(pack).manifest_error
    other = tmp_path / "x.zip"
    other.write_bytes(b"not a zip")
    assert "not a readable zip" in verify(other).manifest_error


def test_traversal_absolute_and_duplicate_entries_are_refused(pack):
    with zipfile.ZipFile(pack, "a") as zf:
        zf.writestr("../evil.txt", b"x")
        zf.writestr("/etc/passwd", b"x")
        with pytest.warns(UserWarning):
            zf.writestr("01-scope/scope.md", b"other")  # a second entry with the same name
    result = verify(pack)
    assert set(result.unsafe) == {"../evil.txt", "/etc/passwd", "01-scope/scope.md"}
    assert not result.ok


def test_reading_stops_at_the_declared_size(pack):
    """A manifest that declares a small size for a large entry: reported as changed without
    reading the entry beyond the declared size (zip bomb)."""
    big = b"\x00" * (20 * 1024 * 1024)
    with PackWriter(pack, generated_at=NOW) as w:
        entry = w.add_bytes("bomb.bin", big)
        written = w.finish({})
    manifest = written.manifest
    manifest["files"][0]["size"] = 10
    rewrite(
        pack, drop="MANIFEST.json.sha256", replace={"MANIFEST.json": json.dumps(manifest).encode()}
    )
    assert entry.size == len(big)
    assert verify(pack).changed == ["bomb.bin"]


def test_names_are_sanitised_and_made_unique(tmp_path):
    assert safe_path("../../etc/pass\x00wd") == "etc/passwd"
    assert safe_path("a\\b/c:d.txt") == "a/b/cd.txt"
    with PackWriter(tmp_path / "p.zip", generated_at=NOW) as w:
        first = w.add_text("docs/Policy.md", "a")
        second = w.add_text("docs/policy.md", "b")
        third = w.add_text("MANIFEST.json", "c")
        w.finish({})
    assert (first.path, second.path, third.path) == (
        "docs/Policy.md",
        "docs/policy (2).md",
        "_MANIFEST.json",
    )
    assert verify(tmp_path / "p.zip").ok
    assert all(not unsafe_name(n) for n in zipfile.ZipFile(tmp_path / "p.zip").namelist())


def test_a_content_addressed_file_that_changed_fails_the_pack(tmp_path):
    destination = tmp_path / "p.zip"
    with (
        pytest.raises(PackError, match="does not match its SHA-256"),
        PackWriter(destination, generated_at=NOW) as w,
    ):
        w.add_stream("f.txt", io.BytesIO(b"altered"), expected_sha256="0" * 64, label="E-001")
    assert not destination.exists() and not list(tmp_path.iterdir())  # nothing half-written


def test_a_rewritten_manifest_without_its_hash_is_reported(pack):
    """Forging a file and its manifest line, then dropping MANIFEST.json.sha256, is not OK."""
    manifest = json.loads(zipfile.ZipFile(pack).read("MANIFEST.json"))
    forged = b"# Forged scope\n"
    for item in manifest["files"]:
        if item["path"] == "01-scope/scope.md":
            item["sha256"], item["size"] = hashlib.sha256(forged).hexdigest(), len(forged)
    rewrite(
        pack,
        drop="MANIFEST.json.sha256",
        replace={"01-scope/scope.md": forged, "MANIFEST.json": json.dumps(manifest).encode()},
    )
    result = verify(pack)
    assert not result.ok and result.missing == ["MANIFEST.json.sha256"]


def test_entries_marked_encrypted_are_reported_not_raised(pack):
    raw = bytearray(pack.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = raw.find(signature)
        while i >= 0:
            raw[i + offset] |= 1  # the "encrypted" flag
            i = raw.find(signature, i + 4)
    pack.write_bytes(bytes(raw))
    result = verify(pack)
    assert not result.ok and "malformed" in (result.manifest_error or "")
