"""Background task of the pdca app: the daily reminder digests (scheduled by
``openisms.pdca.schedule``)."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone


@task()
def send_digests_task() -> dict[str, object]:
    """Today's digests (idempotent: users already handled today are skipped)."""
    from openisms.pdca.digests import send_digests

    today = timezone.localdate()
    return {"date": today.isoformat(), **send_digests(today)}
