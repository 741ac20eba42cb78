"""API and page lists: latency and query count with 1,000 members and 10,000 audit events."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

MEMBERS = 1000
ROUNDS = 30


def _timed(client, path: str, **headers: str) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples = []
    queries = 0
    for _ in range(ROUNDS):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(path, **headers)
            samples.append(time.perf_counter() - start)
        assert response.status_code == 200, (path, response.status_code)
        queries = len(ctx.captured_queries)
    return statistics.median(samples) * 1000, queries


def run() -> Iterator[tuple[str, str]]:
    from django.contrib.auth.hashers import make_password
    from django.test import Client

    from openisms.accounts import services
    from openisms.accounts.models import Membership, User
    from openisms.core import audit

    owner = services.user_create(email="owner@bench.test", password=None)
    org = services.organization_create(slug="bench-lists", name="Bench", owner=owner)
    users = User.objects.bulk_create(
        User(email=f"member{i}@bench.test", password=make_password(None)) for i in range(MEMBERS)
    )
    Membership.objects.bulk_create(
        Membership(organization=org, user=u, role="viewer") for u in users
    )
    for i in range(10_000):
        audit.record(organization=org, actor=owner, action="bench", changes={"i": [i, i + 1]})
    secret = services.token_create(organization=org, actor=owner, name="bench").secret
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    for path in (
        "/api/v1/orgs/bench-lists/members/?page_size=200",
        "/api/v1/orgs/bench-lists/audit-events/?page_size=200",
    ):
        ms, queries = _timed(client, path, **auth)
        yield f"GET {path}", f"median {ms:.1f} ms, {queries} queries"
    client.force_login(owner)
    for path in ("/o/bench-lists/members/", "/o/bench-lists/audit/"):
        ms, queries = _timed(client, path)
        yield f"page {path}", f"median {ms:.1f} ms, {queries} queries"
