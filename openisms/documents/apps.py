from typing import Any

from django.apps import AppConfig


def _demo_hook(**kwargs: Any) -> None:
    from openisms.documents.demo import demo_hook

    demo_hook(**kwargs)


class DocumentsConfig(AppConfig):
    name = "openisms.documents"
    label = "documents"
    verbose_name = "Documents"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core import demo
        from openisms.core.nav import NavItem, register

        demo.register("documents.documents", _demo_hook)
        register(
            NavItem(
                "documents",
                _("Documents"),
                "documents:document_list",
                "documents.view_document",
                55,
            )
        )
