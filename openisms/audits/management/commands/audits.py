"""Internal audits from the command line:

``openisms audits list --org SLUG [--status S] [--format text|json] [--as EMAIL]`` lists the
audits; ``openisms audits report --org SLUG REF -o FILE [--format pdf|docx]`` writes an audit's
report; ``openisms audits coverage --org SLUG [PROGRAMME_REF] [--format text|json]`` shows how
far the audit programme (default: the current one) covers the requirements.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from openisms.assets.management.commands.assets import acting_member
from openisms.audits import report, selectors
from openisms.audits.choices import AuditStatus
from openisms.audits.models import Audit, AuditProgramme
from openisms.core.gate import scoped
from openisms.core.management.base import OpenISMSCommand, resolve_organization
from openisms.core.reports import render

VIEW = "audits.view_audit"


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _as_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--as",
        dest="as_email",
        metavar="EMAIL",
        help="Act as this member (their role must allow reading audits).",
    )


class Command(OpenISMSCommand):
    help = (
        "Internal audits: 'list --org SLUG', 'report --org SLUG REF -o FILE', "
        "'coverage --org SLUG [PROGRAMME_REF]'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,report,coverage}")
        lst = sub.add_parser("list", help="List the audits.")
        lst.add_argument("--org", required=True, metavar="SLUG")
        lst.add_argument("--status", choices=AuditStatus.values)
        lst.add_argument("--format", choices=("text", "json"), default="text")
        _as_argument(lst)
        rep = sub.add_parser("report", help="Write an audit's report (PDF or DOCX).")
        rep.add_argument("--org", required=True, metavar="SLUG")
        rep.add_argument("ref", metavar="REF", help="The audit's reference, e.g. IA-003.")
        rep.add_argument("-o", "--output", required=True, metavar="FILE")
        rep.add_argument("--format", choices=("pdf", "docx"), default=None)
        _as_argument(rep)
        cov = sub.add_parser("coverage", help="The audit programme's coverage.")
        cov.add_argument("--org", required=True, metavar="SLUG")
        cov.add_argument("programme", nargs="?", metavar="PROGRAMME_REF")
        cov.add_argument("--format", choices=("text", "json"), default="text")
        _as_argument(cov)

    def handle(self, *args: Any, **options: Any) -> None:
        organization = resolve_organization(options["org"])
        if options["as_email"]:
            acting_member(organization, options["as_email"], perm=VIEW, doing="read the audits")
        getattr(self, f"_{options['action']}")(organization, options)

    def _list(self, organization: Any, options: dict[str, Any]) -> None:
        filters = selectors.AuditFilter(status=options["status"] or "")
        header = selectors.AUDIT_HEADER
        rows = list(selectors.audit_export_rows(organization=organization, filters=filters))
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
            self.stdout.write("No audits match.")
            return
        i = {name: n for n, name in enumerate(header)}
        table = [["REF", "STATUS", "PLANNED", "CHECKLIST", "NCS", "TITLE"]]
        for row in rows:
            table.append(
                [
                    row[i["ref"]],
                    row[i["status"]],
                    str(row[i["planned_start"]] or "-"),
                    f"{row[i['recorded']]}/{row[i['items']]}",
                    str(row[i["nonconformities"]] or "-"),
                    row[i["title"]],
                ]
            )
        self.stdout.write("\n".join(_table(table)))
        self.stdout.write(f"{len(rows)} audit{'s' if len(rows) != 1 else ''}.")

    def _report(self, organization: Any, options: dict[str, Any]) -> None:
        audit = scoped(Audit, organization).filter(ref=options["ref"]).first()
        if audit is None:
            raise CommandError(f"Unknown audit '{options['ref']}' in '{organization.slug}'.")
        path = Path(options["output"])
        fmt = options["format"] or ("docx" if path.suffix.lower() == ".docx" else "pdf")
        path.write_bytes(render(report.build_report(audit), fmt))
        self.stdout.write(f"{audit.ref} report written to {path} ({fmt}).")

    def _coverage(self, organization: Any, options: dict[str, Any]) -> None:
        if options["programme"]:
            programme = (
                scoped(AuditProgramme, organization).filter(ref=options["programme"]).first()
            )
            if programme is None:
                raise CommandError(f"Unknown programme '{options['programme']}'.")
        else:
            programme = selectors.default_programme(organization=organization)
            if programme is None:
                raise CommandError(f"'{organization.slug}' has no audit programme.")
        cov = selectors.coverage(programme=programme)
        if options["format"] == "json":
            data = {
                "programme": programme.ref,
                "total": cov.total,
                "covered": cov.covered,
                "planned": cov.planned,
                "percent": cov.percent,
                "groups": [
                    {
                        "framework": g.framework,
                        "ref_id": g.ref_id,
                        "name": g.name,
                        "total": g.total,
                        "covered": g.covered,
                        "planned": g.planned,
                        "gap": g.gap,
                        "percent": g.percent,
                    }
                    for g in cov.groups
                ],
                "gaps": [row.ref_id for _g, row in cov.gaps],
            }
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        table = [["GROUP", "TOTAL", "COVERED", "PLANNED", "GAP", "%"]]
        for g in cov.groups:
            table.append(
                [
                    f"{g.ref_id} {g.name}"[:50],
                    str(g.total),
                    str(g.covered),
                    str(g.planned),
                    str(g.gap),
                    str(g.percent),
                ]
            )
        self.stdout.write(f"{programme}")
        self.stdout.write("\n".join(_table(table)))
        self.stdout.write(
            f"{cov.covered} of {cov.total} covered ({cov.percent} %), {cov.planned} planned, "
            f"{len(cov.gaps)} gaps."
        )
