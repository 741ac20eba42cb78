"""Background tasks of the readiness app (run by ``openisms worker``; scheduled daily by
``openisms.readiness.schedule``)."""

from __future__ import annotations

import logging

from django.apps import apps
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)


@task()
def snapshot_all() -> dict[str, object]:
    """Today's readiness snapshot for every organisation (idempotent: a second run the same
    day refreshes that day's rows). An organisation whose evaluation fails is logged and
    skipped, so that it does not deprive the others of their snapshot."""
    from openisms.readiness.services import snapshot_take

    today = timezone.localdate()
    scores: dict[str, float] = {}
    failed: list[str] = []
    for org in apps.get_model("accounts", "Organization").objects.order_by("pk"):
        try:
            scores[org.slug] = float(snapshot_take(organization=org, today=today).score)
        except Exception:
            logger.exception("readiness snapshot of %s failed", org.slug)
            failed.append(org.slug)
    return {"date": today.isoformat(), "scores": scores, "failed": failed}
