"""Stream records from inputs into the store in batches; each batch is one transaction."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from kroniek.ingest.base import ReadOptions, Record, Rejected
from kroniek.ingest.sources import expand, read_source
from kroniek.model import Article
from kroniek.store.repository import Store


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": [str(r) for r in self.rejected]}


def read_records(paths: Sequence[str], fmt: str = "auto", options: ReadOptions | None = None) -> Iterator[Record]:
    options = options or ReadOptions()
    for path in expand(list(paths)):
        if isinstance(path, Rejected):  # a folder or entry that could not be walked
            yield path
        else:
            yield from read_source(path, fmt, options)


def ingest_paths(store: Store, paths: Sequence[str], fmt: str = "auto", options: ReadOptions | None = None,
                 strict: bool = False, batch_size: int = 200, on_rejected: Callable[[Rejected], None] | None = None,
                 progress: Callable[[int], None] | None = None) -> IngestReport:
    """Read every input and store its articles. Rejected records are reported and skipped; with ``strict``
    nothing is stored when anything was rejected (records are spooled to a temporary file, not memory)."""
    report = IngestReport()
    records = read_records(paths, fmt, options)
    if strict:
        records = _spool_strict(records, report, on_rejected)
    batch: list[Article] = []
    seen = 0

    def flush() -> None:
        result = store.ingest_batch(batch)
        report.added += result.added
        report.updated += result.updated
        report.unchanged += result.unchanged
        for article, outcome in zip(batch, result.outcomes, strict=True):
            if outcome.status == "rejected":  # refused by the store: this record only
                rejected = Rejected(article.source or "", article.source_line, outcome.reason or "refused")
                report.rejected.append(rejected)
                if on_rejected:
                    on_rejected(rejected)
        batch.clear()

    for record in records:
        if isinstance(record, Rejected):
            report.rejected.append(record)
            if on_rejected:
                on_rejected(record)
            continue
        batch.append(record)
        seen += 1
        if len(batch) >= batch_size:
            flush()
            if progress:
                progress(seen)
    if batch:
        flush()
    if progress:
        progress(seen)
    return report


def _spool_strict(records: Iterator[Record], report: IngestReport,
                  on_rejected: Callable[[Rejected], None] | None) -> Iterator[Record]:
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for record in records:
            if isinstance(record, Rejected):
                report.rejected.append(record)
                if on_rejected:
                    on_rejected(record)
            else:
                spool.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
        if report.rejected:
            return
        spool.seek(0)
        for line in spool:
            yield Article.from_dict(json.loads(line))
