"""Clause 6.1.3 d) (the Statement of Applicability) and the Annex A controls it lists. The rows,
their derived columns (risk treatment reasons, implementing controls and status, evidence
freshness) and their consistency findings come from ``openisms.soa.selectors`` — the same ones
the SoA page shows and approval enforces. Row findings carry the row's Annex A control, so they
count in its theme."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openisms.readiness.engine import Context, Finding, found, obj, rule


def _soa(ctx: Context) -> Any:
    from openisms.soa.selectors import default_soa

    return ctx.memo("soa", lambda: default_soa(organization=ctx.organization))


def _rows(ctx: Context) -> list[dict[str, Any]]:
    from openisms.soa.selectors import draft_rows

    def load() -> list[dict[str, Any]]:
        soa = _soa(ctx)
        return [] if soa is None else draft_rows(soa, full=False, today=ctx.today)

    return ctx.memo("soa_rows", load)


def _latest(ctx: Context) -> Any:
    from openisms.soa.selectors import latest_version

    return ctx.memo("soa_latest", lambda: latest_version(_soa(ctx)) if _soa(ctx) else None)


def _row_findings(ctx: Context, codes: tuple[str, ...], message: str) -> Iterator[Finding]:
    for row in _rows(ctx):
        for f in row["findings"]:
            if f.code in codes:
                entry = row["entry"]
                yield found(
                    message % {"ref": row["ref_id"], "name": row["name"], "detail": f.message},
                    obj("soa_entry", entry, ref=row["ref_id"]),
                    link=("soa:entry_edit", {"pk": entry.pk}),
                    clause=row["ref_id"],
                )


@rule(
    "R-6.1.3-SOA-APPROVED",
    "6.1.3",
    "blocker",
    gettext_lazy("A Statement of Applicability exists and has an approved version."),
)
def soa_approved(ctx: Context) -> Iterator[Finding]:
    """6.1.3 d): the SoA is mandatory documented information; Stage 1 starts with it."""
    soa = _soa(ctx)
    if soa is None:
        yield found(_("There is no Statement of Applicability."), link="soa:soa_index")
    elif _latest(ctx) is None:
        yield found(
            _("The Statement of Applicability has never been approved."),
            obj("soa", soa, ref=soa.title),
            link=("soa:soa_detail", {"pk": soa.pk}),
        )


@rule(
    "R-6.1.3-SOA-CURRENT",
    "6.1.3",
    "major",
    gettext_lazy(
        "The approved SoA is current: nothing in it (risk treatment, controls, evidence) "
        "changed since."
    ),
)
def soa_current(ctx: Context) -> Iterator[Finding]:
    """The SoA must reflect the risk treatment: a treatment, control or exclusion changed after
    the last approval means the approved statement is out of date."""
    from openisms.soa.selectors import draft_hash

    soa, latest = _soa(ctx), _latest(ctx)
    if soa is None or latest is None:
        return
    if draft_hash(soa) != latest.content_hash:
        yield found(
            _("The SoA changed since version %(n)d was approved on %(date)s.")
            % {"n": latest.number, "date": timezone.localtime(latest.approved_at).date()},
            obj("soa", soa, ref=soa.title),
            link=("soa:soa_detail", {"pk": soa.pk}),
        )


@rule(
    "R-6.1.3-SOA-DECIDED",
    "6.1.3",
    "major",
    gettext_lazy("Every control in the SoA is decided applicable or not."),
)
def soa_decided(ctx: Context) -> Iterator[Finding]:
    """6.1.3 d): the SoA states, for every Annex A control, whether it is included."""
    yield from _row_findings(ctx, ("undecided",), _("%(ref)s %(name)s: applicability not decided."))


@rule(
    "R-6.1.3-SOA-EXCLUSION-JUSTIFIED",
    "6.1.3",
    "major",
    gettext_lazy("Every excluded control has a justification and is not selected by a risk."),
)
def soa_exclusion_justified(ctx: Context) -> Iterator[Finding]:
    """6.1.3 d): exclusions are justified; a control excluded while a risk treatment selects
    it is inconsistent."""
    yield from _row_findings(
        ctx, ("no_justification", "excluded_but_selected"), _("%(ref)s %(name)s: %(detail)s")
    )


@rule(
    "R-6.1.3-SOA-INCLUSION-REASON",
    "6.1.3",
    "minor",
    gettext_lazy("Every applicable control has a reason for inclusion."),
)
def soa_inclusion_reason(ctx: Context) -> Iterator[Finding]:
    """6.1.3 d): the SoA gives the justification for inclusions (risk treatment, legal,
    contractual, business)."""
    yield from _row_findings(ctx, ("no_reason",), _("%(ref)s %(name)s: %(detail)s"))


@rule(
    "R-6.1.3-SOA-CONTROL-IMPLEMENTED-BY",
    "6.1.3",
    "major",
    gettext_lazy(
        "Every applicable Annex A control is implemented by one of the organisation's controls."
    ),
)
def soa_implemented_by(ctx: Context) -> Iterator[Finding]:
    """An applicable control nobody implements cannot show its implementation status or
    evidence at Stage 2."""
    yield from _row_findings(ctx, ("no_control",), _("%(ref)s %(name)s: %(detail)s"))


@rule(
    "R-8.1-APPLICABLE-CONTROLS-STARTED",
    "8.1",
    "major",
    gettext_lazy("No applicable control's implementation is 'not started'."),
)
def applicable_started(ctx: Context) -> Iterator[Finding]:
    """8.1: the processes needed to meet the requirements are planned, implemented and
    controlled; an applicable control whose implementation has not started (nor been planned)
    is an unmet requirement."""
    for row in _rows(ctx):
        if row["applicable"] is True and row["implementation_status"] == "not_started":
            entry = row["entry"]
            yield found(
                _("%(ref)s %(name)s is applicable; its implementation has not started (%(c)s).")
                % {"ref": row["ref_id"], "name": row["name"], "c": ", ".join(row["controls"])},
                obj("soa_entry", entry, ref=row["ref_id"]),
                link=("soa:entry_edit", {"pk": entry.pk}),
                clause=row["ref_id"],
            )


@rule(
    "R-9.1-APPLICABLE-CONTROLS-EVIDENCED",
    "9.1",
    "major",
    gettext_lazy("Every implemented applicable control has fresh (not stale) evidence."),
)
def applicable_evidenced(ctx: Context) -> Iterator[Finding]:
    """Stage 2 samples evidence that controls operate; an implemented control with no
    evidence, or only stale evidence, cannot be shown to work."""
    for row in _rows(ctx):
        if row["applicable"] is not True or row["implementation_status"] not in (
            "implemented",
            "partially_implemented",
        ):
            continue
        counts = row["evidence_counts"]
        if counts["total"] == 0 or counts["stale"] == counts["total"]:
            entry = row["entry"]
            detail = _("no evidence") if counts["total"] == 0 else _("all evidence is stale")
            yield found(
                _("%(ref)s %(name)s: %(detail)s.")
                % {"ref": row["ref_id"], "name": row["name"], "detail": detail},
                obj("soa_entry", entry, ref=row["ref_id"]),
                link=("soa:soa_detail", {"pk": entry.soa_id}),
                clause=row["ref_id"],
            )
