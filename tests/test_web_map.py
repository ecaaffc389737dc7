"""The interactive map: the GeoJSON route and the /map page (TestClient), and the map in a real chromium (Playwright,
Debian's chromium): clusters split as one zooms in, a marker's popup leads to its event, the legend is there, and
nothing scrolls sideways at phone width. Screenshots go to ``test-artifacts/screenshots/`` (map.png, map-390.png,
story-map.png).

The store is built by the pipeline (fast analysis path) from a handful of articles written for this module: four
events in four Dutch cities close together (so they cluster when zoomed out), a second event in Amsterdam, and a
deadly attack far away in Kabul."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import ROOT
from kroniek import pipeline
from kroniek.config import load_settings
from kroniek.ingest import ingest_paths
from kroniek.serve import maps
from kroniek.store.repository import Store
from weblive import CHROMIUM, SHOTS, chromium, live_server

ARTICLES = [
    ("kaart-1", "2025-04-01", "Demonstratie tegen woningnood in Amsterdam",
     "In Amsterdam hebben dinsdag honderden mensen gedemonstreerd tegen de woningnood. De politie arresteerde zeker "
     "tien demonstranten."),
    ("kaart-2", "2025-04-02", "Studentenprotest in Utrecht",
     "In Utrecht gingen woensdag duizenden studenten de straat op tegen de bezuinigingen op het onderwijs."),
    ("kaart-3", "2025-04-03", "Rellen in Rotterdam",
     "In Rotterdam zijn donderdag rellen uitgebroken. Relschoppers gooiden stenen naar de politie, zeker vijf agenten "
     "raakten gewond."),
    ("kaart-4", "2025-04-04", "Boeren betogen in Den Haag",
     "In Den Haag demonstreerden vrijdag boeren bij het Binnenhof tegen het stikstofbeleid."),
    ("kaart-5", "2025-04-05", "Doden bij aanslag in Kabul",
     "Bij een aanslag in Kabul zijn zaterdag zeker twaalf mensen om het leven gekomen. Een zelfmoordterrorist blies "
     "zich op bij een moskee."),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Store]]:
    folder = tmp_path_factory.mktemp("map")
    source = folder / "kaart.jsonl"
    source.write_text("".join(json.dumps({"id": i, "outlet": "kaartkrant", "url": f"https://kaart.example/{i}",
                                          "title": title, "text": text, "published_at": day}) + "\n"
                              for i, day, title, text in ARTICLES), encoding="utf-8")
    settings = load_settings(db_url=f"sqlite:///{folder / 'map.db'}")
    settings.data["analyse"]["deep"] = "none"  # the fast path: this module tests the map, not Frog
    store = Store.open(settings.db_url)
    ingest_paths(store, [str(source)])
    pipeline.run(store, settings)
    yield settings, store
    store.close()


@pytest.fixture(scope="module")
def client(built: tuple[Any, Store]) -> Iterator[TestClient]:
    from kroniek.serve.app import create_app

    settings, store = built
    with TestClient(create_app(settings, store)) as opened:
        yield opened


def _events(client: TestClient, **params: str) -> list[dict[str, Any]]:
    return list(client.get("/api/events", params={"limit": "500", **params}).json()["items"])


# --- the JSON route and the pages, without a browser ----------------------------------------------------------

def test_api_map_is_geojson_of_the_located_events(client: TestClient) -> None:
    response = client.get("/api/map")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/geo+json")
    data = response.json()
    assert data["type"] == "FeatureCollection" and data["truncated"] is False
    events = {e["id"]: e for e in _events(client)}
    located = {i for i, e in events.items() if e["latitude"] is not None}
    assert {f["id"] for f in data["features"]} == located and len(located) >= 5
    assert data["total"] == len(events) and data["unlocated"] == len(events) - len(located)
    for feature in data["features"]:
        event = events[feature["id"]]
        assert feature["geometry"] == {"type": "Point", "coordinates": [event["longitude"], event["latitude"]]}
        props = feature["properties"]
        assert props["href"] == f"/events/{event['id']}" and props["event_type"] == event["event_type"]
        assert props["type_slug"] == maps.type_slug(event["event_type"])
        assert props["date_label"] == event.get("date_label"), "the popup's date is the one the pages show"
    kabul = next(f for f in data["features"] if f["properties"]["place"] == "Kabul")
    assert kabul["properties"]["fatalities"] == 12, "the marker is sized by the fatalities"
    assert kabul["geometry"]["coordinates"][0] > 60, "longitude first"
    counts = {row["label"]: row["count"] for row in data["legend"]}
    assert sum(counts.values()) == len(events) and counts["Protests"] >= 3


def test_api_map_takes_the_filters_of_the_event_list(client: TestClient) -> None:
    protests = client.get("/api/map", params={"event_type": "Protests"}).json()
    assert protests["features"] and {f["properties"]["event_type"] for f in protests["features"]} == {"Protests"}
    assert protests["total"] == len(_events(client, event_type="Protests"))
    kabul = next(e for e in _events(client) if e["place"] == "Kabul")
    story = client.get("/api/map", params={"story_id": kabul["story_id"]}).json()
    assert [f["id"] for f in story["features"]] == [e["id"] for e in _events(client, story_id=kabul["story_id"])]
    dated = client.get("/api/map", params={"date_from": "2025-04-03", "date_to": "2025-04-04"}).json()
    assert {f["properties"]["place"] for f in dated["features"]} == {"Rotterdam", "The Hague"}
    place = client.get("/api/map", params={"place": "Utrecht"}).json()
    assert {f["properties"]["place"] for f in place["features"]} == {"Utrecht"}
    cut = client.get("/api/map", params={"limit": "2"}).json()
    assert len(cut["features"]) + cut["unlocated"] == 2 and cut["truncated"] is True
    assert cut["total"] == protests["total"] + len(_events(client)) - len(_events(client, event_type="Protests"))
    assert client.get("/api/map", params={"date_from": "2025-05-01", "date_to": "2025-04-01"}).status_code == 422
    assert client.get("/api/map", params={"limit": "0"}).status_code == 422
    assert client.get("/api/map", params={"date_from": "gisteren"}).status_code == 422
    nothing = client.get("/api/map", params={"place": "Atlantis"}).json()
    assert nothing["features"] == [] and nothing["total"] == 0 and nothing["legend"] == []


def test_map_page_has_the_interactive_map_and_a_noscript_svg(client: TestClient) -> None:
    page = client.get("/map", params={"event_type": "Protests", "place": ""})
    assert page.status_code == 200
    html = page.text
    source = re.search(r'<div class="kmap"[^>]* data-src="([^"]+)"', html)
    assert source and source.group(1) == "/api/map?event_type=Protests", "the map reads the filtered GeoJSON"
    assert client.get(source.group(1).replace("&amp;", "&")).json()["features"]
    noscript = html[html.index("<noscript>"):html.index("</noscript>")]
    assert noscript.count('class="marker precision-') == len(_events(client, event_type="Protests"))
    assert '<option value="Protests" selected>' in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all('src="/static/' in attrs for attrs in scripts), "no inline script: the CSP holds"
    assert " style=" not in html, "no style attribute: the CSP forbids them"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert 'href="/map"' in client.get("/stories").text, "the site's navigation links to the map"
    assert client.get("/map", params={"date_from": "2025-05-01", "date_to": "2025-04-01"}).status_code == 422


def test_story_page_keeps_the_svg_map_beside_the_interactive_one(client: TestClient) -> None:
    event = next(e for e in _events(client) if e["place"] == "Kabul")
    html = client.get(f"/stories/{event['story_id']}").text
    assert f'data-src="/api/map?story_id={event["story_id"]}"' in html
    assert "marker precision-1" in html and 'id="map-section"' in html
    assert f'href="/map?story_id={event["story_id"]}"' in html, "a story links to its events on the big map"
    page = client.get(f"/map?story_id={event['story_id']}").text
    assert f'data-src="/api/map?story_id={event["story_id"]}"' in page and 'name="story_id"' in page


def test_vendored_map_library_is_served_with_its_licence(client: TestClient) -> None:
    for path, needle in [("/static/vendor/leaflet/leaflet.js", "1.9.4"),
                         ("/static/vendor/leaflet/LICENSE.txt", "BSD"),
                         ("/static/vendor/leaflet.markercluster/leaflet.markercluster.js", "MarkerClusterGroup"),
                         ("/static/vendor/leaflet.markercluster/MIT-LICENCE.txt", "Permission is hereby granted"),
                         ("/static/map.js", "markerClusterGroup"), ("/static/map.css", ".kmap")]:
        response = client.get(path)
        assert response.status_code == 200 and needle in response.text, path
    labels = client.get("/static/map-labels.json").json()
    names = {p[0]: p for p in labels["places"]}
    assert names["Amsterdam"][3] <= 3 and names["Utrecht"][3] > names["Amsterdam"][3], "capitals show first"
    assert abs(names["Amsterdam"][1] - 52.37) < 0.05 and any(c[0] == "Netherlands" for c in labels["countries"])


def test_api_map_on_every_backend(db_url: str, tmp_path: Path) -> None:
    """The same GeoJSON on SQLite and PostgreSQL (the route reads the store's read model, nothing dialect-bound)."""
    from kroniek.serve.app import create_app

    source = tmp_path / "kaart.jsonl"
    source.write_text("".join(json.dumps({"id": i, "outlet": "kaartkrant", "url": f"https://kaart.example/{i}",
                                          "title": title, "text": text, "published_at": day}) + "\n"
                              for i, day, title, text in ARTICLES[2:]), encoding="utf-8")
    settings = load_settings(db_url=db_url)
    settings.data["analyse"]["deep"] = "none"
    store = Store.open(db_url)
    try:
        ingest_paths(store, [str(source)])
        pipeline.run(store, settings)
        with TestClient(create_app(settings, store)) as client:
            data = client.get("/api/map").json()
            places = sorted((f["properties"]["place"], f["properties"]["event_type"], f["properties"]["fatalities"])
                            for f in data["features"])
            assert places == [("Kabul", "Explosions/Remote violence", 12), ("Rotterdam", "Riots", None),
                              ("The Hague", "Protests", None)]
            assert client.get("/api/map", params={"event_type": "Riots"}).json()["total"] == 1
    finally:
        store.close()


def test_feature_collection_and_slugs() -> None:
    events = [{"id": "a", "latitude": 1.0, "longitude": 2.0, "event_type": "Explosions/Remote violence",
               "fatalities": 3, "geo_precision": 2},
              {"id": "b", "latitude": None, "longitude": None, "event_type": "Protests"},
              {"id": "c", "latitude": -5.5, "longitude": 170.0, "event_type": "Something new"}]
    data = maps.feature_collection(events, total=10)
    assert [f["id"] for f in data["features"]] == ["a", "c"] and data["unlocated"] == 1 and data["truncated"]
    assert data["features"][0]["properties"]["type_slug"] == "explosions-remote-violence"
    assert data["features"][1]["properties"]["type_slug"] == "other"
    assert data["features"][1]["properties"]["fatalities"] is None
    assert [r["label"] for r in data["legend"]] == ["Explosions/Remote violence", "Protests", "Other"]
    css = (ROOT / "src" / "kroniek" / "serve" / "static" / "map.css").read_text(encoding="utf-8")
    for kind in [*maps.EVENT_TYPES, "Other"]:
        assert f".ev-{maps.type_slug(kind)} " in css, f"{kind} has a colour"


# --- in a real browser ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def base_url(built: tuple[Any, Store]) -> Iterator[str]:
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    from kroniek.serve.app import create_app

    settings, store = built
    with live_server(create_app(settings, store)) as url:
        yield url


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


class Tab:
    """A browser tab that records script errors, CSP violations and any request that leaves the server."""

    def __init__(self, browser: Any, base: str, width: int = 1366, height: int = 900) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._only_local)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)

    def _only_local(self, route: Any) -> None:
        if route.request.url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, path
        self.page.wait_for_selector(".kmap[data-ready]", state="attached")
        assert self.page.locator(".kmap").get_attribute("data-error") is None
        return self.page

    def shown(self) -> tuple[int, list[int]]:
        """Single event markers and the counts on the cluster bubbles, once markercluster has settled."""
        self.page.wait_for_timeout(700)  # markercluster animates a zoom for 300 ms
        singles = self.page.locator(".leaflet-marker-pane .ev-marker").count()
        counts = [int(t) for t in self.page.locator(".leaflet-marker-pane .marker-cluster span").all_inner_texts()]
        return singles, counts

    def zoom(self, lat: float, lon: float, level: int) -> None:
        self.page.evaluate("([lat, lon, z]) => { document.querySelector('.kmap').kroniekMap.setView([lat, lon], z, "
                           "{animate: false}); }", [lat, lon, level])

    def no_sideways_scroll(self) -> None:
        wide = self.page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert wide[0] <= wide[1], f"the page scrolls sideways: {wide[0]} px in a {wide[1]} px window"

    def clean(self) -> None:
        assert self.errors == [], "no script error and no CSP violation"
        assert self.outside == [], "the map loads nothing from outside the server (no tile server, no CDN)"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any, base_url: str) -> Iterator[Tab]:
    opened = Tab(browser, base_url)
    yield opened
    opened.close()


