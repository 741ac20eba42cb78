from typing import Any

from django.apps import AppConfig


def _demo_hook(**kwargs: Any) -> None:
    from openisms.improvement.demo import demo_hook

    demo_hook(**kwargs)


class ImprovementConfig(AppConfig):
    name = "openisms.improvement"
    label = "improvement"
    verbose_name = "Nonconformities and improvement"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core import demo
        from openisms.core.nav import NavItem, register

        demo.register("improvement.nonconformities", _demo_hook)
        register(
            NavItem(
                "nonconformities",
                _("Nonconformities"),
                "improvement:nc_list",
                "improvement.view_improvement",
                60,
            )
        )
