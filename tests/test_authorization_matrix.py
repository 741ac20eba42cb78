"""The guard for every route: each role × {own organisation, other organisation, a record of
another organisation inside one's own, anonymous, expired auditor} × each declared method.

Routes are discovered from the URL resolver and the OpenAPI schema. A route that is neither in
ORG_ROUTES / API_ROUTES nor on an explicit, commented allow-list fails
``test_every_route_is_covered``: add it here when you add a view or an API operation.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from openisms.accounts import services
from openisms.accounts.models import Membership
from openisms.accounts.roles import Role, role_has_perm
from openisms.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from openisms.api import api
from tests.authz import EXTENSIONS
from tests.authz.spec import Spec

# --- UI routes under /o/<org_slug>/ ----------------------------------------------------------
ORG_ROUTES: dict[str, Spec] = {
    "core:dashboard": Spec("core.view_organization"),
    "core:auditlog": Spec("core.view_auditlog"),
    "accounts:member_list": Spec("accounts.view_members"),
    "accounts:member_add": Spec("accounts.manage_members", ("POST",)),
    "accounts:member_role": Spec("accounts.manage_members", ("POST",), "membership"),
    "accounts:member_remove": Spec("accounts.manage_members", ("POST",), "membership"),
    "accounts:organization_settings": Spec("accounts.change_organization", ("GET", "POST")),
    "accounts:token_list": Spec("accounts.use_api_tokens", ("GET", "POST")),
    "accounts:token_revoke": Spec("accounts.use_api_tokens", ("POST",), "token"),
    "catalog:framework_list": Spec("catalog.view_catalog"),
    "catalog:library_import": Spec("catalog.import_library", ("POST",)),
    "catalog:framework_detail": Spec("catalog.view_catalog", obj="framework"),
    "catalog:framework_adopt": Spec("catalog.adopt_framework", ("POST",), "framework"),
    "catalog:framework_export": Spec("catalog.view_catalog", obj="framework"),
    "catalog:requirement_detail": Spec("catalog.view_catalog", obj="requirement"),
    # Assets. "own" records below are owned by the acting user (contributors act on theirs).
    "assets:asset_list": Spec("assets.view_asset"),
    "assets:asset_create": Spec("assets.change_asset", ("GET", "POST")),
    "assets:asset_import": Spec("assets.change_asset", ("GET", "POST")),
    "assets:asset_detail": Spec("assets.view_asset", obj="asset"),
    "assets:asset_edit": Spec("assets.change_asset", ("GET", "POST"), "asset"),
    "assets:asset_delete": Spec("assets.change_asset", ("POST",), "asset"),
    "assets:classification": Spec("assets.view_asset"),
    "assets:classification_add": Spec("assets.manage_classification", ("POST",)),
    "assets:classification_default": Spec("assets.manage_classification", ("POST",)),
    # Risk methodology and assessment runs.
    "riskmethod:methodology": Spec("risks.view_risk"),
    "riskmethod:methodology_preset": Spec("risks.manage_methodology", ("POST",)),
    "riskmethod:methodology_edit": Spec("risks.manage_methodology", ("GET", "POST")),
    "riskmethod:run_list": Spec("risks.view_risk"),
    "riskmethod:run_start": Spec("risks.manage_methodology", ("POST",)),
    "riskmethod:run_compare": Spec(
        "risks.view_risk", obj="run_query", query="?before={obj}&after={obj}"
    ),
    "riskmethod:run_detail": Spec("risks.view_risk", obj="run"),
    "riskmethod:run_complete": Spec("risks.manage_methodology", ("POST",), "run"),
    # The risk register. Transitions: the service also requires the risk owner or a manager;
    # the acting user owns the "own" risk.
    "risks:risk_list": Spec("risks.view_risk"),
    "risks:risk_create": Spec("risks.change_risk", ("GET", "POST")),
    "risks:heatmap": Spec("risks.view_risk"),
    "risks:risk_export": Spec("risks.view_risk"),
    "risks:risk_import": Spec("risks.change_risk", ("GET", "POST")),
    "risks:treatment_plan": Spec("risks.view_risk"),
    "risks:risk_detail": Spec("risks.view_risk", obj="risk"),
    "risks:risk_edit": Spec("risks.change_risk", ("GET", "POST"), "risk"),
    "risks:risk_assess": Spec("risks.change_risk", ("POST",), "risk"),
    "risks:risk_treatment": Spec("risks.change_risk", ("POST",), "risk"),
    "risks:risk_transition": Spec("risks.view_risk", ("POST",), "risk"),
    "risks:risk_accept": Spec("risks.accept_risk", ("POST",), "risk"),
    "risks:action_create": Spec("risks.change_risk", ("POST",), "risk"),
    "risks:action_update": Spec("risks.change_risk", ("POST",), "action"),
    # Threats and vulnerabilities: the "own" ones are the organisation's (one per acting user).
    "risks:threat_catalog": Spec("risks.view_risk"),
    "risks:threat_create": Spec("risks.change_risk", ("POST",)),
    "risks:threat_edit": Spec("risks.change_risk", ("GET", "POST"), "threat"),
    "risks:threat_delete": Spec("risks.change_risk", ("POST",), "threat"),
    "risks:vulnerability_create": Spec("risks.change_risk", ("POST",)),
    "risks:vulnerability_edit": Spec("risks.change_risk", ("GET", "POST"), "vulnerability"),
    "risks:vulnerability_delete": Spec("risks.change_risk", ("POST",), "vulnerability"),
    # Implemented controls, their tests and runs, coverage: the "own" control (and its test) is
    # owned by the acting user (contributors act on theirs).
    "controls:control_list": Spec("controls.view_control"),
    "controls:control_create": Spec("controls.change_control", ("GET", "POST")),
    "controls:coverage": Spec("controls.view_control"),
    "controls:control_detail": Spec("controls.view_control", obj="control"),
    "controls:control_edit": Spec("controls.change_control", ("GET", "POST"), "control"),
    "controls:control_delete": Spec("controls.change_control", ("POST",), "control"),
    "controls:test_create": Spec("controls.change_control", ("GET", "POST"), "control"),
    "controls:test_edit": Spec("controls.change_control", ("GET", "POST"), "control_test"),
    "controls:test_delete": Spec("controls.change_control", ("POST",), "control_test"),
    "controls:run_create": Spec("controls.change_control", ("POST",), "control_test"),
    # Evidence: the "own" item is a file owned by the acting user (contributors act on theirs).
    "evidence:evidence_list": Spec("controls.view_control"),
    "evidence:evidence_create": Spec("controls.change_evidence", ("GET", "POST")),
    "evidence:evidence_export": Spec("controls.view_control"),
    "evidence:evidence_detail": Spec("controls.view_control", obj="evidence"),
    "evidence:evidence_edit": Spec("controls.change_evidence", ("GET", "POST"), "evidence"),
    "evidence:evidence_delete": Spec("controls.change_evidence", ("POST",), "evidence"),
    "evidence:evidence_download": Spec("controls.view_control", obj="evidence"),
    # Statement of Applicability. Approving an unchanged statement is refused (422) after the
    # permission check, which is what is tested here.
    "soa:soa_index": Spec("soa.view_soa", ("GET", "POST"), body="framework=999999"),
    "soa:soa_detail": Spec("soa.view_soa", obj="soa"),
    "soa:soa_settings": Spec("soa.change_soa", ("POST",), "soa"),
    "soa:soa_approve": Spec("soa.approve_soa", ("POST",), "soa"),
    "soa:soa_compare": Spec("soa.view_soa", obj="soa"),
    "soa:version_detail": Spec("soa.view_soa", obj="soa_version"),
    "soa:entry_edit": Spec("soa.change_soa", ("GET", "POST"), "soa_entry"),
    "soa:soa_export": Spec("soa.view_soa", obj="soa"),
    # Nonconformities, corrective actions, improvement log: "own" records are owned by the
    # acting user; "nc_verifying" is in the verifying state.
    "improvement:nc_list": Spec("improvement.view_improvement"),
    "improvement:nc_export": Spec("improvement.view_improvement"),
    "improvement:nc_create": Spec("improvement.change_improvement", ("GET", "POST")),
    "improvement:nc_detail": Spec("improvement.view_improvement", obj="nc"),
    "improvement:nc_edit": Spec("improvement.change_improvement", ("GET", "POST"), "nc"),
    "improvement:nc_delete": Spec("improvement.change_improvement", ("POST",), "nc"),
    "improvement:nc_transition": Spec("improvement.change_improvement", ("POST",), "nc"),
    "improvement:verification_create": Spec(
        "improvement.verify_effectiveness", ("POST",), "nc_verifying"
    ),
    "improvement:action_create": Spec("improvement.change_improvement", ("GET", "POST"), "nc"),
    "improvement:action_list": Spec("improvement.view_improvement"),
    "improvement:action_export": Spec("improvement.view_improvement"),
    "improvement:action_edit": Spec(
        "improvement.change_improvement", ("GET", "POST"), "corrective_action"
    ),
    "improvement:opportunity_list": Spec("improvement.view_improvement"),
    "improvement:opportunity_export": Spec("improvement.view_improvement"),
    "improvement:opportunity_create": Spec("improvement.change_improvement", ("GET", "POST")),
    "improvement:opportunity_detail": Spec("improvement.view_improvement", obj="opportunity"),
    "improvement:opportunity_edit": Spec(
        "improvement.change_improvement", ("GET", "POST"), "opportunity"
    ),
    "improvement:opportunity_delete": Spec(
        "improvement.change_improvement", ("POST",), "opportunity"
    ),
    # Incidents: the "own" incident (new, no timeline) is owned by the acting user.
    "incidents:incident_list": Spec("incidents.view_incident"),
    "incidents:incident_export": Spec("incidents.view_incident"),
    "incidents:incident_create": Spec("incidents.change_incident", ("GET", "POST")),
    "incidents:incident_detail": Spec("incidents.view_incident", obj="incident"),
    "incidents:incident_edit": Spec("incidents.change_incident", ("GET", "POST"), "incident"),
    "incidents:incident_delete": Spec("incidents.change_incident", ("POST",), "incident"),
    "incidents:incident_transition": Spec("incidents.change_incident", ("POST",), "incident"),
    "incidents:timeline_add": Spec("incidents.change_incident", ("POST",), "incident"),
    # Documents: per acting user, a document they own with a v1.0 draft ("document"), one in
    # review ("document_review") and one approved with a file version ("document_file").
    "documents:document_list": Spec("documents.view_document"),
    "documents:document_export": Spec("documents.view_document"),
    "documents:document_create": Spec("documents.change_document", ("GET", "POST")),
    "documents:methodology_generate": Spec("documents.change_document", ("POST",)),
    "documents:document_detail": Spec("documents.view_document", obj="document"),
    "documents:document_edit": Spec("documents.change_document", ("GET", "POST"), "document"),
    "documents:document_delete": Spec("documents.change_document", ("POST",), "document"),
    "documents:draft_edit": Spec("documents.change_document", ("GET", "POST"), "document"),
    "documents:draft_start": Spec("documents.change_document", ("POST",), "document_approved"),
    "documents:document_transition": Spec("documents.change_document", ("POST",), "document"),
    "documents:document_approve": Spec("documents.approve_document", ("POST",), "document_review"),
    "documents:version_detail": Spec("documents.view_document", obj="document_file"),
    "documents:version_download": Spec("documents.view_document", obj="document_file"),
    # Context issues, interested parties, obligations ("own" records owned by the acting user)
    # and the ISMS scope (an approved v1 and a draft changed since, per organisation).
    "governance:issue_list": Spec("governance.view_governance"),
    "governance:issue_export": Spec("governance.view_governance"),
    "governance:issue_create": Spec("governance.change_governance", ("GET", "POST")),
    "governance:issue_detail": Spec("governance.view_governance", obj="issue"),
    "governance:issue_edit": Spec("governance.change_governance", ("GET", "POST"), "issue"),
    "governance:issue_delete": Spec("governance.change_governance", ("POST",), "issue"),
    "governance:party_list": Spec("governance.view_governance"),
    "governance:party_export": Spec("governance.view_governance"),
    "governance:party_create": Spec("governance.change_governance", ("GET", "POST")),
    "governance:party_detail": Spec("governance.view_governance", obj="party"),
    "governance:party_edit": Spec("governance.change_governance", ("GET", "POST"), "party"),
    "governance:party_delete": Spec("governance.change_governance", ("POST",), "party"),
    "governance:obligation_list": Spec("governance.view_governance"),
    "governance:obligation_export": Spec("governance.view_governance"),
    "governance:obligation_create": Spec("governance.change_governance", ("GET", "POST")),
    "governance:obligation_detail": Spec("governance.view_governance", obj="obligation"),
    "governance:obligation_edit": Spec(
        "governance.change_governance", ("GET", "POST"), "obligation"
    ),
    "governance:obligation_delete": Spec("governance.change_governance", ("POST",), "obligation"),
    "governance:scope": Spec("governance.view_governance"),
    "governance:scope_edit": Spec("governance.change_governance", ("GET", "POST")),
    "governance:scope_approve": Spec("governance.approve_scope", ("POST",)),
    "governance:scope_compare": Spec("governance.view_governance"),
    "governance:scope_export": Spec("governance.view_governance"),
    "governance:scope_version": Spec("governance.view_governance", obj="scope_version"),
    # Objectives and metrics: the "own" objective is owned by the acting user, the "own" metric
    # (no objective, never measured) is measured by them.
    "objectives:objective_list": Spec("objectives.view_objective"),
    "objectives:objective_export": Spec("objectives.view_objective"),
    "objectives:objective_create": Spec("objectives.change_objective", ("GET", "POST")),
    "objectives:objective_detail": Spec("objectives.view_objective", obj="objective"),
    "objectives:objective_edit": Spec("objectives.change_objective", ("GET", "POST"), "objective"),
    "objectives:objective_delete": Spec("objectives.change_objective", ("POST",), "objective"),
    "objectives:metric_list": Spec("objectives.view_objective"),
    "objectives:metric_export": Spec("objectives.view_objective"),
    "objectives:measurement_export": Spec("objectives.view_objective"),
    "objectives:metric_create": Spec("objectives.change_objective", ("GET", "POST")),
    "objectives:metric_detail": Spec("objectives.view_objective", obj="metric"),
    "objectives:metric_edit": Spec("objectives.change_objective", ("GET", "POST"), "metric"),
    "objectives:metric_delete": Spec("objectives.change_objective", ("POST",), "metric"),
    "objectives:measurement_create": Spec("objectives.record_measurement", ("POST",), "metric"),
    # Roles, RACI, competences, training, awareness, communication (one set per organisation).
    "people:role_list": Spec("people.view_people"),
    "people:role_export": Spec("people.view_people"),
    "people:role_create": Spec("people.change_people", ("GET", "POST")),
    "people:role_detail": Spec("people.view_people", obj="isms_role"),
    "people:role_edit": Spec("people.change_people", ("GET", "POST"), "isms_role"),
    "people:role_delete": Spec("people.change_people", ("POST",), "isms_role"),
    "people:process_list": Spec("people.view_people"),
    "people:process_export": Spec("people.view_people"),
    "people:process_create": Spec("people.change_people", ("GET", "POST")),
    "people:process_edit": Spec("people.change_people", ("GET", "POST"), "process"),
    "people:process_delete": Spec("people.change_people", ("POST",), "process"),
    "people:competence_list": Spec("people.view_people"),
    "people:competence_export": Spec("people.view_people"),
    "people:competence_gaps": Spec("people.view_people"),
    "people:gap_export": Spec("people.view_people"),
    "people:competence_create": Spec("people.change_people", ("GET", "POST")),
    "people:competence_edit": Spec("people.change_people", ("GET", "POST"), "competence"),
    "people:competence_delete": Spec("people.change_people", ("POST",), "competence"),
    "people:training_list": Spec("people.view_people"),
    "people:training_export": Spec("people.view_people"),
    "people:training_create": Spec("people.change_people", ("GET", "POST")),
    "people:training_edit": Spec("people.change_people", ("GET", "POST"), "training"),
    "people:training_delete": Spec("people.change_people", ("POST",), "training"),
    "people:campaign_list": Spec("people.view_people"),
    "people:campaign_export": Spec("people.view_people"),
    "people:campaign_create": Spec("people.change_people", ("GET", "POST")),
    "people:campaign_edit": Spec("people.change_people", ("GET", "POST"), "campaign"),
    "people:campaign_delete": Spec("people.change_people", ("POST",), "campaign"),
    "people:communication_list": Spec("people.view_people"),
    "people:communication_export": Spec("people.view_people"),
    "people:communication_create": Spec("people.change_people", ("GET", "POST")),
    "people:communication_edit": Spec("people.change_people", ("GET", "POST"), "communication"),
    "people:communication_delete": Spec("people.change_people", ("POST",), "communication"),
}
# Routes that need a signed-in user but no organisation.
LOGIN_ROUTES = {"home"}
# Public on purpose.
PUBLIC_ROUTES = {
    "healthz": "liveness probe for load balancers; says only 'ok'",
    "readyz": "readiness probe; says whether the database is reachable and migrated",
    "api:openapi-json": "the API description is public documentation",
    "api:openapi-view": "interactive API docs (static files, no data)",
    "pdca:ical_feed": "a member's iCalendar feed; the secret in the URL is the credential "
    "(SHA-256 at rest, revocable; 404 when unknown, revoked or the member has left)",
}
# allauth's authentication pages: open to anonymous by design (sign in, password reset) or bound
# to the signed-in user's own account (MFA, password). None of them takes an organisation.
PUBLIC_MODULE_PREFIXES = ("allauth.",)

# --- API operations ---------------------------------------------------------------------------
API_ROUTES: dict[tuple[str, str], Spec] = {
    ("GET", "/api/v1/orgs/"): Spec("core.view_organization"),
    ("GET", "/api/v1/orgs/{slug}/"): Spec("core.view_organization"),
    ("PATCH", "/api/v1/orgs/{slug}/"): Spec(
        "accounts.change_organization", body='{"name": "Renamed", "version": 1}'
    ),
    ("GET", "/api/v1/orgs/{slug}/members/"): Spec("accounts.view_members"),
    ("POST", "/api/v1/orgs/{slug}/members/"): Spec(
        "accounts.manage_members", body='{"email": "new@acme.test", "role": "viewer"}'
    ),
    ("PATCH", "/api/v1/orgs/{slug}/members/{member_id}/"): Spec(
        "accounts.manage_members", obj="membership", body='{"role": "manager", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/members/{member_id}/"): Spec(
        "accounts.manage_members", obj="membership", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/audit-events/"): Spec("core.view_auditlog"),
    ("GET", "/api/v1/orgs/{slug}/tokens/"): Spec("accounts.use_api_tokens"),
    ("DELETE", "/api/v1/orgs/{slug}/tokens/{token_id}/"): Spec(
        "accounts.use_api_tokens", obj="token"
    ),
    ("GET", "/api/v1/orgs/{slug}/frameworks/"): Spec("catalog.view_catalog"),
    ("GET", "/api/v1/orgs/{slug}/frameworks/{framework_id}/"): Spec(
        "catalog.view_catalog", obj="framework"
    ),
    ("GET", "/api/v1/orgs/{slug}/frameworks/{framework_id}/nodes/"): Spec(
        "catalog.view_catalog", obj="framework"
    ),
    ("GET", "/api/v1/orgs/{slug}/frameworks/{framework_id}/nodes/{node_id}/"): Spec(
        "catalog.view_catalog", obj="requirement"
    ),
    ("GET", "/api/v1/orgs/{slug}/frameworks/{framework_id}/export/"): Spec(
        "catalog.view_catalog", obj="framework"
    ),
    ("POST", "/api/v1/orgs/{slug}/frameworks/{framework_id}/adoption/"): Spec(
        "catalog.adopt_framework", obj="framework"
    ),
    ("DELETE", "/api/v1/orgs/{slug}/frameworks/{framework_id}/adoption/"): Spec(
        "catalog.adopt_framework", obj="adopted_framework"
    ),
    ("GET", "/api/v1/orgs/{slug}/mapping-sets/"): Spec("catalog.view_catalog"),
    ("GET", "/api/v1/orgs/{slug}/mapping-sets/{mapping_set_id}/mappings/"): Spec(
        "catalog.view_catalog", obj="mapping_set"
    ),
    ("POST", "/api/v1/orgs/{slug}/libraries/"): Spec(
        "catalog.import_library", upload=("files", "set.csv", "ref_id,name\nX1,One\n")
    ),
    # Assets
    ("GET", "/api/v1/orgs/{slug}/assets/"): Spec("assets.view_asset"),
    ("POST", "/api/v1/orgs/{slug}/assets/"): Spec(
        "assets.change_asset", body='{"name": "New", "type": "site"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/assets/{asset_id}/"): Spec("assets.view_asset", obj="asset"),
    ("PATCH", "/api/v1/orgs/{slug}/assets/{asset_id}/"): Spec(
        "assets.change_asset", obj="asset", body='{"name": "Renamed", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/assets/{asset_id}/"): Spec(
        "assets.change_asset", obj="asset", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/classification-levels/"): Spec("assets.view_asset"),
    ("POST", "/api/v1/orgs/{slug}/classification-levels/"): Spec(
        "assets.manage_classification", body='{"name": "Secret", "order": 9}'
    ),
    # Threats, vulnerabilities, methodology
    ("GET", "/api/v1/orgs/{slug}/threats/"): Spec("risks.view_risk"),
    ("POST", "/api/v1/orgs/{slug}/threats/"): Spec(
        "risks.change_risk", body='{"name": "Meteor", "category": "natural"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/threats/{threat_id}/"): Spec("risks.view_risk", obj="threat"),
    ("PATCH", "/api/v1/orgs/{slug}/threats/{threat_id}/"): Spec(
        "risks.change_risk", obj="threat", body='{"name": "Renamed", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/threats/{threat_id}/"): Spec(
        "risks.change_risk", obj="threat", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/vulnerabilities/"): Spec("risks.view_risk"),
    ("GET", "/api/v1/orgs/{slug}/vulnerabilities/{vuln_id}/"): Spec(
        "risks.view_risk", obj="vulnerability"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/vulnerabilities/{vuln_id}/"): Spec(
        "risks.change_risk", obj="vulnerability", body='{"name": "Renamed", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/vulnerabilities/{vuln_id}/"): Spec(
        "risks.change_risk", obj="vulnerability", query="?version=1"
    ),
    ("POST", "/api/v1/orgs/{slug}/vulnerabilities/"): Spec(
        "risks.change_risk", body='{"name": "Weak passwords"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/risk-methodology/"): Spec("risks.view_risk"),
    ("POST", "/api/v1/orgs/{slug}/risk-methodology/"): Spec(
        "risks.manage_methodology", body='{"preset": "5x5"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/risk-methodology/versions/"): Spec("risks.view_risk"),
    # Risks (the "own" risk is owned by the acting user and assessed at 1 × 1: version 2)
    ("GET", "/api/v1/orgs/{slug}/risks/"): Spec("risks.view_risk"),
    ("POST", "/api/v1/orgs/{slug}/risks/"): Spec("risks.change_risk", body='{"title": "New risk"}'),
    ("GET", "/api/v1/orgs/{slug}/risks/heatmap/"): Spec("risks.view_risk"),
    ("GET", "/api/v1/orgs/{slug}/risks/export/"): Spec("risks.view_risk"),
    ("POST", "/api/v1/orgs/{slug}/risks/import/"): Spec(
        "risks.change_risk", upload=("file", "risks.csv", "title,owner\nImported risk,{email}\n")
    ),
    ("POST", "/api/v1/orgs/{slug}/assets/import/"): Spec(
        "assets.change_asset",
        upload=("file", "assets.csv", "name,type,owner\nImported,site,{email}\n"),
    ),
    ("GET", "/api/v1/orgs/{slug}/risks/{risk_id}/"): Spec("risks.view_risk", obj="risk"),
    ("PATCH", "/api/v1/orgs/{slug}/risks/{risk_id}/"): Spec(
        "risks.change_risk", obj="risk", body='{"title": "Renamed", "version": 2}'
    ),
    ("POST", "/api/v1/orgs/{slug}/risks/{risk_id}/assessment/"): Spec(
        "risks.change_risk",
        obj="risk",
        body='{"current": {"likelihood": 2, "consequence": 2}, "version": 2}',
    ),
    ("POST", "/api/v1/orgs/{slug}/risks/{risk_id}/treatment/"): Spec(
        "risks.change_risk", obj="risk", body='{"option": "retain", "version": 2}'
    ),
    ("POST", "/api/v1/orgs/{slug}/risks/{risk_id}/transition/"): Spec(
        "risks.view_risk", obj="risk", body='{"to": "analysed", "version": 2}'
    ),
    ("GET", "/api/v1/orgs/{slug}/risks/{risk_id}/acceptances/"): Spec(
        "risks.view_risk", obj="risk"
    ),
    ("POST", "/api/v1/orgs/{slug}/risks/{risk_id}/acceptances/"): Spec(
        "risks.accept_risk",
        obj="risk",
        body='{"justification": "Within appetite, reviewed yearly."}',
    ),
    ("GET", "/api/v1/orgs/{slug}/risks/{risk_id}/actions/"): Spec("risks.view_risk", obj="risk"),
    ("POST", "/api/v1/orgs/{slug}/risks/{risk_id}/actions/"): Spec(
        "risks.change_risk", obj="risk", body='{"title": "Patch it"}'
    ),
    ("PATCH", "/api/v1/orgs/{slug}/actions/{action_id}/"): Spec(
        "risks.change_risk", obj="action", body='{"status": "done", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/actions/{action_id}/"): Spec(
        "risks.change_risk", obj="action", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/treatment-plan/"): Spec("risks.view_risk"),
    ("GET", "/api/v1/orgs/{slug}/assessment-runs/"): Spec("risks.view_risk"),
    ("POST", "/api/v1/orgs/{slug}/assessment-runs/"): Spec(
        "risks.manage_methodology", body='{"name": "2027"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/assessment-runs/compare/"): Spec(
        "risks.view_risk", obj="run_query", query="?before={obj}&after={obj}"
    ),
    ("POST", "/api/v1/orgs/{slug}/assessment-runs/{run_id}/complete/"): Spec(
        "risks.manage_methodology", obj="run", body='{"version": 1}'
    ),
    # Implemented controls, their tests and runs, coverage
    ("GET", "/api/v1/orgs/{slug}/controls/"): Spec("controls.view_control"),
    ("POST", "/api/v1/orgs/{slug}/controls/"): Spec(
        "controls.change_control", body='{"name": "New control"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/controls/coverage/"): Spec("controls.view_control"),
    ("GET", "/api/v1/orgs/{slug}/controls/{control_id}/"): Spec(
        "controls.view_control", obj="control"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/controls/{control_id}/"): Spec(
        "controls.change_control", obj="control", body='{"name": "Renamed", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/controls/{control_id}/"): Spec(
        "controls.change_control", obj="control", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/controls/{control_id}/tests/"): Spec(
        "controls.view_control", obj="control"
    ),
    ("POST", "/api/v1/orgs/{slug}/controls/{control_id}/tests/"): Spec(
        "controls.change_control", obj="control", body='{"name": "Check"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/control-tests/{test_id}/"): Spec(
        "controls.view_control", obj="control_test"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/control-tests/{test_id}/"): Spec(
        "controls.change_control", obj="control_test", body='{"name": "Renamed", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/control-tests/{test_id}/"): Spec(
        "controls.change_control", obj="control_test", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/control-tests/{test_id}/runs/"): Spec(
        "controls.view_control", obj="control_test"
    ),
    ("POST", "/api/v1/orgs/{slug}/control-tests/{test_id}/runs/"): Spec(
        "controls.change_control", obj="control_test", body='{"result": "pass"}'
    ),
    # Evidence
    ("GET", "/api/v1/orgs/{slug}/evidence/"): Spec("controls.view_control"),
    ("POST", "/api/v1/orgs/{slug}/evidence/"): Spec(
        "controls.change_evidence", body='{"kind": "note", "title": "Walkthrough", "note": "Seen"}'
    ),
    ("POST", "/api/v1/orgs/{slug}/evidence/upload/"): Spec(
        "controls.change_evidence", upload=("file", "log.txt", "Visitor log checked by {email}\n")
    ),
    ("GET", "/api/v1/orgs/{slug}/evidence/{evidence_id}/"): Spec(
        "controls.view_control", obj="evidence"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/evidence/{evidence_id}/"): Spec(
        "controls.change_evidence", obj="evidence", body='{"title": "Renamed", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/evidence/{evidence_id}/"): Spec(
        "controls.change_evidence", obj="evidence", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/evidence/{evidence_id}/download/"): Spec(
        "controls.view_control", obj="evidence"
    ),
    # Statement of Applicability
    ("GET", "/api/v1/orgs/{slug}/soa/"): Spec("soa.view_soa"),
    ("POST", "/api/v1/orgs/{slug}/soa/"): Spec(
        "soa.change_soa", body='{"framework": "urn:openisms:framework:iso27001-2013"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/soa/{soa_id}/"): Spec("soa.view_soa", obj="soa"),
    ("PATCH", "/api/v1/orgs/{slug}/soa/{soa_id}/"): Spec(
        "soa.change_soa", obj="soa", body='{"classification": "Confidential", "version": 1}'
    ),
    ("PATCH", "/api/v1/orgs/{slug}/soa-rows/{entry_id}/"): Spec(
        "soa.change_soa", obj="soa_entry", body='{"notes": "Reviewed", "version": 1}'
    ),
    ("POST", "/api/v1/orgs/{slug}/soa/{soa_id}/approve/"): Spec(
        "soa.approve_soa", obj="soa", body='{"comment": "Annual review"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/soa/{soa_id}/versions/"): Spec("soa.view_soa", obj="soa"),
    ("GET", "/api/v1/orgs/{slug}/soa/{soa_id}/versions/{number}/"): Spec(
        "soa.view_soa", obj="soa_version"
    ),
    ("GET", "/api/v1/orgs/{slug}/soa/{soa_id}/compare/"): Spec(
        "soa.view_soa", obj="soa", query="?before=1&after=draft"
    ),
    ("GET", "/api/v1/orgs/{slug}/soa/{soa_id}/export/"): Spec("soa.view_soa", obj="soa"),
    # Nonconformities, corrective actions, verifications, improvement log
    ("GET", "/api/v1/orgs/{slug}/nonconformities/"): Spec("improvement.view_improvement"),
    ("POST", "/api/v1/orgs/{slug}/nonconformities/"): Spec(
        "improvement.change_improvement", body='{"title": "Finding"}'
    ),
    ("POST", "/api/v1/orgs/{slug}/control-test-runs/{run_id}/nonconformity/"): Spec(
        "improvement.change_improvement", obj="failed_run"
    ),
    ("GET", "/api/v1/orgs/{slug}/nonconformities/{nc_id}/"): Spec(
        "improvement.view_improvement", obj="nc"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/nonconformities/{nc_id}/"): Spec(
        "improvement.change_improvement", obj="nc", body='{"title": "Renamed", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/nonconformities/{nc_id}/"): Spec(
        "improvement.change_improvement", obj="nc", query="?version=1"
    ),
    ("POST", "/api/v1/orgs/{slug}/nonconformities/{nc_id}/transition/"): Spec(
        "improvement.change_improvement", obj="nc", body='{"status": "analysed", "version": 1}'
    ),
    ("GET", "/api/v1/orgs/{slug}/nonconformities/{nc_id}/actions/"): Spec(
        "improvement.view_improvement", obj="nc"
    ),
    ("POST", "/api/v1/orgs/{slug}/nonconformities/{nc_id}/actions/"): Spec(
        "improvement.change_improvement", obj="nc", body='{"title": "Fix it"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/nonconformities/{nc_id}/verifications/"): Spec(
        "improvement.view_improvement", obj="nc_verifying"
    ),
    ("POST", "/api/v1/orgs/{slug}/nonconformities/{nc_id}/verifications/"): Spec(
        "improvement.verify_effectiveness", obj="nc_verifying", body='{"result": "effective"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/corrective-actions/"): Spec("improvement.view_improvement"),
    ("GET", "/api/v1/orgs/{slug}/corrective-actions/{action_id}/"): Spec(
        "improvement.view_improvement", obj="corrective_action"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/corrective-actions/{action_id}/"): Spec(
        "improvement.change_improvement",
        obj="corrective_action",
        body='{"progress_note": "Started", "version": 1}',
    ),
    ("GET", "/api/v1/orgs/{slug}/improvement-opportunities/"): Spec("improvement.view_improvement"),
    ("POST", "/api/v1/orgs/{slug}/improvement-opportunities/"): Spec(
        "improvement.change_improvement", body='{"title": "Idea"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/improvement-opportunities/{opportunity_id}/"): Spec(
        "improvement.view_improvement", obj="opportunity"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/improvement-opportunities/{opportunity_id}/"): Spec(
        "improvement.change_improvement",
        obj="opportunity",
        body='{"title": "Renamed", "version": 1}',
    ),
    ("DELETE", "/api/v1/orgs/{slug}/improvement-opportunities/{opportunity_id}/"): Spec(
        "improvement.change_improvement", obj="opportunity", query="?version=1"
    ),
    # Incidents
    ("GET", "/api/v1/orgs/{slug}/incidents/"): Spec("incidents.view_incident"),
    ("POST", "/api/v1/orgs/{slug}/incidents/"): Spec(
        "incidents.change_incident", body='{"title": "Lost laptop"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/incidents/{incident_id}/"): Spec(
        "incidents.view_incident", obj="incident"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/incidents/{incident_id}/"): Spec(
        "incidents.change_incident", obj="incident", body='{"title": "Renamed", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/incidents/{incident_id}/"): Spec(
        "incidents.change_incident", obj="incident", query="?version=1"
    ),
    ("POST", "/api/v1/orgs/{slug}/incidents/{incident_id}/transition/"): Spec(
        "incidents.change_incident", obj="incident", body='{"status": "triaged", "version": 1}'
    ),
    ("GET", "/api/v1/orgs/{slug}/incidents/{incident_id}/timeline/"): Spec(
        "incidents.view_incident", obj="incident"
    ),
    ("POST", "/api/v1/orgs/{slug}/incidents/{incident_id}/timeline/"): Spec(
        "incidents.change_incident", obj="incident", body='{"what": "Reported"}'
    ),
    # Documents
    ("GET", "/api/v1/orgs/{slug}/documents/"): Spec("documents.view_document"),
    ("POST", "/api/v1/orgs/{slug}/documents/"): Spec(
        "documents.change_document", body='{"title": "New policy", "type": "policy"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/documents/export/"): Spec("documents.view_document"),
    ("POST", "/api/v1/orgs/{slug}/documents/risk-methodology/"): Spec("documents.change_document"),
    ("GET", "/api/v1/orgs/{slug}/documents/{document_id}/"): Spec(
        "documents.view_document", obj="document"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/documents/{document_id}/"): Spec(
        "documents.change_document", obj="document", body='{"title": "Renamed", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/documents/{document_id}/"): Spec(
        "documents.change_document", obj="document", query="?version=1"
    ),
    ("POST", "/api/v1/orgs/{slug}/documents/{document_id}/transition/"): Spec(
        "documents.change_document", obj="document", body='{"to": "in_review", "version": 1}'
    ),
    ("POST", "/api/v1/orgs/{slug}/documents/{document_id}/approve/"): Spec(
        "documents.approve_document", obj="document_review", body='{"version": 2}'
    ),
    ("GET", "/api/v1/orgs/{slug}/documents/{document_id}/versions/"): Spec(
        "documents.view_document", obj="document"
    ),
    ("POST", "/api/v1/orgs/{slug}/documents/{document_id}/versions/"): Spec(
        "documents.change_document", obj="document_approved", body='{"bump": "minor"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/documents/{document_id}/versions/{version_id}/"): Spec(
        "documents.view_document", obj="document_file"
    ),
    ("GET", "/api/v1/orgs/{slug}/documents/{document_id}/versions/{version_id}/download/"): Spec(
        "documents.view_document", obj="document_file"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/documents/{document_id}/draft/"): Spec(
        "documents.change_document",
        obj="document",
        body='{"body_markdown": "Changed", "version": 1}',
    ),
    ("POST", "/api/v1/orgs/{slug}/documents/{document_id}/draft/upload/"): Spec(
        "documents.change_document",
        obj="document",
        upload=("file", "policy.txt", "Policy text by {email}\n"),
    ),
    # Governance: context issues, interested parties, obligations, the ISMS scope.
    ("GET", "/api/v1/orgs/{slug}/context-issues/"): Spec("governance.view_governance"),
    ("POST", "/api/v1/orgs/{slug}/context-issues/"): Spec(
        "governance.change_governance",
        body='{"title": "T", "side": "internal", "category": "legal"}',
    ),
    ("GET", "/api/v1/orgs/{slug}/context-issues/{issue_id}/"): Spec(
        "governance.view_governance", obj="issue"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/context-issues/{issue_id}/"): Spec(
        "governance.change_governance", obj="issue", body='{"title": "T2", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/context-issues/{issue_id}/"): Spec(
        "governance.change_governance", obj="issue", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/interested-parties/"): Spec("governance.view_governance"),
    ("POST", "/api/v1/orgs/{slug}/interested-parties/"): Spec(
        "governance.change_governance", body='{"name": "P", "side": "external"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/interested-parties/{party_id}/"): Spec(
        "governance.view_governance", obj="party"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/interested-parties/{party_id}/"): Spec(
        "governance.change_governance", obj="party", body='{"name": "P2", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/interested-parties/{party_id}/"): Spec(
        "governance.change_governance", obj="party", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/obligations/"): Spec("governance.view_governance"),
    ("POST", "/api/v1/orgs/{slug}/obligations/"): Spec(
        "governance.change_governance", body='{"title": "O", "kind": "legal"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/obligations/{obligation_id}/"): Spec(
        "governance.view_governance", obj="obligation"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/obligations/{obligation_id}/"): Spec(
        "governance.change_governance", obj="obligation", body='{"title": "O2", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/obligations/{obligation_id}/"): Spec(
        "governance.change_governance", obj="obligation", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/scope/"): Spec("governance.view_governance"),
    ("PATCH", "/api/v1/orgs/{slug}/scope/"): Spec(
        "governance.change_governance", body='{"text": "Changed scope", "version": 3}'
    ),
    ("POST", "/api/v1/orgs/{slug}/scope/approve/"): Spec("governance.approve_scope"),
    ("GET", "/api/v1/orgs/{slug}/scope/versions/"): Spec("governance.view_governance"),
    ("GET", "/api/v1/orgs/{slug}/scope/versions/{version_id}/"): Spec(
        "governance.view_governance", obj="scope_version"
    ),
    # Objectives, metrics, measurements
    ("GET", "/api/v1/orgs/{slug}/objectives/"): Spec("objectives.view_objective"),
    ("POST", "/api/v1/orgs/{slug}/objectives/"): Spec(
        "objectives.change_objective", body='{"title": "Goal"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/objectives/{objective_id}/"): Spec(
        "objectives.view_objective", obj="objective"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/objectives/{objective_id}/"): Spec(
        "objectives.change_objective", obj="objective", body='{"title": "Renamed", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/objectives/{objective_id}/"): Spec(
        "objectives.change_objective", obj="objective", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/metrics/"): Spec("objectives.view_objective"),
    ("POST", "/api/v1/orgs/{slug}/metrics/"): Spec(
        "objectives.change_objective", body='{"name": "Clicks", "target": "5"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/metrics/{metric_id}/"): Spec(
        "objectives.view_objective", obj="metric"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/metrics/{metric_id}/"): Spec(
        "objectives.change_objective", obj="metric", body='{"name": "Renamed", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/metrics/{metric_id}/"): Spec(
        "objectives.change_objective", obj="metric", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/metrics/{metric_id}/measurements/"): Spec(
        "objectives.view_objective", obj="metric"
    ),
    ("POST", "/api/v1/orgs/{slug}/metrics/{metric_id}/measurements/"): Spec(
        "objectives.record_measurement", obj="metric", body='{"value": "3.5"}'
    ),
    # Roles, RACI, competences, training, awareness, communication
    ("GET", "/api/v1/orgs/{slug}/competences/"): Spec("people.view_people"),
    ("POST", "/api/v1/orgs/{slug}/competences/"): Spec(
        "people.change_people", body='{"name": "Forensics"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/competences/{competence_id}/"): Spec(
        "people.view_people", obj="competence"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/competences/{competence_id}/"): Spec(
        "people.change_people", obj="competence", body='{"description": "x", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/competences/{competence_id}/"): Spec(
        "people.change_people", obj="competence", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/competence-gaps/"): Spec("people.view_people"),
    ("GET", "/api/v1/orgs/{slug}/isms-roles/"): Spec("people.view_people"),
    ("POST", "/api/v1/orgs/{slug}/isms-roles/"): Spec(
        "people.change_people", body='{"name": "New role"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/isms-roles/{role_id}/"): Spec(
        "people.view_people", obj="isms_role"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/isms-roles/{role_id}/"): Spec(
        "people.change_people", obj="isms_role", body='{"responsibilities": "x", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/isms-roles/{role_id}/"): Spec(
        "people.change_people", obj="isms_role", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/processes/"): Spec("people.view_people"),
    ("POST", "/api/v1/orgs/{slug}/processes/"): Spec(
        "people.change_people", body='{"name": "New process"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/processes/{process_id}/"): Spec(
        "people.view_people", obj="process"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/processes/{process_id}/"): Spec(
        "people.change_people", obj="process", body='{"description": "x", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/processes/{process_id}/"): Spec(
        "people.change_people", obj="process", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/training-records/"): Spec("people.view_people"),
    ("POST", "/api/v1/orgs/{slug}/training-records/"): Spec(
        "people.change_people", body='{"title": "Course", "completed_on": "2026-01-05"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/training-records/{record_id}/"): Spec(
        "people.view_people", obj="training"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/training-records/{record_id}/"): Spec(
        "people.change_people", obj="training", body='{"notes": "x", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/training-records/{record_id}/"): Spec(
        "people.change_people", obj="training", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/awareness-campaigns/"): Spec("people.view_people"),
    ("POST", "/api/v1/orgs/{slug}/awareness-campaigns/"): Spec(
        "people.change_people", body='{"title": "Campaign", "starts_on": "2026-01-05"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/awareness-campaigns/{campaign_id}/"): Spec(
        "people.view_people", obj="campaign"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/awareness-campaigns/{campaign_id}/"): Spec(
        "people.change_people", obj="campaign", body='{"completed_count": 0, "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/awareness-campaigns/{campaign_id}/"): Spec(
        "people.change_people", obj="campaign", query="?version=1"
    ),
    ("GET", "/api/v1/orgs/{slug}/communication-plan/"): Spec("people.view_people"),
    ("POST", "/api/v1/orgs/{slug}/communication-plan/"): Spec(
        "people.change_people", body='{"what": "News", "when": "Monthly", "audience": "All"}'
    ),
    ("GET", "/api/v1/orgs/{slug}/communication-plan/{item_id}/"): Spec(
        "people.view_people", obj="communication"
    ),
    ("PATCH", "/api/v1/orgs/{slug}/communication-plan/{item_id}/"): Spec(
        "people.change_people", obj="communication", body='{"notes": "x", "version": 1}'
    ),
    ("DELETE", "/api/v1/orgs/{slug}/communication-plan/{item_id}/"): Spec(
        "people.change_people", obj="communication", query="?version=1"
    ),
}
# Later apps keep their routes, records and kinds in a module of tests/authz/ (see its
# __init__): they are merged here.
for _ext in EXTENSIONS:
    assert not set(_ext.ORG_ROUTES) & set(ORG_ROUTES), _ext.__name__
    assert not set(_ext.API_ROUTES) & set(API_ROUTES), _ext.__name__
    ORG_ROUTES.update(_ext.ORG_ROUTES)
    API_ROUTES.update(_ext.API_ROUTES)

# GET /api/v1/orgs/ lists the caller's own organisations: nothing to scope by slug.
API_UNSCOPED = {("GET", "/api/v1/orgs/")}


def _walk(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            yield (f"{namespace}{p.name}" if p.name else None), p


def ui_route_names() -> set[str]:
    names = set()
    for name, pattern in _walk(get_resolver().url_patterns):
        module = getattr(pattern.callback, "__module__", "")
        if module.startswith(PUBLIC_MODULE_PREFIXES):
            continue
        if name and name.startswith("api:") and name not in PUBLIC_ROUTES:
            continue  # API operations are checked from the OpenAPI schema
        names.add(name or f"<unnamed {pattern.pattern}>")
    return names


def api_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {
        (method.upper(), path)
        for path, ops in schema["paths"].items()
        for method in ops
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_route_is_covered():
    ui_uncovered = ui_route_names() - set(ORG_ROUTES) - LOGIN_ROUTES - set(PUBLIC_ROUTES)
    api_uncovered = api_operations() - set(API_ROUTES)
    assert not ui_uncovered, f"routes without authorisation tests: {sorted(ui_uncovered)}"
    assert not api_uncovered, f"API operations without authorisation tests: {sorted(api_uncovered)}"


def test_no_stale_entries():
    assert set(ORG_ROUTES) | LOGIN_ROUTES | set(PUBLIC_ROUTES) <= ui_route_names()
    assert set(API_ROUTES) <= api_operations()


# --- the world ---------------------------------------------------------------------------------
class World:
    def __init__(self):
        self.own = OrganizationFactory(slug="acme")
        self.other = OrganizationFactory(slug="globex")
        self.users = {}
        for role in Role:
            self.users[role.value] = UserFactory(email=f"{role.value}@acme.test")
            MembershipFactory(organization=self.own, user=self.users[role.value], role=role)
        self.users["expired_auditor"] = UserFactory(email="expired@acme.test")
        MembershipFactory(
            organization=self.own,
            user=self.users["expired_auditor"],
            role=Role.AUDITOR,
            access_expires_at=timezone.now() + dt.timedelta(hours=1),
        )
        self.target = MembershipFactory(organization=self.own, role=Role.VIEWER)
        other_owner = UserFactory(email="owner@globex.test")
        MembershipFactory(organization=self.other, user=other_owner, role=Role.OWNER)
        self.other_target = MembershipFactory(organization=self.other, role=Role.VIEWER)
        self.other_token = services.token_create(
            organization=self.other, actor=other_owner, name="g"
        ).token
        from openisms.catalog.models import Framework
        from openisms.catalog.services import catalog_import, framework_adopt

        self.framework = Framework.objects.get(urn="urn:openisms:framework:nist-csf-2.0")
        self.adopted = Framework.objects.get(urn="urn:openisms:framework:iso27001-2022")
        framework_adopt(organization=self.own, actor=self.users["owner"], framework=self.adopted)
        # A framework imported by the other organisation: private to it.
        catalog_import([_library_file()], organization=self.other, actor=other_owner)
        self.other_framework = Framework.objects.get(organization=self.other)
        self.other_mapping_set = _private_mapping_set(self.other, self.other_framework)
        self.risk_records = _risk_world(self, other_owner)
        self.soa_records = _soa_world(self, other_owner)
        self.control_records = _control_world(self, other_owner)
        self.evidence_records = _evidence_world(self, other_owner)
        self.improvement_records = _improvement_world(self, other_owner)
        self.document_records = _documents_world(self, other_owner)
        self.objective_records = _objectives_world(self, other_owner)
        self.people_records = _people_world(self, other_owner)
        self.governance_records = _governance_world(self, other_owner)
        self.extension_records = {ext.__name__: ext.world(self, other_owner) for ext in EXTENSIONS}
        self.secrets = {}
        for key, user in self.users.items():
            new = services.token_create(organization=self.own, actor=user, name=key)
            self.secrets[key] = new.secret
            if key == "expired_auditor":
                self.expire_auditor = new
        Membership.objects.filter(user=self.users["expired_auditor"]).update(
            access_expires_at=timezone.now() - dt.timedelta(minutes=1)
        )

    def obj_pk(self, kind, *, user_key, foreign):
        for ext in EXTENSIONS:
            if kind in ext.KINDS:
                records = self.extension_records[ext.__name__]
                return ext.obj_pk(records, kind, user_key=user_key, foreign=foreign)
        if kind in ("issue", "party", "obligation", "scope_version"):
            return self.governance_records["other" if foreign else user_key][kind]
        if kind in ("objective", "metric"):
            return self.objective_records["other" if foreign else user_key][kind]
        if kind in ("isms_role", "process", "competence", "training", "campaign", "communication"):
            return self.people_records["other" if foreign else "own"][kind]
        if kind in ("document", "document_review", "document_file", "document_approved"):
            return self.document_records["other" if foreign else user_key][kind]
        if kind in ("nc", "nc_verifying", "corrective_action", "opportunity", "incident"):
            return self.improvement_records["other" if foreign else user_key][kind]
        if kind == "failed_run":
            return self.improvement_records["other" if foreign else user_key][kind]
        if kind == "evidence":
            return self.evidence_records["other" if foreign else user_key]
        if kind in ("control", "control_test"):
            return self.control_records["other" if foreign else user_key][kind]
        if kind in ("soa", "soa_entry", "soa_version"):
            return self.soa_records["other" if foreign else "own"][kind]
        if kind in ("asset", "risk", "action", "run", "run_query", "threat", "vulnerability"):
            records = self.risk_records["other" if foreign else user_key]
            return records["run" if kind == "run_query" else kind]
        if kind in ("framework", "adopted_framework"):
            if foreign:
                return self.other_framework.pk
            return (self.adopted if kind == "adopted_framework" else self.framework).pk
        if kind == "mapping_set":
            from openisms.catalog.models import MappingSet

            if foreign:
                return self.other_mapping_set.pk
            return MappingSet.objects.filter(organization__isnull=True).first().pk
        if kind == "requirement":
            fw = self.other_framework if foreign else self.framework
            return fw.pk, fw.nodes.order_by("order").first().pk
        if kind == "membership":
            return (self.other_target if foreign else self.target).pk
        if foreign:
            return self.other_token.pk
        return self.users[user_key].api_tokens.get().pk


def _risk_world(world, other_owner):
    """Per acting user, an asset, an assessed risk and an action they own, and an own threat
    and vulnerability of the organisation; a run per organisation; and the same in the other
    organisation."""
    from openisms.assets.services import asset_create
    from openisms.risks import services as risks

    result = {}
    for org, owner, keys in (
        (world.own, world.users["owner"], list(world.users)),
        (world.other, other_owner, ["other"]),
    ):
        risks.methodology_from_preset(organization=org, actor=owner, preset="4x4")
        run = risks.run_start(organization=org, actor=owner, name="Baseline")
        for key in keys:
            person = other_owner if key == "other" else world.users[key]
            asset = asset_create(
                organization=org, actor=owner, name=f"Asset of {key}", type="site", owner=person
            )
            risk = risks.risk_create(
                organization=org, actor=owner, title=f"Risk of {key}", owner=person
            )
            risks.risk_assess(risk=risk, actor=owner, version=1, current=(1, 1))
            action = risks.action_create(risk=risk, actor=owner, title="Act")
            threat = risks.threat_create(
                organization=org, actor=owner, name=f"Threat of {key}", category="physical"
            )
            vuln = risks.vulnerability_create(
                organization=org, actor=owner, name=f"Vulnerability of {key}"
            )
            result[key] = {
                "asset": asset.pk,
                "risk": risk.pk,
                "action": action.pk,
                "run": run.pk,
                "threat": threat.pk,
                "vulnerability": vuln.pk,
            }
    return result


def _soa_world(world, other_owner):
    """Per organisation, the ISO/IEC 27001 statement (every row decided) with one approved
    version and a draft changed since (so that approving again is possible); "soa_version"
    names the statement and the version number."""
    from openisms.catalog.models import Framework
    from openisms.catalog.services import framework_adopt
    from openisms.soa import services as soa
    from openisms.soa.models import SoaEntry

    iso = Framework.objects.get(urn="urn:openisms:framework:iso27001-2022")
    old = Framework.objects.get(urn="urn:openisms:framework:iso27001-2013")
    result = {}
    for key, org, owner in (
        ("own", world.own, world.users["owner"]),
        ("other", world.other, other_owner),
    ):
        framework_adopt(organization=org, actor=owner, framework=old)  # a statement can be made
        statement = soa.soa_create(organization=org, actor=owner, framework=iso)
        SoaEntry.objects.filter(soa=statement).update(applicable=True, business_requirement=True)
        version = soa.soa_approve(soa=statement, actor=owner)
        SoaEntry.objects.filter(soa=statement, order=2).update(notes="Changed since v1")
        result[key] = {
            "soa": statement.pk,
            "soa_entry": statement.entries.order_by("order").first().pk,
            "soa_version": {"pk": statement.pk, "soa_id": statement.pk, "number": version.number},
        }
    return result


def _control_world(world, other_owner):
    """Per acting user, a control they own with one test (no runs); the same in the other
    organisation. Each as {"pk": …, "<api path parameter>": …}."""
    from openisms.controls import services as controls

    result = {}
    for org, owner, keys in (
        (world.own, world.users["owner"], list(world.users)),
        (world.other, other_owner, ["other"]),
    ):
        for key in keys:
            person = other_owner if key == "other" else world.users[key]
            control = controls.control_create(
                organization=org, actor=owner, name=f"Control of {key}", owner=person
            )
            test = controls.control_test_create(control=control, actor=owner, name="Check")
            result[key] = {
                "control": {"pk": control.pk, "control_id": control.pk},
                "control_test": {"pk": test.pk, "test_id": test.pk},
            }
    return result


# --- evidence (a separate block) ----------------------------------------------------------------
def _evidence_world(world, other_owner):
    """Per acting user, a file evidence item they own (stored under the test data directory's
    evidence root, so that its download answers 200); the same in the other organisation.
    Each as {"pk": …, "evidence_id": …}."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from openisms.controls import evidence_services

    result = {}
    for org, owner, keys in (
        (world.own, world.users["owner"], list(world.users)),
        (world.other, other_owner, ["other"]),
    ):
        for key in keys:
            person = other_owner if key == "other" else world.users[key]
            evidence = evidence_services.evidence_create(
                organization=org,
                actor=owner,
                kind="file",
                owner=person,
                upload=SimpleUploadedFile(f"{key}.txt", f"Evidence of {key}\n".encode()),
            )
            result[key] = {"pk": evidence.pk, "evidence_id": evidence.pk}
    return result


