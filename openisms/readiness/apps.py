from typing import Any

from django.apps import AppConfig


def _demo_hook(**kwargs: Any) -> None:
    from openisms.readiness.demo import demo_hook

    demo_hook(**kwargs)


class ReadinessConfig(AppConfig):
    name = "openisms.readiness"
    label = "readiness"
    verbose_name = "Certification readiness"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core import demo
        from openisms.core.nav import NavItem, register

        demo.register("readiness.snapshot", _demo_hook)
        register(
            NavItem(
                "readiness",
                _("Readiness"),
                "readiness:readiness",
                "readiness.view_readiness",
                4,
            )
        )
