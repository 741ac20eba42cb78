"""Authorisation-matrix specs of the pdca app (see tests/authz/__init__.py)."""

from __future__ import annotations

from typing import Any

from tests.authz.spec import Spec  # noqa: F401

ORG_ROUTES: dict[str, Any] = {}
API_ROUTES: dict[tuple[str, str], Any] = {}
KINDS: set[str] = set()


def world(world: Any, other_owner: Any) -> dict[str, Any]:
    return {}


def obj_pk(records: dict[str, Any], kind: str, *, user_key: str, foreign: bool) -> Any:
    raise KeyError(kind)
