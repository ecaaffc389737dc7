"""Every number to its sentence, with the words that attribute it: the claim page marks the number and the source
phrase, the event page marks the event's figures as links to their claim pages, and event mentions show their
own attribution chain on the event page, in its API, in the story timeline and in the PLOVER export. A store built
by the real pipeline (fast path, no Frog) from our own articles."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kroniek import pipeline
from kroniek.config import load_settings
from kroniek.ingest import ingest_paths
from kroniek.serve.app import create_app
from kroniek.serve.evidence import mark_text
from kroniek.store.repository import Store
from weblive import CHROMIUM, SHOTS, chromium, live_server

ARTICLES = [
    {"id": "v1", "outlet": "ochtendblad", "url": "https://ochtendblad.example/1", "published_at": "2025-03-11",
     "title": "Doden bij betoging in Lima",
     "text": "In Lima zijn dinsdag zeker vier betogers doodgeschoten, zegt de politie. "
             "De demonstranten eisten het aftreden van de regering."},
    {"id": "v2", "outlet": "avondblad", "url": "https://avondblad.example/2", "published_at": "2025-03-11",
     "title": "Supporters opgepakt in Breda",
     "text": "De politie heeft dinsdag in Breda negen voetbalsupporters gearresteerd, meldt Reuters."},
    {"id": "v3", "outlet": "weekkrant", "url": "https://weekkrant.example/3", "published_at": "2025-03-12",
     "title": "Brand in Gouda",
     "text": "Volgens de brandweer woedde de brand de hele nacht in een fabriekshal in Gouda. "
             "Daarbij zouden zeven mensen gewond zijn geraakt."},
    {"id": "v4", "outlet": "weekkrant", "url": "https://weekkrant.example/4", "published_at": "2025-03-12",
     "title": "Betoging in Utrecht",
     "text": "In Utrecht demonstreerden woensdag <b>duizenden</b> mensen tegen de bezuinigingen."},
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("evidence")
    source = folder / "a.jsonl"
    source.write_text("\n".join(json.dumps(a) for a in ARTICLES), encoding="utf-8")
    settings = load_settings(db_url=f"sqlite:///{folder / 'e.db'}")
    settings.data["analyse"]["deep"] = "none"
    store = Store.open(settings.db_url)
    ingest_paths(store, [str(source)])
    pipeline.run(store, settings)
    yield create_app(settings, store)
    store.close()


@pytest.fixture(scope="module")
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def article_json(client: TestClient, article_id: str) -> dict[str, Any]:
    response = client.get(f"/api/articles/{article_id}")
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


def marks(html: str, field: str) -> list[str]:
    """The text of each mark of one field (nested marks inside it taken as text)."""
    found = []
    for match in re.finditer(rf'<mark class="ev-{field}"[^>]*>', html):
        depth, cursor = 1, match.end()
        while depth:
            step = re.compile(r"<mark\b[^>]*>|</mark>").search(html, cursor)
            assert step is not None, "every mark is closed"
            depth += 1 if step.group().startswith("<mark") else -1
            cursor = step.end()
        found.append(re.sub(r"<[^>]+>", "", html[match.end():cursor - len("</mark>")]))
    return found


def evidence_html(page: str) -> str:
    return "".join(re.findall(r'<article class="evidence">(.*?)</article>', page, re.S))


def test_claim_page_marks_the_number_and_its_source(client: TestClient) -> None:
    [killed] = [c for c in article_json(client, "v1")["figures"] if c["kind"] == "killed"]
    page = client.get(f"/claims/{killed['id']}")
    assert page.status_code == 200
    text = evidence_html(page.text)
    assert marks(text, "number") == [killed["text"]]
    assert marks(text, "source") == ["zegt de politie"]
    assert "ochtendblad › politie" in page.text
    legend = re.search(r'<p class="legend evidence-legend">(.*?)</p>', page.text, re.S)
    assert legend and "the number" in legend.group(1) and "who reports it" in legend.group(1)


def test_claim_page_shows_the_earlier_sentence_whose_source_it_inherits(client: TestClient) -> None:
    [injured] = [c for c in article_json(client, "v3")["figures"] if c["kind"] == "injured"]
    assert "attribution-inherited" in injured["contexts"]
    page = client.get(f"/claims/{injured['id']}").text
    text = evidence_html(page)
    assert marks(text, "source") == ["Volgens de brandweer"]
    assert marks(text, "number") == [injured["text"]]
    assert "carries over" in page


def test_claim_without_a_source_phrase_marks_only_the_number(client: TestClient) -> None:
    v4 = article_json(client, "v4")
    for claim in v4["figures"]:
        page = client.get(f"/claims/{claim['id']}").text
        assert marks(evidence_html(page), "source") == []
        assert "&lt;b&gt;" in page and "<b>duizenden" not in page, "the article's markup is shown as text"


def event_of(client: TestClient, article_id: str, event_type: str) -> dict[str, Any]:
    events = client.get("/api/events", params={"limit": 100}).json()["items"]
    for summary in events:
        event = client.get(f"/api/events/{summary['id']}").json()
        if event["event_type"] == event_type and any(m["article_id"] == article_id for m in event["mentions"]):
            return dict(event)
    raise AssertionError(f"no {event_type} event from {article_id}")


def test_event_api_and_page_carry_the_mentions_attribution(client: TestClient) -> None:
    event = event_of(client, "v2", "Strategic developments")
    by_trigger = {m["trigger"]: m for m in event["mentions"] if m["article_id"] == "v2"}
    mention = by_trigger["gearresteerd"]
    assert mention["attribution"] == ["avondblad", "Reuters"]
    assert [s["text"] for s in mention["evidence"] if s["field"] == "source"] == ["meldt Reuters"]
    assert "attribution" not in by_trigger["opgepakt"], "the title names no source"
    assert event["attributions"] == [["avondblad", "Reuters"]]
    page = client.get(f"/events/{event['id']}").text
    assert "Reported by avondblad › Reuters" in page
    assert "Attributed to" in page
    assert marks(evidence_html(page), "source") == ["meldt Reuters"]


def test_event_page_links_its_figures_to_their_claim_pages(client: TestClient) -> None:
    event = event_of(client, "v2", "Strategic developments")
    [arrested] = [c for c in article_json(client, "v2")["figures"] if c["kind"] == "arrested"]
    page = client.get(f"/events/{event['id']}").text
    links = re.findall(r'<a class="ev-figure" href="([^"]+)"[^>]*>([^<]*)</a>', evidence_html(page))
    assert (f"/claims/{arrested['id']}", arrested["text"]) in links
    assert client.get(links[0][0]).status_code == 200, "the link opens the figure's sentence"


def test_nested_marks_keep_every_span(client: TestClient) -> None:
    """"zegt de politie" holds the actor "politie": both are marked, each with exactly its span's words."""
    event = event_of(client, "v1", "Protests")
    page = evidence_html(client.get(f"/events/{event['id']}").text)
    spans = {(s["field"], s["text"]) for m in event["mentions"] for s in m["evidence"]}
    for field, text in spans:
        assert text in marks(page, field), (field, text)


