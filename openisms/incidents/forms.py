"""Input validation for the incident pages; the services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openisms.assets.models import Asset
from openisms.controls.models import Evidence
from openisms.core.gate import scoped
from openisms.improvement.models import Nonconformity
from openisms.incidents import selectors
from openisms.incidents.choices import Classification, IncidentStatus, Severity
from openisms.risks.forms import MemberField, member_choices
from openisms.risks.models import Risk

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
TEXTAREA = forms.Textarea(attrs={"rows": 3})


class RefChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.ref} {getattr(obj, 'title', '') or getattr(obj, 'name', '')}"


class IncidentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *IncidentStatus.choices]
    )
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("Any")), *Severity.choices]
    )
    classification = forms.ChoiceField(
        label=_("Classification"), required=False, choices=[("", _("Any")), *Classification.choices]
    )
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    notification_overdue = forms.BooleanField(label=_("GDPR notification overdue"), required=False)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices, _users = member_choices(organization)
        self.fields["owner"].choices = [("", _("Anyone")), *choices]  # type: ignore[attr-defined]

    def filters(self) -> selectors.IncidentFilter:
        if not self.is_bound:
            return selectors.IncidentFilter()
        self.is_valid()
        d = self.cleaned_data
        return selectors.IncidentFilter(
            q=(d.get("q") or "").strip(),
            status=d.get("status") or "",
            severity=d.get("severity") or "",
            classification=d.get("classification") or "",
            owner=d.get("owner"),
            notification_overdue=bool(d.get("notification_overdue")),
        )


def _dt_field(label: Any, required: bool = False, **kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DATETIME_INPUT,
        input_formats=DATETIME_FORMATS,
        **kwargs,
    )


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)
    detected_at = _dt_field(_("Detected at"), required=True)
    reported_at = _dt_field(_("Reported at"))
    reported_by = forms.CharField(label=_("Reported by"), required=False, max_length=200)
    classification = forms.ChoiceField(
        label=_("Classification"), choices=Classification.choices, initial=Classification.OTHER
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial="medium")
    owner = MemberField(label=_("Owner"), help_text=_("Left empty on a new one: you."))
    response = forms.CharField(label=_("Response"), required=False, widget=TEXTAREA)
    lessons_learned = forms.CharField(label=_("Lessons learned"), required=False, widget=TEXTAREA)
    personal_data_breach = forms.BooleanField(
        label=_("Personal data breach"),
        required=False,
        help_text=_("The supervisory authority must be notified within 72 hours of detection."),
    )
    authority_notified_at = _dt_field(_("Supervisory authority notified at"))
    assets = RefChoiceField(label=_("Affected assets"), queryset=None, required=False)
    risks = RefChoiceField(label=_("Risks (new or reassessed)"), queryset=None, required=False)
    nonconformities = RefChoiceField(label=_("Nonconformities"), queryset=None, required=False)
    evidence = RefChoiceField(
        label=_("Evidence collected"),
        queryset=None,
        required=False,
        help_text=_("Evidence items keep each file's SHA-256 (chain of custody)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organization: Any, incident: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_members(organization)  # type: ignore[attr-defined]
        for name, model in (
            ("assets", Asset),
            ("risks", Risk),
            ("nonconformities", Nonconformity),
            ("evidence", Evidence),
        ):
            field = self.fields[name]
            field.queryset = scoped(model, organization).order_by("ref")  # type: ignore[attr-defined]
            field.widget.attrs["size"] = 6
        if incident is None:
            del self.fields["version"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        for name in ("assets", "risks", "nonconformities", "evidence"):
            data[name] = list(data.get(name) or [])
        return data


def incident_initial(incident: Any, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": incident.title,
        "description": incident.description,
        "detected_at": incident.detected_at,
        "reported_at": incident.reported_at,
        "reported_by": incident.reported_by,
        "classification": incident.classification,
        "severity": incident.severity,
        "owner": str(incident.owner_id) if incident.owner_id else "",
        "response": incident.response,
        "lessons_learned": incident.lessons_learned,
        "personal_data_breach": incident.personal_data_breach,
        "authority_notified_at": incident.authority_notified_at,
        "assets": [o.pk for o in detail["assets"]],
        "risks": [o.pk for o in detail["risks"]],
        "nonconformities": [o.pk for o in detail["nonconformities"]],
        "evidence": [o.pk for o in detail["evidence"]],
        "version": incident.version,
    }


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=IncidentStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TimelineForm(forms.Form):
    at = _dt_field(_("At"), required=True)
    what = forms.CharField(label=_("What happened"), widget=TEXTAREA)
