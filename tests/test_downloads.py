"""Download what you see: every list page (/events, /articles, /places, /actors, /outlets), the story list and each
story page link CSV, JSON and GeoJSON (and ACLED CSV for events) of exactly what they show, with the page's filters
and sort, every matching row (not one page), the page's columns plus ids; /api/export/{fmt} and ``kroniek export``
take the event list's filters (the stories JSON the story list's), and an unknown one is a 422 (a usage error on
the command line). The stories JSON, read a batch of stories at a time, equals ``get_story`` story by story.

The store is a pipeline run (fast analysis path) over a handful of Dutch articles written for this test: two
stories of several events, a month-dated article, an event that did not happen, places spelt in Dutch in the text
(Den Haag, Georgië), a title that looks like a spreadsheet formula. Runs on SQLite, and on PostgreSQL too when the
CI started one (KRONIEK_TEST_PG)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jsonschema
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import BACKENDS, fresh_db_url
from kroniek import pipeline
from kroniek.cli import app as cli_app
from kroniek.config import load_settings
from kroniek.export import listings
from kroniek.export.common import iter_stories
from kroniek.ingest import ingest_paths
from kroniek.serve.app import create_app
from kroniek.store import query
from kroniek.store.repository import Store

# (id, outlet, title, published, text): our own sentences
ARTICLES = [
    ("u1", "NOS", "Demonstranten bezetten plein in Utrecht", "2023-03-14T09:00:00+01:00",
     "Honderden demonstranten hebben dinsdag het Domplein in Utrecht bezet uit protest tegen de woningnood. "
     "De politie arresteerde twaalf betogers, meldt de gemeente Utrecht."),
    ("u2", "NRC", "Politie ontruimt Domplein in Utrecht", "2023-03-15T18:30:00+01:00",
     "De politie heeft woensdag het bezette Domplein in Utrecht ontruimd. Daarbij werden volgens de politie twintig "
     "demonstranten aangehouden."),
    ("z1", "Trouw", "Boeren blokkeren snelweg bij Zwolle", "2023-03",
     "Boze boeren hebben met tractoren de snelweg bij Zwolle geblokkeerd uit protest tegen het stikstofbeleid. "
     "Er vielen geen gewonden."),
    ("t1", "AD", "Rellen in Tbilisi na stemming", "2023-04-02T22:00:00+02:00",
     "In Tbilisi zijn zondag rellen uitgebroken na een omstreden stemming in het parlement van Georgië. De "
     "oproerpolitie zette traangas in; volgens het ministerie raakten dertig mensen gewond."),
    ("t2", "NOS", "Opnieuw onrust in Tbilisi", "2023-04-03T21:00:00+02:00",
     "Ook maandag gingen duizenden betogers in Tbilisi de straat op. De politie gebruikte waterkanonnen tegen de "
     "menigte in Georgië."),
    ("f1", "AD", "=1+1 is geen titel", "2023-04-05",
     "In Den Haag demonstreerden donderdag honderden studenten tegen de bezuinigingen op het onderwijs."),
]
KINDS = ("events", "articles", "places", "actors", "outlets")
# RFC 7946 for a collection of points, whatever their properties (tests/fixtures/geojson.schema.json fixes the event
# export's own properties): a Point is [longitude, latitude] in WGS 84, and a FeatureCollection must not carry the
# members of a Feature or a geometry (section 7.1)
POINT_COLLECTION_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "required": ["type", "features"],
    "properties": {"type": {"const": "FeatureCollection"}, "features": {"type": "array", "items": {
        "type": "object", "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"const": "Feature"}, "id": {"type": ["string", "number"]},
            "properties": {"type": ["object", "null"]},
            "geometry": {"type": "object", "required": ["type", "coordinates"], "properties": {
                "type": {"const": "Point"},
                "coordinates": {"type": "array", "minItems": 2, "maxItems": 3, "prefixItems": [
                    {"type": "number", "minimum": -180, "maximum": 180},
                    {"type": "number", "minimum": -90, "maximum": 90}], "items": {"type": "number"}}}}},
        "not": {"anyOf": [{"required": ["features"]}, {"required": ["coordinates"]}]}}}},
    "not": {"anyOf": [{"required": ["coordinates"]}, {"required": ["geometry"]}, {"required": ["properties"]}]},
}


class Site:
    def __init__(self, url: str, store: Store, client: TestClient) -> None:
        self.url, self.store, self.client = url, store, client


@pytest.fixture(scope="module", params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("downloads")
    corpus = folder / "articles.jsonl"
    with corpus.open("w", encoding="utf-8") as out:
        for article_id, outlet, title, published, text in ARTICLES:
            out.write(json.dumps({"id": article_id, "outlet": outlet, "title": title, "published_at": published,
                                  "text": text, "url": f"https://example.org/{article_id}"},
                                 ensure_ascii=False) + "\n")
    with contextmanager(fresh_db_url)(request.param, folder) as url:
        settings = load_settings(db_url=url)
        settings.data["analyse"]["deep"] = "none"  # the fast path, as in test_exports
        store = Store.open(url)
        try:
            ingest_paths(store, [str(corpus)])
            pipeline.run(store, settings)
            with TestClient(create_app(settings, store)) as client:
                yield Site(url, store, client)
        finally:
            store.close()


def get(site: Site, path: str, **params: Any) -> Any:
    response = site.client.get(path, params=params)
    assert response.status_code == 200, (path, params, response.text[:300])
    return response


def every_page(site: Site, kind: str, params: dict[str, str]) -> list[dict[str, Any]]:
    """The list's items as a reader pages through it, two rows a page."""
    items: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = get(site, f"/api/lists/{kind}", **params, limit=2, offset=offset).json()
        items.extend(page["items"])
        offset = page["next_offset"]
    return items


