"""Writing an audit pack: a zip streamed to a temporary file next to its destination, every
entry hashed (SHA-256) as it is written, ``MANIFEST.json`` (and ``MANIFEST.json.sha256``) last,
then an atomic rename. Evidence is copied in chunks, never held in memory, and its hash is
checked against the content address while copying.

Entry names are made safe here: each path component goes through the evidence store's file-name
sanitiser (no separators, control or reserved characters, no ``..``), and a name already used
gets `` (2)``, `` (3)``… before its extension.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from openisms.controls.storage import sanitize_filename, split_extension

CHUNK = 256 * 1024
MANIFEST = "MANIFEST.json"
MANIFEST_SHA = "MANIFEST.json.sha256"
RESERVED_NAMES = frozenset({MANIFEST, MANIFEST_SHA})
FORMAT = "openisms-audit-pack"
FORMAT_VERSION = 1
# Already compressed: stored as they are (deflating them again costs time and saves nothing).
STORED_EXTENSIONS = frozenset(
    {"pdf", "xlsx", "docx", "pptx", "odt", "ods", "odp", "odg", "png", "jpg", "jpeg", "gif", "webp"}
)


class PackError(Exception):
    """The pack cannot be built as asked (a stored file missing or altered…)."""


def safe_path(path: str) -> str:
    """``folder/sub/name.ext`` with every component sanitised; never empty, never absolute."""
    parts = [p for p in path.replace("\\", "/").split("/") if p.strip(" .")]
    if not parts:
        raise PackError(f"empty entry name: {path!r}")
    return "/".join(sanitize_filename(p) for p in parts)


@dataclass
class Entry:
    path: str
    sha256: str
    size: int


@dataclass
class Written:
    """What ``finish`` produced."""

    path: Path
    size: int
    sha256: str
    manifest: dict[str, Any]
    files: list[Entry] = field(default_factory=list)


class PackWriter:
    """Use as a context manager: a failure removes the temporary file; ``finish`` renames it
    into place."""

    def __init__(self, destination: Path, *, generated_at: dt.datetime) -> None:
        self.destination = destination
        destination.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        fd, name = tempfile.mkstemp(dir=destination.parent, prefix=".building-", suffix=".zip")
        self.tmp = Path(name)
        self._fh = os.fdopen(fd, "w+b")
        self.zip = zipfile.ZipFile(
            self._fh, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=6
        )
        stamp = generated_at.astimezone(dt.UTC)
        self._date_time = (
            max(stamp.year, 1980),
            stamp.month,
            stamp.day,
            stamp.hour,
            stamp.minute,
            stamp.second,
        )
        self.entries: list[Entry] = []
        self._names: set[str] = set()
        self._done = False

    def __enter__(self) -> PackWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        if not self._done:
            self.abort()

    # --- names -----------------------------------------------------------------------------

    def _unique(self, path: str) -> str:
        name = safe_path(path)
        if name in RESERVED_NAMES:
            name = f"_{name}"
        candidate, n = name, 1
        folder, _, leaf = name.rpartition("/")
        stem, extension = split_extension(leaf)
        while candidate.lower() in self._names:
            n += 1
            leaf_n = f"{stem} ({n})" + (f".{extension}" if extension else "")
            candidate = f"{folder}/{leaf_n}" if folder else leaf_n
        self._names.add(candidate.lower())
        return candidate

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        _, extension = split_extension(name.rpartition("/")[2])
        stored = extension in STORED_EXTENSIONS
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o640 << 16
        return info

    # --- adding ----------------------------------------------------------------------------

    def add_bytes(self, path: str, data: bytes) -> Entry:
        name = self._unique(path)
        self.zip.writestr(self._info(name), data)
        entry = Entry(name, hashlib.sha256(data).hexdigest(), len(data))
        self.entries.append(entry)
        return entry

    def add_text(self, path: str, text: str) -> Entry:
        return self.add_bytes(path, text.encode("utf-8"))

    def add_stream(
        self,
        path: str,
        source: IO[bytes],
        *,
        expected_sha256: str | None = None,
        expected_size: int | None = None,
        label: str = "",
    ) -> Entry:
        """Copy ``source`` in chunks; with ``expected_sha256`` (a content-addressed file) a
        mismatch fails the whole pack (``PackError``): a pack never carries an altered file."""
        name = self._unique(path)
        digest = hashlib.sha256()
        size = 0
        large = expected_size is None or expected_size > 2**31
        with self.zip.open(self._info(name), mode="w", force_zip64=large) as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        if expected_sha256 is not None and sha != expected_sha256:
            raise PackError(
                f"{label or name}: the stored file does not match its SHA-256 "
                f"(expected {expected_sha256}, read {sha}); it was altered or damaged."
            )
        if expected_size is not None and size != expected_size:
            raise PackError(
                f"{label or name}: the stored file has {size} bytes, {expected_size} expected."
            )
        entry = Entry(name, sha, size)
        self.entries.append(entry)
        return entry

    # --- finishing -------------------------------------------------------------------------

    def finish(self, header: dict[str, Any]) -> Written:
        """Write the manifest (``header`` + the file list), close, fsync and rename."""
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            **header,
            "files": [{"path": e.path, "sha256": e.sha256, "size": e.size} for e in self.entries],
        }
        data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        self.zip.writestr(self._info(MANIFEST), data)
        manifest_sha = hashlib.sha256(data).hexdigest()
        self.zip.writestr(self._info(MANIFEST_SHA), f"{manifest_sha}  {MANIFEST}\n".encode())
        self.zip.close()
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.seek(0)
        digest = hashlib.sha256()
        while chunk := self._fh.read(CHUNK):
            digest.update(chunk)
        size = self._fh.tell()
        self._fh.close()
        os.chmod(self.tmp, 0o640)
        os.replace(self.tmp, self.destination)
        self._done = True
        return Written(self.destination, size, digest.hexdigest(), manifest, list(self.entries))

    def abort(self) -> None:
        self._done = True
        with contextlib.suppress(Exception):  # the archive is thrown away anyway
            self.zip.close()
        try:
            self._fh.close()
        finally:
            self.tmp.unlink(missing_ok=True)
