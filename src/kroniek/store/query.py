"""Read-side queries over stories and canonical events, shared by the CLI, the JSON API, the web pages and the
exporters. Every function returns plain JSON-serialisable dicts.

Each lookup goes through an index: stories by id or ``last_seen``, their articles through ``story_articles``, their
events through ``events.story_id``, and the place/actor/outlet/event-type filters through the facet tables
(``link_story_keys``, ``link_event_keys``) that the link stage keeps.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, or_, select, union_all

from kroniek.store import dates, schema, timeline
from kroniek.store.links import (
    LinkRepository,
    event_keys,
    key_value,
    loads,
    story_keys,
    summarize_event,
)
from kroniek.store.names import NAME_LABELS, article_names_of
from kroniek.store.repository import Store

_PRECISION_ORDER = {"datetime": 0, "day": 1, "week": 2, "month": 3, "year": 4}
MAX_ID_LENGTH = 256  # longer than any id the store holds (64 characters): such a lookup is None without a query


def timeline_key(event: dict[str, Any]) -> tuple[str, int, str, int, str]:
    """Resolved start date first, then the more precise before the vaguer, then the order the news told them
    (first report's publication, then its sentence: ``first_report``, where read), then id."""
    published, sentence = timeline.report_key(event)
    return (str(event.get("date_start") or "9999"), _PRECISION_ORDER.get(str(event.get("date_precision")), 5),
            published, sentence, str(event.get("id")))


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _repo(store: Store) -> LinkRepository:
    return LinkRepository(store)  # makes sure the link tables exist


# --- events -----------------------------------------------------------------------------------------------------


# What a read fills in when the stored event lacks it (events written by older versions).
_EVENT_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("figures", []), ("notes", ""), ("merged_ids", []), ("outlets", []), ("contexts", []), ("assoc_actors", []),
    ("happened", True))


