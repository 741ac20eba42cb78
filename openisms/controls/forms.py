"""Input validation for the controls pages; the services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openisms.controls import selectors
from openisms.controls.choices import CheckMethod, Health, ImplementationStatus, RunResult
from openisms.controls.models import Evidence
from openisms.core.gate import scoped
from openisms.risks.forms import DATE_INPUT, MemberField, NamedMultipleChoiceField, member_choices


class ControlFilterForm(forms.Form):
    """The controls page's filters, all kept in the URL."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *ImplementationStatus.choices]
    )
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    health = forms.ChoiceField(
        label=_("Health"), required=False, choices=[("", _("Any")), *Health.choices]
    )
    requirement = forms.CharField(
        label=_("Requirement"),
        required=False,
        max_length=100,
        help_text=_("A requirement ref such as A.8.13, or its id."),
    )
    tests_overdue = forms.BooleanField(label=_("A test overdue"), required=False)
    sort = forms.ChoiceField(
        required=False, choices=[(k, k) for k in selectors.SORTS], widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices, _users = member_choices(organization)
        self.fields["owner"].choices = [("", _("Anyone")), *choices]  # type: ignore[attr-defined]

    def filters(self) -> selectors.ControlFilter:
        """The valid filters; an invalid value (a stale link, a typo) drops only itself."""
        if not self.is_bound:
            return selectors.ControlFilter()
        self.is_valid()
        d = self.cleaned_data
        return selectors.ControlFilter(
            q=(d.get("q") or "").strip(),
            status=d.get("status") or "",
            owner=d.get("owner"),
            health=d.get("health") or "",
            requirement=(d.get("requirement") or "").strip(),
            tests_overdue=bool(d.get("tests_overdue")),
            sort=d.get("sort") or "ref",
        )


class RiskChoiceField(NamedMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.ref} {obj.title}"


class ControlForm(forms.Form):
    """Create and edit (with the version) a control and its links."""

    ref = forms.CharField(
        label=_("Ref"),
        max_length=30,
        required=False,
        help_text=_("Left empty: the next C-nnn."),
    )
    name = forms.CharField(label=_("Name"), max_length=300)
    description = forms.CharField(
        label=_("How it is implemented"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    owner = MemberField(
        label=_("Owner"), help_text=_("Left empty on a new control: you become its owner.")
    )
    status = forms.ChoiceField(
        label=_("Implementation status"),
        choices=ImplementationStatus.choices,
        initial=ImplementationStatus.NOT_STARTED,
    )
    implemented_on = forms.DateField(
        label=_("Implementation date"), required=False, widget=DATE_INPUT
    )
    review_interval_months = forms.IntegerField(
        label=_("Review interval (months)"), min_value=1, max_value=120, initial=12
    )
    last_reviewed_on = forms.DateField(label=_("Last reviewed"), required=False, widget=DATE_INPUT)
    documents = forms.TypedMultipleChoiceField(
        label=_("Documents in the register"),
        required=False,
        coerce=int,
        help_text=_("The register's documents that describe the control."),
    )
    documentation = forms.CharField(
        label=_("Other documents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Documents that are not in the register, one per line."),
    )
    requirements = forms.TypedMultipleChoiceField(
        label=_("Requirements"),
        required=False,
        coerce=int,
        help_text=_(
            "Requirements of the adopted frameworks (and ISO/IEC 27001:2022) this control "
            "implements."
        ),
    )
    risks = RiskChoiceField(
        label=_("Risks whose treatment selected it"), queryset=None, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(
        self,
        *args: Any,
        organization: Any,
        control: Any = None,
        linked: list[int] | None = None,
        linked_documents: list[int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_members(organization)  # type: ignore[attr-defined]
        self.fields["requirements"].choices = selectors.requirement_choices(  # type: ignore[attr-defined]
            organization=organization, keep=linked
        )
        self.fields["requirements"].widget.attrs["size"] = 12
        documents = selectors.document_choices(organization=organization, keep=linked_documents)
        self.fields["documents"].choices = documents  # type: ignore[attr-defined]
        self.fields["documents"].widget.attrs["size"] = min(8, max(3, len(documents)))
        self.fields["risks"].queryset = selectors.risk_choices(organization=organization)  # type: ignore[attr-defined]
        self.fields["risks"].widget.attrs["size"] = 6
        if control is None:
            del self.fields["version"]
        else:
            self.fields["ref"].disabled = True
            self.fields["ref"].help_text = _("A reference never changes.")

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if "ref" in self.fields and self.fields["ref"].disabled:
            data.pop("ref", None)
        data["requirements"] = list(data.get("requirements") or [])
        data["risks"] = list(data.get("risks") or [])
        data["documents"] = list(data.get("documents") or [])
        return data


def control_initial(
    control: Any, requirements: list[Any], risks: list[Any], documents: list[int] | None = None
) -> dict[str, Any]:
    return {
        "ref": control.ref,
        "name": control.name,
        "description": control.description,
        "owner": str(control.owner_id) if control.owner_id else "",
        "status": control.status,
        "implemented_on": control.implemented_on,
        "review_interval_months": control.review_interval_months,
        "last_reviewed_on": control.last_reviewed_on,
        "documentation": control.documentation,
        "documents": list(documents or []),
        "requirements": [r.pk for r in requirements],
        "risks": [r.pk for r in risks],
        "version": control.version,
    }


class ControlTestForm(forms.Form):
    """Create and edit (with the version) a test definition."""

    name = forms.CharField(label=_("Name"), max_length=300)
    procedure = forms.CharField(
        label=_("What is checked"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    method = forms.ChoiceField(
        label=_("Method"), choices=CheckMethod.choices, initial=CheckMethod.INSPECTION
    )
    frequency_days = forms.IntegerField(
        label=_("Every (days)"), min_value=1, max_value=3660, initial=365
    )
    owner = MemberField(label=_("Owner"), help_text=_("Left empty: the control's owner."))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organization: Any, test: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_members(organization)  # type: ignore[attr-defined]
        if test is None:
            del self.fields["version"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


def control_test_initial(test: Any) -> dict[str, Any]:
    return {
        "name": test.name,
        "procedure": test.procedure,
        "method": test.method,
        "frequency_days": test.frequency_days,
        "owner": str(test.owner_id) if test.owner_id else "",
        "version": test.version,
    }


class RunForm(forms.Form):
    """Record one execution of a test (runs are never edited)."""

    result = forms.ChoiceField(label=_("Result"), choices=RunResult.choices)
    performed_on = forms.DateField(label=_("Performed on"), widget=DATE_INPUT)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the test failed: say what failed."),
    )
    evidence = forms.TypedMultipleChoiceField(
        label=_("Evidence"), required=False, coerce=int, choices=[]
    )

    def __init__(
        self,
        *args: Any,
        organization: Any,
        evidence_choices: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        if evidence_choices is None:
            evidence_choices = selectors.evidence_choices(organization=organization)
        self.fields["evidence"].choices = evidence_choices  # type: ignore[attr-defined]
        self.fields["evidence"].widget.attrs["size"] = min(6, max(2, len(evidence_choices)))

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        ids = data.pop("evidence") or []
        data["evidence"] = list(scoped(Evidence, self.organization).filter(pk__in=ids))
        return data
