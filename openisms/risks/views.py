"""The risk register pages (ISO/IEC 27001 6.1.2, 6.1.3): the register, a risk's form and page
(assessment, treatment, actions, acceptance, lifecycle), heat maps and the treatment plan."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from openisms.controls import services as control_services
from openisms.core.exceptions import ConflictError
from openisms.core.forms import add_service_error
from openisms.core.gate import get_scoped_or_404
from openisms.core.views import OrgScopedMixin
from openisms.risks import selectors, services
from openisms.risks.choices import TRANSITIONS, ActionStatus, RiskStatus
from openisms.risks.forms import (
    CIA_LABELS,
    AcceptForm,
    ActionForm,
    ActionUpdateForm,
    AssessForm,
    RiskFilterForm,
    RiskForm,
    TransitionForm,
    TreatmentForm,
    action_initial,
    assess_initial,
    risk_initial,
    treatment_initial,
)
from openisms.risks.models import Risk, TreatmentAction

SORT_COLUMNS = {
    "ref": gettext_lazy("Ref"),
    "title": gettext_lazy("Title"),
    "level": gettext_lazy("Level"),
    "status": gettext_lazy("Status"),
    "review": gettext_lazy("Next review"),
}
GRID_TITLES = {
    "inherent": gettext_lazy("Inherent risk"),
    "current": gettext_lazy("Current risk"),
    "target": gettext_lazy("Target risk"),
}
OPEN_ACTIONS = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


def _levels_by_version(organization: Any) -> dict[int, dict[str, dict[str, Any]]]:
    """Level definitions of every methodology version of the organisation (one query)."""
    return {
        v.pk: selectors.levels_by_key(v)
        for v in selectors.methodology_versions(organization=organization)
    }


def _level(
    versions: dict[int, dict[str, dict[str, Any]]], version_id: int | None, key: str
) -> dict[str, Any] | None:
    if not key:
        return None
    return versions.get(version_id or 0, {}).get(key) or {"key": key, "name": key}


def _is_overdue(action: TreatmentAction, today: Any) -> bool:
    return action.status in OPEN_ACTIONS and action.due_date is not None and action.due_date < today


# --- the register -------------------------------------------------------------------------------


class RiskListView(OrgScopedMixin, View):
    permission_required = "risks.view_risk"
    page_size = 50

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        current = selectors.methodology_current(organization=org)
        form = RiskFilterForm(
            request.GET or None,
            organization=org,
            levels=list(selectors.levels_by_key(current).values()),
        )
        filters = form.filters()
        risks = selectors.risk_list(organization=org, filters=filters)
        page = Paginator(risks, self.page_size).get_page(request.GET.get("page"))
        versions = _levels_by_version(org)
        rows = [
            {
                "risk": r,
                "level": _level(versions, r.methodology_version_id, r.current_level),
                "review_due": r.next_review is not None and r.next_review < timezone.localdate(),
            }
            for r in page
        ]
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "columns": self._columns(query, filters.sort),
            "cell": self._cell(filters, current, query),
            "can_change": self.actor.has_perm("risks.change_risk", org),
        }
        template = "risks/risk_list.html"
        if getattr(request, "htmx", False):
            template += "#results"
        response = render(request, template, context)
        response["Vary"] = "HX-Request"
        return response

    @staticmethod
    def _columns(query: Any, sort: str) -> dict[str, dict[str, Any]]:
        columns = {}
        for key, label in SORT_COLUMNS.items():
            q = query.copy()
            q["sort"] = f"-{key}" if sort == key else key
            direction = {key: "ascending", f"-{key}": "descending"}.get(sort, "")
            columns[key] = {"label": label, "query": q.urlencode(), "direction": direction}
        return columns

    @staticmethod
    def _cell(filters: selectors.RiskFilter, current: Any, query: Any) -> dict[str, Any] | None:
        """The heat-map cell the register is narrowed to, with a link that drops it."""
        if filters.grid not in GRID_TITLES or current is None:
            return None
        d = current.definition
        likelihood = {e["value"]: e["label"] for e in d["likelihood"]}
        consequence = {e["value"]: e["label"] for e in d["consequence"]}
        q = query.copy()
        for name in ("grid", "likelihood", "consequence"):
            q.pop(name, None)
        return {
            "grid": GRID_TITLES[filters.grid],
            "likelihood": likelihood.get(filters.likelihood, filters.likelihood),
            "consequence": consequence.get(filters.consequence, filters.consequence),
            "clear_query": q.urlencode(),
        }


class RiskCreateView(OrgScopedMixin, View):
    permission_required = "risks.change_risk"
    template_name = "risks/risk_form.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = RiskForm(organization=self.organization)
        return render(request, self.template_name, {"form": form, "risk": None})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = RiskForm(request.POST, organization=self.organization)
        status = 422
        if form.is_valid():
            try:
                risk = services.risk_create(
                    organization=self.organization, actor=self.actor, **form.service_data()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            except PermissionDenied:
                form.add_error("owner", _("Your role lets you register only risks you own."))
                status = 403
            else:
                messages.success(request, _("%s was registered.") % risk)
                return redirect("risks:risk_detail", org_slug=org_slug, pk=risk.pk)
        return render(request, self.template_name, {"form": form, "risk": None}, status=status)


class RiskEditView(OrgScopedMixin, View):
    permission_required = "risks.change_risk"
    template_name = "risks/risk_form.html"

    def _risk(self, pk: int) -> Risk:
        risk = selectors.risk_get(organization=self.organization, pk=pk)
        if not self.actor.has_perm("risks.change_risk", risk):
            raise PermissionDenied(_("Your role does not allow this."))
        return risk

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        risk = self._risk(pk)
        initial = risk_initial(risk, selectors.risk_detail(risk=risk)["assets"])
        form = RiskForm(initial=initial, organization=self.organization, risk=risk)
        return render(request, self.template_name, {"form": form, "risk": risk})

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        risk = self._risk(pk)
        form = RiskForm(request.POST, organization=self.organization, risk=risk)
        status = 422
        if form.is_valid():
            try:
                services.risk_update(
                    risk=risk,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = 409 if isinstance(exc, ConflictError) else 422
            else:
                messages.success(request, _("%s was saved.") % risk)
                return redirect("risks:risk_detail", org_slug=org_slug, pk=risk.pk)
            risk = self._risk(pk)  # the failed write left its values on the instance
        return render(request, self.template_name, {"form": form, "risk": risk}, status=status)


# --- one risk ----------------------------------------------------------------------------------


def _assessments(risk: Risk, definition: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Inherent, current and target: likelihood and consequence labels and the level."""
    d = definition or {"likelihood": [], "consequence": [], "levels": []}
    likelihood = {e["value"]: e["label"] for e in d["likelihood"]}
    consequence = {e["value"]: e["label"] for e in d["consequence"]}
    levels = {lv["key"]: lv for lv in d["levels"]}
    by_cia = risk.consequence_by_cia or {}
    rows = []
    for name in ("inherent", "current", "target"):
        lv, cv = getattr(risk, f"{name}_likelihood"), getattr(risk, f"{name}_consequence")
        key = getattr(risk, f"{name}_level")
        judged = by_cia.get(name) or {}
        rows.append(
            {
                "name": name,
                "label": GRID_TITLES[name],
                "likelihood": f"{lv} · {likelihood.get(lv, '?')}" if lv is not None else "",
                "consequence": f"{cv} · {consequence.get(cv, '?')}" if cv is not None else "",
                "cia": [
                    {"key": k, "label": k_label, "value": judged[k]}
                    for k, k_label in CIA_LABELS
                    if k in judged
                ],
                "level": (levels.get(key) or {"key": key, "name": key}) if key else None,
            }
        )
    return rows


