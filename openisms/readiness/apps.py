from django.apps import AppConfig


class ReadinessConfig(AppConfig):
    name = "openisms.readiness"
    label = "readiness"
    verbose_name = "Certification readiness"
