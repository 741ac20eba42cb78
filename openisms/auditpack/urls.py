from django.urls import path

from openisms.auditpack import views

app_name = "auditpack"

P = "o/<slug:org_slug>/audit-pack/"

urlpatterns = [
    path(P, views.PackListView.as_view(), name="pack_list"),
    path(f"{P}<int:pk>/", views.PackDetailView.as_view(), name="pack_detail"),
    path(f"{P}<int:pk>/download/", views.PackDownloadView.as_view(), name="pack_download"),
]
