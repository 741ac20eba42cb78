"""The engine (rules registry, ordering, per-clause results, the score formula), the snapshot
service and task (idempotent), the worker schedule, the CLI (exit codes, JSON), the page (query
count constant as records grow, fixing a finding removes it), the API and the report."""

from __future__ import annotations

import io
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openisms.readiness import schedule
from openisms.readiness.engine import SEVERITIES, WEIGHTS, all_rules, evaluate
from openisms.readiness.models import ReadinessSnapshot
from openisms.readiness.services import snapshot_take
from openisms.readiness.tests.helpers import TODAY, compliant_world

RULE_ID = re.compile(r"^R-(A\.)?\d+(\.\d+)*-[A-Z0-9-]+$")


def test_at_least_forty_documented_rules():
    rules = all_rules()
    assert len(rules) >= 40
    assert len({r.id for r in rules}) == len(rules)
    for r in rules:
        assert RULE_ID.match(r.id), r.id
        assert r.severity in SEVERITIES and r.clause and str(r.title) and r.description, r.id
        assert r.id.startswith(f"R-{r.clause}-"), r.id
    groups = {r.group for r in rules}
    assert {"4", "5", "6", "7", "8", "9", "10"} <= groups and {"A.5"} <= groups


def test_empty_organisation_ordering_groups_and_score(org):
    ev = evaluate(org)
    order = [SEVERITIES.index(f.severity) for f in ev.findings]
    assert order == sorted(order)
    for sev in SEVERITIES:
        ids = [f.rule_id for f in ev.findings if f.severity == sev]
        assert ids == sorted(ids)
    total = sum(WEIGHTS[r.rule.severity] for r in ev.results)
    passed = sum(WEIGHTS[r.rule.severity] for r in ev.results if r.passed)
    assert ev.score == round(100 * passed / total, 1) < 100
    assert "blocker 10" in ev.formula and "info 0" in ev.formula
    assert [g.key for g in ev.clauses] == ["4", "5", "6", "7", "8", "9", "10"]
    assert [g.key for g in ev.themes] == ["A.5", "A.6", "A.7", "A.8"]
    clause4 = ev.clauses[0]
    assert clause4.failed >= 1 and clause4.findings["blocker"] >= 1  # scope never approved
    assert ev.counts["blocker"] == sum(1 for f in ev.findings if f.severity == "blocker")
    assert ev.failing_at("blocker") and len(ev.failing_at("minor")) >= len(ev.failing_at("major"))


def test_evaluation_queries_do_not_grow_with_records(org, owner):
    from openisms.risks import services as risks

    compliant_world(org, owner)
    evaluate(org)

    def count() -> int:
        with CaptureQueriesContext(connection) as q:
            evaluate(org)
        return len(q)

    before = count()
    for i in range(15):
        risks.risk_create(organization=org, actor=owner, title=f"Risk {i}")
    evaluate(org)  # the SoA's derived data is cached under the audit chain head: warm it again
    assert count() == before


def test_snapshot_is_idempotent_per_day(org, owner):
    first = snapshot_take(organization=org)
    compliant_world(org, owner)
    second = snapshot_take(organization=org)
    assert first.pk == second.pk and ReadinessSnapshot.objects.filter(organization=org).count() == 1
    second.refresh_from_db()
    assert (
        float(second.score) == 100.0 and second.blocker == 0 and second.clauses["4"]["failed"] == 0
    )


def test_snapshot_task_and_schedule(org, other_org, settings):
    from django_tasks_db.models import DBTaskResult

    from openisms.readiness.tasks import snapshot_all

    assert schedule.due() and schedule.enqueue_if_due()
    assert not schedule.enqueue_if_due()  # already queued
    assert DBTaskResult.objects.filter(task_path=schedule.TASK_PATH).count() == 1
    result = snapshot_all.call()
    assert set(result["scores"]) == {"acme", "globex"}
    snapshot_all.call()  # again the same day: same rows
    assert ReadinessSnapshot.objects.filter(date=TODAY).count() == 2
    DBTaskResult.objects.all().delete()
    assert not schedule.due() and not schedule.enqueue_if_due()


def test_worker_runs_scheduled_checks(db, monkeypatch):
    from openisms.core.management.commands import worker

    calls = []
    monkeypatch.setattr(worker, "SCHEDULED", ("x",))
    monkeypatch.setattr(worker, "import_string", lambda path: lambda: calls.append(path))
    monkeypatch.setattr(worker, "call_command", lambda *a, **k: calls.append(a[0]))
    call_command("worker", "--batch")
    assert calls == ["x", "db_worker"]
    # A failing check is logged, never fatal.
    monkeypatch.setattr(worker, "import_string", lambda path: (_ for _ in ()).throw(RuntimeError))
    worker.run_scheduled(("x",))


# --- CLI ------------------------------------------------------------------------------------------


def test_cli_list_rules():
    out = StringIO()
    call_command("readiness", "--list-rules", stdout=out)
    assert "R-4.3-SCOPE-APPROVED" in out.getvalue() and "blocker" in out.getvalue()
    out = StringIO()
    call_command("readiness", "--list-rules", "--format", "json", stdout=out)
    rules = json.loads(out.getvalue())
    assert len(rules) >= 40 and set(rules[0]) >= {"id", "clause", "severity", "title"}


