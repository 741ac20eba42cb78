"""Navigation of the organisation shell. Each app registers its areas in its ``AppConfig.ready``
with the permission needed to see them; the layout shows what the user's role allows."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str  # reversed with the organisation slug
    permission: str
    order: int = 100
    section: str | Promise = ""


_items: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _items[item.key] = item


def items() -> list[NavItem]:
    return sorted(_items.values(), key=lambda i: (i.order, i.key))
