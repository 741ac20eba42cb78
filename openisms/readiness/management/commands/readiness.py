"""Certification readiness from the command line (for CI gates and scripts):

``openisms readiness --list-rules [--format text|json]`` prints every rule (id, clause or
control, severity, what it checks).

``openisms readiness --org SLUG [--format text|json] [--fail-on blocker|major|minor]
[--as EMAIL]`` prints the findings and exits 1 when a finding of the ``--fail-on`` severity
(default ``blocker``) or worse exists, 0 otherwise. The JSON gives the score, its formula, the
counts and the findings (rule id, severity, clause, message, objects).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from openisms.assets.management.commands.assets import acting_member
from openisms.core.management.base import OpenISMSCommand, resolve_organization
from openisms.readiness.engine import SEVERITIES, all_rules, evaluate

FAIL_LEVELS = ("blocker", "major", "minor")


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


class Command(OpenISMSCommand):
    help = (
        "Certification readiness: '--list-rules' or '--org SLUG [--fail-on blocker|major|minor]' "
        "(exit 1 when a finding at or above that severity exists)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list-rules", action="store_true", help="Print every rule.")
        parser.add_argument("--org", metavar="SLUG", help="Evaluate this organisation.")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--fail-on",
            choices=FAIL_LEVELS,
            default="blocker",
            help="Exit 1 when a finding of this severity or worse exists (default: blocker).",
        )
        parser.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="Evaluate as this member (their role must allow reading readiness).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list_rules"]:
            self._list_rules(options["format"])
            return
        if not options["org"]:
            raise CommandError("Give --org SLUG (or --list-rules).")
        organization = resolve_organization(options["org"])
        if options["as_email"]:
            acting_member(
                organization,
                options["as_email"],
                perm="readiness.view_readiness",
                doing="read the readiness findings",
            )
        evaluation = evaluate(organization)
        failing = evaluation.failing_at(options["fail_on"])
        if options["format"] == "json":
            data = {
                "organization": organization.slug,
                "date": evaluation.today.isoformat(),
                "score": evaluation.score,
                "formula": evaluation.formula,
                "counts": evaluation.counts,
                "fail_on": options["fail_on"],
                "failed": bool(failing),
                "findings": [
                    {k: v for k, v in f.as_dict().items() if k != "url"}
                    for f in evaluation.findings
                ],
            }
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            self._text(evaluation)
        if failing:
            raise CommandError(
                f"{len(failing)} finding(s) at or above '{options['fail_on']}'.", returncode=1
            )

    def _list_rules(self, fmt: str) -> None:
        rules = all_rules()
        if fmt == "json":
            self.stdout.write(
                json.dumps([r.as_dict() for r in rules], indent=2, ensure_ascii=False)
            )
            return
        rows = [["RULE", "CLAUSE", "SEVERITY", "CHECKS"]]
        rows += [[r.id, r.clause, r.severity, str(r.title)] for r in rules]
        self.stdout.write("\n".join(_table(rows)))
        self.stdout.write(f"{len(rules)} rules.")

    def _text(self, evaluation: Any) -> None:
        counts = ", ".join(f"{evaluation.counts[s]} {s}" for s in SEVERITIES)
        self.stdout.write(
            f"{evaluation.organization.slug} on {evaluation.today}: score {evaluation.score} "
            f"({evaluation.rules_passed}/{evaluation.rules_total} rules passed; {counts})."
        )
        self.stdout.write(f"  {evaluation.formula}")
        if not evaluation.findings:
            self.stdout.write("No findings.")
            return
        rows = [["SEVERITY", "RULE", "CLAUSE", "FINDING"]]
        rows += [[f.severity, f.rule_id, f.clause, f.message] for f in evaluation.findings]
        self.stdout.write("\n".join(_table(rows)))
