from django.apps import AppConfig


class SoaConfig(AppConfig):
    name = "openisms.soa"
    label = "soa"
    verbose_name = "Statement of Applicability"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core import demo
        from openisms.core.nav import NavItem, register
        from openisms.soa.demo import demo_hook

        demo.register("soa.statement", demo_hook)

        register(
            NavItem("soa", _("Statement of Applicability"), "soa:soa_index", "soa.view_soa", 30)
        )
