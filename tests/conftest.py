"""Shared fixtures: a fresh store on SQLite, and on PostgreSQL too when the CI started one (KRONIEK_TEST_PG)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kroniek.store.repository import Store

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "data" / "sample"

PG_URL = os.environ.get("KRONIEK_TEST_PG")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def fresh_db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'kroniek.db'}"
        return
    assert PG_URL is not None
    name = "kt_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    base = PG_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_db_url(request.param, tmp_path)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store.open(db_url)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'kroniek.db'}"


def reopened_after(store: Store, revision: str) -> Store:
    """The store as an older kroniek left it at ``revision``, opened again: the migrations after it run."""
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision})
    return Store.open(store.engine.url.render_as_string(hide_password=False))
