from django.urls import path

from openisms.risks import method_views as views

app_name = "riskmethod"

urlpatterns = [
    path("o/<slug:org_slug>/risk-method/", views.MethodologyView.as_view(), name="methodology"),
    path(
        "o/<slug:org_slug>/risk-method/preset/",
        views.MethodologyPresetView.as_view(),
        name="methodology_preset",
    ),
    path(
        "o/<slug:org_slug>/risk-method/edit/",
        views.MethodologyEditView.as_view(),
        name="methodology_edit",
    ),
    path("o/<slug:org_slug>/risk-method/runs/", views.RunListView.as_view(), name="run_list"),
    path(
        "o/<slug:org_slug>/risk-method/runs/start/",
        views.RunStartView.as_view(),
        name="run_start",
    ),
    path(
        "o/<slug:org_slug>/risk-method/runs/compare/",
        views.RunCompareView.as_view(),
        name="run_compare",
    ),
    path(
        "o/<slug:org_slug>/risk-method/runs/<int:pk>/",
        views.RunDetailView.as_view(),
        name="run_detail",
    ),
    path(
        "o/<slug:org_slug>/risk-method/runs/<int:pk>/complete/",
        views.RunCompleteView.as_view(),
        name="run_complete",
    ),
]
