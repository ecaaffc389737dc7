"""Story page and API latency under a bounded load on loopback, against `kroniek serve` over a large store; it
doubles as the load test (any error or 5xx is counted and printed).

    .venv/bin/python bench/latency.py --articles 100000 [--db URL] [--requests 2000] [--concurrency 6] [--json]

Without --db it fills a fresh SQLite store with that many replicated dpg2019 articles (`analyse.deep = "none"`:
the pages, not Frog, are measured). The routes are a mix of story list, story page, story JSON, event list,
event page and article JSON, with ids drawn from the store.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from common import ROOT, write_replica

from kroniek import pipeline
from kroniek.config import load_settings
from kroniek.ingest import ingest_paths
from kroniek.link.query import list_events, list_stories
from kroniek.store.repository import Store


def fill(db_url: str, articles: int, workdir: Path) -> float:
    settings = load_settings(db_url=db_url)
    settings.data["analyse"]["deep"] = "none"
    store = Store.open(db_url)
    started = time.perf_counter()
    ingest_paths(store, [str(write_replica(articles, workdir / "corpus.jsonl"))], batch_size=1000)
    pipeline.run(store, settings)
    store.close()
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="an existing store to serve (skips the fill)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kroniek-latency-"))
    db_url = args.db or f"sqlite:///{workdir / 'latency.db'}"
    fill_seconds = None if args.db else fill(db_url, args.articles, workdir)
    store = Store.open(db_url)
    stories = [s["id"] for s in list_stories(store, limit=2000)]
    events = [e["id"] for e in list_events(store, limit=2000)]
    articles = [a.id for a in store.articles(limit=2000)]
    stored = store.count_articles()
    store.close()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kroniek", "--db", db_url, "serve", "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        rng = random.Random(3)
        routes = [("story list", lambda: "/stories"), ("story page", lambda: f"/stories/{rng.choice(stories)}"),
                  ("API stories", lambda: "/api/stories?limit=50"),
                  ("API story", lambda: f"/api/stories/{rng.choice(stories)}"),
                  ("API events", lambda: "/api/events?limit=50"),
                  ("event page", lambda: f"/events/{rng.choice(events)}" if events else "/stories"),
                  ("API article", lambda: f"/api/articles/{rng.choice(articles)}")]
        plan = [routes[i % len(routes)] for i in range(args.requests)]
        plan = [(name, make()) for name, make in plan]
        timings: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        lock = threading.Lock()
        cursor = iter(plan)

        def worker() -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                while True:
                    with lock:
                        item = next(cursor, None)
                    if item is None:
                        return
                    name, path = item
                    started = time.perf_counter()
                    try:
                        status = client.get(path).status_code
                    except httpx.HTTPError as error:
                        status, detail = 0, str(error)
                    elapsed = (time.perf_counter() - started) * 1000
                    with lock:
                        timings[name].append(elapsed)
                        if status >= 400 or status == 0:
                            errors.append(f"{path}: {status}" + (f" {detail}" if status == 0 else ""))

        started = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)
    every = [t for values in timings.values() for t in values]
    result: dict[str, Any] = {
        "stored_articles": stored, "fill_seconds": None if fill_seconds is None else round(fill_seconds, 1),
        "requests": len(every), "concurrency": args.concurrency, "errors": len(errors),
        "requests_per_s": round(len(every) / wall, 1),
        "overall_ms": {"p50": round(statistics.median(every), 1), "p95": round(percentile(every, 0.95), 1),
                       "p99": round(percentile(every, 0.99), 1)},
        "routes_ms": {name: {"p50": round(statistics.median(v), 1), "p95": round(percentile(v, 0.95), 1)}
                      for name, v in timings.items()},
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{stored:,} stored articles; {len(every)} requests, concurrency {args.concurrency}, "
              f"{result['requests_per_s']} req/s, errors {len(errors)}")
        print(f"  overall  p50 {result['overall_ms']['p50']} ms  p95 {result['overall_ms']['p95']} ms  "
              f"p99 {result['overall_ms']['p99']} ms  (target p95 ≤ 100 ms)")
        for name, figures in result["routes_ms"].items():
            print(f"  {name:<12} p50 {figures['p50']:>7} ms  p95 {figures['p95']:>7} ms")
    for line in errors[:10]:
        print("  error:", line, file=sys.stderr)
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
