"""Downloads of the risk register (the same filters as the register page)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from openisms.core.views import OrgScopedMixin
from openisms.risks import selectors
from openisms.risks.exports import risk_register_csv, risk_register_workbook
from openisms.risks.forms import RiskFilterForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RiskExportView(OrgScopedMixin, View):
    """``?format=xlsx`` (register, treatment plan, methodology, about) or ``?format=csv``."""

    permission_required = "risks.view_risk"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = self.organization
        current = selectors.methodology_current(organization=org)
        form = RiskFilterForm(
            request.GET or None,
            organization=org,
            levels=list(selectors.levels_by_key(current).values()),
        )
        filters = form.filters()
        fmt = request.GET.get("format", "xlsx")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        if fmt == "xlsx":
            response = HttpResponse(
                risk_register_workbook(organization=org, filters=filters), content_type=XLSX
            )
        elif fmt == "csv":
            response = HttpResponse(
                "\ufeff" + risk_register_csv(organization=org, filters=filters),
                content_type="text/csv; charset=utf-8",
            )
        else:
            return HttpResponse(_("Unknown format."), status=400, content_type="text/plain")
        response["Content-Disposition"] = (
            f'attachment; filename="risk-register-{org.slug}-{stamp}.{fmt}"'
        )
        return response
