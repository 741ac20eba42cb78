"""Evidence from the command line:

``openisms evidence add --org SLUG --control REF FILE [--title T]
[--valid-until YYYY-MM-DD | --refresh-days N] --as EMAIL`` stores a file as evidence of one or
more controls and prints the new ref and the file's SHA-256;
``openisms evidence list --org SLUG [--state stale|expiring|fresh] [--format text|json]
[--as EMAIL]`` lists the evidence with its freshness (and each file's SHA-256).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser

from openisms.assets.management.commands.assets import acting_member
from openisms.controls import evidence_selectors as selectors
from openisms.controls import evidence_services as services
from openisms.controls.choices import EvidenceKind, Freshness
from openisms.controls.models import Control
from openisms.core.gate import scoped
from openisms.core.management.base import OpenISMSCommand, resolve_organization

ACTIONS = ("add", "list")


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _date(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{option}: '{value}' is not a date (YYYY-MM-DD).") from exc


class Command(OpenISMSCommand):
    help = (
        "Evidence: 'add --org SLUG --control REF FILE [--title T] "
        "[--valid-until YYYY-MM-DD | --refresh-days N] --as EMAIL', "
        "'list --org SLUG [--state stale|expiring|fresh] [--format text|json] [--as EMAIL]'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{" + ",".join(ACTIONS) + "}"
        )
        add = sub.add_parser("add", help="Store a file as evidence of controls.")
        add.add_argument("file", metavar="FILE")
        add.add_argument("--org", required=True, metavar="SLUG")
        add.add_argument(
            "--control",
            required=True,
            action="append",
            metavar="REF",
            help="The control's ref (C-001); repeat for several.",
        )
        add.add_argument("--title", default="", help="Default: the file's name.")
        add.add_argument("--description", default="")
        add.add_argument("--collected-on", metavar="YYYY-MM-DD", help="Default: today.")
        validity = add.add_mutually_exclusive_group()
        validity.add_argument("--valid-until", metavar="YYYY-MM-DD")
        validity.add_argument(
            "--refresh-days",
            type=int,
            metavar="N",
            help="Fresh evidence is needed every N days (valid until collected on + N).",
        )
        add.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="The member who adds it (recorded in the audit trail; required).",
        )

        lst = sub.add_parser("list", help="List the evidence with its freshness.")
        lst.add_argument("--org", required=True, metavar="SLUG")
        lst.add_argument("--state", choices=Freshness.values, help="Only evidence in this state.")
        lst.add_argument("--format", choices=("text", "json"), default="text")
        lst.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="List as this member (their role must allow reading controls).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = resolve_organization(options["org"])
        if options["action"] == "add":
            self._add(organization, options)
        else:
            self._list(organization, options)

    def _add(self, organization: Any, options: dict[str, Any]) -> None:
        if not options["as_email"]:
            raise CommandError(
                "Adding evidence needs --as EMAIL (a member whose role may add evidence)."
            )
        actor = acting_member(
            organization,
            options["as_email"],
            perm="controls.change_evidence",
            doing="add evidence",
        )
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file '{path}'.")
        refs = [r.strip() for r in options["control"]]
        found = {c.ref: c for c in scoped(Control, organization).filter(ref__in=refs)}
        missing = [r for r in refs if r not in found]
        if missing:
            raise CommandError(f"No control '{missing[0]}' in '{organization.slug}'.")
        if options["refresh_days"] is not None and options["refresh_days"] < 1:
            raise CommandError("--refresh-days: give a number of days of 1 or more.")
        try:
            with path.open("rb") as fh:
                evidence = services.evidence_create(
                    organization=organization,
                    actor=actor,
                    kind=EvidenceKind.FILE,
                    title=options["title"],
                    description=options["description"],
                    upload=fh,
                    filename=path.name,
                    collected_on=_date(options["collected_on"], "--collected-on"),
                    valid_until=_date(options["valid_until"], "--valid-until"),
                    refresh_days=options["refresh_days"],
                    controls=[found[r] for r in dict.fromkeys(refs)],
                )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        assert evidence.file is not None
        until = f", valid until {evidence.valid_until:%Y-%m-%d}" if evidence.valid_until else ""
        self.stdout.write(
            f"{evidence.ref} {evidence.filename} sha256:{evidence.file.sha256} "
            f"({evidence.file.size} bytes{until})"
        )

    def _list(self, organization: Any, options: dict[str, Any]) -> None:
        if options["as_email"]:
            acting_member(
                organization,
                options["as_email"],
                perm="controls.view_control",
                doing="read the evidence",
            )
        filters = selectors.EvidenceFilter(freshness=options["state"] or "")
        header, *rows = selectors.export_rows(organization=organization, filters=filters)
        if options["format"] == "json":
            items = [
                {
                    key: (value.isoformat() if isinstance(value, dt.date) else value)
                    for key, value in zip(header, row, strict=True)
                }
                for row in rows
            ]
            for item in items:
                for key in ("controls", "requirements"):
                    item[key] = item[key].split() if item[key] else []
                for key in ("period_start", "period_end", "valid_until", "refresh_days", "size"):
                    if item[key] == "":
                        item[key] = None
                for key in ("filename", "content_type", "sha256", "url"):
                    item[key] = item[key] or None
            self.stdout.write(json.dumps(items, indent=2, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("No evidence matches.")
            return
        index = {name: i for i, name in enumerate(header)}
        table = [["REF", "KIND", "STATE", "VALID UNTIL", "CONTROLS", "SHA-256", "TITLE"]]
        for row in rows:
            sha = row[index["sha256"]]
            table.append(
                [
                    row[index["ref"]],
                    row[index["kind"]],
                    row[index["freshness"]],
                    str(row[index["valid_until"]] or "-"),
                    row[index["controls"]].replace(" ", ",") or "-",
                    sha or "-",
                    row[index["title"]],
                ]
            )
        self.stdout.write("\n".join(_table(table)))
        self.stdout.write(f"{len(rows)} item{'s' if len(rows) != 1 else ''}.")
