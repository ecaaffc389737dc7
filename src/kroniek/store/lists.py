"""Lists with facets, datasette-style: events, articles, places, actors and outlets, each filtered, sorted, paged,
with facet counts computed in the database over the whole filtered set (never over one page).

The read side for ``/events``, ``/articles``, ``/places``, ``/actors``, ``/outlets`` and their JSON twins. Filters
are the JSON API's (``kroniek.store.query``'s date and story filters are reused, so both agree) plus the facets'
own. A place or country filter accepts every spelling the gazetteer's data knows (``Kazachstan`` = ``Kazakhstan``,
``Den Haag`` = ``'s-Gravenhage`` = ``The Hague``): the analysis ships those names as data files, read here as data
(``analyse/nl/places.tsv``, ``analyse/acled_regions.tsv``), never by importing the analysis stage.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import gettext
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.dialects.postgresql import JSON as PgJSON
from sqlalchemy.engine import Connection

from kroniek.store import dates, schema
from kroniek.store import query as read_model
from kroniek.store.links import event_keys, key_value, loads
from kroniek.store.repository import Store, article_from_row

MAX_TEXT = 200  # as the API's text filters
MAX_OFFSET = 10_000_000
FACET_VALUES = 20  # values shown per facet (the most frequent); ``more`` says how many others there are
SUGGESTIONS = 15
PRECISIONS = ("datetime", "day", "week", "month", "year")
SUGGEST_KINDS = ("place", "actor", "outlet", "event_type")
_DATA = Path(__file__).resolve().parent.parent / "analyse"  # data files the analysis ships, read as data


class ListError(ValueError):
    """A bad list request: ``message`` for the answer, ``details`` one line per parameter."""

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


# --- names: the spellings of one place ------------------------------------------------------------------------

def fold(text: str) -> str:
    """A name for comparison: case, accents, apostrophe forms and spacing do not matter."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("`", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


@dataclass
class NameIndex:
    groups: dict[str, set[str]] = field(default_factory=dict)  # group id -> spellings
    by_fold: dict[str, set[str]] = field(default_factory=dict)  # folded spelling -> group ids
    country_code: dict[str, str] = field(default_factory=dict)  # folded country name or code -> ISO2
    country_name: dict[str, str] = field(default_factory=dict)  # ISO2 -> name as ACLED writes it

    def add(self, group: str, *names: str) -> None:
        for name in names:
            name = name.strip()
            if name and name != "-":
                self.groups.setdefault(group, set()).add(name)
                self.by_fold.setdefault(fold(name), set()).add(group)

    def spellings(self, name: str) -> set[str]:
        """Every spelling of the places a name can be, the name itself included."""
        found = {name.strip()}
        for group in self.by_fold.get(fold(name), ()):
            found |= self.groups[group]
        return found


def _tsv(path: Path) -> Iterable[list[str]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.split("\t")


@functools.cache
def names() -> NameIndex:
    """The place names of the gazetteer's data, built once per process (a few thousand entries)."""
    index = NameIndex()
    regions = _DATA / "acled_regions.tsv"
    for fields in _tsv(regions) if regions.exists() else []:
        if len(fields) >= 3 and len(fields[0]) == 2 and fields[0] != "iso2":
            code, name = fields[0], fields[2]
            index.country_name[code] = name
            index.country_code[fold(name)] = code
            index.country_code[fold(code)] = code
            index.add(f"c:{code}", name)
    try:  # Dutch country names as pycountry translates them (what the gazetteer itself indexes)
        import pycountry

        dutch = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["nl"], fallback=True)
        for country in pycountry.countries:
            translated = dutch.gettext(country.name)
            index.add(f"c:{country.alpha_2}", translated)
            index.country_code.setdefault(fold(translated), country.alpha_2)
    except ImportError:  # pragma: no cover - pycountry is a dependency
        pass
    places = _DATA / "nl" / "places.tsv"
    for fields in _tsv(places) if places.exists() else []:
        fields = fields + ["-"] * 8
        kind = fields[0]
        if kind == "alias":
            surface, target_kind, code, target = fields[1], fields[2], fields[3], fields[4]
            if target_kind == "country":
                index.add(f"c:{code}", surface)
                index.country_code.setdefault(fold(surface), code)
            elif target != "-" and not target.isdigit():
                index.add(f"n:{fold(target)}", surface, target)
        elif kind == "admin1":
            index.add(f"n:{fold(fields[3])}", fields[3], *fields[6].split("|"))
        elif kind in ("region", "town"):
            index.add(f"n:{fold(fields[2])}", fields[2], *fields[7].split("|"))
    return index


def place_keys(name: str) -> list[str]:
    """The facet keys (``link_event_keys.value``) a place filter matches: every spelling of the place."""
    return sorted({key_value(spelling) for spelling in names().spellings(name)})


def country_code(name: str) -> str:
    """ISO2 of a country given by code or by any of its names (Dutch or English); the text itself else."""
    index = names()
    return index.country_code.get(fold(name), name.strip().upper())


# --- parameters -----------------------------------------------------------------------------------------------

Parser = Callable[[str, str], Any]


def _text(name: str, value: str) -> str | None:
    if len(value) > MAX_TEXT:
        raise ValueError(f"{name}: at most {MAX_TEXT} characters")
    return value.strip() or None


def _day(name: str, value: str) -> str | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"{name}: not a date (YYYY-MM-DD)") from None


def _month(name: str, value: str) -> str | None:
    if not value:
        return None
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise ValueError(f"{name}: not a month (YYYY-MM)")
    return value


def _precision(name: str, value: str) -> str | None:
    if value and value not in PRECISIONS:
        raise ValueError(f"{name}: one of {', '.join(PRECISIONS)}")
    return value or None


def _bool(name: str, value: str) -> bool:
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}: true or false")


@dataclass(frozen=True)
class ListSpec:
    kind: str
    filters: Mapping[str, Parser]
    sorts: tuple[str, ...]
    default_sort: str
    facets: tuple[str, ...]
    extra: Mapping[str, Parser] = field(default_factory=dict)  # other parameters (``full``)


@dataclass
class ListRequest:
    spec: ListSpec
    filters: dict[str, Any]
    sort: str
    limit: int
    offset: int
    facets: tuple[str, ...]
    extra: dict[str, Any]
    given: dict[str, str] = field(default_factory=dict)  # the parameters as asked, for links (no offset)

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @property
    def column(self) -> str:
        return self.sort.lstrip("-")


_EVENT_FILTERS: dict[str, Parser] = {
    "story_id": _text, "place": _text, "actor": _text, "event_type": _text, "date_from": _day, "date_to": _day,
    "outlet": _text, "country": _text, "precision": _precision, "month": _month, "actor_type": _text}

SPECS: dict[str, ListSpec] = {
    "events": ListSpec("events", _EVENT_FILTERS, ("date", "event_type", "place", "country", "fatalities",
                                                  "updated"), "date",
                       ("event_type", "country", "place", "outlet", "actor_type", "precision", "month"),
                       {"full": _bool}),
    "articles": ListSpec("articles", {"outlet": _text, "story_id": _text, "date_from": _day, "date_to": _day,
                                      "language": _text, "precision": _precision, "month": _month},
                         ("arrival", "published", "outlet", "title"), "arrival",
                         ("outlet", "month", "precision", "language")),
    "places": ListSpec("places", {"place": _text, "country": _text, "event_type": _text, "date_from": _day,
                                  "date_to": _day, "prefix": _text},
                       ("name", "country", "events", "last"), "-events", ("country", "event_type")),
    "actors": ListSpec("actors", {"actor": _text, "place": _text, "country": _text, "event_type": _text,
                                  "date_from": _day, "date_to": _day, "prefix": _text},
                       ("name", "events", "last"), "-events", ("event_type", "country")),
    "outlets": ListSpec("outlets", {"date_from": _day, "date_to": _day, "language": _text, "month": _month,
                                    "prefix": _text},
                        ("name", "articles", "first", "last"), "-articles", ("language", "month")),
}


def parse(kind: str, params: Iterable[tuple[str, str]], page_size: int, max_page: int,
          default_facets: bool = True) -> ListRequest:
    """A list request from query parameters; an unknown or bad parameter is a ``ListError`` naming it.
    ``default_facets=False`` (the JSON API) computes facets only when ``facets=`` asks for them."""
    spec = SPECS[kind]
    known = {*spec.filters, *spec.extra, "sort", "limit", "offset", "facets"}
    values: dict[str, str] = {}
    unknown: list[str] = []
    for name, value in params:
        if name in known:
            values[name] = value
        elif name not in unknown:
            unknown.append(name)
    if unknown:
        shown = ", ".join(repr(name[:40]) for name in unknown[:10])
        raise ListError(f"unknown parameter{'s' if len(unknown) > 1 else ''} {shown}; this list takes "
                        f"{', '.join(sorted(known))}", [f"{name[:40]}: unknown parameter" for name in unknown])
    problems: list[str] = []
    filters: dict[str, Any] = {}
    for name, parser in spec.filters.items():
        try:
            filters[name] = parser(name, values.get(name, ""))
        except ValueError as error:
            problems.append(str(error))
    extra: dict[str, Any] = {}
    for name, parser in spec.extra.items():
        try:
            extra[name] = parser(name, values.get(name, ""))
        except ValueError as error:
            problems.append(str(error))
    limit, offset = page_size, 0
    for name, low, high in (("limit", 1, max_page), ("offset", 0, MAX_OFFSET)):
        raw = values.get(name, "")
        if raw == "":
            continue
        if not re.fullmatch(r"\d{1,9}", raw) or not low <= int(raw) <= high:
            problems.append(f"{name}: a whole number from {low} to {high}")
        elif name == "limit":
            limit = int(raw)
        else:
            offset = int(raw)
    sort = values.get("sort") or spec.default_sort
    if sort.lstrip("-") not in spec.sorts or sort.startswith("--"):
        problems.append(f"sort: one of {', '.join(spec.sorts)}, '-' before it for descending")
    wanted = values.get("facets")
    facets: tuple[str, ...] = spec.facets if default_facets else ()
    if wanted is not None:
        asked = [f.strip() for f in wanted.split(",") if f.strip()]
        facets = spec.facets if asked == ["all"] else tuple(asked)
        bad = [f for f in facets if f not in spec.facets]
        if bad:
            problems.append(f"facets: unknown facet {', '.join(repr(b[:40]) for b in bad)}; choose from "
                            f"{', '.join(spec.facets)} or all")
    if filters.get("date_from") and filters.get("date_to") and filters["date_from"] > filters["date_to"]:
        problems.append("date_from is after date_to")
    if problems:
        raise ListError("invalid parameters: " + "; ".join(problems), problems)
    given = {name: value for name, value in values.items() if value and name not in ("offset", "facets")}
    return ListRequest(spec, filters, sort, limit, offset, facets, extra, given)


def with_params(params: Mapping[str, Any], changes: Mapping[str, Any] | None = None, **more: Any) -> str:
    """A query string: ``params`` with ``changes`` applied (None removes one); empty values are left out."""
    merged = {**params, **(changes or {}), **more}
    return "?" + urlencode([(key, str(value)) for key, value in merged.items()
                            if value is not None and value != "" and value is not False])


# --- SQL helpers ----------------------------------------------------------------------------------------------

def _json_text(dialect: str, column: Any, key: str) -> ColumnElement[Any]:
    """One top-level field of a JSON text column as text, in each engine's own JSON functions."""
    if dialect == "postgresql":
        return func.json_extract_path_text(cast(column, PgJSON), key)
    return func.json_extract(column, f"$.{key}")


def _month_of(start: Any, end: Any) -> ColumnElement[Any]:
    """The month a date lies in (YYYY-MM), or NULL for one known only to the year or spanning two months: a
    year-dated event is no January event."""
    month = func.substr(start, 1, 7)
    return case((month == func.substr(func.coalesce(end, start), 1, 7), month), else_=None)


def _event_precision() -> ColumnElement[Any]:
    """The date precision of an event from its date columns (no JSON to read: a facet over every event stays a
    column scan): one day is "day" (a time of day included), a whole calendar year "year", a whole month "month",
    any other span "week"."""
    e = schema.events
    start, end = e.c.date_start, e.c.date_end
    return case(
        (start.is_(None), None), (or_(end.is_(None), start == end), "day"),
        (and_(func.substr(start, 6, 5) == "01-01", func.substr(end, 6, 5) == "12-31",
              func.substr(start, 1, 4) == func.substr(end, 1, 4)), "year"),
        (and_(func.substr(start, 9, 2) == "01", func.substr(start, 1, 7) == func.substr(end, 1, 7),
              func.substr(end, 9, 2) >= "28"), "month"),
        else_="week")


def _event_json(dialect: str, key: str) -> ColumnElement[Any]:
    e = schema.events
    return _json_text(dialect, func.coalesce(e.c.summary, e.c.data), key)


def _keys_of(kind: str, values: Iterable[str]) -> Any:
    k = event_keys
    return select(k.c.event_id).where(k.c.kind == kind, k.c.value.in_(sorted(set(values))))


def _event_filtered(dialect: str, query: Select[Any], f: Mapping[str, Any]) -> Select[Any]:
    """The filters of the event list: the read model's (story, actor, event type, dates) and the facets'."""
    e = schema.events
    query = read_model._event_query(query, story_id=f.get("story_id"), actor=f.get("actor"),
                                    event_type=f.get("event_type"), date_from=f.get("date_from"),
                                    date_to=f.get("date_to"))
    if f.get("place"):
        query = query.where(e.c.id.in_(_keys_of("place", place_keys(f["place"]))))
    if f.get("outlet"):
        query = query.where(e.c.id.in_(_keys_of("outlet", [key_value(f["outlet"])])))
    if f.get("country"):
        query = query.where(e.c.country == country_code(f["country"]))
    if f.get("month"):
        query = query.where(_month_of(e.c.date_start, e.c.date_end) == f["month"])
    if f.get("precision") == "datetime":  # the one precision the date columns cannot tell
        query = query.where(_event_json(dialect, "date_precision") == "datetime")
    elif f.get("precision"):
        query = query.where(_event_precision() == f["precision"])
    if f.get("actor_type"):
        wanted = f["actor_type"]
        query = query.where((_event_json(dialect, "actor1_type") == wanted)
                            | (_event_json(dialect, "actor2_type") == wanted))
    return query


def _order(column: Any, descending: bool) -> list[Any]:
    return [column.desc().nulls_last() if descending else column.asc().nulls_last()]


def _facet_rows(conn: Connection, value: Any, counted: Any, source: Select[Any], label: Any = None) -> tuple[
        list[dict[str, Any]], int]:
    """The most frequent values of ``value`` in ``source`` (a filtered select) with how many ``counted`` each
    has, and how many values there are in all."""
    sub = source.add_columns(value.label("facet_value"), counted.label("facet_owner"),
                             (label if label is not None else value).label("facet_label")).subquery()
    grouped = (select(sub.c.facet_value, func.min(sub.c.facet_label).label("label"),
                      func.count(sub.c.facet_owner.distinct()).label("n"))
               .where(sub.c.facet_value.is_not(None), sub.c.facet_value != "")
               .group_by(sub.c.facet_value))
    rows = list(conn.execute(grouped.order_by(func.count(sub.c.facet_owner.distinct()).desc(), sub.c.facet_value)
                             .limit(FACET_VALUES)))
    total = len(rows)
    if total == FACET_VALUES:
        total = int(conn.execute(select(func.count()).select_from(grouped.subquery())).scalar_one())
    return [{"value": str(r.facet_value), "label": str(r.label), "count": int(r.n)} for r in rows], total


def _rolled_up(conn: Connection, source: Select[Any], columns: Mapping[str, Any]) -> tuple[dict[str, tuple[
        list[dict[str, Any]], int]], int]:
    """Several one-value-per-row facets in one scan: the database groups the rows by all the columns at once and
    the groups (far fewer than the rows) are summed per facet. Each row has one value per column, so a group's
    count is its number of rows, as a facet of its own would count them; the groups' counts add up to the number
    of rows in ``source``, returned beside the facets (the list's total, without a count of its own)."""
    # a facet given as a tuple of columns counts a row once under each distinct value it has in them
    parts = [(name, index) for name in columns
             for index in range(len(columns[name]) if isinstance(columns[name], tuple) else 1)]
    exprs = [columns[name][index] if isinstance(columns[name], tuple) else columns[name] for name, index in parts]
    sub = source.add_columns(*(expr.label(f"f{i}") for i, expr in enumerate(exprs))).subquery()
    keys = [sub.c[f"f{i}"] for i in range(len(exprs))]
    counts: dict[str, dict[str, int]] = {name: {} for name in columns}
    rows_total = 0
    for row in conn.execute(select(*keys, func.count().label("n")).group_by(*keys)):
        rows_total += int(row.n)
        per_row: dict[str, set[str]] = {name: set() for name in columns}
        for (name, _index), value in zip(parts, row[:-1], strict=True):
            if value is not None and value != "":
                per_row[name].add(str(value))
        for name, values in per_row.items():
            for value in values:
                counts[name][value] = counts[name].get(value, 0) + int(row.n)
    found: dict[str, tuple[list[dict[str, Any]], int]] = {}
    for name, counted in counts.items():
        top = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_VALUES]
        found[name] = ([{"value": v, "label": v, "count": n} for v, n in top], len(counted))
    return found, rows_total


def _facets(conn: Connection, request: ListRequest, builders: Mapping[str, Callable[[], tuple[Any, ...]]],
            together: Mapping[str, Any] | None = None, source: Select[Any] | None = None,
            ) -> tuple[dict[str, dict[str, Any]], int | None]:
    """The requested facets: ``together`` (column expressions over ``source``) in one scan, the others each by
    its builder; and the number of rows in ``source`` when that scan ran (None else)."""
    found: dict[str, dict[str, Any]] = {}
    wanted = {name: together[name] for name in request.facets if together and name in together}
    rolled, rows_total = _rolled_up(conn, source, wanted) if wanted and source is not None else ({}, None)
    for name in request.facets:
        values, total = rolled[name] if name in rolled else _facet_rows(conn, *builders[name]())
        selected = request.filters.get(name)
        spellings = set(place_keys(selected)) if name == "place" and selected else set()
        for entry in values:  # the value the filter chose, in whichever spelling the filter was given
            entry["selected"] = selected is not None and (
                fold(str(selected)) in (fold(entry["value"]), fold(entry["label"]))
                or key_value(entry["value"]) in spellings
                or (name == "country" and country_code(str(selected)) == entry["value"]))
        found[name] = {"param": name, "values": values, "more": max(0, total - len(values)),
                       "selected": selected}
    return found, rows_total


def _page(conn: Connection, keys: Select[Any], order: list[Any], request: ListRequest, wide: Select[Any],
          key: Any, make: Callable[[Any], dict[str, Any]]) -> list[dict[str, Any]]:
    """One page of a list in two steps: the keys of the page (``keys``, sorted by ``order``, cut to the page),
    which the database sorts over narrow columns (an index, often) without reading the wide rows, then the wide
    rows (``wide``) of those keys only, each made into an item by ``make``, in the page's order. Sorting the wide
    rows themselves would read every matching row's JSON or text to keep fifty."""
    page = list(conn.execute(keys.order_by(*order).limit(request.limit).offset(request.offset)).scalars())
    if not page:
        return []
    rows = {getattr(row, key.name): row for row in conn.execute(wide.where(key.in_(page)))}
    return [make(rows[value]) for value in page if value in rows]


def _answer(request: ListRequest, items: list[dict[str, Any]], total: int,
            facets: dict[str, dict[str, Any]]) -> dict[str, Any]:
    following = request.offset + request.limit if request.offset + request.limit < total else None
    answer: dict[str, Any] = {"items": items, "total": total, "limit": request.limit, "offset": request.offset,
                              "next_offset": following, "sort": request.sort,
                              "filters": {k: v for k, v in request.filters.items() if v not in (None, "")}}
    if request.facets:
        answer["facets"] = facets
    return answer


# --- the answers' cache ---------------------------------------------------------------------------------------
#
# Facets and grouped lists scan every matching row (a whole-table GROUP BY at 100k events costs seconds on
# SQLite, whose wide event rows hold their JSON). Answers are kept per request and served again as long as the
# store's change marker (counts and arrival numbers read from indexes, and every stage's progress mark, which a
# pipeline run moves) is the same and the answer is younger than CACHE_SECONDS (which bounds the one case the
# marker can miss: an old article's update re-linked to the same counts).

CACHE_SECONDS = 60.0
CACHE_ANSWERS = 256
_cache: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], float, dict[str, Any]]] = OrderedDict()
_cache_lock = threading.Lock()


def change_marker(conn: Connection) -> tuple[Any, ...]:
    """What changes when the store's lists can: cheap reads (primary keys and a small table)."""
    e, a, m, marks = schema.events, schema.articles, schema.merges, schema.stage_marks
    return (conn.execute(select(func.count()).select_from(e)).scalar_one(),
            conn.execute(select(func.max(a.c.seq))).scalar_one(), conn.execute(select(func.max(m.c.seq))).scalar_one(),
            tuple(tuple(row) for row in conn.execute(select(marks.c.stage, marks.c.seq).order_by(marks.c.stage))))


def _kept(store: Store, key: tuple[Any, ...], compute: Callable[[], Any], shared: bool = False) -> Any:
    """``compute()``, or the value kept under ``key`` while the store's change marker is the same (and the value
    is younger than CACHE_SECONDS); a copy either way, so a caller may change what it gets, unless ``shared``
    (a value nobody can change, kept and handed out as it is: copying thousands of map points would cost more
    than reading them)."""
    key = (id(store.engine), store.engine.url.render_as_string(), *key)
    with store.engine.connect() as conn:
        marker = change_marker(conn)
    now = time.monotonic()
    with _cache_lock:
        kept = _cache.get(key)
        if kept is not None and kept[0] == marker and now - kept[1] < CACHE_SECONDS:
            _cache.move_to_end(key)
            return kept[2] if shared else copy.deepcopy(kept[2])
    value = compute()
    with _cache_lock:
        _cache[key] = (marker, now, value if shared else copy.deepcopy(value))
        while len(_cache) > CACHE_ANSWERS:
            _cache.popitem(last=False)
    return value


def cached(store: Store, request: ListRequest, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``compute()``'s answer, or the same answer kept from a request with the same parameters while the store
    has not changed. Full events (``full=true``, large) are never kept."""
    if request.extra.get("full"):
        return compute()
    return dict(_kept(store, ("answer", request.spec.kind, tuple(sorted(request.filters.items())), request.sort,
                              request.limit, request.offset, request.facets), compute))


def counted(store: Store, request: ListRequest,
            compute: Callable[[], tuple[int, dict[str, dict[str, Any]]]]) -> tuple[int, dict[str, dict[str, Any]]]:
    """The total and the facets of a list request: they depend on its filters only, so every sort and page of one
    filtered list shares them (a deep page or another sort does not count the whole set again)."""
    total, facets = _kept(store, ("counts", request.spec.kind, tuple(sorted(request.filters.items())),
                                  request.facets), compute)
    return int(total), facets


# --- events ---------------------------------------------------------------------------------------------------

def list_events(store: Store, request: ListRequest) -> dict[str, Any]:
    """A page of canonical events (summaries unless ``full``), its total and the facets of the filtered set."""
    e = schema.events
    dialect = store.engine.dialect.name
    full = bool(request.extra.get("full"))
    columns = {"date": e.c.date_start, "event_type": e.c.event_type, "place": e.c.place, "country": e.c.country,
               "fatalities": e.c.fatalities, "updated": e.c.updated_at}
    order = [*_order(columns[request.column], request.descending), e.c.date_start.asc().nulls_last(), e.c.id]

    def owners() -> Select[Any]:
        return _event_filtered(dialect, select(e.c.id).select_from(e), request.filters)

    def actor_types() -> tuple[Any, ...]:
        ids = owners().subquery()
        both = union_all(
            select(e.c.id.label("owner"), _event_json(dialect, "actor1_type").label("v"))
            .where(e.c.id.in_(select(ids.c.id))),
            select(e.c.id.label("owner"), _event_json(dialect, "actor2_type").label("v"))
            .where(e.c.id.in_(select(ids.c.id)))).subquery()
        return both.c.v, both.c.owner, select().select_from(both)

    def outlets() -> tuple[Any, ...]:
        k = event_keys
        source = select().select_from(k).where(k.c.kind == "outlet", k.c.event_id.in_(owners()))
        return k.c.value, k.c.event_id, source, k.c.label

    builders: dict[str, Callable[[], tuple[Any, ...]]] = {
        "event_type": lambda: (e.c.event_type, e.c.id, _event_filtered(dialect, select().select_from(e),
                                                                         request.filters)),
        "country": lambda: (e.c.country, e.c.id, _event_filtered(dialect, select().select_from(e),
                                                                   request.filters)),
        "place": lambda: (e.c.place, e.c.id, _event_filtered(dialect, select().select_from(e), request.filters)),
        "month": lambda: (_month_of(e.c.date_start, e.c.date_end), e.c.id,
                          _event_filtered(dialect, select().select_from(e), request.filters)),
        "precision": lambda: (_event_precision(), e.c.id,
                              _event_filtered(dialect, select().select_from(e), request.filters)),
        "actor_type": actor_types, "outlet": outlets}
    def count_all() -> tuple[int, dict[str, dict[str, Any]]]:
        together = {"event_type": e.c.event_type, "country": e.c.country, "place": e.c.place,
                    "month": _month_of(e.c.date_start, e.c.date_end), "precision": _event_precision(),
                    "actor_type": (_event_json(dialect, "actor1_type"), _event_json(dialect, "actor2_type"))}
        with store.engine.connect() as conn:
            facets, rows = _facets(conn, request, builders, together,
                                   _event_filtered(dialect, select().select_from(e), request.filters))
            if rows is None:
                rows = conn.execute(_event_filtered(dialect, select(func.count()).select_from(e),
                                                    request.filters)).scalar_one()
        return int(rows), facets

    with store.engine.connect() as conn:
        items = _page(conn, _event_filtered(dialect, select(e.c.id).select_from(e), request.filters), order,
                      request, select(*read_model._columns(full)).select_from(e), e.c.id,
                      lambda row: read_model._event_from(row, full))
    if request.filters.get("date_from") or request.filters.get("date_to"):  # "possibly" where only overlapping
        read_model.mark_date_match(items, request.filters.get("date_from"), request.filters.get("date_to"))
    total, facets = counted(store, request, count_all)
    country_names = names().country_name
    for entry in facets.get("country", {}).get("values", []):
        entry["label"] = country_names.get(entry["value"], entry["value"])
    for entry in facets.get("outlet", {}).get("values", []):
        entry["value"] = entry["label"]  # the outlet as written (the filter folds case)
    return _answer(request, items, total, facets)


# --- articles -------------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\u00C0-\u024F\"'‘“(])")
TITLE_CHARACTERS = 110


def title_from_text(text: str) -> str:
    """A title for an untitled article: its first sentence (its first line's, at most TITLE_CHARACTERS)."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    sentence = _SENTENCE_END.split(line, maxsplit=1)[0].strip()
    if len(sentence) > TITLE_CHARACTERS:
        cut = sentence[:TITLE_CHARACTERS].rsplit(" ", 1)[0] or sentence[:TITLE_CHARACTERS]
        return cut.rstrip(",;:") + "…"
    return sentence


def _article_filtered(query: Select[Any], f: Mapping[str, Any]) -> Select[Any]:
    a = schema.articles
    if f.get("outlet"):
        query = query.where(a.c.outlet == f["outlet"])
    if f.get("story_id"):
        sa = schema.story_articles
        query = query.where(a.c.id.in_(select(sa.c.article_id).where(sa.c.story_id == f["story_id"])))
    if f.get("date_from"):  # a month-dated article overlaps the days of its month
        query = query.where(func.coalesce(a.c.published_end, a.c.published_start) >= f["date_from"])
    if f.get("date_to"):
        query = query.where(a.c.published_start <= f["date_to"])
    if f.get("language"):
        query = query.where(a.c.language == f["language"])
    if f.get("precision"):
        query = query.where(a.c.date_precision == f["precision"])
    if f.get("month"):
        query = query.where(_month_of(a.c.published_start, a.c.published_end) == f["month"])
    return query


_HEAD = 600  # characters of an article read for a title from its first sentence


def list_articles(store: Store, request: ListRequest) -> dict[str, Any]:
    """A page of articles (without their text; ``display_title`` is the title, or the first sentence of an
    untitled article), its total and the facets."""
    a = schema.articles
    columns = {"arrival": a.c.seq, "published": a.c.published_start, "outlet": a.c.outlet, "title": a.c.title}
    wanted = [c for c in a.c if c.name != "text"] + [func.substr(a.c.text, 1, _HEAD).label("text")]
    # arrival numbers are never NULL: without NULLS LAST, which no index answers, a deep page walks the key
    order = ([a.c.seq.desc() if request.descending else a.c.seq.asc()] if request.column == "arrival"
             else [*_order(columns[request.column], request.descending), a.c.seq])
    # one article is one row, so every facet is one value per row: all of them in one scan (of ix_articles_lists)
    together = {"outlet": a.c.outlet, "month": _month_of(a.c.published_start, a.c.published_end),
                "precision": a.c.date_precision, "language": a.c.language}

    def count_all() -> tuple[int, dict[str, dict[str, Any]]]:
        with store.engine.connect() as conn:
            facets, rows = _facets(conn, request, {}, together,
                                   _article_filtered(select().select_from(a), request.filters))
            if rows is None:
                rows = conn.execute(_article_filtered(select(func.count()).select_from(a), request.filters)
                                    ).scalar_one()
        return int(rows), facets

    def item(row: Any) -> dict[str, Any]:
        article = article_from_row(row).to_dict()
        head = article.pop("text") or ""
        article["arrival"] = row.seq
        article["display_title"] = row.title or title_from_text(head) or row.id
        article["untitled"] = not row.title
        return article

    with store.engine.connect() as conn:
        items = _page(conn, _article_filtered(select(a.c.seq), request.filters), order, request,
                      select(*wanted), a.c.seq, item)
    total, facets = counted(store, request, count_all)
    return _answer(request, items, total, facets)


# --- places, actors, outlets ----------------------------------------------------------------------------------

def _prefix(column: Any, prefix: str, dialect: str, folded: bool = False) -> Any:
    """``column`` starts with ``prefix`` (``%`` and ``_`` literal); on SQLite also as a range on the binary
    collation, which its index can answer."""
    text = key_value(prefix) if folded else prefix
    condition = column.startswith(text, autoescape=True)
    if dialect == "sqlite" and folded:
        condition = and_(column >= text, column < text + "\U0010ffff", condition)
    return condition


def list_places(store: Store, request: ListRequest) -> dict[str, Any]:
    """Places of active events (name and country) with their number of events, last date and mean position."""
    e = schema.events
    dialect = store.engine.dialect.name
    f = request.filters
    event_filters = {key: f.get(key) for key in ("place", "country", "event_type", "date_from", "date_to")}

    def source() -> Select[Any]:
        query = _event_filtered(dialect, select().select_from(e), event_filters).where(e.c.place.is_not(None))
        if f.get("prefix"):
            query = query.where(func.lower(e.c.place).startswith(f["prefix"].lower(), autoescape=True))
        return query

    place_key = e.c.place + literal("\t") + func.coalesce(e.c.country, "")
    events_n = func.count().label("events")
    last = func.max(e.c.date_start).label("last")
    grouped = (source().add_columns(e.c.place.label("name"), e.c.country.label("iso2"), events_n, last,
                                    func.avg(e.c.latitude).label("latitude"),
                                    func.avg(e.c.longitude).label("longitude"))
               .group_by(e.c.place, e.c.country))
    sub = grouped.subquery()
    columns = {"name": sub.c.name, "country": sub.c.iso2, "events": sub.c.events, "last": sub.c.last}
    order = [*_order(columns[request.column], request.descending), sub.c.name, sub.c.iso2]
    builders: dict[str, Callable[[], tuple[Any, ...]]] = {
        "country": lambda: (e.c.country, place_key, source()),
        "event_type": lambda: (e.c.event_type, place_key, source())}
    country_names = names().country_name

    def count_all() -> tuple[int, dict[str, dict[str, Any]]]:
        with store.engine.connect() as conn:
            return (int(conn.execute(select(func.count()).select_from(sub)).scalar_one()),
                    _facets(conn, request, builders)[0])

    with store.engine.connect() as conn:
        rows = conn.execute(select(sub).order_by(*order).limit(request.limit).offset(request.offset))
        items = [{"name": r.name, "iso2": r.iso2, "country": country_names.get(r.iso2 or "", r.iso2),
                  "count": int(r.events), "last": r.last, "latitude": r.latitude, "longitude": r.longitude}
                 for r in rows]
    total, facets = counted(store, request, count_all)
    for entry in facets.get("country", {}).get("values", []):
        entry["label"] = country_names.get(entry["value"], entry["value"])
    return _answer(request, items, total, facets)


def list_actors(store: Store, request: ListRequest) -> dict[str, Any]:
    """Actors of active events (actor1, actor2, associated actors) with their number of events and last date."""
    e, k = schema.events, event_keys
    dialect = store.engine.dialect.name
    f = request.filters
    event_filters = {key: f.get(key) for key in ("place", "country", "event_type", "date_from", "date_to",
                                                 "actor")}

    def source() -> Select[Any]:
        query = _event_filtered(dialect, select().select_from(k.join(e, e.c.id == k.c.event_id)), event_filters)
        query = query.where(k.c.kind == "actor")
        if f.get("prefix"):
            query = query.where(_prefix(k.c.value, f["prefix"], dialect, folded=True))
        return query

    grouped = (source().add_columns(k.c.value.label("key"), func.min(k.c.label).label("name"),
                                    func.count(k.c.event_id.distinct()).label("events"),
                                    func.max(e.c.date_start).label("last")).group_by(k.c.value))
    sub = grouped.subquery()
    columns = {"name": sub.c.key, "events": sub.c.events, "last": sub.c.last}
    order = [*_order(columns[request.column], request.descending), sub.c.key]
    builders: dict[str, Callable[[], tuple[Any, ...]]] = {
        "event_type": lambda: (e.c.event_type, k.c.value, source()),
        "country": lambda: (e.c.country, k.c.value, source())}

    def count_all() -> tuple[int, dict[str, dict[str, Any]]]:
        with store.engine.connect() as conn:
            return (int(conn.execute(select(func.count()).select_from(sub)).scalar_one()),
                    _facets(conn, request, builders)[0])

    with store.engine.connect() as conn:
        rows = conn.execute(select(sub).order_by(*order).limit(request.limit).offset(request.offset))
        items = [{"name": r.name, "count": int(r.events), "last": r.last} for r in rows]
    total, facets = counted(store, request, count_all)
    country_names = names().country_name
    for entry in facets.get("country", {}).get("values", []):
        entry["label"] = country_names.get(entry["value"], entry["value"])
    return _answer(request, items, total, facets)


def list_outlets(store: Store, request: ListRequest) -> dict[str, Any]:
    """Outlets with their number of articles and first and last publication."""
    a = schema.articles
    f = request.filters

    def source() -> Select[Any]:
        query = _article_filtered(select().select_from(a), {key: f.get(key) for key in
                                                           ("date_from", "date_to", "language", "month")})
        if f.get("prefix"):
            query = query.where(func.lower(a.c.outlet).startswith(f["prefix"].lower(), autoescape=True))
        return query

    grouped = (source().add_columns(a.c.outlet.label("name"), func.count().label("articles"),
                                    func.min(a.c.published_start).label("first"),
                                    func.max(a.c.published_start).label("last")).group_by(a.c.outlet))
    sub = grouped.subquery()
    columns = {"name": sub.c.name, "articles": sub.c.articles, "first": sub.c.first, "last": sub.c.last}
    order = [*_order(columns[request.column], request.descending), sub.c.name]
    builders: dict[str, Callable[[], tuple[Any, ...]]] = {
        "language": lambda: (a.c.language, a.c.outlet, source()),
        "month": lambda: (_month_of(a.c.published_start, a.c.published_end), a.c.outlet, source())}

    def count_all() -> tuple[int, dict[str, dict[str, Any]]]:
        with store.engine.connect() as conn:
            return (int(conn.execute(select(func.count()).select_from(sub)).scalar_one()),
                    _facets(conn, request, builders)[0])

    with store.engine.connect() as conn:
        rows = conn.execute(select(sub).order_by(*order).limit(request.limit).offset(request.offset))
        items = [{"name": r.name, "articles": int(r.articles), "first": r.first, "last": r.last} for r in rows]
    total, facets = counted(store, request, count_all)
    return _answer(request, items, total, facets)


# --- the map's points -------------------------------------------------------------------------------------------

# What a map marker and its popup show (``serve.maps.feature_collection``), as the event summaries hold them.
MAP_FIELDS = ("date", "date_start", "date_end", "date_precision", "event_type", "sub_event_type", "place", "country",
              "geo_precision", "actor1", "actor2", "latitude", "longitude")


def _map_point(row: Any) -> Mapping[str, Any]:
    """The fields of one event a map shows, with the date and label ``query.list_events`` gives it (a read-only
    mapping: the points are kept and shared between requests)."""
    data = loads(row.summary or row.data)
    point = {key: data.get(key) for key in MAP_FIELDS}
    point.update(id=row.id, story_id=row.story_id, fatalities=row.fatalities, happened=data.get("happened", True))
    if "date_precision" in data:
        dates.honest_event_date(point)
        point["date_label"] = dates.display_date(point.get("date_start"), point.get("date_precision"))
    return MappingProxyType(point)


def _map_points(store: Store, limit: int, filters: Mapping[str, str | None]) -> tuple[tuple[Mapping[str, Any], ...],
                                                                                       int]:
    e = schema.events
    wide = [e.c.id, e.c.story_id, e.c.fatalities, e.c.summary,
            case((e.c.summary.is_(None), e.c.data), else_=None).label("data")]  # data only for rows before summaries
    with store.engine.connect() as conn:
        dated = read_model._event_query(select(*wide), **filters).where(e.c.date_start.is_not(None))
        rows = list(conn.execute(dated.order_by(e.c.date_start, e.c.id).limit(limit)))
        if len(rows) < limit and not (filters.get("date_from") or filters.get("date_to")):
            undated = read_model._event_query(select(*wide), **filters).where(e.c.date_start.is_(None))
            rows += conn.execute(undated.order_by(e.c.id).limit(limit - len(rows))).all()
        total = len(rows) if len(rows) < limit else int(conn.execute(
            read_model._event_query(select(func.count()).select_from(e), **filters)).scalar_one())
    return tuple(_map_point(row) for row in rows), total


def map_events(store: Store, limit: int, story_id: str | None = None, place: str | None = None,
               actor: str | None = None, event_type: str | None = None, date_from: str | None = None,
               date_to: str | None = None) -> tuple[tuple[Mapping[str, Any], ...], int]:
    """The events of a map (at most ``limit``, in ``query.list_events``' order and with its filters) with only the
    fields a marker shows, and how many events matched in all. Kept while the store is unchanged, as the lists
    are: a map of the whole store reads thousands of events."""
    filters = {"story_id": story_id, "place": place, "actor": actor, "event_type": event_type,
               "date_from": date_from, "date_to": date_to}
    points, total = _kept(store, ("map", tuple(sorted(filters.items())), limit),
                          lambda: _map_points(store, limit, filters), shared=True)
    return points, int(total)


_COMPUTE: dict[str, Callable[[Store, ListRequest], dict[str, Any]]] = {
    "events": list_events, "articles": list_articles, "places": list_places, "actors": list_actors,
    "outlets": list_outlets}


def answer(store: Store, request: ListRequest) -> dict[str, Any]:
    """The answer of one list request (from the cache while the store is unchanged)."""
    return cached(store, request, lambda: _COMPUTE[request.spec.kind](store, request))


LISTS: dict[str, Callable[[Store, ListRequest], dict[str, Any]]] = dict.fromkeys(_COMPUTE, answer)


# --- suggestions for the pick-lists ---------------------------------------------------------------------------

def suggest(store: Store, kind: str, prefix: str, limit: int = SUGGESTIONS) -> list[str]:
    """Names of ``kind`` in the store that start with ``prefix`` (case and, for places, spelling do not matter:
    ``Kazach`` suggests Kazakhstan), most used first, at most ``limit``."""
    if kind not in SUGGEST_KINDS:
        raise ListError(f"kind: one of {', '.join(SUGGEST_KINDS)}", [f"kind: one of {', '.join(SUGGEST_KINDS)}"])
    if not prefix.strip() or len(prefix) > MAX_TEXT:
        raise ListError(f"prefix: 1 to {MAX_TEXT} characters", [f"prefix: 1 to {MAX_TEXT} characters"])
    k = event_keys
    dialect = store.engine.dialect.name
    keys: set[str] = set()
    if kind == "place":  # other spellings that start so: "Kazach" finds the events under "Kazakhstan"
        wanted = fold(prefix)
        index = names()
        for spelling in sorted(s for s in index.by_fold if s.startswith(wanted))[:50]:
            for group in index.by_fold[spelling]:
                keys |= {key_value(name) for name in index.groups[group]}
    found: dict[str, int] = {}
    with store.engine.connect() as conn:
        by_prefix = (select(k.c.value, func.min(k.c.label).label("label"), func.count().label("n"))
                     .where(k.c.kind == kind, _prefix(k.c.value, prefix, dialect, folded=True))
                     .group_by(k.c.value).order_by(func.count().desc(), k.c.value).limit(limit))
        for row in conn.execute(by_prefix):
            found[str(row.label)] = int(row.n)
        if keys and len(found) < limit:
            other = (select(k.c.value, func.min(k.c.label).label("label"), func.count().label("n"))
                     .where(k.c.kind == kind, k.c.value.in_(sorted(keys)[:500]))
                     .group_by(k.c.value).order_by(func.count().desc(), k.c.value).limit(limit))
            for row in conn.execute(other):
                found.setdefault(str(row.label), int(row.n))
    return [label for label, _ in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]


# --- every matching event, not one page (downloads and exports) -----------------------------------------------

def iter_events(store: Store, request: ListRequest, full: bool = True) -> Iterable[dict[str, Any]]:
    """Every event of an event-list request in its sort (the page's order, all pages), read in one streamed
    query, with ``date_match`` where a date filter only overlaps an event (as the page marks it)."""
    e = schema.events
    dialect = store.engine.dialect.name
    columns = {"date": e.c.date_start, "event_type": e.c.event_type, "place": e.c.place, "country": e.c.country,
               "fatalities": e.c.fatalities, "updated": e.c.updated_at}  # as list_events sorts
    query = _event_filtered(dialect, select(*read_model._columns(full)).select_from(e), request.filters)
    query = query.order_by(*_order(columns[request.column], request.descending), e.c.date_start.asc().nulls_last(),
                           e.c.id)
    date_from, date_to = request.filters.get("date_from"), request.filters.get("date_to")
    with store.engine.connect() as conn:
        for row in conn.execution_options(stream_results=True, yield_per=500).execute(query):
            event = read_model._event_from(row, full)
            if date_from or date_to:
                read_model.mark_date_match([event], date_from, date_to)
            yield event
