"""The minutes of a management review as a document (PDF or DOCX through
``openisms.core.reports``): document control, attendees, the inputs a)–g) as compiled (frozen
once held), the interested-party feedback, the minutes and the decisions. A draft until the
minutes are approved (the review closed)."""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.core.reports import Pairs, Report, Section, Table
from openisms.reviews import selectors
from openisms.reviews.choices import DecisionKind, DecisionStatus, ReviewStatus
from openisms.reviews.models import ManagementReview

KEY_RECORDS = 15


def _person(user: Any) -> str:
    if user is None:
        return "—"
    name = user.get_full_name()
    return f"{name} <{user.email}>" if name else user.email


def plain_text(markdown: str) -> str:
    """Markdown source as readable plain text (headings, emphasis and links unwrapped)."""
    text = markdown or ""
    text = re.sub(r"^\s{0,3}#{1,6}\s*", "", text, flags=re.MULTILINE)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\(([^)]*)\)", r"\1 (\2)", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])[*_](\S.*?\S|\S)[*_](?![\w*])", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    return text.strip()


def _group_blocks(g: dict[str, Any], *, with_summary: bool) -> list[Any]:
    blocks: list[Any] = []
    if with_summary and g.get("summary"):
        blocks.append(g["summary"])
    if g.get("text"):
        blocks.append(g["text"])
    if g.get("figures"):
        blocks.append(Pairs([(str(label), str(value)) for label, value in g["figures"]]))
    records = g.get("records") or []
    if records:
        rows = [
            [r.get("ref", ""), r.get("title", ""), r.get("status", ""), r.get("note", "")]
            for r in records[:KEY_RECORDS]
        ]
        blocks.append(
            Table([_("Ref"), _("Title"), _("Status"), _("Notes")], rows, widths=[1.2, 4, 1.6, 3.2])
        )
        left = len(records) - KEY_RECORDS + int(g.get("more") or 0)
        if left > 0:
            blocks.append(_("… and %s more.") % left)
    return blocks


def _input_sections(inputs: dict[str, Any]) -> list[Section]:
    """One section per input (a)–g), incidents); a section's groups as subsections."""
    sections: list[Section] = []
    for s in inputs.get("sections", []):
        heading = f"{s['key']}) {s['title']}" if s.get("clause") else s["title"]
        groups = s.get("groups", [])
        main = Section(heading, [s.get("summary") or ""])
        sections.append(main)
        if len(groups) == 1:
            main.blocks.extend(_group_blocks(groups[0], with_summary=False))
            continue
        for g in groups:
            sections.append(
                Section(g.get("title") or "", _group_blocks(g, with_summary=True), level=3)
            )
    return sections


def minutes_report(review: ManagementReview) -> Report:
    attendees = selectors.review_attendees(review)
    decisions = selectors.review_decisions(review)
    status = ReviewStatus(review.status).label
    if review.inputs_compiled_at:
        compiled = timezone.localtime(review.inputs_compiled_at).strftime("%Y-%m-%d %H:%M")
    else:
        compiled = "—"
    control = [
        (_("Reference"), review.ref),
        (_("Title"), review.title),
        (_("Planned on"), review.planned_on.isoformat()),
        (_("Held on"), review.held_on.isoformat() if review.held_on else "—"),
        (_("Chair"), _person(review.chair)),
        (_("Location or format"), review.location or "—"),
        (_("Status"), str(status)),
        (
            _("Period covered by the inputs"),
            f"{review.period_start.isoformat()} – {review.period_end.isoformat()}",
        ),
        (_("Inputs compiled at"), compiled),
        (_("Inputs SHA-256"), review.inputs_hash or "—"),
    ]
    if review.closed_on:
        control.append(
            (
                _("Minutes approved"),
                f"{review.closed_on.isoformat()} · {_person(review.closed_by)}",
            )
        )
    people = [_person(u) for u in attendees]
    external = [line.strip() for line in review.external_attendees.splitlines() if line.strip()]
    sections = [
        Section(
            _("Attendees"),
            [
                "\n".join(people) or _("No member recorded."),
                *([_("Also present:") + "\n" + "\n".join(external)] if external else []),
            ],
        ),
    ]
    if review.inputs:
        sections.append(
            Section(
                _("Inputs (ISO/IEC 27001 9.3.2)"),
                [
                    _("Frozen when the review was held on %s.") % review.held_on.isoformat()
                    if review.frozen and review.held_on
                    else _("Compiled from the live data at %s; not frozen yet.") % compiled
                ],
            )
        )
        sections.extend(_input_sections(review.inputs))
    sections.append(
        Section(
            _("Feedback from interested parties"),
            [review.interested_party_feedback.strip() or _("None recorded.")],
        )
    )
    sections.append(Section(_("Minutes"), [plain_text(review.minutes) or _("Not written yet.")]))
    rows = [
        [
            d.ref,
            str(DecisionKind(d.kind).label),
            d.title,
            _person(d.owner) if d.owner else "—",
            d.due_date.isoformat() if d.due_date else "—",
            str(DecisionStatus(d.status).label),
        ]
        for d in decisions
    ]
    sections.append(
        Section(
            _("Decisions (ISO/IEC 27001 9.3.3)"),
            [
                Table(
                    [_("Ref"), _("Kind"), _("Decision"), _("Owner"), _("Due"), _("Status")],
                    rows,
                    widths=[1.2, 1.4, 4, 2.4, 1.2, 1.2],
                )
                if rows
                else _("No decision recorded.")
            ],
        )
    )
    draft = ""
    if review.status != ReviewStatus.CLOSED:
        draft = _("Draft: the minutes are not approved (the review is %s).") % str(status).lower()
    label = review.ref
    if review.held_on:
        label += " · " + _("held on %s") % review.held_on.isoformat()
    return Report(
        organization=review.organization.name,
        title=_("Management review minutes"),
        subtitle=f"{review.ref} {review.title}",
        version_label=label,
        control=control,
        sections=sections,
        draft_note=draft,
    )
