"""The four exports as analysts load them, from ``kroniek export --format ...`` (to a file and to stdout) and from
``/api/export/{fmt}``: the ACLED CSV with exactly its 31 columns read back by pandas with the right types, the GeoJSON
validated against an RFC 7946 schema (tests/fixtures/geojson.schema.json) and checked to put longitude first,
PLOVER records with their fields, and the story JSON with each story's timeline and figures. Runs on SQLite, and on
PostgreSQL too when the CI started one (KRONIEK_TEST_PG)."""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jsonschema
import pandas as pd
import pycountry
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import BACKENDS, FIXTURES, ROOT, SAMPLE, fresh_db_url
from kroniek import pipeline
from kroniek.cli import app as cli_app
from kroniek.config import load_settings
from kroniek.export.acled import event_id_cnty, left_out
from kroniek.ingest import ingest_paths
from kroniek.serve.app import create_app
from kroniek.store.repository import Store

ACLED_COLUMNS = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
                 "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
                 "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
                 "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
                 "fatalities", "tags", "timestamp"]
ACLED_INTEGERS = ["year", "time_precision", "iso", "geo_precision", "fatalities", "timestamp"]
ACLED_FLOATS = ["latitude", "longitude"]
ACLED_TEXT = [c for c in ACLED_COLUMNS if c not in {"event_date", *ACLED_INTEGERS, *ACLED_FLOATS}]
ACLED_EVENT_TYPES = {"Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots",
                     "Strategic developments"}
ACLED_DISORDER = {"Political violence", "Demonstrations", "Strategic developments",
                  "Political violence; Demonstrations"}
PLOVER_EVENT_TYPES = {"AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
                      "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"}
# Mode codes of the PLOVER manual (v0.7b1) for the types whose tables it fixes; "" when no mode was coded.
PLOVER_MODES = {
    "PROTEST": {"demo", "riot", "strike-gen", "strike-lim", "strike-hun", "boycott", "obstruct"},
    "RETREAT": {"withdraw", "release", "return", "disarm", "ceasefire", "access", "resign"},
    "SANCTION": {"convict", "cancel", "expel", "withdraw", "sever"},
    "MOBILIZE": {"troops", "weapons", "police"},
    "COERCE": {"confiscate", "restrict", "ban", "censor", "curfew", "martial-law", "arrest", "deport", "withhold"},
    "ASSAULT": {"abduct", "beat", "torture", "execute", "sexual", "assassinate", "destroy", "primitive", "firearms",
                "explosives", "suicide-attack", "heavy-weapons"},
}
# kroniek's grammatical contexts: an event with one of them is not counted as having happened
NOT_HAPPENED = {"negated", "hypothetical", "future", "historical"}
PLOVER_NOT_HAPPENED = {"negation", "hypothetical", "future", "historical"}
FORMATS = ["acled", "plover", "geojson", "json"]


class Exports:
    """The store built from the sample, its exports by every route, and the API's view of the same events."""

    def __init__(self, url: str, store: Store, client: TestClient) -> None:
        self.url = url
        self.store = store
        self.client = client
        self.texts: dict[str, dict[str, str]] = {}

    def cli(self, *args: str) -> Any:
        return CliRunner().invoke(cli_app, ["--db", self.url, *args])

    def text(self, fmt: str, route: str) -> str:
        return self.texts[fmt][route]

    def events(self) -> dict[str, dict[str, Any]]:
        listed = self.client.get("/api/events", params={"limit": 500}).json()
        assert listed["total"] == len(listed["items"])
        return {e["id"]: e for e in listed["items"]}


@pytest.fixture(scope="module", params=BACKENDS)
def exports(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exports]:
    folder = tmp_path_factory.mktemp("exports")
    with contextmanager(fresh_db_url)(request.param, folder) as url:
        settings = load_settings(db_url=url)
        settings.data["analyse"]["deep"] = "none"  # the fast path, as in test_web
        store = Store.open(url)
        try:
            ingest_paths(store, [str(SAMPLE / name) for name in ("articles.jsonl", "feed.xml", "html", "seed")])
            pipeline.run(store, settings)
            with TestClient(create_app(settings, store)) as client:
                found = Exports(url, store, client)
                for fmt in FORMATS:
                    out = folder / f"export-{fmt}.out"
                    to_file = found.cli("export", "--format", fmt, "--out", str(out))
                    assert to_file.exit_code == 0, to_file.output
                    to_stdout = found.cli("export", "--format", fmt)
                    assert to_stdout.exit_code == 0, to_stdout.output
                    response = client.get(f"/api/export/{fmt}")
                    assert response.status_code == 200
                    found.texts[fmt] = {"cli": out.read_text(encoding="utf-8"), "stdout": to_stdout.stdout,
                                        "api": response.text}
                yield found
        finally:
            store.close()


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_and_api_export_the_same(exports: Exports, fmt: str) -> None:
    texts = exports.texts[fmt]
    assert texts["cli"] == texts["stdout"] == texts["api"], "one exporter, whichever way it is called"
    assert texts["cli"].endswith("\n") and len(texts["cli"]) > 100


