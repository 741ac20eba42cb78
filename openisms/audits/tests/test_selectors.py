"""Selectors: the programme's coverage (states, SoA exclusions, constant queries), impartiality
and the summary the management review compiles."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from openisms.audits import selectors, services
from openisms.audits.tests.helpers import TODAY, items, make_audit, record, reported, req, started
from openisms.soa import services as soa_services


def _programme(org, owner):
    return services.programme_create(
        organization=org,
        actor=owner,
        title="Cycle",
        period_start=TODAY - dt.timedelta(days=400),
        period_end=TODAY + dt.timedelta(days=700),
    )


def _state(cov, ref):
    return next(r.state for r in cov.rows if r.ref_id == ref)


def test_coverage_states_and_constant_queries(org, owner):
    programme = _programme(org, owner)
    closed = reported(org, owner)
    closed = services.audit_update(
        audit=closed, actor=owner, version=closed.version, programme=programme
    )
    services.audit_close(audit=closed, actor=owner, version=closed.version)
    make_audit(org, owner, refs=("4.1",), programme=programme)
    cancelled = make_audit(org, owner, refs=("5.2",), programme=programme)
    services.audit_cancel(audit=cancelled, actor=owner, version=cancelled.version)
    make_audit(org, owner, refs=("5.3",))  # not in the programme
    with CaptureQueriesContext(connection) as few:
        cov = selectors.coverage(programme=programme)
    assert _state(cov, "9.2.2") == "covered" and _state(cov, "A.8.13") == "covered"
    assert _state(cov, "4.1") == "planned"
    assert _state(cov, "5.2") == "gap" and _state(cov, "5.3") == "gap"
    assert cov.total == 30 + 93  # assessable clauses and Annex A controls
    clause9 = next(g for g in cov.groups if g.ref_id == "9")
    assert clause9.covered == 1 and clause9.total >= 5
    assert "A.5.1" in [r.ref_id for _g, r in cov.gaps]
    assert cov.covered == 2 and cov.planned == 1
    for i in range(5):
        make_audit(org, owner, refs=("A.5.1", "A.5.2", f"A.5.{10 + i}"), programme=programme)
    with CaptureQueriesContext(connection) as many:
        selectors.coverage(programme=programme)
    assert len(many) == len(few)


def test_coverage_leaves_out_controls_excluded_in_the_soa(org, owner):
    from openisms.catalog.models import Framework
    from openisms.soa.models import SoaEntry

    programme = _programme(org, owner)
    before = selectors.coverage(programme=programme).total
    iso = Framework.objects.get(urn="urn:openisms:framework:iso27001-2022")
    soa = soa_services.soa_create(organization=org, actor=owner, framework=iso)
    entry = SoaEntry.objects.get(soa=soa, requirement=req("A.7.1"))
    soa_services.entry_update(
        entry=entry,
        actor=owner,
        version=entry.version,
        applicable=False,
        justification="We have no premises of our own: everyone works from home.",
    )
    cov = selectors.coverage(programme=programme)
    assert cov.total == before - 1
    assert "A.7.1" not in [r.ref_id for r in cov.rows]


def test_review_summary(org, owner):
    from openisms.improvement import services as improvement

    old = reported(org, owner, {"A.8.13": {"result": "minor_nc", "finding": "Late restore test"}})
    nc = services.raise_nonconformity(item=items(old)["A.8.13"], actor=owner)
    old.refresh_from_db()
    running = started(org, owner)
    record(items(running)["9.2.2"], owner, result="ofi", finding="Use sampling plans")
    make_audit(org, owner)  # planned: not in the summary
    summary = selectors.review_summary(org, None, TODAY)
    assert [a["ref"] for a in summary["audits"]] == [old.ref, running.ref]
    first = summary["audits"][0]
    assert first["id"] == old.pk
    assert first["status"] == "reported" and first["actual_end"] == TODAY.isoformat()
    assert first["counts"]["minor_nc"] == 1 and first["counts"]["conformity"] == 1
    assert summary["totals"] == {
        "conformity": 1,
        "major_nc": 0,
        "minor_nc": 1,
        "observation": 0,
        "ofi": 1,
        "not_sampled": 0,
    }
    assert summary["open_nonconformities"] == [nc.ref]
    # Outside the window: only the audit in progress.
    later = selectors.review_summary(org, TODAY, TODAY + dt.timedelta(days=30))
    assert [a["ref"] for a in later["audits"]] == [running.ref]
    earlier = selectors.review_summary(org, None, TODAY - dt.timedelta(days=1))
    assert [a["ref"] for a in earlier["audits"]] == [running.ref]
    nc = improvement.nonconformity_update(nc=nc, actor=owner, version=nc.version, root_cause="x")
    assert selectors.review_summary(org, None, TODAY)["open_nonconformities"] == [nc.ref]
