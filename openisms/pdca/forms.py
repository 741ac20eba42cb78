from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ReminderForm(forms.Form):
    enabled = forms.BooleanField(label=_("Send me e-mail reminders"), required=False)
    lead_days = forms.CharField(
        label=_("Lead times (days)"),
        max_length=100,
        help_text=_(
            "Days before the due date, separated by commas (0 = on the day). Overdue work is always listed."
        ),
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)
