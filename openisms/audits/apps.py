from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "openisms.audits"
    label = "audits"
    verbose_name = "Internal audit"
