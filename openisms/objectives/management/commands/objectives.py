"""Objectives and metrics from the command line:

``openisms objectives list --org SLUG [--format text|json] [--as EMAIL]`` lists the metrics
(grouped by objective) with their latest measurement and status against target.

``openisms objectives measure --org SLUG --metric MET-001 --value 42 --as EMAIL [--on DATE]
[--source TEXT] [--note TEXT]`` appends a measurement, as that member (recorded in the audit
trail; contributors record only the metrics they measure).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser

from openisms.assets.management.commands.assets import acting_member
from openisms.core.gate import scoped
from openisms.core.management.base import OpenISMSCommand, resolve_organization
from openisms.objectives import selectors, services
from openisms.objectives.models import Metric


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--on: '{value}' is not a date (YYYY-MM-DD).") from exc


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class Command(OpenISMSCommand):
    help = (
        "Objectives and metrics: 'list --org SLUG' | "
        "'measure --org SLUG --metric MET-001 --value 42 --as EMAIL [--on DATE] [--source TEXT]'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,measure}")
        lst = sub.add_parser("list", help="List the metrics and where they stand.")
        lst.add_argument("--org", required=True, metavar="SLUG")
        lst.add_argument("--format", choices=("text", "json"), default="text")
        lst.add_argument("--as", dest="as_email", metavar="EMAIL", help="List as this member.")
        measure = sub.add_parser("measure", help="Record a measurement of a metric.")
        measure.add_argument("--org", required=True, metavar="SLUG")
        measure.add_argument("--metric", required=True, metavar="REF", help="e.g. MET-001")
        measure.add_argument("--value", required=True, help="The measured number.")
        measure.add_argument("--as", dest="as_email", required=True, metavar="EMAIL")
        measure.add_argument("--on", dest="on", metavar="DATE", help="YYYY-MM-DD (default: today)")
        measure.add_argument("--source", default="", help="Where the figure comes from.")
        measure.add_argument("--note", default="", help="A note on the measurement.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = resolve_organization(options["org"])
        if options["action"] == "measure":
            self._measure(organization, options)
        else:
            self._list(organization, options)

    def _measure(self, organization: Any, options: dict[str, Any]) -> None:
        actor = acting_member(
            organization,
            options["as_email"],
            perm="objectives.record_measurement",
            doing="record measurements",
        )
        ref = options["metric"].strip().upper()
        metric = scoped(Metric, organization).filter(ref=ref).first()
        if metric is None:
            raise CommandError(f"Unknown metric '{options['metric']}' in '{organization.slug}'.")
        on = _date(options["on"]) if options["on"] else None
        try:
            measurement = services.measurement_record(
                metric=metric,
                actor=actor,
                value=options["value"],
                measured_on=on,
                source=options["source"],
                note=options["note"],
            )
        except PermissionDenied as exc:
            raise CommandError(
                f"'{actor.email}' may record only the metrics they measure ({metric.ref} is "
                "measured by someone else)."
            ) from exc
        self.stdout.write(
            f"Recorded {metric.ref} = {measurement.value.normalize():f} {metric.unit} "
            f"on {measurement.measured_on.isoformat()}."
        )

    def _list(self, organization: Any, options: dict[str, Any]) -> None:
        if options["as_email"]:
            acting_member(
                organization,
                options["as_email"],
                perm="objectives.view_objective",
                doing="read the objectives",
            )
        header = selectors.METRIC_HEADER
        rows = list(selectors.metric_export_rows(organization=organization))
        if options["format"] == "json":
            payload = {
                "objectives": [
                    dict(zip(selectors.OBJECTIVE_HEADER, [_text(v) for v in row], strict=True))
                    for row in selectors.objective_export_rows(organization=organization)
                ],
                "metrics": [
                    dict(zip(header, [_text(v) for v in row], strict=True)) for row in rows
                ],
            }
            self.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False))
            return
        objectives = list(selectors.objective_export_rows(organization=organization))
        if not objectives and not rows:
            self.stdout.write("No objectives or metrics yet.")
            return
        if objectives:
            table = [["REF", "STATUS", "DUE", "METRICS", "TITLE"]]
            for o in objectives:
                table.append([o[0], o[7], _text(o[5]) or "-", str(o[8]), o[1]])
            self.stdout.write("\n".join(_table(table)))
            self.stdout.write("")
        if rows:
            i = {name: n for n, name in enumerate(header)}
            table = [["METRIC", "OBJECTIVE", "TARGET", "LATEST", "ON", "STATUS", "NAME"]]
            for row in rows:
                sign = ">=" if row[i["direction"]] == "higher_is_better" else "<="
                latest = row[i["latest_value"]]
                table.append(
                    [
                        row[i["ref"]],
                        row[i["objective"]] or "-",
                        f"{sign} {row[i['target']].normalize():f}",
                        f"{latest.normalize():f}" if latest is not None else "-",
                        _text(row[i["latest_on"]]) or "-",
                        row[i["status"]] + (" (overdue)" if row[i["overdue"]] == "yes" else ""),
                        row[i["name"]],
                    ]
                )
            self.stdout.write("\n".join(_table(table)))
        self.stdout.write(f"{len(objectives)} objective(s), {len(rows)} metric(s).")