class RiskPageMixin(OrgScopedMixin):
    """The risk page, for its own GET and for the forms posted from it (re-rendered with
    their errors, status 422 — 409 for a stale version)."""

    def get_risk(self, pk: int) -> Risk:
        return selectors.risk_get(organization=self.organization, pk=pk)

    def back(self, risk: Risk, anchor: str = "") -> HttpResponse:
        url = reverse(
            "risks:risk_detail", kwargs={"org_slug": self.organization.slug, "pk": risk.pk}
        )
        return redirect(f"{url}#{anchor}" if anchor else url)

    def page(self, risk: Risk, *, status: int = 200, **bound: Any) -> HttpResponse:
        org, user = self.organization, self.actor
        today = timezone.localdate()
        detail = selectors.risk_detail(risk=risk)
        current = selectors.methodology_current(organization=org)
        versions = {v.pk: v for v in selectors.methodology_versions(organization=org)}
        used = versions.get(risk.methodology_version_id or 0)
        levels = {pk: selectors.levels_by_key(v) for pk, v in versions.items()}
        can_change = user.has_perm("risks.change_risk", risk)
        context: dict[str, Any] = {
            "risk": risk,
            "assets": detail["assets"],
            "requirements": detail["requirements"],
            "controls": detail["controls"],
            "assessments": _assessments(risk, used.definition if used else None),
            "method_used": used,
            "method_current": current,
            "can_change": can_change,
            "can_move": risk.owner_id == user.pk or user.has_perm("risks.manage_methodology", org),
            "can_accept": user.has_perm("risks.accept_risk", risk),
            "transitions": [(s, RiskStatus(s).label) for s in TRANSITIONS.get(risk.status, ())],
            "acceptances": [
                {
                    "acceptance": a,
                    "expired": a.valid_until < today,
                    "level": _level(levels, a.methodology_version_id, a.level),
                }
                for a in detail["acceptances"]
            ],
            "accept_form": bound.get("accept_form") or AcceptForm(),
        }
        bound_action = bound.get("action_update")  # (action pk, form)
        context["actions"] = [
            {
                "action": a,
                "overdue": _is_overdue(a, today),
                "form": bound_action[1]
                if bound_action and bound_action[0] == a.pk
                else ActionUpdateForm(initial=action_initial(a), prefix=f"a{a.pk}"),
            }
            for a in detail["actions"]
        ]
        if can_change:
            if current is not None:
                context["assess_form"] = bound.get("assess_form") or AssessForm(
                    initial=assess_initial(risk), definition=current.definition
                )
            context["treatment_form"] = bound.get("treatment_form") or TreatmentForm(
                initial=treatment_initial(risk, detail["requirements"], detail["controls"]),
                organization=org,
            )
            context["action_form"] = bound.get("action_form") or ActionForm(organization=org)
        return render(self.request, "risks/risk_detail.html", context, status=status)


