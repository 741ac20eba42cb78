"""The incident register from the command line:

``openisms incidents list --org SLUG [--status S] [--format text|json] [--as EMAIL]`` lists the
incidents, flagging personal data breaches not notified within 72 hours.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from openisms.assets.management.commands.assets import acting_member
from openisms.core.management.base import OpenISMSCommand, resolve_organization
from openisms.incidents import selectors
from openisms.incidents.choices import IncidentStatus


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


class Command(OpenISMSCommand):
    help = "Incidents: 'list --org SLUG [--status S] [--format text|json] [--as EMAIL]'."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list}")
        lst = sub.add_parser("list", help="List the incidents.")
        lst.add_argument("--org", required=True, metavar="SLUG")
        lst.add_argument("--status", choices=IncidentStatus.values)
        lst.add_argument("--format", choices=("text", "json"), default="text")
        lst.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="List as this member (their role must allow reading incidents).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = resolve_organization(options["org"])
        if options["as_email"]:
            acting_member(
                organization,
                options["as_email"],
                perm="incidents.view_incident",
                doing="read the incidents",
            )
        filters = selectors.IncidentFilter(status=options["status"] or "")
        header = selectors.HEADER
        rows = list(selectors.export_rows(organization=organization, filters=filters))
        if options["format"] == "json":
            items = [dict(zip(header, row, strict=True)) for row in rows]
            self.stdout.write(json.dumps(items, indent=2, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("No incidents match.")
            return
        i = {name: n for n, name in enumerate(header)}
        table = [["REF", "STATUS", "SEVERITY", "DETECTED", "GDPR", "TITLE"]]
        for row in rows:
            gdpr = "-"
            if row[i["personal_data_breach"]] == "yes":
                gdpr = "OVERDUE" if row[i["notification_overdue"]] == "yes" else "personal data"
            table.append(
                [
                    row[i["ref"]],
                    row[i["status"]],
                    row[i["severity"]],
                    row[i["detected_at"]][:16].replace("T", " "),
                    gdpr,
                    row[i["title"]],
                ]
            )
        self.stdout.write("\n".join(_table(table)))
        self.stdout.write(f"{len(rows)} incident{'s' if len(rows) != 1 else ''}.")