# --- nonconformities, improvement and incidents (a separate block) ------------------------------
def _improvement_world(world, other_owner):
    """Per acting user: an open nonconformity with a root cause and no action ("nc", version 1);
    a nonconformity in verifying ("nc_verifying") with a done action they own
    ("corrective_action", version 1); a proposed improvement opportunity; a new incident (no timeline). Per
    organisation: a failed control test run ("failed_run"). Each as {"pk": …, "<param>": …}."""
    from openisms.controls import services as controls
    from openisms.improvement import services as improvement
    from openisms.incidents import services as incidents

    result = {}
    for org, owner, keys in (
        (world.own, world.users["owner"], list(world.users)),
        (world.other, other_owner, ["other"]),
    ):
        control = controls.control_create(organization=org, actor=owner, name="Backups")
        test = controls.control_test_create(control=control, actor=owner, name="Restore")
        run = controls.run_record(test=test, actor=owner, result="fail", notes="Incomplete")
        for key in keys:
            person = other_owner if key == "other" else world.users[key]
            nc = improvement.nonconformity_create(
                organization=org, actor=owner, title="Finding", owner=person, root_cause="Why"
            )
            verifying = improvement.nonconformity_create(
                organization=org, actor=owner, title="Fixed?", owner=person, root_cause="Why"
            )
            verifying = improvement.nonconformity_transition(
                nc=verifying, actor=owner, to="analysed", version=1
            )
            action = improvement.action_create(
                nc=verifying, actor=owner, title="Done", status="done", owner=person
            )
            for to in ("action_planned", "verifying"):
                verifying = improvement.nonconformity_transition(
                    nc=verifying, actor=owner, to=to, version=verifying.version
                )
            item = improvement.opportunity_create(
                organization=org, actor=owner, title="Idea", owner=person
            )
            incident = incidents.incident_create(
                organization=org, actor=owner, title="Incident", owner=person
            )
            result[key] = {
                "nc": {"pk": nc.pk, "nc_id": nc.pk},
                "nc_verifying": {"pk": verifying.pk, "nc_id": verifying.pk},
                "corrective_action": {"pk": action.pk, "action_id": action.pk},
                "opportunity": {"pk": item.pk, "opportunity_id": item.pk},
                "incident": {"pk": incident.pk, "incident_id": incident.pk},
                "failed_run": {"run_id": run.pk},
            }
    return result


