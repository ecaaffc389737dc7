"""Every route of ``kroniek serve`` over a store built by the pipeline from the bundled sample: the happy path with
its shape (pagination, filters that filter), and bad input answered with a 4xx and a clear JSON message, never a
500. Runs on SQLite, and on PostgreSQL too when the CI started one (KRONIEK_TEST_PG)."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from conftest import BACKENDS, SAMPLE, fresh_db_url
from kroniek import pipeline
from kroniek.config import Settings, load_settings
from kroniek.ingest import ingest_paths
from kroniek.serve.app import create_app
from kroniek.store.repository import Store

PAGE_KEYS = {"items", "total", "limit", "offset", "next_offset"}
SAMPLE_INPUTS = [SAMPLE / "articles.jsonl", SAMPLE / "feed.xml", SAMPLE / "html", SAMPLE / "seed"]
API_PATHS = {"/api/stories", "/api/stories/{story_id}", "/api/events", "/api/events/deleted",
             "/api/events/{event_id}", "/api/articles", "/api/articles/{article_id}", "/api/places",
             "/api/places/{name}", "/api/actors", "/api/actors/{name}", "/api/export/{fmt}", "/api/search",
             "/api/map", "/api/lists/{kind}", "/api/suggest",
             # downloads of what a page shows: tests/test_downloads.py
             "/api/lists/{kind}/export/{fmt}", "/api/stories/export/{fmt}", "/api/stories/{story_id}/export/{fmt}"}
# Every route the app has, as (method, path); test_every_route_is_covered fails when one is added without a test.
COVERED = {("GET", p) for p in API_PATHS} | {("POST", "/api/articles")} | {
    ("GET", p) for p in ("/", "/stories", "/stories/{story_id}", "/events/{event_id}", "/articles/{article_id}",
                         "/places/{name}", "/actors/{name}", "/healthz", "/docs", "/openapi.json", "/search",
                         "/map", "/events", "/articles", "/places", "/actors", "/outlets", "/claims/{claim_id}")} | {
    ("MOUNT", "/static")}
WRITE_TOKEN = "een-lang-genoeg-schrijftoken-42"


class Api:
    """A test client and the settings and store behind it."""

    def __init__(self, client: TestClient, settings: Settings, store: Store) -> None:
        self.client = client
        self.settings = settings
        self.store = store

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(path, params=params or None)
        assert response.status_code == 200, (path, params, response.text[:300])
        return response.json()

    def walk(self, path: str, limit: int, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paginated listing, page by page via next_offset."""
        items: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            page = self.get(path, limit=limit, offset=offset, **params)
            assert set(page) >= PAGE_KEYS and page["limit"] == limit and page["offset"] == offset
            assert len(page["items"]) <= limit
            items += page["items"]
            offset = page["next_offset"]
            assert offset is None or offset == page["offset"] + limit
        assert len(items) == page["total"]
        return items


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with contextmanager(fresh_db_url)(request.param, tmp_path_factory.mktemp("api")) as url:
        settings = load_settings(db_url=url)
        settings.data["analyse"]["deep"] = "none"  # the fast path, as in test_web: this module tests the web layer
        store = Store.open(url)
        try:
            ingest_paths(store, [str(p) for p in SAMPLE_INPUTS])
            pipeline.run(store, settings)
            with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
                yield Api(client, settings, store)
        finally:
            store.close()


