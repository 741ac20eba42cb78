"""Evidence files: content-addressed storage outside the web root, a content sniffer, and the
download response.

* Files live at ``<OPENISMS_EVIDENCE_ROOT>/ab/cd/<sha256>``: identical content is stored once.
  An upload is streamed to a temporary file in ``<root>/tmp`` while it is hashed and measured
  (never held in memory), refused beyond ``OPENISMS_EVIDENCE_MAX_BYTES``, checked, then moved
  into place with ``os.replace`` (atomic: a reader never sees half a file).
* The type is decided by the CONTENT (magic bytes, ZIP directory, UTF-8 validity), from an
  allow-list; the file name's extension must agree with it. HTML, SVG and XML are refused.
* Files are only served by ``download_response``: as an attachment, ``nosniff``, and with a
  sandboxing Content-Security-Policy, after the caller has checked permission.

A stored file whose database rows were never written (the write failed afterwards) is harmless:
it is only reachable through an ``EvidenceFile`` row.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import logging
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024
SHA256_RE = re.compile(r"[0-9a-f]{64}")
MAX_NAME = 255
# Characters no file name keeps: path separators and those reserved on common file systems.
RESERVED = frozenset('<>:"/\\|?*')
WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)
SAFE_EXTENSION = re.compile(r"[a-z0-9]{1,10}")


# --- the types we accept ------------------------------------------------------------------------


@dataclass(frozen=True)
class FileType:
    key: str
    label: str
    content_type: str
    extensions: tuple[str, ...]  # the first is the usual one

    @property
    def extension(self) -> str:
        return self.extensions[0]


def _t(key: str, label: str, content_type: str, *extensions: str) -> FileType:
    return FileType(key, label, content_type, extensions)


OOXML = "application/vnd.openxmlformats-officedocument"
ODF = "application/vnd.oasis.opendocument"
TYPES: dict[str, FileType] = {
    t.key: t
    for t in (
        _t("pdf", "PDF document", "application/pdf", "pdf"),
        _t("png", "PNG image", "image/png", "png"),
        _t("jpeg", "JPEG image", "image/jpeg", "jpg", "jpeg"),
        _t("gif", "GIF image", "image/gif", "gif"),
        _t("webp", "WebP image", "image/webp", "webp"),
        _t("text", "plain text", "text/plain", "txt", "text", "log"),
        _t("csv", "CSV", "text/csv", "csv"),
        _t("markdown", "Markdown", "text/markdown", "md", "markdown"),
        _t("json", "JSON", "application/json", "json"),
        _t("eml", "e-mail message", "message/rfc822", "eml"),
        _t("docx", "Word document", f"{OOXML}.wordprocessingml.document", "docx"),
        _t("xlsx", "Excel workbook", f"{OOXML}.spreadsheetml.sheet", "xlsx"),
        _t("pptx", "PowerPoint presentation", f"{OOXML}.presentationml.presentation", "pptx"),
        _t("odt", "OpenDocument text", f"{ODF}.text", "odt"),
        _t("ods", "OpenDocument spreadsheet", f"{ODF}.spreadsheet", "ods"),
        _t("odp", "OpenDocument presentation", f"{ODF}.presentation", "odp"),
        _t("odg", "OpenDocument drawing", f"{ODF}.graphics", "odg"),
    )
}
# Valid UTF-8 text is one of these, as its extension says.
TEXT_TYPES = ("text", "csv", "markdown", "json", "eml")
ODF_MIMETYPES = {TYPES[k].content_type: k for k in ("odt", "ods", "odp", "odg")}
# Refused whatever the name: they can run script in a browser, or are not in the list.
REFUSED_LABELS = {
    "html": "HTML",
    "svg": "an SVG image",
    "xml": "XML markup",
    "zip": "a ZIP archive",
    "binary": "unrecognised binary content",
    "nul": "binary content (it contains NUL bytes)",
    "encoding": "text that is not valid UTF-8",
}
MASS_NOUNS = {"text", "csv", "markdown", "json"}
# The extensions that honestly name a refused kind (the message then needs no "named as").
REFUSED_EXTENSIONS = {
    "html": ("html", "htm", "xhtml"),
    "svg": ("svg", "svgz"),
    "xml": ("xml",),
    "zip": ("zip",),
}
ALLOWED_TEXT = (
    "PDF, PNG, JPEG, GIF, WebP, plain text, CSV, Markdown, JSON, e-mail (.eml), "
    "Word/Excel/PowerPoint (.docx, .xlsx, .pptx), OpenDocument (.odt, .ods, .odp, .odg)"
)


@dataclass(frozen=True)
class Detected:
    """What the content is: an accepted ``FileType`` key, "textual" (valid UTF-8: the
    extension picks among ``TEXT_TYPES``), or a refused kind (``REFUSED_LABELS``)."""

    key: str

    @property
    def accepted(self) -> bool:
        return self.key in TYPES or self.key == "textual"

    @property
    def label(self) -> str:
        """What the content is, in words ("a PDF document", "HTML", "text")."""
        if self.key == "textual":
            return "text"
        if self.key in TYPES:
            label = TYPES[self.key].label
            if self.key in MASS_NOUNS:
                return label
            return f"{'an' if label[0] in 'AEIOUaeiou' else 'a'} {label}"
        return REFUSED_LABELS[self.key]


MARKUP_START = re.compile(rb"^\s*<")
HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe")


def _markup(head: bytes) -> str | None:
    """ "html", "svg" or "xml" when the text is markup a browser could render, else None."""
    lowered = head.lower().removeprefix(b"\xef\xbb\xbf")
    if b"<svg" in lowered[:4096]:
        return "svg"
    if any(m in lowered[:4096] for m in HTML_MARKERS):
        return "html"
    if MARKUP_START.match(lowered):
        return "xml"  # <?xml …>, <!DOCTYPE …>, <!-- …>: markup of some kind
    return None


def _zip_type(fh: IO[bytes]) -> str:
    """docx/xlsx/pptx (a ``[Content_Types].xml`` and a ``word/``, ``xl/`` or ``ppt/`` part),
    OpenDocument (a ``mimetype`` entry naming the kind), else "zip" (refused)."""
    try:
        with zipfile.ZipFile(fh) as zf:
            names = zf.namelist()
            if "mimetype" in names:
                with zf.open("mimetype") as entry:
                    mimetype = entry.read(200).decode("ascii", "replace").strip()
                return ODF_MIMETYPES.get(mimetype, "zip")
            if "[Content_Types].xml" in names:
                for prefix, key in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
                    if any(n.startswith(prefix) for n in names):
                        return key
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        return "binary"
    return "zip"


def _text_problem(fh: IO[bytes]) -> str | None:
    """None for valid UTF-8 without NUL throughout (read in chunks), else "nul" or
    "encoding"."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := fh.read(CHUNK):
            if b"\x00" in chunk:
                return "nul"
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "encoding"
    return None


