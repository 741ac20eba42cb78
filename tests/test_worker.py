"""``openisms worker`` runs queued django.tasks with the database backend (separate process)."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import OPENISMS, process_env

pytestmark = pytest.mark.skipif(
    "postgres" in os.environ.get("DATABASE_URL", ""),
    reason="runs its own SQLite processes; covered by the SQLite pass",
)


def test_worker_processes_queued_tasks(tmp_path):
    env = process_env(tmp_path)
    subprocess.run([OPENISMS, "demo"], env=env, check=True, capture_output=True)
    enqueue = "from openisms.core.tasks import verify_audit_chains as t; print(t.enqueue().id)"
    task_id = subprocess.run(
        [OPENISMS, "shell", "--no-imports", "-c", enqueue],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run([OPENISMS, "worker", "--batch"], env=env, check=True, capture_output=True)
    check = (
        "from openisms.core.tasks import verify_audit_chains as t; "
        f"r = t.get_result('{task_id}'); print(r.status, r.return_value)"
    )
    out = subprocess.run(
        [OPENISMS, "shell", "--no-imports", "-c", check],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert out.startswith("SUCCESSFUL")
    # two demo organisations and the global chain (catalog imports)
    assert "'chains': 3" in out and "'broken': []" in out
