"""The pipeline is a list of named stages run in order over what is new: ingest → analyse → extract → link →
reconcile. Each stage finds its own pending work in the store, so ``kroniek run`` is incremental and a run killed
at any point is completed by the next one."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

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
