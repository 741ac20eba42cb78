from django.apps import AppConfig


class ObjectivesConfig(AppConfig):
    name = "openisms.objectives"
    label = "objectives"
