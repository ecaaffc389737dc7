"""A bounded loopback load test of `kroniek serve`: many concurrent clients against a mix of pages, API routes,
exports and hostile requests; prints the count of each status, the time-outs and transport errors, and the server's
RSS before the burst, right after it and after a short settle. Exit status 1 on any 5xx, time-out or transport
error (a 429 with Retry-After is the server shedding load as designed, not an error).

    .venv/bin/python bench/load.py [--clients 500] [--requests-per-client 4] [--db URL] [--timeout 30] [--json]

Without --db it builds a fresh SQLite store from the bundled sample (`data/sample`, all stages with
`analyse.deep = "none"`) in a temporary folder; an empty --db store gets the same sample. `kroniek serve` runs in
a subprocess on a free loopback port (one uvicorn worker, as shipped). Each client has its own connection and sends
its requests one after the other, cycling through the routes from a different starting point, so every route is
asked for at the same time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from common import ROOT, free_port, stop_server, tree_rss_kib, wait_healthy

from kroniek import pipeline
from kroniek.config import load_settings
from kroniek.ingest import ingest_paths
from kroniek.store import query
from kroniek.store.repository import Store

SAMPLE = ROOT / "data" / "sample"


def build_sample(db_url: str) -> None:
    settings = load_settings(db_url=db_url)
    settings.data["analyse"]["deep"] = "none"  # the server is measured, not Frog
    store = Store.open(db_url)
    try:
        ingest_paths(store, [str(SAMPLE / name) for name in ("articles.jsonl", "feed.xml", "html", "seed")])
        pipeline.run(store, settings)
    finally:
        store.close()


def routes_of(db_url: str) -> list[str]:
    """Pages, API lists and details (real ids from the store), exports, and requests that must be refused."""
    store = Store.open(db_url)
    try:
        story = next(iter(query.list_stories(store, limit=1)), {}).get("id", "none")
        event = next(iter(query.list_events(store, limit=1)), {}).get("id", "none")
        article = next(iter(store.articles(limit=1)), None)
    finally:
        store.close()
    article_id = article.id if article is not None else "none"
    return ["/", "/stories", f"/stories/{story}", f"/events/{event}", f"/articles/{article_id}",
            "/api/stories?limit=50&full=true", f"/api/stories/{story}", "/api/events?limit=50",
            f"/api/events/{event}", f"/api/articles/{article_id}", "/api/articles?limit=50", "/api/places",
            "/api/actors", "/api/export/json", "/api/export/acled", "/api/export/geojson",
            "/api/articles/" + "x" * 60_000, "/api/articles/%25", "/api/articles/_", "/api/stories?limit=0",
            "/api/stories?q=%00", "/healthz"]


async def burst(base: str, routes: list[str], clients: int, per_client: int, timeout: float) -> dict[str, Any]:
    statuses: Counter[str] = Counter()
    by_route: dict[str, Counter[str]] = {}
    problems: Counter[str] = Counter()
    retry_after_missing = 0

    async def one(index: int) -> None:
        nonlocal retry_after_missing
        # one connection per client: the server sees `clients` sockets at once
        async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=httpx.Limits(max_connections=1)) as http:
            for step in range(per_client):
                path = routes[(index + step * 7) % len(routes)]
                key = path if len(path) < 80 else path[:40] + "…"
                try:
                    response = await http.get(path)
                    outcome = str(response.status_code)
                    if response.status_code == 429 and "retry-after" not in response.headers:
                        retry_after_missing += 1
                except httpx.TimeoutException:
                    outcome = "time-out"
                except httpx.HTTPError as error:
                    outcome = f"error {type(error).__name__}"
                statuses[outcome] += 1
                by_route.setdefault(key, Counter())[outcome] += 1
                if not outcome.isdigit() or outcome.startswith("5"):
                    problems[f"{key}: {outcome}"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(clients)))
    return {"seconds": round(time.perf_counter() - started, 1), "statuses": dict(sorted(statuses.items())),
            "by_route": {k: dict(sorted(v.items())) for k, v in sorted(by_route.items())},
            "problems": dict(problems.most_common(20)), "429_without_retry_after": retry_after_missing}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=500, help="concurrent clients, one connection each")
    parser.add_argument("--requests-per-client", type=int, default=4)
    parser.add_argument("--db", default=None, help="serve this existing store instead of the bundled sample")
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds (a time-out is an error)")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to wait before the last RSS reading")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kroniek-load-"))
    db_url = args.db or f"sqlite:///{workdir / 'load.db'}"
    store = Store.open(db_url)
    empty = store.count_articles() == 0
    store.close()
    if empty:  # a fresh SQLite file, or an empty --db (e.g. a new PostgreSQL database)
        build_sample(db_url)
    routes = routes_of(db_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = workdir / "serve.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen([sys.executable, "-m", "kroniek", "--db", db_url, "serve", "--port", str(port)],
                                  cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            wait_healthy(base, server, log)
            with httpx.Client(base_url=base, timeout=args.timeout) as warm:
                for path in routes:  # templates compiled and the first connections opened before the baseline
                    warm.get(path)
            rss = {"before_mib": tree_rss_kib(server.pid) / 1024}
            result = asyncio.run(burst(base, routes, args.clients, args.requests_per_client, args.timeout))
            rss["after_mib"] = tree_rss_kib(server.pid) / 1024
            time.sleep(args.settle)
            rss["settled_mib"] = tree_rss_kib(server.pid) / 1024
            alive = server.poll() is None
        finally:
            stop_server(server)
    result |= {"clients": args.clients, "requests": args.clients * args.requests_per_client, "db": db_url,
               "server_alive": alive, "rss": {k: round(v, 1) for k, v in rss.items()}}
    server_errors = sum(n for status, n in result["statuses"].items() if not status.isdigit() or status[0] == "5")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['requests']} requests from {args.clients} concurrent clients in {result['seconds']} s "
              f"against {db_url}")
        print("statuses: " + ", ".join(f"{status} × {n}" for status, n in result["statuses"].items()))
        for route, counts in result["by_route"].items():
            print(f"  {route:60} " + ", ".join(f"{status} × {n}" for status, n in counts.items()))
        for problem, n in result["problems"].items():
            print(f"  problem: {problem} × {n}")
        if result["429_without_retry_after"]:
            print(f"429 without Retry-After: {result['429_without_retry_after']}")
        print(f"server RSS: {rss['before_mib']:.0f} MiB before, {rss['after_mib']:.0f} MiB right after, "
              f"{rss['settled_mib']:.0f} MiB {args.settle:.0f} s later; server alive: {alive}")
        print(f"5xx, time-outs and transport errors: {server_errors}")
    raise SystemExit(1 if server_errors or not alive else 0)


if __name__ == "__main__":
    main()
