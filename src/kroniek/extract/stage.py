"""The extract stage: events and figures for every analysed Dutch article whose content is new or changed."""

from __future__ import annotations

from kroniek.config import Settings
from kroniek.extract.events import extract_events
from kroniek.extract.figures import Bounds, bounds_from, extract_claims
from kroniek.extract.places import DocumentContext
from kroniek.model import Article, Claim, Document, Event
from kroniek.stages import Progress, StageReport
from kroniek.store.repository import Store


def extract_article(article: Article, doc: Document, bounds: Bounds | None = None) -> tuple[list[Event], list[Claim]]:
    """Events and claims of one article (a pure function of the article, its Document and the ``[plausibility]``
    bounds; the shipped ones when not given)."""
    context = DocumentContext.of(doc)
    events = extract_events(doc, article, context)
    claims = extract_claims(doc, article, events, bounds)
    return events, claims


class ExtractStage:
    name = "extract"
    after = "analyse"  # takes only articles that stage has done

    def run(self, store: Store, settings: Settings, progress: Progress | None = None) -> StageReport:
        report = StageReport(self.name, counts={"events": 0, "figures": 0, "skipped": 0})
        total = store.count_pending(self.name, after=self.after)
        batch_size = int(settings.get("extract", "batch_size", 200))
        bounds = bounds_from(settings.section("plausibility"))  # a --config file may set its own
        for batch in store.pending(self.name, after=self.after, batch_size=batch_size):
            results: list[tuple[Article, list[Event], list[Claim]]] = []
            notes: dict[str, str] = {}
            for article in batch:
                doc = store.document_for(article)
                if doc is None or doc.language != "nl":
                    reason = "not analysed" if doc is None else f"language {doc.language or 'unknown'}"
                    notes[article.id] = f"{reason}: no events extracted"
                    report.counts["skipped"] += 1
                    results.append((article, [], []))
                    continue
                events, claims = extract_article(article, doc, bounds)
                results.append((article, events, claims))
                report.counts["events"] += len(events)
                report.counts["figures"] += len(claims)
            with store.engine.begin() as conn:
                for article, events, claims in results:
                    store.replace_extractions(conn, article.id, events, claims)
                store.mark_done(conn, self.name, batch, notes)
            report.processed += len(batch)
            if progress:
                progress(self.name, report.processed, total)
        return report
