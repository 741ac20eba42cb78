from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openisms.auditpack.models import AuditPack
from openisms.auditpack.tests.helpers import rewrite


def run(*args):
    out = io.StringIO()
    call_command("audit-pack", *args, stdout=out)
    return out.getvalue()


def test_build_then_verify(org, owner, member, stores, tmp_path):
    member(org, "auditor", email="alex@acme.test")
    target = tmp_path / "pack.zip"
    out = run("--org", "acme", "-o", str(target), "--as", "alex@acme.test")
    assert "AP-001" in out and "07-internal-audit/" in out and target.is_file()
    pack = AuditPack.objects.get()
    assert pack.status == "done" and pack.requested_by.email == "alex@acme.test"
    assert "OK:" in run("verify", str(target))
    summary = json.loads(
        run("--org", "acme", "-o", str(target), "--as-of", "2026-01-31", "--format", "json")
    )
    assert summary["as_of"] == "2026-01-31" and summary["ref"] == "AP-002"

    with zipfile.ZipFile(target) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".csv"))
        data = bytearray(zf.read(name))
    data[-1] ^= 0x20
    rewrite(target, replace={name: bytes(data)})
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("audit-pack", "verify", str(target), stdout=out)
    assert exc.value.returncode == 1 and f"changed: {name}" in out.getvalue()


def test_verify_json_and_bad_arguments(org, owner, stores, tmp_path):
    with pytest.raises(CommandError, match="not a file"):
        run("verify", str(tmp_path / "none.zip"))
    with pytest.raises(CommandError, match="--org and --output"):
        run()
    with pytest.raises(CommandError, match="Unknown action"):
        run("build")
    with pytest.raises(CommandError, match="Unknown organisation"):
        run("--org", "nope", "-o", str(tmp_path / "x.zip"))
    with pytest.raises(CommandError, match="not a date"):
        run("--org", "acme", "-o", str(tmp_path / "x.zip"), "--as-of", "31/01/2026")
    with pytest.raises(CommandError, match="as_of"):
        run("--org", "acme", "-o", str(tmp_path / "x.zip"), "--as-of", "2999-01-01")
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK nonsense")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit-pack", "verify", str(broken), "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["ok"] is False


def test_as_refuses_roles_without_the_permission(org, member, stores, tmp_path):
    member(org, "viewer", email="vera@acme.test")
    with pytest.raises(CommandError, match="does not allow"):
        run("--org", "acme", "-o", str(tmp_path / "x.zip"), "--as", "vera@acme.test")
    assert not AuditPack.objects.exists()
