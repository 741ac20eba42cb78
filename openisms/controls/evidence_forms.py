"""Input validation for the evidence pages; the services do the writing and the file checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openisms.controls import evidence_selectors, selectors, storage
from openisms.controls.choices import EvidenceKind, Freshness
from openisms.controls.models import Control
from openisms.core.gate import scoped
from openisms.risks.forms import DATE_INPUT, MemberField, member_choices

# The fields that belong to one kind only (the others are dropped before the service is called,
# so that switching the kind on the form does not leave a stray link or note behind).
KIND_FIELDS = {"file": EvidenceKind.FILE, "url": EvidenceKind.LINK, "note": EvidenceKind.NOTE}


class EvidenceFilterForm(forms.Form):
    """The evidence page's filters, all kept in the URL."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    freshness = forms.ChoiceField(
        label=_("Freshness"), required=False, choices=[("", _("Any")), *Freshness.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *EvidenceKind.choices]
    )
    control = forms.TypedChoiceField(
        label=_("Control"), required=False, coerce=int, empty_value=None
    )
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices, _users = member_choices(organization)
        self.fields["owner"].choices = [("", _("Anyone")), *choices]  # type: ignore[attr-defined]
        self.fields["control"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *evidence_selectors.control_choices(organization=organization),
        ]

    def filters(self) -> evidence_selectors.EvidenceFilter:
        """The valid filters; an invalid value (a stale link, a typo) drops only itself."""
        if not self.is_bound:
            return evidence_selectors.EvidenceFilter()
        self.is_valid()
        d = self.cleaned_data
        return evidence_selectors.EvidenceFilter(
            q=(d.get("q") or "").strip(),
            freshness=d.get("freshness") or "",
            kind=d.get("kind") or "",
            control=d.get("control"),
            owner=d.get("owner"),
        )


class EvidenceForm(forms.Form):
    """Create and edit (with the version) an evidence item. The file input works without
    JavaScript; evidence-upload.js adds a drop zone and shows only the kind's fields."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=EvidenceKind.choices,
        initial=EvidenceKind.FILE,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=300,
        required=False,
        help_text=_("Left empty for a file: the file's name."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_(
            "PDF, images (PNG, JPEG, GIF, WebP), text, CSV, Markdown, JSON, e-mail (.eml), "
            "Word/Excel/PowerPoint or OpenDocument; the name's extension must match the "
            "content."
        ),
    )
    url = forms.CharField(
        label=_("Link"),
        required=False,
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was observed, by whom, where (for evidence that is not a document)."),
    )
    collected_on = forms.DateField(label=_("Collected on"), widget=DATE_INPUT)
    period_start = forms.DateField(label=_("Period from"), required=False, widget=DATE_INPUT)
    period_end = forms.DateField(label=_("Period to"), required=False, widget=DATE_INPUT)
    refresh_days = forms.IntegerField(
        label=_("Refresh every (days)"),
        required=False,
        min_value=1,
        max_value=3660,
        help_text=_("How often fresh evidence is needed."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Left empty with a refresh cadence: collected on + that many days."),
    )
    owner = MemberField(label=_("Owner"), help_text=_("Left empty on new evidence: you."))
    controls = forms.TypedMultipleChoiceField(
        label=_("Controls"), required=False, coerce=int, help_text=_("The controls it supports.")
    )
    requirements = forms.TypedMultipleChoiceField(
        label=_("Requirements"),
        required=False,
        coerce=int,
        help_text=_("Requirements it shows are met (e.g. ISO/IEC 27001 clauses)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(
        self,
        *args: Any,
        organization: Any,
        evidence: Any = None,
        linked_requirements: list[int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["owner"].set_members(organization)  # type: ignore[attr-defined]
        control_choices = evidence_selectors.control_choices(organization=organization)
        self.fields["controls"].choices = control_choices  # type: ignore[attr-defined]
        self.fields["controls"].widget.attrs["size"] = min(10, max(3, len(control_choices)))
        self.fields["requirements"].choices = selectors.requirement_choices(  # type: ignore[attr-defined]
            organization=organization, keep=linked_requirements
        )
        self.fields["requirements"].widget.attrs["size"] = 10
        self.fields["file"].widget.attrs["data-max-bytes"] = str(storage.max_bytes())
        self.fields["file"].widget.attrs["data-max-text"] = storage.human_size(storage.max_bytes())
        if evidence is None:
            del self.fields["version"]
        else:
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = _("The kind never changes.")
            if evidence.kind == EvidenceKind.FILE:
                self.fields["file"].label = _("Replace the file")
                self.fields["file"].help_text = _("Left empty: the file stays as it is.")
            else:
                del self.fields["file"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        kind = data.get("kind") or self.initial.get("kind")
        for name, owner_kind in KIND_FIELDS.items():
            if name in data and kind != owner_kind:
                data[name] = None if name == "file" else ""
        upload = data.pop("file", None)
        if upload:
            data["upload"] = upload
        if self.fields["kind"].disabled:
            data.pop("kind", None)
        ids = data.get("controls") or []
        data["controls"] = list(scoped(Control, self.organization).filter(pk__in=ids))
        data["requirements"] = list(data.get("requirements") or [])
        return data


def evidence_initial(evidence: Any, controls: list[Any], requirements: list[Any]) -> dict[str, Any]:
    return {
        "kind": evidence.kind,
        "title": evidence.title,
        "description": evidence.description,
        "url": evidence.url,
        "note": evidence.note,
        "collected_on": evidence.collected_on,
        "period_start": evidence.period_start,
        "period_end": evidence.period_end,
        "refresh_days": evidence.refresh_days,
        "valid_until": evidence.valid_until,
        "owner": str(evidence.owner_id) if evidence.owner_id else "",
        "controls": [c.pk for c in controls],
        "requirements": [r.pk for r in requirements],
        "version": evidence.version,
    }
