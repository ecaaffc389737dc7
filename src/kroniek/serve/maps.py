"""Server-rendered SVG maps on the offline basemap: no tile server, no script, nothing fetched at run time.

Markers show ACLED geo_precision: a solid dot for a town (1), a ring for "near a place / part of a region" (2) and a
large dashed circle for a region or country only (3).

The land is not projected per request: each country's outline is turned into an SVG path once per level of detail
(its points snapped to a grid of 0.01° to 0.5° in integer grid units, relative moves, repeated points dropped), and
a page places those fixed paths with one ``transform`` (plate carrée is a scale and a shift). A page picks the
coarsest grid whose cell stays under a pixel, so a world-wide story map sends about as many points as fit on it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

Ring = list[list[float]]
Bounds = tuple[float, float, float, float]

# Grid cells (degrees) of the levels of detail; the basemap itself has two decimals, so 0.01 loses nothing.
GRIDS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
MAX_CELL_PX = 0.75  # the coarsest grid whose cell is at most this many (viewBox) pixels is drawn


@cache
def basemap() -> list[tuple[str, list[Ring], Bounds]]:
    raw = json.loads(resources.files("kroniek.serve").joinpath("static/basemap.json").read_text(encoding="utf-8"))
    countries = []
    for country in raw["countries"]:
        rings = country["rings"]
        if not rings:
            continue
        xs = [p[0] for r in rings for p in r]
        ys = [p[1] for r in rings for p in r]
        countries.append((country["name"], rings, (min(xs), min(ys), max(xs), max(ys))))
    return countries


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    precision: int
    label: str
    href: str
    kind: str  # event type, for colour


@dataclass(frozen=True)
class SvgMap:
    width: int
    height: int
    view_box: str
    paths: list[str]  # land outlines in grid units, drawn inside ``transform``
    markers: list[Marker]
    empty: bool
    transform: str = ""  # grid units to viewBox pixels


def _bounds(points: list[tuple[float, float]]) -> Bounds:
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    pad_lon = max(2.0, (max(lons) - min(lons)) * 0.25)
    pad_lat = max(1.5, (max(lats) - min(lats)) * 0.25)
    west, east = max(-180.0, min(lons) - pad_lon), min(180.0, max(lons) + pad_lon)
    south, north = max(-85.0, min(lats) - pad_lat), min(85.0, max(lats) + pad_lat)
    # keep a pleasant aspect ratio (about 16:10 in projected units)
    width, height = east - west, north - south
    if width < height * 1.6:
        extra = (height * 1.6 - width) / 2
        west, east = max(-180.0, west - extra), min(180.0, east + extra)
    else:
        extra = (width / 1.6 - height) / 2
        south, north = max(-85.0, south - extra), min(85.0, north + extra)
    return west, south, east, north


def _unwrapped(ring: Any) -> list[tuple[float, float]]:
    """A ring that crosses the antimeridian (Russia's Chukotka, Fiji) made continuous: without this its closing
    edge runs across the whole map and the fill covers seas with a land-coloured slab."""
    out: list[tuple[float, float]] = []
    shift = 0.0
    previous: float | None = None
    for lon, lat in ring:
        lon = float(lon)
        if previous is not None:
            if lon + shift - out[-1][0] > 180:
                shift -= 360
            elif lon + shift - out[-1][0] < -180:
                shift += 360
        out.append((lon + shift, float(lat)))
        previous = lon
    return out


def _ring_path(ring: Any, grid: float) -> str:
    """One ring as an SVG subpath in grid units (x east, y south), relative moves, repeated points dropped; ""
    when it shrinks below a triangle at this grid."""
    points: list[tuple[int, int]] = []
    for lon, lat in _unwrapped(ring):
        point = (round(lon / grid), round(-lat / grid))
        if not points or point != points[-1]:
            points.append(point)
    if len(points) > 1 and points[-1] == points[0]:
        points.pop()
    if len(set(points)) < 3:
        return ""
    moves = [f"{x - px},{y - py}" for (px, py), (x, y) in pairwise(points)]
    return f"M{points[0][0]},{points[0][1]}l{' '.join(moves)}z"


@cache
def land(grid: float) -> list[tuple[Bounds, str]]:
    """Every country's outline at one level of detail, with its bounds (built once per grid per process)."""
    outlines = []
    for _name, rings, bounds in basemap():
        path = "".join(_ring_path(ring, grid) for ring in rings)
        if path:
            outlines.append((bounds, path))
    return outlines


def warm() -> None:
    """Build every level of detail now (server start-up) rather than in the first requests that need them."""
    for grid in GRIDS:
        land(grid)


def grid_for(scale: float) -> float:
    """The coarsest grid whose cell is at most MAX_CELL_PX pixels at ``scale`` pixels per degree."""
    fitting = [grid for grid in GRIDS if grid * scale <= MAX_CELL_PX]
    return max(fitting) if fitting else GRIDS[0]


def _number(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def render(events: Sequence[Mapping[str, Any]], width: int = 800, height: int = 500) -> SvgMap:
    """Project events and the countries around them (plate carrée, y flipped) into an SVG description."""
    located = [e for e in events if e.get("latitude") is not None and e.get("longitude") is not None]
    if not located:
        return SvgMap(width, height, f"0 0 {width} {height}", [], [], True)
    west, south, east, north = _bounds([(float(e["longitude"]), float(e["latitude"])) for e in located])
    scale = min(width / (east - west), height / (north - south))

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (round((lon - west) * scale, 1), round((north - lat) * scale, 1))

    grid = grid_for(scale)
    paths = [path for (x0, y0, x1, y1), path in land(grid)
             if not (x1 < west or x0 > east or y1 < south or y0 > north)]
    unit = grid * scale
    transform = f"matrix({_number(unit)} 0 0 {_number(unit)} {_number(-west * scale)} {_number(north * scale)})"
    markers = []
    for event in located:
        x, y = project(float(event["longitude"]), float(event["latitude"]))
        label = f"{event.get('date') or ''} {event.get('event_type') or ''}: {event.get('place') or ''}"
        markers.append(Marker(x, y, int(event.get("geo_precision") or 3), label.strip(), f"/events/{event['id']}",
                              str(event.get("event_type") or "")))
    # big rings and circles first, dots last: a dot drawn under a ring at the same place could not be clicked
    # (a ring's inside is not part of it), while a ring under a dot keeps its edge free
    markers.sort(key=lambda marker: -marker.precision)
    view_w, view_h = round((east - west) * scale), round((north - south) * scale)
    return SvgMap(view_w, view_h, f"0 0 {view_w} {view_h}", paths, markers, False, transform)


# --- the interactive map (static/map.js): GeoJSON of the events shown, colours by ACLED event type --------------

# ACLED's six event types in codebook order; the legend lists them in this order and map.css colours each slug.
EVENT_TYPES = ("Battles", "Violence against civilians", "Explosions/Remote violence", "Riots", "Protests",
               "Strategic developments")
MAP_LIMIT = 5000  # events read for one map by default; the answer says when more matched (``truncated``)
MAP_MAX_LIMIT = 20000
SVG_MAP_EVENTS = 500  # events drawn by the no-script SVG map of /map


@lru_cache(maxsize=256)  # a map of thousands of events has a handful of types
def type_slug(event_type: str | None) -> str:
    """The CSS class suffix of an event type ("Explosions/Remote violence" -> "explosions-remote-violence");
    "other" for anything outside ACLED's six, so a new type still gets a (grey) marker and legend entry."""
    if event_type not in EVENT_TYPES:
        return "other"
    return "-".join("".join(c if c.isalnum() else " " for c in event_type.lower()).split())


def legend(events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The legend rows for the event types on this map (ACLED's order, then "other"), each with its count."""
    counts: dict[str, int] = {}
    for event in events:
        kind = event.get("event_type") if event.get("event_type") in EVENT_TYPES else "Other"
        counts[str(kind)] = counts.get(str(kind), 0) + 1
    order = [*EVENT_TYPES, "Other"]
    return [{"label": kind, "slug": type_slug(kind), "count": counts[kind]} for kind in order if kind in counts]


# The collections of the last few kept point tuples (``kroniek.store.lists.map_events`` hands out the same tuple
# while the store is unchanged): a map of thousands of events is then built once, not per request.
_COLLECTIONS: dict[int, tuple[Sequence[Mapping[str, Any]], int | None, dict[str, Any]]] = {}
KEPT_COLLECTIONS = 16
_collections_lock = threading.Lock()


def feature_collection(events: Sequence[Mapping[str, Any]], total: int | None = None) -> dict[str, Any]:
    """The located events as GeoJSON points (longitude first) with what a marker and its popup show.

    ``total`` is how many events matched the filters; ``unlocated`` counts those read without coordinates and
    ``truncated`` says the map was cut at its limit, so the page can say what it leaves out. For a tuple of
    points (kept and shared, never changed) the answer is built once and shared too: callers only serialise it."""
    if isinstance(events, tuple):
        kept = _COLLECTIONS.get(id(events))
        if kept is not None and kept[0] is events and kept[1] == total:
            return kept[2]
        collection = _feature_collection(events, total)
        with _collections_lock:  # holding the tuple keeps its id from being reused
            _COLLECTIONS[id(events)] = (events, total, collection)
            while len(_COLLECTIONS) > KEPT_COLLECTIONS:
                _COLLECTIONS.pop(next(iter(_COLLECTIONS)))
        return collection
    return _feature_collection(events, total)


def _feature_collection(events: Sequence[Mapping[str, Any]], total: int | None) -> dict[str, Any]:
    features = []
    for event in events:
        if event.get("latitude") is None or event.get("longitude") is None:
            continue
        fatalities = event.get("fatalities")
        features.append({
            "type": "Feature", "id": event["id"],
            "geometry": {"type": "Point", "coordinates": [float(event["longitude"]), float(event["latitude"])]},
            "properties": {
                "id": event["id"], "href": f"/events/{event['id']}", "event_type": event.get("event_type"),
                "sub_event_type": event.get("sub_event_type"), "type_slug": type_slug(event.get("event_type")),
                "date": event.get("date"), "date_precision": event.get("date_precision"),
                "date_label": event.get("date_label"),  # as the pages print it ("January 2022", never a day)
                "place": event.get("place"), "country": event.get("country"),
                "geo_precision": int(event.get("geo_precision") or 3),
                "fatalities": int(fatalities) if fatalities is not None else None,
                "actor1": event.get("actor1"), "actor2": event.get("actor2"),
                "happened": bool(event.get("happened", True)), "story_id": event.get("story_id")}})
    read = len(events)
    return {"type": "FeatureCollection", "features": features,
            "total": read if total is None else total, "unlocated": read - len(features),
            "truncated": total is not None and total > read, "legend": legend(events)}
