"""Input validation for the objectives pages; the services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openisms.objectives import selectors
from openisms.objectives.choices import Direction, MetricStatus, ObjectiveStatus
from openisms.objectives.models import MAX_FREQUENCY_DAYS, VALUE_DIGITS, VALUE_PLACES, Objective
from openisms.risks.forms import DATE_INPUT, MemberField, member_choices

TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _value_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES, **kwargs
    )


def _person_filter(form: forms.Form, name: str, organization: Any) -> None:
    choices, _users = member_choices(organization)
    form.fields[name].choices = [("", _("Anyone")), *choices]  # type: ignore[attr-defined]


class ObjectiveFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *ObjectiveStatus.choices]
    )
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _person_filter(self, "owner", organization)

    def filters(self) -> selectors.ObjectiveFilter:
        if not self.is_bound:
            return selectors.ObjectiveFilter()
        self.is_valid()
        d = self.cleaned_data
        return selectors.ObjectiveFilter(
            q=(d.get("q") or "").strip(), status=d.get("status") or "", owner=d.get("owner")
        )


class ObjectiveForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    plan = forms.CharField(label=_("What will be done"), required=False, widget=TEXTAREA)
    resources = forms.CharField(label=_("Resources"), required=False, widget=TEXTAREA)
    owner = MemberField(label=_("Owner"), help_text=_("Left empty on a new one: you."))
    due_date = forms.DateField(label=_("Due"), required=False, widget=DATE_INPUT)
    evaluation = forms.CharField(
        label=_("How results are evaluated"), required=False, widget=TEXTAREA
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=ObjectiveStatus.choices, initial=ObjectiveStatus.PLANNED
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organization: Any, objective: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_members(organization)  # type: ignore[attr-defined]
        if objective is None:
            del self.fields["version"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


def objective_initial(o: Objective) -> dict[str, Any]:
    return {
        "title": o.title,
        "plan": o.plan,
        "resources": o.resources,
        "owner": str(o.owner_id) if o.owner_id else "",
        "due_date": o.due_date,
        "evaluation": o.evaluation,
        "status": o.status,
        "version": o.version,
    }


class MetricFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    objective = forms.TypedChoiceField(
        label=_("Objective"), required=False, coerce=int, empty_value=None
    )
    measured_by = forms.TypedChoiceField(
        label=_("Measured by"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *MetricStatus.choices]
    )
    overdue = forms.BooleanField(label=_("Measurement overdue"), required=False)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _person_filter(self, "measured_by", organization)
        self.fields["objective"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *selectors.objective_choices(organization=organization),
        ]

    def filters(self) -> selectors.MetricFilter:
        if not self.is_bound:
            return selectors.MetricFilter()
        self.is_valid()
        d = self.cleaned_data
        return selectors.MetricFilter(
            q=(d.get("q") or "").strip(),
            objective=d.get("objective"),
            measured_by=d.get("measured_by"),
            status=d.get("status") or "",
            overdue=bool(d.get("overdue")),
        )


class MetricForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    objective = forms.TypedChoiceField(
        label=_("Objective"), required=False, coerce=int, empty_value=None
    )
    measured = forms.CharField(label=_("What is measured"), required=False, widget=TEXTAREA)
    method = forms.CharField(label=_("Method"), required=False, widget=TEXTAREA)
    frequency_days = forms.IntegerField(
        label=_("Frequency (days)"), min_value=1, max_value=MAX_FREQUENCY_DAYS, initial=30
    )
    measured_by = MemberField(label=_("Measured by"), help_text=_("Left empty on a new one: you."))
    analysed_by = MemberField(label=_("Analysed by"))
    unit = forms.CharField(label=_("Unit"), required=False, max_length=40)
    target = _value_field(_("Target"))
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.HIGHER
    )
    warning = _value_field(
        _("Warning threshold"),
        required=False,
        help_text=_(
            "Between the target and this value the metric is in warning; beyond it, off target."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organization: Any, metric: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        for name in ("measured_by", "analysed_by"):
            self.fields[name].set_members(organization)  # type: ignore[attr-defined]
        self.fields["objective"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *selectors.objective_choices(organization=organization),
        ]
        if metric is None:
            del self.fields["version"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        pk = data.pop("objective")
        data["objective"] = (
            selectors.objective_get(organization=self.organization, pk=pk) if pk else None
        )
        return data


def metric_initial(m: Any) -> dict[str, Any]:
    return {
        "name": m.name,
        "objective": m.objective_id or "",
        "measured": m.measured,
        "method": m.method,
        "frequency_days": m.frequency_days,
        "measured_by": str(m.measured_by_id) if m.measured_by_id else "",
        "analysed_by": str(m.analysed_by_id) if m.analysed_by_id else "",
        "unit": m.unit,
        "target": m.target,
        "direction": m.direction,
        "warning": m.warning,
        "version": m.version,
    }


class MeasurementForm(forms.Form):
    value = _value_field(_("Value"))
    measured_on = forms.DateField(label=_("Measured on"), widget=DATE_INPUT)
    source = forms.CharField(
        label=_("Source"),
        required=False,
        max_length=300,
        help_text=_("Where the figure comes from (a report, a system, a count)."),
    )
    corrects = forms.TypedChoiceField(
        label=_("Corrects"), required=False, coerce=int, empty_value=None
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=TEXTAREA,
        help_text=_("Required for a correction: say what was wrong."),
    )

    def __init__(self, *args: Any, metric: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metric = metric
        recent = selectors.measurement_list(metric=metric)[:24]
        self.fields["corrects"].choices = [  # type: ignore[attr-defined]
            ("", _("— (a new measurement)")),
            *[(m.pk, f"{m.measured_on:%Y-%m-%d}: {m.value.normalize():f}") for m in recent],
        ]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        pk = data.pop("corrects")
        data["corrects"] = selectors.measurement_get(metric=self.metric, pk=pk) if pk else None
        return data
