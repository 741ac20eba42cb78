from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "openisms.people"
    label = "people"
