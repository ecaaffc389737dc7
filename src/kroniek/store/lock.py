"""One ``kroniek run`` at a time per store.

Two runs on one store either raced each other into an IntegrityError or both did the same work. The lock is the
store's, not the machine's, and it goes with the process that holds it, even a SIGKILLed one:

- SQLite file: an OS lock (``flock``) on a file next to the database (``<db>.run-lock``); the kernel drops it when
  the holder dies. An in-memory database belongs to one process and needs none.
- PostgreSQL: a session-level ``pg_try_advisory_lock`` on a connection held for the whole run; the server drops it
  when that connection ends.

A second run does not wait: it raises ``StoreLocked`` with a message saying who holds the lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

# A fixed advisory-lock key: advisory locks are per database, so this is per store (the ASCII bytes "kroniekR" as
# a positive 64-bit integer).
ADVISORY_KEY = int.from_bytes(b"kroniekR", "big")


class StoreLocked(RuntimeError):
    """Another process holds the run lock of this store."""


def sqlite_lock_path(engine: Engine) -> Path | None:
    """The lock file next to a SQLite database file; None for an in-memory database."""
    database = make_url(str(engine.url)).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database).with_name(Path(database).name + ".run-lock")


@contextmanager
def run_lock(engine: Engine, what: str = "kroniek run") -> Iterator[None]:
    """Hold the store's run lock for the ``with`` block, or raise ``StoreLocked`` at once."""
    if engine.dialect.name == "sqlite":
        with _file_lock(sqlite_lock_path(engine), what):
            yield
    elif engine.dialect.name == "postgresql":
        with _advisory_lock(engine, what):
            yield
    else:  # no known way to lock: run unguarded rather than refuse
        yield


@contextmanager
def _file_lock(path: Path | None, what: str) -> Iterator[None]:
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            raise StoreLocked(f"another {what} is already working on this store"
                              f"{f' (process {holder})' if holder.isdigit() else ''}; lock file {path}. "
                              "Wait for it to finish, then run again.") from None
        # who holds it, for the message above (the lock itself is the flock, not this text)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(engine: Engine, what: str) -> Iterator[None]:
    # Autocommit: the connection is held for the whole run and must not sit idle in a transaction meanwhile.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar()
        if not got:
            holder = conn.execute(text(
                "SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND ((l.classid::bigint << 32) | l.objid::bigint) = :key LIMIT 1"),
                {"key": ADVISORY_KEY}).scalar()
            raise StoreLocked(f"another {what} is already working on this store"
                              f"{f' (server process {holder})' if holder else ''}. "
                              "Wait for it to finish, then run again.")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
