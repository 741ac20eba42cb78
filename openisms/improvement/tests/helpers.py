"""Shared builders for the improvement tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from openisms.controls import services as controls
from openisms.improvement import services

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def make_nc(org: Any, actor: Any, **data: Any) -> Any:
    data.setdefault("title", "Visitor log missing")
    return services.nonconformity_create(organization=org, actor=actor, **data)


def failed_run(org: Any, actor: Any, result: str = "fail") -> Any:
    control = controls.control_create(organization=org, actor=actor, name="Backup and restore")
    test = controls.control_test_create(control=control, actor=actor, name="Restore test")
    return controls.run_record(
        test=test, actor=actor, result=result, notes="Restore stopped at 80%"
    )


def move(nc: Any, actor: Any, *statuses: str) -> Any:
    for to in statuses:
        nc = services.nonconformity_transition(nc=nc, actor=actor, to=to, version=nc.version)
    return nc


def to_verifying(org: Any, actor: Any, **data: Any) -> Any:
    """A nonconformity with one done action, in verifying."""
    nc = make_nc(org, actor, root_cause="No alert on failed jobs", **data)
    nc = move(nc, actor, "analysed")
    services.action_create(nc=nc, actor=actor, title="Alert on failure", status="done")
    return move(nc, actor, "action_planned", "verifying")
