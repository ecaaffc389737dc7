"""read model filled in for stores written before it was kept (data only)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 08:00:00

Event summaries, article names, each active story's event tally and article stats, and the loose figure rows of
stories that carried their whole figures table: once, here, instead of a check in the link and reconcile stages on
every run (``kroniek.store.upgrades``). A store already up to date is left as it is.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from kroniek.store.upgrades import upgrade_read_model

    upgrade_read_model(op.get_bind())


def downgrade() -> None:
    """Nothing to undo: the filled-in read model is what the older code would have written itself."""
