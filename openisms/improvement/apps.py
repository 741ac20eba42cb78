from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "openisms.improvement"
    label = "improvement"
