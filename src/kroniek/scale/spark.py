"""``kroniek spark``: the same stages on an archive too big for one process, partitioned with PySpark.

Analysis and extraction are per article, so they run inside Spark partitions (each partition starts its own
analyser, Frog included). Linking and reconciliation depend on arrival order across the whole archive, so the
driver runs them afterwards with the very same stage code. The store therefore ends with the same stories, events
and figures as a local ``kroniek run`` over the same input.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kroniek.analyse.document import document_hash
from kroniek.analyse.pipeline import Analyser, AnalysisOptions
from kroniek.config import Settings
from kroniek.model import Article, Claim, Document, Event
from kroniek.stages import StageReport
from kroniek.store.repository import Store


@dataclass
class PartitionResult:
    article_id: str
    document: dict[str, Any]
    events: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    note: str | None


def process_partition(rows: Iterable[str], options: dict[str, Any]) -> Iterator[str]:
    """Runs on an executor: JSON article rows in, JSON results out (plain strings pickle cheaply)."""
    from kroniek.extract.figures import bounds_from
    from kroniek.extract.stage import extract_article

    articles = [Article.from_dict(json.loads(row)) for row in rows]
    if not articles:
        return
    from kroniek.pipeline import deep_selector

    with Analyser(AnalysisOptions.from_settings(options), select=deep_selector()) as analyser:
        batch_size = 32
        for start in range(0, len(articles), batch_size):
            batch = analyser.analyse_batch(articles[start:start + batch_size])
            for article, doc in zip(batch.articles, batch.documents, strict=True):
                events, claims = (extract_article(article, doc, bounds_from(options.get("plausibility", {})))
                                  if doc.language == "nl" else ([], []))
                yield json.dumps({"article_id": article.id, "document": doc.to_dict(),
                                  "events": [e.to_dict() for e in events], "claims": [c.to_dict() for c in claims],
                                  "note": batch.notes.get(article.id)}, ensure_ascii=False)


def _store_results(store: Store, results: list[tuple[Article, dict[str, Any]]]) -> dict[str, str]:
    """One transaction per slice of results: documents, language, extractions, and both stages marked done with
    the notes the local analyse and extract stages would have written (the analyse notes are returned)."""
    if not results:
        return {}
    with store.engine.begin() as conn:
        analyse_notes: dict[str, str] = {}
        extract_notes: dict[str, str] = {}
        for article, result in results:
            doc = Document.from_dict(result["document"])
            store.save_document(conn, document_hash(article), doc)
            if doc.language != article.language:
                store.set_language_in(conn, article.id, doc.language)
            store.replace_extractions(conn, article.id, [Event.from_dict(e) for e in result["events"]],
                                      [Claim.from_dict(c) for c in result["claims"]])
            if result["note"]:
                analyse_notes[article.id] = result["note"]
            if doc.language != "nl":
                analyse_notes.setdefault(article.id,
                                         f"language {doc.language or 'unknown'}: Dutch-only stages skipped")
                extract_notes[article.id] = f"language {doc.language or 'unknown'}: no events extracted"
        articles = [a for a, _r in results]
        store.mark_done(conn, "analyse", articles, analyse_notes)
        store.mark_done(conn, "extract", articles, extract_notes)
    return analyse_notes


def run_spark(store: Store, settings: Settings, partitions: int = 2, master: str = "local[2]") -> list[StageReport]:
    from pyspark.sql import SparkSession

    from kroniek.link.stage import LinkStage
    from kroniek.reconcile.stage import ReconcileStage

    options = {**settings.section("analyse"), "plausibility": settings.section("plausibility")}
    chunk = int(settings.get("spark", "chunk_articles", 20_000))
    report = StageReport("spark:analyse+extract", counts={"partitions": partitions})
    spark = None
    try:
        # Chunks of the pending articles go to Spark one job at a time and their results stream back
        # (toLocalIterator), so neither the driver nor the store transaction holds the whole archive.
        for pending in store.pending("extract", batch_size=chunk):
            if spark is None:
                # executors must run this interpreter (the one kroniek is installed in), not the first "python3"
                # on the PATH
                os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
                spark = (SparkSession.builder.master(master).appName("kroniek")
                         .config("spark.ui.enabled", "false")
                         .config("spark.pyspark.python", os.environ["PYSPARK_PYTHON"])
                         .config("spark.sql.shuffle.partitions", str(partitions)).getOrCreate())
            rdd = spark.sparkContext.parallelize([json.dumps(a.to_dict(), ensure_ascii=False) for a in pending],
                                                 partitions)
            by_id = {a.id: a for a in pending}
            done: list[Article] = []
            notes: dict[str, str] = {}
            stored: list[tuple[Article, dict[str, Any]]] = []
            for line in rdd.mapPartitions(lambda rows: process_partition(rows, options)).toLocalIterator():
                result = json.loads(line)
                stored.append((by_id[result["article_id"]], result))
                if len(stored) >= 500:
                    notes.update(_store_results(store, stored))
                    done += [a for a, _r in stored]
                    stored = []
            notes.update(_store_results(store, stored))
            done += [a for a, _r in stored]
            report.processed += len(done)
            report.notes.extend(f"{aid}: {note}" for aid, note in notes.items())
    finally:
        if spark is not None:
            spark.stop()
    reports = [report]
    for stage in (LinkStage(), ReconcileStage()):
        reports.append(stage.run(store, settings))
    return reports
