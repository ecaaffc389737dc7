"""Exports as analysts load them: the ACLED CSV read back with pandas with the right column types, the GeoJSON
validated against a schema, PLOVER records with their fields, the story JSON with the story page's content, from
the CLI and the API alike."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import FIXTURES, ROOT, SAMPLE
from kroniek import pipeline
from kroniek.cli import app as cli_app
from kroniek.config import load_settings
from kroniek.export.acled import COLUMNS
from kroniek.ingest import ingest_paths
from kroniek.serve.app import create_app
from kroniek.store.repository import Store

ACLED_31 = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
            "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
            "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
            "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp"]
PLOVER_EVENT_TYPES = {"AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
                      "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"}


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("exports")
    settings = load_settings(db_url=f"sqlite:///{folder / 'exports.db'}")
    settings.data["analyse"]["deep"] = "none"
    store = Store.open(settings.db_url)
    ingest_paths(store, [str(SAMPLE / "articles.jsonl")])
    pipeline.run(store, settings)
    store.close()
    yield folder / "exports.db"


def export(db_path: Path, fmt: str, tmp_path: Path) -> str:
    out = tmp_path / f"export.{fmt}"
    result = CliRunner().invoke(cli_app, ["--db", f"sqlite:///{db_path}", "export", "--format", fmt,
                                          "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def via_api(db_path: Path, fmt: str) -> str:
    settings = load_settings(db_url=f"sqlite:///{db_path}")
    store = Store.open(settings.db_url)
    try:
        with TestClient(create_app(settings, store)) as client:
            response = client.get(f"/api/export/{fmt}")
            assert response.status_code == 200
            return response.text
    finally:
        store.close()


def test_acled_header_is_exactly_the_31_columns(db_path: Path, tmp_path: Path) -> None:
    assert COLUMNS == ACLED_31
    for text in (export(db_path, "acled", tmp_path), via_api(db_path, "acled")):
        assert text.splitlines()[0].split(",") == ACLED_31


def test_acled_csv_loads_back_with_pandas_typed(db_path: Path, tmp_path: Path) -> None:
    text = export(db_path, "acled", tmp_path)
    frame = pd.read_csv(io.StringIO(text), parse_dates=["event_date"], keep_default_na=False,
                        na_values={"latitude": [""], "longitude": [""], "iso": [""], "geo_precision": [""]})
    assert list(frame.columns) == ACLED_31 and len(frame) >= 3
    assert pd.api.types.is_datetime64_any_dtype(frame["event_date"])
    for column in ("year", "time_precision", "fatalities", "timestamp"):
        assert pd.api.types.is_integer_dtype(frame[column]), column
    for column in ("latitude", "longitude"):
        assert pd.api.types.is_float_dtype(frame[column]), column
    located = frame.dropna(subset=["latitude"])
    assert len(located) >= 1
    assert located["latitude"].between(-90, 90).all() and located["longitude"].between(-180, 180).all()
    assert set(located["geo_precision"].astype(int)) <= {1, 2, 3}
    assert set(frame["time_precision"]) <= {1, 2, 3}
    assert (frame["year"] == frame["event_date"].dt.year).all()
    for column in ("event_id_cnty", "disorder_type", "event_type", "actor1", "inter1", "country", "source",
                   "notes"):
        assert pd.api.types.is_object_dtype(frame[column]) or pd.api.types.is_string_dtype(frame[column]), column
    assert frame["event_id_cnty"].is_unique
    assert (frame["fatalities"] >= 0).all()
    assert not frame["source"].eq("").any(), "every row names its sources"


def test_geojson_validates(db_path: Path, tmp_path: Path) -> None:
    schema = json.loads((FIXTURES / "geojson-events.schema.json").read_text(encoding="utf-8"))
    for text in (export(db_path, "geojson", tmp_path), via_api(db_path, "geojson")):
        collection = json.loads(text)
        jsonschema.validate(collection, schema)
        assert collection["features"], "the sample has events with coordinates"
    broken = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"event_type": "x",
              "geo_precision": 1}, "geometry": {"type": "Point", "coordinates": [52.1, 5.1, 0, 0]}}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)  # the schema itself can fail


def test_plover_records(db_path: Path, tmp_path: Path) -> None:
    schema = json.loads((ROOT / "src" / "kroniek" / "export" / "plover.schema.json").read_text(encoding="utf-8"))
    for text in (export(db_path, "plover", tmp_path), via_api(db_path, "plover")):
        records = json.loads(text)
        assert records
        for record in records:
            jsonschema.validate(record, schema)
            assert record["event"][0] in PLOVER_EVENT_TYPES
            assert {"id", "date", "event", "mode", "context", "actor", "recipient", "event_loc", "sources",
                    "dead", "injured", "arrested", "size"} <= set(record)
            assert all(isinstance(record[key], list) for key in ("event", "mode", "context", "actor", "recipient"))
    flat = list(csv.DictReader(io.StringIO(export(db_path, "polecat", tmp_path))))
    assert len(flat) == len(records) and flat[0]["Event ID"] == records[0]["id"]
    assert [row["Actor Code"] for row in flat] == ["; ".join(a["code"] for a in r["actor"]) for r in records]


def test_story_json_has_the_story_page(db_path: Path, tmp_path: Path) -> None:
    for text in (export(db_path, "json", tmp_path), via_api(db_path, "json")):
        stories = json.loads(text)
        stories = stories["stories"] if isinstance(stories, dict) else stories
        assert len(stories) >= 3
        for story in stories:
            assert {"id", "title", "first_seen", "last_seen", "outlets", "events", "figures"} <= set(story)
        assert any(story["events"] for story in stories)


GDAL = pytest.mark.skipif(shutil.which("ogrinfo") is None or shutil.which("ogr2ogr") is None,
                          reason="needs GDAL (Debian gdal-bin, installed by make setup)")


def gdal_fields(path: Path) -> dict[str, str]:
    """Field name -> GDAL type of the one layer in a file, as ``ogrinfo -so`` lists them."""
    info = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    return dict(re.findall(r"^(\w+): (\w+)(?:\(\w+\))? \(", info, re.M))  # "name: Type[(Subtype)] (w.p)"


@GDAL
def test_geojson_opens_in_gdal_as_gis_users_open_it(db_path: Path, tmp_path: Path) -> None:
    """GDAL (what QGIS reads files with) sees one point layer in WGS 84 with every feature, longitude first, the
    counts as integers and ``event_date`` as a Date (so date filters keep every feature), and converts it to a
    GeoPackage that keeps every field."""
    path = tmp_path / "events.geojson"
    path.write_text(export(db_path, "geojson", tmp_path), encoding="utf-8")
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    names = list(features[0]["properties"])
    info = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    assert "Geometry: Point" in info
    assert f"Feature Count: {len(features)}" in info
    assert 'ID["EPSG",4326]' in info
    assert re.search(r"^geo_precision: Integer", info, re.M) and re.search(r"^time_precision: Integer", info, re.M)
    assert re.search(r"^event_date: Date", info, re.M), "an ISO day on every feature: GDAL types the field Date"
    assert re.search(r"^fatalities: Integer", info, re.M) and re.search(r"^outlets: String", info, re.M)
    table = subprocess.run(["ogr2ogr", "-f", "CSV", "/vsistdout/", str(path), "-lco", "GEOMETRY=AS_XY"],
                           capture_output=True, text=True, check=True, timeout=60).stdout
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(table))}
    assert len(rows) == len(features)
    for feature in features:
        longitude, latitude = feature["geometry"]["coordinates"]
        assert float(rows[feature["id"]]["X"]) == pytest.approx(longitude)
        assert float(rows[feature["id"]]["Y"]) == pytest.approx(latitude)
        assert rows[feature["id"]]["event_date"].replace("/", "-") == feature["properties"]["event_date"]
    package = tmp_path / "events.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(package), str(path)], check=True, timeout=60)
    assert f"Feature Count: {len(features)}" in subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", str(package)], capture_output=True, text=True, check=True, timeout=60).stdout
    kept = gdal_fields(package)
    assert set(names) <= set(kept), f"GeoPackage lost {set(names) - set(kept)}"
    assert kept["event_date"] == "Date"
    # a date filter as QGIS runs it keeps every feature, whatever the event's date precision
    where = subprocess.run(["ogrinfo", "-ro", "-al", "-so", "-where", "event_date >= '1900-01-01'", str(package)],
                           capture_output=True, text=True, check=True, timeout=60).stdout
    assert f"Feature Count: {len(features)}" in where


@GDAL
def test_shapefile_keeps_every_field(db_path: Path, tmp_path: Path) -> None:
    """With --shapefile-safe every property name fits DBF's 10 characters: a Shapefile keeps each field under
    the same name, outlets included, with event_date a Date."""
    path = tmp_path / "events.geojson"
    path.write_text(export_with(db_path, tmp_path, "geojson", "--shapefile-safe"), encoding="utf-8")
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    names = list(features[0]["properties"])
    assert all(len(name) <= 10 for name in names)
    shapefile = tmp_path / "shp" / "events.shp"
    shapefile.parent.mkdir()
    result = subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", str(shapefile), str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "truncated" not in result.stderr.lower() and "not successfully" not in result.stderr.lower()
    assert "misconversion" not in result.stderr.lower(), result.stderr
    kept = gdal_fields(shapefile)
    assert list(kept) == names, "every field, in order, under its own name"
    assert kept["event_date"] == "Date" and kept["outlets"] == "String" and kept["fatalities"] == "Integer"
    table = subprocess.run(["ogr2ogr", "-f", "CSV", "/vsistdout/", str(shapefile)], capture_output=True, text=True,
                           check=True, timeout=60).stdout
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == len(features)
    by_id = {row["id"]: row for row in rows}
    for feature in features:
        assert by_id[feature["id"]]["outlets"] == feature["properties"]["outlets"], "outlets survive"


def export_with(db_path: Path, tmp_path: Path, fmt: str, *options: str) -> str:
    out = tmp_path / f"export-opts.{fmt}"
    result = CliRunner().invoke(cli_app, ["--db", f"sqlite:///{db_path}", "export", "--format", fmt,
                                          "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")
