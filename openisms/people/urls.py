from django.urls import path

from openisms.people import views

app_name = "people"

P = "o/<slug:org_slug>/people/"


def _crud(key: str, segment: str) -> list:
    return [
        path(
            f"{P}{segment}/new/",
            views.RecordFormView.as_view(kind=key),
            name=f"{key}_create",
        ),
        path(
            f"{P}{segment}/<int:pk>/edit/",
            views.RecordFormView.as_view(kind=key),
            name=f"{key}_edit",
        ),
        path(
            f"{P}{segment}/<int:pk>/delete/",
            views.RecordDeleteView.as_view(kind=key),
            name=f"{key}_delete",
        ),
        path(
            f"{P}{segment}/export/",
            getattr(views, f"{key.title()}ExportView").as_view(),
            name=f"{key}_export",
        ),
    ]


urlpatterns = [
    path(f"{P}roles/", views.RoleListView.as_view(), name="role_list"),
    path(f"{P}roles/<int:pk>/", views.RoleDetailView.as_view(), name="role_detail"),
    *_crud("role", "roles"),
    path(f"{P}processes/", views.ProcessListView.as_view(), name="process_list"),
    *_crud("process", "processes"),
    path(f"{P}competences/", views.CompetenceListView.as_view(), name="competence_list"),
    path(f"{P}competences/gaps/", views.CompetenceGapsView.as_view(), name="competence_gaps"),
    path(f"{P}competences/gaps/export/", views.GapExportView.as_view(), name="gap_export"),
    *_crud("competence", "competences"),
    path(f"{P}training/", views.TrainingListView.as_view(), name="training_list"),
    *_crud("training", "training"),
    path(f"{P}campaigns/", views.CampaignListView.as_view(), name="campaign_list"),
    *_crud("campaign", "campaigns"),
    path(f"{P}communication/", views.CommunicationListView.as_view(), name="communication_list"),
    *_crud("communication", "communication"),
]
