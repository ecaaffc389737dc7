"""Every route of the JSON API and the pages over a store built from the bundled sample: shapes, pagination,
filters that filter, and bad input answered with a 4xx and a clear message, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from conftest import SAMPLE
from kroniek import pipeline
from kroniek.config import load_settings
from kroniek.ingest import ingest_paths
from kroniek.serve.app import create_app
from kroniek.store.repository import Store

PAGE_KEYS = {"items", "total", "limit", "offset", "next_offset"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder: Path = tmp_path_factory.mktemp("api")
    settings = load_settings(db_url=f"sqlite:///{folder / 'api.db'}")
    settings.data["analyse"]["deep"] = "none"
    store = Store.open(settings.db_url)
    ingest_paths(store, [str(SAMPLE / "articles.jsonl")])
    pipeline.run(store, settings)
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as test_client:
        yield test_client
    store.close()


def test_openapi_lists_every_api_route(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) >= {"/api/stories", "/api/stories/{story_id}", "/api/events",
                                    "/api/events/deleted", "/api/events/{event_id}", "/api/articles",
                                    "/api/articles/{article_id}", "/api/places", "/api/places/{name}",
                                    "/api/actors", "/api/actors/{name}", "/api/export/{fmt}"}
    limit = next(p for p in schema["paths"]["/api/stories"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] >= limit["schema"]["minimum"] == 1


def test_stories_paginate_and_filter(client: TestClient) -> None:
    everything = client.get("/api/stories", params={"limit": 500}).json()
    assert set(everything) >= PAGE_KEYS and everything["total"] == len(everything["items"]) >= 3
    first = client.get("/api/stories", params={"limit": 2}).json()
    second = client.get("/api/stories", params={"limit": 2, "offset": 2}).json()
    assert first["next_offset"] == 2 and len(first["items"]) == 2
    assert not {s["id"] for s in first["items"]} & {s["id"] for s in second["items"]}
    outlet = everything["items"][0]["outlets"][0]
    by_outlet = client.get("/api/stories", params={"outlet": outlet}).json()
    assert 1 <= by_outlet["total"] <= everything["total"]
    assert all(outlet in s["outlets"] for s in by_outlet["items"])
    nothing = client.get("/api/stories", params={"q": "zzzgeenverhaalzzz"}).json()
    assert nothing["total"] == 0 and nothing["items"] == [] and nothing["next_offset"] is None
    early = client.get("/api/stories", params={"date_to": "1990-01-01"}).json()
    assert early["total"] == 0


def test_story_event_article_detail(client: TestClient) -> None:
    story = client.get("/api/stories").json()["items"][0]
    detail = client.get(f"/api/stories/{story['id']}").json()
    assert detail["id"] == story["id"] and "events" in detail and "figures" in detail
    events = client.get("/api/events", params={"story_id": story["id"]}).json()
    assert set(events) >= PAGE_KEYS
    if events["items"]:
        event = client.get(f"/api/events/{events['items'][0]['id']}").json()
        assert event["id"] == events["items"][0]["id"] and event["event_type"]
    articles = client.get("/api/articles", params={"limit": 3}).json()
    assert set(articles) >= PAGE_KEYS and len(articles["items"]) == 3
    assert all("text" not in a for a in articles["items"]), "listings leave the full text out"
    one = client.get(f"/api/articles/{articles['items'][0]['id']}").json()
    assert one["text"] and "events" in one and "figures" in one
    outlet = articles["items"][0]["outlet"]
    by_outlet = client.get("/api/articles", params={"outlet": outlet}).json()
    assert by_outlet["total"] == len(by_outlet["items"]) and all(a["outlet"] == outlet for a in by_outlet["items"])


def test_events_filters(client: TestClient) -> None:
    every = client.get("/api/events", params={"limit": 500}).json()
    assert every["total"] >= 1
    kind = every["items"][0]["event_type"]
    typed = client.get("/api/events", params={"event_type": kind, "limit": 500}).json()
    assert typed["total"] >= 1 and all(e["event_type"] == kind for e in typed["items"])
    assert isinstance(client.get("/api/events/deleted").json(), list)


def test_places_and_actors(client: TestClient) -> None:
    places = client.get("/api/places").json()
    assert places and all("name" in p or "place" in p for p in places)
    name = places[0].get("name") or places[0].get("place")
    place = client.get(f"/api/places/{quote(str(name))}").json()
    assert place["place"] == name and place["events"]
    actors = client.get("/api/actors").json()
    assert isinstance(actors, list)
    if actors:
        actor_name = actors[0].get("name") or actors[0].get("actor")
        assert client.get(f"/api/actors/{quote(str(actor_name))}").json()["events"]
    assert client.get("/api/places/Nergenshuizen").json()["events"] == []


@pytest.mark.parametrize("fmt", ["acled", "plover", "geojson", "json"])
def test_export_routes(client: TestClient, fmt: str) -> None:
    response = client.get(f"/api/export/{fmt}")
    assert response.status_code == 200 and response.text
    assert f"kroniek-{fmt}." in response.headers["content-disposition"]


@pytest.mark.parametrize(("path", "status"), [
    ("/api/stories?limit=0", 422), ("/api/stories?limit=501", 422), ("/api/stories?offset=-3", 422),
    ("/api/stories?date_from=31-12-2024", 422), ("/api/stories?date_from=2024-12-01&date_to=2024-11-01", 422),
    ("/api/stories?q=" + "x" * 201, 422), ("/api/events?limit=abc", 422), ("/api/events?date_to=morgen", 422),
    ("/api/events?date_from=2024-12-01&date_to=2024-11-01", 422), ("/api/articles?offset=x", 422),
    ("/api/stories/geen-verhaal", 404), ("/api/events/geen-gebeurtenis", 404), ("/api/articles/geen-artikel", 404),
    ("/api/export/xlsx", 404), ("/api/export/..%2f..%2fetc%2fpasswd", 404), ("/api/nergens", 404),
    ("/stories/geen-verhaal", 404), ("/events/geen-gebeurtenis", 404), ("/articles/geen-artikel", 404),
    ("/stories?limit=0", 422), ("/stories?date_from=gisteren", 422),
])
def test_bad_input_is_a_clear_4xx(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status, (path, response.text[:200])
    if path.startswith("/api/"):
        body = response.json()
        assert body.get("error"), body
        if status == 422 and "details" in body:
            assert body["details"], "the message names the bad parameter"


def test_writes_and_large_requests_are_refused(client: TestClient) -> None:
    for method in ("post", "put", "delete", "patch"):
        response = client.request(method.upper(), "/api/stories")
        assert response.status_code == 405 and "read-only" in response.json()["error"]
    big = client.request("GET", "/api/stories", headers={"content-length": str(50_000_000)})
    assert big.status_code == 413
    odd = client.request("GET", "/api/stories", headers={"content-length": "many"})
    assert odd.status_code == 413


def test_pages_for_every_kind(client: TestClient) -> None:
    story = client.get("/api/stories").json()["items"][0]
    event = client.get("/api/events").json()["items"][0]
    article = client.get("/api/articles").json()["items"][0]
    place = client.get("/api/places").json()[0]
    name = place.get("name") or place.get("place")
    for path in ["/", "/stories", f"/stories/{story['id']}", f"/events/{event['id']}",
                 f"/articles/{article['id']}", f"/places/{quote(str(name))}", "/healthz", "/static/style.css"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["x-content-type-options"] == "nosniff"
    assert client.get("/stories", params={"q": "x" * 201}).status_code == 422


def test_write_route_needs_the_token_and_validates(tmp_path: Path) -> None:
    settings = load_settings(db_url=f"sqlite:///{tmp_path / 'write.db'}")
    store = Store.open(settings.db_url)
    token = "geheim-en-lang-genoeg-123"
    good = {"id": "p1", "outlet": "stadskrant", "url": "https://stadskrant.example/p1", "title": "Dijk versterkt",
            "text": "Het waterschap heeft de dijk bij Kampen versterkt.", "published_at": "2024-11-05"}
    try:
        with TestClient(create_app(settings, store)) as read_only:
            assert read_only.post("/api/articles", json=[good]).status_code == 405
        with TestClient(create_app(settings, store, write_token=token)) as client:
            assert client.post("/api/articles", json=[good]).status_code == 401
            wrong = client.post("/api/articles", json=[good], headers={"Authorization": "Bearer fout"})
            assert wrong.status_code == 401 and store.count_articles() == 0
            auth = {"Authorization": f"Bearer {token}"}
            assert client.post("/api/articles", content=b"{niet json", headers=auth).status_code == 400
            assert client.post("/api/articles", json={"id": "x"}, headers=auth).status_code == 400
            mixed = client.post("/api/articles", json=[good, {"outlet": "x", "text": ""}, "tekst"], headers=auth)
            assert mixed.status_code == 207
            body = mixed.json()
            assert body["stored"]["added"] == 1
            assert body["rejected"] == ["request:1: empty text", "request:2: an article must be a JSON object"]
            again = client.post("/api/articles", json=[good], headers=auth).json()
            assert again["stored"] == {"added": 0, "updated": 0, "unchanged": 1}, "idempotent like kroniek ingest"
            huge = client.post("/api/articles", content=b"[" + b" " * 2_000_000 + b"]", headers=auth)
            assert huge.status_code == 413
            assert client.delete("/api/articles", headers=auth).status_code == 405, "only the one write route"
        assert store.count_articles() == 1
    finally:
        store.close()
