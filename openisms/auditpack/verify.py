"""Checking an audit pack without trusting it: every file's SHA-256 against ``MANIFEST.json``.

``verify(path)`` reports files changed, added (in the zip, not in the manifest) and missing
(in the manifest, not in the zip), unsafe entry names (absolute, ``..``, backslashes, control
characters, duplicates), and a malformed manifest. Nothing is extracted to disk. Reads are
bounded: an entry is read at most up to the size the manifest declares (plus one byte to notice
more), and the manifest itself at most ``MAX_MANIFEST`` bytes, so a zip bomb costs nothing.
A missing ``MANIFEST.json.sha256`` is reported too.

What this proves: the pack is internally consistent. Someone who rewrites a file, its
manifest line and the manifest's hash produces a consistent forgery; that the pack is the one
OpenISMS built is shown by the zip's SHA-256 recorded when it was built (pack page, API) and
by the audit chain head in the manifest, which ``openisms auditlog verify`` ties to the trail.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openisms.auditpack.writer import CHUNK, FORMAT, MANIFEST, MANIFEST_SHA

MAX_MANIFEST = 64 * 1024 * 1024
SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass
class VerifyResult:
    path: str
    manifest_error: str = ""
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unsafe: list[str] = field(default_factory=list)
    checked: int = 0
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (
            self.manifest_error or self.changed or self.added or self.missing or self.unsafe
        )

    def problems(self) -> list[str]:
        lines = [f"manifest: {self.manifest_error}"] if self.manifest_error else []
        lines += [f"unsafe entry name: {n}" for n in self.unsafe]
        lines += [f"changed: {n}" for n in self.changed]
        lines += [f"added: {n}" for n in self.added]
        lines += [f"missing: {n}" for n in self.missing]
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "manifest_error": self.manifest_error,
            "changed": self.changed,
            "added": self.added,
            "missing": self.missing,
            "unsafe": self.unsafe,
            "checked": self.checked,
        }


def unsafe_name(name: str) -> bool:
    """Absolute, drive-qualified, with ``..`` or empty components, backslashes or control
    characters: a name no extraction tool should be trusted with."""
    if not name or name.startswith("/") or "\\" in name or re.match(r"^[A-Za-z]:", name):
        return True
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return True
    parts = name.rstrip("/").split("/")
    return any(p in ("", ".", "..") for p in parts)


def _read_manifest(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_MANIFEST:
        raise ValueError(f"larger than {MAX_MANIFEST} bytes")
    with zf.open(info) as fh:
        data = fh.read(MAX_MANIFEST + 1)
    if len(data) > MAX_MANIFEST:
        raise ValueError(f"larger than {MAX_MANIFEST} bytes")
    return data


def _parse_manifest(data: bytes) -> tuple[dict[str, Any], dict[str, tuple[str, int]]]:
    """(manifest, {path: (sha256, size)}), or ValueError naming what is wrong."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"not an audit pack manifest (format must be {FORMAT!r})")
    files = manifest.get("files")
    if not isinstance(files, list):
        raise ValueError("'files' must be a list")
    expected: dict[str, tuple[str, int]] = {}
    for n, item in enumerate(files):
        if not isinstance(item, dict):
            raise ValueError(f"files[{n}] must be an object")
        path, sha, size = item.get("path"), item.get("sha256"), item.get("size")
        if not isinstance(path, str) or unsafe_name(path) or path.endswith("/"):
            raise ValueError(f"files[{n}].path is not a safe file name: {path!r}")
        if path in expected or path in (MANIFEST, MANIFEST_SHA):
            raise ValueError(f"files[{n}].path is listed twice: {path!r}")
        if not isinstance(sha, str) or not SHA256.fullmatch(sha):
            raise ValueError(f"files[{n}].sha256 is not a SHA-256: {sha!r}")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError(f"files[{n}].size is not a size: {size!r}")
        expected[path] = (sha, size)
    return manifest, expected


def _hash_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> str | None:
    """The SHA-256 of the entry, or None when it holds more than ``limit`` bytes or cannot be
    read (damaged data, bad CRC)."""
    digest = hashlib.sha256()
    read = 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(min(CHUNK, limit - read + 1)):
                read += len(chunk)
                if read > limit:
                    return None
                digest.update(chunk)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError):
        return None
    return digest.hexdigest()


def verify(path: str | Path) -> VerifyResult:
    result = VerifyResult(path=str(path))
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        result.manifest_error = f"not a readable zip archive ({exc})"
        return result
    with zf:
        infos: dict[str, zipfile.ZipInfo] = {}
        for info in zf.infolist():
            name = info.filename
            if unsafe_name(name) or name in infos:
                result.unsafe.append(name)
                continue
            infos[name] = info
        if MANIFEST not in infos:
            result.manifest_error = f"{MANIFEST} is missing"
            return result
        try:
            data = _read_manifest(zf, infos[MANIFEST])
            result.manifest, expected = _parse_manifest(data)
        except (
            ValueError,
            zipfile.BadZipFile,
            zlib.error,
            OSError,
            EOFError,
            RuntimeError,  # an entry marked encrypted
            NotImplementedError,  # an unsupported compression method
        ) as exc:
            result.manifest_error = f"{MANIFEST} is malformed: {exc}"
            return result
        if MANIFEST_SHA not in infos:
            result.missing.append(MANIFEST_SHA)
        elif _hash_line(zf, infos[MANIFEST_SHA]) != hashlib.sha256(data).hexdigest():
            result.changed.append(MANIFEST)
        for name, (sha, size) in expected.items():
            entry = infos.get(name)
            if entry is None:
                result.missing.append(name)
                continue
            result.checked += 1
            if entry.file_size != size or _hash_entry(zf, entry, size) != sha:
                result.changed.append(name)
        for name in infos:
            if name not in expected and name not in (MANIFEST, MANIFEST_SHA):
                result.added.append(name)
    return result


def _hash_line(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    if info.file_size > 200:
        return ""
    try:
        with zf.open(info) as fh:
            text = fh.read(201).decode("ascii", "replace")
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError):
        return ""
    return text.split()[0] if text.split() else ""