# --- documents (a separate block) ---------------------------------------------------------------
def _documents_world(world, other_owner):
    """Per acting user, documents they own: "document" (v1.0 draft with a Markdown body,
    document version 1, draft version 1), "document_review" (v1.0 in review, document version
    2) and "document_file" / "document_approved" (v1.0 approved, a text file; the first names
    the version too). The same in the other organisation.
    Each as {"pk": …, "document_id": …} (and "version_pk"/"version_id" for the file version)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from openisms.documents import services as documents

    result = {}
    for org, owner, keys in (
        (world.own, world.users["owner"], list(world.users)),
        (world.other, other_owner, ["other"]),
    ):
        for key in keys:
            person = other_owner if key == "other" else world.users[key]

            def make(title, person=person, org=org, owner=owner, **content):
                return documents.document_create(
                    organization=org,
                    actor=owner,
                    title=title,
                    type="policy",
                    owner=person,
                    **content,
                )

            draft = make("Draft policy", body_markdown="# Policy")
            review = make("Policy in review", body_markdown="# Policy")
            documents.document_transition(document=review, actor=owner, to="in_review", version=1)
            filed = make(
                "Filed policy",
                upload=SimpleUploadedFile(f"{key}-policy.txt", f"Policy of {key}\n".encode()),
            )
            documents.document_transition(document=filed, actor=owner, to="in_review", version=1)
            approved = documents.document_approve(document=filed, actor=owner, version=2)
            result[key] = {
                "document": {"pk": draft.pk, "document_id": draft.pk},
                "document_review": {"pk": review.pk, "document_id": review.pk},
                "document_approved": {"pk": filed.pk, "document_id": filed.pk},
                "document_file": {
                    "pk": filed.pk,
                    "version_pk": approved.pk,
                    "document_id": filed.pk,
                    "version_id": approved.pk,
                },
            }
    return result


# --- governance (a separate block) --------------------------------------------------------------
def _governance_world(world, other_owner):
    """Per acting user, an issue, an interested party (no obligations) and an obligation they
    own (each version 1); per organisation, the scope approved as v1 with a draft changed since
    (draft version 3), "scope_version" naming v1. Each as {"pk": …, "<api param>": …}."""
    from openisms.governance import services as governance

    result = {}
    for org, owner, keys in (
        (world.own, world.users["owner"], list(world.users)),
        (world.other, other_owner, ["other"]),
    ):
        scope = governance.scope_save(organization=org, actor=owner, version=1, text="Scope")
        v1 = governance.scope_approve(scope=scope, actor=owner)
        governance.scope_save(organization=org, actor=owner, version=2, text="Scope, changed")
        for key in keys:
            person = other_owner if key == "other" else world.users[key]
            issue = governance.issue_create(
                organization=org, actor=owner, title="Issue", side="internal",
                category="legal", owner=person,
            )  # fmt: skip
            party = governance.party_create(
                organization=org, actor=owner, name="Party", side="external", owner=person
            )
            obligation = governance.obligation_create(
                organization=org, actor=owner, title="Obligation", kind="legal", owner=person
            )
            result[key] = {
                "issue": {"pk": issue.pk, "issue_id": issue.pk},
                "party": {"pk": party.pk, "party_id": party.pk},
                "obligation": {"pk": obligation.pk, "obligation_id": obligation.pk},
                "scope_version": {"pk": v1.pk, "version_id": v1.pk},
            }
    return result


# --- objectives and people (a separate block) ---------------------------------------------------
def _objectives_world(world, other_owner):
    """Per acting user, an objective they own (no metric, version 1) and a metric they measure
    (no objective, never measured, version 1); the same in the other organisation.
    Each as {"pk": …, "<param>": …}."""
    from openisms.objectives import services as objectives

    result = {}
    for org, owner, keys in (
        (world.own, world.users["owner"], list(world.users)),
        (world.other, other_owner, ["other"]),
    ):
        for key in keys:
            person = other_owner if key == "other" else world.users[key]
            objective = objectives.objective_create(
                organization=org, actor=owner, title=f"Goal of {key}", owner=person
            )
            metric = objectives.metric_create(
                organization=org, actor=owner, name=f"Metric of {key}", target=5, measured_by=person
            )
            result[key] = {
                "objective": {"pk": objective.pk, "objective_id": objective.pk},
                "metric": {"pk": metric.pk, "metric_id": metric.pk},
            }
    return result


def _people_world(world, other_owner):
    """Per organisation ("own", "other"): an ISMS role (no RACI), a process (no RACI), a
    competence no role requires, a training record, a campaign and a communication item, all
    at version 1. Each as {"pk": …, "<param>": …}."""
    from openisms.people import services as people

    result = {}
    for org, owner, key in (
        (world.own, world.users["owner"], "own"),
        (world.other, other_owner, "other"),
    ):
        role = people.role_create(organization=org, actor=owner, name="ISMS manager")
        process = people.process_create(organization=org, actor=owner, name="Internal audit")
        competence = people.competence_create(organization=org, actor=owner, name="Auditing")
        training = people.training_create(
            organization=org,
            actor=owner,
            person=owner,
            title="Lead auditor",
            completed_on=dt.date(2026, 1, 5),
        )
        campaign = people.campaign_create(
            organization=org, actor=owner, title="Phishing", starts_on=dt.date(2026, 1, 5)
        )
        item = people.communication_create(
            organization=org, actor=owner, what="Policy", when="Yearly", audience="All staff"
        )
        result[key] = {
            "isms_role": {"pk": role.pk, "role_id": role.pk},
            "process": {"pk": process.pk, "process_id": process.pk},
            "competence": {"pk": competence.pk, "competence_id": competence.pk},
            "training": {"pk": training.pk, "record_id": training.pk},
            "campaign": {"pk": campaign.pk, "campaign_id": campaign.pk},
            "communication": {"pk": item.pk, "item_id": item.pk},
        }
    return result


def _library_file():
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "private-controls.csv"
    path.write_text("ref_id,name\nP1,Private control\n", encoding="utf-8")
    return path


def _private_mapping_set(organization, framework):
    from openisms.catalog.models import Framework, Library, MappingSet, RequirementMapping

    library = Library.objects.create(
        organization=organization,
        urn="urn:test:private-maps",
        name="m",
        version="1",
        format="openisms",
        content_hash="x",
    )
    iso = Framework.objects.get(urn="urn:openisms:framework:iso27001-2022")
    ms = MappingSet.objects.create(
        library=library,
        organization=organization,
        urn="urn:test:ms",
        name="private",
        source_framework=framework,
        target_framework=iso,
    )
    RequirementMapping.objects.create(
        mapping_set=ms,
        source=framework.nodes.first(),
        target=iso.nodes.first(),
        relationship="equal",
    )
    return ms


@pytest.fixture(scope="module")
def _shared_world(django_db_setup, django_db_blocker):
    """The world is built once per module (and xdist worker) inside a transaction that is
    rolled back at the end; each test runs in a savepoint within it (the ``db`` fixture), so
    what a test writes is undone before the next one, as with Django's setUpTestData."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield World()
        transaction.set_rollback(True)


