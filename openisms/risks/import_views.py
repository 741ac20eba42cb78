from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.views import View

from openisms.core.imports import SpreadsheetImportView
from openisms.risks.importer import risk_import


class RiskImportView(SpreadsheetImportView, View):
    permission_required = "risks.change_risk"
    importer = staticmethod(risk_import)
    title = _("Import risks")
    columns_help = _(
        "Columns (any order, case-insensitive): title (required); ref, description, owner "
        "(e-mail of a member), assets (refs or names separated by ;), threat, likelihood and "
        "impact (labels or numbers of your method's scales), inherent_likelihood/impact, "
        "target_likelihood/impact, treatment, status, existing_controls."
    )
    back_url_name = "risks:risk_list"
