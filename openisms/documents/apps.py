from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "openisms.documents"
    label = "documents"