def test_an_event_without_a_source_shows_none(client: TestClient) -> None:
    event = event_of(client, "v4", "Protests")
    assert "attributions" not in event and all("attribution" not in m for m in event["mentions"])
    page = client.get(f"/events/{event['id']}").text
    assert "Reported by" not in page and "Attributed to" not in page
    assert marks(evidence_html(page), "source") == []


def test_story_timeline_shows_the_chain(client: TestClient) -> None:
    event = event_of(client, "v2", "Strategic developments")
    page = client.get(f"/stories/{event['story_id']}").text
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', page, re.S)
    assert timeline and '<span class="tl-attribution">Reported by avondblad › Reuters</span>' in timeline.group(1)


def test_article_page_links_each_figure_and_names_the_events_source(client: TestClient) -> None:
    figures = article_json(client, "v2")["figures"]
    page = client.get("/articles/v2").text
    for claim in figures:
        assert f'href="/claims/{claim["id"]}"' in page
    assert "gearresteerd</q> — avondblad › Reuters" in page


def test_plover_export_carries_each_mentions_attribution(client: TestClient) -> None:
    response = client.get("/api/export/plover")
    assert response.status_code == 200
    records = json.loads(response.text)
    records = records if isinstance(records, list) else records.get("events", records.get("records", []))
    chains = {m["article_id"]: m["attribution"] for r in records for m in r["mentions"]}
    assert chains["v2"] == ["avondblad", "Reuters"] and chains["v4"] == []


