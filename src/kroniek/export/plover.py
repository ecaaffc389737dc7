"""PLOVER JSON: one object per event with event type, mode, contexts, actor and recipient, location and the
ASSAULT supplementary fields (dead, injured, size)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from kroniek.export.common import figure, iter_events
from kroniek.store.repository import Store

# kroniek's own context names where PLOVER has a word for the same thing
PLOVER_CONTEXTS = {"negated": "negation"}
# kroniek contexts that imply one of PLOVER's: an act only referred to (in a trial, a charge, a commemoration) is
# PLOVER's "historical", a reference to an event in the past; kroniek's word stays beside it, saying why
IMPLIED_CONTEXTS = {"referred": "historical"}


def record(event: dict[str, Any]) -> dict[str, Any]:
    contexts = [PLOVER_CONTEXTS.get(c, c) for c in event.get("contexts") or []]
    contexts += [IMPLIED_CONTEXTS[c] for c in list(contexts) if c in IMPLIED_CONTEXTS
                 and IMPLIED_CONTEXTS[c] not in contexts]
    data: dict[str, Any] = {
        "id": event["id"],
        "date": event.get("date"),
        "date_precision": event.get("date_precision"),
        "event_type": event.get("plover_type"),
        "mode": event.get("plover_mode") or "",
        "context": contexts,
        # code: PLOVER's actor code, country (ISO alpha-3) + sector ("NLDCOP"), where kroniek knows it
        "actor": {"name": event.get("actor1") or "", "country": event.get("actor1_country") or "",
                  "acled_type": event.get("actor1_type") or "", "code": event.get("actor1_code") or ""},
        "recipient": {"name": event.get("actor2") or "", "country": event.get("actor2_country") or "",
                      "acled_type": event.get("actor2_type") or "", "code": event.get("actor2_code") or ""},
        "location": {"name": event.get("place") or "", "country": event.get("country") or "",
                     "iso2": event.get("iso2") or "", "admin1": event.get("admin1") or "",
                     "lat": event.get("latitude"), "lon": event.get("longitude"),
                     "geo_precision": event.get("geo_precision")},
        "sources": event.get("outlets") or [],
        "mentions": [{"article_id": m.get("article_id"), "outlet": m.get("outlet"),
                      "evidence": m.get("evidence", [])} for m in event.get("mentions", [])],
        "story_id": event.get("story_id"),
        "updated_at": event.get("updated_at"),
    }
    if event.get("plover_type") == "ASSAULT":
        data["dead"] = figure(event, "killed")
        data["injured"] = figure(event, "injured")
    if event.get("plover_type") == "PROTEST":
        data["size"] = figure(event, "crowd")
    return data


def write(store: Store, stream: TextIO) -> None:
    stream.write("[\n")
    for index, event in enumerate(iter_events(store, happened_only=False)):
        if index:
            stream.write(",\n")
        stream.write(json.dumps(record(event), ensure_ascii=False))
    stream.write("\n]\n")
