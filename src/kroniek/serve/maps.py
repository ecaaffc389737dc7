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
from dataclasses import dataclass
from functools import cache
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


def render(events: list[dict[str, Any]], width: int = 800, height: int = 500) -> SvgMap:
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
    view_w, view_h = round((east - west) * scale), round((north - south) * scale)
    return SvgMap(view_w, view_h, f"0 0 {view_w} {view_h}", paths, markers, False, transform)
