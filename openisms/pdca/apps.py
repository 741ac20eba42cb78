from django.apps import AppConfig


class PdcaConfig(AppConfig):
    name = "openisms.pdca"
    label = "pdca"
    verbose_name = "PDCA calendar and reminders"
