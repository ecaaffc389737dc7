"""What every exporter shares: streaming the canonical events (or stories) a list's filters select without loading
them all, the options and the report of one export, spreadsheet-safe CSV cells, the coded day of a partial date,
the outlet table and the admin1 names of the gazetteer's data (read as data: an export never imports a pipeline
stage)."""

from __future__ import annotations

import csv
import datetime as dt
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from kroniek.store import lists
from kroniek.store.links import iso3_prefix
from kroniek.store.query import get_stories, story_ids
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
    # only what these filters select, named as the API's: the event list's (EVENT_FILTERS, /api/lists/events,
    # ``sort`` included) for the event formats, the story list's (STORY_FILTERS) for ``json``; see check_filters
    filters: dict[str, str] = field(default_factory=dict)


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


# --- filters: an export of what a list shows ----------------------------------------------------------------

EVENT_FORMATS = ("acled", "plover", "plover-jsonl", "polecat", "geojson")  # the formats of events (not ``json``)
EVENT_FILTERS = (*lists.SPECS["events"].filters, "sort")  # the event list's filters, as /api/lists/events names them
STORY_FILTERS = ("q", "date_from", "date_to", "place", "outlet", "event_type")  # as /api/stories names them
MAX_TEXT = 200

def _unknown(filters: Mapping[str, Any], known: Iterable[str], what: str) -> None:
    known = tuple(known)
    unknown = [name for name in filters if name not in known]
    if unknown:
        shown = ", ".join(repr(name[:40]) for name in unknown[:10])
        takes = f"{what} takes {', '.join(known)}" if known else f"{what} takes no filters"
        raise lists.ListError(f"unknown parameter{'s' if len(unknown) > 1 else ''} {shown}; {takes}",
                              [f"{name[:40]}: unknown parameter" for name in unknown])


def event_request(filters: Mapping[str, str]) -> lists.ListRequest:
    """The event list's request for an export's filters (place spellings, outlet, country, dates... as
    /api/lists/events reads them); an unknown or bad filter is a ``ListError`` naming it."""
    _unknown(filters, EVENT_FILTERS, "an export of events")
    return lists.parse("events", list(filters.items()), PAGE, PAGE, default_facets=False)


def story_filters(filters: Mapping[str, str], what: str = "the stories JSON") -> dict[str, str | None]:
    """The keyword filters of ``list_stories`` for the stories JSON (or another ``what``), checked as
    /api/stories checks them."""
    _unknown(filters, STORY_FILTERS, what)
    problems: list[str] = []
    found: dict[str, str | None] = {}
    for name in STORY_FILTERS:
        value = str(filters.get(name) or "").strip()
        if len(value) > MAX_TEXT:
            problems.append(f"{name}: at most {MAX_TEXT} characters")
        elif value and name.startswith("date_"):
            try:
                value = dt.date.fromisoformat(value).isoformat()
            except ValueError:
                problems.append(f"{name}: not a date (YYYY-MM-DD)")
        found[name] = value or None
    if not problems and found["date_from"] and found["date_to"] and found["date_from"] > found["date_to"]:
        problems.append("date_from is after date_to")
    if problems:
        raise lists.ListError("invalid parameters: " + "; ".join(problems), problems)
    return found


def check_filters(fmt: str, filters: Mapping[str, str]) -> None:
    """Raise ``ListError`` (naming the filter) for a filter the format does not take or a bad value: the API and
    the CLI check before the first byte is written."""
    if fmt == "json":
        story_filters(filters)
    elif fmt in EVENT_FORMATS:
        event_request(filters)
    elif filters:
        _unknown(filters, (), f"the {fmt} export")


def iter_events(store: Store, options: ExportOptions | None = None, happened_only: bool = True,
                request: lists.ListRequest | None = None) -> Iterator[dict[str, Any]]:
    """Every canonical event (with the ``event_id_cnty`` the store assigned it) that ``request`` (default: the
    event list's filters in ``options.filters``, else every event) selects, in the list's order (timeline order
    unless sorted otherwise), streamed from one query; with ``options.since`` only those whose ``timestamp``
    (``updated_at`` in whole Unix seconds) is at or after it, as ACLED's API filters."""
    since = options.since if options is not None else None
    if request is None:
        request = event_request(options.filters if options is not None else {})
    for event in lists.iter_events(store, request, full=True):
        if since is not None and (unix_time(event.get("updated_at")) or 0) < since:
            continue
        if event.get("happened", True) or not happened_only:
            yield event


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
        # RFC 3339 allows a lower-case t and z and a leap second; Python's parser takes neither
        normal = re.sub(r"(?<=\d\d:\d\d:)60", "59", text.upper().replace("Z", "+00:00"))
        stamp = dt.datetime.fromisoformat(normal)
    except ValueError:
        raise ValueError(f"{text!r} is neither Unix seconds nor an ISO date or time") from None
    return unix_time(stamp) or 0


def iter_stories(store: Store, filters: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Every story (as ``get_story`` gives it) the story filters (``story_filters``) select, most recently active
    first: the ids from one query, the stories a batch at a time, each batch in a few queries (``get_stories``)."""
    yield from get_stories(store, story_ids(store, **(filters or {})))


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
    """ISO3 as ACLED writes it (XKX for Kosovo): the store's rule, the one its ids were made with."""
    return iso3_prefix(iso2)


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
