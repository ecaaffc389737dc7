"""``kroniek spark`` (PySpark, local mode) writes the same stories, events and figures as a local ``kroniek run``
on the same input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import SAMPLE
from kroniek import pipeline
from kroniek.config import load_settings
from kroniek.ingest import ingest_paths
from kroniek.link.query import get_story, list_stories
from kroniek.store.repository import Store

pytest.importorskip("pyspark", reason="pyspark is not installed")
pytestmark = pytest.mark.skipif(shutil.which("java") is None,
                                reason="Spark needs Java: apt-get install default-jre-headless")

VOLATILE = {"updated_at", "ingested_at", "at", "created_at", "timestamp", "history"}


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in sorted(value.items()) if k not in VOLATILE}
    if isinstance(value, list):
        return sorted((_stable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def snapshot(store: Store) -> dict[str, Any]:
    stories = []
    for story in list_stories(store, limit=1000):
        full = get_story(store, story["id"])
        assert full is not None
        stories.append(full)
    return {"stories": _stable(stories),
            "mentions": _stable([m.to_dict() for m in store.mentions()]),
            "claims": _stable([c.to_dict() for c in store.claims()])}


@pytest.mark.parametrize("chunk", [5, 20_000])  # several Spark jobs streaming back, or one
def test_spark_run_equals_local_run(tmp_path: Path, chunk: int) -> None:
    from kroniek.scale.spark import run_spark

    results = {}
    for mode in ("local", "spark"):
        settings = load_settings(db_url=f"sqlite:///{tmp_path / (mode + '.db')}")
        settings.data["analyse"]["deep"] = "none"  # the comparison is about partitioning, not Frog
        settings.data["spark"] = {"chunk_articles": chunk}
        store = Store.open(settings.db_url)
        try:
            ingest_paths(store, [str(SAMPLE / "articles.jsonl")])
            if mode == "local":
                pipeline.run(store, settings)
            else:
                reports = run_spark(store, settings, partitions=3, master="local[2]")
                assert reports[0].processed == store.count_articles() and reports[0].counts["partitions"] == 3
            results[mode] = snapshot(store)
        finally:
            store.close()
    local, spark = results["local"], results["spark"]
    assert local["mentions"] and local["claims"] and local["stories"]
    assert spark["mentions"] == local["mentions"]
    assert spark["claims"] == local["claims"]
    assert spark["stories"] == local["stories"]
