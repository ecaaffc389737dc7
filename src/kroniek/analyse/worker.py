"""The analyse stage as a child process, for ``pipeline.run_side_by_side``.

    python -m kroniek.analyse.worker < {"db_url": ..., "settings": {...}, "select": "module:function"}

Reads its job as JSON on stdin (``select`` names the function that gives the triage's ``DeepSelector`` for a
language: the pipeline's choice, so this stage never imports a later one), analyses everything pending in that
store (with its own Frog), and writes the stage report as JSON on stdout; logs and errors go to stderr. A
subprocess rather than multiprocessing, so it works whatever script started kroniek (no ``if __name__ ==
"__main__"`` needed there).
"""

from __future__ import annotations

import ctypes
import importlib
import json
import logging
import os
import signal
import sys

from kroniek.analyse.pipeline import Analyser, AnalysisOptions, DeepSelector
from kroniek.analyse.stage import AnalyseStage, to_analyse
from kroniek.config import Settings
from kroniek.store.repository import Store


def _die_with_parent(parent: int | None) -> None:
    """End when the ``kroniek run`` that started this process dies, even by SIGKILL: an orphaned analysis would go
    on writing and race the next run. Linux's PR_SET_PDEATHSIG where there is one; the parent check closes the gap
    before it was set. The exit is immediate (``os._exit``): a clean SystemExit waited for the Frog thread's
    request, up to its time-out, while Frog kept running; the uncommitted batch is rolled back by the database,
    and Frog's launcher ends Frog as soon as this process is gone."""
    signal.signal(signal.SIGTERM, lambda *_: os._exit(128 + signal.SIGTERM))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if parent is not None and os.getppid() != parent:
        sys.exit(1)


def resolve_selector(spec: str | None, language: str) -> DeepSelector | None:
    if not spec:
        return None
    module, _, function = spec.partition(":")
    selector: DeepSelector = getattr(importlib.import_module(module), function)(language)
    return selector


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    job = json.loads(sys.stdin.read())
    _die_with_parent(job.get("parent"))
    store = Store.open(str(job["db_url"]))
    analyser: Analyser | None = None
    try:
        settings = Settings(dict(job["settings"]))
        if to_analyse(store) > 0:
            # Frog loads its models for seconds, while kroniek run waits for the first analysed batch: start it
            # before the triage's lexicons and the rest are loaded, not when the first batch is ready.
            analyser = Analyser(AnalysisOptions.from_settings(settings.section("analyse")))
            analyser.start_frog_early()
        select = resolve_selector(job.get("select"), str(settings.get("analyse", "language", "nl")))
        if analyser is not None:
            analyser.select = select
        report = AnalyseStage(analyser=analyser, select=select).run(store, settings)
    finally:
        if analyser is not None:
            analyser.close()
        store.close()
    json.dump(report.to_dict(), sys.stdout)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
