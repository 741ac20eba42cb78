"""The risk register as a spreadsheet: XLSX (register, treatment plan, methodology, about) or
CSV (register only). Rows stream from the selector in chunks; assets, requirements and the
latest acceptance come with each chunk (a fixed number of queries per 2,000 risks). Every
text cell that a spreadsheet would run as a formula is neutralised.

The register's column titles are those the importer recognises, so an exported register
imports back without changes (the computed columns are reported as unknown and ignored)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import importlib.metadata
import io
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.core.spreadsheets import cell
from openisms.risks.choices import ActionStatus, RiskStatus, TreatmentOption
from openisms.risks.importer import COLUMNS
from openisms.risks.models import MethodologyVersion, Risk, RiskAcceptance
from openisms.risks.selectors import (
    RiskFilter,
    methodology_current,
    methodology_versions,
    risk_list,
    treatment_plan,
)

CHUNK = 2000
OPEN_ACTIONS = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


def _label(key: str) -> str:
    return next(str(c.label) for c in COLUMNS.columns if c.key == key)


def register_header() -> list[str]:
    return [
        _label("ref"),
        _label("title"),
        _label("description"),
        _label("owner"),
        _label("status"),
        _label("assets"),
        _label("threat"),
        _label("existing_controls"),
        _label("inherent_likelihood"),
        _label("inherent_impact"),
        _("Inherent level"),
        _label("likelihood"),
        _label("impact"),
        _("Current level"),
        _label("target_likelihood"),
        _label("target_impact"),
        _("Target level"),
        _label("treatment"),
        _("Treatment description"),
        _("Selected requirements (Annex A)"),
        _("Next review"),
        _("Accepted until"),
    ]


class _Scales:
    """Labels of every methodology version of the organisation (one query)."""

    def __init__(self, organization: Any) -> None:
        self.versions = {
            v.pk: (
                {e["value"]: e["label"] for e in v.definition["likelihood"]},
                {e["value"]: e["label"] for e in v.definition["consequence"]},
                {lv["key"]: lv["name"] for lv in v.definition["levels"]},
            )
            for v in methodology_versions(organization=organization)
        }

    def assessment(self, version_id: int | None, lk: Any, ck: Any, level: str) -> list[Any]:
        likelihood, consequence, levels = self.versions.get(version_id or 0, ({}, {}, {}))
        return [
            likelihood.get(lk, lk) if lk is not None else "",
            consequence.get(ck, ck) if ck is not None else "",
            levels.get(level, level),
        ]


VALUES = (
    "pk",
    "ref",
    "title",
    "description",
    "owner__email",
    "status",
    "threat__ref",
    "existing_controls",
    "methodology_version_id",
    "inherent_likelihood",
    "inherent_consequence",
    "inherent_level",
    "current_likelihood",
    "current_consequence",
    "current_level",
    "target_likelihood",
    "target_consequence",
    "target_level",
    "treatment_option",
    "treatment_description",
    "next_review",
    "accepted_until",
)


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _linked(ids: list[int]) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Asset refs and selected requirements of a chunk of risks (two queries)."""
    assets: dict[int, list[str]] = defaultdict(list)
    for risk_id, ref in (
        Risk.assets.through.objects.filter(risk_id__in=ids)
        .order_by("asset__ref")
        .values_list("risk_id", "asset__ref")
    ):
        assets[risk_id].append(ref)
    requirements: dict[int, list[str]] = defaultdict(list)
    for risk_id, ref_id, name in (
        Risk.annex_a_controls.through.objects.filter(risk_id__in=ids)
        .order_by("requirementnode__order")
        .values_list("risk_id", "requirementnode__ref_id", "requirementnode__name")
    ):
        requirements[risk_id].append(f"{ref_id} {name}".strip())
    return assets, requirements


def register_rows(*, organization: Any, filters: RiskFilter | None = None) -> Iterator[list[Any]]:
    """One list of cell values per risk, in the register's order (not yet neutralised).
    Plain values, no model instances: three queries per 2,000 risks."""
    scales = _Scales(organization)
    status = {k: str(v) for k, v in RiskStatus.choices}
    treatment = {k: str(v) for k, v in TreatmentOption.choices}
    accepted_until = Subquery(
        RiskAcceptance.objects.filter(risk=OuterRef("pk"))
        .order_by("-accepted_at")
        .values("valid_until")[:1]
    )
    qs = (
        risk_list(organization=organization, filters=filters)
        .annotate(accepted_until=accepted_until)
        .values_list(*VALUES)
    )
    for chunk in _chunks(qs.iterator(chunk_size=CHUNK)):
        assets, requirements = _linked([row[0] for row in chunk])
        for (
            pk,
            ref,
            title,
            description,
            owner,
            state,
            threat,
            controls,
            v,
            il,
            ic,
            ilevel,
            cl,
            cc,
            clevel,
            tl,
            tc,
            tlevel,
            option,
            option_text,
            next_review,
            until,
        ) in chunk:
            yield [
                ref,
                title,
                description,
                owner or "",
                status.get(state, state),
                "; ".join(assets.get(pk, ())),
                threat or "",
                controls,
                *scales.assessment(v, il, ic, ilevel),
                *scales.assessment(v, cl, cc, clevel),
                *scales.assessment(v, tl, tc, tlevel),
                treatment.get(option, option),
                option_text,
                "; ".join(requirements.get(pk, ())),
                next_review,
                until,
            ]


