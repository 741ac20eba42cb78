"""Shared builders for the governance tests."""

from __future__ import annotations

from typing import Any

from openisms.catalog.models import RequirementNode
from openisms.controls import services as controls
from openisms.governance import services

ISO = "urn:openisms:framework:iso27001-2022"


def annex(ref: str) -> RequirementNode:
    return RequirementNode.objects.get(framework__urn=ISO, ref_id=ref)


def make_issue(org: Any, actor: Any, **data: Any) -> Any:
    data.setdefault("title", "Customers demand certification")
    data.setdefault("side", "external")
    data.setdefault("category", "economic")
    return services.issue_create(organization=org, actor=actor, **data)


def make_party(org: Any, actor: Any, **data: Any) -> Any:
    data.setdefault("name", "Automotive customers")
    data.setdefault("side", "external")
    return services.party_create(organization=org, actor=actor, **data)


def make_obligation(org: Any, actor: Any, **data: Any) -> Any:
    data.setdefault("title", "GDPR security of processing")
    data.setdefault("kind", "legal")
    return services.obligation_create(organization=org, actor=actor, **data)


def make_control(org: Any, actor: Any, refs: tuple[str, ...] = (), **data: Any) -> Any:
    data.setdefault("name", "Backup and restore")
    return controls.control_create(
        organization=org, actor=actor, requirements=[annex(r) for r in refs], **data
    )
