"""The certification readiness report (PDF or DOCX through ``openisms.core.reports``): the score
and its formula, results per clause 4–10 and per Annex A theme, the findings by severity with
the records concerned, and the rules applied. The audit pack includes it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from openisms.core.reports import Pairs, Report, Section, Table
from openisms.readiness.engine import SEVERITIES, SEVERITY_LABELS, Evaluation, GroupResult


def _classification(organization: Any) -> str:
    from openisms.soa.selectors import default_soa

    soa = default_soa(organization=organization)
    return soa.classification if soa is not None else _("Internal")


def _group_rows(groups: list[GroupResult]) -> list[list[str]]:
    return [
        [
            f"{g.key} {g.name}",
            str(g.passed),
            str(g.failed),
            "—" if g.score is None else f"{g.score}",
            " · ".join(f"{g.findings[s]} {SEVERITY_LABELS[s]}" for s in SEVERITIES if g.findings[s])
            or "—",
        ]
        for g in groups
    ]


def readiness_report(evaluation: Evaluation) -> Report:
    org = evaluation.organization
    day = evaluation.today.isoformat()
    group_header = [_("Clause"), _("Rules passed"), _("Rules failed"), _("Score"), _("Findings")]
    sections = [
        Section(
            _("Summary"),
            [
                Pairs(
                    [
                        (_("Readiness score"), f"{evaluation.score} / 100"),
                        (_("Formula"), evaluation.formula),
                        (
                            _("Rules"),
                            _("%(passed)d of %(total)d passed")
                            % {"passed": evaluation.rules_passed, "total": evaluation.rules_total},
                        ),
                        *[(str(SEVERITY_LABELS[s]), str(evaluation.counts[s])) for s in SEVERITIES],
                    ]
                ),
                _(
                    "Each rule checks one requirement of ISO/IEC 27001 against the registers; a "
                    "rule passes when it has no finding. Blockers would likely be major "
                    "nonconformities at a certification audit."
                ),
            ],
        ),
        Section(
            _("Results per clause"),
            [Table(group_header, _group_rows(evaluation.clauses), [4, 1.2, 1.2, 1, 3])],
        ),
        Section(
            _("Results per Annex A theme"),
            [Table(group_header, _group_rows(evaluation.themes), [4, 1.2, 1.2, 1, 3])],
        ),
    ]
    findings = Section(_("Findings"))
    for severity in SEVERITIES:
        rows = [
            [
                f.rule_id,
                f.clause,
                f.message,
                ", ".join(o["ref"] for o in f.objects if o.get("ref")) or "—",
            ]
            for f in evaluation.findings
            if f.severity == severity
        ]
        if not rows:
            findings.blocks.append(
                _("%(severity)s: no finding.") % {"severity": SEVERITY_LABELS[severity]}
            )
            continue
        findings.blocks.append(f"{SEVERITY_LABELS[severity]} ({len(rows)})")
        findings.blocks.append(
            Table([_("Rule"), _("Clause"), _("Finding"), _("Records")], rows, [2.6, 1, 5, 2])
        )
    sections.append(findings)
    sections.append(
        Section(
            _("Rules applied"),
            [
                Table(
                    [_("Rule"), _("Clause"), _("Severity"), _("Checks"), _("Result")],
                    [
                        [
                            r.rule.id,
                            r.rule.clause,
                            str(SEVERITY_LABELS[r.rule.severity]),
                            str(r.rule.title),
                            _("passed") if r.passed else _("%(n)d finding(s)") % {"n": r.total},
                        ]
                        for r in evaluation.results
                    ],
                    [2.6, 0.9, 0.9, 4.5, 1.2],
                )
            ],
        )
    )
    return Report(
        organization=org.name,
        title=_("Certification readiness report"),
        subtitle=_("ISO/IEC 27001:2022 — clauses 4 to 10 and Annex A"),
        version_label=_("report of %(date)s") % {"date": day},
        classification=_classification(org),
        control=[
            (_("Organisation"), org.name),
            (_("Evaluated on"), day),
            (_("Readiness score"), f"{evaluation.score} / 100"),
            (_("Produced by"), "OpenISMS"),
        ],
        sections=sections,
        draft_note=_(
            "A self-assessment generated from the registers on %(date)s, not an audit opinion."
        )
        % {"date": day},
        landscape=True,
    )
