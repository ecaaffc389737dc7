"""End-to-end throughput: ingest → analyse → extract → link → reconcile → store, articles/s overall and per stage,
and the peak RSS of the whole process tree (Frog included).

    .venv/bin/python bench/throughput.py --articles 1000 [--deep triage|all|none] [--db URL] [--side-by-side]

With --side-by-side the analysis runs in a second process and the other stages run on what it has done, so
their times overlap: the end-to-end figure is the one that counts.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from common import PeakRss, write_replica

from kroniek import pipeline
from kroniek.config import load_settings
from kroniek.ingest import ingest_paths
from kroniek.store.repository import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--deep", choices=["triage", "all", "none"], default="triage")
    parser.add_argument("--db", default=None, help="store URL (default: a fresh SQLite file)")
    parser.add_argument("--side-by-side", action="store_true",
                        help="analyse in a second process (pipeline.run_side_by_side); stage times then overlap")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kroniek-bench-"))
    corpus = write_replica(args.articles, workdir / "corpus.jsonl")
    settings = load_settings(db_url=args.db or f"sqlite:///{workdir / 'bench.db'}")
    settings.data["analyse"]["deep"] = args.deep
    store = Store.open(settings.db_url)
    with PeakRss() as rss:
        started = time.perf_counter()
        report = ingest_paths(store, [str(corpus)], batch_size=500)
        ingest_seconds = time.perf_counter() - started
        stages = (pipeline.run_side_by_side(store, settings) if args.side_by_side
                  else pipeline.run(store, settings))
        total = time.perf_counter() - started
    n = report.added
    result = {
        "articles": n, "deep": args.deep, "side_by_side": args.side_by_side, "seconds": round(total, 1),
        "articles_per_s": round(n / total, 2),
        "stages": {"ingest": {"seconds": round(ingest_seconds, 2), "articles_per_s": round(n / ingest_seconds, 1)}}
        | {s.name: {"seconds": round(s.seconds, 2), "articles_per_s": round(n / s.seconds, 1) if s.seconds else None,
                    **s.counts} for s in stages},
        "peak_rss_mib": round(rss.peak_mib),
        "events": store.count("events"), "mentions": store.count("mentions"), "claims": store.count("claims"),
        "stories": store.count("stories"),
    }
    store.close()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{n} articles end to end in {result['seconds']} s: {result['articles_per_s']} articles/s "
          f"(deep={args.deep}{', side by side' if args.side_by_side else ''}); peak RSS {result['peak_rss_mib']} MiB")
    for name, figures in result["stages"].items():
        print(f"  {name:<10} {figures['seconds']:>8} s  {figures['articles_per_s']} articles/s")
    print(f"  stored: {result['mentions']} event mentions, {result['events']} events, {result['claims']} figures, "
          f"{result['stories']} stories")


if __name__ == "__main__":
    main()
