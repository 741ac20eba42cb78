from django.urls import path

from openisms.controls import evidence_views as views

app_name = "evidence"

P = "o/<slug:org_slug>/evidence/"

urlpatterns = [
    path(P, views.EvidenceListView.as_view(), name="evidence_list"),
    path(f"{P}new/", views.EvidenceCreateView.as_view(), name="evidence_create"),
    path(f"{P}export/", views.EvidenceExportView.as_view(), name="evidence_export"),
    path(f"{P}<int:pk>/", views.EvidenceDetailView.as_view(), name="evidence_detail"),
    path(f"{P}<int:pk>/edit/", views.EvidenceEditView.as_view(), name="evidence_edit"),
    path(f"{P}<int:pk>/delete/", views.EvidenceDeleteView.as_view(), name="evidence_delete"),
    path(f"{P}<int:pk>/download/", views.EvidenceDownloadView.as_view(), name="evidence_download"),
]
