"""Input validation for the risk methodology and assessment run pages."""

from __future__ import annotations

from typing import Any

import yaml
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from openisms.risks.methodology import presets


class PresetForm(forms.Form):
    preset = forms.ChoiceField(label=_("Preset"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preset"].choices = [(k, p["name"]) for k, p in presets().items()]  # type: ignore[attr-defined]


def parse_yaml(text: str) -> Any:
    """The YAML document in ``text``; a syntax error names its line and column."""
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or ""
        if mark is None:
            raise ValidationError(_("YAML syntax error: %s") % problem) from exc
        raise ValidationError(
            _("YAML syntax error on line %(line)d, column %(column)d: %(problem)s")
            % {"line": mark.line + 1, "column": mark.column + 1, "problem": problem}
        ) from exc
    except yaml.YAMLError as exc:
        raise ValidationError(_("YAML syntax error: %s") % exc) from exc


class MethodologyYamlForm(forms.Form):
    definition = forms.CharField(
        label=_("Definition (YAML)"),
        max_length=200_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 32, "class": "code", "spellcheck": "false"}),
    )
    # The version number the edit started from (0: there was none yet).
    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def clean_definition(self) -> Any:
        return parse_yaml(self.cleaned_data["definition"])


class RunStartForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    scope = forms.CharField(
        label=_("Scope"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    participants = forms.CharField(
        label=_("Participants"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RunChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.started_at:%Y-%m-%d})"


class RunCompareForm(forms.Form):
    before = RunChoiceField(label=_("Before"), queryset=None)
    after = RunChoiceField(label=_("After"), queryset=None)

    def __init__(self, *args: Any, runs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["before"].queryset = runs  # type: ignore[attr-defined]
        self.fields["after"].queryset = runs  # type: ignore[attr-defined]
