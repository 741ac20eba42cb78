"""The risk register from the command line:

``openisms risks import --org SLUG FILE --as EMAIL [--dry-run]``,
``openisms risks export --org SLUG --format xlsx|csv -o FILE``,
``openisms risks methodology --org SLUG [--format text|json] [--preset 4x4 --as EMAIL]``,
``openisms risks list --org SLUG [--level L] [--status S] [--format text|json]``,
``openisms risks heatmap --org SLUG [--grid inherent|current|target]`` and
``openisms risks accept --org SLUG --risk R-001 --as EMAIL --justification TEXT
[--valid-until YYYY-MM-DD]``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser

from openisms.assets.management.commands.assets import (
    acting_member,
    add_import_arguments,
    run_import,
)
from openisms.core.gate import scoped
from openisms.core.management.base import OpenISMSCommand, resolve_organization
from openisms.risks import selectors, services
from openisms.risks.choices import RiskStatus, TreatmentOption
from openisms.risks.exports import risk_register_csv, risk_register_workbook
from openisms.risks.importer import risk_import
from openisms.risks.methodology import presets
from openisms.risks.models import MethodologyVersion, Risk
from openisms.risks.selectors import RiskFilter

ACTIONS = ("import", "export", "methodology", "list", "heatmap", "accept")
GRIDS = ("inherent", "current", "target")


def _table(rows: list[list[str]]) -> list[str]:
    """Rows as left-aligned columns separated by two spaces (no trailing blanks)."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


