"""Template helpers for the risk pages."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()

_UNSAFE = re.compile(r"[^a-z0-9_-]")


@register.simple_tag
def level_badge(level: dict[str, Any] | None) -> str:
    """A risk level as a badge: ``level level-<key>`` (app.css colours the preset keys low,
    medium, high and critical; any other key is a neutral badge). ``None``: not assessed."""
    if not level or not level.get("key"):
        return format_html('<span class="level level-none">{}</span>', _("not assessed"))
    css = _UNSAFE.sub("", str(level["key"]).lower())
    return format_html(
        '<span class="level level-{}">{}</span>', css, level.get("name") or level["key"]
    )
