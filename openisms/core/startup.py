"""Work to do once before serving (after migrations): apps register it in ``AppConfig.ready``,
``openisms serve`` and ``openisms demo`` run it. Each hook must be idempotent and quick when
there is nothing to do."""

from __future__ import annotations

from collections.abc import Callable

_hooks: dict[str, Callable[[], object]] = {}


def register(name: str, hook: Callable[[], object]) -> None:
    _hooks[name] = hook


def run() -> None:
    for hook in _hooks.values():
        hook()
