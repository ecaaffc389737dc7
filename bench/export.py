"""Seconds per export format over an analysed store of the dpg2019 corpus (1,438 articles by default).

Without --db the store is built once (ingest and a full `kroniek run` with the shipped settings, Frog included)
and kept under /tmp/kroniek-bench-export/ keyed by the number of articles, so later runs only time the exports.
Each format is written by `kroniek export --format FMT --out FILE` in a fresh process, as a user runs it, --repeat
times; printed are the fastest and the median wall time of that process (interpreter start-up included) and its
CPU time (user + system: what the export costs when the machine is not shared), with the bytes written.

    .venv/bin/python bench/export.py                  # build (first time only) and time every format
    .venv/bin/python bench/export.py --build-only     # only build the cached store
    .venv/bin/python bench/export.py --db sqlite:////path/to/store.db --formats json,geojson
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, write_replica

CACHE = Path("/tmp/kroniek-bench-export")
FORMATS = ("json", "acled", "geojson", "plover", "plover-jsonl", "polecat")
CORPUS_ARTICLES = 1438  # the dpg2019-nl corpus: write_replica(1438) is the corpus itself (copy 0), with outlets


def build(articles: int) -> str:
    """The cached store's URL, building it first when it is missing (a marker file says a build finished)."""
    from kroniek import pipeline
    from kroniek.config import load_settings
    from kroniek.ingest import ingest_paths
    from kroniek.store.repository import Store

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"dpg2019-{articles}.db"
    done = path.with_suffix(".built")
    url = f"sqlite:///{path}"
    if done.exists() and path.exists():
        return url
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    store = Store.open(url)
    try:
        ingest_paths(store, [str(write_replica(articles, CACHE / f"corpus-{articles}.jsonl"))], batch_size=500)
        pipeline.run(store, load_settings(db_url=url))
    finally:
        store.close()
    done.write_text(f"{time.perf_counter() - started:.1f} s\n", encoding="utf-8")
    print(f"built {path} ({articles} articles) in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return url


def time_export(db_url: str, fmt: str, out_dir: Path, repeat: int) -> dict[str, object]:
    out = out_dir / f"export.{fmt}"
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(repeat):
        before = os.times()
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "kroniek", "--db", db_url, "export", "--format", fmt,
                               "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
        walls.append(time.perf_counter() - started)
        after = os.times()
        cpus.append(after.children_user - before.children_user + after.children_system - before.children_system)
        if done.returncode != 0:
            raise SystemExit(f"kroniek export --format {fmt} failed:\n{done.stderr}")
    return {"format": fmt, "fastest_s": round(min(walls), 2), "median_s": round(statistics.median(walls), 2),
            "cpu_s": round(min(cpus), 2), "bytes": out.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=CORPUS_ARTICLES, help="articles in the built store")
    parser.add_argument("--db", default=None, help="time the exports of this existing store instead")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated formats")
    parser.add_argument("--repeat", type=int, default=3, help="runs per format")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    db_url = args.db or build(args.articles)
    if args.build_only:
        print(db_url)
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="kroniek-bench-export-") as out_dir:
        for fmt in [f.strip() for f in args.formats.split(",") if f.strip()]:
            rows.append(time_export(db_url, fmt, Path(out_dir), max(1, args.repeat)))
    if args.json:
        print(json.dumps({"db": db_url, "exports": rows}, indent=2))
        return
    print(f"store: {db_url}; load average before: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    print(f"{'format':>13}  {'fastest':>8}  {'median':>8}  {'cpu':>7}  {'bytes':>11}")
    for row in rows:
        print(f"{row['format']:>13}  {row['fastest_s']:7.2f}s  {row['median_s']:7.2f}s  {row['cpu_s']:6.2f}s  "
              f"{row['bytes']:>11,}")


if __name__ == "__main__":
    main()
