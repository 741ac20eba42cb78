"""The risk assessment methodology as a Markdown document (ISO/IEC 27001 6.1.2, 7.5): scales
with their criteria, risk levels, the matrix as a table, the acceptance threshold and role, and
the review intervals — generated from the organisation's current methodology version."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from openisms.documents.rendering import table_cell

TITLE = "Risk assessment methodology"
ROLE_WORDS = {"owner": "the organisation's owner (top management)", "manager": "a manager"}


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(table_cell(c) for c in cells) + " |"


def _table(header: list[Any], rows: list[list[Any]]) -> list[str]:
    return [_row(header), "|" + "---|" * len(header), *(_row(r) for r in rows)]


def methodology_markdown(version: Any, *, organization_name: str) -> str:
    """The Markdown body for a ``MethodologyVersion``."""
    d = version.definition
    levels = {lv["key"]: lv for lv in d["levels"]}
    threshold = levels.get(d["threshold"], {"name": d["threshold"]})
    above = [lv["name"] for lv in d["levels"] if lv["order"] > threshold.get("order", 0)]
    created = version.created_at.date().isoformat() if version.created_at else ""
    lines = [
        f"# {TITLE}",
        "",
        _(
            "This document describes how %(org)s identifies, analyses and evaluates information "
            "security risks (ISO/IEC 27001:2022 6.1.2). It was generated from the risk "
            "methodology “%(name)s”, version %(number)s (%(date)s); regenerate it when the "
            "methodology changes."
        )
        % {
            "org": organization_name,
            "name": version.methodology.name,
            "number": version.number,
            "date": created,
        },
        "",
        "## " + _("Risk analysis"),
        "",
        _(
            "Each risk is analysed by estimating the likelihood of the scenario and its "
            "consequence on the scales below; the risk level follows from the matrix."
        ),
        "",
    ]
    if d.get("cia_rule", "max") == "max":
        lines += [
            _(
                "The consequence is judged separately for confidentiality, integrity and "
                "availability; the highest of the three counts."
            ),
            "",
        ]
    else:
        lines += [_("The consequence is judged as a single value."), ""]
    for key, heading in (
        ("likelihood", _("Likelihood scale")),
        ("consequence", _("Consequence scale")),
    ):
        lines += [f"### {heading}", ""]
        lines += _table(
            [_("Value"), _("Label"), _("Criteria")],
            [[e["value"], e["label"], e.get("criteria", "")] for e in d[key]],
        )
        lines.append("")
    lines += ["## " + _("Risk levels"), ""]
    lines += _table(
        [_("Order"), _("Level"), _("Key")],
        [[lv["order"], lv["name"], lv["key"]] for lv in d["levels"]],
    )
    lines += ["", "## " + _("Risk matrix"), ""]
    lines += _table(
        [_("Likelihood ↓ / consequence →"), *(c["label"] for c in d["consequence"])],
        [
            [d["likelihood"][i]["label"], *(levels.get(k, {"name": k})["name"] for k in row)]
            for i, row in reversed(list(enumerate(d["matrix"])))
        ],
    )
    role = ROLE_WORDS.get(d.get("acceptance_role_above_threshold", "owner"), "the owner")
    lines += [
        "",
        "## " + _("Risk evaluation and acceptance"),
        "",
        _(
            "The acceptance threshold is the level “%(level)s”: a risk at or below it may be "
            "retained by its risk owner."
        )
        % {"level": threshold.get("name", d["threshold"])},
        "",
        (
            _(
                "A risk above the threshold (%(levels)s) must be treated, or its residual risk "
                "accepted by %(role)s."
            )
            % {"levels": ", ".join(above), "role": role}
            if above
            else _("No level lies above the threshold.")
        ),
        "",
        "## " + _("Review"),
        "",
        _("Every risk is reviewed at least every %d days.") % d.get("risk_review_days", 365),
        "",
        _("Every risk acceptance is reviewed at least every %d days.")
        % d.get("acceptance_review_days", 365),
        "",
    ]
    return "\n".join(lines)
