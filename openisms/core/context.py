"""Who is acting and why, for the audit trail: set per request (middleware) or per command."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class AuditContext:
    request_id: str = ""
    # Extra facts stored with each event: client address, channel ("web", "api", "cli"),
    # the API token used.
    extra: dict[str, Any] = field(default_factory=dict)


_current: ContextVar[AuditContext | None] = ContextVar("openisms_audit_context", default=None)


def current() -> AuditContext:
    return _current.get() or AuditContext()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def audit_context(*, request_id: str | None = None, **extra: Any) -> Iterator[AuditContext]:
    base = current()
    ctx = replace(
        base,
        request_id=request_id or base.request_id or new_request_id(),
        extra={**base.extra, **{k: v for k, v in extra.items() if v is not None}},
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