def csv_frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def links(html: str) -> dict[str, str]:
    """The page's download links: format -> href."""
    return {fmt: unescape(href) for href, fmt in
            ((m.group("href"), m.group("fmt")) for m in re.finditer(
                r'<a class="download" data-format="(?P<fmt>[^"]+)" href="(?P<href>[^"]+)"', html))}


def titles(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'<a class="download"[^>]* title="([^"]+)"', html)]


# the key a list row is known by in the download (ids, or the name for places, actors and outlets)
def key(kind: str, item: dict[str, Any]) -> Any:
    return item["id"] if kind in ("events", "articles") else item["name"]


CASES = [  # (kind, the page's parameters) — Dutch names, prefixes and sorts as a reader uses them
    ("events", {}), ("events", {"place": "Den Haag"}), ("events", {"country": "Georgië", "sort": "-date"}),
    ("events", {"sort": "place"}), ("events", {"date_from": "2023-03-10", "date_to": "2023-03-20"}),
    ("events", {"outlet": "nos", "event_type": "Protests"}), ("events", {"month": "2023-03"}),
    ("articles", {}), ("articles", {"outlet": "AD"}), ("articles", {"sort": "-published"}),
    ("places", {}), ("places", {"country": "Nederland", "sort": "name"}), ("places", {"prefix": "utr"}),
    ("actors", {"sort": "name"}), ("actors", {"place": "Tbilisi"}),
    ("outlets", {}), ("outlets", {"sort": "-name", "month": "2023-04"}),
]


# --- the links on the pages -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_every_list_page_links_its_downloads_with_its_filters_and_sort(site: Site, kind: str) -> None:
    params = {"sort": listings.lists.SPECS[kind].default_sort.lstrip("-"), "limit": "2", "offset": "1"}
    if kind in ("events", "places", "actors"):
        params["date_from"] = "2023-03-01"
    html = get(site, f"/{kind}", **params).text
    found = links(html)
    assert sorted(found) == sorted(listings.FORMATS[kind]), kind
    wanted = {name: value for name, value in params.items() if name not in ("limit", "offset")}
    for fmt, href in found.items():
        parts = urlsplit(href)
        assert parts.path == f"/api/lists/{kind}/export/{fmt}"
        assert dict(parse_qsl(parts.query)) == wanted, "the page's filters and sort, not its paging"
        assert site.client.get(href).status_code == 200, href
    total = get(site, f"/api/lists/{kind}", **wanted).json()["total"]
    assert all(f"all {total} matching {kind}" in title and "not only this page" in title for title in titles(html))


def test_the_story_list_and_a_story_page_link_their_downloads(site: Site) -> None:
    html = get(site, "/stories", q="tbilisi", limit="1").text
    found = links(html)
    assert {fmt: urlsplit(href).path for fmt, href in found.items()} == {
        "csv": "/api/stories/export/csv", "json": "/api/stories/export/json", "full-json": "/api/export/json"}
    assert all(dict(parse_qsl(urlsplit(href).query)) == {"q": "tbilisi"} for href in found.values())
    story = max(query.list_stories(site.store, events_per_story=0), key=lambda s: s["event_count"])
    for shown_all, suffix in ((False, ""), (True, "?all=true")):
        page = get(site, f"/stories/{story['id']}", **({"all": "true"} if shown_all else {})).text
        found = links(page)
        assert found == {fmt: f"/api/stories/{story['id']}/export/{fmt}{suffix}"
                         for fmt in listings.FORMATS["story"]}, shown_all


