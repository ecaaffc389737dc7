"""Build the offline basemap shipped with the web pages from world-atlas (npm, ISC; Natural Earth, public domain).

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/build_basemap.py package/countries-50m.json src/kroniek/serve/static/basemap.json

Decodes the TopoJSON arcs into plain rings of [lon, lat] rounded to 0.01 degree, one entry per country.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    scale_x, scale_y = topology["transform"]["scale"]
    shift_x, shift_y = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((round(x * scale_x + shift_x, 2), round(y * scale_y + shift_y, 2)))
        arcs.append(points)
    return arcs


def ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[list[float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc[1:] if points else arc)
    simplified: list[list[float]] = []
    for point in points:
        if not simplified or simplified[-1] != list(point):
            simplified.append(list(point))
    return simplified


def main(source: Path, target: Path) -> None:
    topology = json.loads(source.read_text())
    arcs = decode_arcs(topology)
    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = []
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        rings = [ring(arcs, polygon[0]) for polygon in polygons]  # outer rings only: enough for a basemap
        countries.append({"id": geometry.get("id"), "name": geometry.get("properties", {}).get("name", ""),
                          "rings": [r for r in rings if len(r) > 2]})
    target.write_text(json.dumps({"source": "world-atlas 2.0.2 (ISC), Natural Earth (public domain)",
                                  "countries": countries}, separators=(",", ":")))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
