from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile

from openisms.accounts.api import AUTH
from openisms.core.api import (
    ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    ImportResultOut,
    import_upload,
    org_scope,
)
from openisms.risks import selectors
from openisms.risks.api import RiskQuery
from openisms.risks.export_views import XLSX
from openisms.risks.exports import risk_register_csv, risk_register_workbook
from openisms.risks.importer import risk_import

router = Router(auth=AUTH, tags=["risks"])


@router.get(
    "/orgs/{slug}/risks/export/",
    response={200: None, **ERROR_RESPONSES},
    summary="The risk register as XLSX (register, treatment plan, methodology, about) or CSV",
)
def risk_export(
    request: HttpRequest,
    slug: str,
    filters: Query[RiskQuery],
    format: Literal["xlsx", "csv"] = "xlsx",
) -> Any:
    org = org_scope(request, slug, "risks.view_risk")
    risk_filter = selectors.RiskFilter(**filters.model_dump())
    if format == "csv":
        return HttpResponse(
            risk_register_csv(organization=org, filters=risk_filter),
            content_type="text/csv; charset=utf-8",
        )
    return HttpResponse(
        risk_register_workbook(organization=org, filters=risk_filter), content_type=XLSX
    )


@router.post(
    "/orgs/{slug}/risks/import/",
    response={200: ImportResultOut, **WRITE_ERROR_RESPONSES},
    summary="Import risks from CSV or XLSX (all or nothing)",
)
def risk_import_api(
    request: HttpRequest, slug: str, file: File[UploadedFile], dry_run: Form[bool] = False
) -> Any:
    org = org_scope(request, slug, "risks.change_risk")
    return import_upload(
        risk_import, request=request, organization=org, upload=file, dry_run=dry_run
    )
