from django.urls import path

from openisms.assets import import_views, views

app_name = "assets"

urlpatterns = [
    path("o/<slug:org_slug>/assets/", views.AssetListView.as_view(), name="asset_list"),
    path("o/<slug:org_slug>/assets/new/", views.AssetCreateView.as_view(), name="asset_create"),
    path(
        "o/<slug:org_slug>/assets/import/",
        import_views.AssetImportView.as_view(),
        name="asset_import",
    ),
    path(
        "o/<slug:org_slug>/assets/classification/",
        views.ClassificationView.as_view(),
        name="classification",
    ),
    path(
        "o/<slug:org_slug>/assets/classification/add/",
        views.ClassificationAddView.as_view(),
        name="classification_add",
    ),
    path(
        "o/<slug:org_slug>/assets/classification/default/",
        views.ClassificationDefaultView.as_view(),
        name="classification_default",
    ),
    path(
        "o/<slug:org_slug>/assets/<int:pk>/", views.AssetDetailView.as_view(), name="asset_detail"
    ),
    path(
        "o/<slug:org_slug>/assets/<int:pk>/edit/", views.AssetEditView.as_view(), name="asset_edit"
    ),
    path(
        "o/<slug:org_slug>/assets/<int:pk>/delete/",
        views.AssetDeleteView.as_view(),
        name="asset_delete",
    ),
]
