"""Output regression check for speed work: run the whole pipeline on a corpus into a fresh SQLite store and write
everything the stages stored (analyses, mentions, events, figures, stories, link state, notes) as one normalised
JSON snapshot, so two source trees can be compared: a faster stage must leave this file byte for byte the same.

    .venv/bin/python bench/regression.py --corpus sample --out /tmp/after-sample.json
    .venv/bin/python bench/regression.py --corpus dpg --articles 200 --out /tmp/after-dpg.json
    PYTHONPATH=/tmp/before/src .venv/bin/python bench/regression.py ... --out /tmp/before-dpg.json   # the old code
    cmp /tmp/before-dpg.json /tmp/after-dpg.json

Wall-clock columns (``DateTime``, and ``at``/``*_at`` keys inside JSON data) are left out; so is the analyser
version string inside the cached analyses (it names the code version, not the result). Prints the CPU seconds per
article of this process and its children.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from common import ROOT, write_replica
from sqlalchemy import DateTime, select

from kroniek import pipeline
from kroniek.config import load_settings
from kroniek.ingest import ingest_paths
from kroniek.store import schema
from kroniek.store.repository import Store

TABLES = ["analyses", "stage_runs", "mentions", "claims", "stories", "story_articles", "events", "article_names",
          "merges", "link_term_df", "link_state", "link_story_keys", "link_event_keys", "event_ids", "id_sequences"]


def _decoded(value: Any) -> Any:
    """JSON text columns compared as data (key order aside), wall-clock times inside them masked."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return _masked(json.loads(value))
        except ValueError:
            return value
    return value


def _masked(value: Any) -> Any:
    """The data with the values of keys that hold when something was done (``at``, ``*_at``) replaced."""
    if isinstance(value, dict):
        return {k: "<time>" if (k == "at" or k.endswith("_at")) and isinstance(v, str) else _masked(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def snapshot(store: Store) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    with store.engine.connect() as conn:
        for name in TABLES:
            table = schema.metadata.tables[name]
            columns = [c for c in table.columns if not isinstance(c.type, DateTime)]
            rows = []
            for row in conn.execute(select(*columns)):
                record = {c.name: _decoded(getattr(row, c.name)) for c in columns}
                if name == "analyses":
                    record.pop("analyser", None)
                    if isinstance(record.get("data"), dict):
                        record["data"].pop("analyser", None)
                if name == "merges":
                    record.pop("seq", None)
                rows.append(record)
            out[name] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False, default=str))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=["sample", "dpg"], default="sample")
    parser.add_argument("--articles", type=int, default=200, help="dpg: how many (replicated past 1,438)")
    parser.add_argument("--side-by-side", action=argparse.BooleanOptionalAction, default=False)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kroniek-regression-"))
    inputs = ([str(ROOT / "data" / "sample")] if args.corpus == "sample"
              else [str(write_replica(args.articles, workdir / "corpus.jsonl"))])
    settings = load_settings(db_url=f"sqlite:///{workdir / 'store.db'}")
    store = Store.open(settings.db_url)
    started, cpu = time.perf_counter(), os.times()
    report = ingest_paths(store, inputs)
    if args.side_by_side:
        pipeline.run_side_by_side(store, settings)
    else:
        pipeline.run(store, settings)
    seconds, used = time.perf_counter() - started, os.times()
    data = snapshot(store)
    store.close()
    Path(args.out).write_text(json.dumps(data, sort_keys=True, ensure_ascii=False, indent=0, default=str) + "\n",
                              encoding="utf-8")
    n = max(report.added, 1)
    own = (used.user + used.system) - (cpu.user + cpu.system)
    children = (used.children_user + used.children_system) - (cpu.children_user + cpu.children_system)
    print(f"{report.added} articles in {seconds:.1f} s; CPU per article {1000 * own / n:.1f} ms this process, "
          f"{1000 * children / n:.1f} ms children; " + ", ".join(f"{k} {len(v)}" for k, v in data.items()))


if __name__ == "__main__":
    main()
