"""Every page at phone width (390 px) and for a keyboard or screen-reader user, in Debian's chromium driven by
Playwright: no page scrolls sideways, the interface language is English with Dutch text marked ``lang="nl"``,
the first Tab reaches a skip link to the content, and every text on the page has WCAG AA contrast against the
background it is drawn on (4.5:1, 3:1 for large text), computed in the browser from the styles it applied.
Screenshots at 390 px go to ``test-artifacts/screenshots/phone-*.png``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from weblive import CHROMIUM, SHOTS, chromium, sample_site

playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


# The contrast of each element that draws text of its own, against the first opaque background behind it.
CONTRAST_SCRIPT = """() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const lum = (c) => {
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.9) return c; }
    return {r: 255, g: 255, b: 255, a: 1}; };
  const failures = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || el.getClientRects().length === 0) continue;
    const rect = el.getBoundingClientRect(); if (rect.right < 0 || rect.bottom < 0) continue;  // off-screen
    let fg = parse(style.color); const bg = background(el);
    let opacity = 1; for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    const alpha = fg.a * opacity;
    const mix = (a, b) => a * alpha + b * (1 - alpha);
    fg = {r: mix(fg.r, bg.r), g: mix(fg.g, bg.g), b: mix(fg.b, bg.b)};
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize); const bold = Number(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) failures.push(`${el.tagName.toLowerCase()}.${el.className}: ${ratio.toFixed(2)} ` +
                                                  `"${el.textContent.trim().slice(0, 40)}"`);
  }
  return failures;
}"""


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with sample_site(tmp_path_factory.mktemp("phone")) as url:
        yield url


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _pages(base_url: str) -> dict[str, str]:
    """Every kind of page, with real ids from the store: name → path."""
    api = httpx.Client(base_url=base_url, timeout=30)
    story = api.get("/api/stories").json()["items"][0]["id"]
    event = api.get("/api/events").json()["items"][0]["id"]
    article = api.get("/api/articles").json()["items"][0]["id"]
    place = api.get("/api/places").json()[0]["name"]
    actor = api.get("/api/actors").json()[0]["name"]
    pages = {"stories": "/stories", "story": f"/stories/{story}", "event": f"/events/{event}",
             "article": f"/articles/{article}", "place": f"/places/{quote(place)}", "actor": f"/actors/{quote(actor)}",
             "search": "/search?q=politie", "docs": "/docs", "error": "/stories?limit=many",
             "missing": "/stories/does-not-exist"}
    # the list and map pages, where this version has them
    for name in ("events", "articles", "places", "actors", "outlets", "map"):
        if api.get(f"/{name}").status_code == 200:
            pages[f"list-{name}"] = f"/{name}"
    return pages


@pytest.fixture(scope="module")
def pages(base_url: str) -> dict[str, str]:
    return _pages(base_url)


def test_no_page_scrolls_sideways_on_a_phone(browser: Any, base_url: str, pages: dict[str, str]) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = context.new_page()
    wide: dict[str, int] = {}
    for name, path in pages.items():
        page.goto(base_url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            wide[name] = overflow
        page.screenshot(path=str(SHOTS / f"phone-{name}.png"), full_page=True)
    context.close()
    assert wide == {}, f"pages wider than 390 px (by px): {wide}"


def test_language_is_marked_and_a_skip_link_comes_first(browser: Any, base_url: str, pages: dict[str, str]) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    for name in ("stories", "story", "article", "search"):
        page.goto(base_url + pages[name])
        assert page.get_attribute("html", "lang") == "en", name
        assert page.locator("[lang='nl']").count() >= 1, f"{name}: the Dutch text is marked lang=nl"
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.textContent.trim(), "
                                "document.activeElement.getAttribute('href')]")
        assert focused == ["Skip to content", "#main"], name
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#main"
    context.close()


def test_every_text_has_aa_contrast(browser: Any, base_url: str, pages: dict[str, str]) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    failing: dict[str, list[str]] = {}
    for name, path in pages.items():
        page.goto(base_url + path)
        problems = page.evaluate(CONTRAST_SCRIPT)
        if problems:
            failing[name] = problems[:5]
    context.close()
    assert failing == {}, f"text under WCAG AA contrast: {failing}"
