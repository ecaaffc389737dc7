"""living ACLED ids: event_id_cnty from a per-country sequence kept in the store

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:00:00

Before this revision the ACLED export computed ``event_id_cnty`` as the ISO3 prefix + ``crc32(id) % 10**7``: ids
collided within a country and changed with the event's country. Now each event gets one id when it is stored,
numbered by ``id_sequences`` and never reused (``event_ids``). Existing events are numbered here in a deterministic
order: date (undated last), then id; merged-away events too, so that the deletion feed can name them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pycountry
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PLACEHOLDER = "XXX"  # the prefix while an event's country is unknown (as in kroniek.store.links)


def _iso3(iso2: str | None) -> str:
    country = pycountry.countries.get(alpha_2=iso2.upper()) if iso2 and len(iso2) == 2 else None
    return country.alpha_3 if country else PLACEHOLDER


def upgrade() -> None:
    bind = op.get_bind()
    columns: list[sa.Column[Any]] = [sa.Column("id_cnty", sa.String(24), primary_key=True),
               sa.Column("event_id", sa.String(32), nullable=False),
               sa.Column("country", sa.String(3), nullable=False),
               sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
               sa.Column("alias_of", sa.String(24)),
               sa.Column("aliased_at", sa.DateTime(timezone=True))]
    # a store put back to an older revision (tests do) already has the tables: then only the backfill runs
    if not sa.inspect(bind).has_table("event_ids"):
        op.create_table("event_ids", *columns)
        op.create_index("ix_event_ids_event", "event_ids", ["event_id"])
        op.create_index("ix_event_ids_aliased", "event_ids", ["aliased_at"])
    if not sa.inspect(bind).has_table("id_sequences"):
        op.create_table("id_sequences", sa.Column("country", sa.String(3), primary_key=True),
                        sa.Column("next_number", sa.Integer(), nullable=False))
    event_ids = sa.table("event_ids", *(sa.column(c.name, c.type) for c in columns))
    sequences = sa.table("id_sequences", sa.column("country", sa.String), sa.column("next_number", sa.Integer))
    events = sa.table("events", sa.column("id", sa.String), sa.column("country", sa.String),
                      sa.column("date_start", sa.String))
    numbered = sa.select(event_ids.c.event_id).where(event_ids.c.event_id == events.c.id).exists()
    rows = list(bind.execute(sa.select(events.c.id, events.c.country, events.c.date_start).where(~numbered)))
    rows.sort(key=lambda r: (r.date_start is None, r.date_start or "", r.id))
    held = {row.country: int(row.next_number) for row in bind.execute(sa.select(sequences))}
    counters = dict(held)
    now = dt.datetime.now(dt.UTC)
    backfill = []
    for row in rows:
        prefix = _iso3(row.country)
        number = counters.get(prefix, 1)
        counters[prefix] = number + 1
        backfill.append({"id_cnty": f"{prefix}{number}", "event_id": row.id, "country": prefix,
                         "assigned_at": now, "alias_of": None, "aliased_at": None})
    if backfill:
        op.bulk_insert(event_ids, backfill)
    for country, following in sorted(counters.items()):
        if country in held:
            bind.execute(sa.update(sequences).where(sequences.c.country == country).values(next_number=following))
        else:
            bind.execute(sa.insert(sequences).values(country=country, next_number=following))


def downgrade() -> None:
    op.drop_table("id_sequences")
    op.drop_index("ix_event_ids_aliased", table_name="event_ids")
    op.drop_index("ix_event_ids_event", table_name="event_ids")
    op.drop_table("event_ids")
