"""Downloads of what a list or story page shows: CSV, JSON and GeoJSON (and ACLED CSV for events) with the page's
filters and sort, every matching row (not only the page on screen) and the page's columns plus ids.

The rows come from the read model the pages read (``kroniek.store.lists``, ``kroniek.store.query``): events are
streamed from one query (``lists.iter_events``), the other lists are read a large page at a time, a story's
events are those its page shows (the hidden ones too with ``all``). Every writer streams: a row is written as soon
as it is read. The routes are ``/api/lists/{kind}/export/{fmt}``, ``/api/stories/export/{fmt}`` and
``/api/stories/{id}/export/{fmt}`` (see ``kroniek.serve.app``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TextIO

from kroniek.export.common import ExportReport, SafeWriter
from kroniek.store import lists, query
from kroniek.store.repository import Store

# format -> (media type, file extension)
MEDIA = {"csv": ("text/csv; charset=utf-8", "csv"), "json": ("application/json", "json"),
         "geojson": ("application/geo+json", "geojson"), "acled": ("text/csv; charset=utf-8", "csv")}

# what each page offers: GeoJSON where its rows have coordinates, ACLED CSV where they are events
FORMATS: dict[str, tuple[str, ...]] = {
    "events": ("csv", "json", "geojson", "acled"), "articles": ("csv", "json"),
    "places": ("csv", "json", "geojson"), "actors": ("csv", "json"), "outlets": ("csv", "json"),
    "stories": ("csv", "json"), "story": ("csv", "json", "geojson", "acled")}

# what the download routes answer, for their OpenAPI description (by media type)
CONTENT: dict[str, dict[str, Any]] = {
    "text/csv": {"schema": {"type": "string"}, "example": "id,story_id,date,date_start,…"},
    "application/json": {"schema": {
        "type": "object", "required": ["kind", "selection", "columns", "items", "total"],
        "properties": {"kind": {"type": "string"}, "selection": {"type": "object"},
                       "columns": {"type": "array", "items": {"type": "string"}},
                       "items": {"type": "array", "items": {"type": "object"}}, "total": {"type": "integer"}}}},
    "application/geo+json": {"schema": {
        "type": "object", "required": ["type", "features"],
        "properties": {"type": {"const": "FeatureCollection"}, "features": {"type": "array", "items": {
            "type": "object", "required": ["type", "geometry", "properties"],
            "properties": {"type": {"const": "Feature"}, "geometry": {"type": "object"},
                           "properties": {"type": "object"}}}},
            "unlocated": {"type": "integer"}}}},
}

LIST_KINDS = ("events", "articles", "places", "actors", "outlets")
PAGE = 2000  # rows read at a time from the lists that are not streamed from one query

EVENT_COLUMNS = ["id", "story_id", "date", "date_start", "date_end", "date_precision", "date_basis", "date_match",
                 "event_type", "sub_event_type", "place", "country", "actor1", "actor2", "fatalities", "sources",
                 "contexts", "happened"]
# a story's page shows each event's one-line summary and its PLOVER type too
STORY_EVENT_COLUMNS = [*EVENT_COLUMNS[:8], "line", *EVENT_COLUMNS[8:10], "plover_type", "plover_mode",
                       *EVENT_COLUMNS[10:]]
COLUMNS: dict[str, list[str]] = {
    "events": EVENT_COLUMNS,
    "articles": ["id", "title", "untitled", "outlet", "published_at", "date_precision", "arrival"],
    "places": ["name", "iso2", "country", "events", "last"],
    "actors": ["name", "events", "last"],
    "outlets": ["name", "articles", "first", "last"],
    "stories": ["id", "title", "first_seen", "first_seen_date", "last_seen", "last_seen_date", "date_match",
                "article_count", "outlet_count", "outlets", "places", "event_types"],
    "story": STORY_EVENT_COLUMNS,
}
LIST_SEPARATOR = "; "  # a list in one CSV cell (JSON keeps lists as lists)


class DownloadError(ValueError):
    """A download that cannot be given: an unknown format, parameter or value (``details`` one line each)."""

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or [message]


@dataclasses.dataclass
class Rows:
    """What one download writes: its rows (with ``latitude``/``longitude`` where they have coordinates), their
    columns, and what they were selected by (written into the JSON)."""

    kind: str
    columns: list[str]
    items: Iterable[dict[str, Any]]
    selection: dict[str, Any]


def check_format(kind: str, fmt: str) -> None:
    if fmt not in FORMATS[kind]:
        raise DownloadError(f"format {fmt[:20]!r}: the {kind} download is one of {', '.join(FORMATS[kind])}")


# --- rows as the pages show them ------------------------------------------------------------------------------

def event_row(event: Mapping[str, Any]) -> dict[str, Any]:
    """An event as a list row: its date as shown ("January 2022") with the period it stands for, type, place,
    actors, fatalities and sources, and where it is (for GeoJSON)."""
    return {
        "id": event.get("id"), "story_id": event.get("story_id"),
        "date": event.get("date_label") or event.get("date_start"), "date_start": event.get("date_start"),
        "date_end": event.get("date_end") or event.get("date_start"), "date_precision": event.get("date_precision"),
        "date_basis": event.get("date_basis"), "date_match": event.get("date_match"),
        "line": event.get("line"), "event_type": event.get("event_type"),
        "sub_event_type": event.get("sub_event_type"), "plover_type": event.get("plover_type"),
        "plover_mode": event.get("plover_mode"), "place": event.get("place"), "country": event.get("country"),
        "actor1": event.get("actor1"), "actor2": event.get("actor2"), "fatalities": event.get("fatalities"),
        "sources": list(event.get("outlets") or []), "contexts": list(event.get("contexts") or []),
        "happened": bool(event.get("happened", True)),
        "latitude": event.get("latitude"), "longitude": event.get("longitude"),
    }


def _article_row(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": item.get("id"), "title": item.get("display_title"), "untitled": bool(item.get("untitled")),
            "outlet": item.get("outlet"), "published_at": item.get("published_at"),
            "date_precision": item.get("date_precision"), "arrival": item.get("arrival")}


def _place_row(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": item.get("name"), "iso2": item.get("iso2"), "country": item.get("country"),
            "events": item.get("count"), "last": item.get("last"), "latitude": item.get("latitude"),
            "longitude": item.get("longitude")}


def _actor_row(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": item.get("name"), "events": item.get("count"), "last": item.get("last")}


def _outlet_row(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": item.get("name"), "articles": item.get("articles"), "first": item.get("first"),
            "last": item.get("last")}


def _story_row(story: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": story.get("id"), "title": story.get("title"),
            "first_seen": story.get("first_seen_label") or story.get("first_seen"),
            "first_seen_date": story.get("first_seen"),
            "last_seen": story.get("last_seen_label") or story.get("last_seen"),
            "last_seen_date": story.get("last_seen"), "date_match": story.get("date_match"),
            "article_count": story.get("article_count"), "outlet_count": story.get("outlet_count"),
            "outlets": list(story.get("outlets") or []), "places": list(story.get("places") or []),
            "event_types": list(story.get("event_types") or [])}


_LIST_ROWS: dict[str, tuple[Callable[[Store, lists.ListRequest], dict[str, Any]],
                            Callable[[Mapping[str, Any]], dict[str, Any]]]] = {
    "articles": (lists.list_articles, _article_row), "places": (lists.list_places, _place_row),
    "actors": (lists.list_actors, _actor_row), "outlets": (lists.list_outlets, _outlet_row)}


# --- selecting the rows ---------------------------------------------------------------------------------------

def list_request(kind: str, params: Iterable[tuple[str, str]]) -> lists.ListRequest:
    """The list request of a download: the page's filters and sort as ``/api/lists/{kind}`` reads them (place
    spellings, prefixes...); paging and facets are no download's (it has every row) and are refused by name."""
    if kind not in LIST_KINDS:
        raise DownloadError(f"no list {kind[:40]!r}; choose from {', '.join(LIST_KINDS)}")
    given = list(params)
    known = (*lists.SPECS[kind].filters, "sort")
    paging = sorted({name for name, _ in given if name in ("limit", "offset", "facets", "full")})
    unknown = sorted({name for name, _ in given if name not in known} - set(paging))
    problems = [f"{name}: a download has every matching row, so no {name}" for name in paging]
    problems += [f"{name[:40]}: unknown parameter" for name in unknown]
    if problems:
        raise DownloadError(f"{'; '.join(problems)}; the {kind} download takes {', '.join(known)}", problems)
    try:
        return lists.parse(kind, given, PAGE, PAGE, default_facets=False)
    except lists.ListError as error:
        raise DownloadError(error.message, error.details) from None


