"""One hostile article never stalls the analysis: over-long runs without a sentence end are split before Frog, a
giant "word" is analysed shallowly, an article Frog cannot finish in time is set aside as failed (listed, retried
only on request), and the other articles of its batch and of every later batch are analysed.

The hostile texts are generated here: 100 KB of words without a full stop, a title of 300 KB without one, a
60,000-character "word"."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kroniek.analyse.pipeline import Analyser, AnalysisOptions, bounded, segment, set_language, set_metadata, triage
from kroniek.analyse.stage import FAILED, AnalyseStage, failed_articles, retry_failed
from kroniek.config import Settings, load_settings
from kroniek.extract.stage import ExtractStage
from kroniek.model import Article
from kroniek.store.repository import Store

WORDS = ("de", "politie", "arresteerde", "gisteren", "in", "Amsterdam", "drie", "mannen", "na", "een", "betoging",
         "bij", "het", "stadhuis", "waar", "honderd", "mensen", "demonstreerden", "tegen", "de", "nieuwe", "wet",
         "over", "wonen", "en", "werk")


def run_of_words(size: int, seed: int = 1) -> str:
    """``size`` characters of words and spaces: no full stop, no line break."""
    rng = random.Random(seed)
    words: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(WORDS)
        words.append(word)
        length += len(word) + 1
    return " ".join(words)[:size].rstrip()


def good(n: int) -> Article:
    return Article(outlet="Testkrant", id=f"good-{n}", title=f"Politie houdt {n} betogers aan in Utrecht",
                   text=f"De politie heeft dinsdag in Utrecht {n} betogers aangehouden. Zij worden verhoord.")


def poison(name: str = "poison", size: int = 100_000) -> Article:
    return Article(outlet="Testkrant", id=name, title="Lange tekst", text=run_of_words(size))


def settings_for(db_url: str, **analyse: object) -> Settings:
    conf = load_settings(None, db_url)
    conf.data["analyse"].update({"deep": "all", "batch_size": 3, **analyse})
    return conf


# --- bounds, without Frog ---------------------------------------------------------------------------------------


def test_a_run_without_sentence_end_is_split_into_bounded_pieces() -> None:
    article = poison()
    analyser = Analyser(AnalysisOptions(deep="all", max_sentence_tokens=250, max_sentence_chars=3000))
    batch = analyser._new_batch([article], analyser.version)
    set_metadata(analyser, batch)
    segment(analyser, batch)
    doc = batch.documents[0]
    body = [s for s in doc.sentences if s.start >= len(article.title)]
    assert len(body) > 30
    assert all(len(s.tokens) <= 250 and s.end - s.start <= 3000 for s in body)
    # the pieces cover the run token by token, in order, with their offsets into the text intact
    tokens = [t for s in body for t in s.tokens]
    assert [t.text for t in tokens] == doc.text[body[0].start:].split()
    assert all(doc.text[t.start:t.end] == t.text for t in tokens)
    assert "split into pieces" in batch.notes[article.id]


def test_bounds_can_be_switched_off_and_short_sentences_stay_whole() -> None:
    sentence = Analyser(AnalysisOptions(deep="none")).analyse(good(1)).sentences[1]
    assert bounded(sentence, 250, 3000) == [sentence]
    article = poison(size=20_000)
    analyser = Analyser(AnalysisOptions(deep="all", max_sentence_tokens=0, max_sentence_chars=0))
    batch = analyser._new_batch([article], analyser.version)
    set_metadata(analyser, batch)
    segment(analyser, batch)
    assert len(batch.documents[0].sentences) == 2  # the title and one giant sentence
    assert article.id not in batch.notes


def test_a_giant_word_is_analysed_shallowly_and_the_article_marked() -> None:
    article = Article(outlet="Testkrant", id="word", title="Een woord",
                      text="Het begon gewoon. " + "a" * 60_000 + " en toen. De politie kwam.")
    analyser = Analyser(AnalysisOptions(deep="all", max_token_chars=100))
    batch = analyser._new_batch([article], analyser.version)
    for component in (set_metadata, set_language, segment, triage):
        component(analyser, batch)
    doc = batch.documents[0]
    sent = [doc.text[doc.sentences[i].start:doc.sentences[i].end] for i in batch.deep_sentences[0]]
    assert sent and all(len(s) < 1000 for s in sent)  # every other sentence still goes to Frog
    assert "De politie kwam." in sent
    assert "analysed shallowly" in batch.notes[article.id]


def test_the_bounds_are_part_of_the_cache_key() -> None:
    assert (Analyser(AnalysisOptions(max_sentence_tokens=250)).version
            != Analyser(AnalysisOptions(max_sentence_tokens=100)).version)


# --- with Frog --------------------------------------------------------------------------------------------------


def analysed_ids(store: Store) -> set[str]:
    return {a.id for a in store.articles() if store.document_for(a) is not None}


@pytest.mark.frog
@pytest.mark.skipif(shutil.which("frog") is None, reason="Frog: make setup")
def test_hostile_texts_are_analysed_within_bounds_with_the_rest_of_the_batch(sqlite_url: str) -> None:
    """With the bounds on, 100 KB without a full stop and a 300 KB title are analysed (split, deep) like any
    article, and the good ones of the same and of the next batch are analysed with them."""
    store = Store.open(sqlite_url)
    try:
        title = Article(outlet="Testkrant", id="title", title=run_of_words(300_000, seed=2),
                        text="De burgemeester sprak met de bewoners.")
        store.ingest_batch([good(1), poison(), good(2), title, good(3), good(4)])
        report = AnalyseStage().run(store, settings_for(sqlite_url, frog_request_timeout_s=120.0))
        assert report.counts["failed"] == 0 and report.processed == 6
        assert analysed_ids(store) == {"good-1", "good-2", "good-3", "good-4", "poison", "title"}
        doc = store.document_for(store.get_article("poison"))  # type: ignore[arg-type]
        assert doc is not None and all(len(s.tokens) <= 250 for s in doc.sentences)
        assert sum(s.deep for s in doc.sentences) > 30  # Frog saw the pieces
        notes = store.stage_notes("analyse")
        assert "split into pieces" in notes["poison"] and "split into pieces" in notes["title"]
        assert failed_articles(store) == []
    finally:
        store.close()


@pytest.mark.frog
@pytest.mark.skipif(shutil.which("frog") is None, reason="Frog: make setup")
def test_an_article_frog_cannot_finish_is_set_aside_and_the_rest_analysed(sqlite_url: str) -> None:
    """Bounds off, short time-outs: Frog does not finish the 100 KB sentence. That article is set aside as
    failed, the good ones of its batch and of the later batch are analysed (and extracted), a second run does not
    try it again, and a retry on request (with the bounds back on) analyses it."""
    store = Store.open(sqlite_url)
    try:
        store.ingest_batch([good(1), poison(), good(2), good(3), good(4)])
        hostile = settings_for(sqlite_url, max_sentence_tokens=0, max_sentence_chars=0, article_timeout_s=4.0,
                               frog_request_timeout_s=4.0)
        report = AnalyseStage().run(store, hostile)
        assert report.counts["failed"] == 1 and report.processed == 5
        assert analysed_ids(store) == {"good-1", "good-2", "good-3", "good-4"}
        [failed] = failed_articles(store)
        assert failed.article_id == "poison" and "did not finish within 4 s" in failed.reason and failed.current
        assert any(note.startswith("poison: set aside") for note in report.notes)

        ExtractStage().run(store, hostile)
        assert set(store.stage_notes("extract")) <= {"good-1", "good-2", "good-3", "good-4"}
        assert {a.id for a in store.articles()} - _done(store, "extract") == {"poison"}

        started = time.monotonic()
        again = AnalyseStage().run(store, hostile)
        assert again.processed == 0 and time.monotonic() - started < 3  # not retried without asking

        assert retry_failed(store) == 1
        fixed = AnalyseStage().run(store, settings_for(sqlite_url))
        assert fixed.processed == 1 and fixed.counts["failed"] == 0
        assert "poison" in analysed_ids(store) and failed_articles(store) == []
        ExtractStage().run(store, hostile)
        assert "poison" in _done(store, "extract")  # extracted once analysed, not skipped for good
    finally:
        store.close()


def _done(store: Store, stage: str) -> set[str]:
    from sqlalchemy import select

    from kroniek.store import schema

    with store.engine.connect() as conn:
        return set(conn.execute(select(schema.stage_runs.c.article_id)
                                .where(schema.stage_runs.c.stage == stage)).scalars())


@pytest.mark.frog
@pytest.mark.skipif(shutil.which("frog") is None, reason="Frog: make setup")
@pytest.mark.parametrize("mode", ["--side-by-side", "--one-process"])
def test_kroniek_run_reports_the_failed_article_and_kroniek_failed_lists_it(tmp_path: Path, mode: str) -> None:
    db = tmp_path / "k.db"
    config = tmp_path / "k.toml"
    config.write_text('[analyse]\ndeep = "all"\nbatch_size = 2\nmax_sentence_tokens = 0\nmax_sentence_chars = 0\n'
                      "article_timeout_s = 4.0\nfrog_request_timeout_s = 4.0\n", encoding="utf-8")
    store = Store.open(f"sqlite:///{db}")
    try:
        store.ingest_batch([good(1), poison(), good(2), good(3)])
    finally:
        store.close()

    def kroniek(*args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "KRONIEK_FAILPOINT"}
        return subprocess.run([sys.executable, "-m", "kroniek", "--db", f"sqlite:///{db}", "--config",
                               str(config), *args], capture_output=True, text=True, env=env, timeout=300)

    run = kroniek("run", mode)
    assert run.returncode == 0, run.stderr
    assert "1 article(s) set aside as failed" in run.stderr and "poison: set aside" in run.stderr
    listed = kroniek("failed", "--json")
    assert listed.returncode == 0
    [row] = json.loads(listed.stdout)
    assert row["article_id"] == "poison" and "did not finish" in row["reason"]
    table = kroniek("failed")
    assert re.match(r"poison\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+analysis failed: Frog did not finish", table.stdout)
    assert "1 failed article(s)" in table.stderr
    articles = {a["id"] for a in json.loads(kroniek("articles", "--json").stdout)}
    assert articles == {"good-1", "good-2", "good-3", "poison"}
    store = Store.open(f"sqlite:///{db}")
    try:
        assert _done(store, "analyse") == {"good-1", "good-2", "good-3"}
        assert _done(store, FAILED) == {"poison"}
    finally:
        store.close()
    assert "set aside" not in kroniek("run", mode).stderr  # a plain re-run leaves it aside