# --- the marking itself -----------------------------------------------------------------------------------------


def test_marks_nest_escape_and_keep_the_number_where_spans_cross() -> None:
    text = "zegt de <politie> & 5 doden"
    spans = [{"start": 0, "end": 17, "field": "source"}, {"start": 8, "end": 17, "field": "actor1"},
             {"start": 20, "end": 27, "field": "number"}, {"start": 18, "end": 22, "field": "date"}]  # crosses
    marked = mark_text(text, spans)
    assert str(marked.html) == ('<mark class="ev-source" title="who reports it">zegt de <mark class="ev-actor1" '
                                'title="actor 1">&lt;politie&gt;</mark></mark> &amp; <mark class="ev-number" '
                                'title="the number">5 doden</mark>')
    assert [field for field, _ in marked.legend] == ["number", "actor1", "source"]


def test_a_figure_link_never_holds_another_and_spans_outside_are_dropped() -> None:
    text = "twee agenten en een voorbijganger"
    spans = [{"start": 0, "end": 33, "field": "figure", "href": "/claims/c1"},
             {"start": 0, "end": 12, "field": "figure", "href": "/claims/c2"},
             {"start": 30, "end": 99, "field": "place"}]
    html = str(mark_text(text, spans).html)
    assert html.count("<a ") == 1 and "/claims/c1" in html and "/claims/c2" not in html
    assert "ev-place" not in html


# --- in Chromium ------------------------------------------------------------------------------------------------


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_in_chromium_the_source_mark_differs_from_the_number_and_a_figure_opens_its_claim(
        app: Any, client: TestClient) -> None:
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    [killed] = [c for c in article_json(client, "v1")["figures"] if c["kind"] == "killed"]
    event = event_of(client, "v2", "Strategic developments")
    [arrested] = [c for c in article_json(client, "v2")["figures"] if c["kind"] == "arrested"]
    with live_server(app) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(f"{base}/claims/{killed['id']}")
        number = page.locator("article.evidence mark.ev-number")
        source = page.locator("article.evidence mark.ev-source")
        assert number.is_visible() and source.is_visible()
        assert source.inner_text() == "zegt de politie"

        def style(locator: Any, name: str) -> str:
            return str(locator.evaluate(f"el => getComputedStyle(el).{name}"))

        assert style(number, "backgroundColor") != style(source, "backgroundColor")
        assert style(source, "borderBottomStyle") == "dashed", "told apart by more than colour"
        assert page.locator(".evidence-legend mark.ev-source").is_visible()
        page.screenshot(path=str(SHOTS / "claim-source.png"), full_page=True)
        page.goto(f"{base}/events/{event['id']}")
        link = page.locator(f"article.evidence a.ev-figure[href='/claims/{arrested['id']}']")
        assert link.is_visible()
        page.screenshot(path=str(SHOTS / "event-figures.png"), full_page=True)
        link.click()
        page.wait_for_url(f"**/claims/{arrested['id']}")
        assert page.locator("article.evidence mark.ev-source").inner_text() == "meldt Reuters"
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scroll"
        page.screenshot(path=str(SHOTS / "claim-source-390.png"), full_page=True)
