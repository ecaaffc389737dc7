#!/usr/bin/env bash
# The whole test suite: lint, types, then pytest against SQLite and (when a server can be started) PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
mkdir -p test-artifacts
"$VENV/bin/ruff" check src tests bench fuzz
"$VENV/bin/mypy"
# PostgreSQL for real: start a throwaway cluster on a private socket dir and port.
source .ci/postgres.sh
start_postgres || echo "PostgreSQL could not be started: its tests will be skipped" >&2
set +e
"$VENV/bin/python" -m pytest -q -p no:cacheprovider --junitxml=test-artifacts/junit.xml "$@"
status=$?
set -e
stop_postgres || true
if [ "$status" -eq 5 ]; then echo "no tests ran" >&2; exit 1; fi
if [ "$status" -ne 0 ]; then exit "$status"; fi
# Fuzz the readers and HTML extraction for a bounded time; a crash fails CI.
FUZZ_SECONDS=${FUZZ_SECONDS:-60} fuzz/run.sh
