"""The risk methodology pages (current version, presets, YAML edit, history) and the assessment
runs (start, results, complete, compare)."""

from __future__ import annotations

import colorsys
from typing import Any

import yaml
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error, parse_id, posted_version
from openisms.core.gate import get_scoped_or_404
from openisms.core.views import OrgScopedMixin
from openisms.risks import selectors, services
from openisms.risks.choices import RiskStatus, RunStatus, TreatmentOption
from openisms.risks.method_forms import (
    MethodologyYamlForm,
    PresetForm,
    RunCompareForm,
    RunStartForm,
)
from openisms.risks.methodology import presets

# Level keys with their own colour class in app.css; other keys get a tone from their colour.
STYLED_LEVELS = frozenset({"low", "medium", "high", "critical"})


def _tone(colour: str) -> str:
    """The nearest of a few CSS tones for a ``#rrggbb`` colour (no inline styles under CSP)."""
    try:
        r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    except (TypeError, ValueError):
        return "grey"
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    if saturation < 0.2 or lightness < 0.1 or lightness > 0.95:
        return "grey"
    degrees = hue * 360
    for limit, name in (
        (15, "red"),
        (40, "orange"),
        (70, "yellow"),
        (165, "green"),
        (260, "blue"),
        (330, "purple"),
    ):
        if degrees < limit:
            return name
    return "red"


def level_badge(levels: dict[str, dict[str, Any]], key: str) -> dict[str, str]:
    """Name and CSS classes of a level key (an unknown key is shown as it is)."""
    if not key:
        return {"key": "", "name": "", "css": "level"}
    level = levels.get(key)
    css = f"level level-{key}"
    if key not in STYLED_LEVELS:
        css += f" tone-{_tone(level['colour']) if level else 'grey'}"
    return {"key": key, "name": level["name"] if level else key, "css": css}


ACCEPTANCE_ROLES = {
    "owner": lambda: _("an owner of the organisation"),
    "manager": lambda: _("a manager or owner of the organisation"),
}
CIA_RULES = {
    "max": lambda: _(
        "Consequence judged separately for confidentiality, integrity and availability; "
        "the highest counts."
    ),
    "single": lambda: _("One consequence judgement per risk."),
}


def method_display(definition: dict[str, Any]) -> dict[str, Any]:
    """Everything the methodology page draws from a definition."""
    levels = {lv["key"]: lv for lv in definition["levels"]}
    rows = []
    for li in reversed(range(len(definition["likelihood"]))):
        rows.append(
            {
                "likelihood": definition["likelihood"][li],
                "cells": [
                    level_badge(levels, definition["matrix"][li][ci])
                    for ci in range(len(definition["consequence"]))
                ],
            }
        )
    role = definition["acceptance_role_above_threshold"]
    return {
        "likelihood": definition["likelihood"],
        "consequence": definition["consequence"],
        "levels": [
            {
                **lv,
                **level_badge(levels, lv["key"]),
                "within": lv["order"] <= levels[definition["threshold"]]["order"],
            }
            for lv in definition["levels"]
        ],
        "rows": rows,
        "threshold": level_badge(levels, definition["threshold"]),
        "acceptance_role": ACCEPTANCE_ROLES.get(role, lambda: role)(),
        "cia_rule": CIA_RULES.get(definition["cia_rule"], lambda: definition["cia_rule"])(),
        "risk_review_days": definition["risk_review_days"],
        "acceptance_review_days": definition["acceptance_review_days"],
    }


class MethodologyView(OrgScopedMixin, View):
    permission_required = "risks.view_risk"
    page_size = 50

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self.render(PresetForm())

    def render(self, preset_form: PresetForm, status: int = 200) -> HttpResponse:
        org = self.organization
        current = selectors.methodology_current(organization=org)
        page = Paginator(selectors.methodology_versions(organization=org), self.page_size).get_page(
            self.request.GET.get("page")
        )
        return render(
            self.request,
            "riskmethod/methodology.html",
            {
                "current": current,
                "method": method_display(current.definition) if current else None,
                "page": page,
                "preset_form": preset_form,
                "presets": [
                    {"key": k, "name": p["name"], "description": p["description"]}
                    for k, p in presets().items()
                ],
                "can_manage": self.actor.has_perm("risks.manage_methodology", org),
            },
            status=status,
        )


