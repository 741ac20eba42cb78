"""Background tasks of the readiness app (run by ``openisms worker``; scheduled daily by
``openisms.readiness.schedule``)."""

from __future__ import annotations

from django.apps import apps
from django.tasks import task
from django.utils import timezone


@task()
def snapshot_all() -> dict[str, object]:
    """Today's readiness snapshot for every organisation (idempotent: a second run the same
    day refreshes that day's rows)."""
    from openisms.readiness.services import snapshot_take

    today = timezone.localdate()
    scores = {}
    for org in apps.get_model("accounts", "Organization").objects.order_by("pk"):
        scores[org.slug] = float(snapshot_take(organization=org, today=today).score)
    return {"date": today.isoformat(), "scores": scores}
