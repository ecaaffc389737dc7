"""Store access for the link and reconcile stages and their read side (``kroniek.store.query``).

Besides the shared tables (stories, story_articles, events, mentions, claims, merges) linking keeps four small
tables of its own (defined in ``kroniek.store.schema``):

* ``link_term_df``: document frequency per term, kept up to date one batch at a time (TF-IDF without a re-scan);
* ``link_state``: counters such as the number of documents behind those frequencies;
* ``link_story_keys`` and ``link_event_keys``: facets (outlet, place, event type, actor) per story and event, so
  the filters of the story and event lists use an index instead of scanning JSON.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import pycountry
from sqlalchemy import (
    Engine,
    Table,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from kroniek import jsonio
from kroniek.model import Event
from kroniek.store import schema
from kroniek.store.repository import Store

# The link tables live in the shared schema (and its migrations); these names keep the module's vocabulary.
term_df = schema.link_term_df
link_state = schema.link_state
story_keys = schema.link_story_keys
event_keys = schema.link_event_keys


def ensure_tables(engine: Engine) -> None:
    """Kept for callers: the tables come with the store's migrations now."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def key_value(text: str) -> str:
    return text.strip().casefold()[:200]


def chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]


def _upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], keys: list[str],
            set_: Mapping[str, Any] | None = None, increment: str | None = None) -> None:
    """INSERT ... ON CONFLICT on SQLite and PostgreSQL; ``increment`` adds the new value to the stored one."""
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    dialect_insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    # One statement for all rows (executemany): compiled once and cached, where a multi-row VALUES list was
    # compiled anew for every batch (half a second per batch of a hundred articles' terms).
    stmt = dialect_insert(table)
    if increment is not None:
        values = {increment: table.c[increment] + stmt.excluded[increment]}
    else:
        values = {name: stmt.excluded[name] for name in (set_ or {c.name for c in table.columns
                                                                  if c.name not in keys})}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=values), rows)


