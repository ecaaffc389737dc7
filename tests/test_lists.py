"""The lists with facets (``kroniek.store.lists``; pages /events, /articles, /places, /actors, /outlets, their JSON
twins and the pick-list route) on a small store of our own, on SQLite and PostgreSQL: sorting, paging, facet counts
checked against a count done in Python, name variants from the gazetteer's data, suggestions and the 422s.

Articles go in through the store's ingest; canonical events and their facet keys are written as the link stage
writes them (``LinkRepository.save_event``, ``set_keys`` with the link stage's own ``_event_facets``), so the lists
read what a pipeline run leaves behind."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kroniek.config import load_settings
from kroniek.link.stage import _event_facets, _event_values
from kroniek.model import Article, PartialDate
from kroniek.serve.app import create_app
from kroniek.store import lists, query
from kroniek.store.links import LinkRepository, dumps, event_keys
from kroniek.store.repository import Store

ARTICLES = [
    # (id, outlet, title, published, text)
    ("a1", "NOS", "Onrust in Almaty", "2022-01-05", "Betogers bestormden het stadhuis in Almaty. De politie schoot."),
    ("a2", "NRC", "", "2022-01-06", "Tokajev vraagt de CSTO om hulp. Russische parachutisten landen in Kazachstan."),
    ("a3", "NOS", "Protest in Den Haag", "2022-02", "Duizenden mensen liepen mee in Den Haag. Het bleef rustig."),
    ("a4", "Trouw", "Betoging in Tbilisi", "2022-03-10", "In Tbilisi gingen studenten de straat op."),
    ("a5", "NRC", "", "2021", "Zonder titel en zonder punt aan het einde van een heel lange eerste zin die maar "
                              "doorgaat over van alles en nog wat zodat hij te lang is voor een titel op de pagina"),
]

# (id, event_type, sub_event_type, place, iso2, country, date_start, date_end, precision, actor1, actor1_type,
#  actor2, actor2_type, outlets, fatalities)
EVENTS = [
    ("e01", "Riots", "Violent demonstration", "Almaty", "KZ", "Kazakhstan", "2022-01-05", "2022-01-05", "day",
     "Rioters (Kazakhstan)", "Rioters", "Police Forces of Kazakhstan", "State forces", ["NOS", "NRC"], 8),
    ("e02", "Riots", "Mob violence", "Almaty", "KZ", "Kazakhstan", "2022-01-06", "2022-01-06", "day",
     "Rioters (Kazakhstan)", "Rioters", None, None, ["NOS"], 0),
    ("e03", "Strategic developments", "Agreement", "Nur-Sultan", "KZ", "Kazakhstan", "2022-01-05", "2022-01-05",
     "datetime", "Government of Kazakhstan", "State forces", "CSTO", "External/Other forces", ["NRC"], None),
    ("e04", "Protests", "Peaceful protest", "The Hague", "NL", "Netherlands", "2022-02-01", "2022-02-28", "month",
     "Protesters (Netherlands)", "Protesters", None, None, ["NOS"], None),
    ("e05", "Protests", "Peaceful protest", "Tbilisi", "GE", "Georgia", "2022-03-10", "2022-03-10", "day",
     "Protesters (Georgia)", "Protesters", None, None, ["Trouw"], None),
    ("e06", "Battles", "Armed clash", "Almaty", "KZ", "Kazakhstan", "2022-01-03", "2022-01-09", "week",
     "Military Forces of Kazakhstan", "State forces", "Rioters (Kazakhstan)", "Rioters", ["NRC", "Trouw"], 3),
    ("e07", "Protests", "Protest with intervention", "Rotterdam", "NL", "Netherlands", "2021-01-01", "2021-12-31",
     "year", "Protesters (Netherlands)", "Protesters", "Police Forces of the Netherlands", "State forces",
     ["NRC"], None),
    ("e08", "Protests", "Peaceful protest", None, None, None, None, None, None, "Protesters (International)",
     "Protesters", None, None, ["NOS"], None),
    ("e09", "Riots", "Violent demonstration", "Almaty", "KZ", "Kazakhstan", "2022-01-07", "2022-01-07", "day",
     "Rioters (Kazakhstan)", "Rioters", None, None, ["NOS"], 2),
]


def event_data(row: tuple[Any, ...]) -> dict[str, Any]:
    (event_id, event_type, sub, place, iso2, country, start, end, precision, actor1, type1, actor2, type2,
     outlets, fatalities) = row
    return {
        "id": event_id, "story_id": "s1", "date": start if precision != "month" else (start or "")[:7] or None,
        "date_precision": precision, "date_start": start, "date_end": end, "disorder_type": "Demonstrations",
        "event_type": event_type, "sub_event_type": sub, "plover_type": "PROTEST", "plover_mode": None,
        "actor1": actor1, "actor1_type": type1, "actor2": actor2, "actor2_type": type2, "assoc_actors": [],
        "place": place, "admin1": None, "country": country, "iso2": iso2, "latitude": 43.2 if place else None,
        "longitude": 76.9 if place else None, "geo_precision": 1, "contexts": [], "happened": True,
        "outlets": outlets, "article_ids": ["a1"], "mention_ids": [f"m{event_id}"], "mentions": [],
        "fatalities": fatalities, "figures": [], "updated_at": f"2022-04-0{1 + int(event_id[1:]) % 9}T10:00:00+00:00",
    }


def build(store: Store) -> list[dict[str, Any]]:
    """Fill the store; returns the events' data (what the tests count in Python)."""
    articles = [Article(outlet=outlet, text=text, title=title, id=article_id, url=f"https://example.org/{article_id}",
                        published=PartialDate.parse(published), language="nl",
                        ingested_at=dt.datetime(2022, 4, 1, tzinfo=dt.UTC))
                for article_id, outlet, title, published, text in ARTICLES]
    store.ingest_batch(articles)
    repo = LinkRepository(store)
    events = [event_data(row) for row in EVENTS]
    with store.engine.begin() as conn:
        for data in events:
            values = _event_values(data)
            values["data"] = dumps(data)
            repo.save_event(conn, values)
            repo.set_keys(conn, event_keys, data["id"], _event_facets(data))
    return events


