#!/usr/bin/env bash
# The whole suite: static checks, then pytest on SQLite, on PostgreSQL, and in Chromium.
# On a developer machine without PostgreSQL or Chromium those parts are skipped and said so;
# with OPENISMS_REQUIRE_ALL=1 (CI) nothing may be skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
REQUIRE_ALL=${OPENISMS_REQUIRE_ALL:-0}
PG_URL=${OPENISMS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OPENISMS_DATA_DIR="$WORK/data" OPENISMS_TESTING=1
unset DATABASE_URL
skipped=()

step() { printf '\n== %s\n' "$*"; }

step "ruff (lint and format)"
$BIN/ruff check openisms tests bench conftest.py
$BIN/ruff format --check openisms tests bench conftest.py

step "mypy"
$BIN/mypy openisms

step "migrations are complete"
$BIN/openisms makemigrations --check --dry-run

step "deploy checks on production settings"
DJANGO_SETTINGS_MODULE=openisms.settings_production OPENISMS_TESTING=0 \
  $BIN/openisms check --deploy --fail-level WARNING

pg_ok=0
if $BIN/python - "$PG_URL" <<'PY' 2>/dev/null; then pg_ok=1; fi
import sys, psycopg
psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://"), connect_timeout=3).close()
PY

browser_ok=0
if command -v chromium >/dev/null 2>&1; then browser_ok=1; fi

step "pytest on SQLite"
browser_args=(-m "not browser")
if [ "$browser_ok" = 1 ]; then browser_args=(); fi
$BIN/pytest -n 2 -q "${browser_args[@]}"

if [ "$pg_ok" = 1 ]; then
  step "pytest on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" $BIN/pytest -n 2 -q -m "not browser"
else
  skipped+=("PostgreSQL: no server at $PG_URL (set OPENISMS_TEST_POSTGRES_URL to one)")
fi
if [ "$browser_ok" = 0 ]; then
  skipped+=("browser tests: no 'chromium' on PATH (Debian: apt-get install chromium)")
fi

if [ ${#skipped[@]} -gt 0 ]; then
  step "SKIPPED"
  printf '  - %s\n' "${skipped[@]}"
  if [ "$REQUIRE_ALL" = 1 ]; then
    echo "OPENISMS_REQUIRE_ALL=1: nothing may be skipped." >&2
    exit 1
  fi
fi
step "all checks passed"
