"""Nonconformities from the command line:

``openisms nc list --org SLUG [--overdue] [--status S] [--format text|json] [--as EMAIL]``
lists the nonconformities (with their open and overdue corrective actions); ``--overdue`` keeps
those with overdue actions.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import CommandParser

from openisms.assets.management.commands.assets import acting_member
from openisms.core.management.base import OpenISMSCommand, resolve_organization
from openisms.improvement import selectors
from openisms.improvement.choices import NcStatus


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


class Command(OpenISMSCommand):
    help = "Nonconformities: 'list --org SLUG [--overdue] [--status S] [--format text|json]'."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list}")
        lst = sub.add_parser("list", help="List the nonconformities.")
        lst.add_argument("--org", required=True, metavar="SLUG")
        lst.add_argument(
            "--overdue", action="store_true", help="Only those with overdue corrective actions."
        )
        lst.add_argument("--status", choices=NcStatus.values)
        lst.add_argument("--format", choices=("text", "json"), default="text")
        lst.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="List as this member (their role must allow reading nonconformities).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = resolve_organization(options["org"])
        if options["as_email"]:
            acting_member(
                organization,
                options["as_email"],
                perm="improvement.view_improvement",
                doing="read the nonconformities",
            )
        filters = selectors.NcFilter(status=options["status"] or "", overdue=options["overdue"])
        header = selectors.NC_HEADER
        rows = list(selectors.nc_export_rows(organization=organization, filters=filters))
        if options["format"] == "json":
            items = [
                {
                    k: (v.isoformat() if isinstance(v, dt.date) else v)
                    for k, v in zip(header, row, strict=True)
                }
                for row in rows
            ]
            self.stdout.write(json.dumps(items, indent=2, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("No nonconformities match.")
            return
        i = {name: n for n, name in enumerate(header)}
        table = [["REF", "STATUS", "SEVERITY", "DETECTED", "ACTIONS", "OVERDUE", "TITLE"]]
        for row in rows:
            table.append(
                [
                    row[i["ref"]],
                    row[i["status"]],
                    row[i["severity"]],
                    str(row[i["detected_on"]]),
                    f"{row[i['open_actions']]}/{row[i['actions']]}",
                    str(row[i["overdue_actions"]] or "-"),
                    row[i["title"]],
                ]
            )
        self.stdout.write("\n".join(_table(table)))
        self.stdout.write(f"{len(rows)} nonconformit{'ies' if len(rows) != 1 else 'y'}.")
