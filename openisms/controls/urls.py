from django.urls import path

from openisms.controls import views

app_name = "controls"

P = "o/<slug:org_slug>/controls/"

urlpatterns = [
    path(P, views.ControlListView.as_view(), name="control_list"),
    path(f"{P}new/", views.ControlCreateView.as_view(), name="control_create"),
    path(f"{P}coverage/", views.CoverageView.as_view(), name="coverage"),
    path(f"{P}<int:pk>/", views.ControlDetailView.as_view(), name="control_detail"),
    path(f"{P}<int:pk>/edit/", views.ControlEditView.as_view(), name="control_edit"),
    path(f"{P}<int:pk>/delete/", views.ControlDeleteView.as_view(), name="control_delete"),
    path(f"{P}<int:pk>/tests/new/", views.ControlTestCreateView.as_view(), name="test_create"),
    path(f"{P}tests/<int:pk>/edit/", views.ControlTestEditView.as_view(), name="test_edit"),
    path(f"{P}tests/<int:pk>/delete/", views.ControlTestDeleteView.as_view(), name="test_delete"),
    path(f"{P}tests/<int:pk>/runs/", views.RunCreateView.as_view(), name="run_create"),
]