@pytest.fixture
def world(_shared_world, db):
    return _shared_world


ACTORS = [r.value for r in Role]
SCOPES = ["own", "other_org", "foreign_object", "anonymous", "expired_auditor"]


def _ui_cases():
    for name, spec in ORG_ROUTES.items():
        for method in spec.methods:
            for scope in SCOPES:
                if scope == "foreign_object" and spec.obj is None:
                    continue
                actors = ACTORS if scope in ("own", "other_org", "foreign_object") else [None]
                for actor in actors:
                    yield pytest.param(
                        name, method, scope, actor, id=f"{name}-{method}-{scope}-{actor}"
                    )


@pytest.mark.parametrize(("name", "method", "scope", "actor"), list(_ui_cases()))
def test_ui_route(client, world, name, method, scope, actor):
    spec = ORG_ROUTES[name]
    user_key = actor or ("expired_auditor" if scope == "expired_auditor" else None)
    slug = world.other.slug if scope == "other_org" else world.own.slug
    kwargs = {"org_slug": slug}
    if spec.obj and not spec.query:
        foreign = scope in ("other_org", "foreign_object")
        pk = world.obj_pk(spec.obj, user_key=user_key or "owner", foreign=foreign)
        if isinstance(pk, dict):  # keys ending in _id are the API's path parameters
            kwargs.update({k: v for k, v in pk.items() if not k.endswith("_id")})
        elif isinstance(pk, tuple):
            kwargs["pk"], kwargs["node_pk"] = pk
        else:
            kwargs["pk"] = pk
    if user_key:
        client.force_login(world.users[user_key])
    url = reverse(name, kwargs=kwargs)
    if spec.query:
        obj = world.obj_pk(
            spec.obj, user_key=user_key or "owner", foreign=scope in ("other_org", "foreign_object")
        )
        url += spec.query.replace("{obj}", str(obj))
    response = client.generic(method, url)
    status = response.status_code
    if scope == "anonymous":
        assert status == 302 and response["Location"].startswith("/accounts/login/"), status
    elif scope in ("other_org", "expired_auditor"):
        assert status == 404, status
    elif not role_has_perm(actor, spec.perm):
        assert status == 403, status
    elif scope == "foreign_object":
        assert status == 404, status
    else:
        assert status < 500 and status not in (401, 403, 404), status


