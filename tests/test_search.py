"""Full-text search (kroniek.store.search, migration 0009) on SQLite FTS5 and PostgreSQL tsvector: Dutch inflections,
accents, phrases, exclusions, grouping by story, the index kept in step with updates, and hostile queries.

The articles are written for these tests; each check runs on every engine the test run has (``db_url``), and one
test compares the two engines' answers directly when PostgreSQL is there."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert
from typer.testing import CliRunner

from conftest import BACKENDS, fresh_db_url
from kroniek.model import Article, PartialDate
from kroniek.store import schema
from kroniek.store.repository import Store
from kroniek.store.search import Clause, SearchError, parse_query, postgres_query, search, sqlite_match

ARTICLES = [
    ("Dagblad Oost", "2024-02-10", "Betogers opgepakt in Tbilisi",
     "De oproerpolitie in Georgië heeft zaterdagavond tientallen demonstranten aangehouden. Volgens het ministerie "
     "van Binnenlandse Zaken gaat het om 41 arrestaties. De betogers keren zich tegen een omstreden mediawet."),
    ("Het Westen", "2024-02-11", "Onrust in Georgie duurt voort",
     "Ook zondag trokken duizenden mensen door de straten van de hoofdstad. Eén demonstrant liep lichte "
     "verwondingen op. Het parlement stelde de stemming over de wet uit."),
    ("Dagblad Oost", "2024-06-03", "Dijk bezwijkt in Noord-Brabant",
     "Na een week van zware regenval is bij Oss een dijk doorgebroken. Het waterschap spreekt van een "
     "uitzonderlijke situatie; honderden bewoners zijn geëvacueerd."),
    ("Nieuwsblad Zuid", "2024-06-04", "Evacuatie na dijkdoorbraak",
     "Inwoners van Noord-Brabant mogen voorlopig niet terug naar huis. De provincie zegt dat de schade aan de "
     "dijk groter is dan gedacht."),
    ("Het Westen", "2024-07-01", "Uitspraak over windpark",
     "De Raad van State heeft het bestemmingsplan vernietigd. Twee gemeenteraden en de raden van bestuur van de "
     "netbeheerders reageerden teleurgesteld, meldde de regionale radio."),
]


def _store(db_url: str) -> Store:
    store = Store.open(db_url)
    store.ingest_batch([Article(outlet, text, title, published=PartialDate.parse(date), id=f"zoek-{i}")
                        for i, (outlet, date, title, text) in enumerate(ARTICLES)])
    return store


@pytest.fixture
def filled(db_url: str) -> Any:
    store = _store(db_url)
    yield store
    store.close()


def titles(found: dict[str, Any]) -> set[str]:
    return {hit["title"] for group in found["items"] for hit in group["hits"]}


def marked_words(found: dict[str, Any]) -> set[str]:
    return {part["text"] for group in found["items"] for hit in group["hits"]
            for sentence in hit["sentences"] for part in sentence["segments"] if part["match"]}


def test_a_word_finds_its_dutch_inflections_in_the_texts(filled: Store) -> None:
    found = search(filled, "demonstranten")
    assert titles(found) == {"Betogers opgepakt in Tbilisi", "Onrust in Georgie duurt voort"}
    assert marked_words(found) == {"demonstranten", "demonstrant"}
    assert titles(search(filled, "bewoner")) == {"Dijk bezwijkt in Noord-Brabant"}  # "bewoners" in the text


def test_accents_do_not_matter_either_way(filled: Store) -> None:
    both = {"Betogers opgepakt in Tbilisi", "Onrust in Georgie duurt voort"}
    assert titles(search(filled, "Georgie")) == both
    assert titles(search(filled, "Georgië")) == both
    assert titles(search(filled, "geevacueerd")) == {"Dijk bezwijkt in Noord-Brabant"}


def test_titles_and_bodies_are_both_searched_and_titles_weigh_more(filled: Store) -> None:
    found = search(filled, "Brabant")  # in one title and in the other's text
    assert [group["hits"][0]["title"] for group in found["items"]] == ["Dijk bezwijkt in Noord-Brabant",
                                                                       "Evacuatie na dijkdoorbraak"]
    first, second = (group["hits"][0] for group in found["items"])
    assert [p["text"] for p in first["title_segments"] if p["match"]] == ["Brabant"]
    assert first["sentences"] == [] and marked_words({"items": [{"hits": [second]}]}) == {"Brabant"}


def test_phrases_keep_word_order_and_span_function_words(filled: Store) -> None:
    assert titles(search(filled, '"ministerie van Binnenlandse Zaken"')) == {"Betogers opgepakt in Tbilisi"}
    assert titles(search(filled, '"Zaken Binnenlandse"')) == set()
    hyphenated = search(filled, "Noord-Brabant")
    assert titles(hyphenated) == {"Dijk bezwijkt in Noord-Brabant", "Evacuatie na dijkdoorbraak"}


def test_excluded_words_and_phrases_remove_matches(filled: Store) -> None:
    assert titles(search(filled, "demonstranten -verwondingen")) == {"Betogers opgepakt in Tbilisi"}
    assert titles(search(filled, 'Noord-Brabant -"niet terug"')) == {"Dijk bezwijkt in Noord-Brabant"}


def test_every_word_must_match(filled: Store) -> None:
    assert titles(search(filled, "dijk Tbilisi")) == set()
    assert titles(search(filled, "dijk schade")) == {"Evacuatie na dijkdoorbraak"}


def test_a_word_matches_its_inflections_not_every_word_it_begins(filled: Store) -> None:
    """"raad" and "raden" share the stem "rad" (the stemmer undoubles the vowel); "radio" is another word, and a
    compound ("gemeenteraden", "dijkdoorbraak") is not its last part."""
    found = search(filled, "raad")
    assert titles(found) == {"Uitspraak over windpark"}
    assert marked_words(found) == {"Raad", "raden"}
    assert titles(search(filled, "raden")) == {"Uitspraak over windpark"}
    assert "Evacuatie na dijkdoorbraak" in titles(search(filled, "dijk"))  # "de dijk" in its text, not the title
    assert marked_words(search(filled, "dijk")) == {"dijk"}
    assert titles(search(filled, '"Raad van State"')) == {"Uitspraak over windpark"}
    assert titles(search(filled, "bomen")) == set()


def test_short_words_match_exactly_not_as_a_prefix(filled: Store) -> None:
    assert titles(search(filled, "Oss")) == {"Dijk bezwijkt in Noord-Brabant"}
    assert titles(search(filled, "41")) == {"Betogers opgepakt in Tbilisi"}
    assert titles(search(filled, "4")) == set()


def test_the_matching_sentence_is_shown_with_its_offset(filled: Store) -> None:
    found = search(filled, "mediawet")
    sentence = found["items"][0]["hits"][0]["sentences"][0]
    text = ARTICLES[0][3]
    assert "".join(p["text"] for p in sentence["segments"]) == "De betogers keren zich tegen een omstreden mediawet."
    assert text[sentence["offset"]:].startswith("De betogers keren")


def test_an_empty_result_reports_what_was_searched(filled: Store) -> None:
    found = search(filled, "zeppelin")
    assert found["items"] == [] and found["total_articles"] == 0
    assert found["clauses"] == [{"words": ["zeppelin"], "excluded": False}]


def test_a_query_of_function_words_only_is_refused(filled: Store) -> None:
    for query in ("de het", "-dijk", "  ", '""'):
        with pytest.raises(SearchError):
            search(filled, query)


def test_hits_are_grouped_by_story(filled: Store) -> None:
    now = dt.datetime.now(dt.UTC)
    with filled.engine.begin() as conn:
        conn.execute(insert(schema.stories).values(id="st-georgie", title="Protest in Georgië", article_count=2,
                                                   outlet_count=2, status="active", updated_at=now))
        conn.execute(insert(schema.story_articles), [
            {"article_id": "zoek-0", "story_id": "st-georgie", "similarity": 1.0, "joined_at": now},
            {"article_id": "zoek-1", "story_id": "st-georgie", "similarity": 0.8, "joined_at": now}])
    found = search(filled, "demonstrant")
    assert found["total_articles"] == 2 and found["total_groups"] == 1
    group = found["items"][0]
    assert group["story_id"] == "st-georgie" and group["title"] == "Protest in Georgië"
    assert group["matching_articles"] == 2 and len(group["hits"]) == 2
    alone = search(filled, "dijk")["items"]
    assert all(g["story_id"] is None for g in alone)  # not linked yet: each article on its own


def test_the_index_follows_updates(filled: Store) -> None:
    outlet, date, title, _ = ARTICLES[2]
    result = filled.ingest_batch([Article(outlet, "De dijk bij Oss houdt het toch: de kade is versterkt.", title,
                                          published=PartialDate.parse(date), id="zoek-2")])
    assert result.updated == 1
    assert titles(search(filled, "geevacueerd")) == set()
    assert titles(search(filled, "kade")) == {"Dijk bezwijkt in Noord-Brabant"}


@pytest.mark.parametrize(("query", "words"), [
    ("NEAR(dijk schade)", "near dijk schade"), ("dijk*", "dijk"), ('"dijk', "dijk"), ("title:dijk", "title dijk"),
    ("dijk AND OR NOT", "dijk and or not"), ("dijk' OR 1=1 --", "dijk or 1 1"), ("^dijk", "dijk"),
    ("dijk:*&!", "dijk"), ("(dijk", "dijk"), ("{title}: dijk", "title dijk"), ("dijk \\", "dijk"),
    ("schade:* & !dijk", "schade dijk")])
def test_query_syntax_of_either_engine_is_just_text(filled: Store, query: str, words: str) -> None:
    """Operators of FTS5 or tsquery are words or nothing: the same answer as the bare words."""
    assert titles(search(filled, query)) == titles(search(filled, words))
    if words in ("dijk", "schade dijk"):
        assert titles(search(filled, query))


def test_engines_give_the_same_answers(tmp_path: Path) -> None:
    if "postgresql" not in BACKENDS:
        pytest.skip("PostgreSQL not started for this test run (KRONIEK_TEST_PG)")
    queries = ["demonstranten", "Georgie", "arrestaties", "arrestatie", '"ministerie van Binnenlandse Zaken"', "Oss",
               "demonstranten -verwondingen", "Noord-Brabant", "dijk schade", "geevacueerd", "straat", "bewoners",
               "raad", '"raad van state"', "gemeenteraad", "radio", "netbeheerder"]
    answers = []
    for backend in ("sqlite", "postgresql"):
        for url in fresh_db_url(backend, tmp_path / backend):
            (tmp_path / backend).mkdir(exist_ok=True)
            store = _store(url)
            try:
                answers.append({q: (titles(found := search(store, q)), marked_words(found)) for q in queries})
            finally:
                store.close()
    assert answers[0] == answers[1]


def test_query_translation_quotes_every_word() -> None:
    clauses = parse_query('Demonstranten "ministerie van Defensie" -EU')
    assert clauses == [Clause(("demonstranten",)), Clause(("ministerie", "van", "defensie")),
                       Clause(("eu",), negated=True)]
    assert sqlite_match(clauses) == '("demonstranten") AND ("ministerie van defensie") NOT ("eu")'
    spellings = {"demonstranten": ("demonstrant", "demonstranten"), "defensie": ("defensie",),
                 "ministerie": ("ministerie", "ministeries")}
    assert sqlite_match(clauses, lambda w: spellings.get(w, (w,))) == (
        '("demonstrant" OR "demonstranten") AND ("ministerie van defensie" OR "ministeries van defensie") '
        'NOT ("eu")')
    assert postgres_query(clauses) == "(demonstranten) & (ministerie <2> defensie) & !(eu)"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_any_text_is_a_result_or_a_clear_refusal(tmp_path_factory: pytest.TempPathFactory, query: str) -> None:
    store = _cached_store(tmp_path_factory)
    try:
        found = search(store, query)
    except SearchError as error:
        assert str(error)
    else:
        assert found["total_articles"] >= 0


_STORES: dict[str, Store] = {}


def _cached_store(factory: pytest.TempPathFactory) -> Store:
    if "sqlite" not in _STORES:
        _STORES["sqlite"] = _store(f"sqlite:///{factory.mktemp('search') / 'kroniek.db'}")
    return _STORES["sqlite"]


def test_search_api_page_and_cli(filled: Store, db_url: str) -> None:
    from fastapi.testclient import TestClient

    from kroniek.cli import app as cli
    from kroniek.config import load_settings
    from kroniek.serve.app import create_app

    client = TestClient(create_app(load_settings(), store=filled))
    answer = client.get("/api/search", params={"q": "Georgië"})
    assert answer.status_code == 200 and answer.json()["total_articles"] == 2
    refused = client.get("/api/search", params={"q": "de"})
    assert refused.status_code == 422 and "function word" in refused.json()["error"]
    assert client.get("/api/search", params={"q": "x" * 201}).status_code == 422
    page = client.get("/search", params={"q": "demonstranten"})
    assert page.status_code == 200 and "<mark>demonstranten</mark>" in page.text
    nothing = client.get("/search", params={"q": "zeppelin"})
    assert nothing.status_code == 200 and "Nothing matched “zeppelin”" in nothing.text
    hostile = client.get("/search", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert" not in hostile.text
    stories = client.get("/stories", params={"q": "zeppelin"})
    assert "No stories yet" not in stories.text and "/search?q=zeppelin" in stories.text

    runner = CliRunner()
    printed = runner.invoke(cli, ["--db", db_url, "search", "demonstranten"])
    assert printed.exit_code == 0, printed.output
    assert "Eén demonstrant liep lichte verwondingen op." in printed.output
    assert runner.invoke(cli, ["--db", db_url, "search", "het"]).exit_code == 2


def test_stories_are_found_by_the_names_their_events_carry(filled: Store) -> None:
    now = dt.datetime.now(dt.UTC)
    with filled.engine.begin() as conn:
        conn.execute(insert(schema.stories).values(id="st-dijk", title="Dijkdoorbraak bij Oss", article_count=1,
                                                   outlet_count=1, status="active", updated_at=now))
        conn.execute(insert(schema.events), [
            {"id": f"ev-{n}", "story_id": "st-dijk", "event_type": "Strategic developments",
             "sub_event_type": "Other", "plover_type": "OTHER", "status": status, "data": "{}", "updated_at": now}
            for n, status in ((1, "active"), (2, "active"), (3, "merged"))])
        conn.execute(insert(schema.link_event_keys), [
            {"event_id": f"ev-{n}", "kind": "place", "value": "north brabant", "label": "North Brabant"}
            for n in (1, 2, 3)])
    found = search(filled, "North Brabant")
    assert [(g["story_id"], g["names"], g["hits"]) for g in found["items"]] == [
        ("st-dijk", [{"kind": "place", "label": "North Brabant", "events": 2}], [])]
    assert all(g["names"] == [] for g in search(filled, "dijk")["items"])
