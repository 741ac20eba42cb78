from django.urls import path

from openisms.readiness import views

app_name = "readiness"

P = "o/<slug:org_slug>/readiness/"

urlpatterns = [
    path(P, views.ReadinessView.as_view(), name="readiness"),
    path(f"{P}rules/", views.RuleListView.as_view(), name="rule_list"),
    path(f"{P}report/", views.ReportView.as_view(), name="report"),
]
