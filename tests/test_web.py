"""The web app and exports over a store built by the real pipeline (fast path, no Frog) from our own articles,
one of them hostile."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kroniek import pipeline
from kroniek.config import load_settings
from kroniek.export.acled import COLUMNS
from kroniek.ingest import ingest_paths
from kroniek.serve.app import create_app
from kroniek.store.repository import Store

ARTICLES = [
    {"id": "w1", "outlet": "stadskrant", "url": "https://stadskrant.example/1", "published_at": "2024-11-05",
     "title": "Honderden boeren blokkeren snelweg bij Zwolle",
     "text": "Honderden boeren hebben dinsdag met trekkers de A28 bij Zwolle geblokkeerd. Ze protesteren tegen "
             "nieuwe mestregels. Volgens de politie zijn zeker dertig actievoerders aangehouden."},
    {"id": "w2", "outlet": "regioradio", "url": "https://regioradio.example/2", "published_at": "2024-11-05",
     "title": "Politie houdt tientallen boeren aan bij blokkade A28",
     "text": "Bij de blokkade van de A28 bij Zwolle heeft de politie dinsdag 34 boeren aangehouden, meldt de "
             "politie. De boeren protesteren tegen de mestregels van het kabinet."},
    {"id": "w3", "outlet": "nachtblad", "url": "javascript:alert(3)", "published_at": "2024-11",
     "title": "<script>alert(1)</script> Onrust in Lyon",
     "text": "In Lyon demonstreerden <img src=x onerror=alert(2)> honderden mensen tegen de regering."},
]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    source = tmp_path / "a.jsonl"
    source.write_text("\n".join(json.dumps(a) for a in ARTICLES), encoding="utf-8")
    settings = load_settings(db_url=f"sqlite:///{tmp_path / 'w.db'}")
    settings.data["analyse"]["deep"] = "none"
    store = Store.open(settings.db_url)
    ingest_paths(store, [str(source)])
    pipeline.run(store, settings)
    with TestClient(create_app(settings, store)) as test_client:
        yield test_client
    store.close()


def test_pages_render_escaped_with_csp(client: TestClient) -> None:
    for path in ["/", "/stories", "/articles/w3", "/articles/w1"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "default-src 'none'" in response.headers["content-security-policy"]
        body = response.text
        assert "<script>alert" not in body and "<img src=x" not in body and 'href="javascript:' not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/articles/w3").text


def test_story_and_event_pages(client: TestClient) -> None:
    stories = client.get("/api/stories").json()
    assert stories["total"] >= 2 and {"items", "total", "limit", "offset", "next_offset"} <= set(stories)
    story_id = next(s["id"] for s in stories["items"] if s["article_count"] == 2)
    page = client.get(f"/stories/{story_id}")
    assert page.status_code == 200 and 'id="timeline"' in page.text and "<svg" in page.text
    assert "marker precision-1" in page.text  # Zwolle is a town: a solid marker
    event_id = client.get("/api/events", params={"story_id": story_id}).json()["items"][0]["id"]
    event_page = client.get(f"/events/{event_id}")
    assert event_page.status_code == 200 and "<mark" in event_page.text


@pytest.mark.parametrize("query", ["limit=0", "limit=100000", "offset=-1", "date_from=gisteren",
                                   "date_from=2024-12-01&date_to=2024-11-01", "q=" + "x" * 500])
def test_bad_parameters_are_4xx_never_500(client: TestClient, query: str) -> None:
    response = client.get(f"/api/stories?{query}")
    assert 400 <= response.status_code < 500 and "error" in response.json()


def test_not_found_read_only_and_traversal(client: TestClient) -> None:
    assert client.get("/api/stories/nope").status_code == 404
    assert client.get("/api/export/xml").status_code == 404
    assert client.post("/api/stories").status_code == 405
    for path in ["/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py"]:
        response = client.get(path)
        assert response.status_code in (400, 404) and "create_app" not in response.text


def test_exports(client: TestClient) -> None:
    acled = client.get("/api/export/acled")
    rows = list(csv.reader(io.StringIO(acled.text)))
    assert rows[0] == COLUMNS and len(COLUMNS) == 31 and len(rows) > 1
    geo = client.get("/api/export/geojson").json()
    assert geo["type"] == "FeatureCollection"
    for feature in geo["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    plover = client.get("/api/export/plover").json()
    assert all({"event_type", "mode", "context", "actor", "recipient"} <= set(p) for p in plover)
    assert client.get("/openapi.json").json()["openapi"]


def test_story_page_lists_at_most_page_rows_and_says_how_many_more(client: TestClient,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from kroniek.serve import app as app_module

    story = next(s for s in client.get("/api/stories").json()["items"] if s["article_count"] == 2)
    full = client.get(f"/api/stories/{story['id']}", params={"full": "true"}).json()
    summary = client.get(f"/api/stories/{story['id']}").json()
    assert all("mentions" in e for e in full["events"]) and not any("mentions" in e for e in summary["events"])
    assert "more articles" not in client.get(f"/stories/{story['id']}").text
    monkeypatch.setattr(app_module, "PAGE_ROWS", 1)
    page = client.get(f"/stories/{story['id']}").text
    assert page.count('<li><a href="/articles/') == 1 and "1 more articles" in page
    if len(full["events"]) > 1:
        assert f"{len(full['events']) - 1} more events" in page
