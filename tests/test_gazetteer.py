"""The offline gazetteer: Dutch exonyms, demonyms, disambiguation by context, common-word rejection, ACLED fields."""

from __future__ import annotations

import math
import time
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kroniek.analyse import gazetteer as gz
from kroniek.analyse.gazetteer import Gazetteer, Place, normalize


@pytest.fixture(scope="module")
def g() -> Gazetteer:
    return Gazetteer.load("nl")


def _near(place: Place, lat: float, lon: float, km: float = 25.0) -> bool:
    dy = (place.latitude - lat) * 111.0
    dx = (place.longitude - lon) * 111.0 * math.cos(math.radians(lat))
    return math.hypot(dx, dy) <= km


def test_load_is_a_singleton_and_the_data_is_clean(g: Gazetteer) -> None:
    assert Gazetteer.load("nl") is g
    assert g.problems == []
    assert len(g) > 50_000


# --- exonyms and names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surface", "name", "iso2", "kind"),
    [
        ("Moskou", "Moscow", "RU", "city"),
        ("Den Haag", "The Hague", "NL", "city"),
        ("'s-Gravenhage", "The Hague", "NL", "city"),
        ("Peking", "Beijing", "CN", "city"),
        ("Keulen", "Köln", "DE", "city"),
        ("Parijs", "Paris", "FR", "city"),
        ("Londen", "London", "GB", "city"),
        ("Brussel", "Brussels", "BE", "city"),
        ("Antwerpen", "Antwerp", "BE", "city"),
        ("Luik", "Liège", "BE", "city"),
        ("Kiev", "Kyiv", "UA", "city"),
        ("Kyiv", "Kyiv", "UA", "city"),
        ("Charkiv", "Kharkiv", "UA", "city"),
        ("Nur-Sultan", "Astana", "KZ", "city"),
        ("Alma-Ata", "Almaty", "KZ", "city"),
        ("Bisjkek", "Bishkek", "KG", "city"),
        ("Den Bosch", "'s-Hertogenbosch", "NL", "city"),
        ("Wit-Rusland", "Belarus", "BY", "country"),
        ("Kazachstan", "Kazakhstan", "KZ", "country"),
        ("Nieuw-Zeeland", "New Zealand", "NZ", "country"),
        ("Verenigde Staten", "United States", "US", "country"),
        ("VS", "United States", "US", "country"),
        ("Verenigd Koninkrijk", "United Kingdom", "GB", "country"),
        ("Groot-Brittannië", "United Kingdom", "GB", "country"),
        ("Noord-Korea", "North Korea", "KP", "country"),
        ("Zuid-Afrika", "South Africa", "ZA", "country"),
        ("Saoedi-Arabië", "Saudi Arabia", "SA", "country"),
        ("Turkije", "Turkey", "TR", "country"),
        ("Oekraïne", "Ukraine", "UA", "country"),
        ("Armenië", "Armenia", "AM", "country"),
        ("Tadzjikistan", "Tajikistan", "TJ", "country"),
        ("Kirgizië", "Kyrgyzstan", "KG", "country"),
        ("Oezbekistan", "Uzbekistan", "UZ", "country"),
        ("Nederland", "Netherlands", "NL", "country"),
        ("Krim", "Crimea", "UA", "region"),
        ("Gazastrook", "Gaza Strip", "PS", "region"),
        ("Westelijke Jordaanoever", "West Bank", "PS", "region"),
        ("Henegouwen", "Hainaut", "BE", "region"),
        ("Noord-Holland", "Noord-Holland", "NL", "admin1"),
        ("Beieren", "Bavaria", "DE", "admin1"),
        ("Tsjetsjenië", "Chechnya", "RU", "admin1"),
        ("Schotland", "Scotland", "GB", "admin1"),
    ],
)
def test_exonyms_and_names(g: Gazetteer, surface: str, name: str, iso2: str, kind: str) -> None:
    place = g.resolve(surface)
    assert place is not None, surface
    assert (place.name, place.country_iso2, place.kind) == (name, iso2, kind)
    assert g.is_place_name(surface)


def test_moscow_is_a_city_with_geonames_fields(g: Gazetteer) -> None:
    place = g.resolve("Moskou")
    assert place is not None
    assert place.geo_precision == 1
    assert place.geonameid == 524901
    assert place.country == "Russia"
    assert place.iso_numeric == 643
    assert place.population > 10_000_000
    assert _near(place, 55.75, 37.62)


