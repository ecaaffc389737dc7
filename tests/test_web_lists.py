"""The list pages in a real browser (Debian's chromium driven by Playwright against ``kroniek serve``) over the
small store of ``test_lists``: clicking a facet narrows the list, a pick-list fills as one types, and no list page
scrolls sideways on a 390 px phone. Screenshots go to ``test-artifacts/screenshots/``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kroniek.config import load_settings
from kroniek.store.repository import Store
from test_lists import build
from weblive import CHROMIUM, SHOTS, chromium, live_server

playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install "
                                                         "chromium)")

LIST_PAGES = ["/events", "/articles", "/places", "/actors", "/outlets"]


@pytest.fixture(scope="module")
def lists_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from kroniek.serve.app import create_app

    folder = tmp_path_factory.mktemp("web-lists")
    settings = load_settings(db_url=f"sqlite:///{folder / 'lists.db'}")
    store = Store.open(settings.db_url)
    build(store)
    with live_server(create_app(settings, store)) as url:
        yield url
    store.close()


@pytest.fixture(scope="module")
def lists_browser(lists_url: str) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _page(browser: Any, width: int) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(str(error)))
    # a script or style the CSP refuses shows up as a console error, not a page error
    opened.on("console", lambda message: problems.append(message.text)
              if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    # what failed to load, by address (the browser's own favicon request is no page's doing)
    opened.on("response", lambda response: problems.append(f"{response.status} {response.url}")
              if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    return context, opened, problems


def test_clicking_a_facet_narrows_the_list_and_the_cross_widens_it(lists_browser: Any, lists_url: str) -> None:
    context, page, problems = _page(lists_browser, 1366)
    page.goto(f"{lists_url}/events")
    rows = page.locator("#event-list tbody tr")
    everything = rows.count()
    assert everything == 9
    page.screenshot(path=str(SHOTS / "events.png"), full_page=True)
    facet = page.locator("section.facet[data-facet='country'] a.facet-link", has_text="Netherlands")
    expected = int(facet.locator("xpath=following-sibling::span[@class='count']").inner_text())
    facet.click()
    page.wait_for_load_state()
    assert "country=NL" in page.url
    assert rows.count() == expected == 2
    assert page.locator("section.facet[data-facet='country'] strong").inner_text() == "Netherlands"
    # a second facet narrows further, then the header sorts within the filter
    page.locator("section.facet[data-facet='precision'] a.facet-link", has_text="year").click()
    page.wait_for_load_state()
    assert rows.count() == 1 and "precision=year" in page.url and "country=NL" in page.url
    page.locator("section.facet[data-facet='precision'] a.facet-remove").click()
    page.wait_for_load_state()
    assert rows.count() == 2
    page.locator("#event-list thead a.sort", has_text="Date").click()
    page.wait_for_load_state()
    assert "sort=-date" in page.url and "country=NL" in page.url
    dates = [cell.inner_text() for cell in page.locator("#event-list tbody td[data-label='Date']").all()]
    assert dates[0].startswith("February 2022") and dates[1].startswith("2021"), dates  # shown to their precision
    page.locator("a.filter-remove").first.click()
    page.wait_for_load_state()
    assert rows.count() == everything
    assert problems == []
    context.close()


def test_the_place_pick_list_fills_as_one_types(lists_browser: Any, lists_url: str) -> None:
    context, page, problems = _page(lists_browser, 1366)
    page.goto(f"{lists_url}/events")
    field = page.locator("input[name='place']")
    field.fill("Kazach")  # the Dutch name: the store has the events under Kazakhstan
    page.wait_for_function("() => [...document.querySelectorAll('#pick-place option')]"
                           ".some(o => o.value === 'Kazakhstan')", timeout=5000)
    field.fill("Den Haag")
    page.locator("form.filters button[type='submit']").click()
    page.wait_for_load_state()
    assert page.locator("#event-list tbody tr").count() == 1
    assert "The Hague" in page.locator("#event-list tbody").inner_text()
    assert problems == []
    context.close()


@pytest.mark.parametrize("path", LIST_PAGES)
def test_no_list_page_scrolls_sideways_on_a_phone(lists_browser: Any, lists_url: str, path: str) -> None:
    context, page, problems = _page(lists_browser, 390)
    page.goto(lists_url + path)
    assert page.locator("table.list tbody tr").count() >= 1
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} is {overflow} px wider than a 390 px screen"
    if path == "/events":
        page.screenshot(path=str(SHOTS / "events-390.png"), full_page=True)
    if path == "/articles":
        page.screenshot(path=str(SHOTS / "articles-390.png"), full_page=True)
    assert problems == []
    context.close()


def test_articles_page_titles_untitled_articles(lists_browser: Any, lists_url: str) -> None:
    context, page, problems = _page(lists_browser, 1366)
    page.goto(f"{lists_url}/articles?sort=-published")
    titles = [a.inner_text() for a in page.locator("#article-list a.article-link").all()]
    assert "Tokajev vraagt de CSTO om hulp." in titles and all(titles)
    page.screenshot(path=str(SHOTS / "articles.png"), full_page=True)
    page.goto(f"{lists_url}/articles?colour=red")
    assert page.locator("h1").inner_text() == "422" and "colour" in page.locator("main").inner_text()
    context.close()
    assert [p for p in problems if "422" not in p] == []
