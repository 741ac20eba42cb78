"""Risk register, 10k assets and 20k risks: list, API, heat map, XLSX export, CSV import.

Seeding uses bulk_create (fast, not audited); everything measured goes through the selectors,
the API, the exporters and the importer as users would."""

from __future__ import annotations

import gc
import random
import statistics
import time
import tracemalloc
from collections.abc import Iterator

ASSETS = 10_000
RISKS = 20_000
ROUNDS = 20
SLUG = "bench-register"


def _median_ms(fn, rounds: int = ROUNDS) -> tuple[float, int]:  # type: ignore[no-untyped-def]
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
    return statistics.median(samples) * 1000, queries


def _seed(org, owner, version) -> None:  # type: ignore[no-untyped-def]
    """Bulk rows (seeding only; the measured paths go through selectors and services)."""
    from django.db import transaction
    from django.utils import timezone

    from openisms.assets.choices import AssetType
    from openisms.assets.models import Asset
    from openisms.catalog.models import RequirementNode
    from openisms.core.models import RefCounter
    from openisms.risks.methodology import Method
    from openisms.risks.models import Risk, RiskAcceptance, Threat, TreatmentAction

    rng = random.Random(27001)
    method = Method(version.definition)
    types = AssetType.values
    threats = list(Threat.objects.filter(organization__isnull=True))
    nodes = list(
        RequirementNode.objects.filter(
            framework__urn="urn:openisms:framework:iso27001-2022", ref_id__startswith="A."
        ).exclude(assessable=False)
    )
    today = timezone.localdate()
    with transaction.atomic():
        assets = Asset.objects.bulk_create(
            (
                Asset(
                    organization=org,
                    ref=f"A-{i:05d}",
                    name=f"Asset {i} ({types[i % len(types)]})",
                    type=types[i % len(types)],
                    owner=owner,
                    confidentiality=rng.randint(1, 4),
                    integrity=rng.randint(1, 4),
                    availability=rng.randint(1, 4),
                )
                for i in range(1, ASSETS + 1)
            ),
            batch_size=2000,
        )
        risks = []
        for i in range(1, RISKS + 1):
            pairs = [(rng.randint(1, 4), rng.randint(1, 4)) for _ in range(3)]
            levels = [method.level(*p) for p in pairs]
            risks.append(
                Risk(
                    organization=org,
                    ref=f"R-{i:05d}",
                    title=f"Risk {i}: {rng.choice(threats).name} affects asset {i % ASSETS}",
                    description="Scenario described at length. " * 5,
                    owner=owner,
                    threat=rng.choice(threats),
                    status=rng.choice(
                        ["identified", "analysed", "treatment_planned", "treated", "accepted"]
                    ),
                    methodology_version=version,
                    inherent_likelihood=pairs[0][0],
                    inherent_consequence=pairs[0][1],
                    inherent_level=levels[0],
                    current_likelihood=pairs[1][0],
                    current_consequence=pairs[1][1],
                    current_level=levels[1],
                    current_level_order=method.order(levels[1]),
                    target_likelihood=pairs[2][0],
                    target_consequence=pairs[2][1],
                    target_level=levels[2],
                    treatment_option=rng.choice(["modify", "modify", "retain", "avoid", "share"]),
                    next_review=today,
                )
            )
        risks = Risk.objects.bulk_create(risks, batch_size=2000)
        Risk.assets.through.objects.bulk_create(
            (
                Risk.assets.through(risk_id=r.pk, asset_id=a.pk)
                for r in risks
                for a in rng.sample(assets, 2)
            ),
            batch_size=5000,
        )
        if nodes:
            Risk.annex_a_controls.through.objects.bulk_create(
                (
                    Risk.annex_a_controls.through(risk_id=r.pk, requirementnode_id=n.pk)
                    for r in risks
                    if r.treatment_option == "modify"
                    for n in rng.sample(nodes, 3)
                ),
                batch_size=5000,
            )
        TreatmentAction.objects.bulk_create(
            (
                TreatmentAction(
                    organization=org,
                    risk=r,
                    title=f"Action for {r.ref}",
                    owner=owner,
                    due_date=today.fromordinal(today.toordinal() + rng.randint(-60, 120)),
                )
                for r in risks[::4]
            ),
            batch_size=2000,
        )
        RiskAcceptance.objects.bulk_create(
            (
                RiskAcceptance(
                    organization=org,
                    risk=r,
                    accepted_by=owner,
                    justification="Accepted for the benchmark.",
                    valid_until=today.replace(year=today.year + 1),
                    level=r.current_level,
                    methodology_version=version,
                )
                for r in risks
                if r.status == "accepted"
            ),
            batch_size=2000,
        )
        RefCounter.objects.update_or_create(organization=org, key="A", defaults={"last": ASSETS})
        RefCounter.objects.update_or_create(organization=org, key="R", defaults={"last": RISKS})


