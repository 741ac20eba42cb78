from django.apps import AppConfig

from openisms.core.nav import NavItem


class CoreConfig(AppConfig):
    name = "openisms.core"
    label = "core"
    verbose_name = "OpenISMS core"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core import nav

        nav.register(
            NavItem("dashboard", _("Dashboard"), "core:dashboard", "core.view_organization", 0)
        )
        nav.register(
            NavItem(
                "auditlog",
                _("Audit trail"),
                "core:auditlog",
                "core.view_auditlog",
                900,
                _("Administration"),
            )
        )
