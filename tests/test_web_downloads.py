"""Downloads in a real browser (Debian's chromium driven by Playwright against ``kroniek serve``) over the small
store of ``test_lists``: narrowing the event list by a facet and clicking its CSV link downloads every matching
event (not one page) under its file name; the places GeoJSON link gives a FeatureCollection; the download links do
not make a page scroll sideways on a 390 px phone. Screenshots go to ``test-artifacts/screenshots/``."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from kroniek.config import load_settings
from kroniek.store.repository import Store
from test_lists import build
from weblive import CHROMIUM, SHOTS, chromium, live_server

playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install "
                                                         "chromium)")


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from kroniek.serve.app import create_app

    folder = tmp_path_factory.mktemp("web-downloads")
    settings = load_settings(db_url=f"sqlite:///{folder / 'downloads.db'}")
    store = Store.open(settings.db_url)
    build(store)
    with live_server(create_app(settings, store)) as url:
        yield url
    store.close()


@pytest.fixture(scope="module")
def browser(site_url: str) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def every_event(site_url: str, **params: str) -> list[str]:
    ids: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = httpx.get(f"{site_url}/api/lists/events", params={**params, "limit": 2, "offset": offset}).json()
        ids += [item["id"] for item in page["items"]]
        offset = page["next_offset"]
    return ids


def test_the_csv_link_of_a_narrowed_list_downloads_every_matching_row(browser: Any, site_url: str) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{site_url}/events?limit=2&sort=-date")
    page.locator('section[data-facet="country"] a.facet-link', has_text="Kazakhstan").click()
    page.wait_for_url("**country=**")
    assert page.locator("#event-list tbody tr").count() <= 2, "the page shows one page of two"
    page.screenshot(path=str(SHOTS / "downloads-events-1366.png"), full_page=True)
    with page.expect_download() as started:
        page.locator('a.download[data-format="csv"]').click()
    download = started.value
    assert download.suggested_filename == "kroniek-events.csv"
    frame = pd.read_csv(io.StringIO(Path(download.path()).read_text(encoding="utf-8")), dtype=str)
    wanted = every_event(site_url, country="KZ", sort="-date")
    assert len(wanted) > 2 and list(frame["id"]) == wanted, "every matching event in the page's order"
    context.close()


def test_the_places_geojson_link_gives_a_feature_collection(browser: Any, site_url: str) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{site_url}/places?country=Kazachstan")
    with page.expect_download() as started:
        page.locator('a.download[data-format="geojson"]').click()
    assert started.value.suggested_filename == "kroniek-places.geojson"
    collection = json.loads(Path(started.value.path()).read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection" and collection["features"]
    assert {f["properties"]["iso2"] for f in collection["features"]} == {"KZ"}
    context.close()


@pytest.mark.parametrize("path", ["/events?place=Almaty", "/places", "/stories"])
def test_download_links_keep_a_phone_page_from_scrolling_sideways(browser: Any, site_url: str, path: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(site_url + path)
    assert page.locator("#downloads a.download").count() >= 2
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    name = path.strip("/").split("?")[0] or "home"
    page.screenshot(path=str(SHOTS / f"downloads-{name}-390.png"), full_page=True)
    assert overflow <= 0, f"{path} scrolls sideways by {overflow} px at 390 px"
    context.close()
