from django.urls import path

from openisms.controls import request_views as views

app_name = "evidence_requests"

P = "o/<slug:org_slug>/evidence-requests/"

urlpatterns = [
    path(P, views.RequestListView.as_view(), name="request_list"),
    path(f"{P}new/", views.RequestCreateView.as_view(), name="request_create"),
    path(f"{P}export/", views.RequestExportView.as_view(), name="request_export"),
    path(f"{P}<int:pk>/", views.RequestDetailView.as_view(), name="request_detail"),
    path(f"{P}<int:pk>/answer/", views.RequestAnswerView.as_view(), name="request_answer"),
    path(f"{P}<int:pk>/status/", views.RequestStatusView.as_view(), name="request_status"),
]
