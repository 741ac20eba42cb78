from django.urls import path

from openisms.objectives import views

app_name = "objectives"

P = "o/<slug:org_slug>/objectives/"

urlpatterns = [
    path(P, views.ObjectiveListView.as_view(), name="objective_list"),
    path(f"{P}export/", views.ObjectiveExportView.as_view(), name="objective_export"),
    path(f"{P}new/", views.ObjectiveCreateView.as_view(), name="objective_create"),
    path(f"{P}<int:pk>/", views.ObjectiveDetailView.as_view(), name="objective_detail"),
    path(f"{P}<int:pk>/edit/", views.ObjectiveEditView.as_view(), name="objective_edit"),
    path(f"{P}<int:pk>/delete/", views.ObjectiveDeleteView.as_view(), name="objective_delete"),
    path(f"{P}metrics/", views.MetricListView.as_view(), name="metric_list"),
    path(f"{P}metrics/export/", views.MetricExportView.as_view(), name="metric_export"),
    path(
        f"{P}metrics/measurements/export/",
        views.MeasurementExportView.as_view(),
        name="measurement_export",
    ),
    path(f"{P}metrics/new/", views.MetricCreateView.as_view(), name="metric_create"),
    path(f"{P}metrics/<int:pk>/", views.MetricDetailView.as_view(), name="metric_detail"),
    path(f"{P}metrics/<int:pk>/edit/", views.MetricEditView.as_view(), name="metric_edit"),
    path(f"{P}metrics/<int:pk>/delete/", views.MetricDeleteView.as_view(), name="metric_delete"),
    path(
        f"{P}metrics/<int:pk>/measurements/",
        views.MeasurementCreateView.as_view(),
        name="measurement_create",
    ),
]
