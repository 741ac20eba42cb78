"""Writes of the readiness app: the daily snapshot of an organisation's evaluation.

A snapshot is taken by the system (no actor), through the audited generic writes: the first of
the day is created, a later one the same day updates that day's row (never a second row)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openisms.core.gate import scoped
from openisms.core.services import record_create, record_update
from openisms.readiness.engine import Evaluation, evaluate
from openisms.readiness.models import ReadinessSnapshot


def _values(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "score": Decimal(str(evaluation.score)).quantize(Decimal("0.1")),
        **evaluation.counts,
        "rules_total": evaluation.rules_total,
        "rules_passed": evaluation.rules_passed,
        "clauses": {
            g.key: {
                "passed": g.passed,
                "failed": g.failed,
                "score": g.score,
                "findings": g.findings,
            }
            for g in (*evaluation.clauses, *evaluation.themes)
        },
        "taken_at": timezone.now(),
    }


def snapshot_take(
    *, organization: Any, today: dt.date | None = None, evaluation: Evaluation | None = None
) -> ReadinessSnapshot:
    """Store (or refresh) ``today``'s snapshot of the organisation's readiness."""
    evaluation = evaluation or evaluate(organization, today)
    day = evaluation.today
    values = _values(evaluation)
    with transaction.atomic():
        existing = (
            scoped(ReadinessSnapshot, organization).select_for_update().filter(date=day).first()
        )
        if existing is None:
            try:
                return record_create(
                    ReadinessSnapshot(organization=organization, date=day, **values),
                    actor=None,
                    action="readiness.snapshot",
                )
            except ValidationError:
                # Taken meanwhile by another worker: refresh that row instead.
                existing = scoped(ReadinessSnapshot, organization).get(date=day)
        return record_update(existing, actor=None, data=values, action="readiness.snapshot")
