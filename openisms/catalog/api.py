from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from openisms.accounts.api import AUTH
from openisms.catalog import selectors, services
from openisms.catalog.data import LibraryError
from openisms.catalog.exporters import CONTENT_TYPES, EXPORT_FORMATS, export_framework
from openisms.catalog.formats import FORMATS
from openisms.catalog.uploads import saved_uploads
from openisms.core.api import ERROR_RESPONSES, WRITE_ERROR_RESPONSES, org_scope, request_actor

router = Router(auth=AUTH, tags=["catalog"])


class FrameworkOut(Schema):
    id: int
    urn: str
    ref_id: str
    name: str
    version: str
    provider: str
    publication_date: date | None
    locale: str
    own: bool
    adopted: bool
    nodes: int
    assessable: int

    @staticmethod
    def resolve_own(obj: Any) -> bool:
        return obj.organization_id is not None

    @staticmethod
    def resolve_adopted(obj: Any) -> bool:
        return bool(getattr(obj, "is_adopted", False))

    @staticmethod
    def resolve_nodes(obj: Any) -> int:
        return int(getattr(obj, "node_count", 0))

    @staticmethod
    def resolve_assessable(obj: Any) -> int:
        return int(getattr(obj, "assessable_count", 0))


class NodeOut(Schema):
    id: int
    urn: str
    ref_id: str
    name: str
    description: str
    guidance: str
    kind: str
    assessable: bool
    parent_id: int | None
    depth: int
    attributes: dict[str, Any]


class MappingSetOut(Schema):
    id: int
    urn: str
    name: str
    source_framework: str
    target_framework: str
    mappings: int

    @staticmethod
    def resolve_source_framework(obj: Any) -> str:
        return str(obj.source_framework.urn)

    @staticmethod
    def resolve_target_framework(obj: Any) -> str:
        return str(obj.target_framework.urn)

    @staticmethod
    def resolve_mappings(obj: Any) -> int:
        return int(getattr(obj, "mapping_count", 0))


class MappingOut(Schema):
    mapping_set: str
    source: str
    source_ref_id: str
    target: str
    target_ref_id: str
    relationship: str
    strength: int | None
    rationale: str

    @staticmethod
    def resolve_mapping_set(obj: Any) -> str:
        return str(obj.mapping_set.urn)

    @staticmethod
    def resolve_source(obj: Any) -> str:
        return str(obj.source.urn)

    @staticmethod
    def resolve_source_ref_id(obj: Any) -> str:
        return str(obj.source.ref_id)

    @staticmethod
    def resolve_target(obj: Any) -> str:
        return str(obj.target.urn)

    @staticmethod
    def resolve_target_ref_id(obj: Any) -> str:
        return str(obj.target.ref_id)


class NodeDetailOut(NodeOut):
    mappings: list[MappingOut]


class NodeQuery(Schema):
    q: str = ""


class FrameworkReportOut(Schema):
    urn: str
    name: str
    status: str
    nodes: int
    added: list[str]
    changed: list[str]
    removed: list[str]


class LibraryReportOut(Schema):
    urn: str
    name: str
    source: str
    status: str
    frameworks: list[FrameworkReportOut]


class ImportOut(Schema):
    dry_run: bool
    libraries: list[LibraryReportOut]


class AdoptionOut(Schema):
    framework: str
    adopted: bool


@router.get(
    "/orgs/{slug}/frameworks/",
    response={200: list[FrameworkOut], **ERROR_RESPONSES},
    summary="Frameworks",
)
@paginate(PageNumberPagination)
def framework_list(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, "catalog.view_catalog")
    return selectors.framework_list(organization=org)


@router.get(
    "/orgs/{slug}/frameworks/{framework_id}/",
    response={200: FrameworkOut, **ERROR_RESPONSES},
    summary="One framework",
)
def framework_get(request: HttpRequest, slug: str, framework_id: int) -> Any:
    org = org_scope(request, slug, "catalog.view_catalog")
    selectors.framework_get(organization=org, pk=framework_id)
    return selectors.framework_list(organization=org).get(pk=framework_id)


@router.get(
    "/orgs/{slug}/frameworks/{framework_id}/nodes/",
    response={200: list[NodeOut], **ERROR_RESPONSES},
    summary="Requirement nodes in tree order",
)
@paginate(PageNumberPagination)
def node_list(request: HttpRequest, slug: str, framework_id: int, query: Query[NodeQuery]) -> Any:
    org = org_scope(request, slug, "catalog.view_catalog")
    framework = selectors.framework_get(organization=org, pk=framework_id)
    return selectors.node_list(framework=framework, q=query.q[:100])