def test_cli_refuses_an_unknown_format(exports: Exports) -> None:
    result = exports.cli("export", "--format", "xlsx")
    assert result.exit_code == 2 and "unknown format" in result.output and "acled" in result.output


# --- ACLED -------------------------------------------------------------------------------------------------------


def acled_frame(text: str) -> pd.DataFrame:
    """The CSV as an analyst loads it: dates parsed, empty text cells kept as empty strings."""
    return pd.read_csv(io.StringIO(text), parse_dates=["event_date"], date_format="%Y-%m-%d",
                       keep_default_na=False, na_values={c: [""] for c in ACLED_INTEGERS + ACLED_FLOATS},
                       dtype={c: "string" for c in ACLED_TEXT})


@pytest.mark.parametrize("route", ["cli", "api"])
def test_acled_header_is_exactly_the_31_columns(exports: Exports, route: str) -> None:
    header = exports.text("acled", route).splitlines()[0]
    assert header.split(",") == ACLED_COLUMNS and len(ACLED_COLUMNS) == 31


@pytest.mark.parametrize("route", ["cli", "api"])
def test_acled_loads_back_with_pandas_typed(exports: Exports, route: str) -> None:
    frame = acled_frame(exports.text("acled", route))
    assert list(frame.columns) == ACLED_COLUMNS and len(frame) >= 10
    assert pd.api.types.is_datetime64_any_dtype(frame["event_date"]) and frame["event_date"].notna().all()
    for column in ACLED_INTEGERS:
        assert pd.api.types.is_integer_dtype(frame[column]), (column, frame[column].dtype)
    for column in ACLED_FLOATS:
        assert pd.api.types.is_float_dtype(frame[column]), (column, frame[column].dtype)
    for column in ACLED_TEXT:
        assert pd.api.types.is_string_dtype(frame[column]) or pd.api.types.is_object_dtype(frame[column]), column
    # the same file with no hints at all: pandas infers the numbers by itself
    plain = pd.read_csv(io.StringIO(exports.text("acled", route)))
    for column in ACLED_INTEGERS:
        assert pd.api.types.is_integer_dtype(plain[column]), (column, plain[column].dtype)
    for column in ACLED_FLOATS:
        assert pd.api.types.is_float_dtype(plain[column]), (column, plain[column].dtype)


def test_acled_values(exports: Exports) -> None:
    frame = acled_frame(exports.text("acled", "cli"))
    events = exports.events()
    happened = [e for e in events.values() if left_out(e) is None]
    assert len(frame) == len(happened), "one row per event ACLED would publish; negated/future ones are left out"
    assert len(happened) < len(events)
    assert frame["event_id_cnty"].is_unique
    assert (frame["year"] == frame["event_date"].dt.year).all()
    assert set(frame["time_precision"]) <= {1, 2, 3} and set(frame["geo_precision"]) <= {1, 2, 3}
    assert frame["latitude"].between(-90, 90).all() and frame["longitude"].between(-180, 180).all()
    assert (frame["fatalities"] >= 0).all()
    assert set(frame["event_type"]) <= ACLED_EVENT_TYPES
    assert set(frame["disorder_type"]) <= ACLED_DISORDER
    assert set(frame["civilian_targeting"]) <= {"", "Civilian targeting"}
    assert not frame["source"].eq("").any() and not frame["notes"].eq("").any()
    assert set(frame["source_scale"]) != {""}
    for row in frame.itertuples():
        country = pycountry.countries.get(numeric=f"{row.iso:03d}")
        assert country is not None and row.event_id_cnty.startswith(country.alpha_3), row.event_id_cnty
        assert row.event_id_cnty[3:].isdigit()
        if row.inter1 and not row.inter2:
            assert row.interaction == f"{row.inter1} only"
        if row.event_type in ("Protests", "Riots"):
            assert "crowd size=" in row.tags
    by_location = {(round(float(e["latitude"]), 4), round(float(e["longitude"]), 4)) for e in happened}
    assert set(zip(frame["latitude"], frame["longitude"], strict=True)) <= by_location, "latitude is latitude"
    for event in happened:  # the coded date lies within the event's date range
        start = dt.date.fromisoformat(event["date_start"])
        end = dt.date.fromisoformat(event["date_end"] or event["date_start"])
        assert any(start <= day.date() <= end for day in frame["event_date"]), event["id"]


