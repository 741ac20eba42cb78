from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openisms.accounts.models import ApiToken, Membership, Organization, User
from openisms.accounts.services import token_authenticate

ROOT = Path(__file__).resolve().parents[3]
OPENISMS = str(Path(sys.executable).with_name("openisms"))


def run(*args, stdin=""):
    out = io.StringIO()
    with mock.patch("sys.stdin", io.StringIO(stdin)):
        call_command(*args, stdout=out)
    return out.getvalue()


def test_org_create_and_duplicate(db):
    assert "Created organisation acme" in run("org", "create", "acme", "--name", "Acme Ltd")
    assert Organization.objects.get(slug="acme").name == "Acme Ltd"
    with pytest.raises(CommandError, match="already exists"):
        run("org", "create", "acme", "--name", "Again")


def test_org_create_bad_slug(db):
    with pytest.raises(CommandError, match="slug:"):
        run("org", "create", "Bad Slug!", "--name", "X")


def test_user_create_with_password_from_stdin(db):
    run("org", "create", "acme", "--name", "Acme")
    out = run(
        "user",
        "create",
        "Ann@Acme.test",
        "--org",
        "acme",
        "--role",
        "manager",
        "--password-stdin",
        stdin="a long enough passphrase\n",
    )
    assert "ann@acme.test is manager of acme" in out
    user = User.objects.get(email="ann@acme.test")
    assert user.check_password("a long enough passphrase")
    assert Membership.objects.get(user=user).role == "manager"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--org", "nope", "--role", "owner"], "", "Unknown organisation 'nope'"),
        (["--org", "acme", "--role", "boss"], "", "Unknown role 'boss'"),
        (["--org", "acme", "--role", "viewer", "--password-stdin"], "short\n", "password"),
        (["--org", "acme", "--role", "viewer", "--password-stdin"], "\n", "No password"),
    ],
)
def test_user_create_refusals(db, args, stdin, message):
    run("org", "create", "acme", "--name", "Acme")
    with pytest.raises(CommandError, match=message):
        run("user", "create", "x@acme.test", *args, stdin=stdin)
    assert not User.objects.filter(email="x@acme.test").exists()  # nothing half written


def test_token_create_prints_a_working_token_once(db):
    run("org", "create", "acme", "--name", "Acme")
    run("user", "create", "ann@acme.test", "--org", "acme", "--role", "viewer")
    secret = run("token", "create", "ann@acme.test", "--org", "acme").strip()
    assert token_authenticate(secret).user.email == "ann@acme.test"
    assert secret not in ApiToken.objects.get().key_hash
    with pytest.raises(CommandError, match="Unknown user"):
        run("token", "create", "bob@acme.test", "--org", "acme")
    run("org", "create", "globex", "--name", "Globex")
    with pytest.raises(CommandError, match="not a current member"):
        run("token", "create", "ann@acme.test", "--org", "globex")


def test_demo_is_idempotent(db):
    first = run("demo")
    run("demo")
    assert "demo@openisms.local" in first
    assert Organization.objects.filter(slug__in=["demo", "demo-subsidiary"]).count() == 2
    owner = User.objects.get(email="demo@openisms.local")
    assert Membership.objects.filter(user=owner, role="owner").count() == 2
    assert Membership.objects.count() == 10


def test_serve_refuses_unapplied_migrations(db):
    with (
        mock.patch(
            "openisms.core.management.commands.serve.pending_migrations",
            return_value=["accounts.0002_x"],
        ),
        mock.patch("openisms.core.management.commands.serve.run_gunicorn") as gunicorn,
        pytest.raises(
            CommandError, match=r"1 database migration\(s\) not applied .*openisms migrate"
        ),
    ):
        run("serve")
    gunicorn.assert_not_called()


def test_cli_help_lists_the_commands():
    env = {**os.environ, "OPENISMS_TESTING": "1"}
    out = subprocess.run(
        [OPENISMS, "--help"], capture_output=True, text=True, env=env, check=True
    ).stdout
    for command in ("serve", "demo", "org", "user", "token", "auditlog", "worker"):
        assert f"    {command}\n" in out, command


def test_cli_bad_argument_is_one_line_and_nonzero(tmp_path):
    env = {**os.environ, "OPENISMS_TESTING": "1", "OPENISMS_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    subprocess.run([OPENISMS, "migrate", "-v0"], env=env, check=True)
    r = subprocess.run(
        [OPENISMS, "token", "create", "x@y.z", "--org", "nope"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 1
    assert r.stderr.strip() == "CommandError: Unknown organisation 'nope'."
