from django.urls import path

from openisms.risks import catalog_views, export_views, import_views, views

app_name = "risks"

P = "o/<slug:org_slug>/risks/"

urlpatterns = [
    path(P, views.RiskListView.as_view(), name="risk_list"),
    path(f"{P}new/", views.RiskCreateView.as_view(), name="risk_create"),
    path(f"{P}heatmap/", views.HeatmapView.as_view(), name="heatmap"),
    path(f"{P}export/", export_views.RiskExportView.as_view(), name="risk_export"),
    path(f"{P}import/", import_views.RiskImportView.as_view(), name="risk_import"),
    path(f"{P}treatment-plan/", views.TreatmentPlanView.as_view(), name="treatment_plan"),
    path(f"{P}threats/", catalog_views.CatalogView.as_view(), name="threat_catalog"),
    path(f"{P}threats/new/", catalog_views.ThreatCreateView.as_view(), name="threat_create"),
    path(f"{P}threats/<int:pk>/edit/", catalog_views.ThreatEditView.as_view(), name="threat_edit"),
    path(
        f"{P}threats/<int:pk>/delete/",
        catalog_views.ThreatDeleteView.as_view(),
        name="threat_delete",
    ),
    path(
        f"{P}vulnerabilities/new/",
        catalog_views.VulnerabilityCreateView.as_view(),
        name="vulnerability_create",
    ),
    path(
        f"{P}vulnerabilities/<int:pk>/edit/",
        catalog_views.VulnerabilityEditView.as_view(),
        name="vulnerability_edit",
    ),
    path(
        f"{P}vulnerabilities/<int:pk>/delete/",
        catalog_views.VulnerabilityDeleteView.as_view(),
        name="vulnerability_delete",
    ),
    path(f"{P}<int:pk>/", views.RiskDetailView.as_view(), name="risk_detail"),
    path(f"{P}<int:pk>/edit/", views.RiskEditView.as_view(), name="risk_edit"),
    path(f"{P}<int:pk>/assess/", views.RiskAssessView.as_view(), name="risk_assess"),
    path(f"{P}<int:pk>/treatment/", views.RiskTreatmentView.as_view(), name="risk_treatment"),
    path(f"{P}<int:pk>/transition/", views.RiskTransitionView.as_view(), name="risk_transition"),
    path(f"{P}<int:pk>/accept/", views.RiskAcceptView.as_view(), name="risk_accept"),
    path(f"{P}<int:pk>/actions/", views.ActionCreateView.as_view(), name="action_create"),
    path(f"{P}actions/<int:pk>/", views.ActionUpdateView.as_view(), name="action_update"),
]