def test_almaty_city_carries_its_acled_admin1(g: Gazetteer) -> None:
    place = g.resolve("Almaty")
    assert place is not None
    assert (place.kind, place.country_iso2, place.admin1, place.geo_precision) == ("city", "KZ", "Almaty", 1)
    assert place.country == "Kazakhstan"
    assert _near(place, 43.25, 76.92)
    assert g.region_for(place.country_iso2) == "Caucasus and Central Asia"


def test_kazakhstan_is_a_country_at_astana(g: Gazetteer) -> None:
    place = g.resolve("Kazachstan")
    assert place is not None
    assert (place.kind, place.geo_precision, place.admin1, place.iso_numeric) == ("country", 3, None, 398)
    assert _near(place, 51.17, 71.45)
    assert g.country("KZ") == place
    assert g.country("kz") == place


def test_crimea_is_a_ukrainian_region(g: Gazetteer) -> None:
    place = g.resolve("Krim")
    assert place is not None
    assert (place.kind, place.country_iso2, place.geo_precision, place.iso_numeric) == ("region", "UA", 3, 804)
    assert _near(place, 44.95, 34.1)


def test_admin1_of_cities(g: Gazetteer) -> None:
    expected = {"Amsterdam": "Noord-Holland", "Maastricht": "Limburg", "Kharkiv": "Kharkiv", "Keulen":
                "North Rhine-Westphalia", "Lyon": "Auvergne-Rhone-Alpes", "Gent": "Flanders", "Houston": "Texas"}
    for surface, admin1 in expected.items():
        place = g.resolve(surface)
        assert place is not None and place.admin1 == admin1, surface


def test_precision_codes(g: Gazetteer) -> None:
    precisions: dict[str, set[int]] = {kind: set() for kind in ("country", "admin1", "region", "city")}
    for surface in ("Frankrijk", "Kazachstan", "Gelderland", "Texas", "Krim", "Veluwe", "Utrecht", "Loppersum"):
        place = g.resolve(surface)
        assert place is not None, surface
        precisions[place.kind].add(place.geo_precision)
    assert precisions == {"country": {3}, "admin1": {3}, "region": {3}, "city": {1}}


def test_dutch_villages_from_the_500_plus_dump(g: Gazetteer) -> None:
    place = g.resolve("Loppersum")
    assert place is not None
    assert (place.country_iso2, place.admin1, place.kind) == ("NL", "Groningen", "city")


# --- case, diacritics, punctuation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("Oekraine", "Oekraïne"),
        ("OEKRAÏNE", "Oekraïne"),
        ("KEULEN", "Keulen"),
        ("Koln", "Köln"),
        ("Sint Petersburg", "Sint-Petersburg"),
        ("Zurich", "Zürich"),
        ("Liege", "Luik"),
        ("Saoedi Arabië", "Saoedi-Arabië"),
        ("  Den  Haag ", "Den Haag"),
        ("S-Hertogenbosch", "'s-Hertogenbosch"),
    ],
)
def test_case_and_diacritics_do_not_matter(g: Gazetteer, variant: str, canonical: str) -> None:
    expected = g.resolve(canonical)
    assert expected is not None
    assert g.resolve(variant) == expected


def test_normalize() -> None:
    assert normalize("’s-Hertogenbosch") == normalize("'s-Hertogenbosch") == "s hertogenbosch"
    assert normalize("Ḩamāh") == "hamah"
    assert normalize("İzmir") == "izmir"
    assert normalize("Łódź") == "lodz"
    assert normalize("Москва") == ""


def test_a_name_must_start_with_a_capital_unless_written_as_listed(g: Gazetteer) -> None:
    assert g.resolve("moskou") is None
    assert g.resolve("parijs") is None
    assert g.candidates("moskou")  # the look-up itself is case-insensitive
    place = g.resolve("'s-Hertogenbosch")
    assert place is not None and place.country_iso2 == "NL"


# --- disambiguation ---------------------------------------------------------------------------------------------


def test_paris_follows_the_context(g: Gazetteer) -> None:
    plain = g.resolve("Paris")
    in_france = g.resolve("Paris", ["FR"])
    in_texas = g.resolve("Paris", ["US"])
    assert plain is not None and plain.country_iso2 == "FR"
    assert in_france is not None and in_france.country_iso2 == "FR" and in_france.population > 1_000_000
    assert in_texas is not None and in_texas.country_iso2 == "US"


