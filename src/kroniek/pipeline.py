"""The pipeline is a list of named stages run in order over what is new: ingest → analyse → extract → link →
reconcile. Each stage finds its own pending work in the store, so ``kroniek run`` is incremental and a run killed
at any point is completed by the next one."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kroniek import jsonio
from kroniek.config import Settings
from kroniek.stages import Progress, Stage, StageReport
from kroniek.store.repository import Store

if TYPE_CHECKING:
    from kroniek.analyse.pipeline import Analyser, DeepSelector
    from kroniek.analyse.stage import FailedArticle

__all__ = ["Progress", "Stage", "StageReport", "deep_selector", "default_stages", "failed_articles", "make_analyser",
           "retry_failed", "run", "run_side_by_side"]

log = logging.getLogger("kroniek.pipeline")

# The analysis sends to Frog what the extract stage will read: the pipeline, which knows both, hands the analyser
# the extract stage's cue selector (by name to the analysis process that runs side by side).
SELECTOR = "kroniek.extract.cues:selector"


def deep_selector(settings: Settings | None = None) -> DeepSelector:
    from kroniek.extract.cues import selector

    language = str(settings.get("analyse", "language", "nl")) if settings is not None else "nl"
    return selector(language)


def make_analyser(settings: Settings) -> Analyser:
    """The analyser as the pipeline runs it: the configured options and the extract stage's triage."""
    from kroniek.analyse.pipeline import Analyser, AnalysisOptions

    return Analyser(AnalysisOptions.from_settings(settings.section("analyse")), select=deep_selector(settings))


def failed_articles(store: Store) -> list[FailedArticle]:
    """The articles the analysis set aside as failed (``kroniek failed``)."""
    from kroniek.analyse.stage import failed_articles as listed

    return listed(store)


def retry_failed(store: Store, article_ids: Sequence[str] | None = None) -> int:
    """Queue failed articles for analysis again (``kroniek run --retry-failed``); how many."""
    from kroniek.analyse.stage import retry_failed as retry

    return retry(store, article_ids)


def default_stages(settings: Settings | None = None) -> list[Stage]:
    from kroniek.analyse.stage import AnalyseStage
    from kroniek.extract.stage import ExtractStage
    from kroniek.link.stage import LinkStage
    from kroniek.reconcile.stage import ReconcileStage

    return [AnalyseStage(select=deep_selector(settings)), ExtractStage(), LinkStage(), ReconcileStage()]


def run(store: Store, settings: Settings, stages: Sequence[Stage] | None = None,
        progress: Progress | None = None) -> list[StageReport]:
    reports = []
    for stage in stages if stages is not None else default_stages(settings):
        started = time.perf_counter()
        report = stage.run(store, settings, progress)
        report.seconds = time.perf_counter() - started
        log.info("stage %s: %d processed in %.2f s", stage.name, report.processed, report.seconds)
        reports.append(report)
    return reports


def use_side_by_side(settings: Settings, requested: bool | None = None) -> bool:
    """Whether ``kroniek run`` analyses in a second process: as asked, else ``[pipeline] side_by_side``; never for
    an in-memory SQLite store, which a second process cannot open."""
    wanted = requested if requested is not None else bool(settings.get("pipeline", "side_by_side", False))
    url = settings.db_url
    in_memory = url.startswith("sqlite") and (url.rstrip("/").endswith(":") or ":memory:" in url
                                              or url in ("sqlite://", "sqlite:///"))
    return wanted and not in_memory


def run_side_by_side(store: Store, settings: Settings, progress: Progress | None = None,
                     poll_seconds: float = 0.3) -> list[StageReport]:
    """Every stage, with the analysis in a second process: while it (and its Frog) analyse the next articles,
    this process extracts, links and reconciles the ones already analysed, so both cores work. Same results as
    ``run``: each stage takes only articles the stage before it has done (``Store.pending(after=...)``), in
    arrival order. The store must be a file or a server, since both processes open it."""
    from kroniek.extract.stage import ExtractStage
    from kroniek.link.stage import LinkStage
    from kroniek.reconcile.stage import ReconcileStage

    started = time.perf_counter()
    worker = subprocess.Popen([sys.executable, "-m", "kroniek.analyse.worker"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, start_new_session=True)
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write(json.dumps({"db_url": settings.db_url, "settings": settings.data, "parent": os.getpid(),
                                   "select": SELECTOR},
                                  default=str).encode())
    worker.stdin.close()
    link = LinkStage(after="extract", keep_state=True)
    stages: list[Stage] = [ExtractStage(), link, ReconcileStage()]
    totals = {stage.name: StageReport(stage.name) for stage in stages}
    try:
        while True:
            finished = worker.poll() is not None  # read before the pass: the last pass sees all that was analysed
            done = 0
            for stage in stages:
                began = time.perf_counter()
                report = stage.run(store, settings, progress)
                total = totals[stage.name]
                total.seconds += time.perf_counter() - began
                total.processed += report.processed
                total.notes.extend(report.notes)
                for key, value in report.counts.items():
                    total.counts[key] = total.counts.get(key, 0) + value
                done += report.processed
            if finished:
                break
            if not done:
                time.sleep(poll_seconds)
        output = worker.stdout.read()
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
        worker.wait()
    if worker.returncode != 0:
        raise RuntimeError(f"the analyse process failed (exit code {worker.returncode}); its errors are above")
    analysed = jsonio.loads(output or b"{}")
    analyse = StageReport("analyse", processed=int(analysed.get("processed", 0)),
                          seconds=time.perf_counter() - started, notes=list(analysed.get("notes", [])),
                          counts={k: int(v) for k, v in analysed.items()
                                  if k not in ("stage", "processed", "seconds", "notes")})
    reports = [analyse, *totals.values()]
    for report in reports:
        log.info("stage %s: %d processed in %.2f s (side by side)", report.name, report.processed, report.seconds)
    return reports
