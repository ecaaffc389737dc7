"""What every exporter shares: paging through the canonical events without loading them all, the options and the
report of one export, spreadsheet-safe CSV cells, the coded day of a partial date, the outlet table and the
admin1 names of the gazetteer's data (read as data: an export never imports a pipeline stage)."""

from __future__ import annotations

import csv
import datetime as dt
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import pycountry

from kroniek.store.query import get_story, list_events, list_stories
from kroniek.store.repository import Store

PAGE = 500

# The gazetteer's own data file, read by path: importing kroniek.analyse would pull a pipeline stage into export.
PLACES_TSV = Path(__file__).resolve().parents[1] / "analyse" / "nl" / "places.tsv"


@dataclass
class ExportOptions:
    """What an export may be asked for; the defaults are what ``/api/export/{fmt}`` serves."""

    include_uncertain: bool = False  # keep rows ACLED would not publish, and not-happened GeoJSON features
    acled_inter: str = "text"  # "text" (ACLED's labels) or "numeric" (ACLED's 1..8 codes, interaction 10..88)
    shapefile_safe: bool = False  # GeoJSON property names of at most 10 characters (DBF's limit)
    outlets: Path | None = None  # a TOML outlet table laid over the packaged one
    since: int | None = None  # only events changed at or after this Unix second (ACLED's ``timestamp`` filter)


@dataclass
class ExportReport:
    """How many records were written, and how many left out and why (printed by ``kroniek export``)."""

    written: int = 0
    left_out: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        if not self.left_out:
            return ""
        reasons = ", ".join(f"{reason}: {count}" for reason, count in sorted(self.left_out.items()))
        return (f"left out {sum(self.left_out.values())} rows ({reasons}); --include-uncertain keeps them")


def iter_events(store: Store, happened_only: bool = True, since: int | None = None) -> Iterator[dict[str, Any]]:
    """Every canonical event (with the ``event_id_cnty`` the store assigned it); with ``since`` only those whose
    ``timestamp`` (``updated_at`` in whole Unix seconds) is at or after it, as ACLED's API filters."""
    offset = 0
    while True:
        page = list_events(store, limit=PAGE, offset=offset)
        if not page:
            return
        for event in page:
            if since is not None and (unix_time(event.get("updated_at")) or 0) < since:
                continue
            if event.get("happened", True) or not happened_only:
                yield event
        offset += len(page)


def unix_time(value: Any) -> int | None:
    """A stored time as whole Unix seconds (ACLED's ``timestamp``); SQLite's zoneless times are UTC."""
    if not value:
        return None
    stamp = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return int(stamp.timestamp())


LAST_SECOND = 253_402_300_799  # 9999-12-31T23:59:59Z


def parse_since(text: str) -> int:
    """``--since`` / ``?timestamp=``: Unix seconds, or an ISO date or time (UTC unless it names a zone)."""
    text = text.strip()
    if text.isdigit():
        if len(text) > 11 or int(text) > LAST_SECOND:  # past year 9999 no datetime can hold it
            raise ValueError(f"{text[:20]!r} is after the year 9999")
        return int(text)
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is neither Unix seconds nor an ISO date or time") from None
    return unix_time(stamp) or 0


def iter_stories(store: Store) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        page = list_stories(store, limit=PAGE, offset=offset, events_per_story=0)  # ids; get_story has the rest
        if not page:
            return
        for story in page:
            full = get_story(store, story["id"])
            if full is not None:
                yield full
        offset += len(page)


def figure(event: dict[str, Any], kind: str) -> int | None:
    """The coded (most conservative) value of one figure kind for an event, summed over distinct groups."""
    values = [row.get("coded") for row in event.get("figures", []) if row.get("kind") == kind]
    numbers = [v for v in values if isinstance(v, int)]
    return sum(numbers) if numbers else None


# --- dates ------------------------------------------------------------------------------------------------------


