"""Input validation for the management review pages; the services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openisms.reviews import selectors
from openisms.reviews.choices import DecisionKind, DecisionStatus, ReviewStatus
from openisms.risks.forms import DATE_INPUT, MemberField, member_choices

TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _owner_field(form: forms.Form, organization: Any, blank: Any) -> None:
    choices, _users = member_choices(organization)
    form.fields["owner"].choices = [("", blank), *choices]  # type: ignore[attr-defined]


class MembersField(forms.MultipleChoiceField):
    """Current members of the organisation, cleaned to users."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.users: dict[str, Any] = {}

    def set_members(self, organization: Any) -> None:
        choices, self.users = member_choices(organization)
        self.choices = choices

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return [self.users[v] for v in value if v in self.users]


class ReviewFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *ReviewStatus.choices]
    )

    def filters(self) -> selectors.ReviewFilter:
        if not self.is_bound:
            return selectors.ReviewFilter()
        self.is_valid()
        d = self.cleaned_data
        return selectors.ReviewFilter(q=(d.get("q") or "").strip(), status=d.get("status") or "")


class ReviewForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    planned_on = forms.DateField(label=_("Planned on"), widget=DATE_INPUT)
    chair = MemberField(label=_("Chair"), help_text=_("Top management: who chairs the review."))
    location = forms.CharField(label=_("Location or format"), required=False, max_length=300)
    attendees = MembersField(label=_("Attendees"), widget=forms.CheckboxSelectMultiple)
    external_attendees = forms.CharField(
        label=_("Other attendees"),
        required=False,
        widget=TEXTAREA,
        help_text=_("People who are not members (one per line: name, role or company)."),
    )
    period_start = forms.DateField(
        label=_("Inputs cover from"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Left empty: the previous review's date, or 12 months back."),
    )
    period_end = forms.DateField(
        label=_("Inputs cover until"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Left empty: the planned date."),
    )
    interested_party_feedback = forms.CharField(
        label=_("Feedback from interested parties"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Customer, supplier, regulator feedback to present (input e)."),
    )
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Markdown. Approved when the review is closed."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organization: Any, review: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].set_members(organization)  # type: ignore[attr-defined]
        self.fields["attendees"].set_members(organization)  # type: ignore[attr-defined]
        if review is None:
            del self.fields["version"]
            del self.fields["minutes"]
        elif review.frozen:
            for name in (
                "planned_on",
                "chair",
                "period_start",
                "period_end",
                "interested_party_feedback",
            ):
                del self.fields[name]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


def review_initial(review: Any, attendees: list[Any]) -> dict[str, Any]:
    return {
        "title": review.title,
        "planned_on": review.planned_on,
        "chair": str(review.chair_id) if review.chair_id else "",
        "location": review.location,
        "attendees": [str(u.pk) for u in attendees],
        "external_attendees": review.external_attendees,
        "period_start": review.period_start,
        "period_end": review.period_end,
        "interested_party_feedback": review.interested_party_feedback,
        "minutes": review.minutes,
        "version": review.version,
    }


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class HoldForm(VersionForm):
    held_on = forms.DateField(label=_("Held on"), widget=DATE_INPUT)


class DecisionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *DecisionStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *DecisionKind.choices]
    )
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _owner_field(self, organization, _("Anyone"))

    def filters(self) -> selectors.DecisionFilter:
        if not self.is_bound:
            return selectors.DecisionFilter()
        self.is_valid()
        d = self.cleaned_data
        return selectors.DecisionFilter(
            q=(d.get("q") or "").strip(),
            status=d.get("status") or "",
            kind=d.get("kind") or "",
            owner=d.get("owner"),
            overdue=bool(d.get("overdue")),
        )


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DecisionKind.choices)
    title = forms.CharField(label=_("Decision"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)
    owner = MemberField(label=_("Owner"), help_text=_("Left empty on a new one: you."))
    due_date = forms.DateField(label=_("Due"), required=False, widget=DATE_INPUT)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organization: Any, decision: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_members(organization)  # type: ignore[attr-defined]
        if decision is None:
            del self.fields["version"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


def decision_initial(decision: Any) -> dict[str, Any]:
    return {
        "kind": decision.kind,
        "title": decision.title,
        "description": decision.description,
        "owner": str(decision.owner_id) if decision.owner_id else "",
        "due_date": decision.due_date,
        "version": decision.version,
    }


class ProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=DecisionStatus.choices)
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        widget=TEXTAREA,
        help_text=_("Required once done or cancelled."),
    )
    closed_on = forms.DateField(
        label=_("Closed on"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Done or cancelled: left empty, today."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