def list_rows(store: Store, kind: str, request: lists.ListRequest) -> Rows:
    """Every row of a list request in its sort."""
    selection = {"filters": {k: v for k, v in request.filters.items() if v not in (None, "")},
                 "sort": request.sort}
    if kind == "events":
        items: Iterable[dict[str, Any]] = (event_row(e) for e in lists.iter_events(store, request, full=False))
    else:
        items = _paged(store, kind, request)
    return Rows(kind, COLUMNS[kind], items, selection)


def _paged(store: Store, kind: str, request: lists.ListRequest) -> Iterator[dict[str, Any]]:
    compute, shape = _LIST_ROWS[kind]
    offset = 0
    while True:
        answer = compute(store, dataclasses.replace(request, limit=PAGE, offset=offset, facets=()))
        for item in answer["items"]:
            yield shape(item)
        if answer.get("next_offset") is None:
            return
        offset = int(answer["next_offset"])


def story_list_rows(store: Store, filters: Mapping[str, str | None]) -> Rows:
    """Every story the story list's filters (``common.story_filters``) select, most recently active first."""
    def items() -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = query.list_stories(store, limit=PAGE, offset=offset, events_per_story=0, **filters)
            yield from (_story_row(story) for story in page)
            if len(page) < PAGE:
                return
            offset += len(page)

    return Rows("stories", COLUMNS["stories"], items(),
                {"filters": {k: v for k, v in filters.items() if v}, "sort": "last_seen"})


