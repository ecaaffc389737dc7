"""Incremental cost: the time `kroniek run` takes per new article when the archive already holds a small and a
large number of articles, and their ratio (target ≤ 1.5).

The archives are filled with `analyse.deep = "none"` (Frog on 100k articles would take hours and the archive's
size, not its analysis, is what is measured); the new batch is then measured with the configured mode
(`--deep`, default `triage`, the production default, Frog start-up excluded by warming it first).

    .venv/bin/python bench/incremental.py --small 1000 --large 10000 [--new 50] [--deep triage|none] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from common import replicate

from kroniek import pipeline
from kroniek.analyse.pipeline import Analyser, AnalysisOptions
from kroniek.analyse.stage import AnalyseStage
from kroniek.config import load_settings
from kroniek.extract.stage import ExtractStage
from kroniek.ingest import ingest_paths
from kroniek.link.stage import LinkStage
from kroniek.reconcile.stage import ReconcileStage
from kroniek.store.repository import Store


def measure(size: int, new: int, deep: str, workdir: Path) -> dict[str, Any]:
    rows = list(replicate(size + new, seed=size))
    archive, fresh = workdir / f"archive-{size}.jsonl", workdir / f"new-{size}.jsonl"
    archive.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[:size]), encoding="utf-8")
    fresh.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[size:]), encoding="utf-8")
    settings = load_settings(db_url=f"sqlite:///{workdir / f'archive-{size}.db'}")
    settings.data["analyse"]["deep"] = "none"
    store = Store.open(settings.db_url)
    started = time.perf_counter()
    ingest_paths(store, [str(archive)], batch_size=1000)
    pipeline.run(store, settings)
    fill_seconds = time.perf_counter() - started
    settings.data["analyse"]["deep"] = deep
    with Analyser(AnalysisOptions.from_settings(settings.section("analyse"))) as analyser:
        if deep != "none":
            _ = analyser.frog  # start Frog before the clock runs: its start-up is not a per-article cost
        stages = [AnalyseStage(analyser), ExtractStage(), LinkStage(), ReconcileStage()]
        started = time.perf_counter()
        ingest_paths(store, [str(fresh)])
        reports = pipeline.run(store, settings, stages=stages)
        seconds = time.perf_counter() - started
    store.close()
    return {"archive": size, "new": new, "fill_seconds": round(fill_seconds, 1),
            "ms_per_new_article": round(1000 * seconds / new, 2),
            "stages_ms_per_article": {r.name: round(1000 * r.seconds / new, 2) for r in reports}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=50)
    parser.add_argument("--deep", choices=["triage", "all", "none"], default="triage")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kroniek-incremental-"))
    small = measure(args.small, args.new, args.deep, workdir)
    large = measure(args.large, args.new, args.deep, workdir)
    result = {"small": small, "large": large,
              "ratio": round(large["ms_per_new_article"] / small["ms_per_new_article"], 2), "deep": args.deep}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for item in (small, large):
        stages = ", ".join(f"{k} {v}" for k, v in item["stages_ms_per_article"].items())
        print(f"archive {item['archive']:>7,}: {item['ms_per_new_article']:7.2f} ms per new article "
              f"({stages}); archive filled in {item['fill_seconds']} s")
    print(f"ratio large/small: {result['ratio']} (deep={args.deep}; target ≤ 1.5)")


if __name__ == "__main__":
    main()
