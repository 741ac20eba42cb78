from typing import Any

from django.apps import AppConfig


def _demo_hook(**kwargs: Any) -> None:
    from openisms.controls.demo import demo_hook

    demo_hook(**kwargs)


class ControlsConfig(AppConfig):
    name = "openisms.controls"
    label = "controls"
    verbose_name = "Controls and evidence"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core import demo
        from openisms.core.nav import NavItem, register

        demo.register("controls.controls", _demo_hook)
        register(
            NavItem("controls", _("Controls"), "controls:control_list", "controls.view_control", 31)
        )
        register(
            NavItem(
                "evidence", _("Evidence"), "evidence:evidence_list", "controls.view_control", 32
            )
        )
        register(
            NavItem(
                "evidence_requests",
                _("Evidence requests"),
                "evidence_requests:request_list",
                "controls.view_control",
                42,
            )
        )