def test_zooming_in_splits_the_clusters(tab: Tab, base_url: str) -> None:
    page = tab.open("/map")
    total = len([f for f in json.loads(page.evaluate("() => fetch('/api/map').then(r => r.text())"))["features"]])
    assert page.locator(".kmap").is_visible() and page.locator(".kmap canvas").count() >= 1, "the basemap is drawn"
    sea = page.locator(".kmap").evaluate("el => getComputedStyle(el).backgroundColor")
    assert sea == "rgb(159, 196, 224)", "the sea has its own colour"
    tab.zoom(52.2, 4.8, 5)
    singles_out, clusters_out = tab.shown()
    assert clusters_out and max(clusters_out) >= 4, "zoomed out, the four Dutch cities are one cluster with a count"
    assert singles_out + sum(clusters_out) == total, "every event is on the map, alone or counted in a cluster"
    labels_out = set(page.locator(".map-label").all_inner_texts())
    tab.zoom(52.2, 4.8, 10)
    singles_in, clusters_in = tab.shown()
    assert singles_in + len(clusters_in) > singles_out + len(clusters_out), "zoomed in, the cluster splits"
    assert singles_in >= 3 and (not clusters_in or max(clusters_in) < max(clusters_out))
    labels_in = set(page.locator(".map-label").all_inner_texts())
    assert "Amsterdam" in labels_in and "Utrecht" in labels_in and "Utrecht" not in labels_out, \
        "place labels appear as one zooms in"
    page.screenshot(path=str(SHOTS / "map-zoomed.png"))
    tab.zoom(52.2, 4.8, 5)
    assert tab.shown() == (singles_out, clusters_out), "and zooming out joins them again"
    centre = "() => { const c = document.querySelector('.kmap').kroniekMap.getCenter(); return [c.lat, c.lng]; }"
    before = page.evaluate(centre)
    box = page.locator(".kmap").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 200, box["y"] + box["height"] / 2 + 100, steps=8)
    page.mouse.up()
    after = page.evaluate(centre)
    assert after[1] > before[1] + 2 and after[0] > before[0] + 1, "dragging pans the map east and north"
    tab.clean()