def coded_day(event: dict[str, Any]) -> dt.date | None:
    """ACLED's rule: the day itself at day precision, else the middle of the week or month it is known to."""
    start, end = event.get("date_start"), event.get("date_end")
    if not start:
        return None
    first = dt.date.fromisoformat(str(start)[:10])
    last = dt.date.fromisoformat(str(end)[:10]) if end else first
    return first + dt.timedelta(days=(last - first).days // 2)


# --- CSV --------------------------------------------------------------------------------------------------------

# OWASP's CSV-injection rule: a cell starting with one of these is a formula (or becomes one once a spreadsheet
# strips the whitespace), so it gets a leading apostrophe, which spreadsheets show as text and never evaluate.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A text cell neutralised for spreadsheets; numbers (a negative longitude) stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SafeWriter:
    """``csv.DictWriter`` that neutralises every text cell and always quotes what needs it."""

    def __init__(self, stream: TextIO, columns: list[str]) -> None:
        self.writer = csv.DictWriter(stream, fieldnames=columns, lineterminator="\n")

    def writeheader(self) -> None:
        self.writer.writeheader()

    def writerow(self, row: dict[str, Any]) -> None:
        self.writer.writerow({key: _one_line_ending(csv_safe(value)) for key, value in row.items()})


def _one_line_ending(value: Any) -> Any:
    """A bare CR inside a cell becomes LF: Python's csv quotes a cell only for the line terminator ("\n"), and an
    unquoted CR ends the row early in every reader."""
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


# --- countries --------------------------------------------------------------------------------------------------


@cache
def iso3(iso2: str | None) -> str | None:
    if not iso2:
        return None
    country = pycountry.countries.get(alpha_2=iso2.upper())
    return country.alpha_3 if country else None


REGIONS_TSV = Path(__file__).resolve().parents[1] / "analyse" / "acled_regions.tsv"


@cache
def acled_country_names() -> dict[str, str]:
    """ISO2 -> the country name as ACLED writes it (the gazetteer's acled_regions.tsv)."""
    names: dict[str, str] = {}
    if REGIONS_TSV.exists():
        for line in REGIONS_TSV.read_text(encoding="utf-8").splitlines():
            parts = [p.strip() for p in line.split("\t")]
            if not line.startswith("#") and len(parts) >= 3 and parts[0] != "iso2":
                names[parts[0]] = parts[2]
    return names


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode("ascii")
    return " ".join(text.replace("-", " ").replace("'", "").split())


# --- outlets ----------------------------------------------------------------------------------------------------

SCALES = ("Local partner", "Other", "New media", "Subnational", "National", "Regional", "International")


@dataclass(frozen=True)
class Outlet:
    name: str
    scale: str


class OutletTable:
    """Outlet code (as stored) -> the outlet's name and ACLED source scale. The packaged table
    (``export/outlets.toml``) can be extended or overridden by a TOML file of the same layout."""

    def __init__(self, extra: Path | None = None) -> None:
        text = resources.files("kroniek.export").joinpath("outlets.toml").read_text(encoding="utf-8")
        self.table: dict[str, Outlet] = {}
        self._load(tomllib.loads(text))
        if extra is not None:
            self._load(tomllib.loads(extra.read_text(encoding="utf-8")))

    def _load(self, data: dict[str, Any]) -> None:
        for code, entry in (data.get("outlets") or {}).items():
            scale = str(entry.get("scale", "Other"))
            if scale not in SCALES:
                raise ValueError(f"outlet {code!r}: scale {scale!r} is not one of ACLED's: {', '.join(SCALES)}")
            outlet = Outlet(str(entry.get("name") or code), scale)
            for key in [code, *(entry.get("aliases") or [])]:
                self.table[fold(str(key))] = outlet

    def get(self, code: str) -> Outlet:
        """Unknown outlets keep their stored name and ACLED's "Other" scale."""
        return self.table.get(fold(code)) or Outlet(code, "Other")

    def source(self, codes: Iterable[str]) -> tuple[str, str]:
        """ACLED's ``source`` (names joined by "; ") and ``source_scale`` (distinct scales in ACLED's order,
        joined by "-", as in "National-International")."""
        outlets = [self.get(code) for code in dict.fromkeys(codes) if code]
        names = list(dict.fromkeys(o.name for o in outlets))
        scales = sorted({o.scale for o in outlets}, key=SCALES.index)
        return "; ".join(names), "-".join(scales)


# --- admin1 -----------------------------------------------------------------------------------------------------


@cache
def admin1_table() -> dict[tuple[str, str], str]:
    """(ISO2, folded place name) -> the admin1 it lies in, from places.tsv: an admin1 division's own name and
    aliases, its capital, and the regions that name their admin1."""
    found: dict[tuple[str, str], str] = {}
    capitals: dict[tuple[str, str], str] = {}
    if not PLACES_TSV.exists():
        return found
    for line in PLACES_TSV.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if fields[0] == "admin1" and len(fields) >= 4:
            code, name = fields[1], fields[3]
            aliases = fields[6].split("|") if len(fields) > 6 and fields[6] != "-" else []
            for surface in [name, *aliases]:
                found.setdefault((code, fold(surface)), name)
            if len(fields) > 4 and fields[4] != "-":
                capitals.setdefault((code, fold(fields[4])), name)
        elif fields[0] == "region" and len(fields) >= 6 and fields[5] != "-":
            code, name, admin1 = fields[1], fields[2], fields[5]
            aliases = fields[7].split("|") if len(fields) > 7 and fields[7] != "-" else []
            for surface in [name, *aliases]:
                found.setdefault((code, fold(surface)), admin1)
    for key, name in capitals.items():
        found.setdefault(key, name)  # a division's own name beats a capital of the same name
    return found


def admin1_of(event: dict[str, Any]) -> str | None:
    """The event's admin1: the store's, else the division the gazetteer data puts its place in."""
    if event.get("admin1"):
        return str(event["admin1"])
    iso2, place = event.get("iso2"), event.get("place")
    if not iso2 or not place or place == event.get("country"):
        return None
    return admin1_table().get((str(iso2), fold(str(place))))
