from __future__ import annotations

import io
import zipfile
from pathlib import Path


def colleagues(org, member):
    return {
        "manager": member(org, "manager", email="maria@acme.test"),
        "contributor": member(org, "contributor", email="carl@acme.test"),
        "auditor": member(org, "auditor", email="alex@acme.test"),
        "viewer": member(org, "viewer", email="vera@acme.test"),
    }


def rewrite(
    path: Path,
    *,
    drop: str = "",
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
) -> None:
    """Rewrite a zip with an entry dropped, replaced or added (a well-formed archive)."""
    replace = replace or {}
    entries = []
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.filename == drop:
                continue
            entries.append((info.filename, replace.get(info.filename, zf.read(info))))
    entries += list((add or {}).items())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    path.write_bytes(buf.getvalue())
