"""The risk method as data: validation (naming the offending cell), level lookup, presets.

A definition is a plain dict stored in an immutable ``MethodologyVersion``:

    likelihood / consequence: [{value, label, criteria}], ascending, 3–7 entries
    cia_rule: "max" (consequence judged per C/I/A, the highest counts) or "single"
    levels: [{key, name, colour, order}]
    matrix: matrix[i][j] = level key for likelihood i and consequence j (ascending)
    threshold: level key; levels at or below it may be retained by the risk owner
    acceptance_role_above_threshold: "owner" or "manager"
    risk_review_days, acceptance_review_days: whole days
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PRESETS_FILE = Path(__file__).resolve().parent / "content" / "methodology_presets.yaml"
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


def _scale(defn: dict[str, Any], name: str, errors: list[str]) -> list[dict[str, Any]]:
    scale = defn.get(name)
    if not isinstance(scale, list) or not 3 <= len(scale) <= 7:
        errors.append(_("The %s scale needs 3 to 7 levels.") % name)
        return []
    values, labels = set(), set()
    for i, entry in enumerate(scale, start=1):
        if not isinstance(entry, dict):
            errors.append(_("%(scale)s level %(n)d is not a mapping.") % {"scale": name, "n": i})
            continue
        value, label = entry.get("value"), str(entry.get("label", "")).strip()
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(
                _("%(scale)s level %(n)d: the value must be a whole number.")
                % {"scale": name, "n": i}
            )
        elif value in values:
            errors.append(
                _("%(scale)s level %(n)d: duplicate value %(v)s.")
                % {"scale": name, "n": i, "v": value}
            )
        values.add(value)
        if not label:
            errors.append(_("%(scale)s level %(n)d needs a label.") % {"scale": name, "n": i})
        elif label.lower() in labels:
            errors.append(
                _("%(scale)s level %(n)d: duplicate label “%(l)s”.")
                % {"scale": name, "n": i, "l": label}
            )
        labels.add(label.lower())
    ordered = [e["value"] for e in scale if isinstance(e, dict) and isinstance(e.get("value"), int)]
    if len(ordered) == len(scale) and ordered != sorted(ordered):
        errors.append(_("The %s scale must be in ascending order of value.") % name)
    return scale


def validate(defn: Any) -> dict[str, Any]:
    """The definition, normalised; ValidationError listing every problem otherwise."""
    if not isinstance(defn, dict):
        raise ValidationError(_("A methodology definition is a mapping."))
    errors: list[str] = []
    likelihood = _scale(defn, "likelihood", errors)
    consequence = _scale(defn, "consequence", errors)
    levels = defn.get("levels")
    keys: dict[str, int] = {}
    if not isinstance(levels, list) or not 2 <= len(levels) <= 7:
        errors.append(_("Define 2 to 7 risk levels."))
        levels = []
    orders = set()
    for i, level in enumerate(levels, start=1):
        key = str(level.get("key", "")) if isinstance(level, dict) else ""
        if not KEY.match(key):
            errors.append(_("Risk level %d needs a key of lowercase letters, digits and _.") % i)
            continue
        if key in keys:
            errors.append(_("Duplicate risk level “%s”.") % key)
        if not str(level.get("name", "")).strip():
            errors.append(_("Risk level “%s” needs a name.") % key)
        if not COLOUR.match(str(level.get("colour", ""))):
            errors.append(_("Risk level “%s”: colour must be #rrggbb.") % key)
        order = level.get("order")
        if not isinstance(order, int) or order in orders:
            errors.append(_("Risk level “%s”: order must be a whole number, unique.") % key)
        orders.add(order)
        keys[key] = order if isinstance(order, int) else 0
    matrix = defn.get("matrix")
    if likelihood and consequence:
        if not isinstance(matrix, list) or len(matrix) != len(likelihood):
            errors.append(
                _("The matrix needs one row per likelihood level (%d).") % len(likelihood)
            )
        else:
            for i, row in enumerate(matrix):
                l_label = likelihood[i].get("label", i + 1)
                if not isinstance(row, list) or len(row) != len(consequence):
                    errors.append(
                        _("Matrix row for likelihood “%(l)s” needs %(n)d cells.")
                        % {"l": l_label, "n": len(consequence)}
                    )
                    continue
                for j, cell in enumerate(row):
                    c_label = consequence[j].get("label", j + 1)
                    if cell in (None, ""):
                        errors.append(
                            _("Matrix cell likelihood “%(l)s” × consequence “%(c)s” is empty.")
                            % {"l": l_label, "c": c_label}
                        )
                    elif cell not in keys:
                        errors.append(
                            _(
                                "Matrix cell likelihood “%(l)s” × consequence “%(c)s”: unknown level “%(v)s”."
                            )
                            % {"l": l_label, "c": c_label, "v": cell}
                        )
    threshold = defn.get("threshold")
    if threshold not in keys:
        errors.append(_("The acceptance threshold “%s” is not one of the risk levels.") % threshold)
    if defn.get("cia_rule", "max") not in ("max", "single"):
        errors.append(_("cia_rule must be “max” or “single”."))
    if defn.get("acceptance_role_above_threshold", "owner") not in ("owner", "manager"):
        errors.append(_("acceptance_role_above_threshold must be “owner” or “manager”."))
    for field in ("risk_review_days", "acceptance_review_days"):
        value = defn.get(field, 365)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 3650:
            errors.append(_("%s must be a whole number of days between 1 and 3650.") % field)
    if errors:
        raise ValidationError(errors)
    return {
        "likelihood": [
            {
                "value": e["value"],
                "label": str(e["label"]).strip(),
                "criteria": str(e.get("criteria", "")),
            }
            for e in likelihood
        ],
        "consequence": [
            {
                "value": e["value"],
                "label": str(e["label"]).strip(),
                "criteria": str(e.get("criteria", "")),
            }
            for e in consequence
        ],
        "cia_rule": defn.get("cia_rule", "max"),
        "levels": sorted(
            (
                {
                    "key": lv["key"],
                    "name": str(lv["name"]).strip(),
                    "colour": lv["colour"],
                    "order": lv["order"],
                }
                for lv in levels
            ),
            key=lambda lv: lv["order"],
        ),
        "matrix": [list(row) for row in matrix],  # type: ignore[union-attr]
        "threshold": threshold,
        "acceptance_role_above_threshold": defn.get("acceptance_role_above_threshold", "owner"),
        "risk_review_days": defn.get("risk_review_days", 365),
        "acceptance_review_days": defn.get("acceptance_review_days", 365),
    }


class Method:
    """Lookups over a validated definition."""

    def __init__(self, definition: dict[str, Any]) -> None:
        self.d = definition
        self.l_index = {e["value"]: i for i, e in enumerate(definition["likelihood"])}
        self.c_index = {e["value"]: i for i, e in enumerate(definition["consequence"])}
        self.levels = {lv["key"]: lv for lv in definition["levels"]}

    def level(self, likelihood: int | None, consequence: int | None) -> str:
        if likelihood is None or consequence is None:
            return ""
        try:
            return str(self.d["matrix"][self.l_index[likelihood]][self.c_index[consequence]])
        except KeyError as exc:
            raise ValidationError(
                _("%(l)s × %(c)s is not on this methodology's scales.")
                % {"l": likelihood, "c": consequence}
            ) from exc

    def order(self, level_key: str) -> int:
        return int(self.levels[level_key]["order"]) if level_key in self.levels else 0

    def within_appetite(self, level_key: str) -> bool:
        return self.order(level_key) <= self.order(self.d["threshold"])

    def value_for(self, scale: str, text: str) -> int | None:
        """A scale value from its number or label (case-insensitive)."""
        text = str(text).strip()
        for entry in self.d[scale]:
            if text == str(entry["value"]) or text.lower() == entry["label"].lower():
                return int(entry["value"])
        return None


@cache
def presets() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(PRESETS_FILE.read_text(encoding="utf-8"))["presets"]
    return {
        key: {"name": p["name"], "description": p.get("description", ""), "definition": validate(p)}
        for key, p in data.items()
    }
