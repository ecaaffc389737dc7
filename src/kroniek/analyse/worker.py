"""The analyse stage as a child process, for ``pipeline.run_side_by_side``.

    python -m kroniek.analyse.worker < {"db_url": ..., "settings": {...}}

Reads its job as JSON on stdin, analyses everything pending in that store (with its own Frog), and writes the
stage report as JSON on stdout; logs and errors go to stderr. A subprocess rather than multiprocessing, so it
works whatever script started kroniek (no ``if __name__ == "__main__"`` needed there).
"""

from __future__ import annotations

import json
import logging
import sys

from kroniek.analyse.stage import AnalyseStage
from kroniek.config import Settings
from kroniek.store.repository import Store


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    job = json.loads(sys.stdin.read())
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
