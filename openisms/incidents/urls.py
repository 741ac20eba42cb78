from django.urls import path

from openisms.incidents import views

app_name = "incidents"

P = "o/<slug:org_slug>/incidents/"

urlpatterns = [
    path(P, views.IncidentListView.as_view(), name="incident_list"),
    path(f"{P}export/", views.IncidentExportView.as_view(), name="incident_export"),
    path(f"{P}new/", views.IncidentCreateView.as_view(), name="incident_create"),
    path(f"{P}<int:pk>/", views.IncidentDetailView.as_view(), name="incident_detail"),
    path(f"{P}<int:pk>/edit/", views.IncidentEditView.as_view(), name="incident_edit"),
    path(f"{P}<int:pk>/delete/", views.IncidentDeleteView.as_view(), name="incident_delete"),
    path(
        f"{P}<int:pk>/status/", views.IncidentTransitionView.as_view(), name="incident_transition"
    ),
    path(f"{P}<int:pk>/timeline/", views.TimelineAddView.as_view(), name="timeline_add"),
]
