"""Input validation for the improvement pages; the services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openisms.catalog.models import RequirementNode
from openisms.controls import selectors as control_selectors
from openisms.improvement import selectors
from openisms.improvement.choices import (
    ActionStatus,
    NcSeverity,
    NcSource,
    NcStatus,
    OpportunityStatus,
    VerificationResult,
)
from openisms.improvement.models import MAX_WHYS
from openisms.risks.forms import DATE_INPUT, MemberField, member_choices

TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _owner_field(form: forms.Form, organization: Any, blank: Any) -> None:
    choices, _users = member_choices(organization)
    form.fields["owner"].choices = [("", blank), *choices]  # type: ignore[attr-defined]


class NcFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *NcStatus.choices]
    )
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("Any")), *NcSeverity.choices]
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("Any")), *NcSource.choices]
    )
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("With overdue actions"), required=False)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _owner_field(self, organization, _("Anyone"))

    def filters(self) -> selectors.NcFilter:
        if not self.is_bound:
            return selectors.NcFilter()
        self.is_valid()
        d = self.cleaned_data
        return selectors.NcFilter(
            q=(d.get("q") or "").strip(),
            status=d.get("status") or "",
            severity=d.get("severity") or "",
            source=d.get("source") or "",
            owner=d.get("owner"),
            overdue=bool(d.get("overdue")),
        )


class NonconformityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)
    source = forms.ChoiceField(label=_("Source"), choices=NcSource.choices, initial=NcSource.OTHER)
    source_reference = forms.CharField(
        label=_("Source reference"),
        required=False,
        max_length=300,
        help_text=_("The audit report, complaint, review or incident it comes from."),
    )
    requirement = forms.TypedChoiceField(
        label=_("Requirement concerned"), required=False, coerce=int, empty_value=None
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=NcSeverity.choices, initial=NcSeverity.MINOR
    )
    owner = MemberField(label=_("Owner"), help_text=_("Left empty on a new one: you."))
    detected_on = forms.DateField(label=_("Detected on"), widget=DATE_INPUT)
    correction = forms.CharField(
        label=_("Correction taken"),
        required=False,
        widget=TEXTAREA,
        help_text=_("What was done at once to contain it."),
    )
    root_cause = forms.CharField(label=_("Root cause"), required=False, widget=TEXTAREA)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organization: Any, nc: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_members(organization)  # type: ignore[attr-defined]
        keep = [nc.requirement_id] if nc is not None and nc.requirement_id else []
        self.fields["requirement"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *control_selectors.requirement_choices(organization=organization, keep=keep),
        ]
        for i in range(1, MAX_WHYS + 1):
            self.fields[f"why{i}"] = forms.CharField(
                label=_("Why %(n)s?") % {"n": i}, required=False, max_length=1000
            )
        if nc is None:
            del self.fields["version"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        whys = [data.pop(f"why{i}") for i in range(1, MAX_WHYS + 1)]
        data["five_whys"] = [w.strip() for w in whys if w and w.strip()]
        req = data.pop("requirement")
        data["requirement"] = RequirementNode.objects.filter(pk=req).first() if req else None
        return data


def nc_initial(nc: Any) -> dict[str, Any]:
    initial = {
        "title": nc.title,
        "description": nc.description,
        "source": nc.source,
        "source_reference": nc.source_reference,
        "requirement": nc.requirement_id or "",
        "severity": nc.severity,
        "owner": str(nc.owner_id) if nc.owner_id else "",
        "detected_on": nc.detected_on,
        "correction": nc.correction,
        "root_cause": nc.root_cause,
        "version": nc.version,
    }
    for i, why in enumerate(nc.five_whys or [], start=1):
        initial[f"why{i}"] = why
    return initial


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=NcStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ActionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *ActionStatus.choices]
    )
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _owner_field(self, organization, _("Anyone"))

    def filters(self) -> selectors.ActionFilter:
        if not self.is_bound:
            return selectors.ActionFilter()
        self.is_valid()
        d = self.cleaned_data
        return selectors.ActionFilter(
            status=d.get("status") or "", owner=d.get("owner"), overdue=bool(d.get("overdue"))
        )


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    owner = MemberField(label=_("Owner"), help_text=_("Left empty: the nonconformity's owner."))
    due_date = forms.DateField(label=_("Due"), required=False, widget=DATE_INPUT)
    status = forms.ChoiceField(
        label=_("Status"), choices=ActionStatus.choices, initial=ActionStatus.OPEN
    )
    progress_note = forms.CharField(label=_("Progress note"), required=False, widget=TEXTAREA)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organization: Any, action: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_members(organization)  # type: ignore[attr-defined]
        if action is None:
            del self.fields["version"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


def action_initial(action: Any) -> dict[str, Any]:
    return {
        "title": action.title,
        "owner": str(action.owner_id) if action.owner_id else "",
        "due_date": action.due_date,
        "status": action.status,
        "progress_note": action.progress_note,
        "version": action.version,
    }


class VerificationForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=VerificationResult.choices)
    verified_on = forms.DateField(label=_("Verified on"), widget=DATE_INPUT)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=TEXTAREA,
        help_text=_("What was checked; required when the actions were not effective."),
    )


class OpportunityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *OpportunityStatus.choices]
    )
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _owner_field(self, organization, _("Anyone"))

    def filters(self) -> selectors.OpportunityFilter:
        if not self.is_bound:
            return selectors.OpportunityFilter()
        self.is_valid()
        d = self.cleaned_data
        return selectors.OpportunityFilter(
            q=(d.get("q") or "").strip(), status=d.get("status") or "", owner=d.get("owner")
        )


class OpportunityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)
    source = forms.CharField(
        label=_("Source"),
        required=False,
        max_length=200,
        help_text=_("Where the idea came from (a review, an audit, a staff suggestion…)."),
    )
    owner = MemberField(label=_("Owner"), help_text=_("Left empty on a new one: you."))
    status = forms.ChoiceField(
        label=_("Status"), choices=OpportunityStatus.choices, initial=OpportunityStatus.PROPOSED
    )
    outcome = forms.CharField(
        label=_("What became of it"),
        required=False,
        widget=TEXTAREA,
        help_text=_("Required once implemented or rejected."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organization: Any, item: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_members(organization)  # type: ignore[attr-defined]
        if item is None:
            del self.fields["version"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


def opportunity_initial(item: Any) -> dict[str, Any]:
    return {
        "title": item.title,
        "description": item.description,
        "source": item.source,
        "owner": str(item.owner_id) if item.owner_id else "",
        "status": item.status,
        "outcome": item.outcome,
        "version": item.version,
    }