@pytest.fixture
def listed(db_url: str) -> Iterator[tuple[TestClient, Store, list[dict[str, Any]]]]:
    settings = load_settings(db_url=db_url)
    store = Store.open(db_url)
    events = build(store)
    with TestClient(create_app(settings, store)) as client:
        yield client, store, events
    store.close()


def ok(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, (path, params, response.text[:300])
    return response.json()


def timeline(events: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in sorted(events, key=lambda e: (e["date_start"] is None, e["date_start"] or "", e["id"]))]


# --- sorting and paging ---------------------------------------------------------------------------------------

def test_events_sort_by_each_column_both_ways(listed: Any) -> None:
    client, _store, events = listed
    assert [e["id"] for e in ok(client, "/api/lists/events")["items"]] == timeline(events)
    by_date = {e["id"]: e for e in events}
    for column, key in (("fatalities", "fatalities"), ("place", "place"), ("event_type", "event_type")):
        for descending in (False, True):
            got = ok(client, "/api/lists/events", sort=("-" if descending else "") + column)
            ids = [e["id"] for e in got["items"]]
            present = [by_date[i][key] for i in ids if by_date[i][key] is not None]
            assert present == sorted(present, reverse=descending), (column, descending, ids)
            # undated or unknown values come last either way
            assert all(by_date[i][key] is None for i in ids[len(present):]), (column, ids)
            assert got["sort"] == ("-" if descending else "") + column
    newest = ok(client, "/api/lists/events", sort="-date")["items"]
    assert newest[0]["id"] == "e05" and newest[-1]["date_start"] is None


def test_paging_walks_every_row_once_in_order(listed: Any) -> None:
    client, _store, events = listed
    for kind, limit in (("events", 2), ("articles", 2), ("places", 2), ("actors", 3), ("outlets", 1)):
        whole = ok(client, f"/api/lists/{kind}", limit=500)
        seen: list[Any] = []
        offset: int | None = 0
        while offset is not None:
            page = ok(client, f"/api/lists/{kind}", limit=limit, offset=offset)
            assert len(page["items"]) <= limit and page["total"] == whole["total"]
            seen.extend(page["items"])
            offset = page["next_offset"]
        assert seen == whole["items"], kind
    assert ok(client, "/api/lists/events")["total"] == len(events)


# --- facets: counted in the database over the whole filtered set, checked in Python --------------------------

def day_or_time(precision: str | None) -> str | None:
    """The precision facet reads the date columns: a time of day counts as its day."""
    return "day" if precision == "datetime" else precision


def month_of(e: dict[str, Any]) -> str | None:
    """The month an event lies in; none for a year or a span over two months."""
    start, end = e["date_start"], e["date_end"]
    return start[:7] if start and end and start[:7] == end[:7] else None


def python_facets(events: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {name: Counter() for name in lists.SPECS["events"].facets}
    for e in events:
        for name, value in (("event_type", e["event_type"]), ("country", e["iso2"]), ("place", e["place"]),
                            ("precision", day_or_time(e["date_precision"])),
                            ("month", month_of(e))):
            if value:
                counts[name][value] += 1
        for value in {e["actor1_type"], e["actor2_type"]} - {None}:
            counts["actor_type"][value] += 1
        for outlet in e["outlets"]:
            counts["outlet"][outlet] += 1
    return counts


@pytest.mark.parametrize("filters", [{}, {"country": "KZ"}, {"outlet": "NRC"}, {"event_type": "Protests"},
                                     {"month": "2022-01", "actor_type": "Rioters"}, {"precision": "day"},
                                     {"precision": "datetime"}, {"precision": "week"}, {"precision": "month"}])
def test_event_facets_count_the_filtered_set_not_the_page(listed: Any, filters: dict[str, str]) -> None:
    client, _store, events = listed
    def keep(e: dict[str, Any]) -> bool:
        return all({"country": e["iso2"] == filters.get("country"),
                    "outlet": filters.get("outlet") in e["outlets"],
                    "event_type": e["event_type"] == filters.get("event_type"),
                    "month": month_of(e) == filters.get("month"),
                    "actor_type": filters.get("actor_type") in (e["actor1_type"], e["actor2_type"]),
                    "precision": day_or_time(e["date_precision"]) == filters.get("precision")
                                 or e["date_precision"] == filters.get("precision")}[name] for name in filters)
    wanted = [e for e in events if keep(e)]
    got = ok(client, "/api/lists/events", limit=1, **filters)  # one row a page: the facets still count all
    assert got["total"] == len(wanted) and len(got["items"]) == min(1, len(wanted))
    expected = python_facets(wanted)
    for name, facet in got["facets"].items():
        assert {v["value"]: v["count"] for v in facet["values"]} == dict(expected[name]), name
        counts = [v["count"] for v in facet["values"]]
        assert counts == sorted(counts, reverse=True), name
    # the API's event list gives the facets asked for, and only then
    api = ok(client, "/api/events", facets="country,month", **filters)
    assert set(api["facets"]) == {"country", "month"} and "facets" not in ok(client, "/api/events", **filters)


def test_kept_answers_follow_the_store(listed: Any) -> None:
    """Answers are kept between requests, but a change to the store (a new event, a new article) shows at once."""
    client, store, _events = listed
    before = ok(client, "/api/lists/events", country="GE")
    assert before == ok(client, "/api/lists/events", country="GE") and before["total"] == 1
    extra = event_data(("e10", "Riots", "Mob violence", "Batumi", "GE", "Georgia", "2022-03-11", "2022-03-11", "day",
                        "Rioters (Georgia)", "Rioters", None, None, ["NOS"], 1))
    with store.engine.begin() as conn:
        LinkRepository(store).save_event(conn, _event_values(extra) | {"data": dumps(extra)})
        LinkRepository(store).set_keys(conn, event_keys, "e10", _event_facets(extra))
    after = ok(client, "/api/lists/events", country="GE")
    assert after["total"] == 2 and {v["value"] for v in after["facets"]["place"]["values"]} == {"Tbilisi", "Batumi"}
    store.ingest_batch([Article(outlet="Parool", text="Nieuw.", title="Nieuw", id="a6",
                                published=PartialDate.parse("2022-03-12"))])
    assert "Parool" in {o["name"] for o in ok(client, "/api/lists/outlets")["items"]}


def test_article_place_actor_and_outlet_facets(listed: Any) -> None:
    client, _store, events = listed
    articles = ok(client, "/api/lists/articles")
    assert {v["value"]: v["count"] for v in articles["facets"]["outlet"]["values"]} == {"NOS": 2, "NRC": 2,
                                                                                       "Trouw": 1}
    assert {v["value"]: v["count"] for v in articles["facets"]["precision"]["values"]} == {"day": 3, "month": 1,
                                                                                          "year": 1}
    places = ok(client, "/api/lists/places")
    expected = Counter((e["place"], e["iso2"]) for e in events if e["place"])
    assert {(p["name"], p["iso2"]): p["count"] for p in places["items"]} == dict(expected)
    assert {v["value"]: v["count"] for v in places["facets"]["country"]["values"]} == dict(
        Counter(iso2 for _place, iso2 in expected))
    actors = ok(client, "/api/lists/actors")
    named = Counter(name for e in events for name in {e["actor1"], e["actor2"]} - {None})
    assert {a["name"]: a["count"] for a in actors["items"]} == dict(named)
    outlets = ok(client, "/api/lists/outlets", sort="name")
    assert [(o["name"], o["articles"]) for o in outlets["items"]] == [("NOS", 2), ("NRC", 2), ("Trouw", 1)]
    assert ok(client, "/api/lists/outlets", sort="-articles", limit=1)["items"][0]["articles"] == 2


def test_a_facet_link_on_the_page_narrows_the_list(listed: Any) -> None:
    client, _store, events = listed
    page = client.get("/events").text
    link = re.search(r'<section class="facet" data-facet="country">.*?<a class="facet-link" href="([^"]+)">'
                     r'Netherlands</a> <span class="count">(\d+)</span>', page, re.S)
    assert link is not None
    narrowed = client.get("/events" + unescape(link.group(1))).text
    rows = re.findall(r'<a class="event-link" href="/events/(e\d+)">', narrowed)
    assert sorted(rows) == sorted(e["id"] for e in events if e["iso2"] == "NL") and len(rows) == int(link.group(2))
    remove = re.search(r'class="facet-remove" href="([^"]+)"', narrowed)
    assert remove is not None  # the selected value can be taken off again
    widened = client.get("/events" + unescape(remove.group(1))).text
    assert len(re.findall(r'class="event-link"', widened)) == len(events)
    # column headers are sort links that keep the filter
    assert 'href="?country=NL&amp;sort=-date"' in narrowed


# --- names: Dutch and English spellings, prefixes -------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("Den Haag", {"e04"}), ("'s-Gravenhage", {"e04"}), ("The Hague", {"e04"}), ("den haag", {"e04"}),
    ("Georgië", {"e05"}), ("Tiflis", {"e05"}), ("Kazachstan", {"e01", "e02", "e03", "e06", "e09"}),
    ("Kazakhstan", {"e01", "e02", "e03", "e06", "e09"}), ("Nergenshuizen", set())])
