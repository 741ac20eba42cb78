from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from openisms.accounts.roles import Role


class VersionedForm(forms.Form):
    """Carries the version the user is editing, for optimistic locking."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class OrganizationSettingsForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    require_mfa = forms.BooleanField(
        label=_("Require two-factor authentication for every member"), required=False
    )


class MemberAddForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)
    access_expires_at = forms.DateTimeField(
        label=_("Access expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("For external auditors: their access ends at this moment."),
    )


class MemberRoleForm(VersionedForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    access_expires_at = forms.DateTimeField(
        label=_("Access expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
