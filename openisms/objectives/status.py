"""Where a metric stands against its target, derived on read (never stored).

The rule, for the latest measurement (latest ``measured_on``, then latest recorded):

* no measurement → ``no_data``;
* higher is better: value ≥ target → ``on_target``; else value ≥ warning threshold →
  ``warning``; else ``off_target``;
* lower is better: value ≤ target → ``on_target``; else value ≤ warning threshold →
  ``warning``; else ``off_target``;
* without a warning threshold there is no ``warning``: missing the target is ``off_target``.

A metric is *overdue* when its latest measurement is older than its frequency (in days) — or,
never measured, when it was defined longer ago than that.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from openisms.objectives.choices import Direction, MetricStatus


def status_for(
    *, value: Decimal | None, target: Decimal, warning: Decimal | None, direction: str
) -> MetricStatus:
    if value is None:
        return MetricStatus.NO_DATA
    if direction == Direction.LOWER:
        if value <= target:
            return MetricStatus.ON_TARGET
        if warning is not None and value <= warning:
            return MetricStatus.WARNING
        return MetricStatus.OFF_TARGET
    if value >= target:
        return MetricStatus.ON_TARGET
    if warning is not None and value >= warning:
        return MetricStatus.WARNING
    return MetricStatus.OFF_TARGET


def is_overdue(
    *,
    latest_on: dt.date | None,
    frequency_days: int,
    created_on: dt.date | None = None,
    today: dt.date | None = None,
) -> bool:
    today = today or timezone.localdate()
    since = latest_on or created_on
    if since is None:
        return False
    return (today - since).days > frequency_days


def next_due(*, latest_on: dt.date | None, frequency_days: int) -> dt.date | None:
    if latest_on is None:
        return None
    return latest_on + dt.timedelta(days=frequency_days)


def metric_state(metric: Any, today: dt.date | None = None) -> dict[str, Any]:
    """Status, overdue flag and next due date of a metric annotated with ``latest_value`` and
    ``latest_on`` (``selectors.metric_list``)."""
    latest_value = getattr(metric, "latest_value", None)
    latest_on = getattr(metric, "latest_on", None)
    created_on = timezone.localtime(metric.created_at).date() if metric.created_at else None
    status = status_for(
        value=latest_value,
        target=metric.target,
        warning=metric.warning,
        direction=metric.direction,
    )
    return {
        "status": status,
        "overdue": is_overdue(
            latest_on=latest_on,
            frequency_days=metric.frequency_days,
            created_on=created_on,
            today=today,
        ),
        "next_due": next_due(latest_on=latest_on, frequency_days=metric.frequency_days),
    }
