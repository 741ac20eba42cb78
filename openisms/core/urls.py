from django.urls import path

from openisms.core import views

app_name = "core"

urlpatterns = [
    path("o/<slug:org_slug>/", views.DashboardView.as_view(), name="dashboard"),
    path("o/<slug:org_slug>/audit/", views.AuditEventListView.as_view(), name="auditlog"),
]
