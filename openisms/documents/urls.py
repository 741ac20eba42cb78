from django.urls import path

from openisms.documents import views

app_name = "documents"

P = "o/<slug:org_slug>/documents/"

urlpatterns = [
    path(P, views.DocumentListView.as_view(), name="document_list"),
    path(f"{P}export/", views.DocumentExportView.as_view(), name="document_export"),
    path(f"{P}new/", views.DocumentCreateView.as_view(), name="document_create"),
    path(
        f"{P}risk-methodology/",
        views.MethodologyGenerateView.as_view(),
        name="methodology_generate",
    ),
    path(f"{P}<int:pk>/", views.DocumentDetailView.as_view(), name="document_detail"),
    path(f"{P}<int:pk>/edit/", views.DocumentEditView.as_view(), name="document_edit"),
    path(f"{P}<int:pk>/delete/", views.DocumentDeleteView.as_view(), name="document_delete"),
    path(f"{P}<int:pk>/draft/", views.DraftEditView.as_view(), name="draft_edit"),
    path(f"{P}<int:pk>/draft/new/", views.DraftStartView.as_view(), name="draft_start"),
    path(
        f"{P}<int:pk>/transition/",
        views.DocumentTransitionView.as_view(),
        name="document_transition",
    ),
    path(f"{P}<int:pk>/approve/", views.DocumentApproveView.as_view(), name="document_approve"),
    path(
        f"{P}<int:pk>/versions/<int:version_pk>/",
        views.VersionDetailView.as_view(),
        name="version_detail",
    ),
    path(
        f"{P}<int:pk>/versions/<int:version_pk>/download/",
        views.VersionDownloadView.as_view(),
        name="version_download",
    ),
]
