"""Uploaded library files → a private temporary folder, names reduced to a safe base name."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from openisms.catalog.data import LibraryError
from openisms.catalog.formats import SUFFIXES

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_FILES = 50


def safe_name(name: str) -> str:
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "upload"
    return base[:100]


@contextmanager
def saved_uploads(files: Sequence[UploadedFile]) -> Iterator[list[Path]]:
    if not files:
        raise LibraryError(_("Choose at least one file."))
    if len(files) > MAX_FILES:
        raise LibraryError(_("At most %d files at once.") % MAX_FILES)
    with tempfile.TemporaryDirectory(prefix="openisms-import-") as tmp:
        paths = []
        for i, upload in enumerate(files):
            name = safe_name(upload.name or "")
            if Path(name).suffix.lower() not in SUFFIXES:
                raise LibraryError(
                    _("unsupported file type (expected .yaml, .yml, .json, .csv or .xlsx)"),
                    source=name,
                )
            if (upload.size or 0) > MAX_UPLOAD_BYTES:
                raise LibraryError(
                    _("larger than %d MB") % (MAX_UPLOAD_BYTES // 1024 // 1024), source=name
                )
            target = Path(tmp) / f"{i:02d}" / name
            target.parent.mkdir()
            with target.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            paths.append(target)
        yield paths