def test_limburg_is_the_province_of_the_context(g: Gazetteer) -> None:
    dutch = g.resolve("Limburg", ("NL",))
    belgian = g.resolve("Limburg", ("BE",))
    assert dutch is not None and (dutch.country_iso2, dutch.kind, dutch.geo_precision) == ("NL", "admin1", 3)
    assert belgian is not None and belgian.country_iso2 == "BE"
    assert belgian.admin1 == "Flanders"
    plain = g.resolve("Limburg")
    assert plain is not None and plain.country_iso2 in ("NL", "BE")


def test_georgia(g: Gazetteer) -> None:
    for context in ((), ("RU",), ("GE",), ("RU", "GE")):
        place = g.resolve("Georgia", context)
        assert place is not None and (place.kind, place.country_iso2) == ("country", "GE"), context
    state = g.resolve("Georgia", ["US"])
    assert state is not None and (state.kind, state.country_iso2) == ("admin1", "US")
    assert g.resolve("Georgië") == g.country("GE")


def test_context_picks_between_namesakes(g: Gazetteer) -> None:
    libya = g.resolve("Tripoli")
    lebanon = g.resolve("Tripoli", ["LB"])
    assert libya is not None and libya.country_iso2 == "LY"
    assert lebanon is not None and lebanon.country_iso2 == "LB"
    zeeland = g.resolve("Middelburg")
    mpumalanga = g.resolve("Middelburg", ["ZA"])
    assert zeeland is not None and zeeland.country_iso2 == "NL"
    assert mpumalanga is not None and mpumalanga.country_iso2 == "ZA"


def test_a_country_beats_a_small_namesake_in_the_context(g: Gazetteer) -> None:
    place = g.resolve("Mexico", ["US"])
    assert place is not None and (place.kind, place.country_iso2) == ("country", "MX")


def test_big_city_beats_its_province(g: Gazetteer) -> None:
    for surface, iso2 in (("Utrecht", "NL"), ("Groningen", "NL"), ("Almaty", "KZ"), ("Kharkiv", "UA")):
        place = g.resolve(surface)
        assert place is not None and (place.kind, place.country_iso2) == ("city", iso2), surface


def test_ambiguous_small_towns_need_context(g: Gazetteer) -> None:
    assert g.resolve("Haren") is None  # Haren (Groningen) and Haren (Ems) are about the same size
    place = g.resolve("Haren", ["NL"])
    assert place is not None and place.country_iso2 == "NL"
    german = g.resolve("Haren", ["DE"])
    assert german is not None and german.country_iso2 == "DE"


# --- common words -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["Wit", "Hoop", "Zee", "Stad", "Van", "Kaart", "Oost", "Landen", "Corona", "Een"])
def test_common_dutch_words_do_not_resolve(g: Gazetteer, word: str) -> None:
    assert g.resolve(word) is None
    assert g.resolve(word, ["NL", "BE", "TR", "DE", "GB"]) is None
    assert not g.is_place_name(word)


def test_common_words_are_known_places_all_the_same(g: Gazetteer) -> None:
    assert any(p.country_iso2 == "TR" for p in g.candidates("Van"))


def test_towns_named_like_a_word_need_their_country(g: Gazetteer) -> None:
    assert g.resolve("Best") is None
    assert not g.is_place_name("Geel")
    best = g.resolve("Best", ["NL"])
    geel = g.resolve("Geel", ["NL", "BE"])
    assert best is not None and (best.country_iso2, best.admin1) == ("NL", "Noord-Brabant")
    assert geel is not None and (geel.country_iso2, geel.admin1) == ("BE", "Flanders")
    hoorn = g.resolve("Hoorn")  # a town of 70,000: known well enough to stand alone
    assert hoorn is not None and hoorn.country_iso2 == "NL"


def test_towns_added_in_places_tsv(g: Gazetteer) -> None:
    place = g.resolve("Srebrenica")
    assert place is not None and (place.country_iso2, place.kind, place.geonameid) == ("BA", "city", None)
    village = g.resolve("Zeerijp")
    assert village is not None and village.admin1 == "Groningen"


