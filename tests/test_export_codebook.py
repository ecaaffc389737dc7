"""The exports against the vocabularies of the tools that read them, on events written here (no store needed)
and on small stores built from our own sentences: ACLED's current codebook (actor-type labels, pair order,
numeric codes, External/Other forces, Civilians as actor 2, actor names, outlet names and source scales, admin1,
rows ACLED would not publish), PLOVER's record layout against a JSON Schema written from the manual
(src/kroniek/export/plover.schema.json) and the POLECAT-style CSV, GeoJSON dates that GIS tools filter, and CSV
cells neutralised against spreadsheet formulas (OWASP)."""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest
from typer.testing import CliRunner

from kroniek import pipeline
from kroniek.cli import app as cli_app
from kroniek.config import load_settings
from kroniek.export import EXPORTERS, FORMATS
from kroniek.export.acled import actor_name, actors, interaction, left_out, numeric_interaction, row
from kroniek.export.common import ExportOptions, OutletTable, SafeWriter, admin1_of, coded_day, csv_safe
from kroniek.export.geojson import PROPERTIES, feature
from kroniek.export.plover import entity, flat, record
from kroniek.ingest import ingest_paths
from kroniek.store.repository import Store

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "src" / "kroniek" / "export" / "plover.schema.json"

# ACLED's vocabularies (codebook 2023-, as the API and acledR's acled_interaction_codes give them)
ACLED_INTER = {"State forces": 1, "Rebel group": 2, "Political militia": 3, "Identity militia": 4, "Rioters": 5,
               "Protesters": 6, "Civilians": 7, "External/Other forces": 8}
ACLED_SCALES = {"Local partner", "Other", "New media", "Subnational", "National", "Regional", "International"}


def event(**changes: Any) -> dict[str, Any]:
    """An event as the store's read model gives it; the defaults: a protest in Almaty that happened."""
    base: dict[str, Any] = {
        "id": "e1", "story_id": "s1", "date": "2022-01-05", "date_precision": "day", "time_precision": 1,
        "date_start": "2022-01-05", "date_end": "2022-01-05", "disorder_type": "Demonstrations",
        "event_type": "Protests", "sub_event_type": "Peaceful protest", "plover_type": "PROTEST",
        "plover_mode": "demo", "actor1": "Protesters (Kazakhstan)", "actor1_type": "Protesters",
        "actor1_country": "KZ", "actor1_code": None, "actor2": None, "actor2_type": None, "actor2_country": None,
        "actor2_code": None, "assoc_actors": [], "place": "Almaty", "admin1": "Almaty", "country": "Kazakhstan",
        "iso2": "KZ", "iso_numeric": 398, "region": "Caucasus and Central Asia", "latitude": 43.25,
        "longitude": 76.91, "geo_precision": 1, "geonameid": 1526384, "contexts": [], "happened": True,
        "outlets": ["vk"], "mentions": [{"article_id": "a1", "outlet": "vk", "trigger": "betoogden",
                                          "evidence": [{"field": "trigger", "start": 0, "end": 9}]}],
        "figures": [], "fatalities": None, "notes": "A protest.", "updated_at": "2022-01-06T10:00:00",
    }
    base.update(changes)
    return base


# --- ACLED actors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("stored", "acled"), [
    ("Political militias", "Political militia"), ("Rebel groups", "Rebel group"),
    ("Identity militias", "Identity militia"), ("State forces", "State forces"), ("Protesters", "Protesters"),
])
def test_actor_types_are_acled_labels(stored: str, acled: str) -> None:
    got = row(event(actor1="Unidentified Armed Group (Kazakhstan)", actor1_type=stored))
    assert got["inter1"] == acled and got["interaction"] == f"{acled} only"


