"""Catalog: shipped content load, SP 800-53 rev5 OSCAL import, unchanged re-import, tree page."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"


def _timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def run() -> Iterator[tuple[str, str]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from openisms.accounts import services as accounts
    from openisms.catalog import services
    from openisms.catalog.models import Framework

    seconds, _ = _timed(services.catalog_import, [services.CONTENT_DIR / "iso27001-2022.yaml"])
    yield "ISO/IEC 27001:2022 pack, first load (target ≤ 0.5 s)", f"{seconds:.3f} s"
    seconds, _ = _timed(services.load_shipped_content)
    yield "all shipped content, first load (5 libraries)", f"{seconds:.3f} s"
    seconds, _ = _timed(services.load_shipped_content)
    yield "all shipped content, unchanged re-import", f"{seconds:.3f} s"

    catalog = SHARED / "oscal" / "content" / "NIST_SP-800-53_rev5_catalog.json"
    if catalog.exists():
        seconds, _ = _timed(services.catalog_import, [catalog])
        yield "SP 800-53 rev5 OSCAL catalog, 1,189 controls (target ≤ 3 s)", f"{seconds:.3f} s"
        seconds, result = _timed(services.catalog_import, [catalog])
        assert result.libraries[0].status == "unchanged"
        yield "SP 800-53 rev5, unchanged re-import (target ≤ 1 s)", f"{seconds:.3f} s"
    else:
        yield "SP 800-53 rev5", "skipped: ../shared/data not present"

    owner = accounts.user_create(email="bench-catalog@example.test", password=None)
    accounts.organization_create(slug="bench-catalog", name="Bench", owner=owner)
    client = Client()
    client.force_login(owner)
    for urn in ("urn:openisms:framework:nist-csf-2.0", "urn:openisms:framework:iso27001-2022"):
        fw = Framework.objects.get(urn=urn)
        client.get(f"/o/bench-catalog/frameworks/{fw.pk}/")
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            client.get(f"/o/bench-catalog/frameworks/{fw.pk}/")
            ms = (time.perf_counter() - start) * 1000
        yield (
            f"tree page {fw.ref_id} ({fw.nodes.count()} nodes)",
            f"{ms:.1f} ms, {len(ctx.captured_queries)} queries",
        )
