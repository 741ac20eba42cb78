"""Asset inventory import from CSV or XLSX (all or nothing, idempotent).

Columns (header row, any order, case-insensitive): ``name`` and ``type`` required; ``ref``,
``owner`` and ``custodian`` (e-mail of a member), ``description``, ``classification`` (a level
of the organisation's scheme), ``confidentiality``/``integrity``/``availability`` (1–4 or
Low/Medium/High/Very high), ``location``, ``lifecycle``, ``in_scope`` (true/false/yes/no),
``depends_on`` (refs separated by ``;``, of existing assets or of rows of the same file).

Every row is checked before anything is written; a file with any problem is refused with
every problem listed (row, column, reason). A row whose ref exists updates that asset (only
the fields that differ, through the services); a row without ref matches an existing asset
of the same name, if exactly one. An empty cell leaves the field as it is (on create: the
default). Importing the same file twice therefore changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openisms.assets import services
from openisms.assets.choices import AssetType, Lifecycle, Requirement
from openisms.assets.models import Asset
from openisms.assets.selectors import classification_list
from openisms.core.exceptions import ConflictError
from openisms.core.gate import require, scoped
from openisms.core.spreadsheets import (
    Column,
    Columns,
    ImportFailed,
    ImportResult,
    Problem,
    choice_value,
    choices_by_text,
    parse_bool,
    problems_from,
    read_table,
    row_values,
    split_list,
)

COLUMNS = Columns(
    [
        Column("ref", gettext_lazy("Ref")),
        Column("name", gettext_lazy("Name")),
        Column("type", gettext_lazy("Type")),
        Column("owner", gettext_lazy("Owner")),
        Column("custodian", gettext_lazy("Custodian")),
        Column("description", gettext_lazy("Description")),
        Column("classification", gettext_lazy("Classification")),
        Column("confidentiality", gettext_lazy("Confidentiality"), ("c",)),
        Column("integrity", gettext_lazy("Integrity"), ("i",)),
        Column("availability", gettext_lazy("Availability"), ("a",)),
        Column("location", gettext_lazy("Location")),
        Column("lifecycle", gettext_lazy("Lifecycle"), ("lifecycle_status",)),
        Column("in_scope", gettext_lazy("In scope"), ("in_isms_scope",)),
        Column("depends_on", gettext_lazy("Depends on"), ("dependencies",)),
    ],
    required=("name", "type"),
)
TEXT_FIELDS = ("name", "description", "location")
CIA = ("confidentiality", "integrity", "availability")
FOREIGN_KEYS = ("owner", "custodian", "classification")


def members_by_email(organization: Any) -> dict[str, Any]:
    """Current members of the organisation by lower-case e-mail (one query)."""
    from openisms.accounts.selectors import member_list

    return {
        m.user.email.lower(): m.user
        for m in member_list(organization=organization)
        if m.is_current() and m.user.is_active
    }


@dataclass
class _Row:
    number: int
    ref: str
    data: dict[str, Any]
    depends_on: list[str] | None
    existing: Asset | None = None
    problems: list[Problem] = field(default_factory=list)


class _Context:
    """Everything the rows are checked against, loaded in a few queries."""

    def __init__(self, organization: Any) -> None:
        self.members = members_by_email(organization)
        self.types = choices_by_text(AssetType.choices)
        self.requirements = choices_by_text(Requirement.choices)
        self.lifecycles = choices_by_text(Lifecycle.choices)
        self.levels = {lv.name.lower(): lv for lv in classification_list(organization=organization)}
        self.assets = {a.ref: a for a in scoped(Asset, organization)}
        self.by_name: dict[str, list[Asset]] = {}
        for a in self.assets.values():
            self.by_name.setdefault(a.name.strip().lower(), []).append(a)


def _parse(number: int, cells: dict[str, str], ctx: _Context) -> _Row:
    problems: list[Problem] = []

    def bad(column: str, reason: str) -> None:
        problems.append(Problem(number, column, reason))

    data: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if cells.get(name):
            data[name] = cells[name]
    if not cells.get("name"):
        bad("name", _("A name is required."))
    if cells.get("type"):
        value = choice_value(cells["type"], ctx.types)
        if value is None:
            bad(
                "type",
                _("Unknown type “%(v)s” (one of: %(all)s).")
                % {"v": cells["type"], "all": ", ".join(AssetType.values)},
            )
        data["type"] = value
    else:
        bad("type", _("A type is required."))
    for name in ("owner", "custodian"):
        if cells.get(name):
            user = ctx.members.get(cells[name].lower())
            if user is None:
                bad(name, _("No member of this organisation has the e-mail “%s”.") % cells[name])
            data[name] = user
    if cells.get("classification"):
        level = ctx.levels.get(cells["classification"].lower())
        if level is None:
            bad(
                "classification",
                _("Unknown classification “%(v)s” (one of: %(all)s).")
                % {
                    "v": cells["classification"],
                    "all": ", ".join(lv.name for lv in ctx.levels.values()),
                },
            )
        data["classification"] = level
    for name in CIA:
        if cells.get(name):
            value = choice_value(cells[name], ctx.requirements)
            if value is None:
                bad(
                    name,
                    _("“%s” is not 1–4 or Low/Medium/High/Very high.") % cells[name],
                )
            data[name] = value
    if cells.get("lifecycle"):
        value = choice_value(cells["lifecycle"], ctx.lifecycles)
        if value is None:
            bad(
                "lifecycle",
                _("Unknown lifecycle status “%(v)s” (one of: %(all)s).")
                % {"v": cells["lifecycle"], "all": ", ".join(Lifecycle.values)},
            )
        data["lifecycle"] = value
    if cells.get("in_scope"):
        flag = parse_bool(cells["in_scope"])
        if flag is None:
            bad("in_scope", _("“%s” is not true/false or yes/no.") % cells["in_scope"])
        data["in_scope"] = flag
    depends = split_list(cells["depends_on"]) if cells.get("depends_on") else None
    row = _Row(number, cells.get("ref", ""), data, depends, problems=problems)
    if not problems:
        _check_fields(row)
    return row


def _check_fields(row: _Row) -> None:
    """Lengths and choices as the model checks them, without a query."""
    probe = Asset(**row.data)
    try:
        probe.clean_fields(exclude=[*FOREIGN_KEYS, "organization", "ref", "version"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            if name in row.data:
                row.problems.append(Problem(row.number, name, " ".join(messages)))
    if len(row.ref) > Asset._meta.get_field("ref").max_length:  # type: ignore[operator]
        row.problems.append(Problem(row.number, "ref", _("A ref has at most 30 characters.")))


def _match(rows: list[_Row], ctx: _Context, problems: list[Problem]) -> None:
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
            row.existing = ctx.assets.get(row.ref)
        elif row.data.get("name"):
            same = ctx.by_name.get(row.data["name"].strip().lower(), [])
            if len(same) == 1:
                row.existing = same[0]
    known = set(ctx.assets) | set(seen)
    for row in rows:
        for ref in row.depends_on or []:
            if ref not in known:
                problems.append(
                    Problem(row.number, "depends_on", _("Unknown asset ref “%s”.") % ref)
                )
            elif ref == (row.ref or (row.existing.ref if row.existing else None)):
                problems.append(
                    Problem(row.number, "depends_on", _("An asset cannot depend on itself."))
                )


def _check_permissions(rows: list[_Row], actor: Any, problems: list[Problem]) -> None:
    for row in rows:
        if row.existing is not None and not actor.has_perm("assets.change_asset", row.existing):
            problems.append(
                Problem(
                    row.number, "ref", _("Your role does not allow changing %s.") % row.existing
                )
            )


def _changes(asset: Asset, data: dict[str, Any]) -> dict[str, Any]:
    changed = {}
    for name, value in data.items():
        if name in FOREIGN_KEYS:  # compare ids: no query for the related row
            if getattr(asset, f"{name}_id") != (value.pk if value is not None else None):
                changed[name] = value
        elif getattr(asset, name) != value:
            changed[name] = value
    return changed


def asset_import(
    *,
    organization: Any,
    actor: Any,
    source: Path | bytes | IO[bytes],
    filename: str = "",
    dry_run: bool = False,
) -> ImportResult:
    """Check every row, then create or update the assets in one transaction; ImportFailed
    (listing every problem) and nothing written otherwise. ``dry_run`` checks and counts."""
    require(actor, "assets.change_asset", organization)
    table = read_table(source, filename=filename)
    index, warnings, problems = COLUMNS.bind(table.header)
    if problems:
        raise ImportFailed(problems)
    ctx = _Context(organization)
    rows = [_parse(n, row_values(index, cells), ctx) for n, cells in table.rows]
    for row in rows:
        problems.extend(row.problems)
    _match(rows, ctx, problems)
    _check_permissions(rows, actor, problems)
    if problems:
        raise ImportFailed(problems)
    result = ImportResult(warnings=warnings, dry_run=dry_run)
    with transaction.atomic():
        _apply(rows, organization=organization, actor=actor, ctx=ctx, result=result)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _dependency_edges(organization: Any) -> dict[int, set[int]]:
    """Asset id → ids it depends on, for the whole organisation (one query)."""
    edges: dict[int, set[int]] = {}
    for src, dst in Asset.depends_on.through.objects.filter(
        from_asset__organization=organization
    ).values_list("from_asset_id", "to_asset_id"):
        edges.setdefault(src, set()).add(dst)
    return edges


def _apply(
    rows: list[_Row], *, organization: Any, actor: Any, ctx: _Context, result: ImportResult
) -> None:
    """New rows are created in bulk first; existing rows are updated in file order (with their
    dependencies when every target is known); the remaining dependencies are set last."""
    problems: list[Problem] = []
    by_ref: dict[str, Asset] = dict(ctx.assets)
    edges = _dependency_edges(organization)
    touched: set[int] = set()
    later: list[_Row] = []
    # New assets are created in bulk (same checks, one audit event each); their dependencies
    # are set afterwards with the other rows' below.
    new_rows = [row for row in rows if row.existing is None]
    created = {row.number for row in new_rows}
    if new_rows:
        try:
            new_assets = services.asset_create_many(
                organization=organization,
                actor=actor,
                items=[{"ref": row.ref, **row.data} for row in new_rows],
            )
        except (ValidationError, PermissionDenied) as exc:
            raise ImportFailed(problems_from(0, exc)) from exc
        for row, asset in zip(new_rows, new_assets, strict=True):
            row.existing = asset
            by_ref[asset.ref] = asset
            touched.add(row.number)
            result.created += 1
            if row.depends_on:
                later.append(row)
    for row in rows:
        if row.number in touched or row.existing is None:
            continue
        asset = row.existing
        extra: dict[str, Any] = {}
        if row.depends_on is not None:
            if all(ref in by_ref for ref in row.depends_on):
                extra["depends_on"] = [by_ref[ref] for ref in row.depends_on]
            else:
                later.append(row)
        try:
            with transaction.atomic():
                changed = _changes(asset, row.data)
                targets = extra.get("depends_on")
                if targets is not None and {t.pk for t in targets} != edges.get(asset.pk, set()):
                    changed["depends_on"] = targets
                if changed:
                    services.asset_update(
                        asset=asset, actor=actor, version=asset.version, **changed
                    )
                    touched.add(row.number)
            by_ref[asset.ref] = asset
            row.existing = asset
        except (ValidationError, PermissionDenied, ConflictError) as exc:
            problems.extend(problems_from(row.number, exc))
    if not problems:
        # Dependencies of the assets this import created: in bulk (they had none before).
        fresh = [row for row in later if row.number in created and row.existing is not None]
        try:
            services.asset_dependencies_set_many(
                organization=organization,
                actor=actor,
                pairs=[
                    (row.existing, [by_ref[ref] for ref in row.depends_on or []])
                    for row in fresh
                    if row.existing
                ],
            )
        except (ValidationError, PermissionDenied) as exc:
            problems.extend(problems_from(0, exc))
        fresh_numbers = {row.number for row in fresh}
        later = [row for row in later if row.number not in fresh_numbers]
    if not problems:
        problems = _apply_later(later, actor=actor, by_ref=by_ref, edges=edges, touched=touched)
    if problems:
        raise ImportFailed(problems)
    result.updated = len(touched) - result.created
    result.unchanged = len(rows) - result.created - result.updated


def _apply_later(
    rows: list[_Row],
    *,
    actor: Any,
    by_ref: dict[str, Asset],
    edges: dict[int, set[int]],
    touched: set[int],
) -> list[Problem]:
    problems: list[Problem] = []
    for row in rows:
        asset = row.existing
        assert asset is not None
        targets = [by_ref[ref] for ref in row.depends_on or []]
        if {t.pk for t in targets} == edges.get(asset.pk, set()):
            continue
        try:
            with transaction.atomic():
                services.asset_update(
                    asset=asset, actor=actor, version=asset.version, depends_on=targets
                )
            touched.add(row.number)
        except (ValidationError, PermissionDenied, ConflictError) as exc:
            problems.extend(problems_from(row.number, exc))
    return problems
