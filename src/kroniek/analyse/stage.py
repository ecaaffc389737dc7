"""The analyse stage: Documents for new or changed articles, cached by text hash and analyser version so later
runs (and later stages) never re-run Frog on unchanged text."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from kroniek.analyse.document import document_hash
from kroniek.analyse.pipeline import Analyser, AnalysisOptions, DeepSelector
from kroniek.config import Settings
from kroniek.model import Article, Document
from kroniek.stages import Progress, StageReport
from kroniek.store.repository import Store


class AnalyseStage:
    name = "analyse"

    def __init__(self, analyser: Analyser | None = None, select: DeepSelector | None = None) -> None:
        self._analyser = analyser
        self.select = select  # which sentences get Frog: handed over by the pipeline (the extract stage's cues)

    def run(self, store: Store, settings: Settings, progress: Progress | None = None) -> StageReport:
        report = StageReport(self.name, counts={"cached": 0, "analysed": 0, "deep_sentences": 0})
        total = store.count_pending(self.name)
        if total == 0:
            return report
        analyser = self._analyser or Analyser(AnalysisOptions.from_settings(settings.section("analyse")),
                                              select=self.select)
        batch_size = int(settings.get("analyse", "batch_size", 32))
        try:
            version = analyser.version
            waiting: deque[tuple[list[Article], list[tuple[str, str]], dict[tuple[str, str], Document]]] = deque()

            def uncached() -> Iterator[list[Article]]:
                for articles in store.pending(self.name, batch_size=batch_size):
                    keys = [(document_hash(a), version) for a in articles]
                    cached = store.load_documents(keys)
                    waiting.append((articles, keys, cached))
                    yield [a for a, key in zip(articles, keys, strict=True) if key not in cached]

            # Frog works on the next batch while this thread finishes and stores the current one.
            for batch in analyser.analyse_stream(uncached()):
                articles, keys, cached = waiting.popleft()
                fresh = {doc.article_id: doc for doc in batch.documents}
                notes = dict(batch.notes)
                with store.engine.begin() as conn:
                    for article, doc in zip(batch.articles, batch.documents, strict=True):
                        store.save_document(conn, document_hash(article), doc)
                        report.counts["deep_sentences"] += sum(s.deep for s in doc.sentences)
                    for article, key in zip(articles, keys, strict=True):
                        doc = cached.get(key) or fresh[article.id]
                        if article.language != doc.language:
                            store.set_language_in(conn, article.id, doc.language)
                        if doc.language != "nl" and article.id not in notes:
                            notes[article.id] = f"language {doc.language or 'unknown'}: Dutch-only stages skipped"
                    store.mark_done(conn, self.name, articles, notes)
                report.counts["cached"] += len(articles) - len(batch.articles)
                report.counts["analysed"] += len(batch.articles)
                report.notes.extend(f"{aid}: {note}" for aid, note in notes.items())
                report.processed += len(articles)
                if progress:
                    progress(self.name, report.processed, total)
        finally:
            if self._analyser is None:
                analyser.close()
        return report