def test_pairs_are_ordered_by_code_and_numeric_codes_follow() -> None:
    clash = event(event_type="Strategic developments", actor1="Protesters (Kazakhstan)", actor1_type="Protesters",
                  actor2="Police Forces of Kazakhstan", actor2_type="State forces", actor2_country="KZ")
    text = row(clash)
    assert (text["inter1"], text["inter2"], text["interaction"]) == ("Protesters", "State forces",
                                                                    "State forces-Protesters")
    numeric = row(clash, ExportOptions(acled_inter="numeric"))
    assert (numeric["inter1"], numeric["inter2"], numeric["interaction"]) == (6, 1, 16)
    assert numeric_interaction("Protesters", "") == 60 and interaction("", "") == ""
    assert interaction("Civilians", "External/Other forces") == "Civilians-External/Other forces"
    assert numeric_interaction("External/Other forces", "Civilians") == 78


def test_every_label_and_code_is_in_acleds_lists() -> None:
    for label, code in ACLED_INTER.items():
        got = row(event(actor1="X", actor1_type=label), ExportOptions(acled_inter="numeric"))
        assert got["inter1"] == code and got["interaction"] == code * 10


def test_foreign_state_forces_are_external_forces() -> None:
    abroad = event(event_type="Strategic developments", actor1="Military Forces of Russia",
                   actor1_type="State forces", actor1_country="RU")
    assert row(abroad)["inter1"] == "External/Other forces"
    at_home = event(event_type="Strategic developments", actor1="Police Forces of Kazakhstan",
                    actor1_type="State forces", actor1_country="KZ")
    assert row(at_home)["inter1"] == "State forces"


def test_violence_against_civilians_has_civilians_as_actor_2() -> None:
    attack = event(event_type="Violence against civilians", sub_event_type="Attack", disorder_type="Political "
                   "violence", actor1="Unidentified Armed Group (Kazakhstan)", actor1_type="Political militias")
    got = row(attack)
    assert (got["actor2"], got["inter2"]) == ("Civilians (Kazakhstan)", "Civilians")
    assert got["interaction"] == "Political militia-Civilians" and got["civilian_targeting"] == "Civilian targeting"
    assert row(event())["civilian_targeting"] == "", "a protest targets no civilians"


@pytest.mark.parametrize(("name", "country", "expected"), [
    ("Police Forces of Unknown", "Kazakhstan", "Police Forces of Kazakhstan"),
    ("Police Forces of Unknown", None, "Police Forces"),
    ("Protesters (Unknown)", "Georgia", "Protesters (Georgia)"),
    ("Government of EU", "Belgium", "EU: European Union"),
    ("NAVO", None, "NATO: North Atlantic Treaty Organization"),
    ("Military Forces of Russia (2000-)", "Ukraine", "Military Forces of Russia (2000-)"),
    ("Police Forces of Netherlands", "Netherlands", "Police Forces of the Netherlands"),
    ("Police Forces of Unknown", "United States", "Police Forces of the United States"),
    ("Protesters (Netherlands)", "Netherlands", "Protesters (Netherlands)"),
])
def test_actor_names_in_acled_style(name: str, country: str | None, expected: str) -> None:
    assert actor_name(name, country) == expected
    assert "Unknown" not in actor_name(name, country)


def test_unknown_actor_country_takes_the_event_country() -> None:
    got = actors(event(event_type="Strategic developments", actor1="Police Forces of Unknown",
                       actor1_type="State forces", actor1_country=None))
    assert got[:2] == ("Police Forces of Kazakhstan", "State forces")


# --- ACLED sources, admin1, rows ACLED would not publish ------------------------------------------------------


