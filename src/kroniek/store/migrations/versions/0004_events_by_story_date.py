"""events by story and date: the latest events of a story straight from an index (list pages)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:05:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_story_date", "events", ["story_id", "status", "date_start", "id"])


def downgrade() -> None:
    op.drop_index("ix_events_story_date", table_name="events")
