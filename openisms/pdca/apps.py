from django.apps import AppConfig


class PdcaConfig(AppConfig):
    name = "openisms.pdca"
    label = "pdca"
    verbose_name = "PDCA calendar and reminders"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core.nav import NavItem, register

        register(NavItem("my_work", _("My work"), "pdca:my_work", "pdca.view_calendar", 3))
        register(NavItem("calendar", _("Calendar"), "pdca:calendar", "pdca.view_calendar", 90))
