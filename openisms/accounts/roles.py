"""The role → permission table: the one place that says who may do what.

Permissions are domain actions named ``<area>.<action>``; they are checked with
``user.has_perm(perm, obj)`` where ``obj`` is the organisation or an organisation-owned record,
through ``openisms.accounts.backends.OrganizationRoleBackend``. UI, API and CLI all ask the
same question, so they agree. Later apps add their actions here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    CONTRIBUTOR = "contributor", _("Contributor")
    AUDITOR = "auditor", _("Auditor")
    VIEWER = "viewer", _("Viewer")


# Every permission, with what it allows.
PERMISSIONS: dict[str, str] = {
    "core.view_organization": "See the organisation and its dashboard.",
    "core.view_auditlog": "Read the organisation's audit trail.",
    "accounts.view_members": "See who belongs to the organisation and with which role.",
    "accounts.manage_members": "Add and remove members, change roles.",
    "accounts.change_organization": "Rename the organisation, require MFA.",
    "accounts.use_api_tokens": "Create and revoke one's own API tokens.",
    "catalog.view_catalog": "Browse frameworks, requirements and mappings.",
    "catalog.adopt_framework": "Adopt a framework for the organisation, or drop it.",
    "catalog.import_library": "Import the organisation's own framework libraries.",
    "assets.view_asset": "See the asset inventory.",
    "assets.change_asset": "Add and edit assets (contributors: the assets they own).",
    "assets.manage_classification": "Define the classification scheme.",
    "risks.view_risk": "See the risk register, heat maps and treatment plan.",
    "risks.change_risk": "Register, assess and treat risks (contributors: the risks they own).",
    "risks.manage_methodology": "Define the risk methodology; run assessments.",
    "risks.accept_risk": "Accept residual risk (within appetite: the risk owner; above: the role the methodology names).",
    "controls.view_control": "See implemented controls, their tests and health, evidence (and download its files).",
    "controls.change_control": "Add and edit controls and their tests, record test runs (contributors: the controls they own).",
    "controls.change_evidence": "Add, edit and remove evidence (contributors: the evidence they own).",
    "soa.view_soa": "See the Statement of Applicability, its versions and exports.",
    "soa.change_soa": "Edit the Statement of Applicability draft.",
    "soa.approve_soa": "Approve the Statement of Applicability (freezes a version).",
    "governance.view_governance": "See the context issues, interested parties, obligations and the ISMS scope.",
    "governance.change_governance": "Record context issues, interested parties and obligations (contributors: the ones they own); edit the scope draft.",
    "governance.approve_scope": "Approve the ISMS scope (freezes a version).",
    "improvement.view_improvement": "See nonconformities, corrective actions, verifications and improvement opportunities.",
    "improvement.change_improvement": "Record and progress nonconformities, corrective actions and improvement opportunities (contributors: the ones they own).",
    "improvement.verify_effectiveness": "Verify whether corrective actions were effective (closes or reopens a nonconformity).",
    "incidents.view_incident": "See the incident register.",
    "incidents.change_incident": "Record and handle incidents (contributors: the incidents they own).",
    "documents.view_document": "See the document register, its versions and exports (and download their files).",
    "documents.change_document": "Add and edit documents and their drafts, submit them for review (contributors: the documents they own).",
    "documents.approve_document": "Approve document versions (freezes them) and retire documents.",
    "objectives.view_objective": "See the information security objectives, their metrics, measurements and trends.",
    "objectives.change_objective": "Add and edit objectives and metrics (contributors: the objectives they own, the metrics they measure).",
    "objectives.record_measurement": "Record measurements of metrics (contributors: the metrics they measure).",
    "people.view_people": "See ISMS roles, RACI, competences, training records, awareness campaigns and the communication plan.",
    "people.change_people": "Maintain ISMS roles, RACI, competences, training records, awareness campaigns and the communication plan.",
    "audits.view_audit": "See the internal audit programme, audits, checklists, findings and reports.",
    "audits.manage_audits": "Plan the audit programme and audits (scope, criteria, team, checklist), close audits.",
    "audits.record_finding": "Record audit results, findings and sampling notes on the checklist of audits in progress (the only write auditors have).",
    "reviews.view_review": "See management reviews, their inputs, minutes and decisions.",
    "reviews.change_review": "Prepare and hold management reviews, record minutes and decisions.",
    "reviews.update_decision": "Progress review decisions (contributors: the decisions they own).",
    "readiness.view_readiness": "See the certification readiness findings, score and history.",
    "readiness.build_audit_pack": "Build and download the audit pack (every record an auditor asks for, hashed).",
    "pdca.view_calendar": "See the organisation's PDCA calendar, one's own work list and iCalendar feed.",
}

_READ = {
    "core.view_organization",
    "accounts.view_members",
    "accounts.use_api_tokens",
    "catalog.view_catalog",
    "assets.view_asset",
    "risks.view_risk",
    "controls.view_control",
    "soa.view_soa",
    "governance.view_governance",
    "improvement.view_improvement",
    "incidents.view_incident",
    "documents.view_document",
    "objectives.view_objective",
    "people.view_people",
    "audits.view_audit",
    "reviews.view_review",
    "readiness.view_readiness",
    "pdca.view_calendar",
}
_CONTRIBUTE = {
    "assets.change_asset",
    "risks.change_risk",
    "risks.accept_risk",
    "controls.change_control",
    "controls.change_evidence",
    "governance.change_governance",
    "improvement.change_improvement",
    "incidents.change_incident",
    "documents.change_document",
    "objectives.change_objective",
    "objectives.record_measurement",
    "reviews.update_decision",
}
_MANAGE = _CONTRIBUTE | {
    "core.view_auditlog",
    "catalog.adopt_framework",
    "assets.manage_classification",
    "risks.manage_methodology",
    "soa.change_soa",
    "soa.approve_soa",
    "governance.approve_scope",
    "improvement.verify_effectiveness",
    "documents.approve_document",
    "people.change_people",
    "audits.manage_audits",
    "audits.record_finding",
    "reviews.change_review",
    "readiness.build_audit_pack",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(PERMISSIONS),
    Role.MANAGER: frozenset(_READ | _MANAGE),
    Role.CONTRIBUTOR: frozenset(_READ | _CONTRIBUTE),
    # Auditors read everything in the organisation (including the trail) and write only
    # audit findings; their access can expire (Membership.access_expires_at).
    Role.AUDITOR: frozenset(
        _READ | {"core.view_auditlog", "audits.record_finding", "readiness.build_audit_pack"}
    ),
    Role.VIEWER: frozenset(_READ),
}


# Roles whose permission on a record is limited to the records they own (``owner`` field).
OWN_RECORDS_ONLY = frozenset({Role.CONTRIBUTOR})


def role_has_perm(role: str | None, perm: str) -> bool:
    if role is None:
        return False
    return perm in ROLE_PERMISSIONS.get(role, frozenset())


def validate_table() -> list[str]:
    """Problems with the table (used by a system check and a test)."""
    problems = []
    for role in Role:
        if role not in ROLE_PERMISSIONS:
            problems.append(f"role {role} has no permission set")
    for role_name, perms in ROLE_PERMISSIONS.items():
        for perm in perms - set(PERMISSIONS):
            problems.append(f"role {role_name} grants unknown permission {perm}")
    return problems
