"""Demo content: apps register what they add to a freshly created demo organisation (in
``AppConfig.ready``); ``openisms demo`` runs the hooks in registration order. Each hook must be
idempotent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_hooks: dict[str, Callable[..., object]] = {}


def register(name: str, hook: Callable[..., object]) -> None:
    _hooks[name] = hook


def run(*, organization: Any, owner: Any, colleagues: dict[str, Any], full: bool) -> None:
    """``full``: the showcase organisation (a realistic register); otherwise the basics."""
    for hook in _hooks.values():
        hook(organization=organization, owner=owner, colleagues=colleagues, full=full)
