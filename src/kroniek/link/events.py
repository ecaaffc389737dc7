"""Event linking: the mentions of one story (one event as told by one article) merged into canonical events.

ACLED's de-duplication rule decides (https://acleddata.com/knowledge-base/how-are-events-disaggregated):
two reports are one event when they share the **day, location, actors and event type**; demonstrations (protests,
riots) when they share the **day, location and issue**. Anything that differs on one of these stays apart.

Precision is respected both ways: a report dated only to a month can join a report of a day inside that month,
and a report placed only in a country or region can join a report of a town inside it, but two different days or
two different towns never merge. A field one report leaves out does not block a match; the match that agrees on
the most known fields wins. Negated, hypothetical and future mentions only join each other.

Ids are living: a canonical event keeps the id it got first (derived from its founding mention); when two events
turn out to be one, the older id survives and the other is retired with a row in ``merges`` (kind "event"), so
exports can report the deletion and old links can be redirected.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kroniek.link.features import fold
from kroniek.model import Actor, DatePrecision, Event, PartialDate, Place

DEMONSTRATION_TYPES = frozenset({"Protests", "Riots"})
# Sub-event types from least to most severe: the canonical event takes the most reported, ties to the severer.
SUB_EVENT_SEVERITY = {
    "Peaceful protest": 0, "Protest with intervention": 1, "Excessive force against protesters": 2,
    "Violent demonstration": 1, "Mob violence": 2,
}


@dataclass
class MentionInfo:
    """A mention with what linking needs to know about its article."""

    event: Event
    seq: int  # arrival order of the article
    outlet: str
    title: str = ""
    published_at: str | None = None
    previous: str | None = None  # the canonical event it belonged to before this run

    @property
    def id(self) -> str:
        return self.event.id


# --- field compatibility ----------------------------------------------------------------------------------------


@lru_cache(maxsize=65_536)
def _name(text: str | None) -> str:
    return " ".join(fold(text or "").replace("-", " ").split())


def places_compatible(a: Place | None, b: Place | None) -> bool:
    """Same place, or one place is a region/country that contains the other."""
    if a is None or b is None or not a.name or not b.name:
        return True
    if a.geonameid is not None and a.geonameid == b.geonameid:
        return True
    if _name(a.name) == _name(b.name):
        return a.iso2 == b.iso2 or not a.iso2 or not b.iso2
    if a.iso2 and b.iso2 and a.iso2 != b.iso2:
        return False
    coarse, fine = (a, b) if a.geo_precision >= b.geo_precision else (b, a)
    if coarse.geo_precision < 3 or coarse.geo_precision == fine.geo_precision:
        return False  # two different towns (or two different regions)
    if not coarse.admin1 or _name(coarse.name) == _name(coarse.country):
        return bool(coarse.iso2) and coarse.iso2 == fine.iso2  # country-level report
    if fine.admin1:
        return _name(coarse.admin1) == _name(fine.admin1)
    return _name(coarse.name) == _name(fine.name)


def actors_compatible(a: Actor | None, b: Actor | None) -> bool:
    """Same actor: the same name, else the same PLOVER code, else the same ACLED type (and country)."""
    if a is None or b is None:
        return True
    if _name(a.name) and _name(a.name) == _name(b.name):
        return True
    if a.plover_code and b.plover_code:
        return a.plover_code == b.plover_code
    if a.actor_type and b.actor_type:
        return a.actor_type == b.actor_type and (not a.country or not b.country or a.country == b.country)
    return False


def issues_compatible(a: str | None, b: str | None) -> bool:
    return not a or not b or _name(a) == _name(b)


def _happened(event: Event) -> bool:
    return event.happened


def type_key(event: Event) -> tuple[str, ...]:
    """What "same type" means for ACLED's rule. Strategic developments are a catch-all event type, so their
    sub-event type and PLOVER type must agree too (an arrest is not a resignation); a protest stays one event
    whether or not the police intervened."""
    if event.event_type == "Strategic developments":
        return (event.event_type, event.sub_event_type, event.plover_type)
    return (event.event_type,)


def _place_key(place: Place) -> tuple[Any, ...]:
    """Everything ``places_compatible`` reads: equal keys always give equal answers."""
    return (place.geonameid, place.name, place.iso2, place.geo_precision, place.admin1, place.country)


def _actor_key(actor: Actor | None) -> tuple[Any, ...] | None:
    return None if actor is None else (actor.name, actor.plover_code, actor.actor_type, actor.country)


@dataclass
class _Cluster:
    """A growing event. It keeps the distinct places, actor pairs and issues of its mentions, so a match costs
    the number of distinct values (a handful) rather than the number of reports (hundreds in a big story)."""

    key: tuple[Any, ...]  # (type key, happened): only mentions with the same key can join
    index: int  # creation order: ties go to the older cluster
    mentions: list[MentionInfo] = field(default_factory=list)
    start: dt.date | None = None  # intersection of the dated mentions' periods
    end: dt.date | None = None
    places: dict[tuple[Any, ...], Place] = field(default_factory=dict)
    place_names: set[str] = field(default_factory=set)
    actors: dict[tuple[Any, ...], tuple[Actor | None, Actor | None]] = field(default_factory=dict)
    issues: set[str] = field(default_factory=set)
    has_actor: list[bool] = field(default_factory=lambda: [False, False])

    def match(self, mention: MentionInfo) -> int | None:
        """None when the mention cannot be this event; else how many known fields agree (higher is better)."""
        ev = mention.event
        agreed = 0
        if ev.date is not None and self.start is not None and self.end is not None:
            if not (ev.date.value <= self.end and self.start <= ev.date.last_day):
                return None
            agreed += 2 if ev.date.precision.rank >= DatePrecision.DAY.rank else 1
        if ev.place is not None and not all(places_compatible(ev.place, p) for p in self.places.values()):
            return None
        demonstration = ev.event_type in DEMONSTRATION_TYPES
        if demonstration:
            if ev.issue and not all(issues_compatible(ev.issue, issue) for issue in self.issues):
                return None
        elif not all(actors_compatible(ev.actor1, a1) and actors_compatible(ev.actor2, a2)
                     for a1, a2 in self.actors.values()):
            return None
        if ev.place is not None and self.places:
            agreed += 2 if _name(ev.place.name) in self.place_names else 1
        if demonstration:
            if ev.issue and self.issues:
                agreed += 1
        else:
            agreed += int(ev.actor1 is not None and self.has_actor[0]) + int(ev.actor2 is not None
                                                                              and self.has_actor[1])
        return agreed

    def add(self, mention: MentionInfo) -> None:
        self.mentions.append(mention)
        ev = mention.event
        date = ev.date
        if date is not None:
            if self.start is None or self.end is None:
                self.start, self.end = date.value, date.last_day
            else:
                self.start, self.end = max(self.start, date.value), min(self.end, date.last_day)
        if ev.place is not None:
            self.places.setdefault(_place_key(ev.place), ev.place)
            self.place_names.add(_name(ev.place.name))
        self.actors.setdefault((_actor_key(ev.actor1), _actor_key(ev.actor2)), (ev.actor1, ev.actor2))
        self.has_actor[0] = self.has_actor[0] or ev.actor1 is not None
        self.has_actor[1] = self.has_actor[1] or ev.actor2 is not None
        if ev.issue:
            self.issues.add(ev.issue)


def _order(mention: MentionInfo) -> tuple[int, int, str]:
    """Arrival order (article, then sentence). Clustering in this order is online: a story's events after a new
    article are its events before plus that article's mentions added one by one, so the link stage can append
    new articles to a big story without re-clustering it (``append_mentions``) and get exactly what a full
    re-clustering gives. Precision still decides within the rule: a month report joins a day report of that
    month whichever came first, and the day narrows the event so a second day cannot join it."""
    return (mention.seq, mention.event.sentence, mention.event.id)


def _key(mention: MentionInfo) -> tuple[Any, ...]:
    return (type_key(mention.event), _happened(mention.event))


class _Index:
    """The clusters of one key (type, happened), findable by day: a dated report can only join a cluster whose
    period overlaps its own, so it looks at those and the undated ones instead of every cluster of a big story.
    A cluster is listed under every day of the period it had when it got its first date; periods only shrink, so
    the lists hold a superset and ``match`` has the last word."""

    def __init__(self) -> None:
        self.clusters: list[_Cluster] = []
        self.undated: dict[int, _Cluster] = {}  # by cluster.index: those without a date so far
        self.by_day: dict[int, list[_Cluster]] = {}

    def add(self, cluster: _Cluster) -> None:
        self.clusters.append(cluster)
        self.undated[cluster.index] = cluster
        self.listed(cluster)

    def listed(self, cluster: _Cluster) -> None:
        if cluster.index not in self.undated or cluster.start is None or cluster.end is None:
            return
        del self.undated[cluster.index]
        for day in range(cluster.start.toordinal(), cluster.end.toordinal() + 1):
            self.by_day.setdefault(day, []).append(cluster)

    def candidates(self, date: PartialDate | None) -> Iterable[_Cluster]:
        if date is None:
            return self.clusters
        found = dict(self.undated)
        for day in range(date.value.toordinal(), date.last_day.toordinal() + 1):
            for cluster in self.by_day.get(day, ()):
                found[cluster.index] = cluster
        return found.values()


def _place(mention: MentionInfo, clusters: list[_Cluster], by_key: dict[tuple[Any, ...], _Index]) -> _Cluster:
    """Add a mention to the best matching cluster of its key (most fields agreeing, then the biggest, then the
    oldest) or found a new one."""
    key = _key(mention)
    index = by_key.get(key)
    if index is None:
        index = by_key[key] = _Index()
    best: tuple[int, int, int] | None = None
    chosen: _Cluster | None = None
    for cluster in index.candidates(mention.event.date):
        agreed = cluster.match(mention)
        if agreed is None:
            continue
        rank = (agreed, len(cluster.mentions), -cluster.index)
        if best is None or rank > best:
            best, chosen = rank, cluster
    if chosen is None:
        chosen = _Cluster(key=key, index=len(clusters))
        clusters.append(chosen)
        chosen.add(mention)
        index.add(chosen)
    else:
        chosen.add(mention)
        index.listed(chosen)
    return chosen


def _in_order(mentions: Iterable[MentionInfo]) -> list[MentionInfo]:
    return sorted(mentions, key=lambda m: (m.seq, m.event.sentence, m.id))


def cluster_mentions(mentions: Sequence[MentionInfo]) -> list[list[MentionInfo]]:
    """Greedy in arrival order; each report joins the event it agrees with most, or founds one."""
    clusters: list[_Cluster] = []
    by_key: dict[tuple[Any, ...], _Index] = {}
    for mention in sorted(mentions, key=_order):
        _place(mention, clusters, by_key)
    return [_in_order(c.mentions) for c in clusters]


@dataclass
class Appended:
    """What ``append_mentions`` did: existing events that took new reports (id -> all their reports) and new
    events (their reports), in founding order."""

    grown: dict[str, list[MentionInfo]]
    created: list[list[MentionInfo]]


def append_mentions(existing: Mapping[str, Sequence[MentionInfo]], new: Sequence[MentionInfo]) -> Appended:
    """Add reports that arrived after all of ``existing`` to those events, as ``cluster_mentions`` over all of them
    would. ``existing`` needs to hold only the events a new report could join (same type, overlapping dates):
    the others cannot match, and leaving them out does not change which of the rest wins."""
    clusters: list[_Cluster] = []
    by_key: dict[tuple[Any, ...], _Index] = {}
    owner: dict[int, str] = {}
    founded = sorted(((min(map(_order, members)), event_id, members)
                      for event_id, members in existing.items() if members), key=lambda item: item[:2])
    for _, event_id, members in founded:
        ordered = sorted(members, key=_order)
        cluster = _Cluster(key=_key(ordered[0]), index=len(clusters))
        for mention in ordered:
            cluster.add(mention)
        clusters.append(cluster)
        by_key.setdefault(cluster.key, _Index()).add(cluster)
        owner[cluster.index] = event_id
    old_count = len(clusters)
    grown: set[int] = set()
    for mention in sorted(new, key=_order):
        cluster = _place(mention, clusters, by_key)
        if cluster.index < old_count:
            grown.add(cluster.index)
    return Appended(grown={owner[i]: _in_order(clusters[i].mentions) for i in sorted(grown)},
                    created=[_in_order(c.mentions) for c in clusters[old_count:]])


# --- canonical events -------------------------------------------------------------------------------------------


def event_id_for(mention_id: str) -> str:
    return "e" + mention_id[1:] if mention_id.startswith("m") else "e" + mention_id


def _most_common(values: Iterable[Any], tie: Any = None) -> Any:
    counted = Counter(v for v in values if v not in (None, ""))
    if not counted:
        return None
    best = max(counted.values())
    winners = [v for v, c in counted.items() if c == best]
    if tie is not None:
        return max(winners, key=tie)
    return winners[0]


def best_date(dates: Sequence[PartialDate]) -> PartialDate | None:
    """The most precise date, the most reported one among equally precise dates."""
    if not dates:
        return None
    top = max(d.precision.rank for d in dates)
    finest = [d for d in dates if d.precision.rank == top]
    counted = Counter(d.iso() for d in finest)
    iso = max(counted, key=lambda k: (counted[k], k))
    return next(d for d in finest if d.iso() == iso)


def best_place(places: Sequence[Place]) -> Place | None:
    """The highest geo precision (1 = town), the most reported name among those."""
    if not places:
        return None
    top = min(p.geo_precision for p in places)
    finest = [p for p in places if p.geo_precision == top]
    counted = Counter(p.name for p in finest)
    name = max(counted, key=lambda k: (counted[k], k))
    candidates = [p for p in finest if p.name == name]
    return max(candidates, key=lambda p: (p.latitude is not None, p.admin1 is not None))


def _actor(actors: Sequence[Actor]) -> Actor | None:
    if not actors:
        return None
    name = _most_common(a.name for a in actors)
    return next(a for a in actors if a.name == name)


def build_event(event_id: str, story_id: str | None, cluster: Sequence[MentionInfo]) -> dict[str, Any]:
    """The canonical event of one cluster of mentions, as the dict the read side returns (figures come later)."""
    events = [m.event for m in cluster]
    first = events[0]
    date = best_date([e.date for e in events if e.date is not None])
    place = best_place([e.place for e in events if e.place is not None])
    actor1 = _actor([e.actor1 for e in events if e.actor1 is not None])
    actor2 = _actor([e.actor2 for e in events if e.actor2 is not None])
    assoc: dict[str, Actor] = {}
    for e in events:
        for a in e.assoc_actors:
            assoc.setdefault(_name(a.name), a)
    contexts = sorted({c for e in events for c in e.contexts})
    outlets = sorted({m.outlet for m in cluster})
    mentions = [{
        "mention_id": m.id, "article_id": m.event.article_id, "outlet": m.outlet, "title": m.title,
        "published_at": m.published_at, "sentence": m.event.sentence, "trigger": m.event.trigger,
        "evidence": [{"field": ev.field, "start": ev.start, "end": ev.end, "text": ev.text}
                     for ev in m.event.evidence],
        # the mention's own source chain (outlet › agency › source), only where its sentence names one: an
        # absent key leaves events linked before attribution existed unchanged
        **({"attribution": list(m.event.attribution)} if m.event.attribution else {}),
    } for m in cluster]
    # the distinct chains of the mentions, for lists and the timeline, which read the event without its mentions
    chains = list(dict.fromkeys(tuple(m.event.attribution) for m in cluster if m.event.attribution))
    return {
        "id": event_id,
        "story_id": story_id,
        "date": date.iso() if date else None,
        "date_precision": date.precision.value if date else None,
        "time_precision": date.time_precision if date else None,
        "date_start": date.value.isoformat() if date else None,
        "date_end": date.last_day.isoformat() if date else None,
        "disorder_type": _most_common(e.disorder_type for e in events) or first.disorder_type,
        "event_type": first.event_type,
        "sub_event_type": _most_common((e.sub_event_type for e in events),
                                       tie=lambda s: (SUB_EVENT_SEVERITY.get(s, 0), s)) or first.sub_event_type,
        "plover_type": _most_common(e.plover_type for e in events) or first.plover_type,
        "plover_mode": _most_common(e.plover_mode for e in events),
        "actor1": actor1.name if actor1 else None,
        "actor1_type": actor1.actor_type if actor1 else None,
        "actor1_country": actor1.country if actor1 else None,
        "actor1_code": actor1.plover_code if actor1 else None,
        "actor2": actor2.name if actor2 else None,
        "actor2_type": actor2.actor_type if actor2 else None,
        "actor2_country": actor2.country if actor2 else None,
        "actor2_code": actor2.plover_code if actor2 else None,
        "assoc_actors": [{"name": a.name, "actor_type": a.actor_type, "country": a.country}
                         for _, a in sorted(assoc.items())],
        "place": place.name if place else None,
        "admin1": place.admin1 if place else None,
        "country": place.country if place else None,
        "iso2": place.iso2 if place else None,
        "iso_numeric": place.iso_numeric if place else None,
        "region": place.region if place else None,
        "latitude": place.latitude if place else None,
        "longitude": place.longitude if place else None,
        "geo_precision": place.geo_precision if place else None,
        "geonameid": place.geonameid if place else None,
        "issue": _most_common(e.issue for e in events),
        "contexts": contexts,
        "happened": all(e.happened for e in events),
        "outlets": outlets,
        "article_ids": sorted({e.article_id for e in events}),
        "mention_ids": [m.id for m in cluster],
        "mentions": mentions,
        **({"attributions": [list(chain) for chain in chains]} if chains else {}),
    }


# Fields that do not count as a change of the event (bookkeeping).
_VOLATILE = {"updated_at", "created_at", "history", "merged_ids", "figures", "fatalities", "notes"}


def content_changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    keys = (set(old) | set(new)) - _VOLATILE
    return any(old.get(k) != new.get(k) for k in keys)


@dataclass
class LinkResult:
    events: list[dict[str, Any]]  # canonical events to write (new or changed or unchanged)
    assignment: dict[str, str]  # mention id -> canonical event id
    retired: list[tuple[str, str | None, str]]  # (old id, survivor or None, reason)


def finish_event(event_id: str, story_id: str | None, cluster: Sequence[MentionInfo], old: Mapping[str, Any] | None,
                 stamp: str, absorbed: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The canonical event of a cluster with its bookkeeping carried over from the stored version ``old``:
    creation time, merged-away ids (``absorbed``: the events merged into it now), history, and the figures the
    reconcile stage wrote; ``updated_at`` moves only when the content changed."""
    absorbed = absorbed or {}
    data = build_event(event_id, story_id, cluster)
    merged_ids = list(old.get("merged_ids") or []) if old else []
    history = list(old.get("history") or []) if old else [{"at": stamp, "action": "created",
                                                            "mentions": len(cluster)}]
    for loser, loser_data in absorbed.items():
        merged_ids.append(loser)
        merged_ids.extend(loser_data.get("merged_ids") or [])
        history.append({"at": stamp, "action": "merged", "from": loser})
    data["merged_ids"] = sorted(set(merged_ids))
    data["created_at"] = str(old.get("created_at")) if old and old.get("created_at") else stamp
    data["founded"] = int(old.get("founded") or 0) if old else min(m.seq for m in cluster)
    if old is None or absorbed or content_changed(old, data):
        data["updated_at"] = stamp
        if old is not None and not absorbed:
            history.append({"at": stamp, "action": "updated", "mentions": len(cluster)})
    else:
        data["updated_at"] = str(old.get("updated_at") or stamp)
    data["history"] = history[-50:]
    for key in ("figures", "fatalities", "notes"):
        if old is not None and key in old:
            data[key] = old[key]
    return data


