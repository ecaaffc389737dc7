"""The web pages in a real browser: Debian's chromium, driven by Playwright, against ``kroniek serve`` started as a
real process over a store built by the pipeline from the bundled sample plus one hostile article. Every page visited
is saved to ``test-artifacts/screenshots/browser-*.png``.

Skipped when the playwright package or /usr/bin/chromium is missing (Playwright's own browsers are never
downloaded)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import pytest

from conftest import ROOT, SAMPLE
from kroniek import pipeline
from kroniek.config import load_settings
from kroniek.ingest import ingest_paths
from kroniek.store.repository import Store

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "test-artifacts" / "screenshots"
PNG = b"\x89PNG\r\n\x1a\n"
FLAG = "__kroniek_pwned"
HOSTILE = {
    "id": "hostile-1", "outlet": "nachtblad", "url": f"javascript:window.{FLAG}='url'", "published_at": "2025-03-08",
    "title": f"<script>window.{FLAG}='title'</script> Onrust in Lyon",
    "text": f"In Lyon demonstreerden zaterdag <img src=x onerror=\"window.{FLAG}='img'\"> honderden mensen tegen de "
            f"regering. <svg onload=\"window.{FLAG}='svg'\"></svg> De politie arresteerde zeker twintig betogers.\n\n"
            f"\"><script>window.{FLAG}='breakout'</script> Volgens de organisatie waren er duizend deelnemers.",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``kroniek serve`` as its own process on a free loopback port, over the sample and the hostile article."""
    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'browser.db'}"
    hostile = folder / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE), encoding="utf-8")
    settings = load_settings(db_url=url)
    settings.data["analyse"]["deep"] = "none"  # the fast path, as in test_web: this module tests the pages
    store = Store.open(url)
    try:
        ingest_paths(store, [str(SAMPLE / name) for name in ("articles.jsonl", "feed.xml", "html", "seed")]
                     + [str(hostile)])
        pipeline.run(store, settings)
    finally:
        store.close()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("KRONIEK_WRITE_TOKEN", "KRONIEK_DB")}
    log = (folder / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "kroniek", "--db", url, "serve", "--host", "127.0.0.1",
                               "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, "kroniek serve exited: " + (folder / "serve.log").read_text()
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "kroniek serve did not answer: " + (folder / "serve.log").read_text()
            time.sleep(0.1)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        log.close()


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[Browser]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Visit:
    """A fresh browser tab on the server, recording console errors, page errors and any outside request."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.base = base_url
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.outside: list[str] = []
        self.context.route("**/*", self._only_local)
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        self.page.on("console", lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error"
                     else None)

    def _only_local(self, route: Any) -> None:
        if route.request.url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self, path: str) -> Page:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        return self.page

    def shot(self, name: str) -> Path:
        path = SHOTS / f"browser-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert path.read_bytes()[:8] == PNG
        return path

    def pwned(self) -> Any:
        return self.page.evaluate(f"() => window.{FLAG} ?? null")

    def path(self) -> str:
        return urlsplit(self.page.url).path

    def check_clean(self) -> None:
        assert self.errors == [], "no script error and no CSP violation (inline style, outside resource)"
        assert self.outside == [], "the pages load nothing from outside the server"
        assert self.pwned() is None


@pytest.fixture
def visit(browser: Browser, base_url: str) -> Iterator[Visit]:
    opened = Visit(browser, base_url)
    yield opened
    opened.context.close()


def richest_story(base_url: str) -> dict[str, Any]:
    stories = _get_json(f"{base_url}/api/stories?limit=500")["items"]
    best = max(stories, key=lambda s: (s["event_count"], s["article_count"]))
    story: dict[str, Any] = _get_json(f"{base_url}/api/stories/{best['id']}")
    assert story["events"] and story["figures"], "the sample's main story has a timeline and figures"
    return story


def test_story_list(visit: Visit) -> None:
    page = visit.open("/")
    assert page.locator("h1").inner_text() == "Stories"
    total = _get_json(f"{visit.base}/api/stories")["total"]
    links = page.locator("#story-list a.story-link")
    assert links.count() == total >= 5
    for index in range(links.count()):
        assert links.nth(index).is_visible()
    assert page.evaluate("() => document.styleSheets.length") == 1, "the stylesheet is loaded"
    background = page.locator("header.site").evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(255, 255, 255)", "and applied"
    visit.shot("story-list")
    visit.check_clean()


def test_story_list_filter_form(visit: Visit) -> None:
    page = visit.open("/stories")
    everything = page.locator("#story-list a.story-link").count()
    page.fill("input[name=q]", "georgi")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/stories?*q=georgi*")
    titles = page.locator("#story-list a.story-link").all_inner_texts()
    assert titles and len(titles) < everything and all("georgi" in t.lower() for t in titles)
    visit.shot("story-list-search")
    page.fill("input[name=q]", "")
    page.fill("input[name=date_from]", "2025-03-14")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**date_from=2025-03-14*")
    later = page.locator("#story-list tbody tr")
    assert 0 < later.count() < everything
    expected = _get_json(f"{visit.base}/api/stories?date_from=2025-03-14&limit=500")["items"]
    assert later.count() == len(expected) and all((s["last_seen_end"] or s["last_seen"]) >= "2025-03-14"
                                                  for s in expected)
    assert page.locator("input[name=date_from]").input_value() == "2025-03-14", "the form keeps the filter"
    visit.shot("story-list-from-date")
    visit.check_clean()


def test_story_list_pages_keep_the_filter(visit: Visit) -> None:
    matching = _get_json(f"{visit.base}/api/stories?q=georgi&limit=500")["items"]
    assert len(matching) >= 2
    page = visit.open("/stories?q=georgi&limit=1")
    seen = page.locator("#story-list a.story-link").all_inner_texts()
    while page.get_by_role("link", name="older →").count():
        with page.expect_navigation():
            page.get_by_role("link", name="older →").click()
        assert "q=georgi" in page.url
        titles = page.locator("#story-list a.story-link").all_inner_texts()
        assert titles and all("georgi" in t.lower() for t in titles), "the next page is still the search"
        seen += titles
    assert seen == [s["title"] for s in matching], "paging walks exactly the matching stories"
    visit.shot("story-list-search-page-2")
    with page.expect_navigation():
        page.get_by_role("link", name="← newer").click()
    assert "q=georgi" in page.url and page.locator("input[name=q]").input_value() == "georgi"
    visit.check_clean()


def test_story_page_timeline_figures_map(visit: Visit) -> None:
    story = richest_story(visit.base)
    page = visit.open("/")
    page.locator(f"#story-list a[href='/stories/{story['id']}']").click()
    page.wait_for_url(f"**/stories/{story['id']}")
    assert page.locator("h1").inner_text() == story["title"]

    timeline = page.locator("#timeline ol.timeline > li")
    happened = [e for e in story["events"] if e["happened"]]  # the others wait behind the toggle
    assert timeline.count() == len(happened)
    for index in range(timeline.count()):
        assert timeline.nth(index).is_visible()
    assert page.locator("#timeline .precision").first.is_visible(), "each date shows its precision"
    if len(happened) < len(story["events"]):
        page.get_by_role("link", name="Show them").click()
        page.wait_for_url("**all=true*")
        assert page.locator("#timeline ol.timeline > li").count() == len(story["events"])
        page.go_back()

    summary = story["figures_summary"]  # one row per kind and group, its claims beneath
    rows = page.locator("#figures tr.figure-row")
    assert rows.count() == len(summary) and rows.first.is_visible()
    first = summary[0]
    assert rows.first.locator("th").inner_text().startswith(first["label"])
    claims = page.locator("#figures tr.claims-row").first
    assert claims.locator("ul.claims li").count() == len(first["claims"])
    assert first["claims"][0]["text"] in claims.inner_text(), "the reported words are shown with their source"

    svg = page.locator("#map-section figure.map svg")
    svg.scroll_into_view_if_needed()
    assert svg.is_visible()
    box = svg.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150, "the map is drawn at a usable size"
    assert page.locator("#map-section path.land").count() >= 1, "with the countries around the events"
    markers = page.locator("#map-section circle.marker")
    located = [e for e in story["events"] if e["latitude"] is not None]
    assert markers.count() == len(located) == int(svg.get_attribute("data-markers") or 0) >= 1
    for index in range(markers.count()):
        marker = markers.nth(index)
        assert marker.is_visible()
        spot = marker.bounding_box()
        assert spot is not None and spot["width"] > 0
        centre_x, centre_y = spot["x"] + spot["width"] / 2, spot["y"] + spot["height"] / 2
        assert box["x"] <= centre_x <= box["x"] + box["width"] and box["y"] <= centre_y <= box["y"] + box["height"]
    fill = markers.first.evaluate("el => getComputedStyle(el).stroke")
    assert fill not in ("none", ""), "markers are styled"
    visit.shot("story")
    svg.screenshot(path=str(SHOTS / "browser-story-map.png"))
    visit.check_clean()


def test_click_through_to_event_with_highlighted_evidence(visit: Visit) -> None:
    story = richest_story(visit.base)
    page = visit.open(f"/stories/{story['id']}")
    link = page.locator("#timeline a.tl-event").first
    href = link.get_attribute("href")
    assert href and href.startswith("/events/")
    link.click()
    page.wait_for_url(f"**{href}")
    event = _get_json(visit.base + "/api" + href)
    assert page.locator("h1").inner_text().startswith(event["event_type"])
    evidence = page.locator("article.evidence")
    assert evidence.count() == len(event["mentions"]) >= 1
    marks = page.locator("article.evidence mark")
    assert marks.count() >= 1
    spans = {(s["field"], s["text"]) for m in event["mentions"] for s in m["evidence"]}
    for index in range(marks.count()):
        mark = marks.nth(index)
        assert mark.is_visible()
        field = (mark.get_attribute("class") or "").removeprefix("ev-")
        assert (field, mark.inner_text()) in spans, "exactly the evidence spans are highlighted"
        colour = mark.evaluate("el => getComputedStyle(el).backgroundColor")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), "the highlight is visible, not just markup"
    assert page.locator("article.evidence mark.ev-trigger").count() >= 1
    visit.shot("event")
    visit.check_clean()


def test_map_marker_opens_its_event(visit: Visit) -> None:
    story = richest_story(visit.base)
    page = visit.open(f"/stories/{story['id']}")
    topmost = page.locator("#map-section a.marker-link").last  # drawn last, so on top where markers overlap
    href = topmost.get_attribute("href")
    assert href and href.startswith("/events/")
    topmost.scroll_into_view_if_needed()
    topmost.click()
    page.wait_for_url(f"**{href}")
    assert page.locator("figure.map circle.marker").count() == 1, "the event page maps the event itself"
    visit.shot("event-from-map")
    visit.check_clean()


def test_place_and_actor_pages(visit: Visit) -> None:
    story = richest_story(visit.base)
    event = next(e for e in story["events"] if e["place"] and e["actor1"])
    page = visit.open(f"/events/{event['id']}")
    page.locator("dl.fields a[href^='/places/']").click()
    page.wait_for_url(f"**/places/{quote(event['place'])}")
    assert page.locator("h1").inner_text() == f"Place: {event['place']}"
    assert page.locator("table.events tbody tr").count() >= 1 and page.locator("circle.marker").count() >= 1
    visit.shot("place")
    page.go_back()
    page.wait_for_url(f"**/events/{event['id']}")
    page.locator("dl.fields a[href^='/actors/']").first.click()
    page.wait_for_url("**/actors/**")
    assert page.locator("h1").inner_text() == f"Actor: {event['actor1']}"
    assert page.locator("table.events tbody tr").count() >= 1
    visit.shot("actor")
    visit.check_clean()


def test_hostile_article_is_shown_as_text(visit: Visit) -> None:
    page = visit.open(f"/articles/{HOSTILE['id']}")
    assert page.locator("h1.article-title").inner_text() == HOSTILE["title"], "the title is shown literally"
    body = page.locator("div.article-text").inner_text()
    assert f"<img src=x onerror=\"window.{FLAG}='img'\">" in body, "markup in the text is shown literally"
    assert f"<svg onload=\"window.{FLAG}='svg'\"></svg>" in body
    assert f"\"><script>window.{FLAG}='breakout'</script>" in body
    assert page.locator("span.url").inner_text() == HOSTILE["url"], "a javascript: URL is text, not a link"
    assert page.locator("a[href^='javascript:']").count() == 0
    assert page.locator("main img, main script, main svg[onload]").count() == 0
    assert page.evaluate("() => document.scripts.length") == 0
    visit.shot("hostile-article")
    visit.check_clean()

    page = visit.open("/stories?q=Lyon")
    link = page.locator("#story-list a.story-link")
    assert link.count() == 1 and link.inner_text() == HOSTILE["title"]
    visit.shot("hostile-story-list")
    link.click()
    page.wait_for_url("**/stories/**")
    assert page.locator("h1").inner_text() == HOSTILE["title"]
    assert page.locator("ul.articles a").inner_text() == HOSTILE["title"]
    visit.shot("hostile-story")
    visit.check_clean()
    events = page.locator("#timeline a.tl-event")
    assert events.count() >= 1, "the demonstration in Lyon is an event"
    events.first.click()
    page.wait_for_url("**/events/**")
    evidence = page.locator("article.evidence")
    assert HOSTILE["title"] in evidence.locator("h3").first.inner_text()
    assert page.locator("article.evidence mark").count() >= 1
    visit.shot("hostile-event")
    visit.check_clean()


def test_not_found_page(visit: Visit) -> None:
    response = visit.page.goto(visit.base + "/stories/geen-verhaal")
    assert response is not None and response.status == 404
    assert visit.page.locator("h1").inner_text() == "404"
    assert "no story" in visit.page.locator("main").inner_text()
    visit.shot("not-found")
    visit.page.get_by_role("link", name="Back to the stories").click()
    visit.page.wait_for_url("**/stories")
    assert visit.page.locator("#story-list a.story-link").count() >= 5
    assert visit.outside == [] and visit.pwned() is None


def test_api_link_shows_the_api_description(visit: Visit) -> None:
    page = visit.open("/")
    with page.expect_navigation():
        page.locator("header.site nav a", has_text="API").click()
    assert page.locator("h1").inner_text() == "JSON API"
    assert page.get_by_text("GET /api/stories", exact=True).first.is_visible(), "the API link leads to a readable page"
    page.get_by_role("link", name="/openapi.json").click()
    schema = json.loads(page.locator("body").inner_text())
    assert "/api/stories" in schema["paths"], "and from there to the OpenAPI description"
    visit.shot("api")
    visit.check_clean()
