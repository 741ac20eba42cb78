from django.urls import include, path

from openisms.api import api
from openisms.core import views as core_views

urlpatterns = [
    path("", core_views.HomeView.as_view(), name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("", include("openisms.core.urls")),
    path("", include("openisms.accounts.urls")),
    path("", include("openisms.catalog.urls")),
    path("", include("openisms.risks.urls")),
    path("", include("openisms.assets.urls")),
    path("", include("openisms.risks.method_urls")),
    path("", include("openisms.controls.urls")),
    path("", include("openisms.controls.evidence_urls")),
    path("", include("openisms.controls.request_urls")),
    path("", include("openisms.soa.urls")),
    path("", include("openisms.governance.urls")),
    path("", include("openisms.documents.urls")),
    path("", include("openisms.improvement.urls")),
    path("", include("openisms.incidents.urls")),
    path("", include("openisms.objectives.urls")),
    path("", include("openisms.people.urls")),
    path("", include("openisms.audits.urls")),
    path("", include("openisms.reviews.urls")),
    path("", include("openisms.readiness.urls")),
    path("", include("openisms.auditpack.urls")),
    path("", include("openisms.pdca.urls")),
]