@pytest.mark.parametrize(("name", "part"), [
    ("Heusden-Zolder", "Heusden"), ("Houthalen-Helchteren", "Houthalen"), ("Hamont-Achel", "Hamont"),
    ("Dilsen-Stokkem", "Dilsen"),
])
def test_a_merged_municipality_named_after_its_towns(g: Gazetteer, name: str, part: str) -> None:
    place = g.resolve(name)
    assert place is not None and (place.name, place.country_iso2, place.kind) == (part, "BE", "city")
    assert g.is_place_name(name)


def test_towns_far_apart_make_no_municipality(g: Gazetteer) -> None:
    assert g.resolve("Gent-Brugge") is None  # two cities 50 km apart: a train line, a match
    assert g.resolve("Gent-Parijs") is None  # not both home towns
    knokke = g.resolve("Knokke-Heist")  # a town of its own in GeoNames
    assert knokke is not None and knokke.name == "Knokke-Heist"


@pytest.mark.parametrize(("exonym", "name"), [
    ("Duinkerke", "Dunkirk"), ("Kales", "Calais"), ("Sint-Omaars", "Saint-Omer"), ("Hazebroek", "Hazebrouck"),
    ("Valencijn", "Valenciennes"),
])
def test_dutch_names_of_towns_in_french_flanders(g: Gazetteer, exonym: str, name: str) -> None:
    place = g.resolve(exonym)
    assert place is not None and (place.name, place.country_iso2) == (name, "FR")


def test_acronyms_are_not_places_unless_listed(g: Gazetteer) -> None:
    for acronym in ("EU", "VN", "NAVO", "OM"):
        assert g.resolve(acronym) is None, acronym
    for listed, iso2 in (("VS", "US"), ("VK", "GB"), ("USA", "US")):
        place = g.resolve(listed)
        assert place is not None and place.country_iso2 == iso2
    assert g.resolve("MOSKOU") == g.resolve("Moskou")


def test_is_place_name_is_wary_of_small_towns_abroad(g: Gazetteer) -> None:
    assert g.resolve("Obama") is not None  # a town in Japan, if the tagger says it is a place
    for name in ("Obama", "David", "Williams", "Google", "Rutte"):
        assert not g.is_place_name(name), name
    for name in ("Bachmoet", "Kazachstan", "Loppersum", "Texas", "Krim", "Almaty"):
        assert g.is_place_name(name), name


# --- demonyms ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("Russische", "RU"), ("Russisch", "RU"), ("Rus", "RU"), ("Russen", "RU"),
        ("Kazachse", "KZ"), ("Kazachs", "KZ"), ("Kazach", "KZ"),
        ("Nederlandse", "NL"), ("Nederlands", "NL"), ("Nederlander", "NL"),
        ("Belgische", "BE"), ("Vlaamse", "BE"), ("Amerikaanse", "US"), ("Duitse", "DE"), ("Franse", "FR"),
        ("Britse", "GB"), ("Oekraïense", "UA"), ("Oekraiense", "UA"), ("Chinese", "CN"), ("Turkse", "TR"),
        ("Israëlische", "IL"), ("Palestijnse", "PS"), ("Syrische", "SY"), ("Iraanse", "IR"), ("Afghaanse", "AF"),
        ("Wit-Russische", "BY"), ("Kirgizische", "KG"), ("Oezbeekse", "UZ"), ("Tadzjiekse", "TJ"),
        ("Zuid-Koreaanse", "KR"), ("Noord-Koreaanse", "KP"), ("Saoedische", "SA"), ("RUSSISCHE", "RU"),
        ("Europese", "EU"),
    ],
)
def test_demonyms(g: Gazetteer, word: str, code: str) -> None:
    assert g.country_for_demonym(word) == code


def test_not_demonyms(g: Gazetteer) -> None:
    for word in ("Moskou", "huis", "", "Rusland", "Let"):
        assert g.country_for_demonym(word) is None, word


def test_demonym_codes_are_countries_or_marked(g: Gazetteer) -> None:
    assert g.demonym_type("EU") == "organisation"
    assert g.demonym_type("RU") == "country"
    for code in set(g._demonyms.values()):
        if g.demonym_type(code) == "country":
            assert g.country(code) is not None, code