class Command(OpenISMSCommand):
    help = (
        "Risk register: 'import --org SLUG FILE --as EMAIL [--dry-run]', "
        "'export --org SLUG --format xlsx|csv -o FILE', "
        "'methodology --org SLUG [--format text|json] [--preset NAME --as EMAIL]', "
        "'list --org SLUG [--level L] [--status S] [--format text|json]', "
        "'heatmap --org SLUG [--grid inherent|current|target]', "
        "'accept --org SLUG --risk REF --as EMAIL --justification TEXT "
        "[--valid-until YYYY-MM-DD]'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{" + ",".join(ACTIONS) + "}"
        )
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
        self._reader_as(exp, "Export")
        exp.add_argument("--level", default="", help="Only risks at this current level (key).")
        exp.add_argument("--status", choices=RiskStatus.values, help="Only risks in this status.")
        exp.add_argument(
            "--treatment", choices=TreatmentOption.values, help="Only risks with this treatment."
        )

        meth = sub.add_parser(
            "methodology",
            help="Print the current risk methodology, or set it from a shipped preset.",
        )
        meth.add_argument("--org", required=True, metavar="SLUG")
        meth.add_argument("--format", choices=("text", "json"), default="text")
        meth.add_argument(
            "--preset",
            metavar="NAME",
            help=f"Set the methodology from a shipped preset ({', '.join(presets())}); "
            "needs --as (a manager or owner).",
        )
        meth.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="The member who reads it, or who sets the preset (recorded in the audit trail).",
        )

        lst = sub.add_parser("list", help="List the risk register.")
        lst.add_argument("--org", required=True, metavar="SLUG")
        lst.add_argument("--level", default="", help="Only risks at this current level (key).")
        lst.add_argument("--status", choices=RiskStatus.values, help="Only risks in this status.")
        lst.add_argument("--format", choices=("text", "json"), default="text")
        self._reader_as(lst, "List")

        heat = sub.add_parser(
            "heatmap", help="Print a heat map: open risks per likelihood × consequence cell."
        )
        heat.add_argument("--org", required=True, metavar="SLUG")
        heat.add_argument("--grid", choices=GRIDS, default="current")
        self._reader_as(heat, "Print")

        acc = sub.add_parser("accept", help="Accept a risk's residual (current) level.")
        acc.add_argument("--org", required=True, metavar="SLUG")
        acc.add_argument("--risk", required=True, metavar="REF", help="The risk's ref (R-001).")
        acc.add_argument(
            "--as",
            dest="as_email",
            required=True,
            metavar="EMAIL",
            help="The member who accepts (the risk owner within the appetite; above it, the "
            "role the methodology names).",
        )
        acc.add_argument("--justification", required=True, help="Why the risk is acceptable.")
        acc.add_argument(
            "--valid-until",
            metavar="YYYY-MM-DD",
            help="Until when the acceptance holds (default: the methodology's period).",
        )

    @staticmethod
    def _reader_as(parser: CommandParser, verb: str) -> None:
        parser.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help=f"{verb} as this member (their role must allow reading the register).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = resolve_organization(options["org"])
        options["organization"] = organization
        action = options["action"]
        if action == "import":
            options["actor"] = acting_member(
                organization, options["as_email"], perm="risks.change_risk", doing="import risks"
            )
            run_import(self, risk_import, options, label="Risks")
            return
        if action == "accept":
            self._accept(options)
            return
        if action == "methodology" and options["preset"]:
            self._set_methodology(options)
            return
        if options["as_email"]:
            acting_member(
                organization,
                options["as_email"],
                perm="risks.view_risk",
                doing="read the risk register",
            )
        {
            "export": self._export,
            "methodology": self._methodology,
            "list": self._list,
            "heatmap": self._heatmap,
        }[action](options)

    # --- export ----------------------------------------------------------------------------------

    def _export(self, options: dict[str, Any]) -> None:
        organization = options["organization"]
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

    # --- methodology -----------------------------------------------------------------------------

    @staticmethod
    def _current(organization: Any) -> MethodologyVersion:
        version = selectors.methodology_current(organization=organization)
        if version is None:
            raise CommandError(
                f"No risk methodology in '{organization.slug}' yet: set one with "
                "'--preset 4x4 --as EMAIL'."
            )
        return version

    def _set_methodology(self, options: dict[str, Any]) -> None:
        organization = options["organization"]
        if not options["as_email"]:
            raise CommandError("Setting the methodology needs --as EMAIL (a manager or owner).")
        actor = acting_member(
            organization,
            options["as_email"],
            perm="risks.manage_methodology",
            doing="define the risk methodology",
        )
        version = services.methodology_from_preset(
            organization=organization, actor=actor, preset=options["preset"]
        )
        self.stdout.write(
            f"Methodology of {organization.slug}: version {version.number} "
            f"({version.methodology.name}) from preset {options['preset']}."
        )

    def _methodology(self, options: dict[str, Any]) -> None:
        version = self._current(options["organization"])
        d = version.definition
        if options["format"] == "json":
            self.stdout.write(
                _json(
                    {
                        "organization": options["organization"].slug,
                        "name": version.methodology.name,
                        "version": version.number,
                        "created_at": version.created_at.isoformat(),
                        "created_by": version.created_by.email if version.created_by else None,
                        "definition": d,
                    }
                )
            )
            return
        levels = {lv["key"]: lv for lv in d["levels"]}
        threshold = levels[d["threshold"]]
        lines = [
            f"{version.methodology.name}, version {version.number} "
            f"({version.created_at:%Y-%m-%d}"
            + (f", by {version.created_by.email}" if version.created_by else "")
            + ")",
            "",
            "Likelihood:",
            *_scale(d["likelihood"]),
            "Consequence:",
            *_scale(d["consequence"]),
            "Levels (lowest first):",
            *(
                "  " + line
                for line in _table(
                    [
                        [
                            lv["key"],
                            lv["name"],
                            lv["colour"],
                            "within appetite" if lv["order"] <= threshold["order"] else "",
                        ]
                        for lv in d["levels"]
                    ]
                )
            ),
            "Matrix (likelihood × consequence):",
            *(
                "  " + line
                for line in _matrix(d, lambda li, ci: levels[d["matrix"][li][ci]]["name"])
            ),
            f"Acceptance threshold: {threshold['name']} ({threshold['key']}); "
            f"above it the {d['acceptance_role_above_threshold']} accepts.",
            f"Consequence rule: {d['cia_rule']}.",
            f"Reviews: risks every {d['risk_review_days']} days, "
            f"acceptances every {d['acceptance_review_days']} days.",
        ]
        self.stdout.write("\n".join(lines))

    # --- the register ----------------------------------------------------------------------------

    def _list(self, options: dict[str, Any]) -> None:
        organization = options["organization"]
        level = options["level"] or ""
        if level:
            known = selectors.levels_by_key(
                selectors.methodology_current(organization=organization)
            )
            if level not in known:
                raise CommandError(
                    f"Unknown level '{level}' (one of: {', '.join(known) or 'none defined'})."
                )
        risks = selectors.risk_list(
            organization=organization,
            filters=RiskFilter(level=level, status=options["status"] or ""),
        )
        if options["format"] == "json":
            self.stdout.write(_json([_risk_json(r) for r in risks]))
            return
        rows = [
            [
                r.ref,
                r.current_level or "-",
                r.status,
                r.owner.email if r.owner else "-",
                r.title,
            ]
            for r in risks
        ]
        if not rows:
            self.stdout.write("No risks match.")
            return
        self.stdout.write("\n".join(_table([["REF", "LEVEL", "STATUS", "OWNER", "TITLE"], *rows])))
        self.stdout.write(f"{len(rows)} risk{'s' if len(rows) != 1 else ''}.")

    def _heatmap(self, options: dict[str, Any]) -> None:
        organization = options["organization"]
        version = self._current(organization)
        heat = selectors.heatmap(organization=organization, grid=options["grid"])
        assert heat is not None  # a methodology exists
        d = version.definition
        cells = {
            (li, ci): cell
            for li, row in enumerate(reversed(heat.rows))
            for ci, cell in enumerate(row)
        }
        lines = [
            f"{options['grid'].capitalize()} risk, {organization.slug}, methodology version "
            f"{version.number}: {heat.total} open risk{'s' if heat.total != 1 else ''} placed.",
            *_matrix(
                d,
                lambda li, ci: f"{cells[(li, ci)].count} {cells[(li, ci)].level['name']}",
            ),
        ]
        if heat.other_versions:
            lines.append(
                f"{heat.other_versions} open risk(s) assessed on scales the current "
                "methodology lacks are not placed."
            )
        self.stdout.write("\n".join(lines))

    def _accept(self, options: dict[str, Any]) -> None:
        organization = options["organization"]
        actor = acting_member(
            organization, options["as_email"], perm="risks.accept_risk", doing="accept risks"
        )
        risk = (
            scoped(Risk, organization)
            .select_related("organization")
            .filter(ref=options["risk"].strip())
            .first()
        )
        if risk is None:
            raise CommandError(f"No risk '{options['risk']}' in '{organization.slug}'.")
        valid_until = None
        if options["valid_until"]:
            try:
                valid_until = dt.date.fromisoformat(options["valid_until"])
            except ValueError as exc:
                raise CommandError(
                    f"--valid-until: '{options['valid_until']}' is not a date (YYYY-MM-DD)."
                ) from exc
        try:
            acceptance = services.risk_accept(
                risk=risk,
                actor=actor,
                justification=options["justification"],
                valid_until=valid_until,
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{risk.ref} accepted at level {acceptance.level} until "
            f"{acceptance.valid_until:%Y-%m-%d} by {actor.email}."
        )


