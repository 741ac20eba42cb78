from typing import Any

from django.apps import AppConfig


def _demo_hook(**kwargs: Any) -> None:
    from openisms.governance.demo import demo_hook

    demo_hook(**kwargs)


class GovernanceConfig(AppConfig):
    name = "openisms.governance"
    label = "governance"
    verbose_name = "Context, interested parties and scope"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core import demo
        from openisms.core.nav import NavItem, register

        demo.register("governance.context", _demo_hook)
        register(
            NavItem(
                "context",
                _("Context and scope"),
                "governance:issue_list",
                "governance.view_governance",
                5,
            )
        )
        register(
            NavItem(
                "obligations",
                _("Obligations"),
                "governance:obligation_list",
                "governance.view_governance",
                6,
            )
        )