def test_home_needs_login(client, world):
    assert client.get("/")["Location"].startswith("/accounts/login/")
    client.force_login(world.users["viewer"])
    assert client.get("/")["Location"] == "/o/acme/"


def _api_cases():
    for (method, path), spec in API_ROUTES.items():
        for scope in SCOPES:
            if scope == "foreign_object" and spec.obj is None:
                continue
            if (method, path) in API_UNSCOPED and scope in ("other_org", "foreign_object"):
                continue
            actors = ACTORS if scope in ("own", "other_org", "foreign_object") else [None]
            for actor in actors:
                yield pytest.param(method, path, scope, actor, id=f"{method}{path}-{scope}-{actor}")


@pytest.mark.parametrize(("method", "path", "scope", "actor"), list(_api_cases()))
def test_api_operation(client, world, method, path, scope, actor):
    spec = API_ROUTES[(method, path)]
    user_key = actor or ("expired_auditor" if scope == "expired_auditor" else None)
    slug = world.other.slug if scope == "other_org" else world.own.slug
    foreign = scope in ("other_org", "foreign_object")
    url = path.replace("{slug}", slug)
    obj = None
    if spec.obj:
        pk = world.obj_pk(spec.obj, user_key=user_key or "owner", foreign=foreign)
        obj = pk
        if isinstance(pk, dict):  # the path's parameters by name
            for param, value in pk.items():
                url = url.replace("{" + param + "}", str(value))
            pk = obj = next(iter(pk.values()))
        fw_pk, node_pk = pk if isinstance(pk, tuple) else (pk, None)
        for param in (
            "member_id",
            "token_id",
            "mapping_set_id",
            "asset_id",
            "risk_id",
            "action_id",
            "run_id",
            "threat_id",
            "vuln_id",
            "soa_id",
            "entry_id",
        ):
            url = url.replace("{" + param + "}", str(pk))
        for param, value in (("framework_id", fw_pk), ("node_id", node_pk)):
            url = url.replace("{" + param + "}", str(value))
    url += spec.query.replace("{obj}", str(obj))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.secrets[user_key]}"} if user_key else {}
    if spec.upload:
        from django.core.files.uploadedfile import SimpleUploadedFile

        field, filename, content = spec.upload
        email = world.users[user_key].email if user_key else ""
        upload = SimpleUploadedFile(
            filename, content.replace("{email}", email).encode(), content_type="text/csv"
        )
        response = client.post(url, {field: [upload] if field == "files" else upload}, **headers)
    else:
        response = client.generic(
            method, url, data=spec.body, content_type="application/json", **headers
        )
    status = response.status_code
    if scope == "anonymous":
        assert status == 401, status
    elif scope == "expired_auditor":
        assert status in (404,) if (method, path) not in API_UNSCOPED else status == 200, status
        if (method, path) in API_UNSCOPED:
            assert response.json() == []
    elif scope == "other_org":
        assert status == 404, status
    elif not role_has_perm(actor, spec.perm):
        assert status == 403, status
    elif scope == "foreign_object":
        assert status == 404, status
    else:
        assert status in (200, 201, 204), (status, response.content)
