"""The readiness pages: the score with its formula and trend, results per clause and Annex A
theme, the findings by severity (filtered in the URL), the rules, and the PDF/DOCX report."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from openisms.core.reports import FORMATS, report_response
from openisms.core.views import OrgScopedMixin, render_list
from openisms.readiness import selectors
from openisms.readiness.engine import SEVERITIES, SEVERITY_LABELS, WEIGHTS, evaluate
from openisms.readiness.forms import FindingFilterForm
from openisms.readiness.report import readiness_report
from openisms.readiness.trend import trend_figure

VIEW = "readiness.view_readiness"
TREND_DAYS = 365


class ReadinessView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        form = FindingFilterForm(request.GET or None)
        evaluation = evaluate(org)
        findings = selectors.filter_findings(evaluation, form.filters())
        since = timezone.localdate() - dt.timedelta(days=TREND_DAYS)
        history = list(reversed(selectors.snapshot_history(organization=org, since=since)))
        context = {
            "form": form,
            "evaluation": evaluation,
            "groups": selectors.grouped_by_severity(findings),
            "shown": len(findings),
            "figure": trend_figure(history),
            "history": history,
            "weights": [(SEVERITY_LABELS[s], WEIGHTS[s]) for s in SEVERITIES],
            "severity_labels": SEVERITY_LABELS,
            "query": request.GET.urlencode(),
        }
        return render_list(request, "readiness/readiness.html", context)


class RuleListView(OrgScopedMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        context = {
            "rules": selectors.rule_list(),
            "severity_labels": SEVERITY_LABELS,
            "weights": [(SEVERITY_LABELS[s], WEIGHTS[s]) for s in SEVERITIES],
        }
        return render(request, "readiness/rule_list.html", context)


class ReportView(OrgScopedMixin, View):
    """``?format=pdf`` (default) or ``docx``."""

    permission_required = VIEW

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        fmt = request.GET.get("format", "pdf")
        if fmt not in FORMATS:
            raise Http404
        evaluation = evaluate(self.organization)
        name = f"readiness-{self.organization.slug}-{evaluation.today.isoformat()}"
        return report_response(readiness_report(evaluation), fmt, name)
