"""Building an audit pack from a registry of parts.

A part is a function ``(organization, as_of, writer) -> None`` registered for one folder
(``01-scope/`` … ``11-evidence/``). It adds its files through ``writer`` (a ``FolderWriter``
bound to its folder) and may leave notes; a part whose source is not available (an app not
installed yet) raises ``PartUnavailable`` and is listed in the manifest as "not available"
instead of failing the pack. Any other error fails the pack.

``as_of`` is an ``AsOf``: the day asked for and the cut-off instant (the end of that day in the
server's time zone, or the generation time when that is earlier). Versioned records (approved
scope, documents, SoA, methodology) are taken as approved on or before the cut-off, dated
records (measurements, evidence, training, nonconformities) up to it; registers that keep no
history show their state at generation time, which the part notes.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import timezone

from openisms.auditpack.writer import Entry, PackWriter, Written
from openisms.core import audit
from openisms.core.models import AuditEvent

Progress = Callable[[int, str], None]


class PartUnavailable(Exception):
    """The part's source is not available; the message says why."""


@dataclass(frozen=True)
class AsOf:
    date: dt.date
    cutoff: dt.datetime  # aware

    @property
    def is_today(self) -> bool:
        return self.date >= timezone.localdate(self.cutoff)

    @classmethod
    def for_date(cls, day: dt.date | None, *, now: dt.datetime | None = None) -> AsOf:
        now = now or timezone.now()
        day = day or timezone.localdate(now)
        end = timezone.make_aware(dt.datetime.combine(day, dt.time.max))
        return cls(date=day, cutoff=min(end, now))


@dataclass
class FolderWriter:
    """What a part sees: the pack writer, bound to the part's folder."""

    writer: PackWriter
    folder: str
    notes: list[str] = field(default_factory=list)
    files: list[Entry] = field(default_factory=list)

    def _path(self, name: str) -> str:
        return f"{self.folder}/{name}"

    def add_bytes(self, name: str, data: bytes) -> Entry:
        entry = self.writer.add_bytes(self._path(name), data)
        self.files.append(entry)
        return entry

    def add_text(self, name: str, text: str) -> Entry:
        return self.add_bytes(name, text.encode("utf-8"))

    def add_stream(self, name: str, source: Any, **kwargs: Any) -> Entry:
        entry = self.writer.add_stream(self._path(name), source, **kwargs)
        self.files.append(entry)
        return entry

    def note(self, text: str) -> None:
        self.notes.append(text)


PartFn = Callable[[Any, AsOf, FolderWriter], None]


@dataclass(frozen=True)
class Part:
    folder: str
    title: str
    build: PartFn


PARTS: dict[str, Part] = {}


def register(folder: str, title: str) -> Callable[[PartFn], PartFn]:
    """Register a part for ``folder`` (replacing any part registered for it)."""

    def decorate(fn: PartFn) -> PartFn:
        PARTS[folder] = Part(folder, title, fn)
        return fn

    return decorate


def parts() -> list[Part]:
    from openisms.auditpack import parts as _core  # noqa: F401  (registers the parts)
    from openisms.auditpack import parts_reports as _reports  # noqa: F401

    return [PARTS[k] for k in sorted(PARTS)]


def chain_head(organization: Any, cutoff: dt.datetime) -> dict[str, Any]:
    """The organisation's audit chain at ``cutoff``: the last event at or before it."""
    event = (
        AuditEvent.objects.filter(organization=organization, timestamp__lte=cutoff)
        .order_by("-seq")
        .only("seq", "hash", "timestamp")
        .first()
    )
    return {
        "chain": audit.chain_key(organization.pk),
        "seq": event.seq if event else 0,
        "hash": event.hash if event else "",
        "timestamp": event.timestamp.astimezone(dt.UTC).isoformat() if event else None,
    }


def generator() -> str:
    try:
        return f"OpenISMS {importlib.metadata.version('openisms')}"
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "OpenISMS"


README = """Audit pack of {name} ({slug}), as of {as_of}
Generated at {generated_at} by {generator}.

Every file of this archive is listed in MANIFEST.json with its SHA-256 and size; the manifest
also names the organisation's audit trail chain head (sequence and hash) at the cut-off
{cutoff}. MANIFEST.json.sha256 holds the manifest's own SHA-256.

To check the pack: openisms audit-pack verify THIS-FILE.zip
(or recompute each file's SHA-256, e.g. sha256sum, and compare with MANIFEST.json).

Folders
{folders}
"""


def build(
    *,
    organization: Any,
    as_of: dt.date | None,
    destination: Path,
    progress: Progress | None = None,
    requested_by: str = "",
) -> Written:
    """Build the pack into ``destination`` (atomically) and return what was written."""
    generated_at = timezone.now()
    when = AsOf.for_date(as_of, now=generated_at)
    head = chain_head(organization, when.cutoff)
    all_parts = parts()
    report = progress or (lambda pct, step: None)
    summary: list[dict[str, Any]] = []
    with PackWriter(destination, generated_at=generated_at) as writer:
        for n, part in enumerate(all_parts):
            report(int(100 * n / (len(all_parts) + 1)), part.title)
            folder = FolderWriter(writer, part.folder)
            status = "included"
            try:
                part.build(organization, when, folder)
            except PartUnavailable as exc:
                status = "not available"
                folder.note(str(exc))
            if status == "included" and not folder.files:
                status = "empty"
            summary.append(
                {
                    "folder": f"{part.folder}/",
                    "title": part.title,
                    "status": status,
                    "files": len(folder.files),
                    "notes": folder.notes,
                }
            )
        report(int(100 * len(all_parts) / (len(all_parts) + 1)), "MANIFEST.json")
        folders = "\n".join(
            f"  {p['folder']:<32} {p['title']}"
            + ("" if p["status"] == "included" else f" ({p['status']})")
            for p in summary
        )
        writer.add_text(
            "README.txt",
            README.format(
                name=organization.name,
                slug=organization.slug,
                as_of=when.date.isoformat(),
                generated_at=generated_at.astimezone(dt.UTC).isoformat(),
                generator=generator(),
                cutoff=when.cutoff.astimezone(dt.UTC).isoformat(),
                folders=folders,
            ),
        )
        header = {
            "generator": generator(),
            "generated_at": generated_at.astimezone(dt.UTC).isoformat(),
            "organization": {"slug": organization.slug, "name": organization.name},
            "as_of": when.date.isoformat(),
            "cutoff": when.cutoff.astimezone(dt.UTC).isoformat(),
            "requested_by": requested_by,
            "audit_chain": head,
            "parts": summary,
        }
        return writer.finish(header)
