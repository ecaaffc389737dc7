"""story summary: the small fields a story list needs, kept by the database next to the story's data

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:00:00

``stories.data`` carries the story's figures with every claim (up to a megabyte for the largest stories), so a
page of 50 stories read and decoded several megabytes to show four short lists. ``stories.summary`` holds just
those lists (outlets, places, countries, event types) as a small JSON object.

The database keeps it, not the writers: a trigger computes it from ``data`` on every insert and on every update
that sets ``data`` (SQLite's JSON functions; a PL/pgSQL function on PostgreSQL), so no code path that writes a
story (linking, reconciling, merges, older versions of kroniek) can leave a stale summary behind. ``data`` that is
NULL or not valid JSON gives a NULL summary, and the read side (``kroniek.store.query``) falls back to ``data`` for a
NULL summary. Existing stories are backfilled here with the same expression.

A later migration that rebuilds the stories table on SQLite (as ``batch_alter_table`` does for some changes) must
create the two triggers again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FIELDS = ("outlets", "places", "countries", "event_types")  # kroniek.store.query.STORY_SUMMARY_FIELDS


def sqlite_summary(data: str) -> str:
    """The summary of the JSON text ``data`` as an SQLite expression (NULL for NULL or invalid JSON)."""
    pairs = ", ".join(f"'{field}', json_extract({data}, '$.{field}')" for field in FIELDS)
    # CASE evaluates lazily: json_type() never sees text that is not JSON (it would raise)
    return (f"CASE WHEN json_valid({data}) THEN CASE WHEN json_type({data}) = 'object' THEN json_object({pairs}) END "
            "END")


POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION kroniek_story_summary() RETURNS trigger AS $$
DECLARE
    parsed json;
BEGIN
    parsed := NULL;
    IF NEW.data IS NOT NULL AND NEW.data <> '' THEN
        BEGIN
            parsed := NEW.data::json;
        EXCEPTION WHEN others THEN
            parsed := NULL;  -- not JSON (NaN from an old writer, say): no summary, readers use data
        END;
    END IF;
    IF parsed IS NULL OR json_typeof(parsed) <> 'object' THEN
        NEW.summary := NULL;
    ELSE
        NEW.summary := json_build_object(PAIRS)::text;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql
""".replace("PAIRS", ", ".join(f"'{field}', parsed -> '{field}'" for field in FIELDS))


def upgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("summary", sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute("CREATE TRIGGER stories_summary BEFORE INSERT OR UPDATE OF data ON stories "
                   "FOR EACH ROW EXECUTE PROCEDURE kroniek_story_summary()")
        op.execute("UPDATE stories SET data = data")  # the trigger fills summary in (data itself is unchanged)
    else:
        for event, when in (("INSERT", "INSERT"), ("UPDATE", "UPDATE OF data")):
            op.execute(f"CREATE TRIGGER stories_summary_{event.lower()} AFTER {when} ON stories FOR EACH ROW "
                       f"BEGIN UPDATE stories SET summary = {sqlite_summary('NEW.data')} WHERE id = NEW.id; END")
        op.execute(f"UPDATE stories SET summary = {sqlite_summary('data')}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS stories_summary ON stories")
        op.execute("DROP FUNCTION IF EXISTS kroniek_story_summary()")
    else:
        op.execute("DROP TRIGGER IF EXISTS stories_summary_insert")
        op.execute("DROP TRIGGER IF EXISTS stories_summary_update")
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("summary")
