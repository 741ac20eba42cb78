from typing import Any

from django.apps import AppConfig


def _demo_hook(**kwargs: Any) -> None:
    from openisms.incidents.demo import demo_hook

    demo_hook(**kwargs)


class IncidentsConfig(AppConfig):
    name = "openisms.incidents"
    label = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core import demo
        from openisms.core.nav import NavItem, register

        demo.register("incidents.incidents", _demo_hook)
        register(
            NavItem(
                "incidents",
                _("Incidents"),
                "incidents:incident_list",
                "incidents.view_incident",
                61,
            )
        )