# --- the downloads hold what the pages show -------------------------------------------------------------------

@pytest.mark.parametrize("kind,params", CASES)
def test_csv_and_json_hold_every_row_of_every_page_in_order(site: Site, kind: str,
                                                           params: dict[str, str]) -> None:
    shown = every_page(site, kind, params)
    frame = csv_frame(get(site, f"/api/lists/{kind}/export/csv", **params).text)
    assert list(frame.columns) == listings.COLUMNS[kind]
    column = "id" if kind in ("events", "articles") else "name"
    assert list(frame[column]) == [str(key(kind, item)) for item in shown], (kind, params)
    body = get(site, f"/api/lists/{kind}/export/json", **params).json()
    assert [key(kind, item) for item in body["items"]] == [key(kind, item) for item in shown]
    assert body["total"] == len(shown) and body["columns"] == listings.COLUMNS[kind]
    assert body["selection"]["sort"] == get(site, f"/api/lists/{kind}", **params).json()["sort"]
    assert all(list(item) == listings.COLUMNS[kind] for item in body["items"])


def test_event_rows_carry_the_columns_the_page_shows(site: Site) -> None:
    shown = {e["id"]: e for e in every_page(site, "events", {"date_from": "2023-03-01", "date_to": "2023-03-20"})}
    rows = get(site, "/api/lists/events/export/json", date_from="2023-03-01", date_to="2023-03-20").json()["items"]
    assert rows and {row["id"] for row in rows} == set(shown)
    for row in rows:
        event = shown[row["id"]]
        assert row["date"] == event["date_label"], "the date as the page shows it, to its precision"
        assert (row["date_start"], row["date_precision"]) == (event["date_start"], event["date_precision"])
        assert row["date_match"] == event["date_match"], "'possible' where the page says 'possibly'"
        assert (row["event_type"], row["place"], row["actor1"]) == (event["event_type"], event["place"],
                                                                    event["actor1"])
        assert row["sources"] == event["outlets"] and row["happened"] == event["happened"]
    month = [row for row in rows if row["date_precision"] == "month"]
    assert month and all(row["date"] == "March 2023" and row["date_match"] == "possible" for row in month)


def test_csv_loads_in_pandas_with_formulas_neutralised(site: Site) -> None:
    for kind in KINDS:
        text = get(site, f"/api/lists/{kind}/export/csv").text
        frame = pd.read_csv(io.StringIO(text))
        assert list(frame.columns) == listings.COLUMNS[kind]
        assert len(frame) == get(site, f"/api/lists/{kind}").json()["total"]
    articles = csv_frame(get(site, "/api/lists/articles/export/csv").text)
    assert "'=1+1 is geen titel" in set(articles["title"]), "a formula-like title is text in a spreadsheet"
    events = pd.read_csv(io.StringIO(get(site, "/api/lists/events/export/csv").text))
    assert events["fatalities"].dtype.kind in "fi", "numbers stay numbers"
    places = pd.read_csv(io.StringIO(get(site, "/api/lists/places/export/csv").text))
    assert places["events"].dtype.kind == "i"


@pytest.mark.parametrize("path,params", [("/api/lists/events/export/geojson", {}),
                                         ("/api/lists/events/export/geojson", {"country": "Georgië"}),
                                         ("/api/lists/places/export/geojson", {"sort": "name"})])
def test_geojson_is_rfc_7946_longitude_first(site: Site, path: str, params: dict[str, str]) -> None:
    response = get(site, path, **params)
    assert response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    jsonschema.validate(collection, POINT_COLLECTION_SCHEMA)
    kind = "events" if "/events/" in path else "places"
    shown = every_page(site, kind, params)
    located = [item for item in shown if item.get("latitude") is not None]
    assert [key(kind, {"id": f["properties"].get("id"), "name": f["properties"].get("name")})
            for f in collection["features"]] == [key(kind, item) for item in located]
    for feature, item in zip(collection["features"], located, strict=True):
        lon, lat = feature["geometry"]["coordinates"]
        assert (lon, lat) == (round(item["longitude"], 5), round(item["latitude"], 5)), "longitude first"
        assert list(feature["properties"]) == listings.COLUMNS[kind]
    assert collection["unlocated"] == len(shown) - len(located)


