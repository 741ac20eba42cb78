"""Writes for objectives, metrics and measurements. Every write goes through
``openisms.core.services`` (validation, optimistic locking, audit trail)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openisms.assets.services import check_member
from openisms.core.gate import require
from openisms.core.refs import next_ref
from openisms.core.services import record_create, record_delete, record_update
from openisms.objectives.models import VALUE_DIGITS, VALUE_PLACES, Measurement, Metric, Objective

CHANGE = "objectives.change_objective"
RECORD = "objectives.record_measurement"

OBJECTIVE_FIELDS = {"title", "plan", "resources", "owner", "due_date", "evaluation", "status"}
METRIC_FIELDS = {
    "objective",
    "name",
    "measured",
    "method",
    "frequency_days",
    "measured_by",
    "analysed_by",
    "unit",
    "target",
    "direction",
    "warning",
}
MAX_VALUE = Decimal(10) ** (VALUE_DIGITS - VALUE_PLACES)


def _check_fields(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))


def as_value(raw: Any, field: str) -> Decimal:
    """A finite number within the stored precision, rounded to it; a field error otherwise."""
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("Enter a number.")}) from exc
    if not value.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    if abs(value) >= MAX_VALUE:
        raise ValidationError({field: _("The number is too large.")})
    return value.quantize(Decimal(1).scaleb(-VALUE_PLACES))


def _clean_values(data: dict[str, Any]) -> None:
    for field in ("target", "warning"):
        if field in data and data[field] is not None:
            data[field] = as_value(data[field], field)


# --- objectives ---------------------------------------------------------------------------------


def objective_create(*, organization: Any, actor: Any, **data: Any) -> Objective:
    require(actor, CHANGE, organization)
    _check_fields(data, OBJECTIVE_FIELDS)
    check_member(organization, data.get("owner"), "owner")
    with transaction.atomic():
        objective = Objective(organization=organization, ref=next_ref(organization, "OBJ"), **data)
        if objective.owner_id is None and actor is not None:
            objective.owner = actor
        require(actor, CHANGE, objective)
        return record_create(objective, actor=actor)


def objective_update(
    *, objective: Objective, actor: Any, version: int | None, if_match: bool = False, **data: Any
) -> Objective:
    require(actor, CHANGE, objective)
    _check_fields(data, OBJECTIVE_FIELDS)
    check_member(objective.organization, data.get("owner"), "owner")
    with transaction.atomic():
        objective = record_update(
            objective, actor=actor, data=data, expected_version=version, if_match=if_match
        )
        require(actor, CHANGE, objective)  # a contributor cannot give an objective away
    return objective


def objective_delete(
    *, objective: Objective, actor: Any, version: int | None, if_match: bool = False
) -> None:
    require(actor, CHANGE, objective)
    if objective.metrics.exists():
        raise ValidationError(
            _("%s has metrics; move or delete them first (or cancel the objective).")
            % objective.ref
        )
    record_delete(objective, actor=actor, expected_version=version, if_match=if_match)


# --- metrics ------------------------------------------------------------------------------------


def _check_metric_refs(organization: Any, data: dict[str, Any]) -> None:
    for field in ("measured_by", "analysed_by"):
        check_member(organization, data.get(field), field)
    objective = data.get("objective")
    if objective is not None and objective.organization_id != organization.pk:
        raise ValidationError({"objective": _("Unknown objective.")})


def metric_create(*, organization: Any, actor: Any, **data: Any) -> Metric:
    require(actor, CHANGE, organization)
    _check_fields(data, METRIC_FIELDS)
    _check_metric_refs(organization, data)
    _clean_values(data)
    if data.get("target") is None:
        raise ValidationError({"target": _("Set a target value.")})
    with transaction.atomic():
        metric = Metric(organization=organization, ref=next_ref(organization, "MET"), **data)
        if metric.measured_by_id is None and actor is not None:
            metric.measured_by = actor
        require(actor, CHANGE, metric)
        return record_create(metric, actor=actor)


def metric_update(
    *, metric: Metric, actor: Any, version: int | None, if_match: bool = False, **data: Any
) -> Metric:
    require(actor, CHANGE, metric)
    _check_fields(data, METRIC_FIELDS)
    _check_metric_refs(metric.organization, data)
    _clean_values(data)
    if "target" in data and data["target"] is None:
        raise ValidationError({"target": _("Set a target value.")})
    with transaction.atomic():
        metric = record_update(
            metric, actor=actor, data=data, expected_version=version, if_match=if_match
        )
        require(actor, CHANGE, metric)  # a contributor cannot hand the metric over
    return metric


def metric_delete(
    *, metric: Metric, actor: Any, version: int | None, if_match: bool = False
) -> None:
    """Only a metric never measured is deleted; measurements are records and stay."""
    require(actor, CHANGE, metric)
    if metric.measurements.exists():
        raise ValidationError(
            _("%s has measurements, which are kept as records; it cannot be deleted.") % metric.ref
        )
    record_delete(metric, actor=actor, expected_version=version, if_match=if_match)


# --- measurements -------------------------------------------------------------------------------


def measurement_record(
    *,
    metric: Metric,
    actor: Any,
    value: Any,
    measured_on: dt.date | None = None,
    source: str = "",
    note: str = "",
    corrects: Measurement | None = None,
) -> Measurement:
    """Append a measurement (never edited). ``corrects``: an earlier measurement of the same
    metric this one corrects; the note then says why."""
    require(actor, RECORD, metric)
    measured_on = measured_on or timezone.localdate()
    if measured_on > timezone.localdate():
        raise ValidationError({"measured_on": _("A measurement cannot be in the future.")})
    if corrects is not None and corrects.metric_id != metric.pk:
        raise ValidationError({"corrects": _("Correct a measurement of this metric.")})
    measurement = Measurement(
        organization=metric.organization,
        metric=metric,
        measured_on=measured_on,
        value=as_value(value, "value"),
        source=(source or "").strip(),
        note=(note or "").strip(),
        corrects=corrects,
        recorded_by=actor,
    )
    return record_create(measurement, actor=actor, action="measurement.record")