def new_event_id(founder: MentionInfo, used: set[str]) -> str:
    """The id a new event takes: from its founding mention, with a suffix when that id is in use elsewhere."""
    event_id = event_id_for(founder.id)
    suffix = 1
    while event_id in used:
        event_id = f"{event_id_for(founder.id)[:30]}{suffix}"
        suffix += 1
    return event_id


def link_mentions(story_id: str | None, mentions: Sequence[MentionInfo],
                  existing: Mapping[str, Mapping[str, Any]], taken: Iterable[str] = (),
                  now: dt.datetime | None = None) -> LinkResult:
    """Cluster a story's mentions and give every cluster a living id.

    ``existing`` holds the story's current canonical events (id -> stored dict with ``mention_ids`` and
    ``created_at``); ``taken`` are ids in use elsewhere (retired events included) that a new event must not reuse.
    """
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat()
    previous: dict[str, str] = {}
    for event_id, data in existing.items():
        for mention_id in data.get("mention_ids") or []:
            previous[mention_id] = event_id
    for mention in mentions:
        if mention.previous and mention.previous in existing:
            previous.setdefault(mention.id, mention.previous)
    clusters = cluster_mentions(mentions)
    age = {eid: (str(data.get("created_at") or ""), int(data.get("founded") or 0), eid)
           for eid, data in existing.items()}
    # Each old id goes to the cluster holding most of its mentions (ties: the cluster with its oldest mention).
    claims: dict[str, list[tuple[int, int]]] = {}
    for index, cluster in enumerate(clusters):
        counted = Counter(previous[m.id] for m in cluster if m.id in previous)
        for old_id, count in counted.items():
            claims.setdefault(old_id, []).append((count, -index))
    owner = {old_id: -max(options)[1] for old_id, options in claims.items()}
    used = set(taken) | set(existing)
    results: list[dict[str, Any]] = []
    assignment: dict[str, str] = {}
    kept: set[str] = set()
    retired: list[tuple[str, str | None, str]] = []
    for index, cluster in enumerate(clusters):
        mine = sorted((old for old, where in owner.items() if where == index), key=lambda old: age[old])
        event_id = mine[0] if mine else new_event_id(cluster[0], used)
        used.add(event_id)
        kept.add(event_id)
        for loser in mine[1:]:
            retired.append((loser, event_id, "same day, place, actors and type (ACLED rule)"))
        results.append(finish_event(event_id, story_id, cluster, existing.get(event_id), stamp,
                                    {loser: existing[loser] for loser in mine[1:]}))
        for mention in cluster:
            assignment[mention.id] = event_id
    for old_id in existing:
        if old_id not in kept and old_id not in {r[0] for r in retired}:
            retired.append((old_id, None, "no mention left (articles changed or removed)"))
    return LinkResult(results, assignment, retired)
