from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "openisms.incidents"
    label = "incidents"
