"""Input validation for the risk register pages; the services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from openisms.accounts.selectors import member_list
from openisms.assets.selectors import asset_list
from openisms.catalog.models import RequirementNode
from openisms.catalog.selectors import framework_get, node_list
from openisms.core.gate import scoped
from openisms.risks.choices import ActionStatus, RiskKind, RiskStatus, TreatmentOption
from openisms.risks.selectors import SORTS, RiskFilter, threat_list, vulnerability_list

ISO27001_2022 = "urn:openisms:framework:iso27001-2022"
GRIDS = [("", ""), ("inherent", "inherent"), ("current", "current"), ("target", "target")]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def member_choices(organization: Any) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """(choices, user by id) for the organisation's current members."""
    users = {str(m.user_id): m.user for m in member_list(organization=organization)}
    choices = [
        (pk, f"{u.get_full_name()} <{u.email}>" if u.get_full_name() else u.email)
        for pk, u in users.items()
    ]
    return choices, users


class MemberField(forms.ChoiceField):
    """A current member of the organisation, cleaned to the user (or None when left blank)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.users: dict[str, Any] = {}

    def set_members(self, organization: Any, blank: str = "—") -> None:
        choices, self.users = member_choices(organization)
        self.choices = [("", blank), *choices]

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return self.users.get(value) if value else None


class RiskFilterForm(forms.Form):
    """The register's filters, all kept in the URL."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    level = forms.ChoiceField(label=_("Level"), required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *RiskStatus.choices]
    )
    treatment = forms.ChoiceField(
        label=_("Treatment"), required=False, choices=[("", _("Any")), *TreatmentOption.choices]
    )
    asset = forms.TypedChoiceField(label=_("Asset"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("Overdue actions only"), required=False)
    grid = forms.ChoiceField(required=False, choices=GRIDS, widget=forms.HiddenInput)
    likelihood = forms.IntegerField(required=False, widget=forms.HiddenInput)
    consequence = forms.IntegerField(required=False, widget=forms.HiddenInput)
    sort = forms.ChoiceField(
        required=False, choices=[(k, k) for k in SORTS], widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, organization: Any, levels: list[dict[str, Any]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices, _users = member_choices(organization)
        self.fields["owner"].choices = [("", _("Anyone")), *choices]  # type: ignore[attr-defined]
        self.fields["level"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *((lv["key"], lv["name"]) for lv in levels),
        ]
        self.fields["asset"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *((a.pk, f"{a.ref} {a.name}") for a in asset_list(organization=organization)),
        ]

    def filters(self) -> RiskFilter:
        """The valid filters; an invalid value (a stale link, a typo) drops only itself."""
        if not self.is_bound:
            return RiskFilter()
        self.is_valid()
        d = self.cleaned_data
        return RiskFilter(
            q=(d.get("q") or "").strip(),
            level=d.get("level") or "",
            owner=d.get("owner"),
            status=d.get("status") or "",
            treatment=d.get("treatment") or "",
            asset=d.get("asset"),
            overdue_actions=bool(d.get("overdue")),
            grid=d.get("grid") or "",
            likelihood=d.get("likelihood"),
            consequence=d.get("consequence"),
            sort=d.get("sort") or "ref",
        )


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.ref} {obj.name}"


class NamedMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.ref} {obj.name}"


class RiskForm(forms.Form):
    """Create and edit (with the version) a risk's description; levels are assessed apart."""

    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=RiskKind.choices, initial=RiskKind.SCENARIO)
    owner = MemberField(
        label=_("Owner"), help_text=_("Left empty on a new risk: you become its owner.")
    )
    assets = NamedMultipleChoiceField(label=_("Assets"), queryset=None, required=False)
    threat = NamedChoiceField(label=_("Threat"), queryset=None, required=False)
    vulnerability = NamedChoiceField(label=_("Vulnerability"), queryset=None, required=False)
    affects_confidentiality = forms.BooleanField(label=_("Affects confidentiality"), required=False)
    affects_integrity = forms.BooleanField(label=_("Affects integrity"), required=False)
    affects_availability = forms.BooleanField(label=_("Affects availability"), required=False)
    existing_controls = forms.CharField(
        label=_("Existing controls"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_review = forms.DateField(label=_("Next review"), required=False, widget=DATE_INPUT)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organization: Any, risk: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_members(organization)  # type: ignore[attr-defined]
        self.fields["assets"].queryset = asset_list(organization=organization)  # type: ignore[attr-defined]
        self.fields["assets"].widget.attrs["size"] = 8
        self.fields["threat"].queryset = threat_list(organization=organization)  # type: ignore[attr-defined]
        self.fields["vulnerability"].queryset = vulnerability_list(  # type: ignore[attr-defined]
            organization=organization
        )
        if risk is None:
            del self.fields["version"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["assets"] = list(data.get("assets") or [])
        data.pop("version", None)
        return data


def risk_initial(risk: Any, assets: list[Any]) -> dict[str, Any]:
    return {
        "title": risk.title,
        "description": risk.description,
        "kind": risk.kind,
        "owner": str(risk.owner_id) if risk.owner_id else "",
        "assets": [a.pk for a in assets],
        "threat": risk.threat_id,
        "vulnerability": risk.vulnerability_id,
        "affects_confidentiality": risk.affects_confidentiality,
        "affects_integrity": risk.affects_integrity,
        "affects_availability": risk.affects_availability,
        "existing_controls": risk.existing_controls,
        "next_review": risk.next_review,
        "version": risk.version,
    }


ASSESSMENTS = (
    ("inherent", _("Inherent (without controls)")),
    ("current", _("Current (with existing controls)")),
    ("target", _("Target (after treatment)")),
)


CIA_LABELS = (
    ("c", _("Confidentiality")),
    ("i", _("Integrity")),
    ("a", _("Availability")),
)


class AssessForm(forms.Form):
    """Likelihood × consequence for inherent, current and target, on the current method's
    scales. A pair is given whole or left empty (then it stays as it was)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, definition: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Methods whose cia_rule is "max" may judge the consequence per C/I/A.
        self.by_cia = definition.get("cia_rule", "max") == "max"
        scales = {
            "likelihood": [("", "—")]
            + [(e["value"], f"{e['value']} · {e['label']}") for e in definition["likelihood"]],
            "consequence": [("", "—")]
            + [(e["value"], f"{e['value']} · {e['label']}") for e in definition["consequence"]],
        }
        self.pairs = []
        for name, label in ASSESSMENTS:
            for axis, axis_label in (
                ("likelihood", _("Likelihood")),
                ("consequence", _("Consequence")),
            ):
                self.fields[f"{name}_{axis}"] = forms.TypedChoiceField(
                    label=axis_label,
                    choices=scales[axis],
                    coerce=int,
                    empty_value=None,
                    required=False,
                )
            cia = []
            if self.by_cia:
                for key, key_label in CIA_LABELS:
                    self.fields[f"{name}_consequence_{key}"] = forms.TypedChoiceField(
                        label=key_label,
                        choices=scales["consequence"],
                        coerce=int,
                        empty_value=None,
                        required=False,
                    )
                    cia.append(self[f"{name}_consequence_{key}"])
            self.pairs.append(
                {
                    "name": name,
                    "label": label,
                    "likelihood": self[f"{name}_likelihood"],
                    "consequence": self[f"{name}_consequence"],
                    "cia": cia,
                }
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = 0
        for name, _label in ASSESSMENTS:
            lk, ck = data.get(f"{name}_likelihood"), data.get(f"{name}_consequence")
            if ck is None and self._cia(name):
                ck = True  # judged per C/I/A
            if (lk is None) != (ck is None):
                missing = f"{name}_consequence" if ck is None else f"{name}_likelihood"
                self.add_error(missing, _("Give both likelihood and consequence, or neither."))
            elif lk is not None:
                given += 1
        if not given and not self.errors:
            raise forms.ValidationError(_("Assess at least one of inherent, current or target."))
        return data

    def _cia(self, name: str) -> dict[str, int]:
        """The C/I/A consequences chosen for one assessment (empty when none is)."""
        if not self.by_cia:
            return {}
        d = getattr(self, "cleaned_data", {})
        values = {key: d.get(f"{name}_consequence_{key}") for key, _label in CIA_LABELS}
        return {key: v for key, v in values.items() if v is not None}

    def pairs_data(self) -> dict[str, tuple[int, int | dict[str, int]] | None]:
        """Per assessment: (likelihood, consequence) — the consequence a {c, i, a} dict when
        any of C/I/A is chosen, else the single value — or None when left empty."""
        d = self.cleaned_data
        return {
            name: (d[f"{name}_likelihood"], self._cia(name) or d[f"{name}_consequence"])
            if d.get(f"{name}_likelihood") is not None
            else None
            for name, _label in ASSESSMENTS
        }


def assess_initial(risk: Any) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": risk.version}
    by_cia = risk.consequence_by_cia or {}
    for name, _label in ASSESSMENTS:
        initial[f"{name}_likelihood"] = getattr(risk, f"{name}_likelihood")
        initial[f"{name}_consequence"] = getattr(risk, f"{name}_consequence")
        for key, value in (by_cia.get(name) or {}).items():
            initial[f"{name}_consequence_{key}"] = value
    return initial


class RequirementChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.ref_id} {obj.name}".strip()


class ControlChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.ref} {obj.name}"


def annex_a_controls(organization: Any) -> Any:
    """The ISO/IEC 27001:2022 Annex A controls (none when the framework is not loaded)."""
    try:
        framework = framework_get(organization=organization, urn=ISO27001_2022)
    except Http404:
        return RequirementNode.objects.none()
    return node_list(framework=framework).filter(kind="control")


class TreatmentForm(forms.Form):
    option = forms.ChoiceField(label=_("Treatment option"), choices=TreatmentOption.choices)
    description = forms.CharField(
        label=_("Treatment description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    requirements = RequirementChoiceField(
        label=_("Annex A controls"),
        queryset=None,
        required=False,
        help_text=_(
            "ISO/IEC 27001:2022 Annex A controls selected to treat this risk (6.1.3 b, c)."
        ),
    )
    controls = ControlChoiceField(
        label=_("The organisation's controls"),
        queryset=None,
        required=False,
        help_text=_(
            "Implemented or planned controls that treat this risk; the Statement of "
            "Applicability lists this risk as the reason for the Annex A controls they implement."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        from openisms.controls.models import Control

        super().__init__(*args, **kwargs)
        self.fields["requirements"].queryset = annex_a_controls(organization)  # type: ignore[attr-defined]
        self.fields["requirements"].widget.attrs["size"] = 10
        self.fields["controls"].queryset = scoped(Control, organization).order_by("ref")  # type: ignore[attr-defined]
        self.fields["controls"].widget.attrs["size"] = 6


def treatment_initial(
    risk: Any, requirements: list[Any], controls: list[Any] | None = None
) -> dict[str, Any]:
    return {
        "option": risk.treatment_option or TreatmentOption.MODIFY,
        "description": risk.treatment_description,
        "requirements": [r.pk for r in requirements],
        "controls": [c.pk for c in controls or []],
        "version": risk.version,
    }


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=RiskStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = MemberField(label=_("Owner"))
    due_date = forms.DateField(label=_("Due"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_members(organization)  # type: ignore[attr-defined]


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    progress_note = forms.CharField(
        label=_("Progress"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_date = forms.DateField(label=_("Due"), required=False, widget=DATE_INPUT)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def action_initial(action: Any) -> dict[str, Any]:
    return {
        "status": action.status,
        "progress_note": action.progress_note,
        "due_date": action.due_date,
        "version": action.version,
    }


class AcceptForm(forms.Form):
    justification = forms.CharField(
        label=_("Justification"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the residual risk is acceptable."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Empty: the review period of the risk method."),
    )
