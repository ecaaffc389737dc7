"""The pipeline runner: stages take only what the stage before them has done, and the side-by-side run (analysis
in a second process) writes exactly what the sequential run writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kroniek import pipeline
from kroniek.analyse.stage import AnalyseStage
from kroniek.config import load_settings
from kroniek.extract.stage import ExtractStage
from kroniek.ingest import ingest_paths
from kroniek.store import query
from kroniek.store.repository import Store

ARTICLES = [
    {"id": "p1", "outlet": "stadskrant", "url": "https://stadskrant.example/p1", "published_at": "2024-11-05",
     "title": "Honderden boeren blokkeren snelweg bij Zwolle",
     "text": "Honderden boeren hebben dinsdag met trekkers de A28 bij Zwolle geblokkeerd. Ze protesteren tegen "
             "nieuwe mestregels. Volgens de politie zijn zeker dertig actievoerders aangehouden."},
    {"id": "p2", "outlet": "regioradio", "url": "https://regioradio.example/p2", "published_at": "2024-11-05",
     "title": "Politie houdt tientallen boeren aan bij blokkade A28",
     "text": "Bij de blokkade van de A28 bij Zwolle heeft de politie dinsdag 34 boeren aangehouden, meldt de "
             "politie. De boeren protesteren tegen de mestregels van het kabinet."},
    {"id": "p3", "outlet": "avondpost", "url": "https://avondpost.example/p3", "published_at": "2024-11-07",
     "title": "Twee doden bij explosie in Rotterdam",
     "text": "Bij een explosie in een woning in Rotterdam zijn donderdag twee mensen om het leven gekomen, meldt "
             "de brandweer. Vier bewoners raakten gewond. De politie onderzoekt de oorzaak."},
    {"id": "p4", "outlet": "stadskrant", "url": "https://stadskrant.example/p4", "published_at": "2024-11-08",
     "title": "Explosie Rotterdam: drie gewonden nog in ziekenhuis",
     "text": "Na de explosie in Rotterdam liggen nog drie gewonden in het ziekenhuis, zegt een woordvoerder van "
             "de gemeente. Volgens de politie is de woning onbewoonbaar."},
]


def stored(store: Store) -> dict[str, Any]:
    stories = sorted(sorted(a["id"] for a in (query.get_story(store, s["id"]) or {"articles": []})["articles"])
                     for s in query.list_stories(store, events_per_story=0))
    events = sorted(json.dumps({k: e[k] for k in ("event_type", "date", "place", "article_ids", "fatalities",
                                                  "figures")}, sort_keys=True) for e in query.list_events(store))
    claims = sorted(json.dumps(c.to_dict(), sort_keys=True) for c in store.claims())
    return {"stories": stories, "events": events, "claims": claims}


def build(tmp_path: Path, name: str, url: str | None = None) -> tuple[Store, Any]:
    source = tmp_path / "articles.jsonl"
    source.write_text("\n".join(json.dumps(a) for a in ARTICLES), encoding="utf-8")
    settings = load_settings(db_url=url or f"sqlite:///{tmp_path / name}")
    settings.data["analyse"]["deep"] = "none"
    store = Store.open(settings.db_url)
    ingest_paths(store, [str(source)])
    return store, settings


def test_side_by_side_writes_what_the_sequential_run_writes(tmp_path: Path, db_url: str) -> None:
    """On SQLite (two processes on one file) and on PostgreSQL."""
    sequential, settings = build(tmp_path, "sequential.db")
    pipeline.run(sequential, settings)
    side, side_settings = build(tmp_path, "side.db", db_url)
    reports = {r.name: r for r in pipeline.run_side_by_side(side, side_settings, poll_seconds=0.05)}
    try:
        assert {name: r.processed for name, r in reports.items()} == {
            "analyse": 4, "extract": 4, "link": 4, "reconcile": 4}
        expected = stored(sequential)
        assert expected["events"] and expected["claims"] and len(expected["stories"]) == 2
        assert stored(side) == expected
        assert [r.processed for r in pipeline.run_side_by_side(side, side_settings)] == [0, 0, 0, 0]
    finally:
        sequential.close()
        side.close()


def test_side_by_side_reports_a_failed_analysis(tmp_path: Path) -> None:
    store, _settings = build(tmp_path, "ok.db")
    broken = load_settings(db_url=f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    try:
        with pytest.raises(RuntimeError, match="analyse process failed"):
            pipeline.run_side_by_side(store, broken, poll_seconds=0.05)
        assert store.count_articles() == 4
    finally:
        store.close()


def test_a_stage_takes_only_what_the_stage_before_it_has_done(tmp_path: Path) -> None:
    """An article the analysis has not done (failed, or still running side by side) is not extracted: it would
    get no events for good. The extract stage's mark does not move past it either, though later ones are done."""
    from kroniek.store import schema

    store, settings = build(tmp_path, "order.db")
    try:
        AnalyseStage().run(store, settings)
        with store.engine.begin() as conn:  # the first article's analysis is lost (as if it had failed)
            conn.execute(schema.stage_runs.delete().where((schema.stage_runs.c.article_id == "p1")
                                                          & (schema.stage_runs.c.stage == "analyse")))
        assert ExtractStage().run(store, settings).processed == 3
        assert store.count_pending("extract") == 1 and store.count_pending("extract", after="analyse") == 0
        assert ExtractStage().run(store, settings).processed == 0
        AnalyseStage().run(store, settings)
        assert ExtractStage().run(store, settings).processed == 1, "the mark stayed before the late article"
        assert store.count_pending("extract") == 0
        assert {m.article_id for m in store.mentions(["p1"])} == {"p1"}
    finally:
        store.close()


def test_kroniek_run_goes_side_by_side_by_default_except_in_memory() -> None:
    from kroniek.config import load_settings

    assert pipeline.use_side_by_side(load_settings(db_url="sqlite:////tmp/kroniek-store.db"))
    assert not pipeline.use_side_by_side(load_settings(db_url="sqlite:////tmp/kroniek-store.db"), False)
    assert not pipeline.use_side_by_side(load_settings(db_url="sqlite://"))
    assert not pipeline.use_side_by_side(load_settings(db_url="sqlite:///:memory:"))


def test_the_analysis_process_ends_when_the_run_that_started_it_is_killed() -> None:
    """A SIGKILLed `kroniek run` cannot stop its analysis process itself; the process must notice and end."""
    import os
    import signal
    import subprocess
    import sys
    import time

    child_code = ("import os, sys, time; from kroniek.analyse.worker import _die_with_parent; "
                  "_die_with_parent(int(sys.argv[1])); print('ready', flush=True); time.sleep(120)")
    parent_code = ("import os, subprocess, sys, time; "
                   f"c = subprocess.Popen([sys.executable, '-c', {child_code!r}, str(os.getpid())], "
                   "start_new_session=True, stdout=subprocess.PIPE, text=True); "
                   "c.stdout.readline(); print(c.pid, flush=True); time.sleep(120)")
    parent = subprocess.Popen([sys.executable, "-c", parent_code], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return  # gone
        if state in ("Z", "X"):
            return  # ended, not yet reaped by whoever adopted it
        time.sleep(0.1)
    os.kill(child, signal.SIGKILL)
    raise AssertionError("the orphaned analysis process kept running")