def test_the_acled_download_is_the_acled_export_of_the_same_filters(site: Site) -> None:
    listed = get(site, "/api/lists/events/export/acled", country="Georgië", sort="-date").text
    assert listed == get(site, "/api/export/acled", country="GE", sort="-date").text, "Dutch name = ISO code"
    rows = csv_frame(listed)
    shown = every_page(site, "events", {"country": "Georgië", "sort": "-date"})
    assert list(rows["event_id_cnty"]) == [e["event_id_cnty"] for e in shown if e["happened"]]
    everything = csv_frame(get(site, "/api/export/acled").text)
    assert sorted(rows["event_id_cnty"]) == sorted(everything[everything["country"] == "Georgia"]["event_id_cnty"])


# --- /api/export/{fmt} takes the filters ----------------------------------------------------------------------

def exported_ids(site: Site, fmt: str, **params: str) -> list[str]:
    text = get(site, f"/api/export/{fmt}", **params).text
    if fmt == "acled":
        by_cnty = {e["event_id_cnty"]: e["id"] for e in every_page(site, "events", {})}
        return [by_cnty[value] for value in csv_frame(text)["event_id_cnty"]]
    if fmt == "polecat":
        return list(csv_frame(text)["Event ID"])
    if fmt == "plover":
        return [record["id"] for record in json.loads(text)]
    if fmt == "plover-jsonl":
        return [json.loads(line)["id"] for line in text.splitlines() if line.strip()]
    return [feature["id"] for feature in json.loads(text)["features"]]  # geojson


@pytest.mark.parametrize("params", [{"place": "Den Haag"}, {"country": "Georgië"}, {"actor": "Rioters (Georgia)"},
                                    {"date_from": "2023-03-15", "date_to": "2023-04-02"},
                                    {"outlet": "NRC", "sort": "-date"}, {"event_type": "Protests", "month": "2023-03"}])
@pytest.mark.parametrize("fmt", ["acled", "plover", "plover-jsonl", "polecat", "geojson"])
def test_export_routes_take_the_event_list_filters(site: Site, fmt: str, params: dict[str, str]) -> None:
    shown = every_page(site, "events", params)
    assert shown, params
    got = exported_ids(site, fmt, **params)
    if fmt in ("acled", "geojson"):  # those leave out what did not happen (and GeoJSON what has no place)
        shown = [e for e in shown if e["happened"] and (fmt != "geojson" or e.get("latitude") is not None)]
    assert got == [e["id"] for e in shown], (fmt, params)
    unfiltered = exported_ids(site, fmt)
    assert set(got) <= set(unfiltered) and len(got) < len(unfiltered)


def test_a_story_id_filter_gives_that_story_in_every_format(site: Site) -> None:
    story = max(query.list_stories(site.store, events_per_story=0), key=lambda s: s["event_count"])
    ids = {e["id"] for e in query.list_events(site.store, story_id=story["id"], full=False)}
    for fmt in ("plover", "polecat", "plover-jsonl"):
        assert set(exported_ids(site, fmt, story_id=story["id"])) == ids


def test_the_stories_json_takes_the_story_list_filters(site: Site) -> None:
    for params in ({"q": "tbilisi"}, {"place": "Utrecht"}, {"date_from": "2023-04-01"}, {"outlet": "Trouw"}):
        listed = [s["id"] for s in get(site, "/api/stories", **params).json()["items"]]
        exported = [s["id"] for s in get(site, "/api/export/json", **params).json()]
        assert exported == listed and listed, params
        rows = csv_frame(get(site, "/api/stories/export/csv", **params).text)
        assert list(rows["id"]) == listed and list(rows.columns) == listings.COLUMNS["stories"]
    assert len(get(site, "/api/export/json").json()) == get(site, "/api/stories").json()["total"]


def test_a_story_download_holds_the_events_its_page_lists(site: Site) -> None:
    story = max(query.list_stories(site.store, events_per_story=0), key=lambda s: s["event_count"])
    full = query.get_story(site.store, story["id"], full_events=False)
    assert full is not None
    timeline = [e["id"] for e in full["events"]]
    happened = [e["id"] for e in full["events"] if e["happened"]]
    assert len(happened) < len(timeline), "the fixture story has an event that did not happen (hidden)"
    base = f"/api/stories/{story['id']}/export"
    assert list(csv_frame(get(site, f"{base}/csv").text)["id"]) == happened
    assert [row["id"] for row in get(site, f"{base}/json", all="true").json()["items"]] == timeline
    features = get(site, f"{base}/geojson").json()
    jsonschema.validate(features, POINT_COLLECTION_SCHEMA)
    assert [f["id"] for f in features["features"]] == happened
    acled = csv_frame(get(site, f"{base}/acled").text)
    assert sorted(acled["event_id_cnty"]) == sorted(csv_frame(get(site, "/api/export/acled",
                                                                  story_id=story["id"]).text)["event_id_cnty"])
    assert len(acled) == len(happened)


