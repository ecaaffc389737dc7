"""``kroniek spark`` (PySpark, local mode) writes the same stories, events and figures as a local ``kroniek run``
on the same input.

Both runs get the bundled sample in two rounds (an archive, then new articles, a non-Dutch article and an updated
one), with Frog off (``analyse.deep = "none"``): the comparison is about partitioning and the driver-side stages,
not about Frog. Deselect with ``-m "not spark"``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import SAMPLE
from kroniek import pipeline
from kroniek.config import load_settings
from kroniek.model import Article
from kroniek.store.query import deleted_events, get_story, list_events, list_stories
from kroniek.store.repository import Store

pytest.importorskip("pyspark", reason="pyspark is not installed")
pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("java") is None,
                       reason="Spark needs a Java runtime: apt-get install default-jre-headless (Debian)"),
]

VOLATILE = {"updated_at", "ingested_at", "at", "created_at", "timestamp", "history", "done_at"}


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in sorted(value.items()) if k not in VOLATILE}
    if isinstance(value, list):
        return sorted((_stable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def _rounds() -> list[list[Article]]:
    sample = [Article.from_dict(json.loads(line))
              for line in (SAMPLE / "articles.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(sample) >= 10
    english = Article(outlet="citypaper", url="https://citypaper.example/riots", title="Riots in Leeds",
                      text="Rioters looted shops in Leeds on Tuesday night. Police arrested twelve young men after "
                           "the unrest spread to the city centre.", published=sample[0].published)
    changed = sample[3]
    updated = Article(outlet=changed.outlet, url=changed.url, title=changed.title, id=changed.id,
                      published=changed.published,
                      text=changed.text + "\n\nBij de blokkade raakten later op de dag nog twee agenten gewond.")
    return [sample[:8], [*sample[8:], english, updated]]


def snapshot(store: Store) -> dict[str, Any]:
    stories = []
    for story in list_stories(store, limit=1000):
        full = get_story(store, story["id"])
        assert full is not None
        stories.append(full)
    events = list_events(store)
    return {
        # membership first (the clearest message when it differs), then everything the story page shows
        "membership": sorted(sorted(a["id"] for a in s["articles"]) for s in stories),
        "events": sorted((e["event_type"], e["place"], e["date_start"], e["date_end"], sorted(e["article_ids"]))
                         for e in events),
        "figures": sorted((e["id"], json.dumps(_stable(e["figures"]), sort_keys=True), e["fatalities"])
                          for e in events),
        "stories": _stable(stories),
        "full_events": _stable(events),
        "deleted_events": _stable(deleted_events(store)),
        "mentions": _stable([m.to_dict() for m in store.mentions()]),
        "claims": _stable([c.to_dict() for c in store.claims()]),
        "languages": sorted((a.id, a.language) for a in store.articles()),
        "notes": {stage: store.stage_notes(stage) for stage in ("analyse", "extract")},
        "pending": {stage: store.count_pending(stage) for stage in ("analyse", "extract", "link", "reconcile")},
    }


@pytest.mark.parametrize("chunk", [5, 20_000])  # several Spark jobs streaming back, or one
def test_spark_run_equals_local_run(tmp_path: Path, chunk: int) -> None:
    from kroniek.scale.spark import run_spark

    results = {}
    for mode in ("local", "spark"):
        settings = load_settings(db_url=f"sqlite:///{tmp_path / (mode + '.db')}")
        settings.data["analyse"]["deep"] = "none"
        settings.data["spark"] = {"chunk_articles": chunk}
        store = Store.open(settings.db_url)
        try:
            for articles in _rounds():
                store.ingest_batch(articles)
                if mode == "local":
                    pipeline.run(store, settings)
                else:
                    pending = store.count_pending("extract")
                    reports = run_spark(store, settings, partitions=3, master="local[2]")
                    assert reports[0].processed == pending
                    assert reports[0].counts["partitions"] == 3
            results[mode] = snapshot(store)
        finally:
            store.close()
    local, spark = results["local"], results["spark"]
    assert local["mentions"] and local["claims"] and local["events"]
    assert any(len(members) > 1 for members in local["membership"]), "the sample links articles into stories"
    assert local["notes"]["extract"], "the non-Dutch article is skipped with a note"
    for key in local:  # one assertion per part, so a failure names what differs
        assert spark[key] == local[key], key
