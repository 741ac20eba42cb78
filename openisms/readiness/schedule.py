"""The daily schedule of the readiness snapshots.

``openisms worker`` calls ``enqueue_if_due()`` when it starts and then every few minutes
(``--schedule-every``, 300 s by default): when an organisation has no snapshot for today and
no ``snapshot_all`` task is already waiting or running, the task is enqueued. So snapshots are
taken once a day shortly after midnight (local time) while a worker runs, and as soon as a worker
starts after a day without one; running several workers, or checking often, never duplicates a
day (the task itself is idempotent too)."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.utils import timezone

TASK_PATH = "openisms.readiness.tasks.snapshot_all"


def due(today: dt.date | None = None) -> bool:
    """Does some organisation lack today's snapshot?"""
    from openisms.readiness.models import ReadinessSnapshot

    today = today or timezone.localdate()
    orgs = apps.get_model("accounts", "Organization").objects
    taken = ReadinessSnapshot.objects.filter(date=today).values("organization_id")
    return orgs.exclude(pk__in=taken).exists()


def pending() -> bool:
    """Is a snapshot task already queued or running?"""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=TASK_PATH, status__in=("READY", "RUNNING")
    ).exists()


def enqueue_if_due(today: dt.date | None = None) -> bool:
    """Enqueue ``snapshot_all`` when today's snapshots are missing; True if it did."""
    from openisms.readiness.tasks import snapshot_all

    if not due(today) or pending():
        return False
    snapshot_all.enqueue()
    return True
