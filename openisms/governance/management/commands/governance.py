"""Context, obligations and scope from the command line:

``openisms governance obligations --org SLUG [--kind K] [--not-addressed] [--format text|json]``
lists the obligations register; ``openisms governance issues --org SLUG [--overdue]`` the
context issues; ``openisms governance approve-scope --org SLUG --as EMAIL [--comment C]``
approves the scope draft as the next version (owners and managers).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from openisms.assets.management.commands.assets import acting_member
from openisms.core.management.base import OpenISMSCommand, resolve_organization
from openisms.governance import selectors, services
from openisms.governance.choices import ObligationKind


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _plain(value: Any) -> Any:
    return "; ".join(value) if isinstance(value, list) else value


class Command(OpenISMSCommand):
    help = "Context and scope: 'issues', 'obligations' or 'approve-scope' --org SLUG."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{issues,obligations,approve-scope}"
        )
        issues = sub.add_parser("issues", help="List the context issues.")
        issues.add_argument("--org", required=True, metavar="SLUG")
        issues.add_argument("--overdue", action="store_true", help="Only overdue reviews.")
        issues.add_argument("--format", choices=("text", "json"), default="text")
        obligations = sub.add_parser("obligations", help="List the obligations register.")
        obligations.add_argument("--org", required=True, metavar="SLUG")
        obligations.add_argument("--kind", choices=ObligationKind.values)
        obligations.add_argument(
            "--not-addressed", action="store_true", help="Only those the ISMS does not address."
        )
        obligations.add_argument("--format", choices=("text", "json"), default="text")
        approve = sub.add_parser("approve-scope", help="Approve the scope draft.")
        approve.add_argument("--org", required=True, metavar="SLUG")
        approve.add_argument("--as", dest="as_email", required=True, metavar="EMAIL")
        approve.add_argument("--comment", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = resolve_organization(options["org"])
        action = options["action"]
        if action == "approve-scope":
            actor = acting_member(
                organization,
                options["as_email"],
                perm="governance.approve_scope",
                doing="approve the scope",
            )
            scope = selectors.scope_get(organization=organization)
            if scope is None:
                from django.core.management.base import CommandError

                raise CommandError("There is no scope draft to approve.")
            version = services.scope_approve(scope=scope, actor=actor, comment=options["comment"])
            self.stdout.write(f"Scope version {version.number} approved ({version.content_hash}).")
            return
        if action == "issues":
            header = selectors.ISSUE_HEADER
            rows = list(
                selectors.issue_export_rows(
                    organization=organization,
                    filters=selectors.IssueFilter(overdue=options["overdue"]),
                )
            )
            columns = ("Ref", "Category", "Next review", "Review overdue", "Title")
        else:
            header = selectors.OBLIGATION_HEADER
            filters = selectors.ObligationFilter(
                kind=options["kind"] or "", addressed=False if options["not_addressed"] else None
            )
            rows = list(
                selectors.obligation_export_rows(organization=organization, filters=filters)
            )
            columns = ("Ref", "Kind", "Addressed by the ISMS", "Controls", "Title")
        if options["format"] == "json":
            items = [dict(zip(header, row, strict=True)) for row in rows]
            self.stdout.write(json.dumps(items, indent=2, ensure_ascii=False, default=str))
            return
        if not rows:
            self.stdout.write("Nothing matches.")
            return
        index = {name: n for n, name in enumerate(header)}
        table = [[c.upper() for c in columns]]
        table += [[str(_plain(row[index[c]])) for c in columns] for row in rows]
        self.stdout.write("\n".join(_table(table)))
