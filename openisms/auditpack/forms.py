from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class BuildForm(forms.Form):
    as_of = forms.DateField(
        required=False,
        label=_("As of"),
        help_text=_(
            "The records as they stood at the end of this day: approved versions, measurements, "
            "evidence and training up to it. Leave empty for today."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
