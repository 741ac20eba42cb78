"""The daily schedule of the reminder digests (same pattern as ``readiness.schedule``).

``openisms worker`` calls ``enqueue_if_due()`` at start and every ``--schedule-every`` seconds:
when some current member has no digest log for today and no digest task is waiting or running,
the task is enqueued. Several workers or restarts never duplicate a day: the task skips users
already logged, and the log row is written in the transaction that sends."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.utils import timezone

TASK_PATH = "openisms.pdca.tasks.send_digests_task"


def due(today: dt.date | None = None) -> bool:
    """Does some active member lack today's digest?"""
    from openisms.pdca.models import DigestLog

    today = today or timezone.localdate()
    done = DigestLog.objects.filter(date=today).values("user_id")
    members = apps.get_model("accounts", "Membership").objects.filter(user__is_active=True)
    return members.exclude(user_id__in=done).exists()


def pending() -> bool:
    """Is a digest task already queued or running?"""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=TASK_PATH, status__in=("READY", "RUNNING")
    ).exists()


def enqueue_if_due(today: dt.date | None = None) -> bool:
    """Enqueue today's digests when they are missing; True if it did."""
    from openisms.pdca.tasks import send_digests_task

    if not due(today) or pending():
        return False
    send_digests_task.enqueue()
    return True
