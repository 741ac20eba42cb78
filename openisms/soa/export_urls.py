"""URLs of the SoA exports, included into ``openisms.soa.urls`` (namespace "soa")."""

from django.urls import path

from openisms.soa import export_views

urlpatterns = [
    path(
        "o/<slug:org_slug>/soa/<int:pk>/export/",
        export_views.SoaExportView.as_view(),
        name="soa_export",
    ),
]
