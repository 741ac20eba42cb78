"""Statement of Applicability, 93 rows traced to 20k risks and 50k evidence items: page data, exports.

Seeding uses bulk_create (fast, not audited): 20,000 risks each selecting 2 Annex A controls,
150 controls implementing the 93 requirements, 50,000 evidence items linked to those controls.
Measured: the page's rows (``draft_rows(full=False)``) and each export of the draft, as the
download view builds it (document + writer). Targets: XLSX ≤ 2 s, PDF ≤ 5 s.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Iterator

RISKS = 20_000
CONTROLS = 150
EVIDENCE = 50_000
SLUG = "bench-soa"


def _seed(org, owner) -> int:  # type: ignore[no-untyped-def]
    from django.db import connection, transaction
    from django.utils import timezone

    from openisms.controls.models import Control, Evidence
    from openisms.core.models import RefCounter
    from openisms.risks.models import Risk
    from openisms.soa import selectors
    from openisms.soa.models import SoaEntry

    rng = random.Random(27001)
    soa = selectors.default_soa(organization=org)
    nodes = [e.requirement for e in SoaEntry.objects.filter(soa=soa).select_related("requirement")]
    today = timezone.localdate()
    statuses = ["implemented", "implemented", "partially_implemented", "planned", "not_started"]
    with transaction.atomic():
        SoaEntry.objects.filter(soa=soa).update(
            applicable=True, business_requirement=True, business_reference="Customer contracts"
        )
        risks = Risk.objects.bulk_create(
            (
                Risk(organization=org, ref=f"R-{i:05d}", title=f"Risk {i}", owner=owner)
                for i in range(1, RISKS + 1)
            ),
            batch_size=2000,
        )
        Risk.annex_a_controls.through.objects.bulk_create(
            (
                Risk.annex_a_controls.through(risk_id=r.pk, requirementnode_id=n.pk)
                for r in risks
                for n in rng.sample(nodes, 2)
            ),
            batch_size=5000,
        )
        controls = Control.objects.bulk_create(
            Control(
                organization=org,
                ref=f"C-{i:03d}",
                name=f"Control {i} of the organisation",
                status=statuses[i % len(statuses)],
                documentation=f"POL-{i % 20:02d} Policy\nPRO-{i:03d} Procedure",
            )
            for i in range(1, CONTROLS + 1)
        )
        Control.requirements.through.objects.bulk_create(
            Control.requirements.through(control_id=c.pk, requirementnode_id=nodes[i % 93].pk)
            for i, c in enumerate(controls)
        )
        evidence = Evidence.objects.bulk_create(
            (
                Evidence(
                    organization=org,
                    ref=f"E-{i:05d}",
                    title=f"Evidence {i}",
                    kind="note",
                    valid_until=rng.choice(
                        [None, today - dt.timedelta(days=5), today + dt.timedelta(days=10)]
                        + [today + dt.timedelta(days=300)] * 3
                    ),
                )
                for i in range(1, EVIDENCE + 1)
            ),
            batch_size=5000,
        )
        Evidence.controls.through.objects.bulk_create(
            (
                Evidence.controls.through(evidence_id=e.pk, control_id=rng.choice(controls).pk)
                for e in evidence
            ),
            batch_size=5000,
        )
        RefCounter.objects.update_or_create(organization=org, key="R", defaults={"last": RISKS})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have, after a bulk load
    return soa.pk


def _median(fn, rounds: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples = []
    queries = 0
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        queries = len(ctx.captured_queries)
    return statistics.median(samples), queries


def run() -> Iterator[tuple[str, str]]:
    from openisms.accounts import services as accounts
    from openisms.catalog.models import Framework
    from openisms.core import startup
    from openisms.soa import exports, selectors, services

    startup.run()
    owner = accounts.user_create(email="owner@bench-soa.test", password=None)
    org = accounts.organization_create(slug=SLUG, name="Bench SoA Ltd", owner=owner)
    services.soa_create(
        organization=org,
        actor=owner,
        framework=Framework.objects.get(urn=selectors.ISO27001_2022),
    )
    start = time.perf_counter()
    pk = _seed(org, owner)
    yield (
        f"seed {RISKS:,} risks × 2 controls, {CONTROLS} controls, {EVIDENCE:,} evidence (bulk)",
        f"{time.perf_counter() - start:.1f} s",
    )
    soa = selectors.soa_get(organization=org, pk=pk)

    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    def cold() -> None:
        cache.clear()
        selectors.draft_rows(soa, full=False)

    seconds, queries = _median(cold, rounds=5)
    yield (
        "page rows, draft_rows(full=False), first read after a change",
        f"median {seconds * 1000:.0f} ms, {queries} queries",
    )
    seconds, queries = _median(lambda: selectors.draft_rows(soa, full=False), rounds=10)
    yield (
        "page rows, draft_rows(full=False), unchanged since (cached)",
        f"median {seconds * 1000:.0f} ms, {queries} queries",
    )
    client = Client()
    client.force_login(owner)
    url = reverse("soa:soa_detail", args=[org.slug, soa.pk])

    def page() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    page()
    seconds, queries = _median(page, rounds=10)
    yield (
        "SoA page GET, server time (target ≤ 50 ms)",
        f"median {seconds * 1000:.0f} ms, {queries} queries",
    )
    seconds, queries = _median(lambda: selectors.draft_rows(soa, full=True), rounds=5)
    yield "export rows, draft_rows(full=True)", f"median {seconds * 1000:.0f} ms, {queries} queries"

    doc = exports.soa_document(soa, draft=True)
    refs = sum(len(r["risk_refs"]) for r in doc.rows)
    evidence = sum(len(r["evidence"]) for r in doc.rows)
    yield "rows exported", f"{len(doc.rows)} rows, {refs:,} risk refs, {evidence:,} evidence refs"
    targets = {"xlsx": 2.0, "pdf": 5.0}
    for fmt, rounds in (("xlsx", 3), ("pdf", 3), ("docx", 1), ("csv", 3), ("json", 3)):
        sizes: list[int] = []

        def export(fmt: str = fmt, sizes: list[int] = sizes) -> None:
            sizes.append(len(exports.render(exports.soa_document(soa, draft=True), fmt)))

        seconds, queries = _median(export, rounds=rounds)
        target = f" (target ≤ {targets[fmt]:.0f} s)" if fmt in targets else ""
        yield (
            f"{fmt.upper()} export of the draft{target}",
            f"median {seconds:.2f} s, {sizes[-1] / 1e6:.2f} MB, {queries} queries",
        )

    version = services.soa_approve(soa=soa, actor=owner, comment="bench")
    for label in ("first export", "again (rendered once, cached)"):
        start = time.perf_counter()
        pdf = exports.render(exports.soa_document(soa, version=version.number), "pdf")
        yield (
            f"PDF export of approved version {version.number}, {label}",
            f"{time.perf_counter() - start:.2f} s, {len(pdf) / 1e6:.2f} MB",
        )
