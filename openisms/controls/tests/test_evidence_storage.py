"""Evidence file storage: the content sniffer (each accepted type; HTML, SVG, mismatched
extensions, NUL bytes refused), the size limit, file-name sanitising, content addressing
(identical content stored once, atomically, nothing left behind on refusal) and the download
headers. The helpers here are shared by the other evidence tests."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from openisms.controls import storage

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    return buffer.getvalue()


def ooxml(part: str) -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "_rels/.rels": b"<Relationships/>",
            f"{part}/document.xml": b"<document/>",
        }
    )


def odf(mimetype: str) -> bytes:
    return zip_bytes({"mimetype": mimetype.encode(), "content.xml": b"<office:document-content/>"})


# (file name, content, expected content type)
ACCEPTED = [
    ("report.pdf", PDF, "application/pdf"),
    ("screenshot.png", PNG, "image/png"),
    ("photo.jpg", JPEG, "image/jpeg"),
    ("photo.JPEG", JPEG, "image/jpeg"),
    ("badge.gif", GIF, "image/gif"),
    ("scan.webp", WEBP, "image/webp"),
    ("log.txt", "Backup finished ✓\n".encode(), "text/plain"),
    ("users.csv", b"name,role\nada,admin\n", "text/csv"),
    ("notes.md", b"# Review\n\n- done\n", "text/markdown"),
    ("scan.json", b'{"findings": []}\n', "application/json"),
    ("mail.eml", b"From: a@example.com\nSubject: Approval\n\nApproved.\n", "message/rfc822"),
    ("policy.docx", ooxml("word"), f"{storage.OOXML}.wordprocessingml.document"),
    ("access.xlsx", ooxml("xl"), f"{storage.OOXML}.spreadsheetml.sheet"),
    ("training.pptx", ooxml("ppt"), f"{storage.OOXML}.presentationml.presentation"),
    ("policy.odt", odf(f"{storage.ODF}.text"), f"{storage.ODF}.text"),
    ("register.ods", odf(f"{storage.ODF}.spreadsheet"), f"{storage.ODF}.spreadsheet"),
    ("slides.odp", odf(f"{storage.ODF}.presentation"), f"{storage.ODF}.presentation"),
]


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def stored_files(root: Path) -> list[Path]:
    """The content-addressed files under the root (the tmp directory excluded)."""
    return sorted(
        p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "tmp"
    )


def leftovers(root: Path) -> list[Path]:
    """Temporary files left in the store's tmp directory."""
    tmp = root / "tmp"
    return list(tmp.iterdir()) if tmp.exists() else []


def use_tmp_root(settings, tmp_path) -> Path:
    """Store evidence files under the test's own directory."""
    settings.OPENISMS_EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.OPENISMS_EVIDENCE_ROOT


@pytest.fixture
def evidence_root(settings, tmp_path) -> Path:
    return use_tmp_root(settings, tmp_path)


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(ValidationError) as info:
        storage.store(upload(name, content))
    return " ".join(info.value.message_dict["file"])


