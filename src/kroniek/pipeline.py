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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kroniek import jsonio
from kroniek.config import Settings
from kroniek.store.repository import Store

log = logging.getLogger("kroniek.pipeline")

Progress = Callable[[str, int, int], None]  # stage name, done, total


@dataclass
class StageReport:
    name: str
    processed: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"stage": self.name, "processed": self.processed, "seconds": round(self.seconds, 3),
                "notes": self.notes, **self.counts}


class Stage(Protocol):
    name: str

    def run(self, store: Store, settings: Settings, progress: Progress | None = None) -> StageReport: ...


def default_stages() -> list[Stage]:
    from kroniek.analyse.stage import AnalyseStage
    from kroniek.extract.stage import ExtractStage
    from kroniek.link.stage import LinkStage
    from kroniek.reconcile.stage import ReconcileStage

    return [AnalyseStage(), ExtractStage(), LinkStage(), ReconcileStage()]


def run(store: Store, settings: Settings, stages: Sequence[Stage] | None = None,
        progress: Progress | None = None) -> list[StageReport]:
    reports = []
    for stage in stages if stages is not None else default_stages():
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
    worker.stdin.write(json.dumps({"db_url": settings.db_url, "settings": settings.data, "parent": os.getpid()},
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
