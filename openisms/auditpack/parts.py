"""The parts of the audit pack built from the registers that exist in every installation.
Each reuses the app's own export (row builders, workbooks, SoA renderer) and only narrows it
to the as-of date where the records carry one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.auditpack.builder import AsOf, FolderWriter, register
from openisms.auditpack.writer import PackError
from openisms.core.gate import scoped
from openisms.core.registers import to_csv, to_xlsx
from openisms.core.reports import Report, Section, Table, render


def _day(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _xlsx(w: FolderWriter, name: str, header: list[str], rows: Iterable[Any], title: str) -> None:
    w.add_bytes(f"{name}.xlsx", to_xlsx(header, rows, title=title))


def _not_versioned(w: FolderWriter, as_of: AsOf, what: str) -> None:
    if not as_of.is_today:
        w.note(
            _("%(what)s keep no history: shown as at generation time, not as of %(day)s.")
            % {"what": what, "day": as_of.date.isoformat()}
        )


def _refs_until(model: Any, organization: Any, as_of: AsOf) -> set[str]:
    return set(
        scoped(model, organization)
        .filter(created_at__lte=as_of.cutoff)
        .values_list("ref", flat=True)
    )


# --- 01 scope and context -----------------------------------------------------------------------


def scope_report(organization: Any, version: Any) -> Report:
    from openisms.governance.selectors import SCOPE_LABELS, SCOPE_TEXT_FIELDS, asset_rows

    content = version.content
    sections = [
        Section(_(SCOPE_LABELS[name]), [content.get(name, "") or "—"]) for name in SCOPE_TEXT_FIELDS
    ]
    assets = asset_rows(content.get("assets", []))
    sections.append(
        Section(
            _("In scope"),
            [
                Table(
                    [_("Ref"), _("Type"), _("Name")],
                    [[a["ref"] or "", str(a["type_label"]), a["name"] or ""] for a in assets],
                    [1, 1.5, 4],
                )
                if assets
                else _("No site, process or asset is listed.")
            ],
        )
    )
    return Report(
        organization=organization.name,
        title=_("ISMS scope"),
        version_label=_("Version %d") % version.number,
        control=[
            (_("Version"), str(version.number)),
            (_("Approved by"), version.approver_name),
            (_("Approved at"), _day(version.approved_at)),
            (_("Comment"), version.comment or "—"),
            (_("Content SHA-256"), version.content_hash),
        ],
        sections=sections,
    )


@register("01-scope", "Scope and context (4.1–4.3)")
def scope_part(organization: Any, as_of: AsOf, w: FolderWriter) -> None:
    from openisms.governance import selectors as gov
    from openisms.governance.models import ScopeVersion

    version = (
        scoped(ScopeVersion, organization)
        .filter(approved_at__lte=as_of.cutoff)
        .order_by("-number")
        .first()
    )
    if version is None:
        w.note(_("No scope version was approved on or before %s.") % as_of.date.isoformat())
    else:
        w.add_bytes(
            f"scope-v{version.number}.pdf", render(scope_report(organization, version), "pdf")
        )
        _xlsx(
            w,
            f"scope-v{version.number}",
            gov.SCOPE_HEADER,
            gov.scope_export_rows(version.content),
            "Scope",
        )
    _xlsx(
        w,
        "context-issues",
        gov.ISSUE_HEADER,
        gov.issue_export_rows(organization=organization),
        "Context issues",
    )
    _xlsx(
        w,
        "interested-parties",
        gov.PARTY_HEADER,
        gov.party_export_rows(organization=organization),
        "Interested parties",
    )
    _xlsx(
        w,
        "obligations",
        gov.OBLIGATION_HEADER,
        gov.obligation_export_rows(organization=organization),
        "Obligations",
    )
    _not_versioned(w, as_of, _("Context issues, interested parties and obligations"))


# --- 02 policy and documents --------------------------------------------------------------------

DOCUMENT_INDEX = [
    "ref",
    "title",
    "type",
    "classification",
    "owner",
    "version",
    "approved_by",
    "approved_at",
    "change_note",
    "content_sha256",
    "file_in_pack",
]


def approved_versions(organization: Any, as_of: AsOf) -> list[Any]:
    """Per document not retired, its latest version approved on or before the cut-off."""
    from openisms.documents.choices import DocumentStatus, VersionStatus
    from openisms.documents.models import DocumentVersion

    qs = (
        scoped(DocumentVersion, organization)
        .filter(status=VersionStatus.APPROVED, approved_at__lte=as_of.cutoff)
        .exclude(document__status=DocumentStatus.RETIRED)
        .select_related("document", "document__owner", "file")
        .order_by("document__ref", "-major", "-minor")
    )
    latest: dict[int, Any] = {}
    for v in qs:
        latest.setdefault(v.document_id, v)
    return list(latest.values())


def _open_stored(sha256: str, label: str) -> Any:
    from openisms.controls import storage

    try:
        return storage.path_for(sha256).open("rb")
    except (OSError, ValueError) as exc:
        raise PackError(f"{label}: the stored file {sha256} is missing.") from exc


@register("02-policy-and-documents", "Policy and documented information (5.2, 7.5)")
def documents_part(organization: Any, as_of: AsOf, w: FolderWriter) -> None:
    import hashlib

    from openisms.controls.storage import split_extension

    rows = []
    for v in approved_versions(organization, as_of):
        d = v.document
        label = f"{d.ref} v{v.number}"
        base = f"{d.ref} {d.title} v{v.number}"
        if v.file_id:
            _stem, ext = split_extension(v.filename or "")
            with _open_stored(v.file.sha256, label) as fh:
                entry = w.add_stream(
                    f"{base}.{ext or 'bin'}",
                    fh,
                    expected_sha256=v.file.sha256,
                    expected_size=v.file.size,
                    label=label,
                )
        else:
            body = v.body_markdown.encode("utf-8")
            if v.content_hash and hashlib.sha256(body).hexdigest() != v.content_hash:
                raise PackError(f"{label}: the approved text does not match its SHA-256.")
            entry = w.add_bytes(f"{base}.md", body)
        rows.append(
            [
                d.ref,
                d.title,
                d.get_type_display(),
                d.classification,
                d.owner.email if d.owner else "",
                v.number,
                v.approver_name,
                _day(v.approved_at),
                v.change_note,
                v.content_hash,
                entry.path,
            ]
        )
    if not rows:
        w.note(_("No document version was approved on or before %s.") % as_of.date.isoformat())
    w.add_bytes("document-index.csv", to_csv(DOCUMENT_INDEX, rows))
    _xlsx(w, "document-index", DOCUMENT_INDEX, rows, "Documents")


# --- 03 risk ------------------------------------------------------------------------------------


def risk_report(organization: Any) -> Report:
    from openisms.risks.exports import register_header, register_rows
    from openisms.risks.selectors import treatment_plan

    header = register_header()
    keep = [
        0,
        1,
        3,
        4,
        13,
        17,
        16,
        20,
    ]  # ref, title, owner, status, current, treatment, target, review
    rows = [
        [_day(row[i]) if isinstance(row[i], dt.date) else str(row[i] or "") for i in keep]
        for row in register_rows(organization=organization)
    ]
    plan = [
        [
            a.risk.ref,
            a.title,
            a.owner.email if a.owner else "",
            _day(a.due_date),
            a.get_status_display(),
            a.progress_note,
        ]
        for a in treatment_plan(organization=organization)
    ]
    return Report(
        organization=organization.name,
        title=_("Risk register and treatment plan"),
        version_label=_("as at %s") % _day(timezone.now()),
        landscape=True,
        control=[(_("Risks"), str(len(rows))), (_("Treatment actions"), str(len(plan)))],
        sections=[
            Section(
                _("Risk register"),
                [
                    Table(
                        [str(header[i]) for i in keep], rows, [1, 4, 2.5, 1.5, 1.5, 1.5, 1.5, 1.5]
                    )
                    if rows
                    else _("No risk recorded.")
                ],
            ),
            Section(
                _("Treatment plan"),
                [
                    Table(
                        [_("Risk"), _("Action"), _("Owner"), _("Due"), _("Status"), _("Progress")],
                        plan,
                        [1, 4, 2.5, 1.2, 1.3, 4],
                    )
                    if plan
                    else _("No treatment action recorded.")
                ],
            ),
        ],
    )


@register("03-risk", "Risk assessment and treatment (6.1.2, 6.1.3, 8.2, 8.3)")
def risk_part(organization: Any, as_of: AsOf, w: FolderWriter) -> None:
    from openisms.documents.methodology_doc import methodology_markdown
    from openisms.risks.exports import risk_register_workbook
    from openisms.risks.models import MethodologyVersion

    method = (
        scoped(MethodologyVersion, organization)
        .filter(created_at__lte=as_of.cutoff)
        .select_related("methodology")
        .order_by("-number")
        .first()
    )
    if method is None:
        w.note(_("No risk methodology existed on %s.") % as_of.date.isoformat())
    else:
        w.add_text(
            f"risk-methodology-v{method.number}.md",
            methodology_markdown(method, organization_name=organization.name),
        )
    w.add_bytes(
        "risk-register-and-treatment-plan.xlsx", risk_register_workbook(organization=organization)
    )
    w.add_bytes("risk-register-and-treatment-plan.pdf", render(risk_report(organization), "pdf"))
    _not_versioned(w, as_of, _("The risk register and treatment plan"))


# --- 04 statement of applicability --------------------------------------------------------------


@register("04-soa", "Statement of Applicability (6.1.3 d)")
def soa_part(organization: Any, as_of: AsOf, w: FolderWriter) -> None:
    from openisms.soa import exports
    from openisms.soa.models import SoaVersion
    from openisms.soa.selectors import soa_list

    for soa in soa_list(organization=organization):
        version = (
            scoped(SoaVersion, organization)
            .filter(soa=soa, approved_at__lte=as_of.cutoff)
            .order_by("-number")
            .first()
        )
        if version is None:
            w.note(
                _("%(title)s (%(framework)s): no version approved on or before %(day)s.")
                % {
                    "title": soa.title,
                    "framework": soa.framework.name,
                    "day": as_of.date.isoformat(),
                }
            )
            continue
        doc = exports.soa_document(soa, version=version.number)
        for fmt in ("pdf", "xlsx"):
            w.add_bytes(doc.file_name(fmt), exports.render(doc, fmt))


# --- 05 objectives ------------------------------------------------------------------------------


@register("05-objectives", "Objectives, monitoring and measurement (6.2, 9.1)")
def objectives_part(organization: Any, as_of: AsOf, w: FolderWriter) -> None:
    from openisms.objectives import selectors as obj
    from openisms.objectives.models import Metric, Objective

    objectives = _refs_until(Objective, organization, as_of)
    metrics = _refs_until(Metric, organization, as_of)
    rows = (r for r in obj.objective_export_rows(organization=organization) if r[0] in objectives)
    _xlsx(w, "objectives", obj.OBJECTIVE_HEADER, rows, "Objectives")
    rows = (r for r in obj.metric_export_rows(organization=organization) if r[0] in metrics)
    _xlsx(w, "metrics", obj.METRIC_HEADER, rows, "Metrics")
    rows = (
        r
        for r in obj.measurement_export_rows(organization=organization)
        if r[1] <= as_of.date  # dated records: their own date decides, not entry time
    )
    _xlsx(w, "measurements", obj.MEASUREMENT_HEADER, rows, "Measurements")
    _not_versioned(w, as_of, _("Objective and metric status columns"))


# --- 06 competence ------------------------------------------------------------------------------


@register("06-competence", "Roles, competence and awareness (5.3, 7.2, 7.3, 7.4)")
def competence_part(organization: Any, as_of: AsOf, w: FolderWriter) -> None:
    from openisms.people import selectors as ppl
    from openisms.people.models import AwarenessCampaign

    _xlsx(
        w,
        "isms-roles",
        ppl.ROLE_HEADER,
        ppl.role_export_rows(organization=organization),
        "ISMS roles",
    )
    header, rows = ppl.process_export(organization=organization)
    _xlsx(w, "raci", header, rows, "RACI")
    _xlsx(
        w,
        "competences",
        ppl.COMPETENCE_HEADER,
        ppl.competence_export_rows(organization=organization),
        "Competences",
    )
    rows = (r for r in ppl.training_export_rows(organization=organization) if r[4] <= as_of.date)
    _xlsx(w, "training-records", ppl.TRAINING_HEADER, rows, "Training records")
    campaigns = set(
        scoped(AwarenessCampaign, organization)
        .filter(starts_on__lte=as_of.date)
        .values_list("ref", flat=True)
    )
    rows = (r for r in ppl.campaign_export_rows(organization=organization) if r[0] in campaigns)
    _xlsx(w, "awareness-campaigns", ppl.CAMPAIGN_HEADER, rows, "Awareness campaigns")
    _xlsx(
        w,
        "communication-plan",
        ppl.COMMUNICATION_HEADER,
        ppl.communication_export_rows(organization=organization),
        "Communication plan",
    )
    _xlsx(
        w,
        "competence-gaps",
        ppl.GAP_HEADER,
        ppl.gap_export_rows(organization=organization),
        "Competence gaps",
    )
    _not_versioned(w, as_of, _("Roles, RACI, competences, the communication plan and gaps"))


# --- 08 nonconformities -------------------------------------------------------------------------


@register("08-nonconformities", "Nonconformities, corrective actions, incidents (10.1, 10.2)")
def nonconformities_part(organization: Any, as_of: AsOf, w: FolderWriter) -> None:
    from openisms.improvement import selectors as imp
    from openisms.improvement.models import ImprovementOpportunity
    from openisms.incidents import selectors as inc
    from openisms.incidents.models import Incident

    ncs = [r for r in imp.nc_export_rows(organization=organization) if r[7] <= as_of.date]
    kept = {r[0] for r in ncs}
    _xlsx(w, "nonconformities", imp.NC_HEADER, ncs, "Nonconformities")
    rows = (r for r in imp.action_export_rows(organization=organization) if r[1] in kept)
    _xlsx(w, "corrective-actions", imp.ACTION_HEADER, rows, "Corrective actions")
    ideas = _refs_until(ImprovementOpportunity, organization, as_of)
    rows = (r for r in imp.opportunity_export_rows(organization=organization) if r[0] in ideas)
    _xlsx(w, "improvement-opportunities", imp.OPPORTUNITY_HEADER, rows, "Improvement log")
    incidents = _refs_until(Incident, organization, as_of)
    rows = (r for r in inc.export_rows(organization=organization) if r[0] in incidents)
    _xlsx(w, "incidents", inc.HEADER, rows, "Incidents")
    _not_versioned(w, as_of, _("Statuses of nonconformities, actions and incidents"))


# --- 11 evidence --------------------------------------------------------------------------------

EVIDENCE_INDEX = [
    "control",
    "control_name",
    "evidence",
    "title",
    "kind",
    "collected_on",
    "period_start",
    "period_end",
    "valid_until",
    "requirements",
    "url",
    "file_in_pack",
    "size",
    "sha256",
]


@register("11-evidence", "Evidence, by control (7.5, 9.1)")
def evidence_part(organization: Any, as_of: AsOf, w: FolderWriter) -> None:
    from openisms.controls.evidence_selectors import evidence_list

    items = list(evidence_list(organization=organization).filter(collected_on__lte=as_of.date))
    in_pack: dict[str, str] = {}  # sha256 → path: identical content is stored once
    for e in items:
        if e.file is None or e.file.sha256 in in_pack:
            continue
        label = f"{e.ref} {e.title}"
        with _open_stored(e.file.sha256, label) as fh:
            entry = w.add_stream(
                f"files/{e.ref} {e.filename or e.file.sha256}",
                fh,
                expected_sha256=e.file.sha256,
                expected_size=e.file.size,
                label=label,
            )
        in_pack[e.file.sha256] = entry.path
    rows: list[tuple[str, str, list[Any]]] = []
    for e in items:
        common = [
            e.ref,
            e.title,
            e.get_kind_display(),
            e.collected_on,
            e.period_start,
            e.period_end,
            e.valid_until,
            " ".join(r.ref_id or r.urn for r in e.requirements.all()),
            e.url,
            in_pack.get(e.file.sha256, "") if e.file else "",
            e.file.size if e.file else "",
            e.file.sha256 if e.file else "",
        ]
        controls: list[Any] = list(e.controls.all()) or [None]
        for c in controls:
            ref, name = (c.ref, c.name) if c else ("", "")
            rows.append((ref or "~", e.ref, [ref, name, *common]))
    ordered = [r for _k, _e, r in sorted(rows, key=lambda t: (t[0], t[1]))]
    if not items:
        w.note(_("No evidence was collected on or before %s.") % as_of.date.isoformat())
    w.add_bytes("evidence-index.csv", to_csv(EVIDENCE_INDEX, ordered))
    _xlsx(w, "evidence-index", EVIDENCE_INDEX, ordered, "Evidence")
