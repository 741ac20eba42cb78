"""Benchmarks: ``make bench`` (or ``python bench/run.py [scenario…]``). Prints figures.

Each scenario runs on a fresh SQLite database in a temporary data directory (set
DATABASE_URL to run against PostgreSQL instead). Scenarios live in ``bench/scenarios/``.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str]) -> int:
    data_dir = tempfile.mkdtemp(prefix="openisms-bench-")
    os.environ.setdefault("OPENISMS_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openisms.settings")
    os.environ["OPENISMS_TESTING"] = "1"
    os.environ.setdefault("OPENISMS_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)

    import bench.scenarios as scenarios

    names = argv or [m.name for m in pkgutil.iter_modules(scenarios.__path__)]
    for name in names:
        module = importlib.import_module(f"bench.scenarios.{name}")
        print(f"== {name}: {module.__doc__.strip().splitlines()[0]}")
        for label, value in module.run():
            print(f"  {label}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
