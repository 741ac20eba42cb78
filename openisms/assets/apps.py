from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "openisms.assets"
    label = "assets"
    verbose_name = "Asset inventory"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core.nav import NavItem, register

        register(NavItem("assets", _("Assets"), "assets:asset_list", "assets.view_asset", 20))