@router.get(
    "/orgs/{slug}/frameworks/{framework_id}/nodes/{node_id}/",
    response={200: NodeDetailOut, **ERROR_RESPONSES},
    summary="A requirement with its mappings",
)
def node_get(request: HttpRequest, slug: str, framework_id: int, node_id: int) -> Any:
    org = org_scope(request, slug, "catalog.view_catalog")
    framework = selectors.framework_get(organization=org, pk=framework_id)
    node = selectors.node_get(framework=framework, pk=node_id)
    node.mappings = selectors.node_mappings(node=node, organization=org)  # type: ignore[attr-defined]
    return node


@router.get(
    "/orgs/{slug}/frameworks/{framework_id}/export/",
    response={200: None, **ERROR_RESPONSES},
    summary="Export a framework",
    openapi_extra={
        "parameters": [
            {
                "name": "format",
                "in": "query",
                "required": False,
                "schema": {
                    "type": "string",
                    "enum": list(EXPORT_FORMATS),
                    "default": "openisms-yaml",
                },
            }
        ]
    },
)
def framework_export(request: HttpRequest, slug: str, framework_id: int) -> Any:
    org = org_scope(request, slug, "catalog.view_catalog")
    framework = selectors.framework_get(organization=org, pk=framework_id)
    fmt = request.GET.get("format", "openisms-yaml")
    if fmt not in EXPORT_FORMATS:
        from ninja.errors import HttpError

        raise HttpError(422, f"format must be one of: {', '.join(EXPORT_FORMATS)}")
    content_type, _ext = CONTENT_TYPES[fmt]
    return HttpResponse(
        export_framework(framework, fmt), content_type=f"{content_type}; charset=utf-8"
    )


@router.get(
    "/orgs/{slug}/mapping-sets/",
    response={200: list[MappingSetOut], **ERROR_RESPONSES},
    summary="Mapping sets",
)
@paginate(PageNumberPagination)
def mapping_set_list(request: HttpRequest, slug: str) -> Any:
    org = org_scope(request, slug, "catalog.view_catalog")
    return selectors.mapping_set_list(organization=org)


@router.get(
    "/orgs/{slug}/mapping-sets/{mapping_set_id}/mappings/",
    response={200: list[MappingOut], **ERROR_RESPONSES},
    summary="The mappings of a mapping set",
)
@paginate(PageNumberPagination)
def mapping_list(request: HttpRequest, slug: str, mapping_set_id: int) -> Any:
    org = org_scope(request, slug, "catalog.view_catalog")
    return selectors.mapping_list(organization=org, pk=mapping_set_id)


@router.post(
    "/orgs/{slug}/frameworks/{framework_id}/adoption/",
    response={201: AdoptionOut, **WRITE_ERROR_RESPONSES},
    summary="Adopt a framework",
)
def framework_adopt(request: HttpRequest, slug: str, framework_id: int) -> Any:
    org = org_scope(request, slug, "catalog.adopt_framework")
    framework = selectors.framework_get(organization=org, pk=framework_id)
    services.framework_adopt(organization=org, actor=request_actor(request), framework=framework)
    return Status(201, {"framework": framework.urn, "adopted": True})


@router.delete(
    "/orgs/{slug}/frameworks/{framework_id}/adoption/",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Drop an adopted framework",
)
def framework_drop(request: HttpRequest, slug: str, framework_id: int) -> Any:
    org = org_scope(request, slug, "catalog.adopt_framework")
    framework = selectors.framework_get(organization=org, pk=framework_id)
    adoption = selectors.adoption_list(organization=org).filter(framework=framework).first()
    if adoption is None:
        from django.http import Http404

        raise Http404
    services.framework_drop(adoption=adoption, actor=request_actor(request))
    return Status(204, None)


@router.post(
    "/orgs/{slug}/libraries/",
    response={200: ImportOut, **WRITE_ERROR_RESPONSES},
    summary="Import library files (owners)",
)
def library_import(
    request: HttpRequest,
    slug: str,
    files: File[list[UploadedFile]],
    format: Form[str] = "auto",
    dry_run: Form[bool] = False,
) -> Any:
    org = org_scope(request, slug, "catalog.import_library")
    if format not in FORMATS:
        from ninja.errors import HttpError

        raise HttpError(422, f"format must be one of: {', '.join(FORMATS)}")
    try:
        with saved_uploads(files) as paths:
            result = services.catalog_import(
                paths, fmt=format, dry_run=dry_run, organization=org, actor=request_actor(request)
            )
    except LibraryError as exc:
        from django.core.exceptions import ValidationError

        raise ValidationError({"files": [str(exc)]}) from exc
    return result