class RiskDetailView(RiskPageMixin, View):
    permission_required = "risks.view_risk"

    def get(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        return self.page(self.get_risk(pk))


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, ConflictError) else 422


class RiskAssessView(RiskPageMixin, View):
    permission_required = "risks.change_risk"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        risk = self.get_risk(pk)
        current = selectors.methodology_current(organization=self.organization)
        if current is None:
            messages.error(request, _("Define the risk methodology first (Risk method page)."))
            return self.page(risk, status=422)
        form = AssessForm(request.POST, definition=current.definition)
        status = 422
        if form.is_valid():
            try:
                pairs = form.pairs_data()
                services.risk_assess(
                    risk=risk,
                    actor=self.actor,
                    version=form.cleaned_data["version"],
                    inherent=pairs["inherent"],
                    current=pairs["current"],
                    target=pairs["target"],
                )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("%s was assessed.") % risk.ref)
                return self.back(risk, "assessment")
        return self.page(self.get_risk(pk), status=status, assess_form=form)


class RiskTreatmentView(RiskPageMixin, View):
    permission_required = "risks.change_risk"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        risk = self.get_risk(pk)
        form = TreatmentForm(request.POST, organization=self.organization)
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():
                    services.risk_set_treatment(
                        risk=risk,
                        actor=self.actor,
                        version=d["version"],
                        option=d["option"],
                        description=d["description"],
                        requirements=list(d["requirements"]),
                    )
                    control_services.risk_controls_set(
                        risk=risk, actor=self.actor, controls=list(d["controls"])
                    )
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("The treatment of %s was saved.") % risk.ref)
                return self.back(risk, "treatment")
        return self.page(self.get_risk(pk), status=status, treatment_form=form)


