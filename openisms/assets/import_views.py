from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.views import View

from openisms.assets.importer import asset_import
from openisms.core.imports import SpreadsheetImportView


class AssetImportView(SpreadsheetImportView, View):
    permission_required = "assets.change_asset"
    importer = staticmethod(asset_import)
    title = _("Import assets")
    columns_help = _(
        "Columns (any order, case-insensitive): name and type (required); ref, owner and "
        "custodian (e-mail of a member), description, classification, confidentiality, "
        "integrity, availability (1–4 or Low…Very high), location, lifecycle, in_scope, "
        "depends_on (refs separated by ;)."
    )
    back_url_name = "assets:asset_list"
