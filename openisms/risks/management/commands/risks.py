"""``openisms risks import --org SLUG FILE --as EMAIL [--dry-run]`` and
``openisms risks export --org SLUG --format xlsx|csv -o FILE``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from openisms.assets.management.commands.assets import (
    acting_member,
    add_import_arguments,
    run_import,
)
from openisms.core.management.base import OpenISMSCommand, resolve_organization
from openisms.risks.choices import RiskStatus, TreatmentOption
from openisms.risks.exports import risk_register_csv, risk_register_workbook
from openisms.risks.importer import risk_import
from openisms.risks.selectors import RiskFilter


class Command(OpenISMSCommand):
    help = (
        "Risk register: 'import --org SLUG FILE --as EMAIL [--dry-run]', "
        "'export --org SLUG --format xlsx|csv -o FILE'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")
        imp = sub.add_parser(
            "import", help="Import risks from CSV or XLSX (all or nothing; by ref)."
        )
        add_import_arguments(imp, what="risks")
        exp = sub.add_parser("export", help="Export the register (XLSX: four sheets; CSV).")
        exp.add_argument("--org", required=True, metavar="SLUG")
        exp.add_argument("--format", choices=("xlsx", "csv"), required=True)
        exp.add_argument(
            "-o", "--output", required=True, metavar="FILE", help="'-' writes CSV to stdout."
        )
        exp.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="Export as this member (their role must allow reading the register).",
        )
        exp.add_argument("--level", default="", help="Only risks at this current level (key).")
        exp.add_argument("--status", choices=RiskStatus.values, help="Only risks in this status.")
        exp.add_argument(
            "--treatment", choices=TreatmentOption.values, help="Only risks with this treatment."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = resolve_organization(options["org"])
        options["organization"] = organization
        if options["action"] == "import":
            options["actor"] = acting_member(
                organization, options["as_email"], perm="risks.change_risk", doing="import risks"
            )
            run_import(self, risk_import, options, label="Risks")
            return
        if options["as_email"]:
            acting_member(
                organization,
                options["as_email"],
                perm="risks.view_risk",
                doing="read the risk register",
            )
        filters = RiskFilter(
            level=options["level"] or "",
            status=options["status"] or "",
            treatment=options["treatment"] or "",
        )
        output = options["output"]
        if options["format"] == "csv":
            text = risk_register_csv(organization=organization, filters=filters)
            if output == "-":
                self.stdout.write(text, ending="")
                return
            Path(output).write_text(text, encoding="utf-8-sig")  # the BOM tells Excel: UTF-8
        else:
            if output == "-":
                raise CommandError("XLSX is written to a file: give -o FILE.")
            Path(output).write_bytes(
                risk_register_workbook(organization=organization, filters=filters)
            )
        self.stdout.write(f"Wrote {output} ({options['format']})")