def test_place_filters_take_every_spelling(listed: Any, name: str, expected: set[str]) -> None:
    client, _store, _events = listed
    assert {e["id"] for e in ok(client, "/api/events", place=name, limit=500)["items"]} == expected
    assert {e["id"] for e in ok(client, "/api/lists/events", place=name)["items"]} == expected


def test_the_facet_shows_the_chosen_place_in_any_spelling(listed: Any) -> None:
    client, _store, _events = listed
    facets = ok(client, "/api/lists/events", place="Den Haag", country="Nederland")["facets"]
    assert [(v["value"], v["selected"]) for v in facets["place"]["values"]] == [("The Hague", True)]
    assert [(v["label"], v["selected"]) for v in facets["country"]["values"]] == [("Netherlands", True)]


def test_country_filters_take_codes_and_names(listed: Any) -> None:
    client, _store, events = listed
    kz = {e["id"] for e in events if e["iso2"] == "KZ"}
    for name in ("KZ", "kz", "Kazachstan", "Kazakhstan"):
        assert {e["id"] for e in ok(client, "/api/lists/events", country=name)["items"]} == kz, name
    assert {p["name"] for p in ok(client, "/api/lists/places", country="Georgië")["items"]} == {"Tbilisi"}


def test_suggestions_for_the_pick_lists(listed: Any) -> None:
    client, _store, _events = listed
    assert ok(client, "/api/suggest", kind="place", prefix="Tbil")["items"] == ["Tbilisi"]
    assert "Kazakhstan" in ok(client, "/api/suggest", kind="place", prefix="kazach")["items"]  # Dutch prefix
    assert "The Hague" in ok(client, "/api/suggest", kind="place", prefix="Den H")["items"]
    assert ok(client, "/api/suggest", kind="place", prefix="Alm")["items"] == ["Almaty"]
    assert ok(client, "/api/suggest", kind="actor", prefix="Rioters")["items"] == ["Rioters (Kazakhstan)"]
    assert ok(client, "/api/suggest", kind="outlet", prefix="n")["items"] == ["NOS", "NRC"]  # most used first
    assert ok(client, "/api/suggest", kind="place", prefix="%")["items"] == []  # % and _ are characters
    assert ok(client, "/api/suggest", kind="place", prefix="_lmaty")["items"] == []
    for params, word in (({"kind": "weather", "prefix": "a"}, "kind"), ({"kind": "place", "prefix": ""}, "prefix"),
                         ({"kind": "place", "prefix": "x" * 201}, "prefix"), ({"kind": "place"}, "prefix")):
        response = client.get("/api/suggest", params=params)
        assert response.status_code == 422 and word in response.text, params


