from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openisms.accounts"
    label = "accounts"
    verbose_name = "Accounts and organisations"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from openisms.accounts import checks, signals  # noqa: F401  (system check, login audit)
        from openisms.core.nav import NavItem, register

        admin = _("Administration")
        register(
            NavItem(
                "members", _("Members"), "accounts:member_list", "accounts.view_members", 910, admin
            )
        )
        register(
            NavItem(
                "tokens",
                _("API tokens"),
                "accounts:token_list",
                "accounts.use_api_tokens",
                920,
                admin,
            )
        )
        register(
            NavItem(
                "settings",
                _("Settings"),
                "accounts:organization_settings",
                "accounts.change_organization",
                930,
                admin,
            )
        )
