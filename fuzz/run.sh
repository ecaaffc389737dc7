#!/usr/bin/env bash
# Fuzz the readers and the HTML extraction for a bounded time (FUZZ_SECONDS, default 60). A crash fails the run and
# leaves its input as fuzz/crash-*; turn it into a regression test in tests/test_properties.py.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
SECONDS_BUDGET=${FUZZ_SECONDS:-60}
if ! "$VENV/bin/python" -c "import atheris" 2>/dev/null; then
  echo "atheris is not installed: fuzzing skipped" >&2
  exit 0
fi
work=$(mktemp -d)
cp fuzz/corpus/* "$work/"
# -rss_limit_mb: trafilatura and lxml are big; the limit still catches runaway memory
set +e
"$VENV/bin/python" fuzz/fuzz_readers.py "$work" fuzz/corpus -max_total_time="$SECONDS_BUDGET" -rss_limit_mb=3072 \
  -timeout=20 -artifact_prefix=fuzz/crash- -print_final_stats=1 2>&1 | tail -n 25
status=${PIPESTATUS[0]}
rm -rf "$work"
exit "$status"