class LinkRepository:
    """Link-stage reads and writes over one ``Store``. Methods taking ``conn`` run inside the caller's transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store
        ensure_tables(store.engine)

    # --- document frequencies ---------------------------------------------------------------------------------

    def load_df(self, conn: Connection, terms: Iterable[str]) -> dict[str, int]:
        wanted = sorted({t[:120] for t in terms})
        found: dict[str, int] = {}
        for chunk in chunks(wanted):
            for row in conn.execute(select(term_df.c.term, term_df.c.df).where(term_df.c.term.in_(chunk))):
                found[row.term] = int(row.df)
        return found

    def add_df(self, conn: Connection, counts: Mapping[str, int]) -> None:
        merged: dict[str, int] = {}
        for term, count in sorted(counts.items()):
            if count:
                merged[term[:120]] = merged.get(term[:120], 0) + int(count)
        _upsert(conn, term_df, [{"term": t, "df": c} for t, c in merged.items()], ["term"], increment="df")

    def get_state(self, conn: Connection, key: str, default: str = "") -> str:
        row = conn.execute(select(link_state.c.value).where(link_state.c.key == key)).first()
        return str(row.value) if row else default

    def set_state(self, conn: Connection, key: str, value: str) -> None:
        _upsert(conn, link_state, [{"key": key, "value": value}], ["key"])

    # --- stories ----------------------------------------------------------------------------------------------

    def latest_story_day(self, conn: Connection) -> str | None:
        row = conn.execute(select(schema.stories.c.last_seen).where(schema.stories.c.status == "active")
                           .order_by(schema.stories.c.last_seen.desc()).limit(1)).first()
        return str(row.last_seen)[:10] if row and row.last_seen else None

    def active_story_rows(self, conn: Connection, since: str | None) -> list[Any]:
        query = select(schema.stories).where(schema.stories.c.status == "active")
        if since is not None:
            query = query.where((schema.stories.c.last_seen >= since) | schema.stories.c.last_seen.is_(None))
        return list(conn.execute(query))

    def story_rows(self, conn: Connection, ids: Iterable[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for chunk in chunks(sorted(set(ids))):
            for row in conn.execute(select(schema.stories).where(schema.stories.c.id.in_(chunk))):
                found[row.id] = row
        return found

    def save_story(self, conn: Connection, values: dict[str, Any]) -> None:
        values = dict(values, updated_at=utcnow())
        exists = conn.execute(select(schema.stories.c.id).where(schema.stories.c.id == values["id"])).first()
        if exists:
            conn.execute(update(schema.stories).where(schema.stories.c.id == values["id"]).values(**values))
        else:
            conn.execute(insert(schema.stories).values(**values))

    def update_story(self, conn: Connection, story_id: str, **values: Any) -> None:
        conn.execute(update(schema.stories).where(schema.stories.c.id == story_id)
                     .values(**values, updated_at=utcnow()))

    def story_of(self, conn: Connection, article_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in chunks(list(article_ids)):
            for row in conn.execute(select(schema.story_articles.c.article_id, schema.story_articles.c.story_id)
                                    .where(schema.story_articles.c.article_id.in_(chunk))):
                found[row.article_id] = row.story_id
        return found

    def set_story_article(self, conn: Connection, article_id: str, story_id: str, similarity: float | None) -> None:
        table = schema.story_articles
        conn.execute(delete(table).where(table.c.article_id == article_id))
        conn.execute(insert(table).values(article_id=article_id, story_id=story_id,
                                          similarity=None if similarity is None else round(similarity, 4),
                                          joined_at=utcnow()))

    def move_story_articles(self, conn: Connection, old_id: str, new_id: str) -> None:
        conn.execute(update(schema.story_articles).where(schema.story_articles.c.story_id == old_id)
                     .values(story_id=new_id))
        conn.execute(update(schema.events).where(schema.events.c.story_id == old_id).values(story_id=new_id))

    def story_article_rows(self, conn: Connection, story_id: str) -> list[Any]:
        a, sa = schema.articles, schema.story_articles
        query = (select(a.c.id, a.c.seq, a.c.outlet, a.c.title, a.c.url, a.c.published_at, a.c.date_precision,
                        a.c.published_start, a.c.published_end, a.c.language, sa.c.similarity)
                 .select_from(sa.join(a, a.c.id == sa.c.article_id))
                 .where(sa.c.story_id == story_id).order_by(a.c.seq))
        return list(conn.execute(query))

    def article_rows(self, conn: Connection, ids: Sequence[str]) -> dict[str, Any]:
        """The columns linking reads of some articles (as ``story_article_rows``), by id."""
        a = schema.articles
        found: dict[str, Any] = {}
        for chunk in chunks(sorted(set(ids))):
            for row in conn.execute(select(a.c.id, a.c.seq, a.c.outlet, a.c.title, a.c.published_at,
                                           a.c.published_start).where(a.c.id.in_(chunk))):
                found[row.id] = row
        return found

    def stories_in_chunks(self, chunk: int, active_only: bool = False) -> Iterator[tuple[Connection, list[Any]]]:
        """Every story (or every active one), id and data, ``chunk`` at a time in id order, each chunk with its
        own transaction to work in: a backfill interrupted half-way keeps the chunks it finished."""
        st = schema.stories
        after = ""
        while True:
            with self.store.engine.begin() as conn:
                query = select(st.c.id, st.c.data).where(st.c.id > after)
                if active_only:
                    query = query.where(st.c.status == "active")
                rows = list(conn.execute(query.order_by(st.c.id).limit(chunk)))
                yield conn, rows
            if len(rows) < chunk:
                return
            after = rows[-1].id

    def story_article_stats(self, conn: Connection, story_id: str) -> Any:
        """count, first and last published_start and the outlets of a story's articles, aggregated in the
        database (one index range, no rows to Python)."""
        a, sa = schema.articles, schema.story_articles
        joined = sa.join(a, a.c.id == sa.c.article_id)
        where = sa.c.story_id == story_id
        row = conn.execute(select(func.count().label("count"), func.min(a.c.published_start).label("first"),
                                  func.max(a.c.published_start).label("last"))
                           .select_from(joined).where(where)).one()
        outlets = sorted(conn.execute(select(a.c.outlet).select_from(joined).where(where).distinct()).scalars())
        return row, outlets

    def holds_later_articles(self, conn: Connection, story_id: str, seq: int, exclude: Sequence[str]) -> bool:
        """Whether the story holds an article (other than ``exclude``) that arrived at or after ``seq``."""
        a, sa = schema.articles, schema.story_articles
        query = (select(a.c.seq).select_from(sa.join(a, a.c.id == sa.c.article_id))
                 .where(sa.c.story_id == story_id, a.c.seq >= seq, sa.c.article_id.not_in(list(exclude))).limit(1))
        return conn.execute(query).first() is not None

    def candidate_event_ids(self, conn: Connection, story_id: str, event: Event) -> list[str]:
        """The story's active events a report could join under ACLED's rule: the same event type (and for
        strategic developments the same sub-event and PLOVER type) and, for a dated report, an undated event or
        one whose date overlaps it (an event's stored date contains every date it can still take)."""
        e = schema.events
        query = select(e.c.id).where(e.c.story_id == story_id, e.c.status == "active",
                                     e.c.event_type == event.event_type)
        if event.event_type == "Strategic developments":
            query = query.where(e.c.sub_event_type == event.sub_event_type, e.c.plover_type == event.plover_type)
        if event.date is not None:
            query = query.where(e.c.date_start.is_(None) | (
                (e.c.date_start <= event.date.last_day.isoformat())
                & (e.c.date_end >= event.date.value.isoformat())))
        return list(conn.execute(query).scalars())

    def event_mention_rows(self, conn: Connection, event_ids: Iterable[str]) -> list[Any]:
        """The mentions linked to some events, with what linking reads of their articles."""
        m, a = schema.mentions, schema.articles
        rows: list[Any] = []
        for chunk in chunks(sorted(set(event_ids))):
            rows.extend(conn.execute(select(m.c.id, m.c.event_id, m.c.data, a.c.seq, a.c.outlet, a.c.title,
                                            a.c.published_at).select_from(m.join(a, a.c.id == m.c.article_id))
                                     .where(m.c.event_id.in_(chunk))))
        return rows

    def reported_events(self, conn: Connection, story_id: str, article_ids: Sequence[str]) -> set[str]:
        """The story's active events some articles report (through a mention) or hold a figure of."""
        m, c, e = schema.mentions, schema.claims, schema.events
        found: set[str] = set()
        for chunk in chunks(sorted(set(article_ids))):
            for table in (m, c):
                found.update(conn.execute(
                    select(table.c.event_id).join(e, e.c.id == table.c.event_id)
                    .where(table.c.article_id.in_(chunk), e.c.story_id == story_id, e.c.status == "active")
                    .distinct()).scalars())
        return found

    def article_event_pairs(self, conn: Connection, story_id: str, article_ids: Sequence[str]) -> list[tuple[str,
                                                                                                           str]]:
        """(article, event) for every active event of the story that one of the articles reports."""
        m, e = schema.mentions, schema.events
        pairs: set[tuple[str, str]] = set()
        for chunk in chunks(sorted(set(article_ids))):
            pairs.update((row.article_id, row.event_id) for row in conn.execute(
                select(m.c.article_id, m.c.event_id).join(e, e.c.id == m.c.event_id)
                .where(m.c.article_id.in_(chunk), e.c.story_id == story_id, e.c.status == "active")))
        return sorted(pairs)

    def event_summaries(self, conn: Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Events without their reports (the summary column; the full data where it is not filled in)."""
        e = schema.events
        found: dict[str, dict[str, Any] | None] = {}
        for chunk in chunks(sorted(set(ids))):
            for row in conn.execute(select(e.c.id, e.c.summary).where(e.c.id.in_(chunk))):
                found[row.id] = loads(row.summary) if row.summary else None
        missing = [event_id for event_id, summary in found.items() if summary is None]
        for event_id, row in self.event_rows(conn, missing).items():
            found[event_id] = loads(row.data)
        return {event_id: summary for event_id, summary in found.items() if summary is not None}

    def loose_claim_rows(self, conn: Connection, story_id: str) -> list[Any]:
        """Claims of the story's articles that belong to none of its active events."""
        c, sa, e = schema.claims, schema.story_articles, schema.events
        linked = exists().where(e.c.id == c.c.event_id, e.c.story_id == story_id, e.c.status == "active")
        return list(conn.execute(select(c).join(sa, sa.c.article_id == c.c.article_id)
                                 .where(sa.c.story_id == story_id, c.c.event_id.is_(None) | ~linked)))

    def record_merge(self, conn: Connection, kind: str, old_id: str, new_id: str, reason: str) -> None:
        conn.execute(insert(schema.merges).values(kind=kind, old_id=old_id, new_id=new_id, reason=reason,
                                                  at=utcnow()))

    def set_keys(self, conn: Connection, table: Table, owner: str, keys: Iterable[tuple[str, str]]) -> None:
        """Replace the facets of one story or event: (kind, label) pairs."""
        owner_column = table.c.story_id if table is story_keys else table.c.event_id
        conn.execute(delete(table).where(owner_column == owner))
        rows: dict[tuple[str, str], str] = {}
        for kind, label in keys:
            if label and label.strip():
                rows.setdefault((kind, key_value(label)), label.strip())
        if rows:
            name = "story_id" if table is story_keys else "event_id"
            conn.execute(insert(table), [{name: owner, "kind": k, "value": v, "label": label}
                                         for (k, v), label in sorted(rows.items())])

    # --- mentions, events, claims -----------------------------------------------------------------------------

    def mention_rows(self, conn: Connection, article_ids: Sequence[str]) -> list[Any]:
        rows: list[Any] = []
        for chunk in chunks(list(article_ids)):
            rows.extend(conn.execute(select(schema.mentions).where(schema.mentions.c.article_id.in_(chunk))))
        return rows

    def claim_rows(self, conn: Connection, article_ids: Sequence[str]) -> list[Any]:
        rows: list[Any] = []
        for chunk in chunks(list(article_ids)):
            rows.extend(conn.execute(select(schema.claims).where(schema.claims.c.article_id.in_(chunk))))
        return rows

    def event_rows(self, conn: Connection, ids: Iterable[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for chunk in chunks(sorted(set(ids))):
            for row in conn.execute(select(schema.events).where(schema.events.c.id.in_(chunk))):
                found[row.id] = row
        return found

    def story_event_rows(self, conn: Connection, story_id: str, active_only: bool = True) -> list[Any]:
        query = select(schema.events).where(schema.events.c.story_id == story_id)
        if active_only:
            query = query.where(schema.events.c.status == "active")
        return list(conn.execute(query))

    def save_event(self, conn: Connection, values: dict[str, Any]) -> None:
        if "data" in values and "summary" not in values:
            values = values | {"summary": event_summary_json(values["data"])}
        exists = conn.execute(select(schema.events.c.id).where(schema.events.c.id == values["id"])).first()
        if exists:
            conn.execute(update(schema.events).where(schema.events.c.id == values["id"]).values(**values))
        else:
            conn.execute(insert(schema.events).values(**values))
        if "country" in values:  # after the events row is written: its row lock orders two runs on one event
            assign_event_id(conn, values["id"], values["country"])

    def retire_event(self, conn: Connection, event_id: str, into: str | None, reason: str) -> None:
        """A merged-away (or emptied) event keeps its row with status 'merged' so old links still resolve."""
        conn.execute(update(schema.events).where(schema.events.c.id == event_id)
                     .values(status="merged", merged_into=into, updated_at=utcnow()))
        conn.execute(update(schema.events).where(schema.events.c.merged_into == event_id)
                     .values(merged_into=into))
        if into is not None:
            self.record_merge(conn, "event", event_id, into, reason)
        conn.execute(delete(event_keys).where(event_keys.c.event_id == event_id))

    def set_mention_events(self, conn: Connection, assignment: Mapping[str, str | None]) -> None:
        for mention_id, event_id in sorted(assignment.items()):
            conn.execute(update(schema.mentions).where(schema.mentions.c.id == mention_id)
                         .values(event_id=event_id))

    def set_claim_events(self, conn: Connection, assignment: Mapping[str, str | None]) -> None:
        for claim_id, event_id in sorted(assignment.items()):
            conn.execute(update(schema.claims).where(schema.claims.c.id == claim_id).values(event_id=event_id))

    def set_claim_data(self, conn: Connection, claim_id: str, data: str) -> None:
        conn.execute(update(schema.claims).where(schema.claims.c.id == claim_id).values(data=data))

    def set_article_names(self, conn: Connection, article_id: str,
                          names: Sequence[tuple[str, str, str, int]]) -> None:
        """Replace one article's names: (folded key, spelling, label, mentions); none is kept as one row with an
        empty label, so the read side can tell "no names" from "linked before names were kept"."""
        table = schema.article_names
        conn.execute(delete(table).where(table.c.article_id == article_id))
        rows = [{"article_id": article_id, "name_key": key, "label": label, "name": name, "mentions": count}
                for key, name, label, count in names] or [
            {"article_id": article_id, "name_key": "", "label": "", "name": "", "mentions": 0}]
        conn.execute(insert(table), rows)

    def unlinked_mention_articles(self, conn: Connection, limit: int = 5000) -> list[str]:
        rows = conn.execute(select(schema.mentions.c.article_id).where(schema.mentions.c.event_id.is_(None))
                            .distinct().limit(limit))
        return [row.article_id for row in rows]


# --- living ACLED ids (event_ids, id_sequences; migration 0010) ---------------------------------------------

PLACEHOLDER_COUNTRY = "XXX"  # the prefix of an event whose country is not known (yet)


# Codes ACLED uses that ISO 3166 has not assigned (ISO keeps XK as user-assigned: pycountry does not know it)
ACLED_ISO3 = {"XK": "XKX"}  # Kosovo


def iso3_prefix(iso2: str | None) -> str | None:
    """The ISO3 code ACLED prefixes an event's id with (XKX for Kosovo), or None for no or an unknown country."""
    if not iso2 or len(iso2) != 2:
        return None
    if iso2.upper() in ACLED_ISO3:
        return ACLED_ISO3[iso2.upper()]
    country = pycountry.countries.get(alpha_2=iso2.upper())
    return country.alpha_3 if country else None


def next_id_number(conn: Connection, prefix: str) -> int:
    """The next number of a country's sequence, never handed out twice. On PostgreSQL it is taken in a short
    transaction of its own: ``UPDATE ... RETURNING`` locks the sequence row for that statement only, so concurrent
    runs wait for each other just that long and cannot deadlock over two countries taken in different orders (a
    batch rolled back later leaves a gap, never a reused number). SQLite has one writer: the caller's transaction."""
    if conn.dialect.name == "postgresql":
        with conn.engine.begin() as own:
            return _take_number(own, prefix)
    return _take_number(conn, prefix)


def _take_number(conn: Connection, prefix: str) -> int:
    seq = schema.id_sequences
    bump = (update(seq).where(seq.c.country == prefix).values(next_number=seq.c.next_number + 1)
            .returning(seq.c.next_number))
    number = conn.execute(bump).scalar()
    if number is None:
        from sqlalchemy.dialects import postgresql, sqlite

        dialect_insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        # two first ids of a country at once: one insert wins, the other waits on the key and does nothing
        conn.execute(dialect_insert(seq).values(country=prefix, next_number=1).on_conflict_do_nothing())
        number = conn.execute(bump).scalar_one()
    return int(number) - 1


def assign_event_id(conn: Connection, event_id: str, iso2: str | None) -> str:
    """The event's ``event_id_cnty``, assigned on first sight and never changed once it names a country: a later
    country only adds an alias. A placeholder (``XXX``) id is replaced by the first real country's id and stays as
    an alias (``aliased_at`` puts it in the deletion feed); every id still finds the event."""
    ids = schema.event_ids
    rows = list(conn.execute(select(ids).where(ids.c.event_id == event_id)))
    primary = next((row for row in rows if row.alias_of is None), None)
    country = iso3_prefix(iso2)
    if primary is not None and (country is None or any(row.country == country for row in rows)):
        return str(primary.id_cnty)
    prefix = country or PLACEHOLDER_COUNTRY
    new_id = f"{prefix}{next_id_number(conn, prefix)}"
    now = utcnow()
    if primary is not None and primary.country != PLACEHOLDER_COUNTRY:
        conn.execute(insert(ids).values(id_cnty=new_id, event_id=event_id, country=prefix, assigned_at=now,
                                        alias_of=primary.id_cnty))
        return str(primary.id_cnty)
    conn.execute(insert(ids).values(id_cnty=new_id, event_id=event_id, country=prefix, assigned_at=now))
    if primary is not None:  # the placeholder leaves the export now; its aliases follow the new id
        conn.execute(update(ids).where(ids.c.id_cnty == primary.id_cnty).values(alias_of=new_id, aliased_at=now))
        conn.execute(update(ids).where(ids.c.alias_of == primary.id_cnty).values(alias_of=new_id))
    return new_id


# What an event summary (events.summary, for list pages) leaves out: the single reports and the revision log.
SUMMARY_OMITS = ("mentions", "history")


def summarize_event(data: Mapping[str, Any]) -> dict[str, Any]:
    """An event for list pages: everything but its mentions (counted in ``mention_count``) and history."""
    summary = {key: value for key, value in data.items() if key not in SUMMARY_OMITS}
    summary["mention_count"] = len(data.get("mention_ids") or data.get("mentions") or [])
    summary["summary"] = True
    return summary


def event_summary_json(data_json: str) -> str:
    return dumps(summarize_event(loads(data_json)))


def loads(text: str | None) -> Any:
    if not text:
        return {}
    return jsonio.loads(text)


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def article_texts(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """(title, text) per article id, for the context around a figure."""
    found: dict[str, tuple[str, str]] = {}
    for chunk in chunks(sorted(set(ids))):
        query = select(schema.articles.c.id, schema.articles.c.title, schema.articles.c.text)
        for row in conn.execute(query.where(schema.articles.c.id.in_(chunk))):
            found[row.id] = (row.title or "", row.text or "")
    return found


# --- the story summary's parts, kept up to date by the link stage and filled in by store upgrades ---------

def article_stats(articles: Iterable[Any]) -> dict[str, Any]:
    """What a story's summary says of its articles: how many, the first and last publication, the outlets."""
    rows = list(articles)
    starts = sorted(str(r.published_start) for r in rows if r.published_start)
    return {"count": len(rows), "first": starts[0] if starts else None, "last": starts[-1] if starts else None,
            "outlets": sorted({str(r.outlet) for r in rows})}

def count_event(tally: dict[str, dict[str, int]], event: Mapping[str, Any], sign: int) -> None:
    """Add (sign 1) or take back (sign -1) what one event contributes to its story's summary and facets."""
    for group, key in (("places", "place"), ("event_types", "event_type"), ("countries", "country")):
        if event.get(key):
            bump(tally.setdefault(group, {}), str(event[key]), sign)
    for key in ("sub_event_type", "plover_type", "disorder_type", "admin1"):
        if event.get(key):
            kind = "event_type" if key != "admin1" else "place"
            bump(tally.setdefault("facets", {}), f"{kind}\t{event[key]}", sign)

def bump(counts: dict[str, int], label: str, sign: int) -> None:
    counts[label] = counts.get(label, 0) + sign
    if counts[label] <= 0:
        del counts[label]

def event_tally(events: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """How often each place, event type, country and facet occurs among a story's events; kept in the story's
    data so that appending to a story adjusts it instead of reading every event again."""
    tally: dict[str, dict[str, int]] = {"places": {}, "event_types": {}, "countries": {}, "facets": {}}
    for event in events:
        count_event(tally, event, +1)
    return tally

def ranked(counts: Mapping[str, int]) -> list[str]:
    return [label for label, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
