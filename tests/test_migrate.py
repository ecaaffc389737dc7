"""A store at the newest revision opens without Alembic; the shortcut's idea of "newest" is Alembic's own."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from kroniek.store import migrate
from kroniek.store.repository import Store


def test_the_newest_file_is_alembics_single_head(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    heads = ScriptDirectory.from_config(migrate.alembic_config(engine)).get_heads()
    assert heads == [migrate.newest_revision()]


def test_an_old_store_is_upgraded_and_a_new_one_left_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    Store.open(url).close()
    engine = create_engine(url)
    assert migrate.current_revision(engine) == migrate.newest_revision()
    from alembic import command

    command.downgrade(migrate.alembic_config(engine), "0009")
    assert migrate.current_revision(engine) == "0009"
    migrate.upgrade(engine)  # not the newest: Alembic runs
    assert migrate.current_revision(engine) == migrate.newest_revision()
    with engine.begin() as conn:  # a store Alembic never saw has no version table: it is upgraded from nothing
        conn.execute(text("DROP TABLE alembic_version"))
    assert migrate.current_revision(engine) is None
