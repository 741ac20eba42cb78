from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "openisms.assets"
    label = "assets"
    verbose_name = "Asset inventory"