def test_marker_popup_links_to_the_event(tab: Tab) -> None:
    page = tab.open("/map?event_type=Riots")
    marker = page.locator(".leaflet-marker-pane .ev-marker")
    assert marker.count() == 1
    rotterdam = next(f for f in json.loads(page.evaluate("() => fetch('/api/map?event_type=Riots')"
                                                         ".then(r => r.text())"))["features"])
    marker.click()
    link = page.locator(".leaflet-popup a.map-popup-link")
    link.wait_for(state="visible")
    assert link.get_attribute("href") == f"/events/{rotterdam['id']}"
    assert "Riots" in page.locator(".leaflet-popup").inner_text() and "Rotterdam" in page.locator(
        ".leaflet-popup").inner_text()
    link.click()
    page.wait_for_url(f"**/events/{rotterdam['id']}")
    assert page.locator("h1").inner_text().startswith("Riots")
    tab.clean()


def test_popup_shows_hostile_names_as_text(tab: Tab) -> None:
    """Place and actor names come from articles: the popup and legend put them in as text, never as markup."""
    hostile = "<img src=x onerror=\"window.__kroniek_pwned=1\">"
    feature = maps.feature_collection([{"id": "e-hostile", "latitude": 52.0, "longitude": 5.0, "place": hostile,
                                        "actor1": "<script>window.__kroniek_pwned=2</script>",
                                        "event_type": "Protests", "date": "2025-04-01"}])
    tab.page.route("**/api/map*", lambda route: route.fulfill(status=200, content_type="application/geo+json",
                                                             body=json.dumps(feature)))
    page = tab.open("/map")
    page.locator(".leaflet-marker-pane .ev-marker").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    assert hostile in popup.inner_text() and "<script>" in popup.inner_text()
    assert popup.locator("img, script").count() == 0
    assert page.evaluate("() => window.__kroniek_pwned ?? null") is None
    assert popup.locator("a.map-popup-link").get_attribute("href") == "/events/e-hostile"
    tab.clean()


