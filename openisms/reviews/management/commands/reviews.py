"""Management reviews from the command line:

``openisms reviews list --org SLUG [--format text|json] [--as EMAIL]`` lists the reviews;
``openisms reviews minutes --org SLUG REF -o FILE [--format pdf|docx] [--as EMAIL]`` writes a
review's minutes; ``openisms reviews decisions --org SLUG [--open] [--format text|json]``
lists the decisions of every review (``--open``: open or in progress only).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from openisms.assets.management.commands.assets import acting_member
from openisms.core.gate import scoped
from openisms.core.management.base import OpenISMSCommand, resolve_organization
from openisms.reviews import selectors
from openisms.reviews.models import ManagementReview

VIEW = "reviews.view_review"


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _jsonable(header: list[str], row: list[Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if isinstance(v, dt.date) else v)
        for k, v in zip(header, row, strict=True)
    }


class Command(OpenISMSCommand):
    help = (
        "Management reviews: 'list --org SLUG', 'minutes --org SLUG REF -o FILE', "
        "'decisions --org SLUG [--open]'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{list,minutes,decisions}"
        )
        lst = sub.add_parser("list", help="List the management reviews.")
        minutes = sub.add_parser("minutes", help="Write a review's minutes (PDF or DOCX).")
        minutes.add_argument("ref", metavar="REF", help="The review's reference, e.g. MR-001.")
        minutes.add_argument("-o", "--output", required=True, metavar="FILE")
        minutes.add_argument("--format", choices=("pdf", "docx"), default=None)
        decisions = sub.add_parser("decisions", help="List the decisions of every review.")
        decisions.add_argument("--open", action="store_true", help="Open or in progress only.")
        for p in (lst, decisions):
            p.add_argument("--format", choices=("text", "json"), default="text")
        for p in (lst, minutes, decisions):
            p.add_argument("--org", required=True, metavar="SLUG")
            p.add_argument(
                "--as",
                dest="as_email",
                metavar="EMAIL",
                help="Act as this member (their role must allow reading management reviews).",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = resolve_organization(options["org"])
        if options["as_email"]:
            acting_member(
                organization,
                options["as_email"],
                perm=VIEW,
                doing="read the management reviews",
            )
        getattr(self, f"do_{options['action']}")(organization, options)

    def do_list(self, organization: Any, options: dict[str, Any]) -> None:
        header = selectors.REVIEW_HEADER
        rows = list(selectors.review_export_rows(organization=organization))
        if options["format"] == "json":
            items = [_jsonable(header, row) for row in rows]
            self.stdout.write(json.dumps(items, indent=2, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("No management reviews.")
            return
        i = {name: n for n, name in enumerate(header)}
        table = [["REF", "STATUS", "PLANNED", "HELD", "DECISIONS", "OVERDUE", "TITLE"]]
        for row in rows:
            table.append(
                [
                    row[i["ref"]],
                    row[i["status"]],
                    str(row[i["planned_on"]]),
                    str(row[i["held_on"]] or "-"),
                    f"{row[i['open_decisions']]}/{row[i['decisions']]}",
                    str(row[i["overdue_decisions"]] or "-"),
                    row[i["title"]],
                ]
            )
        self.stdout.write("\n".join(_table(table)))
        self.stdout.write(f"{len(rows)} review{'s' if len(rows) != 1 else ''}.")

    def do_minutes(self, organization: Any, options: dict[str, Any]) -> None:
        from openisms.core.reports import render
        from openisms.reviews.report import minutes_report

        review = (
            scoped(ManagementReview, organization)
            .select_related("chair", "closed_by", "organization")
            .filter(ref__iexact=options["ref"].strip())
            .first()
        )
        if review is None:
            raise CommandError(
                f"No management review '{options['ref']}' in organisation '{organization.slug}'."
            )
        path = Path(options["output"])
        fmt = options["format"] or (path.suffix.lower().lstrip(".") or "pdf")
        if fmt not in ("pdf", "docx"):
            raise CommandError("Choose --format pdf or docx (or name the file .pdf or .docx).")
        content = render(minutes_report(review), fmt)
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}.") from exc
        self.stdout.write(f"Wrote the minutes of {review.ref} to {path} ({fmt}).")

    def do_decisions(self, organization: Any, options: dict[str, Any]) -> None:
        header = selectors.DECISION_HEADER
        filters = selectors.DecisionFilter(open=options["open"])
        rows = list(selectors.decision_export_rows(organization=organization, filters=filters))
        if options["format"] == "json":
            items = [_jsonable(header, row) for row in rows]
            self.stdout.write(json.dumps(items, indent=2, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("No decisions match.")
            return
        i = {name: n for n, name in enumerate(header)}
        table = [["REF", "REVIEW", "KIND", "STATUS", "DUE", "OVERDUE", "OWNER", "TITLE"]]
        for row in rows:
            table.append(
                [
                    row[i["ref"]],
                    row[i["review"]],
                    row[i["kind"]],
                    row[i["status"]],
                    str(row[i["due_date"]] or "-"),
                    row[i["overdue"]],
                    row[i["owner"]] or "-",
                    row[i["title"]],
                ]
            )
        self.stdout.write("\n".join(_table(table)))
        self.stdout.write(f"{len(rows)} decision{'s' if len(rows) != 1 else ''}.")