def _scale(entries: list[dict[str, Any]]) -> list[str]:
    return [
        f"  {e['value']}  {e['label']}" + (f": {e['criteria']}" if e.get("criteria") else "")
        for e in entries
    ]


def _matrix(d: dict[str, Any], cell: Any) -> list[str]:
    """The matrix with the highest likelihood first; ``cell(li, ci)`` gives each cell's text."""
    header = [
        "Likelihood \\ Consequence",
        *(f"{c['value']} {c['label']}" for c in d["consequence"]),
    ]
    rows = [
        [
            f"{d['likelihood'][li]['value']} {d['likelihood'][li]['label']}",
            *(cell(li, ci) for ci in range(len(d["consequence"]))),
        ]
        for li in reversed(range(len(d["likelihood"])))
    ]
    return _table([header, *rows])


def _assessed(risk: Risk, name: str) -> dict[str, Any]:
    return {
        "likelihood": getattr(risk, f"{name}_likelihood"),
        "consequence": getattr(risk, f"{name}_consequence"),
        "level": getattr(risk, f"{name}_level"),
    }


def _risk_json(risk: Risk) -> dict[str, Any]:
    return {
        "ref": risk.ref,
        "title": risk.title,
        "status": risk.status,
        "owner": risk.owner.email if risk.owner else None,
        "inherent": _assessed(risk, "inherent"),
        "current": _assessed(risk, "current"),
        "target": _assessed(risk, "target"),
        "treatment": risk.treatment_option,
        "next_review": risk.next_review.isoformat() if risk.next_review else None,
        "version": risk.version,
    }
