"""Authorisation-matrix specs of the audits app (see tests/authz/__init__.py).

Per organisation: a programme ("programme", version 1, no audits); a planned audit that can
start ("audit_planned", version 1: lead auditor, two checklist items); an audit in progress
("audit_running", version 3) whose team holds the auditor, with a conformity and a minor
nonconformity not raised yet ("item", version 2; "item_nc"), its conclusion written so that
it can be reported; a reported audit with conformities only ("audit_reported", version 4).
Each test runs in a savepoint, so a write of one case never leaks into the next."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.authz.spec import Spec

VIEW = "audits.view_audit"
MANAGE = "audits.manage_audits"
RECORD = "audits.record_finding"
RAISE = "improvement.change_improvement"

ORG_ROUTES: dict[str, Any] = {
    "audits:audit_list": Spec(VIEW),
    "audits:audit_export": Spec(VIEW),
    "audits:finding_export": Spec(VIEW),
    "audits:audit_create": Spec(MANAGE, ("GET", "POST")),
    "audits:audit_detail": Spec(VIEW, obj="audit_running"),
    "audits:audit_edit": Spec(MANAGE, ("GET", "POST"), "audit_planned"),
    "audits:audit_delete": Spec(MANAGE, ("POST",), "audit_planned"),
    "audits:audit_transition": Spec(MANAGE, ("POST",), "audit_planned"),
    "audits:audit_report": Spec(VIEW, obj="audit_running"),
    "audits:item_record": Spec(RECORD, ("POST",), "item"),
    "audits:item_raise": Spec(RAISE, ("POST",), "item_nc"),
    "audits:programme_list": Spec(VIEW),
    "audits:programme_create": Spec(MANAGE, ("GET", "POST")),
    "audits:programme_detail": Spec(VIEW, obj="programme"),
    "audits:programme_edit": Spec(MANAGE, ("GET", "POST"), "programme"),
    "audits:programme_delete": Spec(MANAGE, ("POST",), "programme"),
}

ORG = "/api/v1/orgs/{slug}"
API_ROUTES: dict[tuple[str, str], Any] = {
    ("GET", f"{ORG}/audit-programmes/"): Spec(VIEW),
    ("POST", f"{ORG}/audit-programmes/"): Spec(
        MANAGE, body='{"title": "Cycle", "period_start": "2026-01-01", "period_end": "2028-12-31"}'
    ),
    ("GET", f"{ORG}/audit-programmes/{{programme_id}}/"): Spec(VIEW, obj="programme"),
    ("PATCH", f"{ORG}/audit-programmes/{{programme_id}}/"): Spec(
        MANAGE, obj="programme", body='{"title": "Renamed", "version": 1}'
    ),
    ("DELETE", f"{ORG}/audit-programmes/{{programme_id}}/"): Spec(
        MANAGE, obj="programme", query="?version=1"
    ),
    ("GET", f"{ORG}/audit-programmes/{{programme_id}}/coverage/"): Spec(VIEW, obj="programme"),
    ("GET", f"{ORG}/audits/"): Spec(VIEW),
    ("POST", f"{ORG}/audits/"): Spec(MANAGE, body='{"title": "Audit"}'),
    ("GET", f"{ORG}/audits/{{audit_id}}/"): Spec(VIEW, obj="audit_running"),
    ("PATCH", f"{ORG}/audits/{{audit_id}}/"): Spec(
        MANAGE, obj="audit_planned", body='{"title": "Renamed", "version": 1}'
    ),
    ("DELETE", f"{ORG}/audits/{{audit_id}}/"): Spec(
        MANAGE, obj="audit_planned", query="?version=1"
    ),
    ("POST", f"{ORG}/audits/{{audit_id}}/start/"): Spec(
        MANAGE, obj="audit_planned", body='{"version": 1}'
    ),
    ("POST", f"{ORG}/audits/{{audit_id}}/cancel/"): Spec(
        MANAGE, obj="audit_planned", body='{"version": 1}'
    ),
    ("POST", f"{ORG}/audits/{{audit_id}}/report/"): Spec(
        MANAGE, obj="audit_running", body='{"version": 3}'
    ),
    ("POST", f"{ORG}/audits/{{audit_id}}/close/"): Spec(
        MANAGE, obj="audit_reported", body='{"version": 4}'
    ),
    ("GET", f"{ORG}/audits/{{audit_id}}/report/"): Spec(VIEW, obj="audit_running"),
    ("GET", f"{ORG}/audits/{{audit_id}}/items/"): Spec(VIEW, obj="audit_running"),
    ("GET", f"{ORG}/audits/{{audit_id}}/items/{{item_id}}/"): Spec(VIEW, obj="item"),
    ("PATCH", f"{ORG}/audits/{{audit_id}}/items/{{item_id}}/"): Spec(
        RECORD, obj="item", body='{"sampling_notes": "Ten records sampled.", "version": 2}'
    ),
    ("POST", f"{ORG}/audits/{{audit_id}}/items/{{item_id}}/nonconformity/"): Spec(
        RAISE, obj="item_nc"
    ),
}
KINDS: set[str] = {
    "programme",
    "audit_planned",
    "audit_running",
    "audit_reported",
    "item",
    "item_nc",
}


def _build(org: Any, owner: Any, auditor: Any | None) -> dict[str, Any]:
    from openisms.audits import services
    from openisms.audits.models import AuditItem
    from openisms.catalog.models import RequirementNode

    iso = "urn:openisms:framework:iso27001-2022"
    nodes = list(RequirementNode.objects.filter(framework__urn=iso, ref_id__in=["9.2.2", "A.8.13"]))
    programme = services.programme_create(
        organization=org,
        actor=owner,
        title="Cycle",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2028, 12, 31),
    )

    def audit(title: str, team: list[Any]) -> Any:
        return services.audit_create(
            organization=org,
            actor=owner,
            title=title,
            lead_auditor=owner,
            criteria=nodes,
            team=team,
        )

    planned = audit("Planned", [])
    running = audit("Running", [auditor] if auditor else [])
    running = services.audit_start(audit=running, actor=owner, version=1)
    items = {i.requirement.ref_id: i for i in running.items.select_related("requirement")}
    item = services.item_record(item=items["9.2.2"], actor=owner, version=1, result="conformity")
    services.item_record(
        item=items["A.8.13"], actor=owner, version=1, result="minor_nc", finding="No restore test"
    )
    running = services.audit_update(
        audit=running, actor=owner, version=running.version, conclusion="Mostly effective."
    )
    reported = audit("Reported", [])
    reported = services.audit_start(audit=reported, actor=owner, version=1)
    for each in AuditItem.objects.filter(audit=reported):
        services.item_record(item=each, actor=owner, version=1, result="conformity")
    reported = services.audit_update(
        audit=reported, actor=owner, version=reported.version, conclusion="Effective."
    )
    reported = services.audit_report(audit=reported, actor=owner, version=reported.version)
    assert (planned.version, running.version, item.version, reported.version) == (1, 3, 2, 4)
    nc_item = AuditItem.objects.get(pk=items["A.8.13"].pk)
    return {
        "programme": {"pk": programme.pk, "programme_id": programme.pk},
        "audit_planned": {"pk": planned.pk, "audit_id": planned.pk},
        "audit_running": {"pk": running.pk, "audit_id": running.pk},
        "audit_reported": {"pk": reported.pk, "audit_id": reported.pk},
        "item": {"pk": running.pk, "item_pk": item.pk, "audit_id": running.pk, "item_id": item.pk},
        "item_nc": {
            "pk": running.pk,
            "item_pk": nc_item.pk,
            "audit_id": running.pk,
            "item_id": nc_item.pk,
        },
    }


def world(world: Any, other_owner: Any) -> dict[str, Any]:
    return {
        "own": _build(world.own, world.users["owner"], world.users["auditor"]),
        "other": _build(world.other, other_owner, None),
    }


def obj_pk(records: dict[str, Any], kind: str, *, user_key: str, foreign: bool) -> Any:
    return records["other" if foreign else "own"][kind]
