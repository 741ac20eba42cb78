from django.apps import AppConfig


class AuditPackConfig(AppConfig):
    name = "openisms.auditpack"
    label = "auditpack"
    verbose_name = "Audit pack"
