"""The story timeline and honest dates, through the link and reconcile stages, the read model, the pages, the API
and the exports: month stories say "January 2022", a publication time is no event time, date filters treat a
month as the whole month ("possibly"), entries of one day follow the articles, one plain line per entry, events
that did not happen behind a toggle, and a figures summary whose numbers link to their sentences."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kroniek.config import load_settings
from kroniek.link.stage import LinkStage
from kroniek.model import Actor, Article, Claim, Event, Evidence, PartialDate, Place, document_text
from kroniek.reconcile.stage import ReconcileStage
from kroniek.serve.app import create_app
from kroniek.store import query
from kroniek.store.repository import Store

ALMATY = Place("Almaty", "Kazachstan", "KZ", 398, "Almaty", 43.25, 76.95, 1)

# Our own sentences. The request for help is in both articles; A is published with a time of day.
TEXT_A = ("Kazachstan vraagt de CSTO om militaire hulp tegen de onrust in Almaty. "
          "In Almaty gingen meer dan 2000 demonstranten de straat op. "
          "De politie arresteerde 40 mensen bij het stadhuis van Almaty. "
          "Bij de onrust in Almaty vielen zeker acht doden. "
          "De oppositie in Almaty roept op dinsdag opnieuw te demonstreren.")
TEXT_B = ("Kazachstan vraagt de CSTO om militaire hulp tegen de onrust in Almaty, meldt de regering. "
          "Volgens het ministerie vielen in Almaty tien doden bij de onrust.")
TEXT_M = ("Boeren in de provincie Groningen blokkeerden deze maand wegen met trekkers uit protest tegen het "
          "stikstofbeleid van het kabinet.")


def _sentence_start(text: str, index: int) -> int:
    starts = [0] + [m.end() for m in re.finditer(r"\. ", text)]
    return starts[index]


def _event(article: Article, sentence: int, kind: str, date: PartialDate, **fields: Any) -> Event:
    codings = {
        "request": ("Strategic developments", "Strategic developments", "Other", "REQUEST", ""),
        "protest": ("Demonstrations", "Protests", "Peaceful protest", "PROTEST", "demo"),
        "arrest": ("Strategic developments", "Strategic developments", "Arrests", "COERCE", "arrest"),
        "attack": ("Political violence", "Violence against civilians", "Attack", "ASSAULT", ""),
    }
    disorder, event_type, sub, plover, mode = codings[kind]
    start = _sentence_start(article.text, sentence)
    return Event(article_id=article.id, sentence=sentence, trigger=kind, disorder_type=disorder,
                 event_type=event_type, sub_event_type=sub, plover_type=plover, plover_mode=mode, date=date,
                 evidence=[Evidence(article.id, start, start + 5, "trigger", article.text[start:start + 5])],
                 **fields)


def _claim(article: Article, words: str, kind: str, event: Event, **fields: Any) -> Claim:
    start = document_text(article).index(words)  # claims hold offsets in the analysed text (title first)
    return Claim(kind, article.id, start, start + len(words), words, attribution=[article.outlet],
                 event_id=event.id, sentence=event.sentence, **fields)


def build(store: Store) -> dict[str, Any]:
    a = Article(outlet="NOS", title="Kazachstan vraagt CSTO om militaire hulp", text=TEXT_A,
                url="https://nos.example/1", published=PartialDate.parse("2022-01-06T10:20:00+01:00"))
    b = Article(outlet="NRC", title="Kazachstan vraagt CSTO om militaire hulp tegen onrust", text=TEXT_B,
                url="https://nrc.example/1", published=PartialDate.parse("2022-01-06"))
    m = Article(outlet="Trouw", title="Boeren blokkeren wegen in Groningen", text=TEXT_M,
                url="https://trouw.example/1", published=PartialDate.parse("2022-01"))
    store.ingest_batch([a, b, m])
    kazakh = Actor("Government of Kazakhstan", "State forces", "KZ")
    csto = Actor("CSTO", "External/Other forces")
    day = PartialDate.parse("2022-01-06")
    # the text names no date: the extraction dates these by the publication, a datetime for article A
    request_a = _event(a, 0, "request", a.published, actor1=kazakh, actor2=csto, place=ALMATY)
    protest = _event(a, 1, "protest", a.published, actor1=Actor("Protesters (Kazakhstan)", "Protesters", "KZ"),
                     place=ALMATY)
    arrest = _event(a, 2, "arrest", a.published, actor1=Actor("Police Forces of Kazakhstan", "State forces", "KZ"),
                    place=ALMATY)
    attack = _event(a, 3, "attack", a.published, actor1=Actor("Unidentified Armed Group (Kazakhstan)",
                                                               "Political militia", "KZ"), place=ALMATY)
    future = _event(a, 4, "protest", PartialDate.parse("2022-01-11"), contexts=["future"],
                    actor1=Actor("Protesters (Kazakhstan)", "Protesters", "KZ"), place=ALMATY)
    request_b = _event(b, 0, "request", day, actor1=kazakh, actor2=csto, place=ALMATY)
    attack_b = _event(b, 1, "attack", day, actor1=Actor("Unidentified Armed Group (Kazakhstan)",
                                                         "Political militia", "KZ"), place=ALMATY)
    month = _event(m, 0, "protest", PartialDate.parse("2022-01"),
                   actor1=Actor("Protesters (Netherlands)", "Protesters", "NL"),
                   place=Place("Groningen", "Nederland", "NL", 528, "Groningen", 53.22, 6.57, 1))
    claims = {
        a.id: [_claim(a, "meer dan 2000", "crowd", protest, value=2000, low=2001, qualifier="more_than",
                      group_type="protesters"),
               _claim(a, "40", "arrested", arrest, value=40, low=40, high=40, group_type="unknown"),
               _claim(a, "zeker acht", "killed", attack, value=8, low=8, qualifier="at_least",
                      group_type="people")],
        b.id: [_claim(b, "tien", "killed", attack_b, value=10, low=10, high=10, group_type="people")],
        m.id: [],
    }
    extracted = {a.id: [request_a, protest, arrest, attack, future], b.id: [request_b, attack_b], m.id: [month]}
    for article in (a, b, m):
        with store.engine.begin() as conn:
            store.replace_extractions(conn, article.id, extracted[article.id], claims[article.id])
            store.mark_done(conn, "extract", [article])
    LinkStage().run(store, load_settings())
    ReconcileStage().run(store, load_settings())
    return {"a": a, "b": b, "m": m}


@pytest.fixture
def built(store: Store) -> Iterator[tuple[Store, dict[str, Any], TestClient]]:
    articles = build(store)
    with TestClient(create_app(load_settings(), store)) as client:
        yield store, articles, client


def _story_of(store: Store, article: Article) -> dict[str, Any]:
    story = next(s for s in query.list_stories(store, events_per_story=0)
                 if article.id in [x["id"] for x in (query.get_story(store, s["id"]) or {}).get("articles", [])])
    found = query.get_story(store, story["id"], full_events=False)
    assert found is not None
    return found


def test_a_month_story_shows_its_month_never_an_invented_day(built: tuple[Store, dict[str, Any], TestClient]) -> None:
    store, articles, client = built
    story = _story_of(store, articles["m"])
    assert story["first_seen_label"] == "January 2022" and story["last_seen_label"] == "January 2022"
    assert story["first_seen_precision"] == "month"
    page = client.get(f"/stories/{story['id']}").text
    assert "First seen January 2022" in page and "last seen January 2022" in page
    assert "2022-01-01" not in page and "1 January 2022" not in page
    [event] = story["events"]
    assert event["date_label"] == "January 2022" and event["date_precision"] == "month"
    # a day-precise story says its day
    kazakh = _story_of(store, articles["a"])
    assert kazakh["first_seen_label"] == "6 January 2022"


def test_a_date_filter_treats_a_month_as_the_whole_month(built: tuple[Store, dict[str, Any], TestClient]) -> None:
    store, articles, client = built
    month_story = _story_of(store, articles["m"])
    listed = client.get("/api/stories", params={"date_from": "2022-01-05", "date_to": "2022-01-07"}).json()
    by_id = {s["id"]: s for s in listed["items"]}
    assert by_id[month_story["id"]]["date_match"] == "possible", "2022-01 may well be 5..7 January"
    assert by_id[_story_of(store, articles["a"])["id"]]["date_match"] == "certain"
    later = client.get("/api/stories", params={"date_from": "2022-01-20"}).json()
    assert month_story["id"] in [s["id"] for s in later["items"]], "a month story reaches the month's end"
    assert client.get("/api/stories", params={"date_from": "2022-02-01"}).json()["total"] == 0
    events = query.list_events(store, date_from="2022-01-05", date_to="2022-01-07", full=False)
    matches = {e["date_precision"]: e["date_match"] for e in events}
    assert matches == {"month": "possible", "day": "certain"}
    whole = query.list_events(store, date_from="2022-01-01", date_to="2022-01-31", full=False)
    assert {e["date_match"] for e in whole} == {"certain"}
    later = query.list_events(store, date_from="2022-01-12", full=False)
    assert [(e["date_precision"], e["date_match"]) for e in later] == [("month", "possible")], \
        "the days before are left out, the month stays possible"


def test_a_publication_time_is_never_an_event_time(built: tuple[Store, dict[str, Any], TestClient]) -> None:
    _store, _articles, client = built
    events = client.get("/api/events", params={"limit": 100}).json()["items"]
    assert events and all(e["date_precision"] != "datetime" and "T" not in str(e["date"]) for e in events)
    from_publication = [e for e in events if e.get("date_basis") == "publication"]
    assert from_publication and all(e["date"] == "2022-01-06" and e["time_precision"] == 1
                                    for e in from_publication)
    event = next(e for e in from_publication if e["sub_event_type"] == "Arrests")
    page = client.get(f"/events/{event['id']}").text
    assert "(date of publication)" in page and "p-datetime" not in page
    assert "Published</dt>" in page and "6 January 2022, 10:20" in page, "the publication apart, labelled"
    story = client.get(f"/stories/{event['story_id']}").text
    assert "p-datetime" not in story.split('id="coverage"')[0], "no event on the timeline has a time of day"


def test_page_api_and_exports_agree_on_each_events_date(built: tuple[Store, dict[str, Any], TestClient]) -> None:
    _store, _articles, client = built
    events = {e["id"]: e for e in client.get("/api/events", params={"limit": 100}).json()["items"]}
    rows = list(csv.DictReader(io.StringIO(client.get("/api/export/acled").text)))
    assert rows
    # ACLED rows carry their own ids: each row's day and time_precision must be one of the API's events'
    acled = sorted((r["event_date"], int(r["time_precision"])) for r in rows)
    ours = sorted((str(e["acled_date"]), int(e["time_precision"])) for e in events.values()
                  if e["happened"] and e["country"] and e["date_precision"] != "year")
    assert set(acled) <= set(ours)
    assert ("2022-01-16", 3) in ours, "ACLED codes a month event on the middle of the month, time_precision 3"
    geo = client.get("/api/export/geojson").json()["features"]
    for feature in geo:
        props = feature["properties"]
        mine = events[props["id"]]
        assert props["event_date"] == mine["acled_date"] and props["date_precision"] == mine["date_precision"]
        assert props["date_start"] == mine["date_start"]
    month = next(e for e in events.values() if e["date_precision"] == "month")
    page = client.get(f"/events/{month['id']}").text
    assert "January 2022" in page and "ACLED codes it 2022-01-16 (time_precision 3)" in page


def test_same_day_entries_follow_the_articles_and_read_as_one_line(
        built: tuple[Store, dict[str, Any], TestClient]) -> None:
    store, articles, client = built
    story = _story_of(store, articles["a"])
    same_day = [e for e in story["events"] if e["date_start"] == "2022-01-06"]
    reports = [(e["first_report"]["published_at"], e["first_report"]["sentence"]) for e in same_day]
    assert len(same_day) >= 4 and reports == sorted(reports), "article date, then position in the article"
    request = next(e for e in story["events"] if e["plover_type"] == "REQUEST")
    assert request["outlets"] == ["NOS", "NRC"]
    assert request["line"] == "Government of Kazakhstan asks CSTO for help in Almaty, Kazachstan — NOS, NRC"
    lines = [e["line"] for e in same_day]
    assert len(set(lines)) == len(lines), "no two different entries read the same"
    page = client.get(f"/stories/{story['id']}").text
    timeline = page.split('id="timeline"')[1].split("</section>")[0]
    assert "Government of Kazakhstan asks CSTO for help in Almaty, Kazachstan — NOS, NRC" in timeline
    order = [timeline.index(f'/events/{e["id"]}"') for e in same_day]
    assert order == sorted(order)


def test_events_that_did_not_happen_are_behind_a_toggle(built: tuple[Store, dict[str, Any], TestClient]) -> None:
    store, articles, client = built
    story = _story_of(store, articles["a"])
    future = next(e for e in story["events"] if "future" in e["contexts"])
    assert future["date_start"] == "2022-01-11" and not future["happened"]
    page = client.get(f"/stories/{story['id']}").text
    listed = page.split('id="timeline"')[1].split('id="map-section"')[0] + page.split('id="events"')[1]
    assert f'/events/{future["id"]}"' not in listed, "hidden by default on the timeline and in the events table"
    assert f'href="/stories/{story["id"]}?all=true#timeline"' in page and "1 event that did not happen" in page
    shown = client.get(f"/stories/{story['id']}", params={"all": "true"}).text
    assert f'/events/{future["id"]}"' in shown.split('id="timeline"')[1].split("</section>")[0]
    assert "(planned)" in shown and "Hide them" in shown
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", shown), "no inline script (CSP script-src 'self')"
    assert client.get(f"/stories/{story['id']}", params={"all": "maybe"}).status_code == 422


def test_the_figures_summary_has_one_row_per_kind_and_group(built: tuple[Store, dict[str, Any], TestClient]) -> None:
    store, articles, client = built
    story = _story_of(store, articles["a"])
    rows = {(f["kind"], f["group"]): f for f in story["figures_summary"]}
    assert set(rows) == {("killed", "people"), ("arrested", ""), ("crowd", "protesters")}
    assert [f["kind"] for f in story["figures_summary"]] == ["killed", "arrested", "crowd"]
    assert rows[("crowd", "protesters")]["range"] == "> 2000"
    killed = rows[("killed", "people")]
    assert {c["text"] for c in killed["claims"]} == {"zeker acht", "tien"} and killed["coded"] is not None
    page = client.get(f"/stories/{story['id']}").text
    figures = page.split('id="figures"')[1].split("</section>")[0]
    assert "&gt; 2000" in figures and "2001" not in figures and "9999" not in figures
    assert "unknown" not in figures.lower()
    assert figures.index("Killed") < figures.index("Arrested") < figures.index("Crowd")
    claim_id = rows[("crowd", "protesters")]["claims"][0]["claim_id"]
    assert f'href="/claims/{claim_id}"' in figures
    sentence = client.get(f"/claims/{claim_id}").text
    assert '<mark class="ev-number" title="the number">meer dan 2000</mark>' in sentence
    assert "In Almaty gingen" in sentence and "vraagt de CSTO" not in sentence, "the number's own sentence"
    assert client.get("/claims/cdoesnotexist00").status_code == 404
    assert client.get("/claims/" + "c" * 300).status_code == 404, "an over-long id is no query"
