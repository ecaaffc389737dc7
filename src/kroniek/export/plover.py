"""PLOVER records in the manual's layout (openeventdata/PLOVER, v0.7b1 "JSON Data Fields"), one per event:
``event``, ``mode`` and ``context`` as lists of PLOVER's own words, ``actor`` and ``recipient`` as lists of
entity objects (``entity_text``, ``code``, ``sector``, ``country``), ``event_loc`` with ``resolved_place``, ISO3
``country_code`` and ``geonameid``, the ASSAULT/PROTEST numbers ``dead``, ``injured``, ``arrested`` and ``size``,
``null`` (never "") where nothing is known. As a JSON array (``plover``), as JSONL (``plover-jsonl``, the
manual's suggestion) and as a POLECAT-style flat CSV (``polecat``). Every event is written, those that did not
happen too: their context says why (negation, future, hypothetical, historical), as PLOVER intends.

Actor codes are the country's ISO 3166 alpha-3 code and PLOVER's sector ("KAZCOP", "RUSMIL", "GEOGOV"), read
from what the store holds on the actor: its ACLED type, its country and its ACLED-style name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from kroniek.export.acled import actor_type, is_igo
from kroniek.export.common import ExportOptions, ExportReport, SafeWriter, admin1_of, figure, fold, iso3, iter_events
from kroniek.store.repository import Store

# The modes the manual's tables fix, per event type. kroniek writes REQUEST where v0.7b1 says DEMAND (POLECAT's
# name for the same category); both share the DEMAND tables.
_DEMAND = {"economic", "military", "humanitarian", "asylum", "assist", "change", "yield", "meet"}
MODES: dict[str, set[str]] = {
    "CONSULT": {"visit", "third-party", "multilateral", "phone"},
    "AID": {"economic", "military", "humanitarian", "asylum"},
    "RETREAT": {"withdraw", "release", "return", "disarm", "ceasefire", "access", "resign"},
    "DEMAND": _DEMAND, "REQUEST": _DEMAND,
    "REJECT": {"assist", "change", "yield", "meet"},
    "THREATEN": {"restrict", "ban", "arrest", "relations", "expel", "territory", "violence"},
    "PROTEST": {"demo", "riot", "strike-gen", "strike-lim", "strike-hun", "boycott", "obstruct"},
    "SANCTION": {"convict", "cancel", "expel", "withdraw", "sever"},
    "MOBILIZE": {"troops", "weapons", "police"},
    "COERCE": {"confiscate", "restrict", "ban", "censor", "curfew", "martial-law", "arrest", "deport", "withhold"},
    "ASSAULT": {"abduct", "beat", "torture", "execute", "sexual", "assassinate", "destroy", "primitive", "firearms",
                "explosives", "suicide-attack", "heavy-weapons"},
}
QUAD = {"AGREE": 1, "CONSULT": 1, "SUPPORT": 1, "CONCEDE": 1, "COOPERATE": 2, "AID": 2, "RETREAT": 2,
        "DEMAND": 3, "REQUEST": 3, "ACCUSE": 3, "REJECT": 3, "THREATEN": 3, "SANCTION": 3,
        "PROTEST": 4, "MOBILIZE": 4, "COERCE": 4, "ASSAULT": 4}
# kroniek's grammatical contexts in PLOVER's words; an act only referred to (a trial, a funeral) is PLOVER's
# "historical". Contexts PLOVER has no word for are not written.
CONTEXTS = {"negated": "negation", "hypothetical": "hypothetical", "future": "future", "historical": "historical",
            "referred": "historical"}
# Topical contexts that follow from the event's own coding
TOPICAL_BY_SUB_EVENT = {"Chemical weapon": "cbrn", "Sexual violence": "crime_sexual"}
TOPICAL_BY_MODE = {"sexual": "crime_sexual"}

# PLOVER sector from the ACLED-style name, first match wins, then from the ACLED actor type.
_NAME_SECTORS = [
    ("police forces", "COP"), ("police", "COP"), ("military forces", "MIL"), ("navy", "MIL"), ("air force", "MIL"),
    ("army", "MIL"), ("intelligence", "SPY"), ("judiciary", "JUD"), ("court", "JUD"), ("parliament", "LEG"),
    ("legislature", "LEG"), ("government", "GOV"), ("ministry", "GOV"), ("unidentified armed group", "UAF"),
    ("journalists", "JRN"), ("media", "JRN"), ("students", "EDU"), ("teachers", "EDU"), ("health workers", "MED"),
    ("doctors", "MED"), ("labor group", "LAB"), ("labour group", "LAB"), ("workers", "LAB"), ("farmers", "AGR"),
    ("refugees", "REF"), ("migrants", "REF"), ("religious", "REL"), ("clergy", "REL"), ("prisoners", "CVL"),
    ("opposition", "OPP"), ("activists", "SOC"), ("gang", "CRM"), ("criminal", "CRM"), ("civilians", "CVL"),
]
_TYPE_SECTORS = {"State forces": "GOV", "Rebel group": "REB", "Political militia": "PRM", "Identity militia": "PRM",
                 "Rioters": "CVL", "Protesters": "CVL", "Civilians": "CVL", "External/Other forces": "GOV"}


def sector(name: str | None, acled_type: str | None) -> str | None:
    text = fold(name or "")
    for word, code in _NAME_SECTORS:
        if word in text:
            return code
    return _TYPE_SECTORS.get(actor_type(acled_type))


def entity(name: str | None, acled_type: str | None, iso2: str | None) -> dict[str, Any] | None:
    """A PLOVER actor object: the country's ISO3 + sector as ``code`` ("KAZCOP"), an international
    organisation as "IGO"; ``None`` when there is no actor."""
    if not name:
        return None
    country = iso3(iso2)
    role = sector(name, acled_type)
    if is_igo(name):
        code: str | None = "IGO"
        role = role if role not in (None, "CVL") else None
        country = None
    elif country and role:
        code = country + role
    else:
        code = country or role
    return {"entity_text": name, "code": code, "sector": role, "country": country,
            "acled_type": actor_type(acled_type) or None}


def contexts(event: dict[str, Any], mode: str | None) -> list[str]:
    found = [CONTEXTS[c] for c in event.get("contexts") or [] if c in CONTEXTS]
    if event.get("sub_event_type") in TOPICAL_BY_SUB_EVENT:
        found.append(TOPICAL_BY_SUB_EVENT[event["sub_event_type"]])
    if mode in TOPICAL_BY_MODE:
        found.append(TOPICAL_BY_MODE[mode])
    return list(dict.fromkeys(found))


def record(event: dict[str, Any]) -> dict[str, Any]:
    kind = event.get("plover_type")
    mode = event.get("plover_mode") or None
    modes = [mode] if mode and mode in MODES.get(kind or "", set()) else []
    actor = [entity(event.get("actor1"), event.get("actor1_type"), event.get("actor1_country"))]
    for assoc in event.get("assoc_actors") or []:  # ACLED's associated actors are PLOVER's compound source
        if isinstance(assoc, dict):
            actor.append(entity(assoc.get("name"), assoc.get("actor_type"), assoc.get("country")))
        elif assoc:
            actor.append(entity(str(assoc), None, None))
    recipient = [entity(event.get("actor2"), event.get("actor2_type"), event.get("actor2_country"))]
    start, end = event.get("date_start"), event.get("date_end")
    triggers = [str(m["trigger"]) for m in event.get("mentions", []) if m.get("trigger")]
    return {
        "id": event["id"],
        "date": start or None,
        "enddate": end if end and end != start else None,
        "date_precision": event.get("date_precision") or None,
        "event": [kind] if kind else [],
        "event_type": kind,  # kroniek's field of the earlier layout (one string), kept for its readers
        "mode": modes,
        "context": contexts(event, mode),
        "actor": [a for a in actor if a is not None],
        "recipient": [r for r in recipient if r is not None],
        "event_loc": {
            "resolved_place": event.get("place") or None,
            "country_code": iso3(event.get("iso2")),
            "admin1": admin1_of(event),
            "geonameid": event.get("geonameid") if isinstance(event.get("geonameid"), int) else None,
            "lat": event.get("latitude"),
            "lon": event.get("longitude"),
            "geo_precision": event.get("geo_precision"),
        },
        "event_text": list(dict.fromkeys(triggers)),
        "quad_code": QUAD.get(kind or ""),
        "dead": figure(event, "killed"),
        "injured": figure(event, "injured"),
        "arrested": figure(event, "arrested"),
        "size": figure(event, "crowd"),
        "happened": bool(event.get("happened", True)),
        "sources": list(event.get("outlets") or []),
        "mentions": [{"article_id": m.get("article_id"), "outlet": m.get("outlet"),
                      "attribution": list(m.get("attribution") or []),  # outlet › agency › source; [] if none
                      "evidence": m.get("evidence", [])} for m in event.get("mentions", [])],
        "story_id": event.get("story_id"),
        "updated_at": event.get("updated_at"),
    }


def records(store: Store, options: ExportOptions | None = None) -> Iterator[dict[str, Any]]:
    for event in iter_events(store, options, happened_only=False):
        yield record(event)


def write(store: Store, stream: TextIO, options: ExportOptions | None = None) -> ExportReport:
    report = ExportReport()
    stream.write("[\n")
    for index, item in enumerate(records(store, options)):
        if index:
            stream.write(",\n")
        stream.write(json.dumps(item, ensure_ascii=False))
        report.written += 1
    stream.write("\n]\n")
    return report


def write_jsonl(store: Store, stream: TextIO, options: ExportOptions | None = None) -> ExportReport:
    report = ExportReport()
    for item in records(store, options):
        stream.write(json.dumps(item, ensure_ascii=False) + "\n")
        report.written += 1
    return report


# POLECAT's column names where the meaning is the same; several actors are joined by "; ".
POLECAT_COLUMNS = [
    "Event ID", "Event Date", "Event End Date", "Date Precision", "Event Type", "Event Mode", "Quad Code",
    "Contexts", "Actor Name", "Actor Country", "Primary Actor Sector", "Actor Code", "Recipient Name",
    "Recipient Country", "Primary Recipient Sector", "Recipient Code", "Placename", "Province", "Country",
    "Latitude", "Longitude", "GeoNames ID", "Geo Precision", "Dead", "Injured", "Arrested", "Size", "Happened",
    "Source", "Story ID", "Last Updated",
]


def _joined(entities: list[dict[str, Any]], key: str) -> str:
    return "; ".join(str(e[key]) for e in entities if e.get(key))


def flat(item: dict[str, Any]) -> dict[str, Any]:
    loc = item["event_loc"]
    def cell(value: Any) -> Any:
        return "" if value is None else value

    return {
        "Event ID": item["id"], "Event Date": cell(item["date"]), "Event End Date": cell(item["enddate"]),
        "Date Precision": cell(item["date_precision"]), "Event Type": "; ".join(item["event"]),
        "Event Mode": "; ".join(item["mode"]), "Quad Code": cell(item["quad_code"]),
        "Contexts": "; ".join(item["context"]),
        "Actor Name": _joined(item["actor"], "entity_text"), "Actor Country": _joined(item["actor"], "country"),
        "Primary Actor Sector": _joined(item["actor"][:1], "sector"), "Actor Code": _joined(item["actor"], "code"),
        "Recipient Name": _joined(item["recipient"], "entity_text"),
        "Recipient Country": _joined(item["recipient"], "country"),
        "Primary Recipient Sector": _joined(item["recipient"][:1], "sector"),
        "Recipient Code": _joined(item["recipient"], "code"),
        "Placename": cell(loc["resolved_place"]), "Province": cell(loc["admin1"]), "Country": cell(loc["country_code"]),
        "Latitude": cell(loc["lat"]), "Longitude": cell(loc["lon"]), "GeoNames ID": cell(loc["geonameid"]),
        "Geo Precision": cell(loc["geo_precision"]), "Dead": cell(item["dead"]), "Injured": cell(item["injured"]),
        "Arrested": cell(item["arrested"]), "Size": cell(item["size"]), "Happened": item["happened"],
        "Source": "; ".join(item["sources"]), "Story ID": cell(item["story_id"]),
        "Last Updated": cell(item["updated_at"]),
    }


def write_polecat(store: Store, stream: TextIO, options: ExportOptions | None = None) -> ExportReport:
    report = ExportReport()
    writer = SafeWriter(stream, POLECAT_COLUMNS)
    writer.writeheader()
    for item in records(store, options):
        writer.writerow(flat(item))
        report.written += 1
    return report