def test_legend_and_screenshots(tab: Tab) -> None:
    page = tab.open("/map")
    legend = page.locator(".map-legend")
    assert legend.is_visible() and legend.get_attribute("open") is not None, "open on a wide screen"
    rows = legend.locator("li")
    data = json.loads(page.evaluate("() => fetch('/api/map').then(r => r.text())"))
    assert rows.count() == len(data["legend"]) >= 3
    for index, row in enumerate(data["legend"]):
        assert rows.nth(index).locator(".legend-label").inner_text() == row["label"]
        swatch = rows.nth(index).locator(".swatch").evaluate("el => getComputedStyle(el).backgroundColor")
        marker = page.locator(f".ev-marker.ev-{row['slug']}")
        if marker.count():
            assert marker.first.evaluate("el => getComputedStyle(el).backgroundColor") == swatch, \
                "the legend's colour is the marker's"
    assert len({rows.nth(i).locator(".swatch").evaluate("el => getComputedStyle(el).backgroundColor")
                for i in range(rows.count())}) == rows.count(), "each event type has its own colour"
    kabul = page.locator(".ev-marker.ev-explosions-remote-violence")
    protest = page.locator(".ev-marker.ev-protests")
    tab.zoom(52.2, 4.8, 10)
    page.wait_for_timeout(700)
    if protest.count():
        assert protest.first.bounding_box()["width"] < 20
    tab.zoom(34.5, 69.2, 8)
    page.wait_for_timeout(700)
    assert kabul.first.bounding_box()["width"] > 25, "twelve dead: a bigger marker"
    page.goto(tab.base + "/map")
    page.wait_for_selector(".kmap[data-ready]", state="attached")
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "map.png"))
    tab.no_sideways_scroll()
    tab.clean()


