from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """No self-service sign-up: accounts are created by an organisation's owner or the CLI."""

    def is_open_for_signup(self, request: Any) -> bool:
        return False
