"""Authorisation-matrix specs of evidence requests (see tests/authz/__init__.py).

Per organisation: one open request ("evidence_request", version 1) requested by the owner.
Each test runs in a savepoint, so a write of one case never leaks into the next."""

from __future__ import annotations

from typing import Any

from tests.authz.spec import Spec

VIEW = "controls.view_control"
REQUEST = "audits.record_finding"
ANSWER = "controls.change_evidence"
KIND = "evidence_request"

ORG_ROUTES: dict[str, Any] = {
    "evidence_requests:request_list": Spec(VIEW),
    "evidence_requests:request_export": Spec(VIEW),
    "evidence_requests:request_create": Spec(REQUEST, ("GET", "POST")),
    "evidence_requests:request_detail": Spec(VIEW, obj=KIND),
    "evidence_requests:request_answer": Spec(ANSWER, ("POST",), KIND),
    "evidence_requests:request_status": Spec(REQUEST, ("POST",), KIND),
}

P = "/api/v1/orgs/{slug}/evidence-requests/"
API_ROUTES: dict[tuple[str, str], Any] = {
    ("GET", P): Spec(VIEW),
    ("POST", P): Spec(REQUEST, body='{"title": "Q3 access review"}'),
    ("GET", f"{P}{{request_id}}/"): Spec(VIEW, obj=KIND),
    ("PATCH", f"{P}{{request_id}}/"): Spec(
        REQUEST, obj=KIND, body='{"title": "Renamed", "version": 1}'
    ),
    ("POST", f"{P}{{request_id}}/answer/"): Spec(
        ANSWER, obj=KIND, body='{"note": "Sent by e-mail.", "version": 1}'
    ),
    ("POST", f"{P}{{request_id}}/status/"): Spec(
        REQUEST, obj=KIND, body='{"status": "withdrawn", "version": 1}'
    ),
}
KINDS: set[str] = {KIND}


def _build(org: Any, actor: Any) -> dict[str, Any]:
    from openisms.controls.request_services import request_create

    er = request_create(organization=org, actor=actor, title="Q3 access review")
    assert er.version == 1
    return {KIND: {"pk": er.pk, "request_id": er.pk}}


def world(world: Any, other_owner: Any) -> dict[str, Any]:
    """Per acting user, an open request they made (edited and withdrawn by the requester or
    an audit manager); users who cannot make one get one made by the owner."""
    from openisms.accounts.roles import role_has_perm

    records = {"other": _build(world.other, other_owner)}
    for key, user in world.users.items():
        role = "auditor" if key == "expired_auditor" else key
        actor = user if role_has_perm(role, REQUEST) else world.users["owner"]
        records[key] = _build(world.own, actor)
    return records


def obj_pk(records: dict[str, Any], kind: str, *, user_key: str, foreign: bool) -> Any:
    return records["other" if foreign else user_key][kind]
