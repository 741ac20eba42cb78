"""Input validation for the asset pages; the services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openisms.accounts.selectors import member_list
from openisms.assets.choices import AssetType, Lifecycle, Requirement
from openisms.assets.models import Asset, ClassificationLevel
from openisms.assets.selectors import SORTS, asset_list, classification_list

IN_SCOPE_CHOICES = [("", _("Any")), ("yes", _("In scope")), ("no", _("Out of scope"))]


def member_choices(organization: Any) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """(choices, user by id) for the organisation's current members."""
    users = {str(m.user_id): m.user for m in member_list(organization=organization)}
    choices = [
        (pk, f"{u.get_full_name()} <{u.email}>" if u.get_full_name() else u.email)
        for pk, u in users.items()
    ]
    return choices, users


class AssetFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any")), *AssetType.choices]
    )
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    in_scope = forms.ChoiceField(label=_("ISMS scope"), required=False, choices=IN_SCOPE_CHOICES)
    sort = forms.ChoiceField(
        required=False, choices=[(k, k) for k in SORTS], widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, owner_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Anyone")), *owner_choices]  # type: ignore[attr-defined]


class AssetForm(forms.Form):
    """Create (with an optional ref) and edit (with the version) an asset."""

    ref = forms.CharField(
        label=_("Reference"),
        max_length=30,
        required=False,
        help_text=_("Leave empty for the next free number (A-001, A-002 …)."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    type = forms.ChoiceField(label=_("Type"), choices=AssetType.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    custodian = forms.ChoiceField(label=_("Custodian"), required=False)
    classification: forms.ModelChoiceField[ClassificationLevel] = forms.ModelChoiceField(
        label=_("Classification"), queryset=None, required=False
    )
    confidentiality = forms.TypedChoiceField(
        label=_("Confidentiality"),
        choices=Requirement.choices,
        coerce=int,
        initial=Requirement.MEDIUM,
    )
    integrity = forms.TypedChoiceField(
        label=_("Integrity"), choices=Requirement.choices, coerce=int, initial=Requirement.MEDIUM
    )
    availability = forms.TypedChoiceField(
        label=_("Availability"),
        choices=Requirement.choices,
        coerce=int,
        initial=Requirement.MEDIUM,
    )
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    lifecycle = forms.ChoiceField(
        label=_("Lifecycle status"), choices=Lifecycle.choices, initial=Lifecycle.IN_USE
    )
    in_scope = forms.BooleanField(label=_("In ISMS scope"), required=False, initial=True)
    depends_on: forms.ModelMultipleChoiceField[Asset] = forms.ModelMultipleChoiceField(
        label=_("Depends on"),
        queryset=None,
        required=False,
        help_text=_(
            "Assets this one needs: they inherit its confidentiality, integrity and availability requirements."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args: Any, organization: Any, asset: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asset = asset
        choices, self._users = member_choices(organization)
        blank = [("", "—")]
        self.fields["owner"].choices = blank + choices  # type: ignore[attr-defined]
        self.fields["custodian"].choices = blank + choices  # type: ignore[attr-defined]
        self.fields["classification"].queryset = classification_list(  # type: ignore[attr-defined]
            organization=organization
        )
        others = asset_list(organization=organization)
        if asset is not None:
            others = others.exclude(pk=asset.pk)
            del self.fields["ref"]
            self.fields["version"].required = True
        else:
            del self.fields["version"]
        self.fields["depends_on"].queryset = others  # type: ignore[attr-defined]
        self.fields["depends_on"].widget.attrs["size"] = 8

    def _user(self, field: str) -> Any:
        value = self.cleaned_data.get(field) or ""
        return self._users.get(value) if value else None

    def clean_owner(self) -> Any:
        return self._user("owner")

    def clean_custodian(self) -> Any:
        return self._user("custodian")

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["depends_on"] = list(data.get("depends_on") or [])
        data.pop("version", None)
        return data


def asset_initial(asset: Any) -> dict[str, Any]:
    return {
        "name": asset.name,
        "type": asset.type,
        "description": asset.description,
        "owner": str(asset.owner_id) if asset.owner_id else "",
        "custodian": str(asset.custodian_id) if asset.custodian_id else "",
        "classification": asset.classification_id,
        "confidentiality": asset.confidentiality,
        "integrity": asset.integrity,
        "availability": asset.availability,
        "location": asset.location,
        "lifecycle": asset.lifecycle,
        "in_scope": asset.in_scope,
        "depends_on": [a.pk for a in asset.depends_on.all()],
        "version": asset.version,
    }


class ClassificationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    order = forms.IntegerField(
        label=_("Order"),
        min_value=1,
        max_value=32767,
        help_text=_("Higher numbers are more sensitive."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
