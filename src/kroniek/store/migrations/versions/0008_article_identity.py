"""article identity: the version history keeps the outlet and url of every replaced version

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:30:00

An update replaces an article's outlet and url as well as its title, text and date; the old version row kept only
the last three, so what an article had been published as was lost. Rows written before this revision have NULL
there (not known).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a store put back to an older revision (tests do) already has the columns
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("article_versions")}
    if "outlet" not in present:
        op.add_column("article_versions", sa.Column("outlet", sa.String(200)))
    if "url" not in present:
        op.add_column("article_versions", sa.Column("url", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("article_versions") as batch:
        batch.drop_column("url")
        batch.drop_column("outlet")
