"""stage marks: where each stage's pending work starts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stage_marks",
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("stage"),
    )


def downgrade() -> None:
    op.drop_table("stage_marks")
