"""Demo content of the readiness app: today's snapshot of the demo organisation, taken after
every other app has added its records (the readiness app is registered last but the audit
pack), so the readiness page opens with the first point of its trend. No past history is
invented: the worker adds a point every day."""

from __future__ import annotations

from typing import Any

from openisms.readiness.services import snapshot_take


def demo_hook(*, organization: Any, **_: Any) -> None:
    snapshot_take(organization=organization)