def test_cli_exit_codes_and_json(org, owner):
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("readiness", "--org", "acme", "--format", "json", stdout=out)
    assert exc.value.returncode == 1
    data = json.loads(out.getvalue())
    assert data["failed"] and data["score"] < 100 and "formula" in data
    assert set(data["findings"][0]) == {"rule", "severity", "clause", "message", "objects"}
    compliant_world(org, owner)
    # Only a minor finding left: passes at "blocker" and "major", fails at "minor".
    from openisms.governance.models import ContextIssue

    ContextIssue.objects.filter(organization=org).update(
        review_date=TODAY.replace(year=TODAY.year - 1)
    )
    call_command("readiness", "--org", "acme", stdout=StringIO())
    call_command("readiness", "--org", "acme", "--fail-on", "major", stdout=StringIO())
    with pytest.raises(CommandError) as exc:
        call_command("readiness", "--org", "acme", "--fail-on", "minor", stdout=StringIO())
    assert exc.value.returncode == 1
    with pytest.raises(CommandError, match="Unknown organisation"):
        call_command("readiness", "--org", "nope")
    with pytest.raises(CommandError, match="--org"):
        call_command("readiness")


# --- page, API, report ------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def test_page_shows_score_findings_and_filters(signed_in, org, owner):
    snapshot_take(organization=org)
    html = signed_in.get("/o/acme/readiness/").content.decode()
    assert 'data-testid="score"' in html and 'data-testid="formula"' in html
    assert 'data-testid="trend-svg"' in html and "R-4.3-SCOPE-APPROVED" in html
    assert " style=" not in html and "<script>" not in html
    html = signed_in.get("/o/acme/readiness/?severity=minor&clause=4").content.decode()
    assert "R-4.3-SCOPE-APPROVED" not in html
    html = signed_in.get("/o/acme/readiness/?severity=blocker&clause=4").content.decode()
    assert "R-4.3-SCOPE-APPROVED" in html and "R-5.2-POLICY-APPROVED" not in html
    assert "R-9.2-AUDIT-PROGRAMME" in signed_in.get("/o/acme/readiness/rules/").content.decode()


def test_fixing_a_finding_in_the_ui_removes_it(signed_in, org, owner):
    from openisms.governance import services as gov

    scope = gov.scope_get_or_create(organization=org, actor=owner)
    assert "R-4.3-SCOPE-APPROVED" in signed_in.get("/o/acme/readiness/").content.decode()
    signed_in.post(
        "/o/acme/context/scope/edit/",
        {"text": "All of Acme Ltd.", "version": scope.version},
    )
    response = signed_in.post("/o/acme/context/scope/approve/", {"comment": "ok"})
    assert response.status_code in (302, 200)
    assert "R-4.3-SCOPE-APPROVED" not in signed_in.get("/o/acme/readiness/").content.decode()


def test_page_query_count_is_constant(signed_in, org, owner):
    from openisms.risks import services as risks

    compliant_world(org, owner)
    signed_in.get("/o/acme/readiness/")

    def count() -> int:
        with CaptureQueriesContext(connection) as q:
            assert signed_in.get("/o/acme/readiness/").status_code == 200
        return len(q)

    few = count()
    for i in range(20):
        risks.risk_create(organization=org, actor=owner, title=f"Unassessed {i}")
    signed_in.get("/o/acme/readiness/")  # warm the SoA cache again (keyed on the audit chain)
    assert count() == few


def test_api(client, org, owner):
    from openisms.accounts.services import token_create

    snapshot_take(organization=org)
    secret = token_create(organization=org, actor=owner, name="t").secret
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    data = client.get("/api/v1/orgs/acme/readiness/", **auth).json()
    assert data["formula"].startswith("score = ") and data["weights"]["blocker"] == 10
    assert {g["key"] for g in data["clauses"]} == {"4", "5", "6", "7", "8", "9", "10"}
    assert data["findings"] and set(data["findings"][0]) >= {"rule", "severity", "objects", "url"}
    blockers = client.get("/api/v1/orgs/acme/readiness/?severity=blocker", **auth).json()
    assert {f["severity"] for f in blockers["findings"]} == {"blocker"}
    history = client.get("/api/v1/orgs/acme/readiness/history/", **auth).json()
    assert history["count"] == 1 and history["items"][0]["date"] == TODAY.isoformat()
    rules = client.get("/api/v1/orgs/acme/readiness/rules/", **auth).json()
    assert len(rules) >= 40
    assert client.get("/api/v1/orgs/globex/readiness/", **auth).status_code == 404


def test_report_pdf_and_docx(signed_in, org):
    pdf = signed_in.get("/o/acme/readiness/report/?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    docx = signed_in.get("/o/acme/readiness/report/?format=docx")
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "Certification readiness report" in text and "Findings" in text
    assert signed_in.get("/o/acme/readiness/report/?format=xml").status_code == 404


def test_demo_hook_takes_todays_snapshot(org, owner):
    from openisms.readiness.demo import demo_hook

    demo_hook(organization=org, owner=owner, colleagues={}, full=True)
    demo_hook(organization=org, owner=owner, colleagues={}, full=True)
    assert ReadinessSnapshot.objects.filter(organization=org, date=TODAY).count() == 1


def test_one_failing_organisation_does_not_stop_the_others(org, other_org, monkeypatch):
    from openisms.readiness import services as readiness_services
    from openisms.readiness.tasks import snapshot_all

    real = readiness_services.snapshot_take

    def flaky(*, organization, **kwargs):
        if organization.slug == "acme":
            raise RuntimeError("broken rule")
        return real(organization=organization, **kwargs)

    monkeypatch.setattr(readiness_services, "snapshot_take", flaky)
    result = snapshot_all.call()
    assert result["failed"] == ["acme"] and set(result["scores"]) == {"globex"}
    assert ReadinessSnapshot.objects.filter(date=TODAY, organization=other_org).count() == 1
