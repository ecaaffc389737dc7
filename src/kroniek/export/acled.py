"""ACLED CSV with exactly the 31 columns of current exports, in order, actor types as text labels."""

from __future__ import annotations

import csv
import datetime as dt
import zlib
from typing import Any, TextIO

import pycountry

from kroniek.export.common import figure, iter_events
from kroniek.model import PartialDate
from kroniek.store.repository import Store

COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
    "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
    "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
]

# ACLED's order of actor types; the interaction names the lower-numbered type first.
ACTOR_TYPE_ORDER = ["State forces", "Rebel groups", "Political militias", "Identity militias", "Rioters",
                    "Protesters", "Civilians", "External/Other forces"]


def event_id_cnty(event: dict[str, Any]) -> str:
    """Country prefix + a number that stays the same for the same kroniek event id (ACLED ids are stable)."""
    iso3 = "XXX"
    if event.get("iso2"):
        country = pycountry.countries.get(alpha_2=event["iso2"])
        iso3 = country.alpha_3 if country else "XXX"
    return f"{iso3}{zlib.crc32(str(event['id']).encode()) % 10**7}"


def interaction(inter1: str, inter2: str) -> str:
    if not inter1:
        return ""
    if not inter2:
        return f"{inter1} only"
    pair = sorted([inter1, inter2], key=lambda t: ACTOR_TYPE_ORDER.index(t) if t in ACTOR_TYPE_ORDER else 99)
    return "-".join(pair)


def coded_date(event: dict[str, Any]) -> dt.date | None:
    """ACLED codes the day for day precision and the middle of the week or month otherwise."""
    start, end = event.get("date_start"), event.get("date_end")
    if start:
        first = dt.date.fromisoformat(start)
        last = dt.date.fromisoformat(end) if end else first
        return first + (last - first) / 2
    if event.get("date"):
        return PartialDate.parse(str(event["date"])).midpoint
    return None


def notes(event: dict[str, Any]) -> str:
    text = str(event.get("notes") or "").strip()
    disputes = [row["explanation"] for row in event.get("figures", []) if row.get("disagreement")]
    for explanation in disputes:
        if explanation not in text:
            text = f"{text} Disputed: {explanation}".strip()
    return text


def row(event: dict[str, Any]) -> dict[str, Any]:
    day = coded_date(event)
    inter1, inter2 = event.get("actor1_type") or "", event.get("actor2_type") or ""
    assoc = event.get("assoc_actors") or []
    assoc1 = [a["name"] if isinstance(a, dict) else str(a) for a in assoc]
    crowd = figure(event, "crowd")
    tags = []
    if event.get("event_type") in ("Protests", "Riots"):
        tags.append("crowd size=no report" if crowd is None else f"crowd size={crowd}")
    timestamp: int | str = ""
    if event.get("updated_at"):
        changed = dt.datetime.fromisoformat(event["updated_at"])
        if changed.tzinfo is None:  # SQLite hands the stored UTC time back without its zone: not local time
            changed = changed.replace(tzinfo=dt.UTC)
        timestamp = int(changed.timestamp())
    return {
        "event_id_cnty": event_id_cnty(event),
        "event_date": day.isoformat() if day else "",
        "year": day.year if day else "",
        "time_precision": event.get("time_precision") or 3,
        "disorder_type": event.get("disorder_type") or "",
        "event_type": event.get("event_type") or "",
        "sub_event_type": event.get("sub_event_type") or "",
        "actor1": event.get("actor1") or "",
        "assoc_actor_1": "; ".join(assoc1),
        "inter1": inter1,
        "actor2": event.get("actor2") or "",
        "assoc_actor_2": "",
        "inter2": inter2,
        "interaction": interaction(inter1, inter2),
        "civilian_targeting": "Civilian targeting" if inter2 == "Civilians" and event.get("event_type") in (
            "Violence against civilians", "Explosions/Remote violence") else "",
        "iso": event.get("iso_numeric") or "",
        "region": event.get("region") or "",
        "country": event.get("country") or "",
        "admin1": event.get("admin1") or "",
        "admin2": "",
        "admin3": "",
        "location": event.get("place") or "",
        "latitude": "" if event.get("latitude") is None else round(float(event["latitude"]), 4),
        "longitude": "" if event.get("longitude") is None else round(float(event["longitude"]), 4),
        "geo_precision": event.get("geo_precision") or "",
        "source": "; ".join(event.get("sources") or event.get("outlets") or []),
        "source_scale": event.get("source_scale") or "Other",
        "notes": notes(event),
        "fatalities": event.get("fatalities") or 0,
        "tags": "; ".join(tags),
        "timestamp": timestamp,
    }


def write(store: Store, stream: TextIO) -> None:
    writer = csv.DictWriter(stream, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for event in iter_events(store):
        writer.writerow(row(event))
