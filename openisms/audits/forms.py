"""Input validation for the internal audit pages; the services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openisms.audits import selectors
from openisms.audits.choices import AuditStatus, ItemResult
from openisms.controls import selectors as control_selectors
from openisms.risks.forms import DATE_INPUT, MemberField, member_choices

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *AuditStatus.choices]
    )
    programme = forms.TypedChoiceField(
        label=_("Programme"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *[(p.pk, str(p)) for p in selectors.programme_choices(organization=organization)],
        ]

    def filters(self) -> selectors.AuditFilter:
        if not self.is_bound:
            return selectors.AuditFilter()
        self.is_valid()
        d = self.cleaned_data
        return selectors.AuditFilter(
            q=(d.get("q") or "").strip(), status=d.get("status") or "", programme=d.get("programme")
        )


class ProgrammeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    period_start = forms.DateField(label=_("Period from"), widget=DATE_INPUT)
    period_end = forms.DateField(
        label=_("Period to"),
        widget=DATE_INPUT,
        help_text=_("Typically the three-year certification cycle."),
    )
    objectives = forms.CharField(
        label=_("Objectives"),
        required=False,
        widget=TEXTAREA,
        help_text=_("What the programme must achieve: frequency, methods, responsibilities."),
    )
    owner = MemberField(label=_("Owner"), help_text=_("Left empty on a new one: you."))
    notes = forms.CharField(label=_("Notes"), required=False, widget=TEXTAREA)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organization: Any, programme: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_members(organization)  # type: ignore[attr-defined]
        if programme is None:
            del self.fields["version"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


def programme_initial(programme: Any) -> dict[str, Any]:
    return {
        "title": programme.title,
        "period_start": programme.period_start,
        "period_end": programme.period_end,
        "objectives": programme.objectives,
        "owner": str(programme.owner_id) if programme.owner_id else "",
        "notes": programme.notes,
        "version": programme.version,
    }


class AuditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    programme = forms.TypedChoiceField(
        label=_("Programme"), required=False, coerce=int, empty_value=None
    )
    scope = forms.CharField(
        label=_("Scope"),
        required=False,
        widget=TEXTAREA,
        help_text=_("Sites, units, processes and systems audited."),
    )
    objectives = forms.CharField(label=_("Objectives"), required=False, widget=TEXTAREA)
    criteria = forms.TypedMultipleChoiceField(
        label=_("Criteria"),
        required=False,
        coerce=int,
        help_text=_(
            "Requirements audited (adopted frameworks and ISO/IEC 27001:2022); the checklist "
            "follows them."
        ),
    )
    planned_start = forms.DateField(label=_("Planned start"), required=False, widget=DATE_INPUT)
    planned_end = forms.DateField(label=_("Planned end"), required=False, widget=DATE_INPUT)
    actual_start = forms.DateField(label=_("Actual start"), required=False, widget=DATE_INPUT)
    actual_end = forms.DateField(label=_("Actual end"), required=False, widget=DATE_INPUT)
    lead_auditor = MemberField(label=_("Lead auditor"))
    team = forms.TypedMultipleChoiceField(label=_("Audit team"), required=False, coerce=str)
    impartiality_statement = forms.CharField(
        label=_("Impartiality statement"),
        required=False,
        widget=TEXTAREA,
        help_text=_(
            "How objectivity is ensured; required to start when an auditor owns a control in "
            "the criteria."
        ),
    )
    conclusion = forms.CharField(label=_("Conclusion"), required=False, widget=TEXTAREA)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(
        self,
        *args: Any,
        organization: Any,
        audit: Any = None,
        linked: list[int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_auditor"].set_members(organization)  # type: ignore[attr-defined]
        choices, self.users = member_choices(organization)
        self.fields["team"].choices = choices  # type: ignore[attr-defined]
        self.fields["team"].widget.attrs["size"] = 6
        self.fields["programme"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(p.pk, str(p)) for p in selectors.programme_choices(organization=organization)],
        ]
        self.fields["criteria"].choices = control_selectors.requirement_choices(  # type: ignore[attr-defined]
            organization=organization, keep=linked
        )
        self.fields["criteria"].widget.attrs["size"] = 14
        self.programmes = {p.pk: p for p in selectors.programme_choices(organization=organization)}
        if audit is None:
            for name in ("version", "actual_start", "actual_end", "conclusion"):
                del self.fields[name]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["programme"] = self.programmes.get(data.get("programme") or 0)
        data["team"] = [self.users[pk] for pk in data.get("team") or [] if pk in self.users]
        data["criteria"] = list(data.get("criteria") or [])
        return data


def audit_initial(audit: Any, criteria: list[Any], team: list[Any]) -> dict[str, Any]:
    return {
        "title": audit.title,
        "programme": audit.programme_id or "",
        "scope": audit.scope,
        "objectives": audit.objectives,
        "criteria": [n.pk for n in criteria],
        "planned_start": audit.planned_start,
        "planned_end": audit.planned_end,
        "actual_start": audit.actual_start,
        "actual_end": audit.actual_end,
        "lead_auditor": str(audit.lead_auditor_id) if audit.lead_auditor_id else "",
        "team": [str(u.pk) for u in team],
        "impartiality_statement": audit.impartiality_statement,
        "conclusion": audit.conclusion,
        "version": audit.version,
    }


class ItemRecordForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), required=False, choices=[("", "—"), *ItemResult.choices]
    )
    finding = forms.CharField(label=_("Finding"), required=False, widget=TEXTAREA)
    sampling_notes = forms.CharField(label=_("Sampling notes"), required=False, widget=TEXTAREA)
    evidence = forms.TypedMultipleChoiceField(label=_("Evidence"), required=False, coerce=int)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, evidence_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].choices = evidence_choices  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["evidence"] = list(data.get("evidence") or [])
        return data


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=AuditStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
