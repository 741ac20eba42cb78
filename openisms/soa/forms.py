from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openisms.catalog.models import Framework
from openisms.controls.choices import ImplementationStatus

APPLICABILITY = [("", _("Not decided")), ("yes", _("Applicable")), ("no", _("Excluded"))]


class EntryForm(forms.Form):
    applicable = forms.ChoiceField(label=_("Applicability"), choices=APPLICABILITY, required=False)
    legal_regulatory = forms.BooleanField(
        label=_("Legal or regulatory requirement"), required=False
    )
    legal_reference = forms.CharField(
        label=_("Which law or regulation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    contractual = forms.BooleanField(label=_("Contractual requirement"), required=False)
    contractual_reference = forms.CharField(
        label=_("Which contract"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    business_requirement = forms.BooleanField(label=_("Business requirement"), required=False)
    business_reference = forms.CharField(
        label=_("Which business requirement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    justification = forms.CharField(
        label=_("Justification for exclusion"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mandatory when the control is excluded: at least a sentence."),
    )
    notes = forms.CharField(
        label=_("Implementation notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def service_data(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d.pop("version")
        d["applicable"] = {"yes": True, "no": False}.get(d["applicable"])
        return d


def entry_initial(entry: Any) -> dict[str, Any]:
    return {
        "applicable": {True: "yes", False: "no"}.get(entry.applicable, ""),
        "legal_regulatory": entry.legal_regulatory,
        "legal_reference": entry.legal_reference,
        "contractual": entry.contractual,
        "contractual_reference": entry.contractual_reference,
        "business_requirement": entry.business_requirement,
        "business_reference": entry.business_reference,
        "justification": entry.justification,
        "notes": entry.notes,
        "version": entry.version,
    }


class SoaSettingsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    classification = forms.CharField(label=_("Classification"), max_length=100)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ApproveForm(forms.Form):
    comment = forms.CharField(
        label=_("Approval comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CreateForm(forms.Form):
    framework = forms.ModelChoiceField(label=_("Framework"), queryset=Framework.objects.none())

    def __init__(self, *args: Any, frameworks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = frameworks  # type: ignore[attr-defined]


class RowFilterForm(forms.Form):
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    applicability = forms.ChoiceField(
        label=_("Applicability"),
        required=False,
        choices=[
            ("", _("All")),
            ("yes", _("Applicable")),
            ("no", _("Excluded")),
            ("undecided", _("Not decided")),
        ],
    )
    status = forms.ChoiceField(
        label=_("Implementation"),
        required=False,
        choices=[("", _("All")), ("none", _("No control")), *ImplementationStatus.choices],
    )
    problems = forms.BooleanField(label=_("Only rows with findings"), required=False)

    def __init__(self, *args: Any, themes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", _("All")), *((t, t) for t in themes)]  # type: ignore[attr-defined]

    def apply(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not self.is_valid():
            return rows
        d = self.cleaned_data
        out = []
        for row in rows:
            if d["theme"] and row["theme"] != d["theme"]:
                continue
            a = d["applicability"]
            if a == "yes" and row["applicable"] is not True:
                continue
            if a == "no" and row["applicable"] is not False:
                continue
            if a == "undecided" and row["applicable"] is not None:
                continue
            if d["status"] == "none" and (row["applicable"] is not True or row["controls"]):
                continue
            if d["status"] not in ("", "none") and row["implementation_status"] != d["status"]:
                continue
            if d["problems"] and not row["findings"]:
                continue
            out.append(row)
        return out
