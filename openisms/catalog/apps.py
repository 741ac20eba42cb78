from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "openisms.catalog"
    label = "catalog"
    verbose_name = "Framework catalog"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.catalog.services import load_shipped_content
        from openisms.core import startup
        from openisms.core.nav import NavItem, register

        startup.register("catalog.shipped_content", load_shipped_content)
        from openisms.catalog.services import demo_adopt_iso
        from openisms.core import demo

        demo.register("catalog.adopt_iso27001", demo_adopt_iso)

        register(
            NavItem(
                "catalog", _("Frameworks"), "catalog:framework_list", "catalog.view_catalog", 50
            )
        )
