from typing import Any

from django.apps import AppConfig


def _demo_hook(**kwargs: Any) -> None:
    from openisms.objectives.demo import demo_hook

    demo_hook(**kwargs)


class ObjectivesConfig(AppConfig):
    name = "openisms.objectives"
    label = "objectives"
    verbose_name = "Objectives and monitoring"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core import demo
        from openisms.core.nav import NavItem, register

        demo.register("objectives.objectives", _demo_hook)
        register(
            NavItem(
                "objectives",
                _("Objectives"),
                "objectives:objective_list",
                "objectives.view_objective",
                45,
            )
        )
