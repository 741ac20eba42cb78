from django.urls import path

from openisms.audits import views

app_name = "audits"

P = "o/<slug:org_slug>/audits/"

urlpatterns = [
    path(f"{P}", views.AuditListView.as_view(), name="audit_list"),
    path(f"{P}export/", views.AuditExportView.as_view(), name="audit_export"),
    path(f"{P}findings/export/", views.FindingExportView.as_view(), name="finding_export"),
    path(f"{P}new/", views.AuditFormView.as_view(), name="audit_create"),
    path(f"{P}<int:pk>/", views.AuditDetailView.as_view(), name="audit_detail"),
    path(f"{P}<int:pk>/edit/", views.AuditFormView.as_view(), name="audit_edit"),
    path(f"{P}<int:pk>/delete/", views.AuditDeleteView.as_view(), name="audit_delete"),
    path(f"{P}<int:pk>/status/", views.AuditTransitionView.as_view(), name="audit_transition"),
    path(f"{P}<int:pk>/report/", views.AuditReportView.as_view(), name="audit_report"),
    path(
        f"{P}<int:pk>/items/<int:item_pk>/record/",
        views.ItemRecordView.as_view(),
        name="item_record",
    ),
    path(
        f"{P}<int:pk>/items/<int:item_pk>/nonconformity/",
        views.ItemRaiseView.as_view(),
        name="item_raise",
    ),
    path(f"{P}programmes/", views.ProgrammeListView.as_view(), name="programme_list"),
    path(f"{P}programmes/new/", views.ProgrammeFormView.as_view(), name="programme_create"),
    path(f"{P}programmes/<int:pk>/", views.ProgrammeDetailView.as_view(), name="programme_detail"),
    path(f"{P}programmes/<int:pk>/edit/", views.ProgrammeFormView.as_view(), name="programme_edit"),
    path(
        f"{P}programmes/<int:pk>/delete/",
        views.ProgrammeDeleteView.as_view(),
        name="programme_delete",
    ),
]
