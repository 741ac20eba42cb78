from django.urls import path

from openisms.soa import views

app_name = "soa"
P = "o/<slug:org_slug>/soa/"
urlpatterns = [
    path(P, views.SoaIndexView.as_view(), name="soa_index"),
    path(f"{P}<int:pk>/", views.SoaDetailView.as_view(), name="soa_detail"),
    path(f"{P}<int:pk>/settings/", views.SoaSettingsView.as_view(), name="soa_settings"),
    path(f"{P}<int:pk>/approve/", views.SoaApproveView.as_view(), name="soa_approve"),
    path(f"{P}<int:pk>/compare/", views.CompareView.as_view(), name="soa_compare"),
    path(
        f"{P}<int:pk>/versions/<int:number>/",
        views.VersionDetailView.as_view(),
        name="version_detail",
    ),
    path(f"{P}rows/<int:pk>/", views.EntryEditView.as_view(), name="entry_edit"),
]

from openisms.soa.export_urls import urlpatterns as export_patterns  # noqa: E402

urlpatterns += export_patterns
