"""Human references unique per organisation and never reused: ``R-001``, ``A-042``."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from openisms.core.models import RefCounter


def next_ref(organization: Any, prefix: str, *, width: int = 3) -> str:
    """The next reference for ``prefix`` in the organisation (locks the counter row)."""
    with transaction.atomic():
        counter, _ = RefCounter.objects.select_for_update().get_or_create(
            organization=organization, key=prefix
        )
        counter.last += 1
        counter.save(update_fields=["last"])
        return f"{prefix}-{counter.last:0{width}d}"


def reserve_ref(organization: Any, prefix: str, ref: str) -> None:
    """A reference given explicitly (an import): move the counter past it, so later
    generated references never collide with it."""
    match = re.fullmatch(rf"{re.escape(prefix)}-(\d+)", ref)
    if not match:
        return
    number = int(match.group(1))
    with transaction.atomic():
        counter, _ = RefCounter.objects.select_for_update().get_or_create(
            organization=organization, key=prefix
        )
        if number > counter.last:
            counter.last = number
            counter.save(update_fields=["last"])


def next_refs(organization: Any, prefix: str, count: int, *, width: int = 3) -> list[str]:
    """``count`` consecutive new references in one locked step."""
    if count <= 0:
        return []
    with transaction.atomic():
        counter, _ = RefCounter.objects.select_for_update().get_or_create(
            organization=organization, key=prefix
        )
        first = counter.last + 1
        counter.last += count
        counter.save(update_fields=["last"])
    return [f"{prefix}-{n:0{width}d}" for n in range(first, first + count)]
