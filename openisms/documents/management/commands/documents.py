"""The document register from the command line:

``openisms documents list --org SLUG [--status S] [--type T] [--overdue] [--format text|json]
[--as EMAIL]`` lists the documents; ``openisms documents export-methodology --org SLUG --as EMAIL``
writes the current risk methodology into the "Risk assessment methodology" procedure (a new
document, or a new draft of it), as that member.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser

from openisms.assets.management.commands.assets import acting_member
from openisms.core.management.base import OpenISMSCommand, resolve_organization
from openisms.documents import selectors, services
from openisms.documents.choices import DocumentStatus, DocumentType


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


class Command(OpenISMSCommand):
    help = (
        "Documents: 'list --org SLUG [--status S] [--type T] [--overdue]', "
        "'export-methodology --org SLUG --as EMAIL'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{list,export-methodology}"
        )
        lst = sub.add_parser("list", help="List the document register.")
        lst.add_argument("--org", required=True, metavar="SLUG")
        lst.add_argument("--status", choices=DocumentStatus.values)
        lst.add_argument("--type", choices=DocumentType.values)
        lst.add_argument("--overdue", action="store_true", help="Only reviews overdue.")
        lst.add_argument("--format", choices=("text", "json"), default="text")
        lst.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="List as this member (their role must allow reading documents).",
        )
        gen = sub.add_parser(
            "export-methodology",
            help="Write the current risk methodology into its procedure document.",
        )
        gen.add_argument("--org", required=True, metavar="SLUG")
        gen.add_argument(
            "--as",
            dest="as_email",
            required=True,
            metavar="EMAIL",
            help="The member who writes it (recorded in the audit trail).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = resolve_organization(options["org"])
        if options["action"] == "export-methodology":
            self._methodology(organization, options["as_email"])
        else:
            self._list(organization, options)

    def _methodology(self, organization: Any, email: str) -> None:
        actor = acting_member(organization, email, perm=services.CHANGE, doing="write documents")
        try:
            document, version = services.methodology_document_generate(
                organization=organization, actor=actor
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "Your role does not allow this.") from exc
        self.stdout.write(
            f"{document.ref} {document.title}: version {version.number} "
            f"({version.get_status_display().lower()}) written from the risk methodology."
        )

    def _list(self, organization: Any, options: dict[str, Any]) -> None:
        if options["as_email"]:
            acting_member(
                organization, options["as_email"], perm=services.VIEW, doing="read documents"
            )
        filters = selectors.DocumentFilter(
            status=options["status"] or "",
            type=options["type"] or "",
            overdue=options["overdue"],
        )
        header = selectors.EXPORT_HEADER
        rows = list(selectors.export_rows(organization=organization, filters=filters))
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
            self.stdout.write("No documents match.")
            return
        i = {name: n for n, name in enumerate(header)}
        table = [["REF", "TYPE", "STATUS", "IN FORCE", "WORKING", "NEXT REVIEW", "TITLE"]]
        for row in rows:
            review = str(row[i["next_review"]] or "-")
            if row[i["review_overdue"]] == "yes":
                review += " (overdue)"
            working = row[i["working_version"]]
            table.append(
                [
                    row[i["ref"]],
                    row[i["type"]],
                    row[i["status"]],
                    row[i["version_in_force"]] or "-",
                    f"{working} ({row[i['working_status']].lower()})" if working else "-",
                    review,
                    row[i["title"]],
                ]
            )
        self.stdout.write("\n".join(_table(table)))
        self.stdout.write(f"{len(rows)} document{'s' if len(rows) != 1 else ''}.")
