from __future__ import annotations

import datetime as dt

from kroniek.model import Article, DatePrecision, PartialDate
from kroniek.store.repository import Store


def make(text: str, url: str | None = "https://krant.example/a", outlet: str = "krant") -> Article:
    return Article(outlet=outlet, text=text, title="Kop", url=url, published=PartialDate.parse("2024-11"))


def test_same_article_twice_changes_nothing(store: Store) -> None:
    first = store.ingest_batch([make("De raad vergaderde dinsdag.")])
    second = store.ingest_batch([make("De raad vergaderde dinsdag.")])
    assert (first.added, second.added, second.unchanged) == (1, 0, 1)
    assert store.count_articles() == 1


def test_changed_text_is_an_update_that_keeps_the_previous_version(store: Store) -> None:
    store.ingest_batch([make("Eerste versie van het bericht.")])
    result = store.ingest_batch([make("Tweede versie, met een correctie.")])
    assert result.updated == 1
    [article] = store.articles()
    assert article.text.startswith("Tweede")
    versions = store.article_versions(article.id)
    assert [v["text"] for v in versions] == ["Eerste versie van het bericht."]


def test_month_precision_survives_the_store(store: Store) -> None:
    store.ingest_batch([make("Een bericht zonder dag.")])
    [article] = store.articles()
    assert article.published is not None
    assert article.published.precision is DatePrecision.MONTH
    assert article.published.iso() == "2024-11"


def test_id_falls_back_to_content_hash_without_url(store: Store) -> None:
    a, b = make("Tekst een.", url=None), make("Tekst twee.", url=None)
    assert a.id != b.id
    store.ingest_batch([a, b])
    assert store.count_articles() == 2


def test_duplicates_inside_one_batch_are_one_article(store: Store) -> None:
    result = store.ingest_batch([make("Zelfde."), make("Zelfde.")])
    assert (result.added, result.unchanged) == (1, 1)


def test_pending_tracks_content_changes(store: Store) -> None:
    store.ingest_batch([make("Versie een.")])
    [batch] = list(store.pending("analyse"))
    with store.engine.begin() as conn:
        store.mark_done(conn, "analyse", batch)
    assert list(store.pending("analyse")) == []
    store.ingest_batch([make("Versie twee.")])
    assert [a.text for b in store.pending("analyse") for a in b] == ["Versie twee."]


def test_partial_date_parsing() -> None:
    assert PartialDate.parse("2022-01").last_day == dt.date(2022, 1, 31)
    assert PartialDate.parse("2022-01-05").time_precision == 1
    assert PartialDate.parse("2022-01").time_precision == 3
    moment = PartialDate.parse("2022-01-05T14:30:00+01:00")
    assert moment.precision is DatePrecision.DATETIME and moment.value == dt.date(2022, 1, 5)
    assert PartialDate.parse("2022-01").overlaps(PartialDate.parse("2022-01-20"))
    assert not PartialDate.parse("2022-02").overlaps(PartialDate.parse("2022-01-20"))


def test_migrations_match_the_schema(db_url: str) -> None:
    """Every table and index in schema.py is created by the migrations (no autogenerate diff)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from kroniek.store.schema import include_object, metadata

    opened = Store.open(db_url)
    try:
        with opened.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": include_object})
            diff = compare_metadata(context, metadata)
    finally:
        opened.close()
    assert diff == []


def test_document_round_trips_through_its_dict() -> None:
    from dataclasses import asdict

    from kroniek.model import Document, Entity, Sentence, Span, Token

    doc = Document("a1", "Rellen in Arnhem.", language="nl",
                   sentences=[Sentence(0, 17, [Token("Rellen", 0, 6, "rel", "N(soort,mv,basis)", "O"),
                                               Token("Arnhem", 10, 16, "Arnhem", "SPEC(deeleigen)", "B-LOC")],
                                       paragraph=1, deep=True)],
                   entities=[Entity("Arnhem", "LOC", 10, 16, 0, canonical="Arnhem", country="NL", place_id=7)],
                   metadata=[Span(0, 6, "title")], analyser="test")
    assert doc.to_dict() == asdict(doc)  # the hand-written form says the same as the generic one
    assert Document.from_dict(doc.to_dict()) == doc


def test_stage_marks_skip_done_work_and_updates_requeue(store: Store) -> None:
    from kroniek.model import Article, PartialDate

    day = PartialDate.parse("2024-11-05")
    articles = [Article(outlet="krant", url=f"https://krant.example/{n}", text=f"Bericht nummer {n} over de haven.",
                        published=day) for n in range(5)]
    store.ingest_batch(articles)
    assert [a.id for batch in store.pending("analyse", batch_size=2) for a in batch] == [a.id for a in articles]
    with store.engine.begin() as conn:
        store.mark_done(conn, "analyse", articles[:3])
    assert [a.id for b in store.pending("analyse") for a in b] == [a.id for a in articles[3:]]
    assert store.stage_mark("analyse") == 3, "the mark stops just before the first pending article"
    with store.engine.begin() as conn:
        store.mark_done(conn, "analyse", articles[3:])
    assert list(store.pending("analyse")) == [] and store.stage_mark("analyse") == 5
    assert store.count_pending("analyse") == 0
    changed = Article(outlet="krant", url=articles[1].url, text="Bericht nummer 1, gewijzigd: de haven is dicht.",
                      published=day)
    assert store.ingest_batch([changed]).updated == 1
    assert store.stage_mark("analyse") == 1, "an update lowers the mark to just before the changed article"
    assert [a.id for b in store.pending("analyse") for a in b] == [articles[1].id]
    assert store.count_pending("analyse") == 1
