"""ACLED CSV with exactly the 31 columns of current exports, in order, following ACLED's current codebook:
actor types as ACLED's labels ("Political militia", not "Political militias") or, with ``acled_inter="numeric"``,
its codes 1..8 and two-digit interactions; pairs ordered by code ("State forces-Protesters", "Rioters only");
foreign state forces as External/Other forces; Civilians as actor 2 of violence against civilians, with
``civilian_targeting``; actor names in ACLED's style and never "of Unknown"; ``source`` as outlet names and
``source_scale`` from the outlet table (``export/outlets.toml``); ``admin1`` from the store, else from the
gazetteer's data. Rows ACLED would not publish (the event did not happen, no country, a date known only to the
year, violence or a demonstration placed only in a whole country) are left out unless ``include_uncertain`` is
set; the report counts them. Text cells are neutralised against spreadsheet formulas (OWASP)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, TextIO

import pycountry

from kroniek.export.common import (
    PAGE,
    ExportOptions,
    ExportReport,
    OutletTable,
    SafeWriter,
    acled_country_names,
    admin1_of,
    coded_day,
    figure,
    fold,
    iter_events,
    unix_time,
)
from kroniek.store.query import deleted_ids
from kroniek.store.repository import Store

COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
    "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
    "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
]

# ACLED's actor types in code order (inter codes 1..8); an interaction names the lower code first.
ACTOR_TYPES = ["State forces", "Rebel group", "Political militia", "Identity militia", "Rioters", "Protesters",
               "Civilians", "External/Other forces"]
_TYPE_BY_FOLD = {fold(t): t for t in ACTOR_TYPES}
# kroniek's older plural labels and other spellings seen in the store
_TYPE_BY_FOLD.update({fold("Rebel groups"): "Rebel group", fold("Political militias"): "Political militia",
                      fold("Identity militias"): "Identity militia", fold("External forces"): "External/Other forces",
                      fold("Other forces"): "External/Other forces", fold("Civilian"): "Civilians"})
# International organisations, named as ACLED names them, and coded External/Other forces.
IGOS = {
    "eu": "EU: European Union", "europese unie": "EU: European Union", "european union": "EU: European Union",
    "un": "UN: United Nations", "vn": "UN: United Nations", "united nations": "UN: United Nations",
    "verenigde naties": "UN: United Nations", "nato": "NATO: North Atlantic Treaty Organization",
    "navo": "NATO: North Atlantic Treaty Organization", "african union": "AU: African Union",
    "osce": "OSCE: Organization for Security and Co-operation in Europe",
    "ovse": "OSCE: Organization for Security and Co-operation in Europe",
}
_OF = re.compile(r"^(?P<head>.+?)\s+of\s+(?P<whose>[^()]+?)(?P<tail>\s*\(.*\))?$")
_IN_BRACKETS = re.compile(r"^(?P<head>.+?)\s*\((?P<whose>[^()]*)\)$")
_UNKNOWN = {"", "unknown", "onbekend", "unidentified", "none", "xxx"}
CIVILIAN_TARGETS = ("Violence against civilians", "Explosions/Remote violence", "Riots")


def event_id_cnty(event: dict[str, Any]) -> str:
    """The id the store assigned the event once (ISO3 + its country's sequence number, ``XXX`` while the country
    is unknown; ``kroniek.store.links.assign_event_id``), read with the event by ``iter_events``: never computed
    here, so it cannot collide or follow a later change of country."""
    return str(event.get("event_id_cnty") or "")


def actor_type(label: str | None) -> str:
    """ACLED's label for a stored actor type; "" when there is none or it is not one of ACLED's."""
    return _TYPE_BY_FOLD.get(fold(label or ""), "")


def inter_code(label: str) -> int:
    return ACTOR_TYPES.index(label) + 1 if label in ACTOR_TYPES else 0


def interaction(inter1: str, inter2: str) -> str:
    """ACLED's text interaction: the two types by code, "A-B", or "A only" for a one-sided event."""
    if not inter1 and not inter2:
        return ""
    if not inter1 or not inter2:
        return f"{inter1 or inter2} only"
    pair = sorted([inter1, inter2], key=lambda t: inter_code(t) or 99)
    return "-".join(pair)


def numeric_interaction(inter1: str, inter2: str) -> int | str:
    """ACLED's numeric interaction: the two codes, lower first (16: State forces-Protesters); one-sided 60."""
    codes = sorted(c for c in (inter_code(inter1), inter_code(inter2)) if c)
    if not codes:
        return ""
    return codes[0] * 10 if len(codes) == 1 else codes[0] * 10 + codes[1]


# Countries ACLED names with the article in "Government of ...", "Police Forces of ...", "Military Forces of ..."
THE_COUNTRIES = {"Netherlands", "United States", "United Kingdom", "Philippines", "Democratic Republic of Congo",
                 "Republic of Congo", "Central African Republic", "Czech Republic", "Dominican Republic",
                 "United Arab Emirates", "Bahamas", "Maldives"}


