"""The analyse stage: Documents for new or changed articles, cached by text hash and analyser version so later
runs (and later stages) never re-run Frog on unchanged text.

An article Frog cannot finish (see ``pipeline.deep_analyse``) is set aside as failed: a ``stage_runs`` row of the
stage ``analyse:failed`` with its content hash and the reason in ``note``. It is not analysed again, so it cannot
stall later runs, until it is asked for (``retry_failed``, ``kroniek run --retry-failed``) or its text changes; it
stays pending for the later stages, which take it once it is analysed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from kroniek.analyse.document import document_hash
from kroniek.analyse.pipeline import Analyser, AnalysisOptions, DeepSelector
from kroniek.config import Settings
from kroniek.model import Article, Document
from kroniek.stages import Progress, StageReport
from kroniek.store import schema
from kroniek.store.repository import Store

FAILED = "analyse:failed"  # the stage_runs stage name of the articles set aside


@dataclass
class FailedArticle:
    article_id: str
    reason: str
    failed_at: datetime
    current: bool  # False when the article's text changed since (then it is analysed again anyway)


def failed_articles(store: Store) -> list[FailedArticle]:
    """The articles set aside as failed, oldest first."""
    runs, articles = schema.stage_runs, schema.articles
    query = (select(runs.c.article_id, runs.c.note, runs.c.done_at, runs.c.content_hash,
                    articles.c.content_hash.label("now"))
             .join(articles, articles.c.id == runs.c.article_id)
             .where(runs.c.stage == FAILED).order_by(runs.c.done_at, runs.c.article_id))
    with store.engine.connect() as conn:
        return [FailedArticle(row.article_id, row.note or "", row.done_at, row.content_hash == row.now)
                for row in conn.execute(query)]


def retry_failed(store: Store, article_ids: Sequence[str] | None = None) -> int:
    """Put failed articles (all, or the given ones) back into the analysis queue; how many."""
    runs = schema.stage_runs
    query = delete(runs).where(runs.c.stage == FAILED)
    if article_ids is not None:
        query = query.where(runs.c.article_id.in_(list(article_ids)))
    with store.engine.begin() as conn:
        return int(conn.execute(query).rowcount or 0)


def to_analyse(store: Store) -> int:
    """How many articles the analysis has to do: the pending ones less those set aside as failed."""
    return store.count_pending(AnalyseStage.name) - sum(f.current for f in failed_articles(store))


class AnalyseStage:
    name = "analyse"

    def __init__(self, analyser: Analyser | None = None, select: DeepSelector | None = None) -> None:
        self._analyser = analyser
        self.select = select  # which sentences get Frog: handed over by the pipeline (the extract stage's cues)

    def run(self, store: Store, settings: Settings, progress: Progress | None = None) -> StageReport:
        report = StageReport(self.name, counts={"cached": 0, "analysed": 0, "deep_sentences": 0, "failed": 0})
        aside = {f.article_id: f for f in failed_articles(store)}
        total = store.count_pending(self.name) - sum(f.current for f in aside.values())
        if total <= 0:
            return report
        analyser = self._analyser or Analyser(AnalysisOptions.from_settings(settings.section("analyse")),
                                              select=self.select)
        batch_size = int(settings.get("analyse", "batch_size", 32))
        try:
            version = analyser.version
            waiting: deque[tuple[list[Article], list[tuple[str, str]], dict[tuple[str, str], Document]]] = deque()

            def uncached() -> Iterator[list[Article]]:
                for pending in store.pending(self.name, batch_size=batch_size):
                    articles = [a for a in pending if a.id not in aside or not aside[a.id].current]
                    if not articles:
                        continue
                    keys = [(document_hash(a), version) for a in articles]
                    cached = store.load_documents(keys)
                    waiting.append((articles, keys, cached))
                    yield [a for a, key in zip(articles, keys, strict=True) if key not in cached]

            # Frog works on the next batch while this thread finishes and stores the current one.
            for batch in analyser.analyse_stream(uncached()):
                articles, keys, cached = waiting.popleft()
                fresh = {doc.article_id: doc for doc in batch.documents}
                notes = dict(batch.notes)
                failed = [a for a in articles if a.id in batch.failed]
                done = [a for a in articles if a.id not in batch.failed]
                with store.engine.begin() as conn:
                    for article, doc in zip(batch.articles, batch.documents, strict=True):
                        if article.id in batch.failed:
                            continue
                        store.save_document(conn, document_hash(article), doc)
                        report.counts["deep_sentences"] += sum(s.deep for s in doc.sentences)
                    for article, key in zip(articles, keys, strict=True):
                        if article.id in batch.failed:
                            continue
                        doc = cached.get(key) or fresh[article.id]
                        if article.language != doc.language:
                            store.set_language_in(conn, article.id, doc.language)
                        if doc.language != "nl" and article.id not in notes:
                            notes[article.id] = f"language {doc.language or 'unknown'}: Dutch-only stages skipped"
                    store.mark_done(conn, self.name, done, notes)
                    store.mark_done(conn, FAILED, failed, batch.failed)
                report.counts["cached"] += len(articles) - len(batch.articles)
                report.counts["analysed"] += len(batch.articles) - len(failed)
                report.counts["failed"] += len(failed)
                report.notes.extend(f"{a.id}: set aside, {batch.failed[a.id]}" for a in failed)
                report.notes.extend(f"{aid}: {note}" for aid, note in notes.items() if aid not in batch.failed)
                report.processed += len(articles)
                if progress:
                    progress(self.name, report.processed, total)
        finally:
            if self._analyser is None:
                analyser.close()
        return report