def test_acled_timestamp_is_utc_whatever_the_local_zone(exports: Exports, monkeypatch: pytest.MonkeyPatch) -> None:
    """ACLED's timestamp is Unix time: the same number on a machine in Tokyo as in UTC."""
    expected = {}
    for event in exports.events().values():
        changed = dt.datetime.fromisoformat(event["updated_at"])
        changed = changed if changed.tzinfo else changed.replace(tzinfo=dt.UTC)  # kroniek stores UTC
        expected[event_id_cnty(event)] = int(changed.timestamp())
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        result = exports.cli("export", "--format", "acled")
    finally:
        monkeypatch.undo()
        time.tzset()
    assert result.exit_code == 0, result.output
    frame = acled_frame(result.stdout)
    assert len(frame) >= 10
    for row in frame.itertuples():
        assert row.timestamp == expected[row.event_id_cnty], row.event_id_cnty


# --- GeoJSON -----------------------------------------------------------------------------------------------------


def geojson_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((FIXTURES / "geojson.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.mark.parametrize("route", ["cli", "api"])
def test_geojson_validates(exports: Exports, route: str) -> None:
    collection = json.loads(exports.text("geojson", route))
    jsonschema.Draft202012Validator(geojson_schema()).validate(collection)
    events = exports.events()
    located = {i for i, e in events.items() if e["latitude"] is not None and e["longitude"] is not None
               and e["happened"]}
    features = collection["features"]
    assert features and [f["id"] for f in features] == [i for i in events if i in located], \
        "every event that happened and has coordinates, once"
    assert any(not e["happened"] for e in events.values()), "the sample has events that did not happen, left out"
    for feature in features:
        event = events[feature["id"]]
        properties = feature["properties"]
        assert properties["id"] == feature["id"]
        lon, lat = feature["geometry"]["coordinates"]
        assert (lon, lat) == (round(event["longitude"], 5), round(event["latitude"], 5)), "longitude first"
        assert properties["event_type"] == event["event_type"] and properties["happened"] is True
        day = dt.date.fromisoformat(properties["event_date"])  # one ISO day, whatever the precision
        assert properties["date_start"] <= day.isoformat() <= properties["date_end"]
        assert properties["date_precision"] == event["date_precision"]
        assert properties["outlets"] == "; ".join(event["outlets"])
        assert properties["fatalities"] == (event["fatalities"] or 0)


@pytest.mark.parametrize("broken", [
    {"type": "Feature", "features": []},
    {"type": "FeatureCollection"},
    {"type": "FeatureCollection", "features": [], "geometry": None},
    {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}]},
    {"type": "FeatureCollection", "bbox": [1, 2, 3], "features": []},
])
def test_geojson_schema_rejects_what_rfc_7946_rejects(broken: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, geojson_schema())


@pytest.mark.parametrize(("change", "value"), [
    ("coordinates", [44.8, 95.0]), ("coordinates", [190.0, 41.7]), ("coordinates", [44.8]),
    ("coordinates", [44.8, 41.7, 0.0, 1.0]), ("coordinates", ["44.8", "41.7"]), ("geometry_type", "LineString"),
    ("geo_precision", 4), ("event_type", ""), ("happened", "ja"),
])
def test_geojson_schema_rejects_bad_features(exports: Exports, change: str, value: Any) -> None:
    collection = json.loads(exports.text("geojson", "cli"))
    feature = collection["features"][0]
    if change == "coordinates":
        feature["geometry"]["coordinates"] = value
    elif change == "geometry_type":
        feature["geometry"]["type"] = value
    else:
        feature["properties"][change] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"type": "FeatureCollection", "features": [feature]}, geojson_schema())


