"""The analyse stage as a child process, for ``pipeline.run_side_by_side``.

    python -m kroniek.analyse.worker < {"db_url": ..., "settings": {...}}

Reads its job as JSON on stdin, analyses everything pending in that store (with its own Frog), and writes the
stage report as JSON on stdout; logs and errors go to stderr. A subprocess rather than multiprocessing, so it
works whatever script started kroniek (no ``if __name__ == "__main__"`` needed there).
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import sys

from kroniek.analyse.stage import AnalyseStage
from kroniek.config import Settings
from kroniek.store.repository import Store


def _die_with_parent(parent: int | None) -> None:
    """End (cleanly: SystemExit runs the atexit hook that stops Frog) when the ``kroniek run`` that started this
    process dies, even by SIGKILL: an orphaned analysis would go on writing and race the next run. Linux's
    PR_SET_PDEATHSIG where there is one; the parent check closes the gap before it was set."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if parent is not None and os.getppid() != parent:
        sys.exit(1)


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    job = json.loads(sys.stdin.read())
    _die_with_parent(job.get("parent"))
    store = Store.open(str(job["db_url"]))
    try:
        report = AnalyseStage().run(store, Settings(dict(job["settings"])))
    finally:
        store.close()
    json.dump(report.to_dict(), sys.stdout)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
