"""The audit pack from the command line:

``openisms audit-pack --org SLUG [--as-of DATE] -o FILE.zip [--as EMAIL]`` builds the pack now
(it is also listed in the web application) and writes it to FILE.zip; prints the manifest
summary.

``openisms audit-pack verify FILE.zip [--format text|json]`` recomputes every file's SHA-256
against MANIFEST.json: exit 0 when intact, 1 on any file changed, added or missing, an unsafe
entry name or a malformed manifest.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from openisms.assets.management.commands.assets import acting_member
from openisms.auditpack import files, services
from openisms.auditpack.verify import verify
from openisms.core.management.base import OpenISMSCommand, resolve_organization


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of: '{value}' is not a date (YYYY-MM-DD).") from exc


class Command(OpenISMSCommand):
    help = (
        "Build an audit pack: '--org SLUG [--as-of DATE] -o FILE.zip [--as EMAIL]'; "
        "check one: 'verify FILE.zip'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action", nargs="?", metavar="verify", help="'verify' to check a pack (else: build)."
        )
        parser.add_argument("file", nargs="?", metavar="FILE.zip", help="The pack to verify.")
        parser.add_argument("--org", metavar="SLUG", help="The organisation (build).")
        parser.add_argument(
            "--as-of", dest="as_of", metavar="DATE", help="YYYY-MM-DD (build; default: today)."
        )
        parser.add_argument("-o", "--output", metavar="FILE.zip", help="Where to write (build).")
        parser.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="Build as this member (their role must allow building audit packs).",
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "verify":
            if not options["file"]:
                raise CommandError("verify: name the pack, e.g. 'verify FILE.zip'.")
            self._verify(Path(options["file"]), options["format"])
            return
        if action is not None:
            raise CommandError(
                f"Unknown action '{action}': use 'verify FILE.zip', or build with "
                "'--org SLUG -o FILE.zip'."
            )
        missing = [n for n in ("org", "output") if not options[n]]
        if missing:
            raise CommandError(
                "To build a pack give " + " and ".join(f"--{n}" for n in missing) + "."
            )
        self._build(options)

    # --- build ------------------------------------------------------------------------------

    def _build(self, options: dict[str, Any]) -> None:
        organization = resolve_organization(options["org"])
        actor = None
        if options["as_email"]:
            actor = acting_member(
                organization,
                options["as_email"],
                perm=services.PERM,
                doing="build audit packs",
            )
        output = Path(options["output"])
        if output.is_dir() or not output.parent.is_dir():
            raise CommandError(f"-o: '{output}' is not a file in an existing directory.")
        as_of = _date(options["as_of"]) if options["as_of"] else None
        pack = services.pack_create(organization=organization, actor=actor, as_of=as_of)
        try:
            pack = services.pack_build(pack=pack)
        except Exception as exc:
            pack.refresh_from_db()
            raise CommandError(f"{pack.ref} failed: {pack.error or exc}") from exc
        fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=".audit-pack-", suffix=".zip")
        try:
            with os.fdopen(fd, "wb") as out, files.path_for(pack.file_name).open("rb") as src:
                shutil.copyfileobj(src, out, 1024 * 1024)
            os.replace(tmp, output)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        summary = {
            "ref": pack.ref,
            "organization": organization.slug,
            "as_of": pack.as_of.isoformat(),
            "file": str(output),
            "files": pack.file_count,
            "size": pack.size,
            "sha256": pack.sha256,
            "audit_chain": {"seq": pack.chain_seq, "hash": pack.chain_hash},
            "parts": pack.parts,
        }
        if options["format"] == "json":
            self.stdout.write(json.dumps(summary, indent=2, ensure_ascii=False))
            return
        self.stdout.write(
            f"{pack.ref}: audit pack of {organization.slug} as of {pack.as_of.isoformat()} "
            f"written to {output}"
        )
        self.stdout.write(f"  {pack.file_count} files, {pack.size} bytes, SHA-256 {pack.sha256}")
        self.stdout.write(f"  audit chain head: event {pack.chain_seq} {pack.chain_hash or '-'}")
        for part in pack.parts:
            status = "" if part["status"] == "included" else f" [{part['status']}]"
            self.stdout.write(f"  {part['folder']:<26} {part['files']:>3} files{status}")
            for note in part["notes"]:
                self.stdout.write(f"      {note}")
        self.stdout.write(f"Check it with: openisms audit-pack verify {output}")

    # --- verify -----------------------------------------------------------------------------

    def _verify(self, path: Path, fmt: str) -> None:
        if not path.is_file():
            raise CommandError(f"'{path}' is not a file.")
        result = verify(path)
        if fmt == "json":
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
        elif result.ok:
            m = result.manifest
            org = m.get("organization") or {}
            head = m.get("audit_chain") or {}
            self.stdout.write(
                f"OK: {result.checked} files match MANIFEST.json "
                f"({org.get('slug', '?')}, as of {m.get('as_of', '?')}, generated "
                f"{m.get('generated_at', '?')}; audit chain head {head.get('seq', '?')} "
                f"{head.get('hash', '') or '-'})."
            )
        else:
            for line in result.problems():
                self.stdout.write(line)
        if not result.ok:
            raise CommandError(
                f"{path}: the pack does not match its manifest "
                f"({len(result.problems())} problem(s)).",
                returncode=1,
            )
