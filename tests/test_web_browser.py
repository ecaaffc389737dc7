"""The web pages in a real browser: Debian's chromium driven by Playwright against ``kroniek serve`` over a store
built by the pipeline from the bundled sample, plus one hostile article. Screenshots of every page go to
``test-artifacts/screenshots/``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from weblive import CHROMIUM, SHOTS, chromium, sample_site

playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install "
                                                         "chromium)")

HOSTILE = {"id": "hostile-1", "outlet": "nachtblad", "url": "javascript:window.__pwned=1",
           "published_at": "2024-11-06",
           "title": "<script>window.__pwned=1</script> Onrust in Lyon",
           "text": "In Lyon demonstreerden <img src=x onerror=\"window.__pwned=1\"> honderden mensen tegen de "
                   "regering. De politie arresteerde zeker twintig betogers."}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser")
    hostile = folder / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE), encoding="utf-8")
    with sample_site(folder, [hostile]) as url:
        yield url


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.errors = errors
    yield opened
    context.close()


def _story_with_map(page: Any, base_url: str) -> str:
    """The story from the list with the most articles whose page has a map with markers."""
    page.goto(f"{base_url}/stories")
    links = [a.get_attribute("href") for a in page.locator("a[href^='/stories/']").all()]
    assert links, "the story list links to stories"
    for href in links:
        page.goto(base_url + href)
        if page.locator("svg circle.marker").count() and page.locator("ol.timeline li").count():
            return str(href)
    raise AssertionError("no story page with a timeline and map markers")


def test_story_list(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/stories")
    assert page.title()
    rows = page.locator("a[href^='/stories/']")
    assert rows.count() >= 3, "the sample has at least three stories"
    page.screenshot(path=str(SHOTS / "stories.png"), full_page=True)
    assert page.errors == []


def test_story_page_timeline_figures_map(page: Any, base_url: str) -> None:
    href = _story_with_map(page, base_url)
    timeline = page.locator("ol.timeline li")
    assert timeline.count() >= 1 and timeline.first.is_visible()
    assert page.locator("ol.timeline .precision").count() >= 1, "the date precision is visible on the timeline"
    figures = page.locator("table.figures tbody tr")
    if figures.count():  # the figures table, when the story has figures, shows who reported them
        assert figures.first.is_visible()
        assert page.locator("table.figures td ul.claims li").count() >= 1
    svg = page.locator("figure.map svg")
    assert svg.is_visible()
    markers = page.locator("svg circle.marker")
    assert markers.count() >= 1 and markers.first.is_visible()
    box = svg.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 100, "the map is drawn at a usable size"
    page.screenshot(path=str(SHOTS / "story.png"), full_page=True)
    assert page.errors == [], href


def test_story_with_figures_shows_the_table(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/stories")
    for href in [a.get_attribute("href") for a in page.locator("a[href^='/stories/']").all()]:
        page.goto(base_url + str(href))
        if page.locator("table.figures tbody tr").count():
            break
    else:
        raise AssertionError("no story in the sample shows a figures table")
    row = page.locator("table.figures tbody tr").first
    assert row.is_visible()
    assert row.locator("td.num").first.inner_text().strip() != "", "a coded value is shown"
    page.screenshot(path=str(SHOTS / "story-figures.png"), full_page=True)


def test_click_through_to_event_with_highlighted_evidence(page: Any, base_url: str) -> None:
    _story_with_map(page, base_url)
    page.locator("ol.timeline a.tl-event").first.click()
    page.wait_for_url("**/events/**")
    marks = page.locator("article.evidence mark")
    assert marks.count() >= 1, "evidence spans are highlighted"
    assert marks.first.is_visible()
    assert page.locator("article.evidence mark.ev-trigger").count() >= 1
    background = marks.first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), "the highlight is visible, not just markup"
    page.screenshot(path=str(SHOTS / "event.png"), full_page=True)
    assert page.errors == []


def test_hostile_article_is_shown_as_text(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/articles/{HOSTILE['id']}")
    body = page.locator("body").inner_text()
    assert "<script>window.__pwned=1</script>" in body, "the title is shown literally"
    assert "<img src=x onerror=" in body, "the markup in the text is shown literally"
    assert page.evaluate("() => window.__pwned === undefined"), "no injected script ran"
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0, "a javascript: URL is never a link"
    page.screenshot(path=str(SHOTS / "hostile-article.png"), full_page=True)
    page.goto(f"{base_url}/stories?q=Lyon")
    assert page.evaluate("() => window.__pwned === undefined")


def test_place_and_actor_pages_list_events(page: Any, base_url: str) -> None:
    _story_with_map(page, base_url)
    page.locator("ol.timeline a.tl-event").first.click()
    page.wait_for_url("**/events/**")
    place_links = page.locator("a[href^='/places/']")
    if place_links.count():
        place_links.first.click()
        page.wait_for_url("**/places/**")
        assert page.locator("a[href^='/events/']").count() >= 1
        page.screenshot(path=str(SHOTS / "place.png"), full_page=True)
    assert page.errors == []


def test_search_finds_the_texts_groups_by_story_and_marks_the_words(browser: Any, base_url: str) -> None:
    for width, name in ((1366, "search.png"), (390, "search-390.png")):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{base_url}/")
        page.get_by_role("link", name="Search").click()
        page.get_by_label("Words").fill("georgie")  # no accent: finds "Georgië" and "Georgiërs"
        page.get_by_role("button", name="Search").click()
        groups = page.locator("#search-results > li")
        assert groups.count() >= 1
        marks = [m.inner_text().lower() for m in page.locator("#search-results mark").all()]
        assert marks and all(m.startswith("georgi") for m in marks), marks
        assert page.locator("#search-results h2 a[href^='/stories/']").count() >= 1
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"search page scrolls sideways by {overflow}px at {width}px"
        page.screenshot(path=str(SHOTS / name), full_page=True)
        page.get_by_label("Words").fill("zeppelinhaven")
        page.get_by_role("button", name="Search").click()
        assert "Nothing matched “zeppelinhaven”" in page.locator("#search-summary").inner_text()
        context.close()


def test_screenshots_were_written() -> None:
    shots = sorted(p.name for p in Path(SHOTS).glob("*.png"))
    assert {"stories.png", "story.png", "event.png", "hostile-article.png", "search.png",
            "search-390.png"} <= set(shots)
