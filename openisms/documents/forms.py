"""Input validation for the document register pages; the services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openisms.assets.models import ClassificationLevel
from openisms.core.gate import scoped
from openisms.documents import selectors
from openisms.documents.choices import Bump, DocumentStatus, DocumentType
from openisms.risks.forms import MemberField, member_choices


class DocumentFilterForm(forms.Form):
    """The register's filters, all kept in the URL."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any")), *DocumentType.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *DocumentStatus.choices]
    )
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("Review overdue only"), required=False)
    sort = forms.ChoiceField(
        required=False, choices=[(k, k) for k in selectors.SORTS], widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices, _users = member_choices(organization)
        self.fields["owner"].choices = [("", _("Anyone")), *choices]  # type: ignore[attr-defined]

    def filters(self) -> selectors.DocumentFilter:
        """The valid filters; an invalid value (a stale link, a typo) drops only itself."""
        if not self.is_bound:
            return selectors.DocumentFilter()
        self.is_valid()
        d = self.cleaned_data
        return selectors.DocumentFilter(
            q=(d.get("q") or "").strip(),
            type=d.get("type") or "",
            status=d.get("status") or "",
            owner=d.get("owner"),
            overdue=bool(d.get("overdue")),
            sort=d.get("sort") or "ref",
        )


def classification_names(organization: Any) -> list[str]:
    """The organisation's classification scheme (suggested, not imposed)."""
    return list(
        scoped(ClassificationLevel, organization).order_by("order").values_list("name", flat=True)
    )


class DocumentForm(forms.Form):
    """Create (with the first version's content) and edit (with the version) a document."""

    title = forms.CharField(label=_("Title"), max_length=300)
    type = forms.ChoiceField(label=_("Type"), choices=DocumentType.choices)
    owner = MemberField(
        label=_("Owner"), help_text=_("Left empty on a new document: you become its owner.")
    )
    classification = forms.CharField(
        label=_("Classification"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"list": "classification-levels"}),
        help_text=_("A level of your classification scheme, or your own words."),
    )
    review_interval_months = forms.IntegerField(
        label=_("Review interval (months)"), min_value=1, max_value=120, initial=12
    )
    retention = forms.CharField(
        label=_("Retention"),
        max_length=500,
        required=False,
        help_text=_("How long superseded versions and records are kept, e.g. “5 years”."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    FIELDS = ("title", "type", "owner", "classification", "review_interval_months", "retention")

    def __init__(self, *args: Any, organization: Any, document: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_members(organization)  # type: ignore[attr-defined]
        self.classifications = classification_names(organization)
        if document is None:
            del self.fields["version"]
            self.fields["number"] = forms.CharField(
                label=_("First version"),
                max_length=9,
                initial="1.0",
                help_text=_("major.minor, e.g. 1.0 (or 0.1 for an early draft)."),
            )
            self.fields["body_markdown"] = forms.CharField(
                label=_("Body (Markdown)"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 16}),
                help_text=_("Leave empty when you upload the document as a file."),
            )
            self.fields["file"] = forms.FileField(
                label=_("Or a file"),
                required=False,
                help_text=_("PDF, Office or OpenDocument, text; the type is checked."),
            )
            self.fields["change_note"] = forms.CharField(
                label=_("Change note"), required=False, max_length=2000
            )

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data = {name: d[name] for name in self.FIELDS}
        if "number" in self.fields:
            data["number"] = d["number"]
            data["body_markdown"] = d.get("body_markdown") or ""
            data["change_note"] = d.get("change_note") or ""
            if d.get("file"):
                data["upload"] = d["file"]
        if data["owner"] is None and "version" in self.fields:
            data.pop("owner")
        return data


def document_initial(document: Any) -> dict[str, Any]:
    return {
        "title": document.title,
        "type": document.type,
        "owner": str(document.owner_id) if document.owner_id else "",
        "classification": document.classification,
        "review_interval_months": document.review_interval_months,
        "retention": document.retention,
        "version": document.version,
    }


class DraftForm(forms.Form):
    """The working draft: Markdown body or a file, and the change note."""

    body_markdown = forms.CharField(
        label=_("Body (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text=_(
            "Headings (#), lists, tables, links (http, https, mailto). HTML is filtered out."
        ),
    )
    file = forms.FileField(
        label=_("Or upload a file"),
        required=False,
        help_text=_("Replaces the body. PDF, Office or OpenDocument, text; the type is checked."),
    )
    change_note = forms.CharField(
        label=_("Change note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What changed in this version, for the version history."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data: dict[str, Any] = {
            "body_markdown": d.get("body_markdown") or "",
            "change_note": d.get("change_note") or "",
        }
        if d.get("file"):
            data["upload"] = d["file"]
        return data


class StartForm(forms.Form):
    bump = forms.ChoiceField(label=_("Next version"), choices=Bump.choices, initial=Bump.MINOR)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