def error_of(response: Any, status: int) -> str:
    """The JSON error message of a refused API request."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"], body
    return str(body["error"]) + " " + " ".join(body.get("details") or [])


# --- the routes themselves -------------------------------------------------------------------------------------


def test_every_route_is_covered(api: Api) -> None:
    app: FastAPI = api.client.app  # type: ignore[assignment]
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, Mount):
            found.add(("MOUNT", route.path))
        elif isinstance(route, Route):
            found |= {(method, route.path) for method in route.methods or () if method != "HEAD"}
    assert found == COVERED


def test_openapi_lists_the_api_routes(api: Api) -> None:
    schema = api.get("/openapi.json")
    assert schema["openapi"].startswith("3.") and schema["info"]["title"] == "kroniek"
    assert set(schema["paths"]) == API_PATHS, "every API route, and no page, is described"
    assert all(set(ops) == {"get"} for ops in schema["paths"].values()), "read-only: the write route is hidden"
    params = {p["name"]: p for p in schema["paths"]["/api/stories"]["get"]["parameters"]}
    assert {"q", "date_from", "date_to", "place", "outlet", "event_type", "limit", "offset", "full"} <= set(params)
    assert params["limit"]["schema"]["minimum"] == 1
    assert params["limit"]["schema"]["maximum"] == api.settings.get("serve", "max_page_size")
    assert params["q"]["schema"]["anyOf"][0]["maxLength"] == 200
    docs = api.client.get("/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert all(f"<code>GET {path}</code>" in docs.text for path in API_PATHS), "the docs page lists every route"
    assert "<code>limit</code>" in docs.text and "cdn" not in docs.text.lower()
    with TestClient(create_app(api.settings, api.store, write_token=WRITE_TOKEN)) as writable:
        assert "post" in writable.get("/openapi.json").json()["paths"]["/api/articles"]


def test_stories_paginate(api: Api) -> None:
    everything = api.get("/api/stories", limit=500)
    assert set(everything) >= PAGE_KEYS and everything["next_offset"] is None
    assert everything["total"] == len(everything["items"]) >= 5
    walked = api.walk("/api/stories", limit=3)
    assert [s["id"] for s in walked] == [s["id"] for s in everything["items"]], "pages are disjoint, in order"
    default = api.get("/api/stories")
    assert default["limit"] == api.settings.get("serve", "page_size") and default["offset"] == 0
    past_the_end = api.get("/api/stories", offset=10_000)
    assert past_the_end["items"] == [] and past_the_end["total"] == everything["total"]
    assert past_the_end["next_offset"] is None
    for story in everything["items"]:
        assert {"id", "title", "first_seen", "last_seen", "article_count", "outlet_count", "outlets", "places",
                "countries", "event_types", "event_count"} <= set(story)
        assert "events" not in story, "the list leaves the events out unless full=true"
        assert story["first_seen"] <= story["last_seen"]


def test_story_list_full_adds_the_latest_events(api: Api) -> None:
    brief = api.get("/api/stories", limit=500)["items"]
    full = api.get("/api/stories", limit=500, full="true")["items"]
    assert [s["id"] for s in full] == [s["id"] for s in brief]
    assert any(s["event_count"] for s in brief), "the sample has stories with events"
    for short, story in zip(brief, full, strict=True):
        assert {k: v for k, v in story.items() if k != "events"} == short, "full=true only adds the events"
        assert len(story["events"]) == min(story["event_count"], 20)
        every = api.get("/api/events", story_id=story["id"], limit=500)["items"]
        assert len(every) == story["event_count"]
        latest = sorted(every, key=lambda e: (e["date_start"] or "", e["id"]))[-20:]
        assert {e["id"] for e in story["events"]} == {e["id"] for e in latest}, "the story's latest events"
        assert all(e["summary"] and "mentions" not in e for e in story["events"]), "as summaries"


def test_story_filters_filter(api: Api) -> None:
    stories = api.get("/api/stories", limit=500)["items"]

    def check(expected: Callable[[dict[str, Any]], bool], **params: Any) -> list[dict[str, Any]]:
        got = api.get("/api/stories", limit=500, **params)
        want = [s["id"] for s in stories if expected(s)]
        assert [s["id"] for s in got["items"]] == want and got["total"] == len(want), params
        assert 0 < len(want) < len(stories), ("the filter must keep some stories and drop others", params)
        return list(got["items"])

    word = "georgi"
    check(lambda s: word in s["title"].lower(), q=word.upper())
    # a month-dated story reaches its month's end (last_seen_end): it may match a day later in the month
    check(lambda s: (s["last_seen_end"] or s["last_seen"])[:10] >= "2025-03-12", date_from="2025-03-12")
    check(lambda s: s["first_seen"][:10] <= "2025-03-05", date_to="2025-03-05")
    check(lambda s: (s["last_seen_end"] or s["last_seen"])[:10] >= "2025-03-10"
          and s["first_seen"][:10] <= "2025-03-13",
          date_from="2025-03-10", date_to="2025-03-13")
    outlet = "dagblad-noord"
    check(lambda s: outlet in s["outlets"], outlet=outlet)
    place = "Tbilisi"
    check(lambda s: place in s["places"], place=place)
    check(lambda s: "Protests" in s["event_types"], event_type="Protests")
    assert api.get("/api/stories", q="zzz-geen-verhaal-zzz")["total"] == 0
    assert api.get("/api/stories", date_to="1990-01-01")["items"] == []
    one = stories[0]
    assert [s["id"] for s in api.get("/api/stories", q=one["id"])["items"]] == [one["id"]], "q also finds an id"
    empty = api.get("/api/stories", q="", place="", outlet="", event_type="", date_from="", date_to="")
    assert empty["total"] == len(stories), "empty fields of the filter form filter nothing"


def test_story_search_treats_like_wildcards_literally(api: Api) -> None:
    assert api.get("/api/stories", q="%")["total"] == 0
    assert api.get("/api/stories", q="_")["total"] == 0


def test_story_detail(api: Api) -> None:
    listed = api.get("/api/stories", limit=500, full="true")["items"]
    richest = max(listed, key=lambda s: (len(s["events"]), s["article_count"]))
    story = api.get(f"/api/stories/{richest['id']}")
    assert story["id"] == richest["id"] and story["title"] == richest["title"]
    assert {"articles", "coverage", "events", "figures", "merges", "names"} <= set(story)
    assert len(story["articles"]) == story["article_count"] >= 2
    assert sum(c["count"] for c in story["coverage"]) == story["article_count"]
    starts = [e["date_start"] or "9999" for e in story["events"]]
    assert starts == sorted(starts), "the events are a timeline"
    assert {e["id"] for e in story["events"]} == {e["id"] for e in richest["events"]}
    assert all(e["story_id"] == story["id"] for e in story["events"])


def test_events_paginate_and_filter(api: Api) -> None:
    events = api.walk("/api/events", limit=7)
    assert len(events) >= 10 and len({e["id"] for e in events}) == len(events)
    assert all(e["story_id"] for e in events)

    def check(expected: Callable[[dict[str, Any]], bool], **params: Any) -> None:
        got = api.get("/api/events", limit=500, **params)
        want = [e["id"] for e in events if expected(e)]
        assert [e["id"] for e in got["items"]] == want and got["total"] == len(want), params
        assert 0 < len(want) < len(events), ("the filter must keep some events and drop others", params)

    story_id = events[0]["story_id"]
    check(lambda e: e["story_id"] == story_id, story_id=story_id)
    check(lambda e: e["event_type"] == "Riots", event_type="Riots")
    check(lambda e: e["place"] == "Tbilisi", place="Tbilisi")
    actor = api.get("/api/actors")[0]["name"]
    check(lambda e: actor in (e["actor1"], e["actor2"], *[a if isinstance(a, str) else a["name"]
                                                          for a in e["assoc_actors"]]), actor=actor)
    check(lambda e: (e["date_end"] or e["date_start"] or "") >= "2025-03-10", date_from="2025-03-10")
    check(lambda e: e["date_start"] is not None and e["date_start"] <= "2025-03-04", date_to="2025-03-04")
    assert api.get("/api/events", story_id="geen-verhaal")["total"] == 0


def test_event_detail_and_deleted(api: Api) -> None:
    listed = api.get("/api/events", limit=500)["items"]
    event = api.get(f"/api/events/{listed[0]['id']}")
    assert event["id"] == listed[0]["id"] and event["event_type"] and event["mentions"]
    article_ids = set(event["article_ids"])
    for mention in event["mentions"]:
        assert mention["article_id"] in article_ids and mention["evidence"]
        text = api.get(f"/api/articles/{mention['article_id']}")["text"]
        for span in mention["evidence"]:
            assert 0 <= span["start"] < span["end"], span
            assert span["field"] and span["text"], span
        assert text, "the evidence points into a stored article"
    deleted = api.get("/api/events/deleted")
    assert isinstance(deleted, list)
    assert all({"old_id", "new_id", "at", "reason"} <= set(d) for d in deleted)


def test_articles_paginate_filter_and_detail(api: Api) -> None:
    articles = api.walk("/api/articles", limit=4)
    assert len(articles) == api.store.count_articles() >= 19
    assert all("text" not in a for a in articles), "listings leave the full text out"
    assert all({"id", "outlet", "title", "url", "published_at", "date_precision"} <= set(a) for a in articles)
    outlet = "nieuwsnet"
    by_outlet = api.get("/api/articles", outlet=outlet, limit=500)
    want = [a["id"] for a in articles if a["outlet"] == outlet]
    assert [a["id"] for a in by_outlet["items"]] == want and 0 < len(want) < len(articles)
    assert api.get("/api/articles", outlet="geen-krant")["total"] == 0
    article = api.get(f"/api/articles/{articles[0]['id']}")
    assert article["id"] == articles[0]["id"] and article["text"]
    assert isinstance(article["events"], list) and isinstance(article["figures"], list)
    with_figures = [a for a in articles if api.get(f"/api/articles/{a['id']}")["figures"]]
    assert with_figures, "the sample reports figures"
    for claim in api.get(f"/api/articles/{with_figures[0]['id']}")["figures"]:
        assert claim["article_id"] == with_figures[0]["id"] and claim["kind"] and claim["attribution"]


def test_places_and_actors(api: Api) -> None:
    places = api.get("/api/places")
    assert places and all({"name", "iso2", "count", "latitude", "longitude"} <= set(p) for p in places)
    counts = [p["count"] for p in places]
    assert counts == sorted(counts, reverse=True), "most events first"
    top = places[0]
    found = api.get(f"/api/places/{quote(top['name'])}")
    assert found["place"] == top["name"] and len(found["events"]) >= top["count"]
    assert all(e["place"] == top["name"] for e in found["events"])
    assert api.get("/api/places/Nergenshuizen") == {"place": "Nergenshuizen", "events": []}
    actors = api.get("/api/actors")
    assert actors and all({"name", "count"} <= set(a) for a in actors)
    name = actors[0]["name"]
    by_actor = api.get(f"/api/actors/{quote(name)}")
    assert by_actor["actor"] == name and len(by_actor["events"]) == actors[0]["count"]
    assert all(name in (e["actor1"], e["actor2"], *[a if isinstance(a, str) else a["name"]
                                                    for a in e["assoc_actors"]]) for e in by_actor["events"])
    assert api.get("/api/actors/Niemand")["events"] == []


@pytest.mark.parametrize(("fmt", "media"), [("acled", "text/csv"), ("plover", "application/json"),
                                            ("plover-jsonl", "application/x-ndjson"), ("polecat", "text/csv"),
                                            ("geojson", "application/geo+json"), ("json", "application/json")])
def test_export_route(api: Api, fmt: str, media: str) -> None:
    response = api.client.get(f"/api/export/{fmt}")
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    assert response.headers["content-disposition"].startswith(f'attachment; filename="kroniek-{fmt}.')
    if media == "application/x-ndjson":
        assert [json.loads(line) for line in response.text.splitlines()]
    elif media != "text/csv":
        assert response.json()
    else:
        assert len(response.text.splitlines()) > 1


def test_pages_for_every_kind(api: Api) -> None:
    story = api.get("/api/stories")["items"][0]
    event = api.get("/api/events")["items"][0]
    article = api.get("/api/articles")["items"][0]
    place = api.get("/api/places")[0]["name"]
    actor = api.get("/api/actors")[0]["name"]
    pages = {"/": "Stories", "/stories": "Stories", f"/stories/{story['id']}": 'id="timeline"',
             f"/events/{event['id']}": "Evidence", f"/articles/{article['id']}": 'class="article-title"',
             f"/places/{quote(place)}": f"Place: {place}", f"/actors/{quote(actor)}": "Actor: "}
    for path, marker in pages.items():
        response = api.client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html") and marker in response.text, path
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
    assert api.client.get("/healthz").text == "ok"
    css = api.client.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    first = api.client.get("/stories", params={"q": "georgi", "limit": 1}).text
    assert 'href="?q=georgi&amp;offset=1&amp;limit=1"' in first, "the next page keeps the search"
    searched = api.client.get("/stories", params={"q": "georgi", "limit": 1, "offset": 1}).text
    assert 'href="?q=georgi&amp;offset=0&amp;limit=1"' in searched, "and so does the previous one"
    blank = api.client.get("/stories?q=&date_from=&date_to=&place=&outlet=&event_type=&limit=2")
    assert blank.status_code == 200 and 'href="?offset=2&amp;limit=2"' in blank.text, "the empty form filters nothing"
    missing = api.client.get("/stories/geen-verhaal")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert "no story" in missing.text


def test_write_route(store: Store, db_url: str) -> None:
    settings = load_settings(db_url=db_url)
    good = {"id": "api-1", "outlet": "stadskrant", "url": "https://stadskrant.example/1", "title": "Dijk versterkt",
            "text": "Het waterschap heeft dinsdag de dijk bij Kampen versterkt.", "published_at": "2025-03-04"}
    with TestClient(create_app(settings, store)) as read_only:
        assert "read-only" in error_of(read_only.post("/api/articles", json=[good]), 405)
    auth = {"Authorization": f"Bearer {WRITE_TOKEN}"}
    with TestClient(create_app(settings, store, write_token=WRITE_TOKEN)) as client:
        assert "Bearer" in error_of(client.post("/api/articles", json=[good]), 401)
        error_of(client.post("/api/articles", json=[good], headers={"Authorization": "Bearer fout"}), 401)
        assert store.count_articles() == 0
        assert "not JSON" in error_of(client.post("/api/articles", content=b"[{", headers=auth), 400)
        assert "JSON list" in error_of(client.post("/api/articles", json={"id": "x"}, headers=auth), 400)
        created = client.post("/api/articles", json=[good], headers=auth)
        assert created.status_code == 201 and created.json()["stored"]["added"] == 1
        assert client.get("/api/articles/api-1").json()["title"] == "Dijk versterkt"
        refused = client.post("/api/articles", json=[{"outlet": "x", "text": ""}], headers=auth)
        assert refused.status_code == 422 and refused.json()["rejected"]
        huge = b"[" + b" " * (int(settings.get("serve", "max_request_bytes")) + 10) + b"]"
        assert "larger than" in error_of(client.post("/api/articles", content=huge, headers=auth), 413)
        error_of(client.put("/api/articles", json=[good], headers=auth), 405)
    assert store.count_articles() == 1


# --- bad input -------------------------------------------------------------------------------------------------

LONG = "x" * 201
BAD_QUERIES = [
    # (path, status, a word the message must contain)
    ("/api/stories?limit=0", 422, "limit"), ("/api/stories?limit=501", 422, "limit"),
    ("/api/stories?limit=-1", 422, "limit"), ("/api/stories?limit=tien", 422, "limit"),
    ("/api/stories?limit=1.5", 422, "limit"), ("/api/stories?offset=-1", 422, "offset"),
    ("/api/stories?offset=99999999999", 422, "offset"),
    ("/api/stories?date_from=gisteren", 422, "date_from"), ("/api/stories?date_from=2025-02-30", 422, "date_from"),
    ("/api/stories?date_to=05-03-2025", 422, "date_to"), ("/api/stories?date_to=2025-13-01", 422, "date_to"),
    ("/api/stories?date_from=2025-03-10&date_to=2025-03-01", 422, "date_from is after date_to"),
    ("/api/stories?q=" + LONG, 422, "q"), ("/api/stories?place=" + LONG, 422, "place"),
    ("/api/stories?outlet=" + LONG, 422, "outlet"), ("/api/stories?event_type=" + LONG, 422, "event_type"),
    ("/api/events?limit=0", 422, "limit"), ("/api/events?limit=100000", 422, "limit"),
    ("/api/events?offset=x", 422, "offset"), ("/api/events?date_to=morgen", 422, "date_to"),
    ("/api/events?date_from=2025-03-10&date_to=2025-03-01", 422, "date_from is after date_to"),
    ("/api/events?story_id=" + LONG, 422, "story_id"), ("/api/events?actor=" + LONG, 422, "actor"),
    ("/api/events?place=" + LONG, 422, "place"), ("/api/events?event_type=" + LONG, 422, "event_type"),
    ("/api/articles?limit=0", 422, "limit"), ("/api/articles?limit=501", 422, "limit"),
    ("/api/articles?offset=-5", 422, "offset"), ("/api/articles?outlet=" + LONG, 422, "outlet"),
    ("/api/stories/geen-verhaal", 404, "no story"), ("/api/stories/" + "x" * 5000, 404, "no story"),
    ("/api/events/geen-gebeurtenis", 404, "no event"), ("/api/articles/geen-artikel", 404, "no article"),
    ("/api/export/xml", 404, "unknown export format"), ("/api/export/ACLED", 404,
                                                      "acled, plover, plover-jsonl, polecat, geojson, json"),
    ("/api/export/%2e%2e", 404, "unknown export format"), ("/api/export/..%2f..%2fetc%2fpasswd", 404, "Not Found"),
    ("/api/export/..%2fstories.py", 404, ""), ("/api/nergens", 404, "Not Found"),
    ("/api/stories?q=%00", 400, "NUL"), ("/api/stories/a%00b", 400, "NUL"), ("/api/places/%00", 400, "NUL"),
    ("/api/events?actor=x%00", 400, "NUL"), ("/api/articles?outlet=%00", 400, "NUL"),
]


@pytest.mark.parametrize(("path", "status", "word"), BAD_QUERIES, ids=[p[:60] for p, _, _ in BAD_QUERIES])
def test_bad_api_input_is_a_clear_4xx(api: Api, path: str, status: int, word: str) -> None:
    message = error_of(api.client.get(path), status)
    assert word in message, message


@pytest.mark.parametrize("path", ["/stories?limit=0", "/stories?date_from=gisteren", "/?q=" + LONG,
                                  "/stories?date_from=2025-03-10&date_to=2025-03-01", "/stories/geen-verhaal",
                                  "/events/geen-gebeurtenis", "/articles/geen-artikel", "/nergens", "/places/%00"])
def test_bad_page_input_is_a_4xx(api: Api, path: str) -> None:
    response = api.client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert "Traceback" not in response.text


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])
@pytest.mark.parametrize("path", ["/api/stories", "/api/articles", "/api/export/acled", "/stories"])
def test_only_reads_are_allowed(api: Api, method: str, path: str) -> None:
    assert "read-only" in error_of(api.client.request(method, path), 405)


def test_oversized_requests_are_refused(api: Api) -> None:
    limit = int(api.settings.get("serve", "max_request_bytes"))
    for length in (str(limit + 1), str(50_000_000), "many", "-1"):
        response = api.client.get("/api/stories", headers={"content-length": length})
        assert "larger than" in error_of(response, 413), length
    assert api.client.get("/api/stories", headers={"content-length": "0"}).status_code == 200


@pytest.mark.parametrize("path", ["/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/%2e%2e%2fapp.py",
                                  "/static/..%5capp.py", "/static/%252e%252e%252fapp.py",
                                  "/static/..%2f..%2f..%2f..%2fetc%2fpasswd", "/static//etc/passwd",
                                  "/static/", "/static/nope.css"])
def test_static_traversal_is_404(api: Api, path: str) -> None:
    response = api.client.get(path)
    assert response.status_code in (400, 404), path
    assert "create_app" not in response.text and "root:" not in response.text


# --- raw requests against a real server: no client normalises "../" away -------------------------------------


@pytest.fixture(scope="module")
def live(api: Api) -> Iterator[tuple[str, int]]:
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(create_app(api.settings, api.store), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the server did not start"
    yield "127.0.0.1", port
    server.should_exit = True
    thread.join(10)


def raw_get(address: tuple[str, int], target: str) -> tuple[int, str]:
    with socket.create_connection(address, timeout=10) as conn:
        conn.sendall(f"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode("latin-1"))
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks).decode("utf-8", "replace")
    return int(answer.split(" ", 2)[1]), answer


@pytest.mark.parametrize("target", ["/static/../app.py", "/static/../../serve/app.py", "/static/./../app.py",
                                    "/static/../../../../../../etc/passwd", "/static/..\\app.py",
                                    "/api/export/../../../etc/passwd", "/api/export/..", "/static/%2e%2e/app.py"])
def test_raw_traversal_against_a_real_server(live: tuple[str, int], target: str) -> None:
    status, answer = raw_get(live, target)
    assert 400 <= status < 500, (target, answer[:200])
    assert "create_app" not in answer and "root:x:" not in answer


def test_real_server_answers_and_dates_are_iso(live: tuple[str, int]) -> None:
    status, answer = raw_get(live, "/api/stories?limit=1")
    assert status == 200 and '"total"' in answer
    status, _ = raw_get(live, "/api/stories?date_from=" + dt.date(2025, 3, 1).isoformat())
    assert status == 200


@pytest.mark.parametrize("path", ["/", "/stories", "/api/stories", "/api/events", "/api/export/acled", "/nope"])
def test_head_answers_as_get_without_a_body(api: Api, path: str) -> None:
    got = api.client.get(path)
    head = api.client.head(path)
    assert head.status_code == got.status_code
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-security-policy"] == got.headers["content-security-policy"]


def test_a_page_answers_bad_parameters_with_an_html_page(api: Api) -> None:
    page = api.client.get("/stories", params={"limit": "many", "date_from": "gisteren"})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "limit" in page.text and "date_from" in page.text and "<html" in page.text
    answer = api.client.get("/api/stories", params={"limit": "many"})
    assert answer.status_code == 422 and answer.json()["error"] == "invalid parameters"


@pytest.mark.parametrize("path", ["/api/stories", "/stories", "/api/search", "/search"])
def test_a_parameter_a_route_does_not_take_is_a_422_naming_it(api: Api, path: str) -> None:
    answer = api.client.get(path, params={"q": "georgie", "plaats": "Tbilisi"})
    assert answer.status_code == 422 and "plaats" in answer.text and "unknown parameter" in answer.text
    assert api.client.get(path, params={"q": "georgie"}).status_code == 200