class TestSniffer:
    @pytest.mark.parametrize(("name", "content", "content_type"), ACCEPTED)
    def test_each_accepted_type(self, evidence_root, name, content, content_type):
        stored = storage.store(upload(name, content))
        assert stored.content_type == content_type
        assert stored.size == len(content)
        assert storage.path_for(stored.sha256).read_bytes() == content

    def test_html_renamed_pdf_is_refused_naming_both(self, evidence_root):
        message = refusal("invoice.pdf", HTML)
        assert ".pdf (PDF document)" in message and "HTML" in message
        assert stored_files(evidence_root) == []

    def test_html_is_refused(self, evidence_root):
        assert "HTML" in refusal("page.html", HTML)
        # Markup after leading blanks, or without a doctype, is still HTML.
        assert "HTML" in refusal("notes.txt", b"\n\n  <html><body>x</body></html>")

    def test_svg_is_refused_whatever_its_name(self, evidence_root):
        assert "SVG" in refusal("logo.svg", SVG)
        message = refusal("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>')
        assert ".png (PNG image)" in message and "SVG" in message

    def test_png_named_pdf_is_refused_naming_both(self, evidence_root):
        message = refusal("contract.pdf", PNG)
        assert ".pdf (PDF document)" in message and "a PNG image" in message
        assert ".png" in message  # what to rename it to

    def test_pdf_named_png_is_refused(self, evidence_root):
        message = refusal("scan.png", PDF)
        assert ".png (PNG image)" in message and "a PDF document" in message

    def test_text_with_nul_is_refused(self, evidence_root):
        message = refusal("log.txt", b"first line\nsecond\x00line\n")
        assert "NUL" in message

    def test_text_that_is_not_utf8_is_refused(self, evidence_root):
        assert "UTF-8" in refusal("log.txt", "Résumé of the review".encode("latin-1"))

    def test_text_under_a_foreign_extension_is_refused(self, evidence_root):
        message = refusal("backup.sh", b"#!/bin/sh\nrm -rf /\n")
        assert ".sh" in message and ".txt" in message

    def test_executables_and_plain_zips_are_refused(self, evidence_root):
        assert "not accepted" in refusal("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00")
        assert "ZIP" in refusal("archive.zip", zip_bytes({"a.txt": b"a"}))
        # An OOXML-looking name on a plain ZIP is not a document.
        assert ".docx" in refusal("policy.docx", zip_bytes({"a.txt": b"a"}))

    def test_office_extension_must_match_the_part(self, evidence_root):
        message = refusal("budget.docx", ooxml("xl"))
        assert ".docx (Word document)" in message and "Excel" in message

    def test_empty_file_is_refused(self, evidence_root):
        assert "empty" in refusal("empty.txt", b"")

    def test_a_name_without_extension_gets_the_detected_one(self, evidence_root):
        assert storage.store(upload("scan", PDF)).filename == "scan.pdf"
        assert storage.store(upload("README", b"hello\n")).filename == "README.txt"


class TestSizeLimit:
    def test_over_the_limit_is_refused_with_a_clear_message(self, evidence_root, settings):
        settings.OPENISMS_EVIDENCE_MAX_BYTES = 1024
        message = refusal("big.txt", b"a" * 1025)
        assert "larger than the limit" in message and "1,024 bytes" in message
        assert stored_files(evidence_root) == []
        assert leftovers(evidence_root) == []

    def test_streams_that_do_not_declare_a_size_are_cut_at_the_limit(self, evidence_root, settings):
        settings.OPENISMS_EVIDENCE_MAX_BYTES = 100 * 1024
        stream = io.BytesIO(b"a" * (300 * 1024))
        stream.name = "big.txt"
        with pytest.raises(ValidationError, match="larger than the limit"):
            storage.store(stream)
        assert leftovers(evidence_root) == []

    def test_exactly_the_limit_is_accepted(self, evidence_root, settings):
        settings.OPENISMS_EVIDENCE_MAX_BYTES = 1024
        assert storage.store(upload("fits.txt", b"a" * 1024)).size == 1024


class TestFileNames:
    @pytest.mark.parametrize(
        ("given", "kept"),
        [
            ("../../etc/passwd", "passwd"),
            ("..\\..\\windows\\win.ini", "win.ini"),
            ("/var/lib/report.pdf", "report.pdf"),
            ("a\x00b\x07c\r\n.txt", "abc.txt"),
            ("\u202egnp.exe", "gnp.exe"),  # a right-to-left override hides the real extension
            ('he said "yes".txt', "he said yes.txt"),
            ("rep<o>rt|?*:.pdf", "report.pdf"),
            ("Report.PDF", "Report.pdf"),
            ("..", "evidence"),
            (".htaccess", "htaccess"),
            ("  trailing dots...  ", "trailing dots"),
            ("CON.txt", "_CON.txt"),
            ("Rapport d'été.pdf", "Rapport d'été.pdf"),
        ],
    )
    def test_sanitised(self, given, kept):
        assert storage.sanitize_filename(given) == kept

    def test_long_names_keep_their_extension(self):
        name = storage.sanitize_filename("x" * 400 + ".pdf")
        assert len(name) == 255 and name.endswith(".pdf")

    def test_stored_name_is_sanitised(self, evidence_root):
        assert storage.store(upload("../../etc/passwd", b"root:x:0:0\n")).filename == "passwd.txt"

    def test_content_disposition_has_an_ascii_fallback_and_the_exact_name(self):
        header = storage.content_disposition('Rapport d\'été "final".pdf')
        assert header.startswith('attachment; filename="')
        fallback = header.split('filename="')[1].split('"')[0]
        assert fallback.isascii() and '"' not in fallback
        assert "filename*=UTF-8''Rapport%20d%27%C3%A9t%C3%A9%20%22final%22.pdf" in header


class TestContentAddressing:
    def test_same_content_is_stored_once(self, evidence_root):
        first = storage.store(upload("a.pdf", PDF))
        second = storage.store(upload("copy of a.pdf", PDF))
        assert first.sha256 == second.sha256
        assert second.filename == "copy of a.pdf"
        assert stored_files(evidence_root) == [storage.path_for(first.sha256)]
        assert leftovers(evidence_root) == []

    def test_layout_is_by_sha256(self, evidence_root):
        import hashlib

        stored = storage.store(upload("a.pdf", PDF))
        sha = hashlib.sha256(PDF).hexdigest()
        assert stored.sha256 == sha
        assert storage.path_for(sha) == evidence_root / sha[:2] / sha[2:4] / sha

    def test_only_hex_digests_make_paths(self, evidence_root):
        with pytest.raises(ValueError):
            storage.path_for("../../etc/passwd")

    def test_a_refusal_leaves_nothing_behind(self, evidence_root):
        with pytest.raises(ValidationError):
            storage.store(upload("x.pdf", HTML))
        assert stored_files(evidence_root) == []
        assert leftovers(evidence_root) == []


def test_download_response_headers(evidence_root):
    stored = storage.store(upload("Évidence.txt", b"hello\n"))
    response = storage.download_response(
        sha256=stored.sha256, content_type=stored.content_type, filename=stored.filename
    )
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%C3%89vidence.txt" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"".join(response.streaming_content) == b"hello\n"