def test_source_is_outlet_names_and_scale_comes_from_the_table(tmp_path: Path) -> None:
    got = row(event(outlets=["vk", "reuters", "vk"]))
    assert got["source"] == "de Volkskrant; Reuters" and got["source_scale"] == "National-International"
    assert row(event(outlets=["destentor", "ad"]))["source_scale"] == "Subnational-National"
    assert row(event(outlets=["onbekend-blad"]))["source"] == "onbekend-blad"
    assert row(event(outlets=["onbekend-blad"]))["source_scale"] == "Other"
    extra = tmp_path / "outlets.toml"
    extra.write_text('[outlets.onbekend-blad]\nname = "Het Onbekende Blad"\nscale = "Subnational"\n'
                     '[outlets.vk]\nname = "Volkskrant"\nscale = "National"\n', encoding="utf-8")
    table = OutletTable(extra)
    assert table.source(["onbekend-blad", "vk"]) == ("Het Onbekende Blad; Volkskrant", "Subnational-National")
    bad = tmp_path / "bad.toml"
    bad.write_text('[outlets.x]\nscale = "Huge"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="Huge"):
        OutletTable(bad)


def test_every_packaged_outlet_has_an_acled_scale() -> None:
    table = OutletTable()
    assert table.table and {o.scale for o in table.table.values()} <= ACLED_SCALES


@pytest.mark.parametrize(("place", "iso2", "expected"), [
    ("Zuid-Holland", "NL", "Zuid-Holland"),  # the place is itself a division
    ("The Hague", "NL", "Zuid-Holland"),  # the division's capital
    ("Gaza Strip", "PS", "Gaza Strip"),  # a region that names its division
    ("Nergenshuizen", "NL", None),
])
def test_admin1_from_the_gazetteer_data(place: str, iso2: str, expected: str | None) -> None:
    assert admin1_of(event(place=place, iso2=iso2, admin1=None, country="x")) == expected
    assert admin1_of(event(place=place, iso2=iso2, admin1="Stored")) == "Stored", "the store's own admin1 first"


@pytest.mark.parametrize(("stored", "iso2", "acled"), [
    ("Kazachstan", "KZ", "Kazakhstan"),  # the gazetteer's Dutch name: ACLED's column is English
    ("Oekraïne", "UA", "Ukraine"), ("Kosovo", "XK", "Kosovo"),
    ("Tsjechië", "CZ", "Czech Republic"),  # ACLED's own spelling (acled_regions.tsv), not ISO's "Czechia"
])
def test_country_is_written_as_acled_names_it(stored: str, iso2: str, acled: str) -> None:
    assert row(event(country=stored, iso2=iso2))["country"] == acled


@pytest.mark.parametrize(("iso2", "prefix"), [("KZ", "KAZ"), ("XK", "XKX"), ("xk", "XKX"), ("NL", "NLD"),
                                              ("QQ", None), (None, None), ("", None)])
def test_iso3_is_acleds_with_kosovo_as_xkx(iso2: str | None, prefix: str | None) -> None:
    from kroniek.export.common import iso3
    from kroniek.store.links import iso3_prefix

    assert iso3(iso2) == iso3_prefix(iso2) == prefix


@pytest.mark.parametrize(("changes", "reason"), [
    ({"happened": False, "contexts": ["negated"]}, "did not happen"),
    ({"iso2": None, "country": None, "place": None, "latitude": None, "longitude": None}, "no country"),
    ({"date_precision": "year", "date": "2019", "date_start": "2019-01-01", "date_end": "2019-12-31",
      "time_precision": 3}, "date only a year"),
    ({"date_precision": "month", "date": "2019-03", "date_start": "2019-03-01", "date_end": "2019-03-31",
      "time_precision": 3}, None),
    ({"place": "Kazakhstan", "admin1": None, "geo_precision": 3}, "place only the country"),
    ({"place": "Kazakhstan", "admin1": None, "geo_precision": 3, "event_type": "Strategic developments"}, None),
])
def test_rows_acled_would_not_publish(changes: dict[str, Any], reason: str | None) -> None:
    assert left_out(event(**changes)) == reason


# --- CSV injection (OWASP) ------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1", '=HYPERLINK("http://x")'])
def test_formula_cells_are_neutralised(cell: str) -> None:
    assert csv_safe(cell) == "'" + cell
    out = io.StringIO()
    writer = SafeWriter(out, ["a", "n"])
    writer.writeheader()
    writer.writerow({"a": cell, "n": -12.5})
    read = next(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert read["a"] == "'" + cell.replace("\r", "\n") and read["n"] == "-12.5", "text neutralised, numbers kept"


@pytest.mark.parametrize("cell", ["Almaty", "1+1", "a=b", "", "'quoted", "2022-01-05"])
def test_harmless_cells_are_left_alone(cell: str) -> None:
    assert csv_safe(cell) == cell


# --- PLOVER ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plover_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def test_plover_record_layout(plover_schema: dict[str, Any]) -> None:
    arrest = event(event_type="Strategic developments", plover_type="COERCE", plover_mode="arrest",
                   actor1="Police Forces of Kazakhstan", actor1_type="State forces",
                   actor2="Protesters (Kazakhstan)", actor2_type="Protesters", actor2_country="KZ",
                   figures=[{"kind": "arrested", "coded": 12}, {"kind": "injured", "coded": 3}])
    got = record(arrest)
    jsonschema.validate(got, plover_schema)
    assert got["event"] == ["COERCE"] and got["mode"] == ["arrest"] and got["context"] == []
    assert got["actor"] == [{"entity_text": "Police Forces of Kazakhstan", "code": "KAZCOP", "sector": "COP",
                             "country": "KAZ", "acled_type": "State forces"}]
    assert got["recipient"][0]["code"] == "KAZCVL"
    assert got["event_loc"] == {"resolved_place": "Almaty", "country_code": "KAZ", "admin1": "Almaty",
                                "geonameid": 1526384, "lat": 43.25, "lon": 76.91, "geo_precision": 1}
    assert (got["arrested"], got["injured"], got["dead"], got["size"]) == (12, 3, None, None)
    assert "" not in json.dumps(got).split('"'), "no empty strings"


@pytest.mark.parametrize(("name", "kind", "iso2", "code"), [
    ("Government of Kazakhstan", "State forces", "KZ", "KAZGOV"),
    ("Military Forces of Russia", "External/Other forces", "RU", "RUSMIL"),
    ("Police Forces of Kazakhstan", "State forces", "KZ", "KAZCOP"),
    ("Rebels (Syria)", "Rebel groups", "SY", "SYRREB"),
    ("Unidentified Armed Group (Kazakhstan)", "Political militias", "KZ", "KAZUAF"),
    ("Journalists (Georgia)", "Civilians", "GE", "GEOJRN"),
    ("EU: European Union", "External/Other forces", None, "IGO"),
])
def test_actor_codes_are_country_and_sector(name: str, kind: str, iso2: str | None, code: str) -> None:
    got = entity(name, kind, iso2)
    assert got is not None and got["code"] == code


def test_plover_modes_and_contexts_are_plovers_only(plover_schema: dict[str, Any]) -> None:
    odd = record(event(plover_mode="sit-in", contexts=["alleged", "referred"], happened=False))
    assert odd["mode"] == [] and odd["context"] == ["historical"]
    jsonschema.validate(odd, plover_schema)
    negated = record(event(contexts=["negated"], happened=False))
    assert negated["context"] == ["negation"]
    jsonschema.validate(negated, plover_schema)


@pytest.mark.parametrize(("path", "value"), [
    (("mode",), ["firearms"]),  # an ASSAULT mode on a PROTEST
    (("mode",), "demo"),  # not a list
    (("event",), "PROTEST"),
    (("event",), ["RIOT"]),
    (("context",), ["alleged"]),
    (("event_loc", "country_code"), "KZ"),  # ISO2, not ISO3
    (("event_loc", "resolved_place"), ""),
    (("actor",), []),
    (("actor",), [{"entity_text": "", "code": "KAZCVL", "sector": "CVL"}]),
    (("actor",), [{"entity_text": "x", "code": "kz", "sector": "CVL"}]),
    (("recipient",), {"entity_text": "x", "code": None, "sector": None}),
    (("dead",), -1),
    (("date",), "2022-01"),
    (("happened",), False),  # not happened, yet no context says why
])
def test_the_schema_rejects_what_the_manual_rejects(plover_schema: dict[str, Any], path: tuple[str, ...],
                                                    value: Any) -> None:
    good = record(event())
    jsonschema.validate(good, plover_schema)
    bad = copy.deepcopy(good)
    target = bad
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, plover_schema)


def test_polecat_flat_row() -> None:
    got = flat(record(event(plover_type="ASSAULT", plover_mode="firearms", figures=[{"kind": "killed",
                                                                                     "coded": 2}])))
    assert got["Event Type"] == "ASSAULT" and got["Event Mode"] == "firearms" and got["Actor Code"] == "KAZCVL"
    assert got["Country"] == "KAZ" and got["GeoNames ID"] == 1526384 and got["Dead"] == 2 and got["Injured"] == ""


# --- GeoJSON --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end", "precision", "day"), [
    ("2022-01-05", "2022-01-05", "day", "2022-01-05"),
    ("2022-01-03", "2022-01-09", "week", "2022-01-06"),  # the middle of the week
    ("2022-01-01", "2022-01-31", "month", "2022-01-16"),  # the middle of the month
    ("2022-02-01", "2022-02-28", "month", "2022-02-14"),
])
def test_geojson_event_date_is_one_iso_day(start: str, end: str, precision: str, day: str) -> None:
    props = feature(event(date_start=start, date_end=end, date_precision=precision))["properties"]  # type: ignore
    assert props["event_date"] == day == str(coded_day(event(date_start=start, date_end=end)))
    assert (props["date_start"], props["date_end"], props["date_precision"]) == (start, end, precision)