def _with_article(country: str) -> str:
    return f"the {country}" if country in THE_COUNTRIES else country


def actor_name(name: str | None, country: str | None) -> str:
    """ACLED's naming: an organisation by its ACLED name, "of the Netherlands" where ACLED writes the article,
    and the country where the store has "Unknown" ("Police Forces of Unknown" -> "Police Forces of Georgia" for
    an event in Georgia; without a country the "of ..." is dropped, never printed as "Unknown")."""
    text = " ".join(str(name or "").split())
    if not text:
        return ""
    if fold(text) in IGOS:
        return IGOS[fold(text)]
    match = _OF.match(text)
    if match:
        whose = fold(match["whose"])
        if whose in IGOS:
            return IGOS[whose]
        tail = match["tail"] or ""
        if whose in _UNKNOWN:
            return f"{match['head']} of {_with_article(country)}{tail}" if country else match["head"]
        return f"{match['head']} of {_with_article(match['whose'])}{tail}"
    match = _IN_BRACKETS.match(text)
    if match and fold(match["whose"]) in _UNKNOWN:
        return f"{match['head']} ({country})" if country else match["head"]
    return text


def is_igo(name: str | None) -> bool:
    text = fold(name or "")
    match = _OF.match(text)
    return text in IGOS or bool(match and fold(match["whose"]) in IGOS) or name in IGOS.values()


def actors(event: dict[str, Any]) -> tuple[str, str, str, str]:
    """(actor1, inter1, actor2, inter2) as ACLED codes them."""
    country = event.get("country") or None
    coded = []
    for side in ("actor1", "actor2"):
        name, label = event.get(side), actor_type(event.get(f"{side}_type"))
        home = event.get(f"{side}_country")
        if label == "State forces" and home and event.get("iso2") and home != event["iso2"]:
            label = "External/Other forces"  # ACLED: a state's forces acting abroad are External/Other forces
        if is_igo(name):
            label = "External/Other forces"
        # the actor's own country where the store knows it, else the event's (state forces act at home)
        whose = _country_name(home) or country
        coded.append((actor_name(name, whose), label if name else ""))
    (actor1, inter1), (actor2, inter2) = coded
    if event.get("event_type") == "Violence against civilians":
        if not actor2:  # ACLED: the victims of violence against civilians are always actor 2, Civilians
            actor2 = f"Civilians ({country})" if country else "Civilians"
            inter2 = "Civilians"
        elif not inter2:
            inter2 = "Civilians"
    return actor1, inter1, actor2, inter2


def _country_name(iso2: str | None) -> str | None:
    """The country as ACLED writes it (acled_regions.tsv), else ISO's name."""
    if not iso2:
        return None
    country = pycountry.countries.get(alpha_2=iso2)
    return acled_country_names().get(iso2) or (country.name if country else None)


def coded_date(event: dict[str, Any]) -> dt.date | None:
    """ACLED codes the day for day precision and the middle of the week or month otherwise."""
    return coded_day(event)


def notes(event: dict[str, Any]) -> str:
    text = str(event.get("notes") or "").strip()
    disputes = [row["explanation"] for row in event.get("figures", []) if row.get("disagreement")]
    for explanation in disputes:
        if explanation not in text:
            text = f"{text} Disputed: {explanation}".strip()
    return text


def left_out(event: dict[str, Any]) -> str | None:
    """Why ACLED would not publish this row, or None: it did not happen (negated, hypothetical, future,
    historical), it has no country, its date is known only to the year, or it is political violence or a
    demonstration placed only in a whole country (ACLED codes those to a place within it; only strategic
    developments, such as a government's decision, may be national)."""
    if not event.get("happened", True):
        return "did not happen"
    if not event.get("iso2") or not event.get("country"):
        return "no country"
    if not event.get("date_start") or event.get("date_precision") == "year":
        return "date only a year"
    if event.get("event_type") != "Strategic developments" and (
            not event.get("place") or fold(str(event["place"])) == fold(str(event["country"]))):
        return "place only the country"
    return None


