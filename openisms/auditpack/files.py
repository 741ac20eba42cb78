"""Where built packs live: ``OPENISMS_AUDIT_PACK_ROOT`` (default ``<data dir>/audit-packs``),
outside the web root. A pack row stores only a file name relative to it; ``path_for`` refuses
anything that would leave the directory."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def root() -> Path:
    configured = getattr(settings, "OPENISMS_AUDIT_PACK_ROOT", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "audit-packs"


def path_for(file_name: str) -> Path:
    if not FILE_NAME.fullmatch(file_name) or ".." in file_name:
        raise ValueError(f"not a pack file name: {file_name!r}")
    return root() / file_name


def file_name_for(organization_id: int, pack_id: int) -> str:
    return f"org{organization_id}-pack{pack_id}.zip"
