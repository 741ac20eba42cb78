"""The internal audit report (PDF or DOCX through ``openisms.core.reports``): document control,
scope, objectives, criteria, impartiality, summary per result, findings, the full checklist and
the conclusion. A report of an audit not yet reported carries a draft note."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.audits import selectors
from openisms.audits.choices import AuditStatus, ItemResult
from openisms.audits.models import Audit
from openisms.core.reports import Pairs, Report, Section, Table


def _date(value: Any) -> str:
    return value.isoformat() if value else "—"


def _period(start: Any, end: Any) -> str:
    if not start and not end:
        return "—"
    return f"{_date(start)} – {_date(end)}"


def _classification(organization: Any) -> str:
    from openisms.soa.selectors import default_soa

    soa = default_soa(organization=organization)
    return soa.classification if soa is not None else _("Internal")


def build_report(audit: Audit) -> Report:
    items = list(selectors.item_list(audit=audit))
    criteria = selectors.audit_criteria(audit)
    team = selectors.audit_team(audit)
    conflicts = selectors.impartiality_conflicts(audit)
    counts = selectors.result_counts(items)
    labels = dict(ItemResult.choices)
    final = audit.status in (AuditStatus.REPORTED, AuditStatus.CLOSED)
    issued = audit.report_issued_on or timezone.localdate()

    control: list[tuple[str, str]] = [
        (_("Audit"), f"{audit.ref} {audit.title}"),
        (_("Programme"), str(audit.programme) if audit.programme else "—"),
        (_("Planned"), _period(audit.planned_start, audit.planned_end)),
        (_("Conducted"), _period(audit.actual_start, audit.actual_end)),
        (_("Lead auditor"), selectors.person(audit.lead_auditor) or "—"),
        (_("Audit team"), "\n".join(selectors.person(u) for u in team) or "—"),
        (_("Status"), str(AuditStatus(audit.status).label)),
        (_("Report date"), _date(audit.report_issued_on)),
    ]
    if audit.closed_on:
        control.append((_("Closed on"), _date(audit.closed_on)))

    impartiality: list[Any] = [audit.impartiality_statement.strip() or _("No statement recorded.")]
    if conflicts:
        impartiality.append(_("Warnings:") + "\n" + "\n".join(c.message for c in conflicts))

    findings = [i for i in items if i.result and i.result != ItemResult.CONFORMITY]
    finding_rows = [
        [
            f"{i.requirement.ref_id} {i.requirement.name}",
            str(labels.get(i.result, i.result)),
            i.finding or "—",
            ", ".join(e.ref for e in i.evidence.all()) or "—",
            i.nonconformity.ref if i.nonconformity else "—",
        ]
        for i in findings
    ]
    checklist_rows = [
        [
            i.requirement.ref_id,
            i.requirement.name,
            str(labels.get(i.result, i.result)) if i.result else _("Not recorded"),
            i.finding or "—",
            i.sampling_notes or "—",
        ]
        for i in items
    ]
    sections = [
        Section(_("Scope"), [audit.scope.strip() or "—"]),
        Section(_("Objectives"), [audit.objectives.strip() or "—"]),
        Section(
            _("Criteria"),
            [
                Table(
                    [_("Framework"), _("Requirement")],
                    [[n.framework.name, f"{n.ref_id} {n.name}".strip()] for n in criteria],
                    [1, 2],
                )
                if criteria
                else _("No criteria chosen.")
            ],
        ),
        Section(_("Impartiality"), impartiality),
        Section(
            _("Summary"),
            [
                Pairs(
                    [(str(label), str(counts[value])) for value, label in ItemResult.choices]
                    + [(_("Not recorded"), str(sum(1 for i in items if not i.result)))]
                )
            ],
        ),
        Section(
            _("Findings"),
            [
                Table(
                    [_("Requirement"), _("Result"), _("Finding"), _("Evidence"), _("NC")],
                    finding_rows,
                    [3, 2, 5, 2, 1.2],
                )
                if finding_rows
                else _("No finding other than conformity.")
            ],
        ),
        Section(
            _("Checklist"),
            [
                Table(
                    [_("Ref"), _("Requirement"), _("Result"), _("Finding"), _("Sampling notes")],
                    checklist_rows,
                    [1, 3, 2, 4, 4],
                )
                if checklist_rows
                else _("The checklist is empty.")
            ],
        ),
        Section(_("Conclusion"), [audit.conclusion.strip() or "—"]),
    ]
    return Report(
        organization=audit.organization.name,
        title=_("Internal audit report"),
        subtitle=f"{audit.ref} {audit.title}",
        version_label=_("%(ref)s · report of %(date)s") % {"ref": audit.ref, "date": issued},
        classification=_classification(audit.organization),
        control=control,
        sections=sections,
        draft_note=""
        if final
        else _("Draft: the audit is %s, not reported yet.")
        % AuditStatus(audit.status).label.lower(),
    )


def report_filename(audit: Audit) -> str:
    return f"{audit.ref}-internal-audit-report"