def test_the_places_prefix_filter_is_literal(listed: Any) -> None:
    client, _store, _events = listed
    assert [p["name"] for p in ok(client, "/api/lists/places", prefix="tb")["items"]] == ["Tbilisi"]
    assert ok(client, "/api/lists/places", prefix="%")["items"] == []
    assert [a["name"] for a in ok(client, "/api/lists/actors", prefix="protesters (n")["items"]] == [
        "Protesters (Netherlands)"]


# --- articles: untitled ones get their first sentence -------------------------------------------------------

def test_untitled_articles_are_titled_from_their_first_sentence(listed: Any) -> None:
    client, _store, _events = listed
    items = {a["id"]: a for a in ok(client, "/api/articles", limit=50)["items"]}
    assert items["a2"]["display_title"] == "Tokajev vraagt de CSTO om hulp." and items["a2"]["untitled"]
    assert items["a2"]["title"] == ""  # the stored field stays as it is
    assert items["a1"]["display_title"] == "Onrust in Almaty" and not items["a1"]["untitled"]
    long = items["a5"]["display_title"]
    assert long.endswith("…") and len(long) <= lists.TITLE_CHARACTERS + 1 and long.startswith("Zonder titel")
    page = client.get("/articles").text
    assert ">Tokajev vraagt de CSTO om hulp.</a>" in page and ">a2<" not in page
    assert lists.title_from_text("\n\nEerste zin. Tweede zin.") == "Eerste zin."
    assert lists.title_from_text("Om 3.15 uur begon het. Daarna niet.") == "Om 3.15 uur begon het."


