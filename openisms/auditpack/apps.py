from django.apps import AppConfig


class AuditPackConfig(AppConfig):
    name = "openisms.auditpack"
    label = "auditpack"
    verbose_name = "Audit pack"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.core.nav import NavItem, register

        register(
            NavItem(
                "audit_pack",
                _("Audit pack"),
                "auditpack:pack_list",
                "readiness.build_audit_pack",
                75,
            )
        )
