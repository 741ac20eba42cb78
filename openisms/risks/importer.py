"""Risk register import from CSV or XLSX (all or nothing, idempotent).

Columns (header row, any order, case-insensitive): ``title`` required; ``ref``,
``description``, ``owner`` (e-mail of a member), ``assets`` (asset refs or names separated by
``;``), ``threat`` (threat ref or name), ``likelihood`` and ``impact`` (labels or values of the
organisation's current methodology scales, both or neither: the CURRENT assessment), optional
``inherent_likelihood``/``inherent_impact`` and ``target_likelihood``/``target_impact``,
``treatment`` (modify/retain/avoid/share), ``status`` (value or label), ``existing_controls``.
The register export's column titles ("Current likelihood", "Current consequence"…) are
recognised too, so an exported register imports back unchanged.

Every row is checked before anything is written; a file with any problem is refused with every
problem listed (row, column, reason). A row whose ref exists updates that risk through the
services (only what differs); a row without ref matches an existing risk with exactly that
title, if only one. An empty cell leaves the field as it is. Importing the same file twice
changes nothing the second time.

Status: the lifecycle rules (``risk_transition``) do not apply to an import, which restores a
register kept elsewhere. Only a manager or owner of the organisation
(``risks.manage_methodology``) may set a status by import, and may set any status
(``risk_import_status``, audited as ``risk.import_status``); an ``accepted`` status without a
recorded acceptance is reported as a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openisms.assets.importer import members_by_email
from openisms.assets.models import Asset
from openisms.core.exceptions import ConflictError
from openisms.core.gate import require, scoped
from openisms.core.services import record_update
from openisms.core.spreadsheets import (
    Column,
    Columns,
    ImportFailed,
    ImportResult,
    Problem,
    choice_value,
    choices_by_text,
    problems_from,
    read_table,
    row_values,
    split_list,
)
from openisms.risks import services
from openisms.risks.choices import RiskStatus, TreatmentOption
from openisms.risks.methodology import Method
from openisms.risks.models import Risk, RiskAcceptance
from openisms.risks.selectors import methodology_current, threat_list

COLUMNS = Columns(
    [
        Column("ref", gettext_lazy("Ref")),
        Column("title", gettext_lazy("Title")),
        Column("description", gettext_lazy("Description")),
        Column("owner", gettext_lazy("Owner")),
        Column("status", gettext_lazy("Status")),
        Column("assets", gettext_lazy("Assets")),
        Column("threat", gettext_lazy("Threat")),
        Column("existing_controls", gettext_lazy("Existing controls")),
        Column("inherent_likelihood", gettext_lazy("Inherent likelihood")),
        Column("inherent_impact", gettext_lazy("Inherent consequence"), ("inherent_consequence",)),
        Column("likelihood", gettext_lazy("Current likelihood"), ("current_likelihood",)),
        Column(
            "impact",
            gettext_lazy("Current consequence"),
            ("consequence", "current_impact", "current_consequence"),
        ),
        Column("target_likelihood", gettext_lazy("Target likelihood")),
        Column("target_impact", gettext_lazy("Target consequence"), ("target_consequence",)),
        Column("treatment", gettext_lazy("Treatment"), ("treatment_option",)),
    ],
    required=("title",),
)
TEXT_FIELDS = ("title", "description", "existing_controls")
# (assessment, likelihood column, impact column)
PAIRS = (
    ("inherent", "inherent_likelihood", "inherent_impact"),
    ("current", "likelihood", "impact"),
    ("target", "target_likelihood", "target_impact"),
)
TREATMENT_WORDS = {
    "reduce": TreatmentOption.MODIFY,
    "mitigate": TreatmentOption.MODIFY,
    "accept": TreatmentOption.RETAIN,
    "tolerate": TreatmentOption.RETAIN,
    "transfer": TreatmentOption.SHARE,
    "terminate": TreatmentOption.AVOID,
}
CHUNK = 500


def risk_import_status(*, risk: Risk, actor: Any, status: str) -> Risk:
    """Set a status as a register kept elsewhere had it (managers and owners only; the
    lifecycle rules of ``risk_transition`` do not apply)."""
    require(actor, "risks.manage_methodology", risk)
    if status not in RiskStatus.values:
        raise ValidationError({"status": _("Unknown status “%s”.") % status})
    return record_update(
        risk,
        actor=actor,
        data={"status": status},
        expected_version=risk.version,
        action="risk.import_status",
    )


@dataclass
class _Row:
    number: int
    ref: str
    data: dict[str, Any]
    assets: list[Asset] | None
    pairs: dict[str, tuple[int, int]]
    treatment: str
    status: str
    existing: Risk | None = None
    problems: list[Problem] = field(default_factory=list)


class _Context:
    """Everything the rows are checked against, loaded in a few queries."""

    def __init__(self, organization: Any) -> None:
        self.organization = organization
        self.members = members_by_email(organization)
        self.treatments = choices_by_text(TreatmentOption.choices)
        self.statuses = choices_by_text(RiskStatus.choices)
        version = methodology_current(organization=organization)
        self.method = Method(version.definition) if version else None
        self.assets: dict[str, Asset] = {}
        self.asset_names: dict[str, list[Asset]] = {}
        for a in scoped(Asset, organization).only("pk", "ref", "name", "organization_id"):
            self.assets[a.ref.lower()] = a
            self.asset_names.setdefault(a.name.strip().lower(), []).append(a)
        self.threats: dict[str, Any] = {}
        for t in threat_list(organization=organization):
            self.threats.setdefault(t.ref.lower(), t)
            self.threats.setdefault(t.name.strip().lower(), t)

    def scale(self, name: str) -> str:
        assert self.method is not None
        return ", ".join(e["label"] for e in self.method.d[name])


def _parse(number: int, cells: dict[str, str], ctx: _Context) -> _Row:
    problems: list[Problem] = []

    def bad(column: str, reason: str) -> None:
        problems.append(Problem(number, column, reason))

    data: dict[str, Any] = {name: cells[name] for name in TEXT_FIELDS if cells.get(name)}
    if not cells.get("title"):
        bad("title", _("A title is required."))
    if cells.get("owner"):
        data["owner"] = ctx.members.get(cells["owner"].lower())
        if data["owner"] is None:
            bad("owner", _("No member of this organisation has the e-mail “%s”.") % cells["owner"])
    if cells.get("threat"):
        data["threat"] = ctx.threats.get(cells["threat"].strip().lower())
        if data["threat"] is None:
            bad("threat", _("Unknown threat “%s” (give its ref or name).") % cells["threat"])
    assets = None
    if cells.get("assets"):
        assets = []
        for text in split_list(cells["assets"]):
            asset = ctx.assets.get(text.lower())
            named = ctx.asset_names.get(text.lower(), [])
            if asset is None and len(named) == 1:
                asset = named[0]
            if asset is None:
                bad(
                    "assets",
                    _("“%s” names several assets; give its ref.") % text
                    if named
                    else _("Unknown asset “%s” (give its ref or name).") % text,
                )
            else:
                assets.append(asset)
    pairs = _parse_pairs(cells, ctx, bad)
    treatment = ""
    if cells.get("treatment"):
        text = cells["treatment"]
        treatment = TREATMENT_WORDS.get(text.strip().lower()) or choice_value(text, ctx.treatments)
        if not treatment:
            bad(
                "treatment",
                _("Unknown treatment “%(v)s” (one of: %(all)s).")
                % {"v": text, "all": ", ".join(TreatmentOption.values)},
            )
    status = ""
    if cells.get("status"):
        status = choice_value(cells["status"], ctx.statuses) or ""
        if not status:
            bad(
                "status",
                _("Unknown status “%(v)s” (one of: %(all)s).")
                % {"v": cells["status"], "all": ", ".join(RiskStatus.values)},
            )
    row = _Row(number, cells.get("ref", ""), data, assets, pairs, treatment, status, None, problems)
    if not problems:
        _check_fields(row)
    return row


def _parse_pairs(cells: dict[str, str], ctx: _Context, bad: Any) -> dict[str, tuple[int, int]]:
    pairs: dict[str, tuple[int, int]] = {}
    for name, l_col, c_col in PAIRS:
        l_text, c_text = cells.get(l_col, ""), cells.get(c_col, "")
        if not l_text and not c_text:
            continue
        if not c_text:
            bad(c_col, _("Give the impact too (%s has a likelihood only).") % name)
            continue
        if not l_text:
            bad(l_col, _("Give the likelihood too (%s has an impact only).") % name)
            continue
        if ctx.method is None:
            bad(l_col, _("Define the risk methodology before importing assessments."))
            continue
        likelihood = ctx.method.value_for("likelihood", l_text)
        impact = ctx.method.value_for("consequence", c_text)
        if likelihood is None:
            bad(
                l_col,
                _("“%(v)s” is not on the likelihood scale (%(all)s).")
                % {"v": l_text, "all": ctx.scale("likelihood")},
            )
        if impact is None:
            bad(
                c_col,
                _("“%(v)s” is not on the consequence scale (%(all)s).")
                % {"v": c_text, "all": ctx.scale("consequence")},
            )
        if likelihood is not None and impact is not None:
            pairs[name] = (likelihood, impact)
    return pairs


def _check_fields(row: _Row) -> None:
    """Lengths as the model checks them, without a query."""
    probe = Risk(**{k: v for k, v in row.data.items() if k in TEXT_FIELDS})
    try:
        probe.clean_fields(exclude=["organization", "ref", "version", "owner", "threat"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            if name in row.data:
                row.problems.append(Problem(row.number, name, " ".join(messages)))
    if len(row.ref) > 30:
        row.problems.append(Problem(row.number, "ref", _("A ref has at most 30 characters.")))


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _match(rows: list[_Row], organization: Any, problems: list[Problem]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        if row.ref:
            if row.ref in seen:
                problems.append(
                    Problem(
                        row.number,
                        "ref",
                        _("Ref %(r)s is already on row %(n)d.")
                        % {"r": row.ref, "n": seen[row.ref]},
                    )
                )
            seen.setdefault(row.ref, row.number)
    existing: dict[str, Risk] = {}
    for part in _chunks(sorted(seen)):
        existing.update({r.ref: r for r in scoped(Risk, organization).filter(ref__in=part)})
    titles = sorted({row.data["title"] for row in rows if not row.ref and "title" in row.data})
    by_title: dict[str, list[Risk]] = {}
    for part in _chunks(titles):
        for r in scoped(Risk, organization).filter(title__in=part):
            by_title.setdefault(r.title, []).append(r)
    for row in rows:
        if row.ref:
            row.existing = existing.get(row.ref)
        elif len(by_title.get(row.data.get("title", ""), [])) == 1:
            row.existing = by_title[row.data["title"]][0]


def _check_rights(rows: list[_Row], ctx: _Context, actor: Any, problems: list[Problem]) -> None:
    manager = actor.has_perm("risks.manage_methodology", ctx.organization)
    for row in rows:
        target = row.existing or Risk(
            organization=ctx.organization, owner=row.data.get("owner") or actor
        )
        if not actor.has_perm("risks.change_risk", target):
            problems.append(
                Problem(
                    row.number,
                    "ref" if row.existing else "owner",
                    _("Your role does not allow changing %s.") % row.existing
                    if row.existing
                    else _("Your role allows registering only risks that you own."),
                )
            )
        current = row.existing.status if row.existing else RiskStatus.IDENTIFIED
        if row.status and row.status != current and not manager:
            problems.append(
                Problem(
                    row.number,
                    "status",
                    _("Only a manager or owner of the organisation sets a status by import."),
                )
            )


def _changes(risk: Risk, data: dict[str, Any]) -> dict[str, Any]:
    changed = {}
    for name, value in data.items():
        if name in ("owner", "threat"):
            if getattr(risk, f"{name}_id") != value.pk:
                changed[name] = value
        elif getattr(risk, name) != value:
            changed[name] = value
    return changed


def risk_import(
    *,
    organization: Any,
    actor: Any,
    source: Path | bytes | IO[bytes],
    filename: str = "",
    dry_run: bool = False,
) -> ImportResult:
    """Check every row, then create or update the risks in one transaction; ImportFailed
    (listing every problem) and nothing written otherwise. ``dry_run`` checks and counts."""
    require(actor, "risks.change_risk", organization)
    table = read_table(source, filename=filename)
    index, warnings, problems = COLUMNS.bind(table.header)
    if problems:
        raise ImportFailed(problems)
    ctx = _Context(organization)
    rows = [_parse(n, row_values(index, cells), ctx) for n, cells in table.rows]
    for row in rows:
        problems.extend(row.problems)
    _match(rows, organization, problems)
    _check_rights(rows, ctx, actor, problems)
    if problems:
        raise ImportFailed(problems)
    result = ImportResult(warnings=warnings, dry_run=dry_run)
    with transaction.atomic():
        _apply(rows, organization=organization, actor=actor, result=result)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _current_assets(rows: list[_Row]) -> dict[int, set[int]]:
    ids = [row.existing.pk for row in rows if row.existing and row.assets is not None]
    current: dict[int, set[int]] = {}
    through = Risk.assets.through
    for i in range(0, len(ids), CHUNK):
        for risk_id, asset_id in through.objects.filter(risk_id__in=ids[i : i + CHUNK]).values_list(
            "risk_id", "asset_id"
        ):
            current.setdefault(risk_id, set()).add(asset_id)
    return current


def _apply(rows: list[_Row], *, organization: Any, actor: Any, result: ImportResult) -> None:
    problems: list[Problem] = []
    current_assets = _current_assets(rows)
    accepted = set(
        scoped(RiskAcceptance, organization)
        .filter(valid_until__gte=timezone.localdate())
        .values_list("risk_id", flat=True)
    )
    for row in rows:
        try:
            with transaction.atomic():
                changed = _apply_row(row, organization, actor, current_assets)
        except (ValidationError, PermissionDenied, ConflictError) as exc:
            problems.extend(problems_from(row.number, exc))
            continue
        assert row.existing is not None
        if changed == "created":
            result.created += 1
        elif changed:
            result.updated += 1
        else:
            result.unchanged += 1
        if row.status == RiskStatus.ACCEPTED and row.existing.pk not in accepted:
            result.warnings.append(
                _("Row %(n)d: %(risk)s is accepted but has no valid acceptance recorded.")
                % {"n": row.number, "risk": row.existing.ref}
            )
    if problems:
        raise ImportFailed(problems)


def _apply_row(
    row: _Row, organization: Any, actor: Any, current_assets: dict[int, set[int]]
) -> str | bool:
    risk = row.existing
    outcome: str | bool = False
    if risk is None:
        risk = services.risk_create(
            organization=organization, actor=actor, ref=row.ref, assets=row.assets, **row.data
        )
        row.existing = risk
        outcome = "created"
    else:
        changed = _changes(risk, row.data)
        assets = row.assets
        if assets is not None and {a.pk for a in assets} == current_assets.get(risk.pk, set()):
            assets = None
        if changed or assets is not None:
            services.risk_update(
                risk=risk, actor=actor, version=risk.version, assets=assets, **changed
            )
            outcome = True
    if row.treatment and row.treatment != risk.treatment_option:
        services.risk_set_treatment(
            risk=risk,
            actor=actor,
            version=risk.version,
            option=row.treatment,
            description=risk.treatment_description,
        )
        outcome = outcome or True
    pairs = {
        name: pair
        for name, pair in row.pairs.items()
        if (getattr(risk, f"{name}_likelihood"), getattr(risk, f"{name}_consequence")) != pair
    }
    if pairs:
        services.risk_assess(
            risk=risk,
            actor=actor,
            version=risk.version,
            inherent=pairs.get("inherent"),
            current=pairs.get("current"),
            target=pairs.get("target"),
        )
        outcome = outcome or True
    if row.status and row.status != risk.status:
        risk_import_status(risk=risk, actor=actor, status=row.status)
        outcome = outcome or True
    return outcome
