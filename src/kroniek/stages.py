"""What every stage shares, and nothing else: the progress callback, the report a stage returns, and the stage
protocol. Stages import this module; ``pipeline`` imports the stages, so there is no circle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from kroniek.config import Settings
    from kroniek.store.repository import Store

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
