"""Input validation for the governance pages; the services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openisms.controls.selectors import requirement_choices
from openisms.governance import selectors
from openisms.governance.choices import IssueCategory, ObligationKind, Side
from openisms.risks.forms import DATE_INPUT, MemberField, NamedMultipleChoiceField, member_choices

ANY = [("", _("Any"))]


class _OwnerFilterMixin:
    fields: dict[str, Any]

    def _set_owners(self, organization: Any) -> None:
        choices, _users = member_choices(organization)
        self.fields["owner"].choices = [("", _("Anyone")), *choices]


def _valid(form: forms.Form) -> dict[str, Any]:
    """The valid filters; an invalid value (a stale link, a typo) drops only itself."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


class IssueFilterForm(_OwnerFilterMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    side = forms.ChoiceField(
        label=_("Internal/external"), required=False, choices=[*ANY, *Side.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[*ANY, *IssueCategory.choices]
    )
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("Review overdue"), required=False)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_owners(organization)

    def filters(self) -> selectors.IssueFilter:
        d = _valid(self)
        return selectors.IssueFilter(
            q=(d.get("q") or "").strip(),
            side=d.get("side") or "",
            category=d.get("category") or "",
            owner=d.get("owner"),
            overdue=bool(d.get("overdue")),
        )


class PartyFilterForm(_OwnerFilterMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    side = forms.ChoiceField(
        label=_("Internal/external"), required=False, choices=[*ANY, *Side.choices]
    )
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_owners(organization)

    def filters(self) -> selectors.PartyFilter:
        d = _valid(self)
        return selectors.PartyFilter(
            q=(d.get("q") or "").strip(), side=d.get("side") or "", owner=d.get("owner")
        )


ADDRESSED = [("", _("Any")), ("yes", _("Addressed")), ("no", _("Not addressed"))]


class ObligationFilterForm(_OwnerFilterMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[*ANY, *ObligationKind.choices]
    )
    addressed = forms.ChoiceField(
        label=_("Addressed by the ISMS"), required=False, choices=ADDRESSED
    )
    party = forms.TypedChoiceField(
        label=_("Interested party"), required=False, coerce=int, empty_value=None
    )
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_owners(organization)
        parties = selectors.party_choices(organization=organization).values_list(
            "pk", "ref", "name"
        )
        self.fields["party"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *[(pk, f"{ref} {name}") for pk, ref, name in parties],
        ]

    def filters(self) -> selectors.ObligationFilter:
        d = _valid(self)
        addressed = {"yes": True, "no": False}.get(d.get("addressed") or "")
        return selectors.ObligationFilter(
            q=(d.get("q") or "").strip(),
            kind=d.get("kind") or "",
            addressed=addressed,
            party=d.get("party"),
            owner=d.get("owner"),
        )


# --- edit forms ---------------------------------------------------------------------------------


class _RecordForm(forms.Form):
    """Create (no version, ref optional) and edit (with the version, ref fixed)."""

    ref_prefix = ""
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organization: Any, record: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["owner"].set_members(organization)  # type: ignore[attr-defined]
        if record is None:
            del self.fields["version"]
        else:
            self.fields["ref"].disabled = True
            self.fields["ref"].help_text = _("A reference never changes.")

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if self.fields["ref"].disabled:
            data.pop("ref", None)
        return data


def _ref_field(prefix: str) -> forms.CharField:
    return forms.CharField(
        label=_("Ref"),
        max_length=30,
        required=False,
        help_text=_("Left empty: the next %s-nnn.") % prefix,
    )


def _owner_field() -> MemberField:
    return MemberField(label=_("Owner"), help_text=_("Left empty on a new record: you own it."))


class IssueForm(_RecordForm):
    ref = _ref_field("ISS")
    title = forms.CharField(label=_("Title"), max_length=300)
    side = forms.ChoiceField(label=_("Internal or external"), choices=Side.choices)
    category = forms.ChoiceField(label=_("Category"), choices=IssueCategory.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    effect = forms.CharField(
        label=_("Effect on the ISMS"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How the issue affects the ISMS's ability to achieve its intended outcomes."),
    )
    owner = _owner_field()
    review_date = forms.DateField(label=_("Next review"), required=False, widget=DATE_INPUT)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def issue_initial(issue: Any) -> dict[str, Any]:
    return {
        "ref": issue.ref,
        "title": issue.title,
        "side": issue.side,
        "category": issue.category,
        "description": issue.description,
        "effect": issue.effect,
        "owner": str(issue.owner_id) if issue.owner_id else "",
        "review_date": issue.review_date,
        "version": issue.version,
    }


class PartyForm(_RecordForm):
    ref = _ref_field("IP")
    name = forms.CharField(label=_("Name"), max_length=300)
    side = forms.ChoiceField(label=_("Internal or external"), choices=Side.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    expectations = forms.CharField(
        label=_("Needs and expectations"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    owner = _owner_field()
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def party_initial(party: Any) -> dict[str, Any]:
    return {
        "ref": party.ref,
        "name": party.name,
        "side": party.side,
        "description": party.description,
        "expectations": party.expectations,
        "owner": str(party.owner_id) if party.owner_id else "",
        "version": party.version,
    }


class PartyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.ref} {obj.name}"


class ObligationForm(_RecordForm):
    ref = _ref_field("OB")
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=ObligationKind.choices)
    party = PartyChoiceField(label=_("Interested party"), queryset=None, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    source_reference = forms.CharField(
        label=_("Source reference"),
        max_length=500,
        required=False,
        help_text=_("The law, regulation, contract or clause, e.g. “GDPR Art. 32”."),
    )
    addressed_by_isms = forms.BooleanField(
        label=_("Addressed by the ISMS"), required=False, initial=True
    )
    controls = NamedMultipleChoiceField(label=_("Controls"), queryset=None, required=False)
    requirements = forms.TypedMultipleChoiceField(
        label=_("Requirements"),
        required=False,
        coerce=int,
        help_text=_("Requirements (e.g. Annex A controls) the obligation drives."),
    )
    owner = _owner_field()
    review_date = forms.DateField(label=_("Next review"), required=False, widget=DATE_INPUT)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(
        self, *args: Any, organization: Any, linked: list[int] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, organization=organization, **kwargs)
        self.fields["party"].queryset = selectors.party_choices(organization=organization)  # type: ignore[attr-defined]
        self.fields["controls"].queryset = selectors.control_choices(organization=organization)  # type: ignore[attr-defined]
        self.fields["controls"].widget.attrs["size"] = 8
        self.fields["requirements"].choices = requirement_choices(  # type: ignore[attr-defined]
            organization=organization, keep=linked
        )
        self.fields["requirements"].widget.attrs["size"] = 12

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["controls"] = list(data.get("controls") or [])
        data["requirements"] = list(data.get("requirements") or [])
        return data


def obligation_initial(
    obligation: Any, controls: list[Any], requirements: list[Any]
) -> dict[str, Any]:
    return {
        "ref": obligation.ref,
        "title": obligation.title,
        "kind": obligation.kind,
        "party": obligation.party_id,
        "description": obligation.description,
        "source_reference": obligation.source_reference,
        "addressed_by_isms": obligation.addressed_by_isms,
        "controls": [c.pk for c in controls],
        "requirements": [r.pk for r in requirements],
        "owner": str(obligation.owner_id) if obligation.owner_id else "",
        "review_date": obligation.review_date,
        "version": obligation.version,
    }


class AssetChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.ref} {obj.name} ({obj.get_type_display()})"


class ScopeForm(forms.Form):
    text = forms.CharField(
        label=_("Scope statement"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    boundaries = forms.CharField(
        label=_("Boundaries"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Organisational, physical and technological boundaries."),
    )
    interfaces = forms.CharField(
        label=_("Interfaces and dependencies"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Between activities done by the organisation and those done by others."),
    )
    exclusions = forms.CharField(
        label=_("Exclusions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    assets = AssetChoiceField(
        label=_("Sites, processes and assets in scope"), queryset=None, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assets"].queryset = selectors.asset_choices(organization=organization)  # type: ignore[attr-defined]
        self.fields["assets"].widget.attrs["size"] = 10

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["assets"] = list(data.get("assets") or [])
        return data


def scope_initial(scope: Any, assets: list[Any]) -> dict[str, Any]:
    return {
        "text": scope.text,
        "boundaries": scope.boundaries,
        "interfaces": scope.interfaces,
        "exclusions": scope.exclusions,
        "assets": [a.pk for a in assets],
        "version": scope.version,
    }


class ApproveForm(forms.Form):
    comment = forms.CharField(
        label=_("Approval comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
