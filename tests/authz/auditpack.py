"""Authorisation-matrix specs of the auditpack app (see tests/authz/__init__.py).

Per acting user (and in the other organisation): a ready pack ("audit_pack") whose zip is a
small file in the audit-pack directory, so that its download answers 200."""

from __future__ import annotations

from typing import Any

from tests.authz.spec import Spec

PERM = "readiness.build_audit_pack"
A = "/api/v1/orgs/{slug}/audit-packs/"

ORG_ROUTES: dict[str, Any] = {
    "auditpack:pack_list": Spec(PERM, ("GET", "POST")),
    "auditpack:pack_detail": Spec(PERM, obj="audit_pack"),
    "auditpack:pack_download": Spec(PERM, obj="audit_pack"),
}
API_ROUTES: dict[tuple[str, str], Any] = {
    ("GET", A): Spec(PERM),
    ("POST", A): Spec(PERM, body='{"as_of": null}'),
    ("GET", A + "{pack_id}/"): Spec(PERM, obj="audit_pack"),
    ("GET", A + "{pack_id}/download/"): Spec(PERM, obj="audit_pack"),
}
KINDS: set[str] = {"audit_pack"}


def world(world: Any, other_owner: Any) -> dict[str, Any]:
    from openisms.auditpack import files, services
    from openisms.auditpack.models import AuditPack

    result: dict[str, Any] = {}
    for org, owner, keys in (
        (world.own, world.users["owner"], list(world.users)),
        (world.other, other_owner, ["other"]),
    ):
        for key in keys:
            pack = services.pack_create(organization=org, actor=owner)
            name = files.file_name_for(org.pk, pack.pk)
            path = files.path_for(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip
            AuditPack.objects.filter(pk=pack.pk).update(
                status="done", progress=100, file_name=name, size=22, sha256="0" * 64
            )
            result[key] = {"audit_pack": {"pk": pack.pk, "pack_id": pack.pk}}
    return result


def obj_pk(records: dict[str, Any], kind: str, *, user_key: str, foreign: bool) -> Any:
    return records["other" if foreign else user_key][kind]
