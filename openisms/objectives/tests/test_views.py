from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from openisms.objectives import services
from openisms.objectives.models import Measurement

TODAY = timezone.localdate()


@pytest.fixture
def metric(org, owner):
    objective = services.objective_create(organization=org, actor=owner, title="Fewer clicks")
    metric = services.metric_create(
        organization=org,
        actor=owner,
        objective=objective,
        name="Click rate",
        unit="%",
        target=Decimal(5),
        warning=Decimal(10),
        direction="lower_is_better",
    )
    for i, value in enumerate(["18", "12", "9"]):
        services.measurement_record(
            metric=metric,
            actor=owner,
            value=value,
            measured_on=TODAY - dt.timedelta(days=30 * (2 - i)),
        )
    return metric


def _url(name, org, **kw):
    return reverse(f"objectives:{name}", kwargs={"org_slug": org.slug, **kw})


def test_metric_page_draws_the_trend_without_inline_style(client, org, owner, metric):
    client.force_login(owner)
    response = client.get(_url("metric_detail", org, pk=metric.pk))
    html = response.content.decode()
    assert response.status_code == 200
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "<title" in svg and "<desc" in svg and "3 measurements" in svg
    assert svg.count("<circle") == 3 and "<polyline" in svg
    assert 'data-testid="target-line"' in svg and 'data-testid="warning-line"' in svg
    assert "style=" not in html and "<script>" not in html
    # 18 → 12 → 9: each point is lower on the chart (a larger y) than the one before.
    ys = [float(y) for y in re.findall(r'<circle[^>]* cy="([\d.]+)"', svg)]
    assert ys[0] < ys[1] < ys[2]
    assert 'data-testid="metric-status">Warning' in html
    # The data table fallback lists every value.
    assert html.count("<td>18 %</td>") == 1 and html.count("<td>9 %</td>") == 1


def test_metric_page_without_measurements(client, org, owner):
    metric = services.metric_create(organization=org, actor=owner, name="New", target=1)
    client.force_login(owner)
    html = client.get(_url("metric_detail", org, pk=metric.pk)).content.decode()
    assert 'data-testid="no-trend"' in html and "No data" in html


def test_record_measurement_from_the_page(client, org, owner, metric):
    client.force_login(owner)
    url = _url("measurement_create", org, pk=metric.pk)
    response = client.post(url, {"value": "4", "measured_on": TODAY.isoformat(), "source": "Rep"})
    assert response.status_code == 302
    assert Measurement.objects.filter(metric=metric).count() == 4
    response = client.post(url, {"value": "x", "measured_on": TODAY.isoformat()})
    assert response.status_code == 422 and Measurement.objects.filter(metric=metric).count() == 4
    first = Measurement.objects.filter(metric=metric).order_by("measured_on").first()
    response = client.post(
        url, {"value": "17", "measured_on": first.measured_on.isoformat(), "corrects": first.pk}
    )
    assert response.status_code == 422
    assert "Say why" in response.content.decode()


def test_contributor_cannot_record_on_someone_elses_metric(client, org, member, metric):
    carl = member(org, "contributor")
    client.force_login(carl)
    url = _url("measurement_create", org, pk=metric.pk)
    assert client.post(url, {"value": "4", "measured_on": TODAY.isoformat()}).status_code == 403


def test_objective_and_metric_forms(client, org, owner):
    client.force_login(owner)
    response = client.post(
        _url("objective_create", org), {"title": "Patch faster", "status": "planned"}
    )
    assert response.status_code == 302
    response = client.post(
        _url("metric_create", org),
        {
            "name": "Patch rate",
            "frequency_days": "30",
            "target": "95",
            "warning": "99",
            "direction": "higher_is_better",
        },
    )
    assert response.status_code == 422
    assert "at most the target" in response.content.decode()


def test_lists_have_constant_query_counts(client, org, owner):
    client.force_login(owner)

    def make(n):
        for i in range(n):
            objective = services.objective_create(organization=org, actor=owner, title=f"O{i}")
            metric = services.metric_create(
                organization=org, actor=owner, objective=objective, name=f"M{i}", target=1
            )
            services.measurement_record(metric=metric, actor=owner, value=i)

    counts = {}
    for total in (3, 30):
        make(total - ((counts and 3) or 0))
        for name in ("objective_list", "metric_list", "objective_export", "metric_export"):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(_url(name, org)).status_code == 200
            counts.setdefault(name, []).append(len(ctx))
    for name, (small, large) in counts.items():
        assert small == large, (name, small, large)


def test_exports(client, org, owner, metric):
    client.force_login(owner)
    response = client.get(_url("metric_export", org) + "?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "ref" and rows[1][0] == "MET-001" and rows[1][-2] == "warning"
    response = client.get(_url("measurement_export", org) + f"?metric={metric.pk}&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert [Decimal(str(v)) for v in values] == [Decimal(18), Decimal(12), Decimal(9)]
    response = client.get(_url("objective_export", org) + "?format=xlsx")
    assert response.status_code == 200
    assert client.get(_url("objective_export", org) + "?format=pdf").status_code == 400


def test_other_organisation_records_are_404(client, org, other_org, owner, member, metric):
    outsider = member(other_org, "owner")
    client.force_login(outsider)
    assert client.get(_url("metric_detail", other_org, pk=metric.pk)).status_code == 404
    response = client.get(_url("measurement_export", other_org) + f"?metric={metric.pk}")
    assert response.status_code == 404
