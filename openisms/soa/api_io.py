"""SoA exports over the API: ``GET /orgs/{slug}/soa/{soa_id}/export/?format=…``."""

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError

from openisms.accounts.api import AUTH
from openisms.core.api import ERROR_RESPONSES, ErrorOut, org_scope
from openisms.soa import selectors
from openisms.soa.export_views import export_response, selection_error
from openisms.soa.exports import soa_document

router = Router(auth=AUTH, tags=["soa"])


@router.get(
    "/orgs/{slug}/soa/{soa_id}/export/",
    response={200: None, 400: ErrorOut, **ERROR_RESPONSES},
    summary="A Statement of Applicability as XLSX, DOCX, PDF, CSV or JSON",
    description=(
        "`version=N` exports approved version N (404 when there is none), `draft=true` the "
        "draft; neither: the latest approved version, else the draft. Every format carries the "
        "document control (organisation, version, status, approver, approval date, "
        "classification) and one row per control. An unknown format is a 400."
    ),
)
def soa_export(
    request: HttpRequest,
    slug: str,
    soa_id: int,
    format: str = "xlsx",
    version: int | None = None,
    draft: bool = False,
) -> Any:
    org = org_scope(request, slug, "soa.view_soa")
    soa = selectors.soa_get(organization=org, pk=soa_id)
    fmt = format.strip().lower()
    error = selection_error(fmt, version, draft)
    if error:
        raise HttpError(400, error)
    return export_response(soa_document(soa, version=version, draft=draft), fmt)
