"""Fixtures for tests that run OpenISMS as a real process (gunicorn, worker)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

OPENISMS = str(Path(sys.executable).with_name("openisms"))


def process_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "OPENISMS_DATA_DIR": str(data_dir)}
    for name in ("DATABASE_URL", "OPENISMS_TESTING", "OPENISMS_DEBUG", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory) -> Iterator[str]:
    """``openisms serve --demo`` on a fresh SQLite data directory, as a user would run it."""
    data_dir = tmp_path_factory.mktemp("demo-data")
    port = free_port()
    log = open(data_dir / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [OPENISMS, "serve", "--demo", "--port", str(port), "--workers", "2"],
        env=process_env(data_dir),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((data_dir / "serve.log").read_text()[-3000:])
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