class RiskTransitionView(RiskPageMixin, View):
    """Move a risk along its lifecycle; the service allows the risk owner or a manager."""

    permission_required = "risks.view_risk"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        risk = self.get_risk(pk)
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a status to move the risk to."))
            return self.page(risk, status=422)
        to = form.cleaned_data["to"]
        try:
            services.risk_transition(
                risk=risk, actor=self.actor, to=to, version=form.cleaned_data["version"]
            )
        except ConflictError as exc:
            messages.error(request, exc.message)
            return self.page(self.get_risk(pk), status=409)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return self.page(self.get_risk(pk), status=422)
        messages.success(
            request,
            _("%(ref)s is now “%(status)s”.") % {"ref": risk.ref, "status": RiskStatus(to).label},
        )
        return self.back(risk)


class ActionCreateView(RiskPageMixin, View):
    permission_required = "risks.change_risk"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        risk = self.get_risk(pk)
        form = ActionForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                services.action_create(risk=risk, actor=self.actor, **form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The action was added."))
                return self.back(risk, "actions")
        return self.page(risk, status=422, action_form=form)


class ActionUpdateView(RiskPageMixin, View):
    """Record progress on one treatment action (its status, note and due date)."""

    permission_required = "risks.change_risk"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        action = get_scoped_or_404(TreatmentAction, self.organization, pk=pk)
        risk = self.get_risk(action.risk_id)
        action.risk = risk
        form = ActionUpdateForm(request.POST, prefix=f"a{action.pk}")
        status = 422
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.action_update(action=action, actor=self.actor, version=version, **data)
            except (ValidationError, ConflictError) as exc:
                add_service_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, _("The action “%s” was updated.") % action.title)
                return self.back(risk, "actions")
        return self.page(risk, status=status, action_update=(action.pk, form))


class RiskAcceptView(RiskPageMixin, View):
    """Record an acceptance of the residual risk (append-only)."""

    permission_required = "risks.accept_risk"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        risk = self.get_risk(pk)
        form = AcceptForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                services.risk_accept(risk=risk, actor=self.actor, **form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
                status = 403
            else:
                messages.success(request, _("The acceptance of %s was recorded.") % risk.ref)
                return self.back(risk, "acceptance")
        return self.page(risk, status=status, accept_form=form)


# --- heat maps and the treatment plan ----------------------------------------------------------

CELL_W, CELL_H, LEFT, TOP, LINE = 84, 56, 124, 8, 14


def _wrap(text: str, width: int = 14, max_lines: int = 3) -> list[str]:
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1 :])
        lines = [*lines[: max_lines - 1], rest[: width - 1] + "…" if len(rest) > width else rest]
    return lines or [""]


def _tspans(text: str, width: int = 14) -> list[dict[str, Any]]:
    """Lines of an SVG label: text and the vertical step from the line before."""
    return [{"text": t, "dy": 0 if i == 0 else LINE} for i, t in enumerate(_wrap(text, width))]


