"""Demo content for the controls module: the manufacturer's implemented controls (linked to
Annex A and to the risks whose treatment selected them), their tests with runs, and evidence
in each freshness state. Written through the services; idempotent (nothing when the
organisation already has controls)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.db import transaction
from django.utils import timezone

from openisms.catalog.models import RequirementNode
from openisms.controls import evidence_services
from openisms.controls import services as control_services
from openisms.controls.models import Control
from openisms.core.gate import scoped
from openisms.risks.models import Risk

ISO_27001_2022 = "urn:openisms:framework:iso27001-2022"

# (name, owner role, status, Annex A refs, implemented days ago or None, documents, how)
CONTROLS: list[tuple[str, str, str, tuple[str, ...], int | None, str, str]] = [
    ("Information security policy set", "owner", "implemented", ("A.5.1", "A.5.2", "A.5.4"), 400,
     "POL-01 Information security policy\nPOL-02 Acceptable use policy",
     "Policy approved by the managing director, published on the intranet, acknowledged by all staff at onboarding."),
    ("Identity and access management", "manager", "implemented", ("A.5.15", "A.5.16", "A.5.18", "A.8.2"), 300,
     "PRO-03 Access control procedure",
     "Accounts requested through the IT ticket system, approved by the line manager; quarterly access review of the ERP and CRM."),
    ("Multi-factor authentication", "manager", "partially_implemented", ("A.5.17", "A.8.5"), None,
     "PRO-03 Access control procedure",
     "MFA enforced for e-mail and VPN; the ERP still uses passwords only."),
    ("Joiner, mover and leaver process", "owner", "implemented", ("A.6.1", "A.6.5", "A.5.11"), 500,
     "PRO-05 HR onboarding and offboarding",
     "HR leaver list feeds account deactivation on the last working day; equipment returned against a checklist."),
    ("Security awareness programme", "manager", "implemented", ("A.6.3",), 200,
     "PLAN-02 Awareness plan",
     "Annual e-learning for all staff, quarterly phishing simulation, onboarding briefing."),
    ("Endpoint protection and EDR", "contributor", "partially_implemented", ("A.8.7", "A.8.1"), None,
     "", "Antivirus on all laptops; EDR roll-out on servers in progress."),
    ("Patch and vulnerability management", "contributor", "implemented", ("A.8.8", "A.8.19"), 250,
     "PRO-07 Patch management",
     "Monthly patch window for servers by the managed service provider; laptops patched automatically; critical fixes within 7 days."),
    ("Backup and restore", "contributor", "implemented", ("A.8.13",), 600,
     "PRO-08 Backup procedure",
     "Nightly backup of the file server and ERP to the secondary data room; weekly copy to immutable cloud storage."),
    ("Logging and monitoring", "contributor", "planned", ("A.8.15", "A.8.16"), None,
     "", "Central log collection for firewall and servers is planned for next quarter."),
    ("Network security and segmentation", "contributor", "implemented", ("A.8.20", "A.8.21", "A.8.22"), 700,
     "", "Firewall managed by the MSP; shop-floor network separated from the office network."),
    ("Physical access control", "owner", "implemented", ("A.7.1", "A.7.2", "A.7.4"), 900,
     "", "Badge access to offices and server room; visitors signed in and escorted."),
    ("Supplier security management", "manager", "partially_implemented", ("A.5.19", "A.5.20", "A.5.21", "A.5.22"), None,
     "PRO-09 Supplier management",
     "Security clauses in new contracts; annual review of the three critical suppliers started this year."),
    ("Incident management", "manager", "implemented", ("A.5.24", "A.5.25", "A.5.26", "A.6.8"), 350,
     "PRO-10 Incident response procedure",
     "Incidents reported to the IT hotline, triaged by the ISMS manager, lessons learned recorded."),
    ("Business continuity for IT", "owner", "not_started", ("A.5.29", "A.5.30"), None,
     "", "To be designed after the business impact analysis."),
    ("Cryptography and encryption", "contributor", "implemented", ("A.8.24",), 450,
     "POL-04 Cryptography policy", "Full-disk encryption on all laptops; TLS for every external service."),
    ("Secure configuration baseline", "contributor", "planned", ("A.8.9",), None,
     "", "CIS benchmarks to be adopted for servers and laptops."),
    ("Data protection and privacy", "owner", "implemented", ("A.5.34", "A.5.33"), 800,
     "POL-05 Data protection policy", "Record of processing activities, DPO appointed, privacy notices published."),
    ("Change management", "contributor", "implemented", ("A.8.32",), 300,
     "PRO-11 Change procedure", "ERP and firewall changes through the ticket system with approval by the IT lead."),
]  # fmt: skip

# (control index, test name, procedure, method, frequency days, runs: (days ago, result, notes))
TESTS: list[tuple[int, str, str, str, int, list[tuple[int, str, str]]]] = [
    (1, "Quarterly access review", "Compare ERP and CRM accounts with the HR staff list.", "inspection", 90,
     [(200, "partial", "Two leavers still active in the CRM; removed."), (20, "pass", "")]),
    (7, "Restore test", "Restore the ERP database from the latest backup to the test server.", "reperformance", 180,
     [(250, "pass", ""), (40, "fail", "Restore stopped at 80%: the backup set of Sunday was incomplete.")]),
    (6, "Patch level check", "Sample 10 servers and 10 laptops; compare patch level with vendor releases.", "inspection", 90,
     [(150, "pass", "")]),
    (4, "Phishing simulation", "Send a simulated phishing e-mail to all staff.", "automated", 90,
     [(60, "pass", "Click rate 6% (target below 10%).")]),
    (10, "Badge access review", "Compare badge holders with the staff list.", "inspection", 180,
     [(30, "pass", "")]),
]  # fmt: skip

# (title, control indexes, kind, collected days ago, valid for days (None: no end), url/note)
EVIDENCE: list[tuple[str, tuple[int, ...], str, int, int | None, str]] = [
    ("Signed information security policy v3.1", (0,), "note", 300, 365,
     "Policy signed by the managing director; PDF in the document management system."),
    ("Access review minutes Q3", (1,), "note", 20, 90, "Review of ERP and CRM accounts, 2 findings closed."),
    ("Access review minutes Q2", (1,), "note", 110, 90, "Superseded by the Q3 review."),
    ("MFA enforcement report (e-mail)", (2,), "link", 10, 30, "https://admin.example.com/mfa-report"),
    ("Leaver checklist sample", (3,), "note", 60, 180, "Five leaver files checked, all complete."),
    ("Awareness e-learning completion", (4,), "link", 100, 120, "https://lms.example.com/reports/2026"),
    ("Vulnerability scan report", (6,), "note", 80, 90, "External scan by the MSP: no high findings."),
    ("Backup job log", (7,), "file", 2, 7, "backup-jobs.csv"),
    ("Firewall rule review", (9,), "note", 200, 365, "Annual review of firewall rules with the MSP."),
    ("Visitor log sample", (10,), "note", 15, 90, "Visitor log for one month checked."),
    ("Incident register extract", (12,), "note", 45, 180, "Three incidents this year, all closed with lessons learned."),
    ("Laptop encryption compliance report", (14,), "link", 5, 60, "https://mdm.example.com/encryption"),
    ("Record of processing activities", (16,), "note", 400, 365, "RoPA maintained by the DPO."),
    ("Change tickets sample", (17,), "note", 25, None, "Ten changes checked, all approved before implementation."),
]  # fmt: skip


def _annex_a(organization: Any) -> dict[str, RequirementNode]:
    return {
        n.ref_id: n
        for n in RequirementNode.objects.filter(framework__urn=ISO_27001_2022, kind="control")
    }


def _backup_log(until: dt.date) -> str:
    lines = ["date,job,status,size_gb"]
    for days in range(7, 0, -1):
        day = until - dt.timedelta(days=days - 1)
        for job, size in (("fileserver", 412), ("erp-db", 38)):
            lines.append(f"{day.isoformat()},{job},success,{size + days}")
    return "\n".join(lines) + "\n"


def load_demo(*, organization: Any, owner: Any, colleagues: dict[str, Any]) -> None:
    if scoped(Control, organization).exists():
        return
    today = timezone.localdate()
    people = {"owner": owner, **{k: v for k, v in colleagues.items() if v is not None}}
    annex = _annex_a(organization)
    # Risks whose treatment selected a requirement → they selected the control implementing it.
    risks_by_req: dict[str, list[Risk]] = {}
    for risk in scoped(Risk, organization).prefetch_related("annex_a_controls"):
        for node in risk.annex_a_controls.all():
            risks_by_req.setdefault(node.ref_id, []).append(risk)
    with transaction.atomic():
        controls = []
        for name, role, status, refs, days, docs, how in CONTROLS:
            reqs = [annex[r] for r in refs if r in annex]
            risks = {r.pk: r for ref in refs for r in risks_by_req.get(ref, [])}
            controls.append(
                control_services.control_create(
                    organization=organization,
                    actor=owner,
                    name=name,
                    description=how,
                    owner=people.get(role, owner),
                    status=status,
                    implemented_on=today - dt.timedelta(days=days) if days else None,
                    documentation=docs,
                    requirements=reqs,
                    risks=list(risks.values()),
                )
            )
        for index, name, procedure, method, every, runs in TESTS:
            test = control_services.control_test_create(
                control=controls[index],
                actor=owner,
                name=name,
                procedure=procedure,
                method=method,
                frequency_days=every,
            )
            for days_ago, result, notes in runs:
                control_services.run_record(
                    test=test,
                    actor=owner,
                    result=result,
                    performed_on=today - dt.timedelta(days=days_ago),
                    notes=notes,
                )
        for title, indexes, kind, days_ago, valid_days, text in EVIDENCE:
            collected = today - dt.timedelta(days=days_ago)
            upload = None
            if kind == "file":  # a small generated log, stored like any upload
                upload = io.BytesIO(_backup_log(collected).encode())
                upload.name = text
            evidence_services.evidence_create(
                organization=organization,
                actor=owner,
                kind=kind,
                title=title,
                collected_on=collected,
                valid_until=collected + dt.timedelta(days=valid_days) if valid_days else None,
                url=text if kind == "link" else "",
                note=text if kind == "note" else "",
                upload=upload,
                controls=[controls[i] for i in indexes],
            )


def demo_hook(*, organization: Any, owner: Any, colleagues: dict[str, Any], full: bool) -> None:
    if full:
        load_demo(organization=organization, owner=owner, colleagues=colleagues)
