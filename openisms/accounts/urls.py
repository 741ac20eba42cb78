from django.urls import path

from openisms.accounts import views

app_name = "accounts"

urlpatterns = [
    path("o/<slug:org_slug>/members/", views.MemberListView.as_view(), name="member_list"),
    path("o/<slug:org_slug>/members/add/", views.MemberAddView.as_view(), name="member_add"),
    path(
        "o/<slug:org_slug>/members/<int:pk>/role/",
        views.MemberRoleView.as_view(),
        name="member_role",
    ),
    path(
        "o/<slug:org_slug>/members/<int:pk>/remove/",
        views.MemberRemoveView.as_view(),
        name="member_remove",
    ),
    path(
        "o/<slug:org_slug>/settings/",
        views.OrganizationSettingsView.as_view(),
        name="organization_settings",
    ),
    path("o/<slug:org_slug>/tokens/", views.TokenListView.as_view(), name="token_list"),
    path(
        "o/<slug:org_slug>/tokens/<int:pk>/revoke/",
        views.TokenRevokeView.as_view(),
        name="token_revoke",
    ),
]
