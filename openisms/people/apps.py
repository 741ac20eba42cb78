from typing import Any

from django.apps import AppConfig


def _demo_hook(**kwargs: Any) -> None:
    from openisms.people.demo import demo_hook

    demo_hook(**kwargs)


class PeopleConfig(AppConfig):
    name = "openisms.people"
    label = "people"
    verbose_name = "Leadership and support"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core import demo
        from openisms.core.nav import NavItem, register

        demo.register("people.people", _demo_hook)
        register(
            NavItem("people", _("Roles and people"), "people:role_list", "people.view_people", 47)
        )
