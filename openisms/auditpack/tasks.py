"""The worker's task: build a queued audit pack (``openisms worker`` runs it)."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from openisms.core.context import audit_context, new_request_id


@task()
def build_pack(pack_id: int) -> dict[str, Any]:
    from openisms.auditpack import services
    from openisms.auditpack.choices import PackStatus
    from openisms.auditpack.models import AuditPack

    pack = (
        AuditPack.objects.select_related("organization", "requested_by").filter(pk=pack_id).first()
    )
    if pack is None or pack.status != PackStatus.QUEUED:
        return {"pack": pack_id, "status": pack.status if pack else "gone"}
    with audit_context(request_id=f"task-{new_request_id()}", channel="worker"):
        pack = services.pack_build(pack=pack)
    return {"pack": pack.pk, "status": pack.status, "sha256": pack.sha256, "size": pack.size}