def detect(fh: IO[bytes]) -> Detected:
    """The type of the content of a seekable binary file, from its bytes only."""
    fh.seek(0)
    head = fh.read(8192)
    fh.seek(0)
    if head.startswith(b"%PDF-"):
        return Detected("pdf")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Detected("png")
    if head.startswith(b"\xff\xd8\xff"):
        return Detected("jpeg")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Detected("gif")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Detected("webp")
    if head.startswith(b"PK\x03\x04"):
        key = _zip_type(fh)
        fh.seek(0)
        return Detected(key)
    problem = _text_problem(fh)
    fh.seek(0)
    if problem:
        # Some other binary format, or text in another encoding / with NUL characters.
        has_controls = any(b < 9 or 13 < b < 32 for b in head if b != 27)
        return Detected("binary" if has_controls and problem == "encoding" else problem)
    markup = _markup(head)
    return Detected(markup) if markup else Detected("textual")


def _kind_of_name(extension: str) -> str:
    """What a file extension claims, in words (".pdf (PDF document)")."""
    for t in TYPES.values():
        if extension in t.extensions:
            return f".{extension} ({t.label})"
    if extension in ("html", "htm", "xhtml"):
        return f".{extension} (HTML)"
    if extension == "svg":
        return ".svg (SVG image)"
    return f".{extension}" if extension else _("no extension")


def resolve_type(detected: Detected, filename: str) -> tuple[FileType, str]:
    """The accepted type and the file name to keep (given an extension when it had none), or
    a ValidationError naming what the name says and what the content is."""
    stem, extension = split_extension(filename)
    if not detected.accepted:
        if detected.key in ("html", "svg", "xml"):
            reason = _(
                "markup such as HTML, SVG or XML can run scripts in a browser and is not accepted"
            )
        else:
            reason = _("this type is not accepted (accepted: %s)") % ALLOWED_TEXT
        if extension and extension not in REFUSED_EXTENSIONS.get(detected.key, ()):
            message = _(
                "“%(name)s” is named %(claimed)s but its content is %(actual)s: %(reason)s."
            ) % {
                "name": filename,
                "claimed": _kind_of_name(extension),
                "actual": detected.label,
                "reason": reason,
            }
        else:
            message = _("“%(name)s” is %(actual)s: %(reason)s.") % {
                "name": filename,
                "actual": detected.label,
                "reason": reason,
            }
        raise ValidationError({"file": message})
    if detected.key == "textual":
        candidates = [TYPES[k] for k in TEXT_TYPES]
    else:
        candidates = [TYPES[detected.key]]
    if not extension:
        chosen = candidates[0]
        return chosen, _join(stem, chosen.extension)
    for t in candidates:
        if extension in t.extensions:
            return t, filename
    expected = ", ".join(f".{e}" for t in candidates for e in t.extensions)
    raise ValidationError(
        {
            "file": _(
                "“%(name)s” is named %(claimed)s but its content is %(actual)s: rename it "
                "(%(expected)s)."
            )
            % {
                "name": filename,
                "claimed": _kind_of_name(extension),
                "actual": detected.label,
                "expected": expected,
            }
        }
    )


