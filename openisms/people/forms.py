"""Input validation for the leadership and support pages; the services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openisms.controls.models import Evidence
from openisms.core.gate import scoped
from openisms.people import selectors
from openisms.people.choices import RaciLetter
from openisms.people.models import Competence
from openisms.risks.forms import DATE_INPUT, MemberField, member_choices

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class MembersField(forms.MultipleChoiceField):
    """Current members of the organisation, cleaned to the users."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.users: dict[str, Any] = {}

    def set_members(self, organization: Any) -> None:
        self.choices, self.users = member_choices(organization)
        self.widget.attrs["size"] = min(max(len(self.choices), 3), 10)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return [self.users[v] for v in value]


class _VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organization: Any, obj: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.obj = obj
        if obj is None:
            del self.fields["version"]
        else:
            self.fields["version"].initial = obj.version
        self.setup()

    def setup(self) -> None:
        pass

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data

    @classmethod
    def initial_for(cls, obj: Any) -> dict[str, Any]:
        names = [n for n in cls.base_fields if n != "version"]
        initial: dict[str, Any] = {"version": obj.version}
        for name in names:
            value = getattr(obj, name, None)
            pk = getattr(value, "pk", None)
            if pk is not None:
                value = str(pk)
            initial[name] = value
        return initial


class CompetenceForm(_VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)


class RoleForm(_VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    responsibilities = forms.CharField(
        label=_("Responsibilities and authorities"), required=False, widget=TEXTAREA
    )
    holders = MembersField(label=_("Held by"))
    competences = forms.ModelMultipleChoiceField(
        label=_("Required competences"), required=False, queryset=Competence.objects.none()
    )

    def setup(self) -> None:
        self.fields["holders"].set_members(self.organization)  # type: ignore[attr-defined]
        field = self.fields["competences"]
        field.queryset = selectors.competence_list(organization=self.organization)  # type: ignore[attr-defined]
        field.widget.attrs["size"] = 6

    @classmethod
    def initial_for(cls, obj: Any) -> dict[str, Any]:
        return {
            "name": obj.name,
            "responsibilities": obj.responsibilities,
            "holders": [str(u.pk) for u in obj.holders.all()],
            "competences": [c.pk for c in obj.competences.all()],
            "version": obj.version,
        }

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["competences"] = list(data["competences"])
        return data


RACI_CHOICES = [("", "—"), *RaciLetter.choices]


class ProcessForm(_VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)

    def setup(self) -> None:
        self.roles = list(selectors.role_choices(organization=self.organization))
        current = {}
        if self.obj is not None:
            current = {a.role_id: a.letter for a in self.obj.raci.all()}
        for role in self.roles:
            self.fields[f"raci_{role.pk}"] = forms.ChoiceField(
                label=role.name,
                choices=RACI_CHOICES,
                required=False,
                initial=current.get(role.pk, ""),
            )

    def raci_fields(self) -> list[Any]:
        return [self[f"raci_{r.pk}"] for r in self.roles]

    @classmethod
    def initial_for(cls, obj: Any) -> dict[str, Any]:
        return {"name": obj.name, "description": obj.description, "version": obj.version}

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["raci"] = {r: data.pop(f"raci_{r.pk}") or "" for r in self.roles}
        return data


class TrainingForm(_VersionedForm):
    person = MemberField(label=_("Person"), required=True)
    competence = forms.ModelChoiceField(
        label=_("Competence"),
        required=False,
        queryset=Competence.objects.none(),
        empty_label="—",
    )
    title = forms.CharField(
        label=_("Course or qualification"),
        required=False,
        max_length=300,
        help_text=_("Required when no competence is chosen."),
    )
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE_INPUT)
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Left empty: does not expire."),
    )
    evidence = forms.ModelMultipleChoiceField(
        label=_("Evidence"), required=False, queryset=Evidence.objects.none()
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=TEXTAREA)

    def setup(self) -> None:
        self.fields["person"].set_members(self.organization)  # type: ignore[attr-defined]
        self.fields["competence"].queryset = selectors.competence_list(  # type: ignore[attr-defined]
            organization=self.organization
        )
        evidence = self.fields["evidence"]
        evidence.queryset = scoped(Evidence, self.organization).order_by("ref")  # type: ignore[attr-defined]
        evidence.widget.attrs["size"] = 6

    @classmethod
    def initial_for(cls, obj: Any) -> dict[str, Any]:
        return {
            "person": str(obj.person_id),
            "competence": obj.competence_id,
            "title": obj.title,
            "completed_on": obj.completed_on,
            "valid_until": obj.valid_until,
            "evidence": [e.pk for e in obj.evidence.all()],
            "notes": obj.notes,
            "version": obj.version,
        }

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["evidence"] = list(data["evidence"])
        return data


class CampaignForm(_VersionedForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)
    audience = forms.CharField(label=_("Audience"), required=False, max_length=300)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DATE_INPUT)
    target_count = forms.IntegerField(label=_("People targeted"), min_value=0, initial=0)
    completed_count = forms.IntegerField(label=_("People completed"), min_value=0, initial=0)


class CommunicationForm(_VersionedForm):
    what = forms.CharField(label=_("What"), max_length=300)
    when = forms.CharField(
        label=_("When"), max_length=200, help_text=_("A date or a frequency (e.g. monthly).")
    )
    audience = forms.CharField(label=_("With whom"), max_length=300)
    communicator = MemberField(label=_("Who communicates"))
    channel = forms.CharField(label=_("How"), required=False, max_length=200)
    notes = forms.CharField(label=_("Notes"), required=False, widget=TEXTAREA)

    def setup(self) -> None:
        self.fields["communicator"].set_members(self.organization)  # type: ignore[attr-defined]


class TrainingFilterForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    competence = forms.TypedChoiceField(
        label=_("Competence"), required=False, coerce=int, empty_value=None
    )
    expired = forms.BooleanField(label=_("Expired only"), required=False)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices, _users = member_choices(organization)
        self.fields["person"].choices = [("", _("Anyone")), *choices]  # type: ignore[attr-defined]
        self.fields["competence"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *[(c.pk, c.name) for c in selectors.competence_list(organization=organization)],
        ]

    def filters(self) -> selectors.TrainingFilter:
        if not self.is_bound:
            return selectors.TrainingFilter()
        self.is_valid()
        d = self.cleaned_data
        return selectors.TrainingFilter(
            person=d.get("person"), competence=d.get("competence"), expired=bool(d.get("expired"))
        )
