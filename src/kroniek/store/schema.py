"""Tables of the store (SQLAlchemy Core). Changes here need an Alembic migration in ``migrations/versions``.

Extracted records (documents, events, claims, stories) keep their full form as JSON in ``data`` columns and copy
the fields that queries filter on into plain columns.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

articles = Table(
    "articles",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),  # arrival order
    Column("id", String(64), nullable=False, unique=True),
    Column("outlet", String(200), nullable=False),
    Column("url", Text),
    Column("title", Text, nullable=False, default=""),
    Column("text", Text, nullable=False),
    Column("published_at", String(40)),
    Column("date_precision", String(10)),
    Column("published_start", String(10)),  # ISO date of the period's first day, for range queries
    Column("published_end", String(10)),
    Column("language", String(12)),
    Column("content_hash", String(64), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("source", Text),
    Column("source_line", Integer),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_articles_outlet", articles.c.outlet)
Index("ix_articles_published", articles.c.published_start)
# every column the article facets and the outlet list read: they count the index, not the rows with the text (0011)
Index("ix_articles_lists", articles.c.outlet, articles.c.published_start, articles.c.published_end,
      articles.c.date_precision, articles.c.language)

article_versions = Table(
    "article_versions",
    metadata,
    Column("article_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("outlet", String(200)),  # the replaced version's outlet and url (0008; NULL before: not known)
    Column("url", Text),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("published_at", String(40)),
    Column("date_precision", String(10)),
    Column("content_hash", String(64), nullable=False),
    Column("replaced_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("article_id", "version", name="uq_article_versions"),
)

analyses = Table(
    "analyses",
    metadata,
    Column("text_hash", String(64), primary_key=True),
    Column("analyser", String(120), primary_key=True),
    Column("data", Text, nullable=False),  # Document as JSON
    Column("created_at", DateTime(timezone=True), nullable=False),
)

stage_runs = Table(
    "stage_runs",
    metadata,
    Column("article_id", String(64), primary_key=True),
    Column("stage", String(40), primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("note", Text),
    Column("done_at", DateTime(timezone=True), nullable=False),
)

# Per stage, the arrival number up to which every article is done with its current content: the pending queries
# start there, so finding new work costs the same at 1k and 1M articles. Updates of older articles lower it.
stage_marks = Table(
    "stage_marks",
    metadata,
    Column("stage", String(40), primary_key=True),
    Column("seq", Integer, nullable=False),
)

mentions = Table(
    "mentions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("article_id", String(64), nullable=False),
    Column("sentence", Integer, nullable=False),
    Column("event_type", String(60), nullable=False),
    Column("sub_event_type", String(80), nullable=False),
    Column("plover_type", String(20), nullable=False),
    Column("happened", Boolean, nullable=False),
    Column("date_start", String(10)),
    Column("date_end", String(10)),
    Column("place", Text),
    Column("country", String(2)),
    Column("event_id", String(32)),  # canonical (linked) event
    Column("data", Text, nullable=False),
)
Index("ix_mentions_article", mentions.c.article_id)
Index("ix_mentions_event", mentions.c.event_id)

claims = Table(
    "claims",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("article_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("value", Integer),
    Column("mention_id", String(32)),
    Column("event_id", String(32)),
    Column("data", Text, nullable=False),
)
Index("ix_claims_article", claims.c.article_id)
Index("ix_claims_event", claims.c.event_id)

stories = Table(
    "stories",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("title", Text, nullable=False, default=""),
    Column("first_seen", String(40)),
    Column("last_seen", String(40)),
    Column("article_count", Integer, nullable=False, default=0),
    Column("outlet_count", Integer, nullable=False, default=0),
    Column("status", String(12), nullable=False, default="active"),  # active | merged
    Column("merged_into", String(32)),
    Column("profile", Text),  # clustering state (term weights, entities) as JSON
    Column("data", Text),  # summary as JSON
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # outlets, places, countries and event types of data, for list pages; kept by a trigger from data (0005)
    Column("summary", Text),
)
Index("ix_stories_last_seen", stories.c.last_seen)
Index("ix_stories_recent", stories.c.status, stories.c.last_seen, stories.c.article_count, stories.c.id)

story_articles = Table(
    "story_articles",
    metadata,
    Column("article_id", String(64), primary_key=True),
    Column("story_id", String(32), ForeignKey("stories.id"), nullable=False),
    Column("similarity", Float),
    Column("joined_at", DateTime(timezone=True), nullable=False),
)
Index("ix_story_articles_story", story_articles.c.story_id)

events = Table(
    "events",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("story_id", String(32)),
    Column("event_type", String(60), nullable=False),
    Column("sub_event_type", String(80), nullable=False),
    Column("plover_type", String(20), nullable=False),
    Column("date_start", String(10)),
    Column("date_end", String(10)),
    Column("place", Text),
    Column("country", String(2)),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("fatalities", Integer),
    Column("status", String(12), nullable=False, default="active"),  # active | merged
    Column("merged_into", String(32)),
    Column("data", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("summary", Text),  # data without mentions and history, for list pages (NULL: read data)
)
Index("ix_events_story", events.c.story_id)
Index("ix_events_date", events.c.date_start)
Index("ix_events_status_date", events.c.status, events.c.date_start, events.c.id)
Index("ix_events_story_date", events.c.story_id, events.c.status, events.c.date_start, events.c.id)
# retiring an event redirects the events merged into it: one indexed lookup, not a scan of every event (0006)
Index("ix_events_merged_into", events.c.merged_into)
# every column the place list, the event facets and the event sorts read, before the row's JSON (0011)
Index("ix_events_lists", events.c.status, events.c.place, events.c.country, events.c.event_type, events.c.date_start,
      events.c.date_end, events.c.latitude, events.c.longitude, events.c.fatalities, events.c.id)
Index("ix_events_updated", events.c.status, events.c.updated_at, events.c.id)

# The names (PER/ORG/LOC) of each linked article, folded key and type, with their mention count: the story page
# votes one type per name over these instead of loading every article's analysis.
article_names = Table(
    "article_names",
    metadata,
    Column("article_id", String(64), primary_key=True),
    Column("name_key", String(200), primary_key=True),
    Column("label", String(8), primary_key=True),  # PER | ORG | LOC, or "" for an article without names
    Column("name", Text, nullable=False),
    Column("mentions", Integer, nullable=False),
)

merges = Table(
    "merges",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),  # story | event
    Column("old_id", String(32), nullable=False),
    Column("new_id", String(32), nullable=False),
    Column("reason", Text),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_merges_old", merges.c.kind, merges.c.old_id)
Index("ix_merges_new", merges.c.new_id)

# --- link stage state: document frequencies and filter facets ---------------------------------------------------

link_term_df = Table(
    "link_term_df",
    metadata,
    Column("term", String(120), primary_key=True),
    Column("df", Integer, nullable=False),
)

link_state = Table(
    "link_state",
    metadata,
    Column("key", String(60), primary_key=True),
    Column("value", Text, nullable=False),
)

link_story_keys = Table(
    "link_story_keys",
    metadata,
    Column("story_id", String(32), primary_key=True),
    Column("kind", String(12), primary_key=True),  # outlet | place | event_type | country
    Column("value", String(200), primary_key=True),  # casefolded, for filtering
    Column("label", Text, nullable=False),  # as shown
)
Index("ix_link_story_keys_value", link_story_keys.c.kind, link_story_keys.c.value)

link_event_keys = Table(
    "link_event_keys",
    metadata,
    Column("event_id", String(32), primary_key=True),
    Column("kind", String(12), primary_key=True),  # place | actor | outlet | event_type
    Column("value", String(200), primary_key=True),
    Column("label", Text, nullable=False),
)
Index("ix_link_event_keys_value", link_event_keys.c.kind, link_event_keys.c.value)
# the actor list and the key facets read keys, their events and labels from here, not from the rows (0011)
Index("ix_link_event_keys_lists", link_event_keys.c.kind, link_event_keys.c.value, link_event_keys.c.event_id,
      link_event_keys.c.label)


# --- living ACLED ids (0010) ------------------------------------------------------------------------------------

# event_id_cnty: ISO3 (or the placeholder "XXX" while the country is unknown) + a per-country number, handed out
# once from id_sequences and never reused. alias_of is NULL for the event's exported id; an alias names it (a later
# country's id, or a superseded placeholder, which then has aliased_at: when it left the export).
event_ids = Table(
    "event_ids",
    metadata,
    Column("id_cnty", String(24), primary_key=True),
    Column("event_id", String(32), nullable=False),
    Column("country", String(3), nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False),
    Column("alias_of", String(24)),
    Column("aliased_at", DateTime(timezone=True)),
)
Index("ix_event_ids_event", event_ids.c.event_id)
Index("ix_event_ids_aliased", event_ids.c.aliased_at)

id_sequences = Table(
    "id_sequences",
    metadata,
    Column("country", String(3), primary_key=True),
    Column("next_number", Integer, nullable=False),  # the number the next id of this country gets
)

def managed_by_engine(name: str | None) -> bool:
    """Objects of full-text search (migration 0009) that each engine keeps in its own form and this metadata does not
    describe: the FTS5 table ``article_search`` and its shadow tables on SQLite, the generated
    ``articles.search_vector`` and its GIN index on PostgreSQL."""
    return bool(name) and (name in ("search_vector", "ix_articles_search") or str(name).startswith("article_search"))


def include_object(_object: Any, name: str | None, _type: str, _reflected: bool, _compare_to: Any) -> bool:
    """Alembic's filter for comparing the metadata with a database: leave out what :func:`managed_by_engine` names."""
    return not managed_by_engine(name)
