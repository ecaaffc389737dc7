"""The reconcile stage: a no-op until its issue lands; it marks articles done so runs stay incremental."""

from __future__ import annotations

from kroniek.config import Settings
from kroniek.pipeline import Progress, StageReport
from kroniek.store.repository import Store


class ReconcileStage:
    name = "reconcile"

    def run(self, store: Store, settings: Settings, progress: Progress | None = None) -> StageReport:
        report = StageReport(self.name)
        for batch in store.pending(self.name):
            with store.engine.begin() as conn:
                store.mark_done(conn, self.name, batch)
            report.processed += len(batch)
        return report