def row(event: dict[str, Any], options: ExportOptions | None = None,
        outlets: OutletTable | None = None) -> dict[str, Any]:
    options = options or ExportOptions()
    outlets = outlets or OutletTable(options.outlets)
    day = coded_date(event)
    actor1, inter1, actor2, inter2 = actors(event)
    assoc = event.get("assoc_actors") or []
    assoc1 = [a["name"] if isinstance(a, dict) else str(a) for a in assoc]
    crowd = figure(event, "crowd")
    tags = []
    if event.get("event_type") in ("Protests", "Riots"):
        tags.append("crowd size=no report" if crowd is None else f"crowd size={crowd}")
    timestamp: int | str = unix_time(event.get("updated_at")) or ""
    source, scale = outlets.source(event.get("outlets") or event.get("sources") or [])
    numeric = options.acled_inter == "numeric"
    return {
        "event_id_cnty": event_id_cnty(event),
        "event_date": day.isoformat() if day else "",
        "year": day.year if day else "",
        "time_precision": event.get("time_precision") or 3,
        "disorder_type": event.get("disorder_type") or "",
        "event_type": event.get("event_type") or "",
        "sub_event_type": event.get("sub_event_type") or "",
        "actor1": actor1,
        "assoc_actor_1": "; ".join(assoc1),
        "inter1": inter_code(inter1) if numeric else inter1,
        "actor2": actor2,
        "assoc_actor_2": "",
        "inter2": inter_code(inter2) if numeric else inter2,
        "interaction": numeric_interaction(inter1, inter2) if numeric else interaction(inter1, inter2),
        "civilian_targeting": "Civilian targeting" if inter2 == "Civilians"
        and event.get("event_type") in CIVILIAN_TARGETS else "",
        "iso": event.get("iso_numeric") or "",
        "region": event.get("region") or "",
        "country": _country_name(event.get("iso2")) or event.get("country") or "",  # ACLED's name, not Dutch
        "admin1": admin1_of(event) or "",
        "admin2": "",
        "admin3": "",
        "location": event.get("place") or "",
        "latitude": "" if event.get("latitude") is None else round(float(event["latitude"]), 4),
        "longitude": "" if event.get("longitude") is None else round(float(event["longitude"]), 4),
        "geo_precision": event.get("geo_precision") or "",
        "source": source,
        "source_scale": scale or "Other",
        "notes": notes(event),
        "fatalities": event.get("fatalities") or 0,
        "tags": "; ".join(tags),
        "timestamp": timestamp,
    }


def write(store: Store, stream: TextIO, options: ExportOptions | None = None) -> ExportReport:
    options = options or ExportOptions()
    if options.acled_inter not in ("text", "numeric"):
        raise ValueError(f"acled_inter must be 'text' or 'numeric', not {options.acled_inter!r}")
    outlets = OutletTable(options.outlets)
    report = ExportReport()
    writer = SafeWriter(stream, COLUMNS)
    writer.writeheader()
    for event in iter_events(store, options, happened_only=False):
        reason = left_out(event)
        if reason is not None and not options.include_uncertain:
            report.left_out[reason] += 1
            continue
        if not event.get("event_id_cnty"):  # not stored through the link stage (none since migration 0010)
            report.left_out["no event_id_cnty"] += 1
            continue
        writer.writerow(row(event, options, outlets))
        report.written += 1
    return report


DELETED_COLUMNS = ["event_id_cnty", "deleted_timestamp"]


def write_deleted(store: Store, stream: TextIO, options: ExportOptions | None = None) -> ExportReport:
    """ACLED's deletion feed as CSV: each ``event_id_cnty`` that left the export (merged into another event,
    retired, or a placeholder id replaced by its country's), with ``deleted_timestamp`` in Unix seconds; with
    ``since`` only those deleted at or after it. Without ``include_uncertain`` also the events changed since then
    that the export now leaves out (e.g. a date that turned out to be known only to the year): a row once
    published must leave a synced copy too. A sync drops these rows (acledR's ``acled_update``)."""
    feed = deletion_feed(store, options)
    writer = SafeWriter(stream, DELETED_COLUMNS)
    writer.writeheader()
    for item in feed:
        writer.writerow({key: item[key] for key in DELETED_COLUMNS})
    return ExportReport(written=len(feed))


def deletion_feed(store: Store, options: ExportOptions | None = None) -> list[dict[str, Any]]:
    """The rows of ACLED's deletion feed (``write_deleted``, and ``/api/events/deleted`` pages it), oldest first:
    ``event_id_cnty`` and ``deleted_timestamp``, and in kroniek's terms ``old_id``, ``new_id``, ``at``, ``reason``.
    An id is either in the export or here: an event the export leaves out now is listed as of its last change
    (reason ``left out: …``), so a synced copy drops it, and comes back with a later timestamp if it returns."""
    options = options or ExportOptions()
    feed: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = deleted_ids(store, since=options.since, limit=PAGE, offset=offset)
        feed.extend(page)
        if len(page) < PAGE:
            break
        offset += len(page)
    if not options.include_uncertain:
        for event in iter_events(store, ExportOptions(since=options.since), happened_only=False):
            reason = left_out(event) if event.get("event_id_cnty") else None
            if reason is not None:
                feed.append({"event_id_cnty": event["event_id_cnty"],
                             "deleted_timestamp": unix_time(event["updated_at"]), "old_id": event["id"],
                             "new_id": event["id"], "at": event["updated_at"], "reason": f"left out: {reason}"})
    feed.sort(key=lambda item: item["deleted_timestamp"])  # stable: the store's order within a second
    return feed
