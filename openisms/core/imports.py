"""One upload page and one API body for every spreadsheet import (assets, risks, …): the app
gives its importer; checking, all-or-nothing writing and reporting stay in the importer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openisms.core.spreadsheets import ImportFailed, ImportResult
from openisms.core.views import OrgScopedMixin

MAX_BYTES = 20 * 1024 * 1024
Importer = Callable[..., ImportResult]


class SpreadsheetForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    dry_run = forms.BooleanField(label=gettext_lazy("Check only (write nothing)"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Choose a .csv or .xlsx file."))
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


def run_import(
    importer: Importer, *, organization: Any, actor: Any, upload: Any, dry_run: bool
) -> ImportResult:
    return importer(
        organization=organization,
        actor=actor,
        source=upload.read(),
        filename=upload.name or "",
        dry_run=dry_run,
    )


class SpreadsheetImportView(OrgScopedMixin):
    """Subclasses set ``importer``, ``title``, ``columns_help``, ``back_url_name``."""

    importer: Importer
    title: Any = ""
    columns_help: Any = ""
    back_url_name: str = ""
    template_name = "core/spreadsheet_import.html"

    def render_page(
        self, form: SpreadsheetForm, *, result: Any = None, problems: Any = None, status: int = 200
    ) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "result": result,
                "problems": problems,
                "title": self.title,
                "columns_help": self.columns_help,
                "back_url_name": self.back_url_name,
            },
            status=status,
        )

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self.render_page(SpreadsheetForm())

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = SpreadsheetForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(form, status=422)
        try:
            result = run_import(
                type(self).importer,
                organization=self.organization,
                actor=self.actor,
                upload=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except ImportFailed as exc:
            return self.render_page(form, problems=exc.problems, status=422)
        if not result.dry_run:
            messages.success(request, result.summary())
        return self.render_page(SpreadsheetForm(), result=result)
