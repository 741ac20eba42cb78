from django.urls import path

from openisms.improvement import views

app_name = "improvement"

P = "o/<slug:org_slug>/improvement/"

urlpatterns = [
    path(f"{P}nonconformities/", views.NcListView.as_view(), name="nc_list"),
    path(f"{P}nonconformities/export/", views.NcExportView.as_view(), name="nc_export"),
    path(f"{P}nonconformities/new/", views.NcCreateView.as_view(), name="nc_create"),
    path(f"{P}nonconformities/<int:pk>/", views.NcDetailView.as_view(), name="nc_detail"),
    path(f"{P}nonconformities/<int:pk>/edit/", views.NcEditView.as_view(), name="nc_edit"),
    path(f"{P}nonconformities/<int:pk>/delete/", views.NcDeleteView.as_view(), name="nc_delete"),
    path(
        f"{P}nonconformities/<int:pk>/status/",
        views.NcTransitionView.as_view(),
        name="nc_transition",
    ),
    path(
        f"{P}nonconformities/<int:pk>/verify/",
        views.VerificationCreateView.as_view(),
        name="verification_create",
    ),
    path(
        f"{P}nonconformities/<int:pk>/actions/new/",
        views.ActionCreateView.as_view(),
        name="action_create",
    ),
    path(f"{P}actions/", views.ActionListView.as_view(), name="action_list"),
    path(f"{P}actions/export/", views.ActionExportView.as_view(), name="action_export"),
    path(f"{P}actions/<int:pk>/edit/", views.ActionEditView.as_view(), name="action_edit"),
    path(f"{P}opportunities/", views.OpportunityListView.as_view(), name="opportunity_list"),
    path(
        f"{P}opportunities/export/",
        views.OpportunityExportView.as_view(),
        name="opportunity_export",
    ),
    path(
        f"{P}opportunities/new/", views.OpportunityCreateView.as_view(), name="opportunity_create"
    ),
    path(
        f"{P}opportunities/<int:pk>/",
        views.OpportunityDetailView.as_view(),
        name="opportunity_detail",
    ),
    path(
        f"{P}opportunities/<int:pk>/edit/",
        views.OpportunityEditView.as_view(),
        name="opportunity_edit",
    ),
    path(
        f"{P}opportunities/<int:pk>/delete/",
        views.OpportunityDeleteView.as_view(),
        name="opportunity_delete",
    ),
]
