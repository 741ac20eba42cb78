from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "openisms.risks"
    label = "risks"
    verbose_name = "Risk management"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core import startup
        from openisms.core.nav import NavItem, register
        from openisms.risks import method_nav
        from openisms.risks.services import load_threat_catalog

        startup.register("risks.threat_catalog", load_threat_catalog)
        from openisms.core import demo
        from openisms.risks.demo import demo_hook

        demo.register("risks.register", demo_hook)
        register(NavItem("risks", _("Risk register"), "risks:risk_list", "risks.view_risk", 10))
        register(NavItem("heatmap", _("Heat maps"), "risks:heatmap", "risks.view_risk", 11))
        register(
            NavItem("treatment", _("Treatment plan"), "risks:treatment_plan", "risks.view_risk", 12)
        )
        method_nav.register_nav()
