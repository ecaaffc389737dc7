"""Story page and API latency under a bounded load on loopback, against `kroniek serve` over a large store; it
doubles as the load test (every error, 4xx/5xx or timeout is counted and printed, and makes the exit status 1).

    .venv/bin/python bench/latency.py [--articles 100000] [--db URL] [--requests 2000] [--concurrency 6] [--json]

Without --db it fills a fresh SQLite store with `--articles` replicated dpg2019 articles (`write_replica`, all
stages with `analyse.deep = "none"`: the pages, not Frog, are measured) and keeps it (the path is printed) so a
later run can serve it again with --db. With --db an existing store is served as it is (nothing is written to it).

`kroniek serve` runs in a subprocess on a free loopback port (one uvicorn worker, as shipped). After one warm-up
request per route, `--requests` GET requests are issued by `--concurrency` threads, each with its own keep-alive
httpx client, round-robin over the routes: story list page, story page, story list JSON, story JSON, event list
JSON, event page, article JSON, search page and search JSON (a few fixed queries), the list pages with
facets (events, articles, places, actors, outlets), the event list JSON with every facet and the pick-list route.
Ids are drawn at random from the whole store (not only the newest), so large and small stories both come up.
Latency is the client-side time to the full response body; the size of the bodies (median and largest, KB) is
printed next to it.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from common import ROOT, free_port, stop_server, wait_healthy, write_replica
from sqlalchemy import func, select

from kroniek import pipeline
from kroniek.config import load_settings
from kroniek.ingest import ingest_paths
from kroniek.store import schema
from kroniek.store.repository import Store

TARGET_P95_MS = 100.0


def fill(db_url: str, articles: int, workdir: Path) -> float:
    settings = load_settings(db_url=db_url)
    settings.data["analyse"]["deep"] = "none"
    store = Store.open(db_url)
    started = time.perf_counter()
    ingest_paths(store, [str(write_replica(articles, workdir / "corpus.jsonl"))], batch_size=1000)
    pipeline.run(store, settings)
    store.close()
    return time.perf_counter() - started


def sample_ids(db_url: str, count: int, seed: int) -> dict[str, Any]:
    """Random active story and event ids and article ids from the whole store, plus its size."""
    store = Store.open(db_url)
    try:
        with store.engine.connect() as conn:
            def ids(table: Any, active: bool) -> list[str]:
                query = select(table.c.id)
                if active:
                    query = query.where(table.c.status == "active")
                return sorted(conn.execute(query.order_by(func.random()).limit(count)).scalars())

            found: dict[str, Any] = {"stories": ids(schema.stories, True), "events": ids(schema.events, True),
                                     "articles": ids(schema.articles, False)}
            found["sizes"] = {name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                              for name, table in (("articles", schema.articles), ("stories", schema.stories),
                                                  ("events", schema.events), ("mentions", schema.mentions))}
    finally:
        store.close()
    rng = random.Random(seed)
    for key in ("stories", "events", "articles"):
        rng.shuffle(found[key])
    return found


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(share * len(ordered) + 0.999999) - 1))]


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": round(statistics.median(values), 1), "p95": round(percentile(values, 0.95), 1),
            "p99": round(percentile(values, 0.99), 1), "max": round(max(values), 1)}


SEARCHES = ("politie", "Amsterdam", "demonstranten", "%22raad+van+state%22", "rechter+-Amsterdam")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000, help="size of the store to build (without --db)")
    parser.add_argument("--db", default=None, help="serve this existing store instead of building one")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds (a timeout is an error)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kroniek-latency-"))
    db_url = args.db or f"sqlite:///{workdir / 'latency.db'}"
    fill_seconds = None if args.db else fill(db_url, args.articles, workdir)
    ids = sample_ids(db_url, 2000, seed=3)
    if not ids["stories"] or not ids["events"]:
        raise SystemExit(f"{db_url} has no stories or events to ask for")

    def cycle(key: str) -> Callable[[int], str]:
        return lambda i: ids[key][i % len(ids[key])]

    story, event, article = cycle("stories"), cycle("events"), cycle("articles")
    routes: list[tuple[str, Callable[[int], str]]] = [
        ("story list", lambda i: "/stories"),
        ("story page", lambda i: f"/stories/{story(i)}"),
        ("API stories", lambda i: "/api/stories?limit=50"),
        ("API story", lambda i: f"/api/stories/{story(i + 7)}"),
        ("API events", lambda i: "/api/events?limit=50"),
        ("event page", lambda i: f"/events/{event(i)}"),
        ("API article", lambda i: f"/api/articles/{article(i)}"),
        # full-text search: a frequent word, a name, an inflected word, a phrase (the replica is Dutch news)
        ("search page", lambda i: f"/search?q={SEARCHES[i % len(SEARCHES)]}"),
        ("API search", lambda i: f"/api/search?q={SEARCHES[(i + 1) % len(SEARCHES)]}"),
        # lists with facets (counted over the whole filtered set) and the pick-list route
        ("events list", lambda i: "/events" if i % 2 else "/events?country=NL&sort=-date"),
        ("articles list", lambda i: "/articles"),
        ("places list", lambda i: "/places"),
        ("actors list", lambda i: "/actors"),
        ("outlets list", lambda i: "/outlets"),
        ("API events facets", lambda i: "/api/events?limit=50&facets=all"),
        ("API suggest", lambda i: f"/api/suggest?kind=place&prefix={('Am', 'Ut', 'Den H', 'Kazach')[i % 4]}"),
    ]
    plan = [(routes[i % len(routes)][0], routes[i % len(routes)][1](i // len(routes))) for i in range(args.requests)]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = workdir / "serve.log"
    timings: dict[str, list[float]] = defaultdict(list)
    sizes: dict[str, list[int]] = defaultdict(list)
    errors: list[str] = []
    with log.open("wb") as log_file:
        server = subprocess.Popen([sys.executable, "-m", "kroniek", "--db", db_url, "serve", "--port", str(port)],
                                  cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            wait_healthy(base, server, log)
            with httpx.Client(base_url=base, timeout=args.timeout) as warm:
                for name, make in routes:  # templates compiled, first connections opened: not measured
                    status = warm.get(make(len(plan))).status_code
                    if status >= 400:
                        errors.append(f"warm-up {name}: {status}")
            lock = threading.Lock()
            cursor = iter(plan)

            def worker() -> None:
                with httpx.Client(base_url=base, timeout=args.timeout) as client:
                    while True:
                        with lock:
                            item = next(cursor, None)
                        if item is None:
                            return
                        name, path = item
                        problem = None
                        size = 0
                        started = time.perf_counter()
                        try:
                            response = client.get(path)
                            size = len(response.content)
                            if response.status_code >= 400:
                                problem = f"{path}: HTTP {response.status_code}"
                        except httpx.HTTPError as error:
                            problem = f"{path}: {type(error).__name__} {error}"
                        elapsed = (time.perf_counter() - started) * 1000
                        with lock:
                            timings[name].append(elapsed)
                            sizes[name].append(size)
                            if problem:
                                errors.append(problem)

            started = time.perf_counter()
            threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
        finally:
            stop_server(server)
    every = [t for values in timings.values() for t in values]
    routes_ms = {name: summary(timings[name]) for name, _make in routes}
    routes_kb = {name: {"p50": round(statistics.median(sizes[name]) / 1000, 1),
                        "max": round(max(sizes[name]) / 1000, 1)} for name, _make in routes}
    slow = [name for name, figures in routes_ms.items() if figures["p95"] > TARGET_P95_MS]
    result: dict[str, Any] = {
        "store": db_url, "built": args.db is None,
        "fill_seconds": None if fill_seconds is None else round(fill_seconds, 1), **ids["sizes"],
        "requests": len(every), "concurrency": args.concurrency, "errors": len(errors),
        "seconds": round(wall, 1), "requests_per_s": round(len(every) / wall, 1),
        "overall_ms": summary(every), "routes_ms": routes_ms, "routes_kb": routes_kb, "target_p95_ms": TARGET_P95_MS,
        "routes_over_target": slow,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        sizes = ids["sizes"]
        built = f"built in {result['fill_seconds']} s (deep=none), " if fill_seconds is not None else ""
        print(f"store {db_url}: {built}{sizes['articles']:,} articles, {sizes['stories']:,} stories, "
              f"{sizes['events']:,} events, {sizes['mentions']:,} mentions")
        print(f"{len(every)} requests, concurrency {args.concurrency}, {wall:.1f} s, {result['requests_per_s']} req/s, "
              f"errors {len(errors)}")
        print(f"  {'route':<12} {'n':>5} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}  (ms; target p95 ≤ 100)"
              f"  {'KB p50':>8} {'KB max':>8}")
        for name, figures in [*routes_ms.items(), ("overall", result["overall_ms"])]:
            kb = routes_kb.get(name)
            body = f"  {kb['p50']:>8} {kb['max']:>8}" if kb else ""
            print(f"  {name:<12} {figures['n']:>5} {figures['p50']:>8} {figures['p95']:>8} {figures['p99']:>8} "
                  f"{figures['max']:>8}{body}{'  over target' if name in slow else ''}")
    for line in errors[:10]:
        print("  error:", line, file=sys.stderr)
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
