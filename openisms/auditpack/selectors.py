"""Reads for audit packs (through the scoped gate)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from openisms.auditpack import files
from openisms.auditpack.models import AuditPack
from openisms.core.gate import get_scoped_or_404, scoped


def pack_list(*, organization: Any) -> QuerySet[AuditPack]:
    return (
        scoped(AuditPack, organization)
        .select_related("requested_by", "organization")
        .order_by("-created_at", "-pk")
    )


def pack_get(*, organization: Any, pk: int) -> AuditPack:
    return get_scoped_or_404(pack_list(organization=organization), organization, pk=pk)


def pack_file(pack: AuditPack) -> Path:
    """The built zip of a ready pack; 404 when not ready or the file is gone."""
    if not pack.downloadable:
        raise Http404(_("%s is not ready.") % pack.ref)
    try:
        path = files.path_for(pack.file_name)
    except ValueError as exc:
        raise Http404(_("The pack's file is missing.")) from exc
    if not path.is_file():
        raise Http404(_("The pack's file is missing."))
    return path


def has_pending(*, organization: Any) -> bool:
    from openisms.auditpack.choices import IN_PROGRESS

    return scoped(AuditPack, organization).filter(status__in=IN_PROGRESS).exists()