# --- file names ---------------------------------------------------------------------------------


def split_extension(name: str) -> tuple[str, str]:
    """(stem, lower-case extension); the extension is empty unless it is short and plain."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or not SAFE_EXTENSION.fullmatch(extension.lower()):
        return name, ""
    return stem, extension.lower()


def _join(stem: str, extension: str) -> str:
    suffix = f".{extension}" if extension else ""
    return stem[: MAX_NAME - len(suffix)].rstrip(" .") + suffix


def sanitize_filename(name: Any) -> str:
    """A file name safe to store and to send back: the last path component only, without
    control or format characters (including bidirectional overrides) or reserved characters
    (``<>:"/\\|?*``), no leading or trailing dots or blanks, not a device name, at most 255
    characters with a short plain extension kept (lower case). Never empty."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(
        ch for ch in text if ch not in RESERVED and not unicodedata.category(ch).startswith("C")
    )
    text = re.sub(r"\s+", " ", text).strip(" .")
    stem, extension = split_extension(text)
    stem = stem.strip(" .")
    if not stem:
        stem = "evidence"
    if stem.split(".")[0].lower() in WINDOWS_DEVICES:
        stem = f"_{stem}"
    return _join(stem, extension)


def ascii_filename(name: str) -> str:
    """The ASCII fallback for ``Content-Disposition``'s ``filename``."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9._()+ -]", "_", text).strip(" .")
    return text or "evidence"


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the exact ``filename*`` (RFC 6266/5987)."""
    return (
        f"attachment; filename=\"{ascii_filename(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
    )


# --- storing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    content_type: str
    type_label: str
    filename: str


def root() -> Path:
    return Path(settings.OPENISMS_EVIDENCE_ROOT)


def path_for(sha256: str) -> Path:
    if not SHA256_RE.fullmatch(sha256):
        raise ValueError("not a SHA-256")
    return root() / sha256[:2] / sha256[2:4] / sha256


def max_bytes() -> int:
    return int(settings.OPENISMS_EVIDENCE_MAX_BYTES)


def _too_large(limit: int) -> ValidationError:
    return ValidationError(
        {
            "file": _("The file is larger than the limit of %(limit)s (%(bytes)s bytes).")
            % {"limit": human_size(limit), "bytes": f"{limit:,}"}
        }
    )


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover


def _chunks(upload: Any) -> Any:
    if hasattr(upload, "chunks"):
        yield from upload.chunks(CHUNK)
        return
    while chunk := upload.read(CHUNK):
        yield chunk


def store(upload: Any, *, filename: str | None = None) -> StoredFile:
    """Stream ``upload`` (a file-like with a ``name``, e.g. an ``UploadedFile``) into the store
    and return what it is. Refusals are ValidationErrors on "file"; nothing is left behind."""
    name = sanitize_filename(filename or getattr(upload, "name", "") or "")
    limit = max_bytes()
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise _too_large(limit)
    tmp_dir = root() / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True, mode=0o750)
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "w+b") as fh:
            if hasattr(upload, "seek"):
                with contextlib.suppress(OSError, ValueError):
                    upload.seek(0)
            for chunk in _chunks(upload):
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                digest.update(chunk)
                fh.write(chunk)
            if size == 0:
                raise ValidationError({"file": _("“%s” is empty.") % name})
            fh.flush()
            os.fsync(fh.fileno())
            file_type, name = resolve_type(detect(fh), name)
        sha = digest.hexdigest()
        final = path_for(sha)
        if final.exists():
            tmp.unlink()  # the same content is already stored
        else:
            final.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
            os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return StoredFile(
        sha256=sha,
        size=size,
        content_type=file_type.content_type,
        type_label=file_type.label,
        filename=name,
    )


def type_label(content_type: str) -> str:
    for t in TYPES.values():
        if t.content_type == content_type:
            return t.label
    return content_type


# --- serving ------------------------------------------------------------------------------------


def download_response(*, sha256: str, content_type: str, filename: str) -> FileResponse:
    """The stored file as an attachment that a browser will neither sniff nor run. The caller
    has checked that the user may see the evidence."""
    try:
        fh = path_for(sha256).open("rb")
    except (OSError, ValueError) as exc:
        logger.error("evidence file %s is missing from the store", sha256)
        raise Http404(_("The stored file is missing.")) from exc
    if content_type.startswith("text/"):
        content_type += "; charset=utf-8"
    response = FileResponse(fh, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename or sha256)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    response["ETag"] = f'"{sha256}"'
    return response