def _with_columns(data: dict[str, Any], row: Any, defaults: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """The stored JSON with the columns that can change without a re-link (story, fatalities, updated_at)."""
    data["id"] = row.id
    data["story_id"] = row.story_id
    data["fatalities"] = row.fatalities
    for key, empty in defaults:
        data.setdefault(key, list(empty) if isinstance(empty, list) else empty)
    data["updated_at"] = _iso(row.updated_at)
    if "date_precision" in data:  # events (stories have no such field): one date for pages, API and exports
        dates.honest_event_date(data)
        data["date_label"] = dates.display_date(data.get("date_start"), data.get("date_precision"))
        coded = dates.coded_day(data.get("date_start"), data.get("date_end"))
        data["acled_date"] = coded.isoformat() if coded else None  # the day the ACLED export writes
        data["line"] = timeline.summary_line(data)
        for mention in data.get("mentions") or []:  # when each report appeared, apart from the event's date
            mention["published_label"] = dates.display_published(mention.get("published_at"))
        for figure in data.get("figures") or []:
            if isinstance(figure, dict):
                figure["range"] = timeline.figure_range(figure)
    return data


def event_dict(row: Any) -> dict[str, Any]:
    """The stored canonical event with the columns that can change without a re-link (story, fatalities)."""
    return _with_columns(dict(loads(row.data)), row, (*_EVENT_DEFAULTS, ("mentions", [])))


def event_summary_dict(row: Any) -> dict[str, Any]:
    """``event_dict`` without the mentions, read from the small ``summary`` column when the row has one."""
    summary = getattr(row, "summary", None)
    if not summary:
        return summarize_event(event_dict(row))
    return _with_columns(dict(loads(summary)), row, _EVENT_DEFAULTS)


def _columns(full: bool) -> list[Any]:
    """The event columns a read needs: ``data`` for full events; for summaries the ``summary`` column, and
    ``data`` only for rows written before summaries existed."""
    e, ids = schema.events, schema.event_ids
    # the ACLED id, one index lookup per row: exporters and API clients get it with the event
    id_cnty = (select(ids.c.id_cnty).where(ids.c.event_id == e.c.id, ids.c.alias_of.is_(None))
               .scalar_subquery().label("event_id_cnty"))
    base = [e.c.id, e.c.story_id, e.c.fatalities, e.c.updated_at, e.c.date_start, id_cnty]
    if full:
        return [*base, e.c.data]
    return [*base, e.c.summary, case((e.c.summary.is_(None), e.c.data), else_=None).label("data")]


def _event_from(row: Any, full: bool) -> dict[str, Any]:
    event = event_dict(row) if full else event_summary_dict(row)
    if "event_id_cnty" in row._fields:  # read with the event by _columns (migration 0010)
        event["event_id_cnty"] = row.event_id_cnty
    return event


def _facet(table: Any, owner: Any, kind: str, value: str) -> Any:
    column = table.c.story_id if table is story_keys else table.c.event_id
    return owner.in_(select(column).where(and_(table.c.kind == kind, table.c.value == key_value(value))))


def _event_query(query: Select[Any], story_id: str | None = None, place: str | None = None,
                 actor: str | None = None, event_type: str | None = None, date_from: str | None = None,
                 date_to: str | None = None) -> Select[Any]:
    e = schema.events
    query = query.where(e.c.status == "active")
    if story_id:
        query = query.where(e.c.story_id == story_id)
    if place:
        query = query.where(_facet(event_keys, e.c.id, "place", place))
    if actor:
        query = query.where(_facet(event_keys, e.c.id, "actor", actor))
    if event_type:
        query = query.where(_facet(event_keys, e.c.id, "event_type", event_type))
    if date_from:
        query = query.where(func.coalesce(e.c.date_end, e.c.date_start) >= date_from[:10])
    if date_to:
        query = query.where(e.c.date_start <= date_to[:10])
    return query


def list_events(store: Store, limit: int | None = None, offset: int = 0, story_id: str | None = None,
                place: str | None = None, actor: str | None = None, event_type: str | None = None,
                date_from: str | None = None, date_to: str | None = None, full: bool = True) -> list[dict[str, Any]]:
    """Canonical events in timeline order (date, then id; undated ones last), filtered; merged-away events are
    left out. ``full=False`` gives summaries (no mentions, see ``summarize_event``) for list pages.

    Dated and undated events are read in two queries so each walks the (status, date_start, id) index in order
    rather than sorting every event: the cost of a page does not grow with the archive."""
    _repo(store)
    e = schema.events
    filters = {"story_id": story_id, "place": place, "actor": actor, "event_type": event_type,
               "date_from": date_from, "date_to": date_to}
    found: list[dict[str, Any]] = []
    with store.engine.connect() as conn:
        dated = _event_query(select(*_columns(full)), **filters).where(e.c.date_start.is_not(None))
        query = dated.order_by(e.c.date_start, e.c.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        found = [_event_from(row, full) for row in conn.execute(query)]
        if date_from or date_to:
            return mark_date_match(found, date_from, date_to)  # a date filter leaves undated events out
        if limit is not None and len(found) >= limit:
            return found
        skipped = 0
        if offset and not found:
            skipped = int(conn.execute(select(func.count()).select_from(dated.subquery())).scalar_one())
        undated = _event_query(select(*_columns(full)), **filters).where(e.c.date_start.is_(None))
        query = undated.order_by(e.c.id).offset(max(0, offset - skipped) if offset and not found else 0)
        if limit is not None:
            query = query.limit(limit - len(found))
        found.extend(_event_from(row, full) for row in conn.execute(query))
    return found


def mark_date_match(events: list[dict[str, Any]], date_from: str | None,
                    date_to: str | None) -> list[dict[str, Any]]:
    """Each event's ``date_match`` for a date filter: "certain" when its period lies inside the filter's days,
    "possible" when it only overlaps them (an event of 2022-01 for 5..7 January 2022)."""
    for event in events:
        event["date_match"] = dates.date_match(event.get("date_start"), event.get("date_end"), date_from, date_to)
    return events


def count_events(store: Store, story_id: str | None = None, place: str | None = None, actor: str | None = None,
                 event_type: str | None = None, date_from: str | None = None, date_to: str | None = None) -> int:
    _repo(store)
    query = _event_query(select(func.count()).select_from(schema.events), story_id, place, actor, event_type,
                         date_from, date_to)
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def get_event(store: Store, event_id: str) -> dict[str, Any] | None:
    """One event; a merged-away id resolves to the event it was merged into (with ``redirected_from``)."""
    if len(event_id) > MAX_ID_LENGTH:
        return None
    _repo(store)
    e = schema.events
    seen: set[str] = set()
    current = event_id
    with store.engine.connect() as conn:
        while current not in seen:
            seen.add(current)
            row = conn.execute(select(e).where(e.c.id == current)).first()
            if row is None and current == event_id:  # an ACLED id or one of its aliases names the event too
                found = event_of_id_cnty(conn, event_id)
                row = None if found is None else conn.execute(select(e).where(e.c.id == found)).first()
            if row is None:
                return None
            if row.status == "active":
                data = event_dict(row)
                ids = schema.event_ids
                data["event_id_cnty"] = conn.execute(select(ids.c.id_cnty).where(
                    ids.c.event_id == row.id, ids.c.alias_of.is_(None))).scalar()
                if current != event_id:
                    data["redirected_from"] = event_id
                return data
            if not row.merged_into:
                return None  # deleted without a successor: see deleted_events
            current = row.merged_into
    return None


# --- articles ---------------------------------------------------------------------------------------------------



def resolve_article_id(store: Store, article_id: str, prefix: bool = False) -> str | None:
    """The stored id of an article: the id itself, matched exactly. With ``prefix`` (the CLI's ``show``, as git
    does for commits) an id that is not stored may also be a unique prefix of one: matched with ``%`` and ``_``
    taken literally, and only two rows read. Over-long ids are None
    without a query (a 60,000-character LIKE pattern is an error on SQLite)."""
    if not article_id or len(article_id) > MAX_ID_LENGTH:
        return None
    a = schema.articles
    with store.engine.connect() as conn:
        found = conn.execute(select(a.c.id).where(a.c.id == article_id)).scalar()
        if found is not None or not prefix:
            return None if found is None else str(found)
        rows = list(conn.execute(select(a.c.id).where(a.c.id.startswith(article_id, autoescape=True)).limit(2)))
    return str(rows[0].id) if len(rows) == 1 else None


def deleted_events(store: Store) -> list[dict[str, Any]]:
    """Event ids that no longer exist: merged into another (new_id) or gone (new_id None), oldest first."""
    _repo(store)
    m = schema.merges
    query = select(m).where(m.c.kind == "event").order_by(m.c.seq)
    with store.engine.connect() as conn:
        return [{"old_id": row.old_id, "new_id": row.new_id or None, "at": _iso(row.at), "reason": row.reason}
                for row in conn.execute(query)]


# --- living ACLED ids (event_ids; migration 0010) ---------------------------------------------------------------


def event_of_id_cnty(conn: Any, id_cnty: str) -> str | None:
    """The kroniek event an ``event_id_cnty`` names, the exported one or any alias of it."""
    ids = schema.event_ids
    found = conn.execute(select(ids.c.event_id).where(ids.c.id_cnty == id_cnty)).scalar()
    return None if found is None else str(found)


def _unix(value: Any) -> int:
    stamp = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if stamp.tzinfo is None:  # SQLite hands the stored UTC time back without its zone
        stamp = stamp.replace(tzinfo=dt.UTC)
    return int(stamp.timestamp())


def deleted_ids(store: Store, since: int | None = None, limit: int | None = None,
                offset: int = 0) -> list[dict[str, Any]]:
    """ACLED's deletion feed: each ``event_id_cnty`` that left the export, with ``deleted_timestamp`` (Unix
    seconds) at or after ``since``, oldest first. An event merged into another or retired takes its exported id
    with it; a placeholder id (``XXX``) leaves when the event's country is resolved and the event goes on under
    its country's id. ``old_id``/``new_id``/``at``/``reason`` say the same in kroniek's terms."""
    _repo(store)
    ids, e = schema.event_ids, schema.events
    gone = (select(ids.c.id_cnty, ids.c.event_id, e.c.merged_into.label("successor"), e.c.updated_at.label("at"),
                   literal(False).label("superseded"))
            .join(e, e.c.id == ids.c.event_id).where(ids.c.alias_of.is_(None), e.c.status != "active"))
    superseded = (select(ids.c.id_cnty, ids.c.event_id, ids.c.alias_of.label("successor"),
                         ids.c.aliased_at.label("at"), literal(True).label("superseded"))
                  .where(ids.c.aliased_at.is_not(None)))
    feed = union_all(gone, superseded).subquery()
    query = select(feed)
    if since is not None:
        # whole seconds: floor(at) >= since exactly when at >= since; stored times are UTC
        bound = dt.datetime.fromtimestamp(since, dt.UTC)
        query = query.where(feed.c.at >= (bound.replace(tzinfo=None) if store.engine.dialect.name == "sqlite"
                                          else bound))
    query = query.order_by(feed.c.at, feed.c.id_cnty).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    found = []
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            placeholder = bool(row.superseded)
            found.append({"event_id_cnty": row.id_cnty, "deleted_timestamp": _unix(row.at),
                          "old_id": row.event_id, "new_id": row.event_id if placeholder else (row.successor or None),
                          "at": _iso(row.at),
                          "reason": f"country resolved: now {row.successor}" if placeholder
                          else ("merged" if row.successor else "retired")})
    return found


def list_places(store: Store) -> list[dict[str, Any]]:
    """Places with their number of events and coordinates, most events first."""
    _repo(store)
    e = schema.events
    query = (select(e.c.place, e.c.country, func.count().label("events"), func.avg(e.c.latitude).label("lat"),
                    func.avg(e.c.longitude).label("lon"), func.max(e.c.date_start).label("last"))
             .where(and_(e.c.status == "active", e.c.place.is_not(None)))
             .group_by(e.c.place, e.c.country).order_by(func.count().desc(), e.c.place))
    with store.engine.connect() as conn:
        return [{"name": row.place, "iso2": row.country, "count": int(row.events), "latitude": row.lat,
                 "longitude": row.lon, "last": row.last} for row in conn.execute(query)]


def list_actors(store: Store) -> list[dict[str, Any]]:
    """Actors (actor1, actor2 and associated actors of canonical events), most events first."""
    _repo(store)
    k = event_keys
    query = (select(func.min(k.c.label).label("name"), func.count().label("events"))
             .where(k.c.kind == "actor").group_by(k.c.value).order_by(func.count().desc(), k.c.value))
    with store.engine.connect() as conn:
        return [{"name": row.name, "count": int(row.events)} for row in conn.execute(query)]


def place_events(store: Store, name: str) -> list[dict[str, Any]]:
    return list_events(store, place=name)


def actor_events(store: Store, name: str) -> list[dict[str, Any]]:
    return list_events(store, actor=name)


# --- stories ----------------------------------------------------------------------------------------------------


# Every story column but the clustering profile (large, and only the link stage reads it).
_STORY_COLUMNS = [column for column in schema.stories.c if column.name != "profile"]

# What ``stories.summary`` holds (a trigger keeps it from ``data``: migration 0005): the lists a story list shows.
STORY_SUMMARY_FIELDS = ("outlets", "places", "countries", "event_types")


# A list page's story columns: the small ``summary`` instead of ``data`` (which carries every figure and claim, up
# to a megabyte).
_STORY_LIST_COLUMNS = [column for column in schema.stories.c if column.name not in ("profile", "data")]


def _story_data_of(conn: Any, rows: list[Any]) -> dict[str, dict[str, Any]]:
    """``data`` of the rows that have no summary (written before migration 0005 or not JSON), decoded."""
    s = schema.stories
    missing = [row.id for row in rows if not row.summary]
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(missing), 500):
        query = select(s.c.id, s.c.data).where(s.c.id.in_(missing[start:start + 500]))
        found.update({row.id: loads(row.data) for row in conn.execute(query)})
    return found


def _story_query(query: Select[Any], q: str | None = None, date_from: str | None = None, date_to: str | None = None,
                 place: str | None = None, outlet: str | None = None, event_type: str | None = None) -> Select[Any]:
    s = schema.stories
    query = query.where(s.c.status == "active")
    if q:
        # the search text is literal: % and _ typed by a user are not wildcards
        literal = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(or_(func.lower(s.c.title).like(f"%{literal}%", escape="\\"), s.c.id == q.strip()))
    if date_from:
        # last_seen is the start of the last article's period: a story of month-dated articles ("2022-01")
        # reaches its period's end, so one seen earlier in the year is checked against its articles' ends
        day = date_from[:10]
        a, sa = schema.articles, schema.story_articles
        reaches = (select(sa.c.story_id).select_from(sa.join(a, a.c.id == sa.c.article_id))
                   .where(sa.c.story_id == s.c.id, a.c.published_end >= day).exists())
        query = query.where(or_(s.c.last_seen >= day, and_(s.c.last_seen >= day[:4] + "-01-01", reaches)))
    if date_to:
        query = query.where(s.c.first_seen <= date_to[:10] + "\uffff")
    if place:
        query = query.where(_facet(story_keys, s.c.id, "place", place))
    if outlet:
        query = query.where(_facet(story_keys, s.c.id, "outlet", outlet))
    if event_type:
        query = query.where(_facet(story_keys, s.c.id, "event_type", event_type))
    return query


def _with_story_dates(conn: Any, stories: list[dict[str, Any]], date_from: str | None = None,
                      date_to: str | None = None) -> list[dict[str, Any]]:
    """First and last seen to the precision of the articles they come from ("January 2022", never an invented
    first day), read from the articles (so stores linked by any version agree), and with a date filter whether
    each story matches it for certain or only possibly."""
    a, sa, s = schema.articles, schema.story_articles, schema.stories
    ids = [str(story["id"]) for story in stories]
    found: dict[tuple[str, str], list[str | None]] = defaultdict(list)
    ends: dict[str, Any] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        joined = sa.join(a, a.c.id == sa.c.article_id).join(s, s.c.id == sa.c.story_id)
        query = (select(sa.c.story_id, a.c.published_start, a.c.date_precision).select_from(joined)
                 .where(sa.c.story_id.in_(chunk), or_(a.c.published_start == func.substr(s.c.first_seen, 1, 10),
                                                      a.c.published_start == func.substr(s.c.last_seen, 1, 10)))
                 .group_by(sa.c.story_id, a.c.published_start, a.c.date_precision))
        for row in conn.execute(query):
            found[(row.story_id, str(row.published_start))].append(row.date_precision)
        query = (select(sa.c.story_id, func.max(a.c.published_end).label("end"))
                 .select_from(sa.join(a, a.c.id == sa.c.article_id)).where(sa.c.story_id.in_(chunk))
                 .group_by(sa.c.story_id))
        ends.update({row.story_id: row.end for row in conn.execute(query)})
    for story in stories:
        for side in ("first_seen", "last_seen"):
            value = story.get(side)
            day = str(value)[:10] if value else ""
            precision = dates.finest(found.get((str(story["id"]), day), [])) if day else None
            precision = "day" if precision == "datetime" else precision or dates.precision_of(day)
            story[f"{side}_precision"] = precision
            story[f"{side}_label"] = dates.display_date(day, precision) if day else None
        story["last_seen_end"] = ends.get(story["id"])
        if date_from or date_to:
            story["date_match"] = dates.span_match(
                story.get("first_seen"), story.get("first_seen_precision"), story.get("last_seen"),
                story.get("last_seen_precision"), story.get("last_seen_end"), date_from, date_to)
    return stories


def _story_dict(row: Any, events: list[dict[str, Any]] | None, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """A story's columns and list fields; ``events=None`` leaves the events out. The lists come from the summary
    column when the row has one, else from ``data`` (given already decoded, or decoded here)."""
    if row.summary:
        data = loads(row.summary)
    elif data is None:
        data = loads(row.data)
    story = {
        "id": row.id, "title": row.title, "first_seen": row.first_seen, "last_seen": row.last_seen,
        "article_count": row.article_count, "outlet_count": row.outlet_count,
        "outlets": list(data.get("outlets") or []), "places": list(data.get("places") or []),
        "countries": list(data.get("countries") or []), "event_types": list(data.get("event_types") or []),
        "events": sorted(events or [], key=timeline_key), "status": row.status, "updated_at": _iso(row.updated_at),
    }
    if events is None:
        del story["events"]
    return story


def _events_of(conn: Any, story_ids: list[str], per_story: int | None = None,
               full: bool = True) -> dict[str, list[dict[str, Any]]]:
    """The active events of the stories; with ``per_story``, only the latest that many of each (list pages)."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    e = schema.events
    for start in range(0, len(story_ids), 500):
        chunk = story_ids[start:start + 500]
        wanted = and_(e.c.story_id.in_(chunk), e.c.status == "active")
        if per_story is None:
            rows = conn.execute(select(*_columns(full)).where(wanted))
        else:
            # one short walk of ix_events_story_date per story, whatever the size of the story
            # (undated events last on SQLite and PostgreSQL alike, which sort NULL differently by default)
            newest_first = (e.c.date_start.desc().nulls_last(), e.c.id.desc())
            latest = [conn.execute(select(e.c.id).where(and_(e.c.story_id == story_id, e.c.status == "active"))
                                   .order_by(*newest_first).limit(per_story)).scalars().all()
                      for story_id in chunk]
            ids = [event_id for found_ids in latest for event_id in found_ids]
            rows = conn.execute(select(*_columns(full)).where(e.c.id.in_(ids))) if ids else []
        for row in rows:
            found[row.story_id].append(_event_from(row, full))
    return found


def _event_counts(conn: Any, story_ids: list[str]) -> dict[str, int]:
    e = schema.events
    counts: dict[str, int] = {}
    for start in range(0, len(story_ids), 500):
        chunk = story_ids[start:start + 500]
        query = (select(e.c.story_id, func.count()).where(and_(e.c.story_id.in_(chunk), e.c.status == "active"))
                 .group_by(e.c.story_id))
        counts.update({story_id: int(n) for story_id, n in conn.execute(query)})
    return counts


def list_stories(store: Store, limit: int | None = None, offset: int = 0, q: str | None = None,
                 date_from: str | None = None, date_to: str | None = None, place: str | None = None,
                 outlet: str | None = None, event_type: str | None = None,
                 events_per_story: int | None = None) -> list[dict[str, Any]]:
    """Stories, most recently active first, each with its events on a timeline.

    With ``events_per_story`` (list pages) each story carries only its latest that many events, as summaries
    (``summarize_event``), and ``event_count`` says how many there are; 0 leaves the ``events`` out altogether (and
    still gives ``event_count``). Without it every event comes in full (exports)."""
    _repo(store)
    s = schema.stories
    query = _story_query(select(*_STORY_LIST_COLUMNS), q, date_from, date_to, place, outlet, event_type)
    query = query.order_by(s.c.last_seen.desc(), s.c.article_count.desc(), s.c.id)
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    with store.engine.connect() as conn:
        rows = list(conn.execute(query))
        ids = [row.id for row in rows]
        data = _story_data_of(conn, rows)
        counts = _event_counts(conn, ids)
        if events_per_story == 0:
            return _with_story_dates(conn, [_story_dict(row, None, data.get(row.id)) |
                                            {"event_count": counts.get(row.id, 0)} for row in rows],
                                     date_from, date_to)
        events = _events_of(conn, ids, events_per_story, full=events_per_story is None)
        return _with_story_dates(conn, [_story_dict(row, events.get(row.id, []), data.get(row.id)) |
                                        {"event_count": counts.get(row.id, 0)} for row in rows], date_from, date_to)


def count_stories(store: Store, q: str | None = None, date_from: str | None = None, date_to: str | None = None,
                  place: str | None = None, outlet: str | None = None, event_type: str | None = None) -> int:
    _repo(store)
    query = _story_query(select(func.count()).select_from(schema.stories), q, date_from, date_to, place, outlet,
                         event_type)
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def get_story(store: Store, story_id: str, full_events: bool = True,
              article_rows: int | None = None) -> dict[str, Any] | None:
    """Everything the story page shows: articles, coverage per outlet, events timeline, figures, merges.
    ``full_events=False`` gives the events as summaries (no mentions; see ``summarize_event``). With
    ``article_rows`` (the web page) ``articles`` holds only the first that many in arrival order; the coverage,
    ``article_total`` and the names still cover them all."""
    if len(story_id) > MAX_ID_LENGTH:
        return None
    repo = _repo(store)
    s = schema.stories
    with store.engine.connect() as conn:
        current, row = story_id, None
        seen: set[str] = set()
        while current not in seen:
            seen.add(current)
            row = conn.execute(select(*_STORY_COLUMNS).where(s.c.id == current)).first()
            if row is None or row.status == "active" or not row.merged_into:
                break
            current = row.merged_into
        if row is None:
            return None
        if article_rows is None:
            articles = repo.story_article_rows(conn, row.id)
            coverage = _coverage(articles)
            latest = [a.id for a in articles[-NAMES_FROM_ARTICLES:]]
        else:
            articles, coverage, latest = _story_article_page(conn, row.id, article_rows)
        events = _events_of(conn, [row.id], full=full_events).get(row.id, [])
        reports = timeline.first_reports(conn, [str(e["id"]) for e in events])
        for event in events:
            event["first_report"] = reports.get(str(event["id"]))
        [dated] = _with_story_dates(conn, [{"id": row.id, "first_seen": row.first_seen, "last_seen": row.last_seen}])
        m = schema.merges
        # one indexed lookup per side (ix_merges_old, ix_merges_new) rather than every story merge filtered
        sides = (and_(m.c.kind == "story", m.c.old_id == row.id), m.c.new_id == row.id)
        found = {r.seq: r for side in sides for r in conn.execute(select(m).where(side)) if r.kind == "story"}
        merges = [r for _seq, r in sorted(found.items())]
    story = _story_from(row, articles, coverage, events, dated, merges,
                        story_names(store, latest, limit_articles=NAMES_FROM_ARTICLES))
    if row.id != story_id:
        story["redirected_from"] = story_id
    return story


def _story_from(row: Any, articles: list[Any], coverage: dict[str, dict[str, Any]], events: list[dict[str, Any]],
                dated: dict[str, Any], merges: list[Any], names: list[dict[str, Any]]) -> dict[str, Any]:
    """A story as ``get_story`` gives it, from what was read for it (by ``get_story`` or ``get_stories``)."""
    data = loads(row.data)
    story = _story_dict(row, events, data) | dated
    story["articles"] = [dict(zip(_ARTICLE_KEYS, (a.id, a.outlet, a.title, a.url, a.published_at, a.date_precision,
                                                  a.language, a.similarity), strict=True)) for a in articles]
    for article in story["articles"]:
        article["published_label"] = dates.display_published(article["published_at"], article["date_precision"])
    for entry in coverage.values():
        for side in ("first", "last"):
            entry[f"{side}_label"] = dates.display_published(entry[side]) if entry[side] else None
    story["article_total"] = sum(entry["count"] for entry in coverage.values())
    story["coverage"] = sorted(coverage.values(), key=lambda c: (str(c["first"] or "9999"), c["outlet"]))
    story["outlets"] = sorted(coverage) or story["outlets"]
    story["figures"] = story_figures(story["events"], data)
    story["figures_summary"] = timeline.figures_summary(story["figures"])
    story["merges"] = [{"kind": r.kind, "old_id": r.old_id, "new_id": r.new_id, "reason": r.reason,
                        "at": _iso(r.at)} for r in merges]
    story["names"] = names
    return story


STORY_BATCH = 200  # stories read together by get_stories (a few queries per batch)


def story_ids(store: Store, q: str | None = None, date_from: str | None = None, date_to: str | None = None,
              place: str | None = None, outlet: str | None = None, event_type: str | None = None) -> list[str]:
    """The ids of every story ``list_stories`` lists with these filters, in its order, from one query (an export
    reads the stories themselves with ``get_stories``)."""
    _repo(store)
    s = schema.stories
    query = _story_query(select(s.c.id), q, date_from, date_to, place, outlet, event_type)
    with store.engine.connect() as conn:
        return list(conn.execute(query.order_by(s.c.last_seen.desc(), s.c.article_count.desc(), s.c.id)).scalars())


def get_stories(store: Store, story_ids: Sequence[str]) -> Iterator[dict[str, Any]]:
    """``get_story(store, id)`` for many stories (full events, every article), in the order given, yielded batch by
    batch: each batch of STORY_BATCH stories costs a few queries rather than about ten per story (the stories
    JSON export). An id that is not an active story goes through ``get_story`` (merges followed); one unknown is
    left out."""
    _repo(store)
    s, a, sa, m, n = (schema.stories, schema.articles, schema.story_articles, schema.merges,
                      schema.article_names)
    ids = list(story_ids)
    for start in range(0, len(ids), STORY_BATCH):
        chunk = ids[start:start + STORY_BATCH]
        with store.engine.connect() as conn:
            rows = {row.id: row for row in conn.execute(select(*_STORY_COLUMNS).where(s.c.id.in_(chunk)))
                    if row.status == "active"}
            active = [story_id for story_id in chunk if story_id in rows]
            articles: dict[str, list[Any]] = defaultdict(list)
            article_query = (select(sa.c.story_id, a.c.id, a.c.seq, a.c.outlet, a.c.title, a.c.url, a.c.published_at,
                                    a.c.date_precision, a.c.published_start, a.c.published_end, a.c.language,
                                    sa.c.similarity)
                             .select_from(sa.join(a, a.c.id == sa.c.article_id))
                             .where(sa.c.story_id.in_(active)).order_by(sa.c.story_id, a.c.seq))
            for article in conn.execute(article_query):
                articles[article.story_id].append(article)
            events = _events_of(conn, active, full=True)
            reports = timeline.first_reports(conn, [str(e["id"]) for found in events.values() for e in found])
            dated = {story["id"]: story for story in _with_story_dates(conn, [
                {"id": row.id, "first_seen": row.first_seen, "last_seen": row.last_seen} for row in rows.values()])}
            merges: dict[str, dict[int, Any]] = defaultdict(dict)
            if active:
                touching = select(m).where(m.c.kind == "story", or_(m.c.old_id.in_(active), m.c.new_id.in_(active)))
                for merge in conn.execute(touching):
                    for side in {merge.old_id, merge.new_id} & rows.keys():
                        merges[side][merge.seq] = merge
            latest = {story_id: [r.id for r in articles[story_id][-NAMES_FROM_ARTICLES:]] for story_id in active}
            wanted = sorted({article_id for found_ids in latest.values() for article_id in found_ids})
            name_rows: dict[str, list[Any]] = defaultdict(list)
            for part in range(0, len(wanted), 500):
                name_query = (select(n).where(n.c.article_id.in_(wanted[part:part + 500]))
                              .order_by(n.c.article_id, n.c.name_key, n.c.label))
                for name_row in conn.execute(name_query):
                    name_rows[name_row.article_id].append(name_row)
        for story_id in chunk:
            if story_id not in rows:  # merged away or unknown: the one-story path follows the merge
                single = get_story(store, story_id)
                if single is not None:
                    yield single
                continue
            row = rows[story_id]
            for event in events.get(story_id, []):
                event["first_report"] = reports.get(str(event["id"]))
            yield _story_from(row, articles[story_id], _coverage(articles[story_id]), events.get(story_id, []),
                              dated[story_id], [merges[story_id][seq] for seq in sorted(merges[story_id])],
                              story_names(store, latest[story_id], limit_articles=NAMES_FROM_ARTICLES,
                                          name_rows=name_rows))


def story_figures(events: Sequence[dict[str, Any]], data: dict[str, Any]) -> list[dict[str, Any]]:
    """A story's figures table: each event's rows, events in timeline order, then the rows of figures no event
    reports (``loose_figures``, kept by the reconcile stage). A store reconciled before the table was put
    together here holds it whole in ``figures`` until its next run converts it."""
    if "loose_figures" not in data and isinstance(data.get("figures"), list):
        return list(data["figures"])
    rows = [row for event in sorted(events, key=timeline_key) for row in event.get("figures") or []]
    return rows + list(data.get("loose_figures") or [])


_ARTICLE_KEYS = ("id", "outlet", "title", "url", "published_at", "date_precision", "language", "similarity")
NAMES_FROM_ARTICLES = 200  # the story's names are voted over its latest this many articles


def _coverage(articles: list[Any]) -> dict[str, dict[str, Any]]:
    """Per outlet: its number of articles and its first and last publication (undated articles only count)."""
    coverage: dict[str, dict[str, Any]] = {}
    for a in articles:
        entry = coverage.get(a.outlet)
        if entry is None:
            entry = coverage[a.outlet] = {"outlet": a.outlet, "first": None, "last": None, "count": 0}
        entry["count"] += 1
        published = a.published_at
        if published:
            if entry["first"] is None or published < entry["first"]:
                entry["first"] = published
            if entry["last"] is None or published > entry["last"]:
                entry["last"] = published
    return coverage


def _story_article_page(conn: Any, story_id: str, rows: int) -> tuple[list[Any], dict[str, dict[str, Any]], list[str]]:
    """The first ``rows`` articles of a story in arrival order, the coverage of all of them (counted in the
    database) and the ids of the latest NAMES_FROM_ARTICLES (for the names), without loading every article."""
    a, sa = schema.articles, schema.story_articles
    joined = sa.join(a, a.c.id == sa.c.article_id)
    first = list(conn.execute(
        select(a.c.id, a.c.outlet, a.c.title, a.c.url, a.c.published_at, a.c.date_precision, a.c.language,
               sa.c.similarity).select_from(joined).where(sa.c.story_id == story_id).order_by(a.c.seq).limit(rows)))
    published: Any = func.nullif(a.c.published_at, "")
    if conn.dialect.name == "postgresql":  # code point order, as SQLite and the Python path compare
        published = published.collate("C")
    per_outlet = (select(a.c.outlet, func.count().label("n"), func.min(published).label("first"),
                         func.max(published).label("last"))
                  .select_from(joined).where(sa.c.story_id == story_id).group_by(a.c.outlet))
    coverage = {row.outlet: {"outlet": row.outlet, "first": row.first or None, "last": row.last or None,
                             "count": int(row.n)} for row in conn.execute(per_outlet)}
    latest = list(conn.execute(select(a.c.id).select_from(joined).where(sa.c.story_id == story_id)
                               .order_by(a.c.seq.desc()).limit(NAMES_FROM_ARTICLES)).scalars())
    return first, coverage, latest[::-1]


def story_names(store: Store, article_ids: list[str], limit_articles: int = NAMES_FROM_ARTICLES,
                top: int = 40, name_rows: dict[str, list[Any]] | None = None) -> list[dict[str, Any]]:
    """The people, organisations and places of a story, one type per name across its latest articles.

    Each article's analysis already gives a name one type; across articles the types are voted (a mention is one
    vote), so a name Frog saw as a person in one outlet and an organisation in another gets the majority type
    everywhere on the story page. Surnames alone are folded into the full name they end, as within a document.
    The votes come from ``article_names`` (kept by the link stage); an article linked before that table existed
    is read from its stored analysis instead.
    """
    votes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    display: dict[str, str] = {}
    articles_of: dict[str, set[str]] = defaultdict(set)
    wanted = article_ids[-limit_articles:]
    listed: set[str] = set()
    n = schema.article_names

    def stored_rows() -> Iterator[Any]:
        if name_rows is not None:  # read already for many stories at once (get_stories), in primary-key order
            for article_id in sorted(set(wanted)):
                yield from name_rows.get(article_id, [])
            return
        with store.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                yield from conn.execute(select(n).where(n.c.article_id.in_(wanted[start:start + 500])))

    for row in stored_rows():
        listed.add(row.article_id)
        if row.label in NAME_LABELS:
            _vote(votes, display, articles_of, row.name_key, row.name, row.label, row.article_id, int(row.mentions))
    for article_id in wanted:
        if article_id in listed:
            continue
        article = store.get_article(article_id)
        document = store.document_for(article) if article is not None else None
        for key, name, label, count in article_names_of(document):
            _vote(votes, display, articles_of, key, name, label, article_id, count)
    # a surname alone ("Tokajev") belongs to the full name it ends ("Kassym-Jomart Tokajev"); the full names are
    # looked up by their last word (only one-word keys are folded away, so this index stays right)
    ending_in: dict[str, list[str]] = defaultdict(list)
    for key in votes:
        if " " in key:
            ending_in[key.rsplit(" ", 1)[1]].append(key)
    for key in sorted(votes, key=len):
        if " " in key:
            continue
        fuller = ending_in.get(key, [])
        if len(fuller) == 1:
            for label, count in votes.pop(key).items():
                votes[fuller[0]][label] += count
            articles_of[fuller[0]] |= articles_of.pop(key)
    names: list[dict[str, Any]] = []
    for key, by_label in votes.items():
        label = max(by_label, key=lambda lab: (by_label[lab], lab == "PER", lab == "LOC"))
        names.append({"name": display[key], "label": label, "mentions": sum(by_label.values()),
                      "articles": len(articles_of[key]), "other_labels": sorted(set(by_label) - {label})})
    names.sort(key=lambda n: (-int(n["articles"]), -int(n["mentions"]), str(n["name"])))
    return names[:top]


def _vote(votes: dict[str, dict[str, int]], display: dict[str, str], articles_of: dict[str, set[str]], key: str,
          name: str, label: str, article_id: str, count: int) -> None:
    votes[key][label] += count
    articles_of[key].add(article_id)
    if len(name) > len(display.get(key, "")):
        display[key] = name
