"""Authorisation-matrix specs of the readiness app (see tests/authz/__init__.py). Everything is
read-only and every role holds ``readiness.view_readiness``; the other organisation answers 404.
The rules list lives under the organisation (no unscoped route)."""

from __future__ import annotations

from typing import Any

from tests.authz.spec import Spec

VIEW = "readiness.view_readiness"

ORG_ROUTES: dict[str, Any] = {
    "readiness:readiness": Spec(VIEW),
    "readiness:rule_list": Spec(VIEW),
    "readiness:report": Spec(VIEW, query="?format=docx"),
}
API_ROUTES: dict[tuple[str, str], Any] = {
    ("GET", "/api/v1/orgs/{slug}/readiness/"): Spec(VIEW),
    ("GET", "/api/v1/orgs/{slug}/readiness/history/"): Spec(VIEW),
    ("GET", "/api/v1/orgs/{slug}/readiness/rules/"): Spec(VIEW),
}
KINDS: set[str] = set()


def world(world: Any, other_owner: Any) -> dict[str, Any]:
    from openisms.readiness.services import snapshot_take

    return {
        "own": snapshot_take(organization=world.own),
        "other": snapshot_take(organization=world.other),
    }


def obj_pk(records: dict[str, Any], kind: str, *, user_key: str, foreign: bool) -> Any:
    raise KeyError(kind)
