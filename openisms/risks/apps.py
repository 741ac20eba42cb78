from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "openisms.risks"
    label = "risks"
    verbose_name = "Risk management"

    def ready(self) -> None:
        from openisms.core import startup
        from openisms.risks.services import load_threat_catalog

        startup.register("risks.threat_catalog", load_threat_catalog)