def _assets_csv(n: int) -> bytes:
    rows = [
        "ref,name,type,owner,classification,confidentiality,integrity,availability,"
        "location,lifecycle,in_scope,depends_on"
    ]
    types = ["information", "software", "hardware", "service", "people", "site", "supplier"]
    for i in range(1, n + 1):
        dep = f"I-{i - 1:05d}" if i > 1 and i % 3 == 0 else ""
        rows.append(
            f"I-{i:05d},Imported asset {i},{types[i % len(types)]},owner@bench-register.test,"
            f"Internal,{1 + i % 4},High,{1 + (i * 7) % 4},Site {i % 12},in_use,yes,{dep}"
        )
    return ("\n".join(rows) + "\n").encode()


def run() -> Iterator[tuple[str, str]]:
    from django.test import Client

    from openisms.accounts import services as accounts
    from openisms.assets import services as asset_services
    from openisms.assets.importer import asset_import
    from openisms.core import startup
    from openisms.risks import exports, services
    from openisms.risks.selectors import RiskFilter, heatmap, risk_list

    startup.run()  # the shipped catalog and threat catalog
    owner = accounts.user_create(email="owner@bench-register.test", password=None)
    org = accounts.organization_create(slug=SLUG, name="Bench Register Ltd", owner=owner)
    version = services.methodology_from_preset(organization=org, actor=owner, preset="4x4")
    start = time.perf_counter()
    _seed(org, owner, version)
    yield f"seed {ASSETS:,} assets + {RISKS:,} risks (bulk)", f"{time.perf_counter() - start:.1f} s"

    filters = RiskFilter(level="high", sort="-level")
    ms, queries = _median_ms(
        lambda: list(risk_list(organization=org, filters=filters)[:100].prefetch_related("assets"))
    )
    yield (
        "register selector, level=high sort=-level, first 100",
        f"median {ms:.1f} ms, {queries} queries",
    )
    ms, queries = _median_ms(lambda: risk_list(organization=org, filters=filters).count())
    yield "register selector, count of the filtered list", f"median {ms:.1f} ms, {queries} queries"

    secret = accounts.token_create(organization=org, actor=owner, name="bench").secret
    client = Client()
    path = f"/api/v1/orgs/{SLUG}/risks/?page_size=100"
    probe = client.get(path, HTTP_AUTHORIZATION=f"Bearer {secret}")
    if probe.status_code == 404:
        yield f"GET {path}", "skipped: the route answers 404 (risks API not installed yet)"
    else:
        ms, queries = _median_ms(
            lambda: client.get(path, HTTP_AUTHORIZATION=f"Bearer {secret}"), rounds=10
        )
        yield f"GET {path}", f"HTTP {probe.status_code}, median {ms:.1f} ms, {queries} queries"
        level_path = path + "&level=high&sort=-level"
        ms, queries = _median_ms(
            lambda: client.get(level_path, HTTP_AUTHORIZATION=f"Bearer {secret}"), rounds=10
        )
        yield f"GET {level_path}", f"median {ms:.1f} ms, {queries} queries"

    ms, queries = _median_ms(lambda: heatmap(organization=org, grid="current"))
    yield "heat map selector (current)", f"median {ms:.1f} ms, {queries} queries"

    start = time.perf_counter()
    data = exports.risk_register_workbook(organization=org)
    yield (
        f"XLSX export, {RISKS:,} risks (4 sheets)",
        f"{time.perf_counter() - start:.1f} s, {len(data) / 1e6:.1f} MB",
    )
    del data
    gc.collect()
    tracemalloc.start()
    exports.risk_register_workbook(organization=org)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    yield "XLSX export, peak Python memory (tracemalloc)", f"{peak / 1e6:.1f} MB"
    start = time.perf_counter()
    text = exports.risk_register_csv(organization=org)
    yield (
        "CSV export, register only",
        f"{time.perf_counter() - start:.1f} s, {len(text) / 1e6:.1f} MB",
    )

    target = accounts.organization_create(slug=f"{SLUG}-import", name="Bench Import", owner=owner)
    asset_services.classification_ensure_default(organization=target, actor=owner)
    payload = _assets_csv(ASSETS)
    start = time.perf_counter()
    result = asset_import(organization=target, actor=owner, source=payload, filename="a.csv")
    yield (
        f"CSV import, {ASSETS:,} assets (through the services, audited)",
        f"{time.perf_counter() - start:.1f} s ({result.summary()})",
    )
    start = time.perf_counter()
    result = asset_import(organization=target, actor=owner, source=payload, filename="a.csv")
    yield "CSV import, same file again", f"{time.perf_counter() - start:.1f} s ({result.summary()})"