def test_geojson_fields_for_gis() -> None:
    props = feature(event(outlets=["vk", "ad"]))["properties"]  # type: ignore[index]
    assert props["outlets"] == "vk; ad" and props["fatalities"] == 0
    safe = feature(event(), shapefile_safe=True)["properties"]  # type: ignore[index]
    assert set(safe) == set(PROPERTIES.values()) - {"updated_at"} and all(len(name) <= 10 for name in safe)
    assert safe["timestamp"] == props["timestamp"] == 1641463200, "2022-01-06T10:00:00 UTC"
    assert len(set(PROPERTIES.values())) == len(PROPERTIES), "no two fields share a short name"


# --- on a store built from our own sentences ------------------------------------------------------------------

HOSTILE = [
    {"id": "h-1", "outlet": '=HYPERLINK("http://evil.example","klik")', "url": "https://evil.example/1",
     "title": "Betoging in Almaty", "published_at": "2022-01-05",
     "text": "In de Kazachse stad Almaty zijn dinsdag honderden mensen de straat op gegaan om te demonstreren tegen "
             "de regering. De politie arresteerde twaalf demonstranten."},
    {"id": "h-2", "outlet": "-2+3", "url": "https://evil.example/2", "title": "Aanslag in Kabul",
     "published_at": "2022-01-06",
     "text": "Bij een bomaanslag in Kabul zijn woensdag zeker vijf burgers gedood. Onbekende daders brachten een "
             "bermbom tot ontploffing."},
    {"id": "h-3", "outlet": "vk", "url": "https://vk.example/3", "title": "Geen protest in Almaty",
     "published_at": "2022-01-07",
     "text": "In Almaty is donderdag niet gedemonstreerd. De geplande betoging tegen de regering ging niet door."},
]


