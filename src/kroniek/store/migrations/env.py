"""Alembic environment: the engine comes from ``kroniek.store.migrate``, never from an ini file."""

from __future__ import annotations

from alembic import context

from kroniek.store.schema import include_object, metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      include_object=include_object)
    context.run_migrations()
