from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openisms.core.exceptions import ConflictError
from openisms.core.models import AuditEvent
from openisms.objectives import selectors, services
from openisms.objectives.models import Measurement
from openisms.objectives.status import metric_state, status_for

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def _metric(org, actor, **data):
    data.setdefault("name", "Click rate")
    data.setdefault("target", Decimal("5"))
    return services.metric_create(organization=org, actor=actor, **data)


@pytest.mark.parametrize(
    ("value", "direction", "expected"),
    [
        ("96", "higher_is_better", "on_target"),
        ("95", "higher_is_better", "on_target"),
        ("90", "higher_is_better", "warning"),
        ("84.99", "higher_is_better", "off_target"),
        ("4", "lower_is_better", "on_target"),
        ("8", "lower_is_better", "warning"),
        ("10.5", "lower_is_better", "off_target"),
        (None, "lower_is_better", "no_data"),
    ],
)
def test_status_rule(value, direction, expected):
    target, warning = (
        (Decimal(95), Decimal(85)) if direction == "higher_is_better" else (Decimal(5), Decimal(10))
    )
    got = status_for(
        value=Decimal(value) if value else None, target=target, warning=warning, direction=direction
    )
    assert got == expected


def test_without_warning_threshold_missing_target_is_off_target():
    assert (
        status_for(
            value=Decimal(94), target=Decimal(95), warning=None, direction="higher_is_better"
        )
        == "off_target"
    )


def test_objective_create_defaults_owner_and_audits(org, owner):
    objective = services.objective_create(organization=org, actor=owner, title="Fewer clicks")
    assert objective.ref == "OBJ-001" and objective.owner == owner and objective.version == 1
    assert AuditEvent.objects.filter(object_type="objectives.objective", action="create").exists()


def test_stale_edit_is_refused(org, owner):
    objective = services.objective_create(organization=org, actor=owner, title="Goal")
    services.objective_update(objective=objective, actor=owner, version=1, title="Goal 2")
    with pytest.raises(ConflictError):
        services.objective_update(objective=objective, actor=owner, version=1, title="Stale")


def test_warning_threshold_must_be_on_the_right_side(org, owner):
    with pytest.raises(ValidationError) as exc:
        _metric(org, owner, direction="lower_is_better", target=Decimal(5), warning=Decimal(3))
    assert "warning" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _metric(org, owner, direction="higher_is_better", target=Decimal(95), warning=Decimal(99))
    assert "warning" in exc.value.message_dict


def test_latest_measurement_gives_status_and_overdue(org, owner):
    metric = _metric(
        org, owner, direction="lower_is_better", warning=Decimal(10), frequency_days=30
    )
    services.measurement_record(
        metric=metric, actor=owner, value="12", measured_on=TODAY - 40 * DAY
    )
    services.measurement_record(metric=metric, actor=owner, value="8", measured_on=TODAY - 35 * DAY)
    row = selectors.metric_list(organization=org).get(pk=metric.pk)
    state = metric_state(row)
    assert row.latest_value == Decimal(8) and state["status"] == "warning"
    assert state["overdue"] is True and state["next_due"] == TODAY - 5 * DAY
    services.measurement_record(metric=metric, actor=owner, value="4", measured_on=TODAY)
    state = metric_state(selectors.metric_list(organization=org).get(pk=metric.pk))
    assert state["status"] == "on_target" and state["overdue"] is False


def test_measurements_are_append_only_and_corrections_need_a_note(org, owner):
    metric = _metric(org, owner)
    first = services.measurement_record(metric=metric, actor=owner, value="7", source="Report")
    assert first.recorded_by == owner and first.source == "Report"
    first.value = Decimal(1)
    with pytest.raises(ValueError, match="never edited"):
        first.save()
    with pytest.raises(ValueError, match="never deleted"):
        first.delete()
    with pytest.raises(ValidationError) as exc:
        services.measurement_record(metric=metric, actor=owner, value="6", corrects=first)
    assert "note" in exc.value.message_dict
    fixed = services.measurement_record(
        metric=metric,
        actor=owner,
        value="6",
        measured_on=first.measured_on,
        corrects=first,
        note="Typo in the report",
    )
    assert fixed.corrects == first
    assert selectors.metric_get(organization=org, pk=metric.pk).latest_value == Decimal(6)
    assert [m.value for m in selectors.trend(metric)] == [Decimal(6)]
    assert Measurement.objects.filter(metric=metric).count() == 2


def test_measurement_value_and_date_are_checked(org, owner):
    metric = _metric(org, owner)
    for bad in ("abc", "NaN", "Infinity", "1e30"):
        with pytest.raises(ValidationError) as exc:
            services.measurement_record(metric=metric, actor=owner, value=bad)
        assert "value" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.measurement_record(metric=metric, actor=owner, value="1", measured_on=TODAY + DAY)
    assert "measured_on" in exc.value.message_dict
    assert not Measurement.objects.exists()


def test_contributors_record_only_metrics_they_measure(org, owner, member):
    carl = member(org, "contributor", email="carl@acme.test")
    viewer = member(org, "viewer")
    mine = _metric(org, owner, measured_by=carl)
    theirs = _metric(org, owner, name="Other", measured_by=owner)
    services.measurement_record(metric=mine, actor=carl, value="1")
    with pytest.raises(PermissionDenied):
        services.measurement_record(metric=theirs, actor=carl, value="1")
    with pytest.raises(PermissionDenied):
        services.measurement_record(metric=mine, actor=viewer, value="1")
    # They edit the metric they measure, but cannot hand it over.
    services.metric_update(metric=mine, actor=carl, version=1, unit="%")
    with pytest.raises(PermissionDenied):
        services.metric_update(metric=mine, actor=carl, version=2, measured_by=owner)
    mine.refresh_from_db()
    assert mine.measured_by == carl and mine.version == 2


def test_people_and_links_must_belong_to_the_organisation(org, other_org, owner, member):
    outsider = member(other_org, "owner")
    with pytest.raises(ValidationError) as exc:
        _metric(org, owner, measured_by=outsider)
    assert "measured_by" in exc.value.message_dict
    foreign = services.objective_create(organization=other_org, actor=outsider, title="Theirs")
    with pytest.raises(ValidationError) as exc:
        _metric(org, owner, objective=foreign)
    assert "objective" in exc.value.message_dict


def test_deletes_keep_records(org, owner):
    objective = services.objective_create(organization=org, actor=owner, title="Goal")
    metric = _metric(org, owner, objective=objective)
    with pytest.raises(ValidationError):
        services.objective_delete(objective=objective, actor=owner, version=1)
    services.measurement_record(metric=metric, actor=owner, value="1")
    with pytest.raises(ValidationError):
        services.metric_delete(metric=metric, actor=owner, version=1)
    empty = _metric(org, owner, name="Unused")
    services.metric_delete(metric=empty, actor=owner, version=1)
    assert not type(empty).objects.filter(pk=empty.pk).exists()