# --- PLOVER ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["cli", "api"])
def test_plover_records(exports: Exports, route: str) -> None:
    """The manual's record layout, validated against the schema written from it, and the store's events in it."""
    schema = json.loads((ROOT / "src" / "kroniek" / "export" / "plover.schema.json").read_text(encoding="utf-8"))
    records = json.loads(exports.text("plover", route))
    events = exports.events()
    assert isinstance(records, list) and {r["id"] for r in records} == set(events), "every event, negated too"
    for record in records:
        jsonschema.validate(record, schema)
        event = events[record["id"]]
        assert record["event"] == [event["plover_type"]] and record["event"][0] in PLOVER_EVENT_TYPES
        if event["plover_mode"] and event["plover_mode"] in PLOVER_MODES.get(event["plover_type"], set()):
            assert record["mode"] == [event["plover_mode"]]
        for mode in record["mode"]:
            assert mode in PLOVER_MODES.get(record["event"][0], {mode}), (record["event"], mode)
        if not event["happened"]:
            assert PLOVER_NOT_HAPPENED & set(record["context"]), "why it did not happen is in the context"
        assert "negated" not in record["context"], "PLOVER's word is negation"
        assert record["date"] == event["date_start"]
        assert record["actor"] and record["actor"][0]["entity_text"] == event["actor1"]
        for who, side in (("actor", "actor1"), ("recipient", "actor2")):
            entities = record[who]
            if event[side] is None:
                assert entities == [], "no empty actor object"
                continue
            first = entities[0]
            country = pycountry.countries.get(alpha_2=event[f"{side}_country"]) if event[f"{side}_country"] else None
            if country is not None:
                assert first["country"] == country.alpha_3
                assert first["code"] == country.alpha_3 + first["sector"], "ISO3 + sector, as NLDCOP"
        location = record["event_loc"]
        assert location["country_code"] == (pycountry.countries.get(alpha_2=event["iso2"]).alpha_3
                                            if event["iso2"] else None)
        assert location["geonameid"] == event["geonameid"]
        assert (location["lat"], location["lon"]) == (event["latitude"], event["longitude"])
        assert record["sources"] and record["mentions"]
        assert all(m["article_id"] and m["evidence"] for m in record["mentions"])
        for field, kind in (("dead", "killed"), ("injured", "injured"), ("arrested", "arrested"), ("size", "crowd")):
            values = [f["coded"] for f in event["figures"] if f["kind"] == kind and isinstance(f["coded"], int)]
            assert record[field] == (sum(values) if values else None), (field, event["figures"])
    assert {"PROTEST", "COERCE"} <= {r["event"][0] for r in records}
    assert any(r["arrested"] for r in records), "the sample reports arrests"
    codes = {a["code"] for r in records for a in r["actor"]}
    assert {"GEOGOV", "GEOCOP", "NLDCOP"} <= codes, codes


# --- stories -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["cli", "api"])
def test_story_json_has_timeline_and_figures(exports: Exports, route: str) -> None:
    stories = json.loads(exports.text("json", route))
    listed = exports.client.get("/api/stories", params={"limit": 500}).json()
    assert [s["id"] for s in stories] == [s["id"] for s in listed["items"]], "every story, in the list's order"
    for story in stories:
        assert story == exports.client.get(f"/api/stories/{story['id']}", params={"full": "true"}).json(), \
            "the story page's content, events in full"
        summary = exports.client.get(f"/api/stories/{story['id']}").json()
        assert [e["id"] for e in summary["events"]] == [e["id"] for e in story["events"]]
        assert all("mentions" not in e and e["mention_count"] == len(full["mentions"]) >= 1
                   for e, full in zip(summary["events"], story["events"], strict=True))
        assert {"id", "title", "first_seen", "last_seen", "articles", "coverage", "events", "figures",
                "merges", "names"} <= set(story)
        assert len(story["articles"]) == story["article_count"]
        starts = [e["date_start"] or "9999" for e in story["events"]]
        assert starts == sorted(starts), "events in timeline order"
        for figure in story["figures"]:
            assert figure["kind"] and figure["claims"], figure
            assert figure["coded"] is None or isinstance(figure["coded"], int)
            for claim in figure["claims"]:
                assert claim["text"] and claim["attribution"], claim
    assert sum(len(s["events"]) for s in stories) == len(exports.events())
    assert any(s["figures"] for s in stories), "the sample reports figures"
    assert any(len(s["events"]) >= 5 for s in stories), "and has a story with a real timeline"
