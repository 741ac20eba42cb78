"""The REST API at /api/v1/: django-ninja, OpenAPI 3.1 at /api/v1/openapi.json."""

from ninja import NinjaAPI
from ninja.throttling import AnonRateThrottle

from openisms.accounts.api import router as accounts_router
from openisms.assets.api import router as assets_router
from openisms.auditpack.api import router as auditpack_router
from openisms.audits.api import router as audits_router
from openisms.catalog.api import router as catalog_router
from openisms.controls.api import router as controls_router
from openisms.controls.evidence_api import router as evidence_router
from openisms.controls.request_api import router as evidence_request_router
from openisms.core.api import install_error_handlers
from openisms.documents.api import router as documents_router
from openisms.governance.api import router as governance_router
from openisms.improvement.api import router as improvement_router
from openisms.incidents.api import router as incidents_router
from openisms.objectives.api import router as objectives_router
from openisms.pdca.api import router as pdca_router
from openisms.people.api import router as people_router
from openisms.readiness.api import router as readiness_router
from openisms.reviews.api import router as reviews_router
from openisms.risks.api import router as risks_router
from openisms.risks.api_io import router as risks_io_router
from openisms.soa.api import router as soa_router
from openisms.soa.api_io import router as soa_io_router

api = NinjaAPI(
    title="OpenISMS API",
    version="1",
    description=(
        "Every path under /orgs/{slug}/ is scoped to one organisation. Authenticate with "
        "`Authorization: Bearer <token>` (create one with `openisms token create` or on the "
        "API tokens page). Edits of versioned records need the version edited: `If-Match` "
        "(stale → 412) or a `version` field (stale → 409)."
    ),
    urls_namespace="api",
    throttle=[AnonRateThrottle("60/m")],
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/", catalog_router)
api.add_router("/", assets_router)
api.add_router("/", risks_io_router)  # before /risks/{risk_id}/
api.add_router("/", risks_router)
api.add_router("/", controls_router)
api.add_router("/", evidence_router)
api.add_router("/", evidence_request_router)
api.add_router("/", soa_io_router)  # exports, before the SoA's other routes
api.add_router("/", soa_router)
api.add_router("/", governance_router)
api.add_router("/", documents_router)
api.add_router("/", improvement_router)
api.add_router("/", incidents_router)
api.add_router("/", objectives_router)
api.add_router("/", people_router)
api.add_router("/", audits_router)
api.add_router("/", reviews_router)
api.add_router("/", readiness_router)
api.add_router("/", auditpack_router)
api.add_router("/", pdca_router)