def _text_colour(fill: str) -> str:
    """Black or white, whichever contrasts more with ``#rrggbb`` (WCAG relative luminance)."""
    try:
        channels = [int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    except (TypeError, ValueError):
        return "#000000"
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def heatmap_figure(hm: selectors.HeatMap, list_url: str) -> dict[str, Any]:
    """Geometry and labels of one heat map as inline SVG (whole pixels only)."""
    n_rows, n_cols = len(hm.rows), len(hm.consequences)
    grid_bottom = TOP + n_rows * CELL_H
    rows = []
    for ri, row in enumerate(hm.rows):
        y = TOP + ri * CELL_H
        label_lines = _tspans(row[0].likelihood["label"])
        cells = []
        for ci, cell in enumerate(row):
            x = LEFT + ci * CELL_W
            query = urlencode(
                {
                    "grid": hm.grid,
                    "likelihood": cell.likelihood["value"],
                    "consequence": cell.consequence["value"],
                }
            )
            cells.append(
                {
                    "cell": cell,
                    "x": x + 1,
                    "y": y + 1,
                    "w": CELL_W - 2,
                    "h": CELL_H - 2,
                    "cx": x + CELL_W // 2,
                    "cy": y + CELL_H // 2 + 7,
                    "fill": cell.level["colour"],
                    "text_fill": _text_colour(cell.level["colour"]),
                    "href": f"{list_url}?{query}",
                    "label": ngettext(
                        "Likelihood “%(l)s” × consequence “%(c)s”: level “%(level)s”, %(n)d risk",
                        "Likelihood “%(l)s” × consequence “%(c)s”: level “%(level)s”, %(n)d risks",
                        cell.count,
                    )
                    % {
                        "l": cell.likelihood["label"],
                        "c": cell.consequence["label"],
                        "level": cell.level["name"],
                        "n": cell.count,
                    },
                }
            )
        rows.append(
            {
                "likelihood": row[0].likelihood,
                "cells": cells,
                "label_y": y + CELL_H // 2 + 4 - (len(label_lines) - 1) * LINE // 2,
                "label_lines": label_lines,
            }
        )
    columns: list[dict[str, Any]] = [
        {"consequence": c, "x": LEFT + ci * CELL_W + CELL_W // 2, "lines": _tspans(c["label"], 12)}
        for ci, c in enumerate(hm.consequences)
    ]
    x_lines = max((len(c["lines"]) for c in columns), default=1)
    return {
        "grid": hm.grid,
        "title": GRID_TITLES.get(hm.grid, hm.grid),
        "total": hm.total,
        "other_versions": hm.other_versions,
        "rows": rows,
        "columns": columns,
        "levels": hm.levels,
        "width": LEFT + n_cols * CELL_W + 8,
        "height": grid_bottom + (x_lines + 1) * LINE + 20,
        "grid_middle_x": LEFT + n_cols * CELL_W // 2,
        "grid_middle_y": TOP + n_rows * CELL_H // 2,
        "x_labels_y": grid_bottom + LINE + 2,
        "x_title_y": grid_bottom + (x_lines + 1) * LINE + 12,
        "left": LEFT,
    }


class HeatmapView(OrgScopedMixin, View):
    permission_required = "risks.view_risk"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        list_url = reverse("risks:risk_list", kwargs={"org_slug": org_slug})
        figures = []
        for grid in GRID_TITLES:
            hm = selectors.heatmap(organization=self.organization, grid=grid)
            if hm is None:
                break
            figures.append(heatmap_figure(hm, list_url))
        return render(request, "risks/heatmap.html", {"figures": figures})


class TreatmentPlanView(OrgScopedMixin, View):
    permission_required = "risks.view_risk"
    page_size = 50

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        actions = selectors.treatment_plan(organization=self.organization)
        page = Paginator(actions, self.page_size).get_page(request.GET.get("page"))
        today = timezone.localdate()
        rows = [{"action": a, "overdue": _is_overdue(a, today)} for a in page]
        return render(
            request,
            "risks/treatment_plan.html",
            {
                "page": page,
                "rows": rows,
                "overdue": sum(1 for a in actions if _is_overdue(a, today)),
                "query": "",
            },
        )
