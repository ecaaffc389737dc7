"""Language id per article: Dutch is recognised, other languages are stored and marked, and the Dutch-only stages
skip them with a note instead of extracting nonsense."""

from __future__ import annotations

import pytest

from kroniek import pipeline
from kroniek.analyse.language import detect_language
from kroniek.config import load_settings
from kroniek.model import Article, PartialDate
from kroniek.store.repository import Store


@pytest.mark.parametrize(("text", "expected"), [
    ("De gemeenteraad van Zwolle heeft dinsdagavond besloten dat de nieuwe brug over de IJssel er toch komt.", "nl"),
    ("Lees ook: Burgemeester opent nieuwe fietsbrug", "nl"),  # short Dutch furniture, not Afrikaans
    ("The city council of Leeds voted on Tuesday night to go ahead with the new bridge over the river.", "en"),
    ("Le conseil municipal de Lyon a décidé mardi soir de construire un nouveau pont sur le Rhône.", "fr"),
    ("Der Stadtrat von Köln hat am Dienstagabend beschlossen, eine neue Brücke über den Rhein zu bauen.", "de"),
])
def test_detects_the_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_too_short_to_tell() -> None:
    assert detect_language("Oké.") is None
    assert detect_language("   ") is None


def test_non_dutch_articles_are_stored_marked_and_skipped(store: Store) -> None:
    settings = load_settings(db_url=store.engine.url.render_as_string(hide_password=False))
    settings.data["analyse"]["deep"] = "none"
    day = PartialDate.parse("2024-03-05")
    dutch = Article(outlet="stadskrant", url="https://stadskrant.example/a", title="Rellen in Arnhem",
                    text="In Arnhem hebben relschoppers dinsdagavond winkels geplunderd. De politie arresteerde "
                         "twaalf jongeren.", published=day)
    english = Article(outlet="citypaper", url="https://citypaper.example/b", title="Riots in Leeds",
                      text="Rioters looted shops in Leeds on Tuesday night. Police arrested twelve young men after "
                           "the unrest spread to the city centre.", published=day)
    store.ingest_batch([dutch, english])
    reports = {r.name: r for r in pipeline.run(store, settings)}
    languages = {a.id: a.language for a in store.articles()}
    assert languages[dutch.id] == "nl"
    assert languages[english.id] == "en"
    assert any(english.id in note and "language en" in note for note in reports["analyse"].notes)
    mentions = store.mentions()
    assert mentions, "the Dutch article still gives events"
    assert {m.article_id for m in mentions} == {dutch.id}
    assert "language en" in store.stage_notes("extract").get(english.id, "")
