"""GeoJSON FeatureCollection of events with coordinates (RFC 7946: longitude first), laid out for GIS tools:
``event_date`` is one ISO day (ACLED's rule: the day, or the middle of the week or month the event is known to),
so that QGIS and GDAL read the field as a Date and date filters keep every feature; ``date_start``, ``date_end``
and ``date_precision`` say how exact it is. ``outlets`` is one string ("a; b": Shapefile has no list type),
``fatalities`` is 0 where no death was reported, as in the ACLED CSV. Events that did not happen (negated,
hypothetical, future, historical) are left out unless ``include_uncertain`` is set. With ``shapefile_safe`` every
property name has at most 10 characters (the DBF limit), so a Shapefile keeps each field under a known name, and
the change time is only ``timestamp`` (Unix seconds, as in ACLED), DBF having no time of day."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, TextIO

from kroniek.export.common import ExportOptions, ExportReport, admin1_of, coded_day, iter_events
from kroniek.store.repository import Store

# property -> its name in a Shapefile-safe export (at most 10 characters, all distinct)
PROPERTIES = {
    "id": "id", "story_id": "story_id", "event_date": "event_date", "date_start": "date_start",
    "date_end": "date_end", "date_precision": "date_prec", "time_precision": "time_prec",
    "disorder_type": "disorder", "event_type": "event_type", "sub_event_type": "sub_event",
    "plover_type": "plover", "plover_mode": "plover_mod", "actor1": "actor1", "actor1_type": "actor1_typ",
    "actor2": "actor2", "actor2_type": "actor2_typ", "place": "place", "admin1": "admin1", "country": "country",
    "iso2": "iso2", "geo_precision": "geo_prec", "fatalities": "fatalities", "outlets": "outlets",
    "happened": "happened", "timestamp": "timestamp", "updated_at": "updated_at",
}
# DBF has no time of day: a Shapefile-safe export keeps the change time as ``timestamp`` (Unix seconds) only
NOT_IN_SHAPEFILES = ("updated_at",)


def properties(event: dict[str, Any]) -> dict[str, Any]:
    day = coded_day(event)
    happened = bool(event.get("happened", True))
    fatalities = event.get("fatalities")
    if fatalities is None and happened:
        fatalities = 0  # no death reported: 0, as ACLED codes it (the CSV says the same)
    start, end = event.get("date_start"), event.get("date_end")
    return {
        "id": event["id"], "story_id": event.get("story_id"),
        "event_date": day.isoformat() if day else None,
        "date_start": start or None, "date_end": end or start or None,
        "date_precision": event.get("date_precision"), "time_precision": event.get("time_precision"),
        "disorder_type": event.get("disorder_type"), "event_type": event.get("event_type"),
        "sub_event_type": event.get("sub_event_type"), "plover_type": event.get("plover_type"),
        "plover_mode": event.get("plover_mode"), "actor1": event.get("actor1"),
        "actor1_type": event.get("actor1_type"), "actor2": event.get("actor2"),
        "actor2_type": event.get("actor2_type"), "place": event.get("place"), "admin1": admin1_of(event),
        "country": event.get("country"), "iso2": event.get("iso2"), "geo_precision": event.get("geo_precision"),
        "fatalities": fatalities, "outlets": "; ".join(event.get("outlets") or []), "happened": happened,
        "timestamp": unix_time(event.get("updated_at")), "updated_at": event.get("updated_at"),
    }


def unix_time(value: Any) -> int | None:
    """ACLED's ``timestamp``: the stored UTC change time as Unix seconds."""
    if not value:
        return None
    changed = dt.datetime.fromisoformat(str(value))
    if changed.tzinfo is None:  # SQLite hands the stored UTC time back without its zone
        changed = changed.replace(tzinfo=dt.UTC)
    return int(changed.timestamp())


def feature(event: dict[str, Any], shapefile_safe: bool = False) -> dict[str, Any] | None:
    lat, lon = event.get("latitude"), event.get("longitude")
    if lat is None or lon is None:
        return None
    props = properties(event)
    if shapefile_safe:
        props = {PROPERTIES[key]: value for key, value in props.items() if key not in NOT_IN_SHAPEFILES}
    return {"type": "Feature", "id": event["id"],
            "geometry": {"type": "Point", "coordinates": [round(float(lon), 5), round(float(lat), 5)]},
            "properties": props}


def write(store: Store, stream: TextIO, options: ExportOptions | None = None) -> ExportReport:
    options = options or ExportOptions()
    report = ExportReport()
    stream.write('{"type": "FeatureCollection", "features": [\n')
    for event in iter_events(store, options, happened_only=False):
        if not event.get("happened", True) and not options.include_uncertain:
            report.left_out["did not happen"] += 1
            continue
        item = feature(event, options.shapefile_safe)
        if item is None:
            continue
        stream.write((",\n" if report.written else "") + json.dumps(item, ensure_ascii=False))
        report.written += 1
    stream.write("\n]}\n")
    return report