@pytest.mark.parametrize("path", ["/map", "story"])
def test_no_sideways_scroll_at_phone_width(browser: Any, base_url: str, path: str) -> None:
    phone = Tab(browser, base_url, width=390, height=844)
    try:
        if path == "story":
            stories = phone.page.request.get(base_url + "/api/stories?limit=50").json()["items"]
            path = "/stories/" + max(stories, key=lambda s: s["event_count"])["id"]
        page = phone.open(path)
        box = page.locator(".kmap").bounding_box()
        assert box is not None and box["width"] <= 390 and box["height"] > 200
        if path == "/map":
            phone.no_sideways_scroll()
        else:  # the story page's tables are another item's work: here the map section must fit the phone
            wider = page.evaluate("() => Array.from(document.querySelectorAll('#map-section, #map-section *'))"
                                  ".filter(e => !e.closest('.leaflet-pane') && !e.closest('figure.map svg'))"
                                  ".filter(e => e.getBoundingClientRect().right > document.documentElement"
                                  ".clientWidth + 0.5).map(e => e.tagName + '.' + e.className)")
            assert wider == [], f"the map section sticks out of the phone's width: {wider}"
        if path == "/map":
            page.screenshot(path=str(SHOTS / "map-390.png"), full_page=True)
        legend = page.locator(".map-legend")
        assert legend.is_visible() and legend.get_attribute("open") is None, "folded on a phone"
        legend.locator("summary").click()
        assert legend.locator("li").first.is_visible(), "and opens on a tap"
        box = legend.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        phone.clean()
    finally:
        phone.close()


def test_story_page_map(tab: Tab, base_url: str) -> None:
    event = next(e for e in tab.page.request.get(base_url + "/api/events?limit=100").json()["items"]
                 if e["place"] == "Amsterdam")
    page = tab.open(f"/stories/{event['story_id']}")
    located = [f for f in json.loads(page.evaluate(f"() => fetch('/api/map?story_id={event['story_id']}')"
                                                   ".then(r => r.text())"))["features"]]
    assert int(page.locator(".kmap").get_attribute("data-ready") or 0) == len(located) >= 1
    assert page.locator("#map-section figure.map svg circle.marker").count() == len(located), \
        "the SVG overview is still there"
    overview = page.locator("#map-section figure.map svg").bounding_box()
    assert overview is not None and overview["width"] > 300 and overview["height"] > 150, "at a usable size"
    singles, clusters = tab.shown()
    assert singles + sum(clusters) == len(located)
    target = page.locator(".leaflet-marker-pane .marker-cluster, .leaflet-marker-pane .ev-marker").first
    target.click()  # a cluster of events at one place spreads out (spiderfy); a single marker opens its popup
    if not page.locator(".leaflet-popup").count():
        page.wait_for_timeout(700)
        page.locator(".leaflet-marker-pane .ev-marker").first.click()
    link = page.locator(".leaflet-popup a.map-popup-link")
    link.wait_for(state="visible")
    assert link.get_attribute("href") in {f"/events/{f['id']}" for f in located}
    page.wait_for_timeout(400)  # the popup fades in
    page.locator("#map-section").screenshot(path=str(SHOTS / "story-map.png"))
    tab.clean()


def test_without_javascript_the_svg_map_is_shown(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(base_url + "/map")
        assert page.locator("figure.map svg circle.marker").count() >= 5
        assert not page.locator(".kmap").is_visible()
        assert Path(SHOTS).is_dir()
    finally:
        context.close()
