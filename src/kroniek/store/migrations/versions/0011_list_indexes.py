"""list indexes: the lists' counts, facets and groupings read narrow indexes, not the wide rows

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 19:00:00

An article row holds its text and an event row its JSON before the columns the lists group by, so a count or a
facet over the rows themselves reads the whole table (hundreds of megabytes at 100k articles). These covering
indexes hold every column the lists read: the article facets and the outlet list (outlet, publication period,
precision, language), the place list and the event facets and sorts (place, country, type, dates, position,
fatalities, id), the event list sorted by last change, and the facet keys with their events and labels (the
actor list, the outlet facet).
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_articles_lists", "articles", ["outlet", "published_start", "published_end", "date_precision", "language"]),
    ("ix_events_lists", "events", ["status", "place", "country", "event_type", "date_start", "date_end", "latitude",
                                   "longitude", "fatalities", "id"]),
    ("ix_events_updated", "events", ["status", "updated_at", "id"]),
    # the keys with their events and labels (a label is the display form of its value, as short): the actor
    # list and the key facets read no key rows. (An index on events by id beside it made SQLite's planner walk
    # every active event for a search's name lookup: left out.)
    ("ix_link_event_keys_lists", "link_event_keys", ["kind", "value", "event_id", "label"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, if_not_exists=True)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table, if_exists=True)