def test_article_filters_and_sorts(listed: Any) -> None:
    client, _store, _events = listed
    assert {a["id"] for a in ok(client, "/api/articles", outlet="NOS")["items"]} == {"a1", "a3"}
    assert [a["id"] for a in ok(client, "/api/lists/articles", sort="-published")["items"]] == [
        "a4", "a3", "a2", "a1", "a5"]
    # a month-dated article overlaps every day of its month
    assert {a["id"] for a in ok(client, "/api/lists/articles", date_from="2022-02-10",
                                date_to="2022-02-12")["items"]} == {"a3"}
    assert {a["id"] for a in ok(client, "/api/lists/articles", month="2022-01")["items"]} == {"a1", "a2"}
    # an article dated only to the year is in no month
    assert ok(client, "/api/lists/articles", month="2021-01")["total"] == 0
    months = ok(client, "/api/lists/articles")["facets"]["month"]["values"]
    assert {v["value"]: v["count"] for v in months} == {"2022-01": 2, "2022-02": 1, "2022-03": 1}
    arrivals = [a["arrival"] for a in ok(client, "/api/lists/articles", sort="arrival")["items"]]
    assert arrivals == sorted(arrivals) and len(set(arrivals)) == 5


# --- the API keeps its shape ------------------------------------------------------------------------------------

