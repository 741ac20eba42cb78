"""Filters of the readiness pages (severity and clause, in the URL)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openisms.readiness.engine import SEVERITIES, SEVERITY_LABELS
from openisms.readiness.selectors import FindingFilter, group_choices


class FindingFilterForm(forms.Form):
    severity = forms.ChoiceField(
        label=_("Severity"),
        required=False,
        choices=[("", _("Any")), *((s, SEVERITY_LABELS[s]) for s in SEVERITIES)],
    )
    clause = forms.ChoiceField(label=_("Clause or theme"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clause"].choices = [("", _("All")), *group_choices()]  # type: ignore[attr-defined]

    def filters(self) -> FindingFilter:
        if not self.is_bound or not self.is_valid():
            return FindingFilter()
        d = self.cleaned_data
        return FindingFilter(severity=d.get("severity") or "", clause=d.get("clause") or "")