# --- ISO numeric, ACLED regions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iso2", "numeric", "name", "region"),
    [
        ("NL", 528, "Netherlands", "Europe"),
        ("KZ", 398, "Kazakhstan", "Caucasus and Central Asia"),
        ("RU", 643, "Russia", "Europe"),
        ("UA", 804, "Ukraine", "Europe"),
        ("US", 840, "United States", "North America"),
        ("SY", 760, "Syria", "Middle East"),
        ("TR", 792, "Turkey", "Middle East"),
        ("NG", 566, "Nigeria", "Western Africa"),
        ("CD", 180, "Democratic Republic of Congo", "Middle Africa"),
        ("BR", 76, "Brazil", "South America"),
        ("MX", 484, "Mexico", "Central America"),
        ("HT", 332, "Haiti", "Caribbean"),
        ("IN", 356, "India", "South Asia"),
        ("MM", 104, "Myanmar", "Southeast Asia"),
        ("KP", 408, "North Korea", "East Asia"),
        ("AU", 36, "Australia", "Oceania"),
        ("AQ", 10, "Antarctica", "Antarctica"),
        ("ZA", 710, "South Africa", "Southern Africa"),
        ("KE", 404, "Kenya", "Eastern Africa"),
        ("EG", 818, "Egypt", "Northern Africa"),
    ],
)
def test_country_fields(g: Gazetteer, iso2: str, numeric: int, name: str, region: str) -> None:
    place = g.country(iso2)
    assert place is not None
    assert (place.iso_numeric, place.country, place.name, place.kind, place.geo_precision) == (
        numeric, name, name, "country", 3)
    assert g.region_for(iso2) == region


def test_every_country_has_a_region(g: Gazetteer) -> None:
    codes = set(g._countries)
    assert len(codes) >= 245
    for code in codes:
        assert g.region_for(code) is not None, code
    assert g.region_for("ZZ") is None
    assert g.region_for("EU") == "Europe"
    assert g.country("ZZ") is None


# --- the data file ----------------------------------------------------------------------------------------------


def test_every_places_tsv_alias_resolves_to_its_country(g: Gazetteer) -> None:
    text = resources.files("kroniek.analyse.nl").joinpath("places.tsv").read_text(encoding="utf-8")
    count = 0
    for line in text.splitlines():
        fields = line.split("\t")
        if fields[0] != "alias":
            continue
        surface, _kind, iso2 = fields[1], fields[2], fields[3]
        place = g.resolve(surface)
        assert place is not None and place.country_iso2 == iso2, surface
        count += 1
    assert count > 300


# --- robustness and speed ---------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=60), context=st.lists(st.text(max_size=3), max_size=4))
def test_resolve_never_raises(name: str, context: list[str]) -> None:
    g = Gazetteer.load("nl")
    place = g.resolve(name, context)
    assert place is None or isinstance(place, Place)
    assert isinstance(g.candidates(name), list)
    assert isinstance(g.is_place_name(name), bool)
    code = g.country_for_demonym(name)
    assert code is None or isinstance(code, str)


def test_wrong_types_are_not_places(g: Gazetteer) -> None:
    assert g.resolve(None) is None  # type: ignore[arg-type]
    assert g.candidates(42) == []  # type: ignore[arg-type]
    assert g.country(None) is None  # type: ignore[arg-type]


def test_lookups_are_fast(g: Gazetteer) -> None:
    names = ["Almaty", "Moskou", "Paris", "Limburg", "Kazachstan", "Den Haag", "Wit", "Georgia", "Xyzzy"]
    start = time.perf_counter()
    for _ in range(200):
        for name in names:
            g.resolve(name, ("NL", "RU"))
    per_lookup = (time.perf_counter() - start) / (200 * len(names))
    assert per_lookup < 500e-6  # about 5 µs here; generous for busy CI machines


def test_the_index_is_cached_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRONIEK_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("KRONIEK_GAZETTEER_CACHE", raising=False)
    built = gz._load_index("nl", use_cache=True)
    files = list(tmp_path.glob("gazetteer-nl-*.marshal"))
    assert len(files) == 1

    def no_build(self: object) -> dict[str, object]:
        raise AssertionError("the cache should have been read")

    monkeypatch.setattr(gz._Builder, "build", no_build)
    again = gz._load_index("nl", use_cache=True)
    assert again["keys"] == built["keys"]
    assert Gazetteer(again).resolve("Moskou") == Gazetteer(built).resolve("Moskou")
