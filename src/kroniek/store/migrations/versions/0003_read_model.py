"""read model: event summaries, names per article, indexes for the list pages

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:40:00

List pages and the story page read small, precomputed rows instead of decoding every event's mentions and every
article's analysis: ``events.summary`` (the event without its mentions and history), ``article_names`` (the names
of each linked article with their type and count), and indexes that serve the list orderings and counts. Rows
written before this revision have no summary or names; the read side falls back to the full data for them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("summary", sa.Text(), nullable=True))
    op.create_table(
        "article_names",
        sa.Column("article_id", sa.String(length=64), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=8), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("article_id", "name_key", "label"),
    )
    op.create_index("ix_events_status_date", "events", ["status", "date_start", "id"])
    op.create_index("ix_stories_recent", "stories", ["status", "last_seen", "article_count", "id"])


def downgrade() -> None:
    op.drop_index("ix_stories_recent", table_name="stories")
    op.drop_index("ix_events_status_date", table_name="events")
    op.drop_table("article_names")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("summary")
