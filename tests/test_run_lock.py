"""One ``kroniek run`` at a time per store, on SQLite and PostgreSQL: a second run while another holds the store
exits at once with code 1 and a message saying so; the lock goes with its holder, even a SIGKILLed one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import BACKENDS, fresh_db_url
from kroniek.store.lock import StoreLocked, run_lock
from kroniek.store.repository import Store, make_engine

HOLDER = """
import sys, time
from kroniek.store.lock import run_lock
from kroniek.store.repository import make_engine
with run_lock(make_engine(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(600)
"""


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    for value in fresh_db_url(request.param, tmp_path):
        Store.open(value).close()  # the schema, as a first run would make it
        yield value


def hold(url: str) -> subprocess.Popen[str]:
    """Another process that takes the run lock and keeps it."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def kroniek_run(url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "run.toml"
    config.write_text('[analyse]\ndeep = "none"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "KRONIEK_FAILPOINT"}
    return subprocess.run([sys.executable, "-m", "kroniek", "--db", url, "--config", str(config), "run",
                           "--one-process"], capture_output=True, text=True, env=env, timeout=300)


def test_a_second_run_is_refused_with_a_clear_message(url: str, tmp_path: Path) -> None:
    holder = hold(url)
    try:
        refused = kroniek_run(url, tmp_path)
        assert refused.returncode == 1
        assert "another kroniek run is already working on this store" in refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        os.killpg(holder.pid, signal.SIGTERM)
        holder.wait()
    allowed = kroniek_run(url, tmp_path)
    assert allowed.returncode == 0, allowed.stderr


def test_the_lock_goes_with_a_killed_holder(url: str) -> None:
    holder = hold(url)
    engine = make_engine(url)
    try:
        with pytest.raises(StoreLocked, match="already working on this store"), run_lock(engine):
            pass
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait()
        # free again without anyone cleaning up, and held against the next one
        with run_lock(engine), pytest.raises(StoreLocked), run_lock(make_engine(url)):
            pass
        with run_lock(engine):  # and released at the end of the block
            pass
    finally:
        if holder.poll() is None:
            os.killpg(holder.pid, signal.SIGKILL)
            holder.wait()
        engine.dispose()


def test_stores_do_not_share_a_lock(tmp_path: Path) -> None:
    first, second = make_engine(f"sqlite:///{tmp_path / 'a.db'}"), make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    with run_lock(first), run_lock(second):
        assert (tmp_path / "a.db.run-lock").exists()
    with run_lock(make_engine("sqlite://")), run_lock(make_engine("sqlite://")):
        pass  # an in-memory store is one process's own