@pytest.fixture(scope="module")
def own_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("codebook")
    source = folder / "articles.jsonl"
    source.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in HOSTILE), encoding="utf-8")
    url = f"sqlite:///{folder / 'kroniek.db'}"
    settings = load_settings(db_url=url)
    settings.data["analyse"]["deep"] = "none"
    store = Store.open(url)
    try:
        ingest_paths(store, [str(source)])
        pipeline.run(store, settings)
    finally:
        store.close()
    yield url


def cli(url: str, *args: str) -> Any:
    return CliRunner().invoke(cli_app, ["--db", url, "export", *args])


def test_acled_export_neutralises_formulas_from_outlets(own_store: str) -> None:
    result = cli(own_store, "--format", "acled")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False, dtype=str)
    assert len(frame) >= 2
    for column in frame.columns:
        assert not frame[column].str.match(r"^[=+\-@\t\r]").any(), column
    assert set(frame["source"]) <= {"'" + HOSTILE[0]["outlet"], "'" + HOSTILE[1]["outlet"], "de Volkskrant"}
    assert (frame["longitude"].astype(float) > 0).all(), "numbers are not touched"
    polecat = cli(own_store, "--format", "polecat")
    assert polecat.exit_code == 0, polecat.output
    rows = list(csv.DictReader(io.StringIO(polecat.stdout)))
    assert rows and all(not value.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for value in r.values())