def _csv_value(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    value = cell(value)
    return "" if value is None else str(value)


def risk_register_csv(*, organization: Any, filters: RiskFilter | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_csv_value(h) for h in register_header()])
    for row in register_rows(organization=organization, filters=filters):
        writer.writerow([_csv_value(v) for v in row])
    return out.getvalue()


def filters_text(filters: RiskFilter | None) -> str:
    if filters is None:
        return _("none (all risks)")
    default = RiskFilter()
    used = [
        f"{f.name}={getattr(filters, f.name)}"
        for f in dataclasses.fields(RiskFilter)
        if getattr(filters, f.name) != getattr(default, f.name)
    ]
    return ", ".join(used) or _("none (all risks)")


def openisms_version() -> str:
    try:
        return importlib.metadata.version("openisms")
    except importlib.metadata.PackageNotFoundError:
        return _("unknown")


def risk_register_workbook(*, organization: Any, filters: RiskFilter | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(ws: Any, titles: list[Any]) -> None:
        cells = []
        for title in titles:
            c = WriteOnlyCell(ws, value=cell(title))
            c.font = bold
            cells.append(c)
        ws.append(cells)

    def append(ws: Any, values: list[Any]) -> None:
        ws.append([cell(v) for v in values])

    register = wb.create_sheet(_("Risk register"))
    register.freeze_panes = "C2"
    for letter, width in zip("ABCDEF", (10, 40, 40, 28, 18, 20), strict=True):
        register.column_dimensions[letter].width = width
    header(register, register_header())
    count = 0
    for row in register_rows(organization=organization, filters=filters):
        append(register, row)
        count += 1

    plan = wb.create_sheet(_("Treatment plan"))
    plan.freeze_panes = "A2"
    header(
        plan,
        [
            _("Risk"),
            _("Risk title"),
            _("Action"),
            _("Owner"),
            _("Due"),
            _("Status"),
            _("Overdue"),
            _("Progress"),
        ],
    )
    today = timezone.localdate()
    for a in treatment_plan(organization=organization):
        overdue = a.status in OPEN_ACTIONS and a.due_date and a.due_date < today
        append(
            plan,
            [
                a.risk.ref,
                a.risk.title,
                a.title,
                a.owner.email if a.owner else "",
                a.due_date,
                a.get_status_display(),
                _("yes") if overdue else "",
                a.progress_note,
            ],
        )

    version = methodology_current(organization=organization)
    _methodology_sheet(wb.create_sheet(_("Methodology")), version, header, append)

    about = wb.create_sheet(_("About"))
    for label, value in (
        (_("Organisation"), f"{organization.name} ({organization.slug})"),
        (_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M:%S %Z")),
        (_("OpenISMS version"), openisms_version()),
        (_("Methodology version"), version.number if version else _("none")),
        (_("Filters"), filters_text(filters)),
        (_("Risks exported"), count),
    ):
        append(about, [label, value])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _methodology_sheet(
    ws: Any, version: MethodologyVersion | None, header: Any, append: Any
) -> None:
    if version is None:
        append(ws, [_("No risk methodology is defined yet.")])
        return
    d = version.definition
    levels = {lv["key"]: lv["name"] for lv in d["levels"]}
    ws.column_dimensions["C"].width = 80
    append(ws, [_("Methodology"), version.methodology.name])
    append(ws, [_("Version"), version.number])
    append(ws, [_("Created"), timezone.localtime(version.created_at).date()])
    for scale, title in (("likelihood", _("Likelihood")), ("consequence", _("Consequence"))):
        append(ws, [])
        header(ws, [title])
        header(ws, [_("Value"), _("Label"), _("Criteria")])
        for e in d[scale]:
            append(ws, [e["value"], e["label"], e["criteria"]])
    append(ws, [])
    header(ws, [_("Risk levels")])
    header(ws, [_("Key"), _("Name"), _("Order"), _("Within appetite")])
    threshold_order = next(lv["order"] for lv in d["levels"] if lv["key"] == d["threshold"])
    for lv in d["levels"]:
        append(
            ws,
            [
                lv["key"],
                lv["name"],
                lv["order"],
                _("yes") if lv["order"] <= threshold_order else _("no"),
            ],
        )
    append(ws, [])
    header(ws, [_("Matrix (likelihood down, consequence across)")])
    header(ws, ["", *(e["label"] for e in d["consequence"])])
    for i in reversed(range(len(d["likelihood"]))):
        append(ws, [d["likelihood"][i]["label"], *(levels[k] for k in d["matrix"][i])])
    append(ws, [])
    role = d["acceptance_role_above_threshold"]
    for label, value in (
        (_("Acceptance threshold"), levels[d["threshold"]]),
        (_("Above the threshold, accepted by the organisation's"), role),
        (_("C/I/A rule"), d["cia_rule"]),
        (_("Risk review interval (days)"), d["risk_review_days"]),
        (_("Acceptance review interval (days)"), d["acceptance_review_days"]),
    ):
        append(ws, [label, value])