def test_the_event_api_keeps_its_items_and_page_fields(listed: Any, db_url: str) -> None:
    client, store, _events = listed
    page = ok(client, "/api/events", limit=4, offset=2)
    assert {"items", "total", "limit", "offset", "next_offset"} <= set(page)
    assert page["items"] == query.list_events(store, limit=4, offset=2, full=False)
    assert page["total"] == query.count_events(store) and page["next_offset"] == 6
    full = ok(client, "/api/events", full="true", limit=2)["items"]
    assert full == query.list_events(store, limit=2, full=True)
    assert ok(client, "/api/events", story_id="s1", date_from="2022-01-06", date_to="2022-01-07")["total"] == \
        query.count_events(store, story_id="s1", date_from="2022-01-06", date_to="2022-01-07")


# --- bad parameters: 422 naming them, JSON for the API, an HTML page for pages -------------------------------

BAD = [({"bogus": "1"}, "bogus"), ({"sort": "weather"}, "sort"), ({"sort": "--date"}, "sort"),
       ({"limit": "0"}, "limit"), ({"limit": "x"}, "limit"), ({"offset": "-1"}, "offset"),
       ({"month": "2022-13"}, "month"), ({"date_from": "gisteren"}, "date_from"),
       ({"precision": "ish"}, "precision"), ({"place": "x" * 201}, "place"),
       ({"date_from": "2022-02-01", "date_to": "2022-01-01"}, "date_from is after date_to"),
       ({"facets": "weather"}, "facets")]


@pytest.mark.parametrize(("params", "word"), BAD, ids=[w for _p, w in BAD])
def test_bad_parameters_are_a_422_naming_them(listed: Any, params: dict[str, str], word: str) -> None:
    client, _store, _events = listed
    for path in ("/api/lists/events", "/api/events"):
        response = client.get(path, params=params)
        assert response.status_code == 422, (path, params)
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert word in body["error"] + " ".join(body.get("details") or []), (path, body)
    page = client.get("/events", params=params)
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert word in unescape(page.text) and "<h1>422</h1>" in page.text


@pytest.mark.parametrize("kind", ["articles", "places", "actors", "outlets"])
def test_every_list_page_refuses_unknown_parameters(listed: Any, kind: str) -> None:
    client, _store, _events = listed
    assert client.get(f"/{kind}").status_code == 200
    page = client.get(f"/{kind}", params={"colour": "red"})
    assert page.status_code == 422 and "colour" in unescape(page.text) and "text/html" in page.headers["content-type"]
    api = client.get(f"/api/lists/{kind}", params={"colour": "red"})
    assert api.status_code == 422 and "colour" in api.json()["error"]
    assert client.get("/api/lists/weather").status_code == 404


def test_the_whole_place_and_actor_lists_refuse_parameters(listed: Any) -> None:
    client, _store, events = listed
    assert len(ok(client, "/api/places")) == len({(e["place"], e["iso2"]) for e in events if e["place"]})
    for path in ("/api/places", "/api/actors"):
        response = client.get(path, params={"country": "NL"})
        assert response.status_code == 422 and "'country'" in response.json()["error"], path


def test_pages_escape_what_they_show(listed: Any) -> None:
    client, _store, _events = listed
    page = client.get("/places", params={"prefix": "<script>x</script>"})
    assert page.status_code == 200 and "<script>x</script>" not in page.text


def test_the_event_list_shows_dates_to_their_precision_and_what_only_overlaps(listed: Any) -> None:
    """e04 is dated February 2022 as a month: the list says "February 2022", and for 2..3 February only "possibly";
    e06, a week around 5 January, overlaps 5..6 January only possibly too; e01 (5 January) lies inside for sure."""
    client, _store, _events = listed
    page = client.get("/events", params={"date_from": "2022-02-02", "date_to": "2022-02-03"}).text
    assert "February 2022" in page and "2022-02-01" not in page
    assert "possibly" in page
    answer = ok(client, "/api/events", date_from="2022-01-05", date_to="2022-01-06")
    matches = {e["id"]: e.get("date_match") for e in answer["items"]}
    assert matches["e01"] == "certain" and matches["e06"] == "possible"
