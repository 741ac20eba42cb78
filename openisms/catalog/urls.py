from django.urls import path

from openisms.catalog import views

app_name = "catalog"

urlpatterns = [
    path("o/<slug:org_slug>/frameworks/", views.FrameworkListView.as_view(), name="framework_list"),
    path(
        "o/<slug:org_slug>/frameworks/import/",
        views.LibraryImportView.as_view(),
        name="library_import",
    ),
    path(
        "o/<slug:org_slug>/frameworks/<int:pk>/",
        views.FrameworkDetailView.as_view(),
        name="framework_detail",
    ),
    path(
        "o/<slug:org_slug>/frameworks/<int:pk>/adopt/",
        views.FrameworkAdoptView.as_view(),
        name="framework_adopt",
    ),
    path(
        "o/<slug:org_slug>/frameworks/<int:pk>/export/",
        views.FrameworkExportView.as_view(),
        name="framework_export",
    ),
    path(
        "o/<slug:org_slug>/frameworks/<int:pk>/requirements/<int:node_pk>/",
        views.RequirementDetailView.as_view(),
        name="requirement_detail",
    ),
]
