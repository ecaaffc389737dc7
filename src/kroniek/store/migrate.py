"""Alembic, driven from code: every ``Store.open`` brings the database to the newest revision.

Importing Alembic costs about half a second, on every command: a store already at the newest revision (the
revision in ``alembic_version`` is the number of the highest migration file, the history being one line) opens
without it.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

VERSIONS = resources.files("kroniek.store").joinpath("migrations", "versions")


def newest_revision() -> str:
    """The highest migration's revision: files are ``NNNN_name.py`` with ``revision = "NNNN"``."""
    numbers = [entry.name[:4] for entry in VERSIONS.iterdir()
               if entry.name.endswith(".py") and entry.name[:4].isdigit()]
    return max(numbers)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = [str(row[0]) for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
    return rows[0] if len(rows) == 1 else None


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("kroniek.store").joinpath("migrations")))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    if revision == "head" and current_revision(engine) == newest_revision():
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
