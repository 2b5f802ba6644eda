#!/usr/bin/env bash
# The whole suite: on SQLite, again on a throw-away PostgreSQL cluster, then the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export TVETBRIDGE_AXES_ENABLED=0
status=0

echo "== lint: ruff, import-linter (layering, engine purity), mypy (the engines, strict)"
.venv/bin/ruff check src tests benchmarks || status=1
.venv/bin/lint-imports --no-cache || status=1
.venv/bin/mypy || status=1

echo "== pytest on SQLite"
$PY -m pytest -m "not browser and not forks" -n 2 "$@" || status=1
$PY -m pytest -m forks -p no:xdist "$@" || status=1

pgdir=$(mktemp -d /tmp/tvetbridge-pg.XXXXXX)
trap 'scripts/pg-cluster.sh stop "$pgdir"' EXIT
echo "== pytest on PostgreSQL (throw-away cluster in $pgdir)"
url=$(scripts/pg-cluster.sh start "$pgdir" 54329)
TVETBRIDGE_DATABASE_URL=$url $PY -m pytest -m "not browser and not engine and not forks" -n 2 "$@" || status=1
TVETBRIDGE_DATABASE_URL=$url $PY -m pytest -m forks -p no:xdist "$@" || status=1

# On PostgreSQL: the live server and the report worker thread write concurrently, which SQLite's
# shared-cache in-memory test database answers with "table is locked" instead of waiting.
echo "== browser tests (headless chromium, PostgreSQL)"
TVETBRIDGE_DATABASE_URL=$url $PY -m pytest -m browser "$@" || status=1
exit $status
