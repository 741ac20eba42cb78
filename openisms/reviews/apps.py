from typing import Any

from django.apps import AppConfig


def _demo_hook(**kwargs: Any) -> None:
    from openisms.reviews.demo import demo_hook

    demo_hook(**kwargs)


class ReviewsConfig(AppConfig):
    name = "openisms.reviews"
    label = "reviews"
    verbose_name = "Management review"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core import demo
        from openisms.core.nav import NavItem, register

        demo.register("reviews.management_review", _demo_hook)
        register(
            NavItem(
                "management_review",
                _("Management review"),
                "reviews:review_list",
                "reviews.view_review",
                70,
            )
        )
