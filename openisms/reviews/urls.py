from django.urls import path

from openisms.reviews import views

app_name = "reviews"

P = "o/<slug:org_slug>/management-review/"

urlpatterns = [
    path(P, views.ReviewListView.as_view(), name="review_list"),
    path(f"{P}export/", views.ReviewExportView.as_view(), name="review_export"),
    path(f"{P}new/", views.ReviewCreateView.as_view(), name="review_create"),
    path(f"{P}<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
    path(f"{P}<int:pk>/edit/", views.ReviewEditView.as_view(), name="review_edit"),
    path(f"{P}<int:pk>/delete/", views.ReviewDeleteView.as_view(), name="review_delete"),
    path(
        f"{P}<int:pk>/prepare/",
        views.ReviewStepView.as_view(step="prepare"),
        name="review_prepare",
    ),
    path(
        f"{P}<int:pk>/recompile/",
        views.ReviewStepView.as_view(step="recompile"),
        name="review_recompile",
    ),
    path(f"{P}<int:pk>/hold/", views.ReviewStepView.as_view(step="hold"), name="review_hold"),
    path(f"{P}<int:pk>/close/", views.ReviewStepView.as_view(step="close"), name="review_close"),
    path(f"{P}<int:pk>/minutes/", views.ReviewMinutesView.as_view(), name="review_minutes"),
    path(
        f"{P}<int:pk>/decisions/new/",
        views.DecisionCreateView.as_view(),
        name="decision_create",
    ),
    path(f"{P}decisions/", views.DecisionListView.as_view(), name="decision_list"),
    path(f"{P}decisions/export/", views.DecisionExportView.as_view(), name="decision_export"),
    path(f"{P}decisions/<int:pk>/", views.DecisionDetailView.as_view(), name="decision_detail"),
    path(f"{P}decisions/<int:pk>/edit/", views.DecisionEditView.as_view(), name="decision_edit"),
    path(
        f"{P}decisions/<int:pk>/progress/",
        views.DecisionProgressView.as_view(),
        name="decision_progress",
    ),
    path(
        f"{P}decisions/<int:pk>/delete/",
        views.DecisionDeleteView.as_view(),
        name="decision_delete",
    ),
    path(
        f"{P}decisions/<int:pk>/objective/",
        views.DecisionLinkView.as_view(target="objective"),
        name="decision_objective",
    ),
    path(
        f"{P}decisions/<int:pk>/opportunity/",
        views.DecisionLinkView.as_view(target="opportunity"),
        name="decision_opportunity",
    ),
]
