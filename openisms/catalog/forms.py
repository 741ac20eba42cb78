from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from openisms.catalog.formats import FORMATS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".yaml,.yml,.json,.csv,.xlsx"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class LibraryImportForm(forms.Form):
    library_files = MultipleFileField(
        label=_("Library files"),
        help_text=_(
            "OpenISMS YAML, OSCAL catalog or profile (JSON/YAML), CISO Assistant YAML, CSV or XLSX. Several files are imported together, dependencies first."
        ),
    )
    format = forms.ChoiceField(label=_("Format"), choices=[(f, f) for f in FORMATS], initial="auto")
    dry_run = forms.BooleanField(label=_("Check only (write nothing)"), required=False)
