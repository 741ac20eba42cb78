"""Demo load, readiness evaluation, management-review inputs and audit coverage on the demo organisation.

Loads the demo data (``openisms demo``) and measures, on the "demo" organisation: the whole
readiness evaluation (every rule), compiling the management review inputs a–g, and the audit
programme's coverage, each as the median of 5 runs with its query count.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

RUNS = 5


def _measure(fn: Callable[[], Any]) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        queries = len(ctx.captured_queries)
    return statistics.median(times), queries


def run() -> Iterator[tuple[str, str]]:
    import datetime as dt

    from django.core.cache import cache
    from django.core.management import call_command
    from django.utils import timezone

    from openisms.accounts.models import Organization
    from openisms.audits import selectors as audits
    from openisms.readiness.engine import evaluate
    from openisms.reviews.inputs import compile_inputs

    start = time.perf_counter()
    call_command("demo", verbosity=0)
    yield "demo load (both demo organisations)", f"{time.perf_counter() - start:.1f} s"
    org = Organization.objects.get(slug="demo")

    def readiness() -> Any:
        cache.clear()
        return evaluate(org)

    result = readiness()
    seconds, queries = _measure(readiness)
    yield (
        f"readiness evaluation ({len(result.findings)} findings)",
        f"{seconds * 1000:.0f} ms, {queries} queries",
    )

    today = timezone.localdate()
    seconds, queries = _measure(lambda: compile_inputs(org, today - dt.timedelta(days=365), today))
    yield "management review inputs a–g (12 months)", f"{seconds * 1000:.0f} ms, {queries} queries"

    programme = audits.default_programme(organization=org)
    if programme is not None:
        seconds, queries = _measure(lambda: audits.coverage(programme=programme))
        yield "audit programme coverage", f"{seconds * 1000:.0f} ms, {queries} queries"
