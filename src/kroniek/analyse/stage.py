"""The analyse stage: Documents for new or changed articles, cached by text hash and analyser version so later
runs (and later stages) never re-run Frog on unchanged text."""

from __future__ import annotations

from kroniek.analyse.document import document_hash
from kroniek.analyse.pipeline import Analyser, AnalysisOptions
from kroniek.config import Settings
from kroniek.pipeline import Progress, StageReport
from kroniek.store.repository import Store


class AnalyseStage:
    name = "analyse"

    def __init__(self, analyser: Analyser | None = None) -> None:
        self._analyser = analyser

    def run(self, store: Store, settings: Settings, progress: Progress | None = None) -> StageReport:
        report = StageReport(self.name, counts={"cached": 0, "analysed": 0, "deep_sentences": 0})
        total = store.count_pending(self.name)
        if total == 0:
            return report
        analyser = self._analyser or Analyser(AnalysisOptions.from_settings(settings.section("analyse")))
        batch_size = int(settings.get("analyse", "batch_size", 32))
        try:
            version = analyser.version
            for articles in store.pending(self.name, batch_size=batch_size):
                keys = [(document_hash(a), version) for a in articles]
                cached = store.load_documents(keys)
                todo = [a for a, key in zip(articles, keys, strict=True) if key not in cached]
                batch = analyser.analyse_batch(todo) if todo else None
                with store.engine.begin() as conn:
                    if batch is not None:
                        for article, doc in zip(batch.articles, batch.documents, strict=True):
                            store.save_document(conn, document_hash(article), doc)
                            report.counts["deep_sentences"] += sum(s.deep for s in doc.sentences)
                        notes = batch.notes
                    else:
                        notes = {}
                    for article, key in zip(articles, keys, strict=True):
                        doc = cached.get(key) or next(d for d in batch.documents if d.article_id == article.id)  # type: ignore[union-attr]
                        if article.language != doc.language:
                            store.set_language_in(conn, article.id, doc.language)
                        if doc.language != "nl" and article.id not in notes:
                            notes[article.id] = f"language {doc.language or 'unknown'}: Dutch-only stages skipped"
                    store.mark_done(conn, self.name, articles, notes)
                report.counts["cached"] += len(articles) - len(todo)
                report.counts["analysed"] += len(todo)
                report.notes.extend(f"{aid}: {note}" for aid, note in notes.items())
                report.processed += len(articles)
                if progress:
                    progress(self.name, report.processed, total)
        finally:
            if self._analyser is None:
                analyser.close()
        return report
