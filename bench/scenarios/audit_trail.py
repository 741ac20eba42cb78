"""Audit trail: append rate through the services, chain verification rate."""

from __future__ import annotations

import time
from collections.abc import Iterator

EVENTS = 5000


def run() -> Iterator[tuple[str, str]]:
    from openisms.accounts import services
    from openisms.core import audit
    from openisms.core.models import AuditChain

    owner = services.user_create(email="bench@example.test", password=None)
    org = services.organization_create(slug="bench-audit", name="Bench", owner=owner)
    start = time.perf_counter()
    for i in range(EVENTS):
        services.organization_update(
            organization=org, actor=owner, version=org.version, name=f"Bench {i}"
        )
    elapsed = time.perf_counter() - start
    yield "updates with audit event", f"{EVENTS} in {elapsed:.2f} s ({EVENTS / elapsed:,.0f}/s)"

    chain = AuditChain.objects.get(organization=org)
    start = time.perf_counter()
    report = audit.verify_chain(chain)
    elapsed = time.perf_counter() - start
    assert report.ok, report
    yield (
        "verify",
        f"{report.checked} events in {elapsed:.3f} s ({report.checked / elapsed:,.0f}/s)",
    )