def story_rows(story: Mapping[str, Any], show_all: bool) -> Rows:
    """A story's events as its page lists them: timeline order, those that did not happen only with ``all``."""
    events = [e for e in story.get("events") or [] if show_all or e.get("happened", True)]
    return Rows("story", COLUMNS["story"], [event_row(e) for e in events],
                {"story_id": story.get("id"), "title": story.get("title"), "all": show_all})


# --- writers --------------------------------------------------------------------------------------------------

def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_csv(rows: Rows, stream: TextIO) -> ExportReport:
    """One row per item, the page's columns; lists joined by "; ", formula-like cells neutralised."""
    report = ExportReport()
    writer = SafeWriter(stream, rows.columns)
    writer.writeheader()
    for item in rows.items:
        writer.writerow({column: _cell(item.get(column)) for column in rows.columns})
        report.written += 1
    return report


def write_json(rows: Rows, stream: TextIO) -> ExportReport:
    """``{"kind", "selection", "columns", "items": [...], "total"}``: the items written as they are read, the
    total after them."""
    report = ExportReport()
    head = {"kind": rows.kind, "selection": rows.selection, "columns": rows.columns}
    stream.write(json.dumps(head, ensure_ascii=False, default=str)[:-1] + ', "items": [\n')
    for item in rows.items:
        stream.write((",\n" if report.written else "")
                     + json.dumps({column: item.get(column) for column in rows.columns}, ensure_ascii=False,
                                  default=str))
        report.written += 1
    stream.write(f'\n], "total": {report.written}}}\n')
    return report


def write_geojson(rows: Rows, stream: TextIO) -> ExportReport:
    """An RFC 7946 FeatureCollection: one Point (longitude, latitude; WGS 84) per row with coordinates, the
    row's columns as its properties; ``unlocated`` (a foreign member) counts the rows without coordinates."""
    report = ExportReport()
    stream.write('{"type": "FeatureCollection", "features": [\n')
    for item in rows.items:
        lat, lon = item.get("latitude"), item.get("longitude")
        if lat is None or lon is None:
            report.left_out["no coordinates"] += 1
            continue
        feature: dict[str, Any] = {"type": "Feature",
                                   "geometry": {"type": "Point",
                                                "coordinates": [round(float(lon), 5), round(float(lat), 5)]},
                                   "properties": {column: item.get(column) for column in rows.columns}}
        if item.get("id") is not None:
            feature["id"] = item["id"]
        stream.write((",\n" if report.written else "") + json.dumps(feature, ensure_ascii=False, default=str))
        report.written += 1
    stream.write(f'\n], "unlocated": {report.left_out["no coordinates"]}}}\n')
    return report


WRITERS: dict[str, Callable[[Rows, TextIO], ExportReport]] = {
    "csv": write_csv, "json": write_json, "geojson": write_geojson}


def filename(kind: str, fmt: str, story_id: str | None = None) -> str:
    stem = f"kroniek-story-{story_id}" if story_id else f"kroniek-{kind}"
    return f"{stem}{'-acled' if fmt == 'acled' else ''}.{MEDIA[fmt][1]}"