def test_acled_export_counts_what_it_leaves_out(own_store: str) -> None:
    default = cli(own_store, "--format", "acled")
    everything = cli(own_store, "--format", "acled", "--include-uncertain")
    assert default.exit_code == everything.exit_code == 0
    kept = len(pd.read_csv(io.StringIO(default.stdout)))
    total = len(pd.read_csv(io.StringIO(everything.stdout)))
    assert total > kept, "the sentence about a protest that did not take place is an event that did not happen"
    assert f"left out {total - kept} rows" in default.stderr and "did not happen" in default.stderr
    assert "left out" not in everything.stderr
    numeric = cli(own_store, "--format", "acled", "--acled-inter", "numeric")
    frame = pd.read_csv(io.StringIO(numeric.stdout))
    assert pd.api.types.is_integer_dtype(frame["inter1"]) and set(frame["inter1"]) <= set(ACLED_INTER.values())
    assert pd.api.types.is_integer_dtype(frame["interaction"])
    assert cli(own_store, "--format", "acled", "--acled-inter", "roman").exit_code == 2


def test_outlet_table_option(own_store: str, tmp_path: Path) -> None:
    table = tmp_path / "outlets.toml"
    table.write_text('[outlets."-2+3"]\nname = "Kabul Nieuws"\nscale = "Regional"\n', encoding="utf-8")
    result = cli(own_store, "--format", "acled", "--outlets", str(table))
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False)
    kabul = frame[frame["country"] == "Afghanistan"]
    assert len(kabul) and set(kabul["source"]) == {"Kabul Nieuws"} and set(kabul["source_scale"]) == {"Regional"}
    broken = tmp_path / "broken.toml"
    broken.write_text("[outlets\n", encoding="utf-8")
    assert cli(own_store, "--format", "acled", "--outlets", str(broken)).exit_code == 2


def test_plover_exports_validate(own_store: str, plover_schema: dict[str, Any]) -> None:
    array = cli(own_store, "--format", "plover")
    lines = cli(own_store, "--format", "plover-jsonl")
    assert array.exit_code == lines.exit_code == 0
    records = json.loads(array.stdout)
    assert records == [json.loads(line) for line in lines.stdout.splitlines()], "one record layout, two framings"
    assert records and {"PROTEST", "COERCE"} <= {r["event"][0] for r in records}
    for item in records:
        jsonschema.validate(item, plover_schema)
        assert all(a["code"] for a in item["actor"]), "every actor has a code"
    assert any(not r["happened"] for r in records), "the PLOVER export keeps what did not happen, with why"


def test_geojson_leaves_out_what_did_not_happen(own_store: str) -> None:
    default = json.loads(cli(own_store, "--format", "geojson").stdout)["features"]
    everything = json.loads(cli(own_store, "--format", "geojson", "--include-uncertain").stdout)["features"]
    assert all(f["properties"]["happened"] for f in default)
    assert len(everything) > len(default) and not all(f["properties"]["happened"] for f in everything)


def test_every_format_is_registered() -> None:
    assert set(FORMATS) == {"acled", "plover", "plover-jsonl", "polecat", "geojson", "json"}
    assert all(callable(EXPORTERS[fmt]) for fmt in FORMATS)
