"""Database triggers that make the audit event table append-only, on SQLite and PostgreSQL.

Raw SQL is confined to here and the migrations that call it: it is the one thing the ORM
cannot express. On SQLite, Django alters a column by rebuilding the table, which drops its
triggers: every migration that alters ``core_auditevent`` must end with ``install()``.
"""

from __future__ import annotations

from typing import Any

TABLE = "core_auditevent"
MESSAGE = "audit events are append-only"

_CREATE = {
    "sqlite": [
        f"CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update BEFORE UPDATE ON {TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
        f"CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete BEFORE DELETE ON {TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION core_auditevent_refuse() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql;",
        f"DROP TRIGGER IF EXISTS core_auditevent_no_update ON {TABLE};",
        f"DROP TRIGGER IF EXISTS core_auditevent_no_delete ON {TABLE};",
        f"CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION core_auditevent_refuse();",
        f"CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION core_auditevent_refuse();",
    ],
}
_DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS core_auditevent_no_update;",
        "DROP TRIGGER IF EXISTS core_auditevent_no_delete;",
    ],
    "postgresql": [
        f"DROP TRIGGER IF EXISTS core_auditevent_no_update ON {TABLE};",
        f"DROP TRIGGER IF EXISTS core_auditevent_no_delete ON {TABLE};",
        "DROP FUNCTION IF EXISTS core_auditevent_refuse();",
    ],
}


def _execute(statements: dict[str, list[str]], schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise RuntimeError(f"No append-only audit triggers for database {vendor!r}")
    for sql in statements[vendor]:
        schema_editor.execute(sql)


def install(apps: Any, schema_editor: Any) -> None:
    _execute(_CREATE, schema_editor)


def uninstall(apps: Any, schema_editor: Any) -> None:
    _execute(_DROP, schema_editor)
