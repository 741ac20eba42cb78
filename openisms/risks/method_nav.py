"""Navigation entries for the risk methodology pages and the threat and vulnerability catalogue
(called from ``RisksConfig.ready``)."""

from __future__ import annotations


def register_nav() -> None:
    """Idempotent: ``core.nav.register`` replaces an item with the same key."""
    from django.utils.translation import gettext_lazy as _

    from openisms.core.nav import NavItem, register

    register(
        NavItem("methodology", _("Risk method"), "riskmethod:methodology", "risks.view_risk", 13)
    )
    register(
        NavItem(
            "threats",
            _("Threats and vulnerabilities"),
            "risks:threat_catalog",
            "risks.view_risk",
            14,
        )
    )