class MethodologyPresetView(MethodologyView):
    permission_required = "risks.manage_methodology"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = PresetForm(request.POST)
        if form.is_valid():
            try:
                version = services.methodology_from_preset(
                    organization=self.organization,
                    actor=self.actor,
                    preset=form.cleaned_data["preset"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Version %d saved.") % version.number)
                return redirect("riskmethod:methodology", org_slug=org_slug)
        return self.render(form, status=422)


class MethodologyEditView(OrgScopedMixin, View):
    permission_required = "risks.manage_methodology"
    template_name = "riskmethod/methodology_edit.html"

    def _current_number(self) -> tuple[Any, int]:
        current = selectors.methodology_current(organization=self.organization)
        return current, current.number if current else 0

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        current, number = self._current_number()
        definition = current.definition if current else presets()["4x4"]["definition"]
        form = MethodologyYamlForm(
            initial={
                "definition": yaml.safe_dump(definition, sort_keys=False, allow_unicode=True),
                "based_on": number,
            }
        )
        return render(request, self.template_name, {"form": form, "current": current})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = MethodologyYamlForm(request.POST)
        current, number = self._current_number()
        status = 422
        if form.is_valid():
            based_on = form.cleaned_data["based_on"]
            if based_on is not None and based_on != number:
                form.add_error(
                    None,
                    _(
                        "The methodology was changed by someone else (you edited version "
                        "%(expected)s, it is now at version %(current)s). Reload it to see "
                        "their changes, then apply yours again."
                    )
                    % {"expected": based_on, "current": number},
                )
                form.conflict = True  # type: ignore[attr-defined]
                status = 409
            else:
                try:
                    version = services.methodology_set(
                        organization=self.organization,
                        actor=self.actor,
                        definition=form.cleaned_data["definition"],
                    )
                except ValidationError as exc:
                    for message in exc.messages:
                        form.add_error("definition", message)
                else:
                    if version.number == number:
                        messages.info(
                            request, _("Nothing changed; version %d stays current.") % number
                        )
                    else:
                        messages.success(request, _("Version %d saved.") % version.number)
                    return redirect("riskmethod:methodology", org_slug=org_slug)
        return render(
            request, self.template_name, {"form": form, "current": current}, status=status
        )


# --- assessment runs ------------------------------------------------------------------------------


def _run(view: OrgScopedMixin, pk: int) -> Any:
    return get_scoped_or_404(
        selectors.run_list(organization=view.organization), view.organization, pk=pk
    )


class RunListView(OrgScopedMixin, View):
    permission_required = "risks.view_risk"
    template_name = "riskmethod/run_list.html"
    page_size = 50

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self.render(RunStartForm())

    def render(self, form: RunStartForm, status: int = 200) -> HttpResponse:
        org = self.organization
        runs = selectors.run_list(organization=org).order_by("-started_at", "-pk")
        page = Paginator(runs, self.page_size).get_page(self.request.GET.get("page"))
        return render(
            self.request,
            self.template_name,
            {
                "page": page,
                "form": form,
                "compare_form": RunCompareForm(runs=runs),
                "has_method": selectors.methodology_current(organization=org) is not None,
                "can_manage": self.actor.has_perm("risks.manage_methodology", org),
            },
            status=status,
        )


class RunStartView(RunListView):
    permission_required = "risks.manage_methodology"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = RunStartForm(request.POST)
        if form.is_valid():
            try:
                run = services.run_start(
                    organization=self.organization, actor=self.actor, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Assessment “%s” started.") % run.name)
                return redirect("riskmethod:run_detail", org_slug=org_slug, pk=run.pk)
        return self.render(form, status=422)


def _result_row(result: Any, levels: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "result": result,
        "status": RiskStatus(result.status).label
        if result.status in RiskStatus.values
        else result.status,
        "treatment": TreatmentOption(result.treatment_option).label
        if result.treatment_option in TreatmentOption.values
        else result.treatment_option,
        "inherent": level_badge(levels, result.inherent_level),
        "current": level_badge(levels, result.current_level),
        "target": level_badge(levels, result.target_level),
    }


class RunDetailView(OrgScopedMixin, View):
    permission_required = "risks.view_risk"
    page_size = 50

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        run = _run(self, pk)
        levels = selectors.levels_by_key(run.methodology_version)
        page = Paginator(run.results.order_by("ref"), self.page_size).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            "riskmethod/run_detail.html",
            {
                "run": run,
                "page": page,
                "rows": [_result_row(r, levels) for r in page],
                "completed": run.status == RunStatus.COMPLETED,
                "can_manage": self.actor.has_perm("risks.manage_methodology", run),
            },
        )


class RunCompleteView(OrgScopedMixin, View):
    permission_required = "risks.manage_methodology"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        run = _run(self, pk)
        try:
            services.run_complete(
                run=run,
                actor=self.actor,
                version=posted_version(request),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, str(message))
        except ConflictError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Assessment “%s” completed.") % run.name)
        return redirect("riskmethod:run_detail", org_slug=org_slug, pk=run.pk)


class RunCompareView(OrgScopedMixin, View):
    permission_required = "risks.view_risk"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        runs = selectors.run_list(organization=self.organization).order_by("-started_at", "-pk")
        for key in ("before", "after"):  # another organisation's run: 404, as everywhere
            value = parse_id(request.GET.get(key, ""))
            if value is not None:
                _run(self, value)
        form = RunCompareForm(request.GET or None, runs=runs)
        context: dict[str, Any] = {"form": form, "comparison": None}
        if form.is_valid():
            before, after = form.cleaned_data["before"], form.cleaned_data["after"]
            result = selectors.run_compare(before=before, after=after)
            lv_before = selectors.levels_by_key(before.methodology_version)
            lv_after = selectors.levels_by_key(after.methodology_version)
            context.update(
                before=before,
                after=after,
                comparison={
                    "new": [_result_row(r, lv_after) for r in result.new],
                    "closed": [_result_row(r, lv_before) for r in result.closed],
                    "changed": [
                        {
                            "before": _result_row(a, lv_before),
                            "after": _result_row(b, lv_after),
                        }
                        for a, b in result.changed
                    ],
                },
            )
        return render(
            request,
            "riskmethod/run_compare.html",
            context,
            status=422 if form.is_bound and not form.is_valid() else 200,
        )
