from __future__ import annotations

from typing import Any

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


class AccessWindowMixin(forms.Form):
    """The access window ("access from" … "access until") in which a membership grants anything."""

    access_starts_at = forms.DateTimeField(
        label=_("Access from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("For external auditors: no access before this moment (empty: at once)."),
    )
    access_expires_at = forms.DateTimeField(
        label=_("Access until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Required for auditors: their access ends at this moment."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, expires = data.get("access_starts_at"), data.get("access_expires_at")
        if starts and expires and starts >= expires:
            self.add_error("access_starts_at", _("“Access from” must be before “access until”."))
        return data


class MemberAddForm(AccessWindowMixin):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)
    field_order = ["email", "full_name", "role", "access_starts_at", "access_expires_at"]


class MemberRoleForm(AccessWindowMixin, VersionedForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    field_order = ["role", "access_starts_at", "access_expires_at", "version"]


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
