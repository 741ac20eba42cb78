from django.urls import path

from openisms.governance import views

app_name = "governance"

P = "o/<slug:org_slug>/"

urlpatterns = [
    path(f"{P}context/issues/", views.IssueListView.as_view(), name="issue_list"),
    path(f"{P}context/issues/export/", views.IssueExportView.as_view(), name="issue_export"),
    path(f"{P}context/issues/new/", views.IssueCreateView.as_view(), name="issue_create"),
    path(f"{P}context/issues/<int:pk>/", views.IssueDetailView.as_view(), name="issue_detail"),
    path(f"{P}context/issues/<int:pk>/edit/", views.IssueEditView.as_view(), name="issue_edit"),
    path(
        f"{P}context/issues/<int:pk>/delete/", views.IssueDeleteView.as_view(), name="issue_delete"
    ),
    path(f"{P}context/parties/", views.PartyListView.as_view(), name="party_list"),
    path(f"{P}context/parties/export/", views.PartyExportView.as_view(), name="party_export"),
    path(f"{P}context/parties/new/", views.PartyCreateView.as_view(), name="party_create"),
    path(f"{P}context/parties/<int:pk>/", views.PartyDetailView.as_view(), name="party_detail"),
    path(f"{P}context/parties/<int:pk>/edit/", views.PartyEditView.as_view(), name="party_edit"),
    path(
        f"{P}context/parties/<int:pk>/delete/",
        views.PartyDeleteView.as_view(),
        name="party_delete",
    ),
    path(f"{P}obligations/", views.ObligationListView.as_view(), name="obligation_list"),
    path(f"{P}obligations/export/", views.ObligationExportView.as_view(), name="obligation_export"),
    path(f"{P}obligations/new/", views.ObligationCreateView.as_view(), name="obligation_create"),
    path(
        f"{P}obligations/<int:pk>/",
        views.ObligationDetailView.as_view(),
        name="obligation_detail",
    ),
    path(
        f"{P}obligations/<int:pk>/edit/", views.ObligationEditView.as_view(), name="obligation_edit"
    ),
    path(
        f"{P}obligations/<int:pk>/delete/",
        views.ObligationDeleteView.as_view(),
        name="obligation_delete",
    ),
    path(f"{P}context/scope/", views.ScopeView.as_view(), name="scope"),
    path(f"{P}context/scope/edit/", views.ScopeEditView.as_view(), name="scope_edit"),
    path(f"{P}context/scope/approve/", views.ScopeApproveView.as_view(), name="scope_approve"),
    path(f"{P}context/scope/compare/", views.ScopeCompareView.as_view(), name="scope_compare"),
    path(f"{P}context/scope/export/", views.ScopeExportView.as_view(), name="scope_export"),
    path(
        f"{P}context/scope/versions/<int:pk>/",
        views.ScopeVersionView.as_view(),
        name="scope_version",
    ),
]
