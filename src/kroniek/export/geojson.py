"""GeoJSON FeatureCollection of events with coordinates (RFC 7946: longitude first)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from kroniek.export.common import iter_events
from kroniek.store.repository import Store

PROPERTIES = ("id", "story_id", "date", "date_precision", "time_precision", "disorder_type", "event_type",
              "sub_event_type", "plover_type", "plover_mode", "actor1", "actor2", "place", "admin1", "country",
              "iso2", "geo_precision", "fatalities", "outlets", "happened", "updated_at")


def feature(event: dict[str, Any]) -> dict[str, Any] | None:
    lat, lon = event.get("latitude"), event.get("longitude")
    if lat is None or lon is None:
        return None
    return {"type": "Feature", "id": event["id"],
            "geometry": {"type": "Point", "coordinates": [round(float(lon), 5), round(float(lat), 5)]},
            "properties": {key: event.get(key) for key in PROPERTIES}}


def write(store: Store, stream: TextIO) -> None:
    stream.write('{"type": "FeatureCollection", "features": [\n')
    first = True
    for event in iter_events(store, happened_only=False):
        item = feature(event)
        if item is None:
            continue
        stream.write(("" if first else ",\n") + json.dumps(item, ensure_ascii=False))
        first = False
    stream.write("\n]}\n")
