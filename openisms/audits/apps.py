from typing import Any

from django.apps import AppConfig


def _demo_hook(**kwargs: Any) -> None:
    from openisms.audits.demo import demo_hook

    demo_hook(**kwargs)


class AuditsConfig(AppConfig):
    name = "openisms.audits"
    label = "audits"
    verbose_name = "Internal audit"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core import demo
        from openisms.core.nav import NavItem, register

        demo.register("audits.internal_audit", _demo_hook)
        register(
            NavItem("audits", _("Internal audit"), "audits:audit_list", "audits.view_audit", 65)
        )