# --- refused parameters ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path,named", [
    ("/api/export/acled?bogus=1", "bogus"), ("/api/export/geojson?q=x", "'q'"),
    ("/api/export/json?actor=x", "'actor'"), ("/api/export/plover?date_from=2023-13-01", "date_from"),
    ("/api/export/polecat?limit=5", "'limit'"), ("/api/export/acled?sort=bogus", "sort"),
    ("/api/export/json?date_from=2023-05-01&date_to=2023-01-01", "date_from is after date_to"),
    ("/api/lists/events/export/csv?limit=5", "limit"), ("/api/lists/events/export/csv?offset=2", "offset"),
    ("/api/lists/places/export/json?bogus=1", "bogus"), ("/api/lists/events/export/acled?facets=all", "facets"),
    ("/api/lists/articles/export/csv?place=x", "place"), ("/api/lists/events/export/geojson?date_to=x", "date_to"),
    ("/api/stories/export/csv?offset=10", "offset"), ("/api/stories/export/json?country=NL", "country"),
])
def test_an_unknown_or_bad_parameter_is_a_422_naming_it(site: Site, path: str, named: str) -> None:
    response = site.client.get(path)
    assert response.status_code == 422, (path, response.text[:200])
    assert named in response.json()["error"], response.json()


def test_unknown_formats_and_stories_are_404s_and_story_parameters_422(site: Site) -> None:
    story = query.list_stories(site.store, limit=1, events_per_story=0)[0]["id"]
    for path in ("/api/lists/articles/export/geojson", "/api/lists/actors/export/acled", "/api/lists/nope/export/csv",
                 "/api/stories/export/geojson", f"/api/stories/{story}/export/xml", "/api/stories/nope/export/csv"):
        assert site.client.get(path).status_code == 404, path
    refused = site.client.get(f"/api/stories/{story}/export/csv", params={"sort": "date"})
    assert refused.status_code == 422 and "sort" in refused.json()["error"]


def test_head_of_a_download_reads_nothing_and_names_the_file(site: Site) -> None:
    head = site.client.head("/api/lists/events/export/csv", params={"country": "NL"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-disposition"] == 'attachment; filename="kroniek-events.csv"'


# --- the command line mirrors the API -------------------------------------------------------------------------

def test_kroniek_export_takes_the_same_filters_as_the_api(site: Site, tmp_path: Path) -> None:
    runner = CliRunner()
    for fmt, options, params in (
            ("acled", ["--country", "Georgië", "--sort", "-date"], {"country": "Georgië", "sort": "-date"}),
            ("geojson", ["--place", "Den Haag"], {"place": "Den Haag"}),
            ("plover-jsonl", ["--date-from", "2023-03-15", "--outlet", "NRC"],
             {"date_from": "2023-03-15", "outlet": "NRC"}),
            ("json", ["--q", "utrecht"], {"q": "utrecht"})):
        out = tmp_path / f"export.{fmt}"
        result = runner.invoke(cli_app, ["--db", site.url, "export", "--format", fmt, "--out", str(out), *options])
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8") == get(site, f"/api/export/{fmt}", **params).text, fmt
    for fmt, options, named in (("json", ["--actor", "x"], "--actor"), ("acled", ["--q", "x"], "--q"),
                                ("geojson", ["--date-from", "gisteren"], "--date-from"),
                                ("acled-deleted", ["--place", "Utrecht"], "--place")):
        result = runner.invoke(cli_app, ["--db", site.url, "export", "--format", fmt, *options])
        assert result.exit_code == 2 and named in result.output, (fmt, result.output)


# --- the stories JSON, batched ----------------------------------------------------------------------------------

@pytest.mark.parametrize("batch", [1, 3, 200])
def test_batched_stories_equal_get_story_one_by_one(site: Site, batch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query, "STORY_BATCH", batch)
    ids = [s["id"] for s in query.list_stories(site.store, events_per_story=0)]
    assert len(ids) >= 3
    asked = [*ids, "no-such-story", ids[0]]  # an unknown id is left out, as get_story gives None
    expected = [story for story in (query.get_story(site.store, story_id) for story_id in asked) if story]
    assert list(query.get_stories(site.store, asked)) == expected
    assert list(iter_stories(site.store)) == expected[:len(ids)]


def test_the_stories_json_export_is_get_story_per_story(site: Site) -> None:
    exported = get(site, "/api/export/json").json()
    ids = [s["id"] for s in query.list_stories(site.store, events_per_story=0)]
    assert exported == [json.loads(json.dumps(query.get_story(site.store, story_id), default=str))
                        for story_id in ids]
