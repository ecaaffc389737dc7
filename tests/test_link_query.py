"""The read side: the dict shapes the CLI, API, pages and exporters rely on, filters and paging."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import reopened_after
from kroniek.config import load_settings
from kroniek.link.stage import LinkStage
from kroniek.model import Actor, Article, Claim, Event, Evidence, PartialDate, Place
from kroniek.reconcile.stage import ReconcileStage
from kroniek.store import query
from kroniek.store.repository import Store

UTRECHT = Place("Utrecht", "Nederland", "NL", 528, "Utrecht", 52.09, 5.12, 1)
TEXT_1 = ("Op het Jaarbeursplein in Utrecht hebben donderdag duizenden leraren gedemonstreerd voor kleinere "
          "klassen. De politie sprak van een rustige betoging. Onderwijsbonden eisen extra geld van het kabinet.")
TEXT_2 = ("Duizenden leraren trokken donderdag naar het Jaarbeursplein in Utrecht om te demonstreren voor kleinere "
          "klassen. De onderwijsbonden willen dat het kabinet extra geld uittrekt voor het onderwijs.")


def build(store: Store) -> tuple[Article, Article]:
    a = Article(outlet="AD", title="Leraren betogen in Utrecht", text=TEXT_1, url="https://ad.example/1",
                published=PartialDate.parse("2024-10-03"))
    b = Article(outlet="Trouw", title="Duizenden leraren demonstreren in Utrecht", text=TEXT_2,
                url="https://trouw.example/1", published=PartialDate.parse("2024-10-03"))
    store.ingest_batch([a, b])
    for art, size in ((a, "duizenden"), (b, "duizenden")):
        ev = Event(article_id=art.id, sentence=0, trigger="gedemonstreerd", disorder_type="Demonstrations",
                   event_type="Protests", sub_event_type="Peaceful protest", plover_type="PROTEST",
                   plover_mode="demo", actor1=Actor("Leraren (Nederland)", "Protesters", "NL"), place=UTRECHT,
                   date=PartialDate.parse("2024-10-03"), issue="kleinere klassen",
                   evidence=[Evidence(art.id, 0, 10, "trigger", "demonstr")])
        start = art.text.find(size.capitalize() if art is b else size)
        c = Claim("crowd", art.id, start, start + len(size), size, value=1000, low=2000, high=9999, vague=size,
                  group_type="protesters", attribution=[art.outlet], event_id=ev.id)
        with store.engine.begin() as conn:
            store.replace_extractions(conn, art.id, [ev], [c])
            store.mark_done(conn, "extract", [art])  # as the extract stage would
    LinkStage().run(store, load_settings())
    ReconcileStage().run(store, load_settings())
    return a, b


EVENT_KEYS = {"id", "story_id", "date", "date_precision", "time_precision", "disorder_type", "event_type",
              "sub_event_type", "plover_type", "plover_mode", "actor1", "actor1_type", "actor1_country", "actor2",
              "actor2_type", "assoc_actors", "place", "admin1", "country", "iso2", "iso_numeric", "region",
              "latitude", "longitude", "geo_precision", "fatalities", "figures", "mentions", "outlets", "contexts",
              "happened", "notes", "updated_at", "merged_ids"}


def test_story_and_event_shapes(store: Store) -> None:
    a, b = build(store)
    [story] = query.list_stories(store)
    assert {"id", "title", "first_seen", "last_seen", "article_count", "outlet_count", "outlets", "places",
            "event_types", "events"} <= set(story)
    assert story["outlets"] == ["AD", "Trouw"] and story["places"] == ["Utrecht"]
    assert story["event_types"] == ["Protests"] and len(story["events"]) == 1
    assert query.count_stories(store) == 1
    full = query.get_story(store, story["id"])
    assert full is not None
    assert [x["id"] for x in full["articles"]] == [a.id, b.id]
    assert set(full["articles"][0]) >= {"id", "outlet", "title", "url", "published_at", "date_precision",
                                        "similarity"}
    assert [(c["outlet"], c["count"]) for c in full["coverage"]] == [("AD", 1), ("Trouw", 1)]
    [figure] = full["figures"]
    assert set(figure) >= {"event_id", "kind", "group_type", "coded", "low", "best", "high", "disagreement",
                           "explanation", "claims"}
    assert set(figure["claims"][0]) >= {"value", "vague", "qualifier", "text", "group", "attribution", "outlet",
                                        "article_id", "unconfirmed", "published_at"}
    assert full["merges"] == []
    [event] = query.list_events(store)
    assert set(event) >= EVENT_KEYS
    assert event["mentions"][0].keys() >= {"mention_id", "article_id", "outlet", "title", "published_at",
                                           "sentence", "evidence"}
    assert event["date"] == "2024-10-03" and event["time_precision"] == 1 and event["outlets"] == ["AD", "Trouw"]
    assert event["figures"][0]["coded"] == 1000
    assert query.get_event(store, event["id"]) == event
    assert query.get_event(store, "enope") is None and query.get_story(store, "snope") is None
    json.dumps([story, full, event])  # everything is JSON-serialisable


def test_filters_and_listings(store: Store) -> None:
    build(store)
    [story] = query.list_stories(store)
    assert query.list_stories(store, outlet="trouw")[0]["id"] == story["id"]
    assert query.list_stories(store, outlet="NRC") == []
    assert query.count_stories(store, place="utrecht", event_type="Protests") == 1
    assert query.count_stories(store, q="leraren") == 1 and query.count_stories(store, q="boeren") == 0
    assert query.count_stories(store, date_from="2024-10-01", date_to="2024-10-05") == 1
    assert query.count_stories(store, date_from="2024-11-01") == 0
    assert query.list_stories(store, limit=1, offset=1) == []
    assert query.count_events(store, actor="leraren (nederland)") == 1
    assert query.count_events(store, place="Noord-Holland") == 0
    assert query.count_events(store, story_id=story["id"], event_type="Peaceful protest") == 1
    assert query.count_events(store, date_from="2024-10-04") == 0
    assert [p["name"] for p in query.list_places(store)] == ["Utrecht"]
    assert query.list_actors(store) == [{"name": "Leraren (Nederland)", "count": 1}]
    assert len(query.place_events(store, "Utrecht")) == 1 and len(query.actor_events(store, "Leraren (Nederland)")) == 1
    assert query.deleted_events(store) == []


def test_empty_store_answers_empty(store: Store) -> None:
    assert query.list_stories(store) == [] and query.count_stories(store) == 0
    assert query.list_events(store) == [] and query.count_events(store) == 0
    assert query.list_places(store) == [] and query.list_actors(store) == []


def test_story_names_have_one_type_across_articles(tmp_path: Path) -> None:
    from kroniek.model import Document, Entity
    from kroniek.store.query import story_names

    store = Store.open(f"sqlite:///{tmp_path / 'names.db'}")
    try:
        first = Article(outlet="a", text="Jansen sprak in Zwolle.", published=PartialDate.parse("2024-03-05"))
        second = Article(outlet="b", text="Piet Jansen en Jansen BV in Zwolle.",
                         published=PartialDate.parse("2024-03-05"))
        third = Article(outlet="c", text="Piet Jansen opende in Zwolle.", published=PartialDate.parse("2024-03-06"))
        store.ingest_batch([first, second, third])
        from kroniek.analyse.document import document_hash

        labels = {first.id: [("Jansen", "ORG", 0), ("Zwolle", "LOC", 16)],
                  second.id: [("Piet Jansen", "PER", 0), ("Zwolle", "LOC", 29)],
                  third.id: [("Piet Jansen", "PER", 0), ("Zwolle", "LOC", 21)]}
        with store.engine.begin() as conn:
            for article in (first, second, third):
                entities = [Entity(text, label, start, start + len(text), 0)
                            for text, label, start in labels[article.id]]
                store.save_document(conn, document_hash(article), Document(article.id, article.text, "nl",
                                                                           entities=entities, analyser="test"))
        names = {n["name"]: n for n in story_names(store, [first.id, second.id, third.id])}
        assert set(names) == {"Piet Jansen", "Zwolle"}, "the surname alone joins the full name"
        assert names["Piet Jansen"]["label"] == "PER" and names["Piet Jansen"]["other_labels"] == ["ORG"]
        assert names["Piet Jansen"]["articles"] == 3 and names["Zwolle"]["label"] == "LOC"
    finally:
        store.close()


def test_story_names_from_kept_rows_equal_those_from_the_analyses(tmp_path: Path) -> None:
    """The link stage keeps each article's names; the story page's vote over those rows is the vote over the
    stored analyses (the fallback for articles linked before the rows existed), and "no names" is kept too."""
    from kroniek.analyse.document import document_hash
    from kroniek.model import Document, Entity
    from kroniek.store import schema
    from kroniek.store.query import story_names

    store = Store.open(f"sqlite:///{tmp_path / 'kept.db'}")
    try:
        texts = ["Minister De Vries bezocht Zwolle.", "De Vries sprak in Zwolle met Rijkswaterstaat.",
                 "Het water steeg verder."]
        articles = [Article(outlet=f"o{i}", title="Hoog water bij Zwolle", text=text,
                            published=PartialDate.parse("2024-01-0" + str(i + 2))) for i, text in enumerate(texts)]
        store.ingest_batch(articles)
        labels = [[("De Vries", "PER", 9), ("Zwolle", "LOC", 26)],
                  [("De Vries", "PER", 0), ("Zwolle", "LOC", 15), ("Rijkswaterstaat", "ORG", 26)], []]
        with store.engine.begin() as conn:
            for article, found in zip(articles, labels, strict=True):
                entities = [Entity(text, label, start, start + len(text), 0) for text, label, start in found]
                store.save_document(conn, document_hash(article), Document(article.id, article.text, "nl",
                                                                           entities=entities, analyser="test"))
            store.mark_done(conn, "extract", articles)  # no events: only the names matter here
        LinkStage().run(store, load_settings())
        ids = [a.id for a in articles]
        with store.engine.connect() as conn:
            kept = {(r.article_id, r.label) for r in conn.execute(schema.article_names.select())}
        assert (ids[2], "") in kept, "an article without names says so"
        assert (ids[1], "ORG") in kept and (ids[0], "PER") in kept
        from_rows = story_names(store, ids)
        with store.engine.begin() as conn:
            conn.execute(schema.article_names.delete())
        assert story_names(store, ids) == from_rows, "the analyses give the same vote"
        names = {n["name"]: n for n in from_rows}
        assert names["De Vries"]["articles"] == 2 and names["Zwolle"]["label"] == "LOC"
    finally:
        store.close()


def test_event_pages_read_in_timeline_order_and_summaries_leave_out_mentions(store: Store) -> None:
    """Dated events by date then id, undated ones last; any page of the list is the same slice of the whole list,
    across the dated/undated boundary; summaries keep every field but the mentions (counted)."""
    build(store)
    extra = Article(outlet="NOS", title="Boeren protesteren", text="Boeren protesteerden bij het provinciehuis.",
                    url="https://nos.example/1", published=PartialDate.parse("2024-10-05"))
    store.ingest_batch([extra])
    events = [Event(article_id=extra.id, sentence=index, trigger="protesteerden", disorder_type="Demonstrations",
                    event_type="Protests", sub_event_type="Peaceful protest", plover_type="PROTEST",
                    actor1=Actor("Boeren", "Protesters", "NL"), place=Place(name, "Nederland", "NL", 528, None,
                                                                            52.0, 5.0, 1),
                    date=PartialDate.parse(day) if day else None, issue=name)
              for index, (name, day) in enumerate((("Arnhem", None), ("Zwolle", "2024-09-30"), ("Assen", None),
                                                   ("Lelystad", "2024-10-01")))]
    with store.engine.begin() as conn:
        store.replace_extractions(conn, extra.id, events, [])
        store.mark_done(conn, "extract", [extra])  # as the extract stage would
    LinkStage().run(store, load_settings())
    whole = query.list_events(store)
    starts = [e["date_start"] for e in whole]
    dated = [s for s in starts if s is not None]
    assert dated == sorted(dated) and starts[len(dated):] == [None] * (len(starts) - len(dated))
    assert len(dated) >= 3 and len(starts) - len(dated) == 2
    assert query.count_events(store) == len(whole)
    for limit in (1, 2, 3):
        for offset in range(len(whole) + 1):
            page = query.list_events(store, limit=limit, offset=offset)
            assert [e["id"] for e in page] == [e["id"] for e in whole[offset:offset + limit]], (limit, offset)
    summaries = query.list_events(store, full=False)
    for full, summary in zip(whole, summaries, strict=True):
        assert "mentions" not in summary and summary["mention_count"] == len(full["mentions"])
        assert {k: v for k, v in full.items() if k not in ("mentions", "history")} == \
            {k: v for k, v in summary.items() if k not in ("mention_count", "summary")}


def test_story_list_events_are_summaries_and_zero_leaves_them_out(store: Store) -> None:
    build(store)
    [story] = query.list_stories(store, events_per_story=20)
    assert story["event_count"] == 1 and "mentions" not in story["events"][0]
    assert story["events"][0]["mention_count"] == 2
    [bare] = query.list_stories(store, events_per_story=0)
    assert "events" not in bare and bare["event_count"] == 1 and bare["id"] == story["id"]
    [full] = query.list_stories(store)
    assert len(full["events"][0]["mentions"]) == 2


def test_event_summary_falls_back_to_data_for_rows_without_one(store: Store) -> None:
    """Events written before summaries existed (summary NULL) are summarised from their data on read."""
    from kroniek.store import schema

    build(store)
    before = query.list_events(store, full=False)
    with store.engine.begin() as conn:
        conn.execute(schema.events.update().values(summary=None))
    assert query.list_events(store, full=False) == before


def test_the_store_upgrade_fills_in_the_read_model_for_stores_linked_before_it(store: Store) -> None:
    """A store linked before migration 0003 has events without summaries and articles without names: opening it
    with this kroniek (migration 0007) fills them in, once; the link stage never looks for old data."""
    from kroniek.store import schema
    from kroniek.store.upgrades import upgrade_read_model

    a, b = build(store)
    with store.engine.begin() as conn:
        expected_summaries = [r.summary for r in conn.execute(schema.events.select().order_by(schema.events.c.id))]
        conn.execute(schema.events.update().values(summary=None))
        conn.execute(schema.article_names.delete())
    upgraded = reopened_after(store, "0006")
    try:
        with upgraded.engine.connect() as conn:
            assert [r.summary for r in conn.execute(schema.events.select().order_by(schema.events.c.id))] == \
                expected_summaries
            assert {r.article_id for r in conn.execute(schema.article_names.select())} == {a.id, b.id}
        with upgraded.engine.begin() as conn:
            assert upgrade_read_model(conn) == {"event_summaries": 0, "article_names": 0, "story_summaries": 0}
        assert "read_model_backfilled" not in LinkStage().run(upgraded, load_settings()).counts
    finally:
        upgraded.close()
