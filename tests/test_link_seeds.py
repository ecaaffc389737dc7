"""The two seed articles (two outlets) end in one story, with their disagreeing figures reconciled.

Reads ../shared/seeds at run time (skipped when it is absent); the claims are built from phrases found in the
seed text, so the test does not depend on the extract stage being there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kroniek.config import load_settings
from kroniek.link.stage import LinkStage
from kroniek.model import Actor, Article, Claim, Event, PartialDate, Place
from kroniek.reconcile.stage import ReconcileStage
from kroniek.store.query import get_story, list_stories
from kroniek.store.repository import Store

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
FILES = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
pytestmark = pytest.mark.skipif(len(FILES) < 2, reason="../shared/seeds not available")

KAZAKHSTAN = Place("Kazachstan", "Kazachstan", "KZ", 398, None, 48.0, 67.0, 3)


def seed_article(path: Path, outlet: str) -> Article:
    raw = path.read_text(encoding="utf-8")
    match = re.match(r"\s*date (\d{4}-\d{2}(?:-\d{2})?)\s+", raw)
    assert match
    return Article(outlet=outlet, text=raw[match.end():], url=f"https://{outlet.lower()}.example/{path.stem}",
                   published=PartialDate.parse(match.group(1)))


def find(article: Article, phrase: str) -> tuple[int, int, str]:
    start = article.text.lower().find(phrase.lower())
    assert start >= 0, phrase
    return start, start + len(phrase), article.text[start:start + len(phrase)]


def test_seeds_make_one_story_with_both_outlets_and_reconciled_figures(store: Store) -> None:
    first, second = seed_article(FILES[0], "Outlet A"), seed_article(FILES[1], "Outlet B")
    store.ingest_batch([first, second])
    events, claims = {}, {}
    for art in (first, second):
        events[art.id] = Event(article_id=art.id, sentence=0, trigger="protesten", disorder_type="Demonstrations",
                               event_type="Protests", sub_event_type="Excessive force against protesters",
                               plover_type="PROTEST", actor1=Actor("Demonstranten (Kazachstan)", "Protesters", "KZ"),
                               place=KAZAKHSTAN, date=PartialDate.parse("2022-01"), issue="brandstofprijzen")
    s, e, text = find(first, "Honderden mensen")
    claims[first.id] = [Claim("arrested", first.id, s, e, text, value=100, low=200, high=999, vague="honderden",
                              group_type="people", attribution=["Outlet A", "de regering"],
                              event_id=events[first.id].id)]
    s, e, text = find(second, "meer dan tweeduizend")
    claims[second.id] = [Claim("arrested", second.id, s, e, text, value=2001, low=2001, qualifier="more_than",
                               group_type="people", attribution=["Outlet B", "Reuters", "de Kazachse politie"],
                               event_id=events[second.id].id)]
    for art in (first, second):
        with store.engine.begin() as conn:
            store.replace_extractions(conn, art.id, [events[art.id]], claims[art.id])
            store.mark_done(conn, "extract", [art])  # as the extract stage would
    LinkStage().run(store, load_settings())
    ReconcileStage().run(store, load_settings())
    [story] = list_stories(store)
    assert story["outlets"] == ["Outlet A", "Outlet B"] and story["article_count"] == 2
    full = get_story(store, story["id"])
    assert full is not None
    [arrested] = [f for f in full["figures"] if f["kind"] == "arrested"]
    assert arrested["coded"] == 100 and arrested["disagreement"]
    assert "Outlet A" in arrested["explanation"] and "Outlet B" in arrested["explanation"]
    assert "Reuters" in arrested["explanation"] and "2001+" in arrested["explanation"]
