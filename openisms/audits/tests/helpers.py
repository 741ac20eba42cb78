"""Shared builders for the audits tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from openisms.audits import services
from openisms.catalog.models import RequirementNode

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)
ISO = "urn:openisms:framework:iso27001-2022"


def req(ref: str) -> RequirementNode:
    return RequirementNode.objects.get(framework__urn=ISO, ref_id=ref)


def reqs(*refs: str) -> list[RequirementNode]:
    return [req(r) for r in refs]


def make_audit(
    org: Any, actor: Any, refs: tuple[str, ...] = ("9.2.2", "A.8.13"), **data: Any
) -> Any:
    data.setdefault("title", "ISMS audit")
    data.setdefault("lead_auditor", actor)
    return services.audit_create(organization=org, actor=actor, criteria=reqs(*refs), **data)


def items(audit: Any) -> dict[str, Any]:
    return {i.requirement.ref_id: i for i in audit.items.select_related("requirement")}


def started(org: Any, actor: Any, **data: Any) -> Any:
    audit = make_audit(org, actor, **data)
    return services.audit_start(audit=audit, actor=actor, version=audit.version)


def record(item: Any, actor: Any, **data: Any) -> Any:
    item.refresh_from_db()
    return services.item_record(item=item, actor=actor, version=item.version, **data)


def reported(org: Any, actor: Any, results: dict[str, dict[str, Any]] | None = None) -> Any:
    """An audit reported with the given results per requirement ref (conformity otherwise)."""
    audit = started(org, actor)
    for ref, item in items(audit).items():
        record(item, actor, **(results or {}).get(ref, {"result": "conformity"}))
    audit.refresh_from_db()
    audit = services.audit_update(
        audit=audit, actor=actor, version=audit.version, conclusion="Effective overall."
    )
    return services.audit_report(audit=audit, actor=actor, version=audit.version)
