from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandParser
from django.db import close_old_connections
from django.utils.module_loading import import_string

from openisms.core.management.base import OpenISMSCommand

logger = logging.getLogger(__name__)

# Periodic checks the worker runs at start and then every ``--schedule-every`` seconds; each
# enqueues its task when it is due (and not already queued), so the checks are cheap and
# several workers never duplicate work. Readiness: today's snapshots (daily); pdca: today's
# reminder digests (daily, one e-mail per user and day).
SCHEDULED = (
    "openisms.readiness.schedule.enqueue_if_due",
    "openisms.pdca.schedule.enqueue_if_due",
)


def run_scheduled(paths: tuple[str, ...] | None = None) -> None:
    """Run every periodic check once (an error in one is logged, never fatal)."""
    for path in SCHEDULED if paths is None else paths:
        try:
            check: Callable[[], Any] = import_string(path)
            check()
        except Exception:  # a failed check must not stop the worker
            logger.exception("Scheduled check %s failed", path)
        finally:
            close_old_connections()


class Scheduler(threading.Thread):
    """Runs the periodic checks every ``every`` seconds until stopped."""

    def __init__(self, every: float) -> None:
        super().__init__(name="openisms-scheduler", daemon=True)
        self.every = every
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            run_scheduled()


class Command(OpenISMSCommand):
    help = "Run background tasks (django.tasks, database backend) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument(
            "--schedule-every",
            type=float,
            default=300.0,
            help="Seconds between checks for scheduled work (daily readiness snapshots).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run_scheduled()  # at start: what is due is queued before the first poll
        scheduler = None
        if not options["batch"]:
            scheduler = Scheduler(options["schedule_every"])
            scheduler.start()
        extra = ["--batch"] if options["batch"] else []
        try:
            call_command("db_worker", "--interval", str(options["interval"]), "--no-reload", *extra)
        finally:
            if scheduler is not None:
                scheduler.stopped.set()
