"""events by merged_into: retiring an event redirects the events merged into it without scanning every event

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:10:00

Without the index each retirement (an event merge in a big story) read the whole events table, about 30 ms at
100k articles.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_merged_into", "events", ["merged_into"])


def downgrade() -> None:
    op.drop_index("ix_events_merged_into", table_name="events")
