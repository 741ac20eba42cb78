from __future__ import annotations

import os
import subprocess
import sys


def _settings_value(env_extra, expr, tmp_path):
    env = {**os.environ, "OPENISMS_DATA_DIR": str(tmp_path), **env_extra}
    for name in ("SECRET_KEY", "OPENISMS_SECRET_KEY", "OPENISMS_TESTING", "OPENISMS_DEBUG"):
        env.pop(name, None)
    env.update(env_extra)
    code = f"import {env.get('MODULE', 'openisms.settings')} as s; print({expr})"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_secret_key_is_generated_once_into_the_data_dir(tmp_path):
    first = _settings_value({}, "s.SECRET_KEY", tmp_path)
    assert len(first) >= 50
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert _settings_value({}, "s.SECRET_KEY", tmp_path) == first
    assert _settings_value({"SECRET_KEY": "from-env"}, "s.SECRET_KEY", tmp_path) == "from-env"


def test_debug_is_off_unless_asked(tmp_path):
    assert _settings_value({}, "s.DEBUG", tmp_path) == "False"
    assert _settings_value({"OPENISMS_DEBUG": "1"}, "s.DEBUG", tmp_path) == "True"


def test_default_database_is_sqlite_in_the_data_dir(tmp_path):
    env = {"DATABASE_URL": ""}
    name = _settings_value(env, "s.DATABASES['default']['NAME']", tmp_path)
    assert name == str(tmp_path / "openisms.sqlite3")
    options = _settings_value(env, "s.DATABASES['default']['OPTIONS']", tmp_path)
    assert "IMMEDIATE" in options and "journal_mode=WAL" in options


def test_production_settings_are_hardened(tmp_path):
    expr = "(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT)"
    value = _settings_value({"MODULE": "openisms.settings_production"}, expr, tmp_path)
    assert value == "(True, True, 31536000, True)"
