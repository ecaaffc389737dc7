"""Latency of every read route under a bounded load on loopback, against `kroniek serve` over a large store; it
doubles as the load test (every error, 4xx/5xx or timeout is counted and printed, and makes the exit status 1).

    .venv/bin/python bench/latency.py [--articles 100000] [--pg [URL]] [--db URL] [--requests 3000]
                                      [--concurrency 2] [--cache DIR] [--json]

The store: by default a SQLite store of `--articles` replicated dpg2019 articles (`write_replica`, every stage
with `analyse.deep = "none"`: the pages, not Frog, are measured), built once and kept in `--cache`
(/tmp/kroniek-latency by default, `sqlite-<articles>.db`): a re-run serves it again at once, and a build that was
interrupted goes on where it stopped (ingest is skipped when the articles are in, the pipeline takes only what is
pending). `--pg` serves a PostgreSQL store instead (default URL on port 54343): when it holds fewer articles than
asked, the cached SQLite store is copied into it table by table (the database computes its own search vectors),
which is much quicker than running the pipeline again and gives the same rows on both engines. `--db URL` serves
an existing store as it is (nothing is written to it).

`kroniek serve` runs in a subprocess on a free loopback port (one uvicorn worker, as shipped). Each route is asked
once before the run ("first": the first answer after start-up, before any answer is cached; pages whose
parameters change in the run miss the cache again). Then `--requests` GET requests are issued by
`--concurrency` threads, each with its own keep-alive httpx client, round-robin over the routes: the story list,
story pages, full-text search (a name, an inflected word, a phrase), every list route (events, articles, places,
actors, outlets) as a page and as JSON, without a filter, with one and with every facet, sorted, at deep offsets,
the pick-list route, the map's GeoJSON (whole store and filtered) and the /map page. Filter values (countries,
event types, places, outlets, months, actors) are the store's own most frequent ones, cycled so one route's
requests do not all ask the same thing; ids are drawn at random from the whole store. Latency is the client-side
time to the full response body; the size of the bodies (median and largest, KB) is printed next to it.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from common import ROOT, free_port, stop_server, wait_healthy, write_replica
from sqlalchemy import func, inspect, select

from kroniek import pipeline
from kroniek.config import load_settings
from kroniek.ingest import ingest_paths
from kroniek.store import schema
from kroniek.store.links import event_keys
from kroniek.store.repository import Store

TARGET_P95_MS = 100.0
DEFAULT_PG = "postgresql+psycopg://kroniek@127.0.0.1:54343/latency"
DEFAULT_CACHE = Path("/tmp/kroniek-latency")


# --- the store ------------------------------------------------------------------------------------------------

def build_sqlite(cache: Path, articles: int) -> tuple[str, float | None]:
    """The cached SQLite store of ``articles`` replicated articles, built (or finished) when it is not complete;
    the seconds the build took this time (None when it was complete already)."""
    cache.mkdir(parents=True, exist_ok=True)
    path, done = cache / f"sqlite-{articles}.db", cache / f"sqlite-{articles}.done"
    ingested = cache / f"sqlite-{articles}.ingested"
    url = f"sqlite:///{path}"
    if done.exists() and path.exists():
        return url, None
    settings = load_settings(db_url=url)
    settings.data["analyse"]["deep"] = "none"
    store = Store.open(url)
    started = time.perf_counter()
    try:
        if not ingested.exists():  # a second ingest after an interruption skips the articles already in
            corpus = write_replica(articles, cache / f"corpus-{articles}.jsonl")
            ingest_paths(store, [str(corpus)], batch_size=1000)
            ingested.touch()
        print(f"running the pipeline over {url} (deep=none, side by side); interrupt and re-run to resume",
              file=sys.stderr)
        pipeline.run_side_by_side(store, settings)
    finally:
        store.close()
    seconds = time.perf_counter() - started
    done.write_text(f"{seconds:.1f}\n")
    return url, seconds


def scale_events(db_url: str, target: int) -> dict[str, int]:
    """Copies of the store's events until it holds ``target`` active events: for when the pipeline could not be
    run over every article (a full 100k fill takes over an hour on two shared cores). Each copy is its event's row
    (same story, dates, place, JSON) under a new id, with the event's facet keys and an ACLED id of its own, so
    the lists, facets and map read as many rows as a full fill gives; mentions are not copied (the copy's JSON
    keeps its original's). Done once: the copies' ids end in ``~N``, so a re-run counts only the originals."""
    e, k, ids = schema.events, event_keys, schema.event_ids
    store = Store.open(db_url)
    try:
        with store.engine.begin() as conn:
            originals = list(conn.execute(select(e).where(e.c.status == "active", ~e.c.id.like("%~%"))
                                          .order_by(e.c.id)).mappings())
            have = int(conn.execute(select(func.count()).where(e.c.status == "active")).scalar_one())
            keys: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for row in conn.execute(select(k)).mappings():
                keys[row["event_id"]].append(dict(row))
            acled = {row["event_id"]: dict(row) for row in
                     conn.execute(select(ids).where(ids.c.alias_of.is_(None))).mappings()}
            copies, number = 0, 0
            while have < target and originals:
                number += 1
                for original in originals[:target - have]:
                    new_id = f"{original['id']}~{number}"
                    conn.execute(e.insert(), [{**original, "id": new_id}])
                    if keys.get(original["id"]):
                        conn.execute(k.insert(), [{**key, "event_id": new_id} for key in keys[original["id"]]])
                    if original["id"] in acled:
                        conn.execute(ids.insert(), [{**acled[original["id"]], "event_id": new_id,
                                                     "id_cnty": f"{acled[original['id']]['id_cnty']}~{number}"}])
                    copies += 1
                    have += 1
    finally:
        store.close()
    return {"originals": len(originals), "copies": copies}


def copy_store(source_url: str, target_url: str, chunk: int = 2000) -> float:
    """Every table of the store at ``source_url`` into the (migrated, empty) store at ``target_url``."""
    source, target = Store.open(source_url), Store.open(target_url)
    started = time.perf_counter()
    try:
        with source.engine.connect() as read, target.engine.begin() as write:
            present = set(inspect(write).get_table_names())
            for table in schema.metadata.sorted_tables:
                if table.name not in present or table.name == "alembic_version":
                    continue
                write.execute(table.delete())
                rows = read.execute(select(*table.c)).mappings()
                while batch := rows.fetchmany(chunk):
                    write.execute(table.insert(), [dict(row) for row in batch])
            for table in schema.metadata.sorted_tables:  # serial keys go on after the copied numbers
                for column in table.c:
                    if column.autoincrement is True or (column.primary_key and column.type.python_type is int
                                                        and len(table.primary_key.columns) == 1):
                        sequence = write.exec_driver_sql(
                            f"SELECT pg_get_serial_sequence('{table.name}', '{column.name}')").scalar()
                        if sequence:
                            write.exec_driver_sql(f"SELECT setval('{sequence}', coalesce((SELECT max({column.name}) "
                                                  f"FROM {table.name}), 0) + 1, false)")
        with target.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        source.close()
        target.close()
    return time.perf_counter() - started


def sample(db_url: str, count: int, seed: int) -> dict[str, Any]:
    """Random active story and event ids and article ids from the whole store, the store's most frequent filter
    values, and its size."""
    store = Store.open(db_url)
    e, a, k = schema.events, schema.articles, event_keys
    try:
        with store.engine.connect() as conn:
            def ids(table: Any, active: bool) -> list[str]:
                query = select(table.c.id)
                if active:
                    query = query.where(table.c.status == "active")
                return sorted(conn.execute(query.order_by(func.random()).limit(count)).scalars())

            def top(column: Any, where: Any = None, n: int = 4) -> list[str]:
                query = select(column).where(column.is_not(None))
                if where is not None:
                    query = query.where(where)
                query = query.group_by(column).order_by(func.count().desc(), column).limit(n)
                return [str(value) for value in conn.execute(query).scalars()]

            active = e.c.status == "active"
            found: dict[str, Any] = {
                "stories": ids(schema.stories, True), "events": ids(schema.events, True),
                "articles": ids(schema.articles, False),
                "countries": top(e.c.country, active), "event_types": top(e.c.event_type, active),
                "places": top(e.c.place, active), "outlets": top(a.c.outlet),
                "months": top(func.substr(a.c.published_start, 1, 7)),
                "actors": [str(v) for v in conn.execute(
                    select(func.min(k.c.label)).where(k.c.kind == "actor").group_by(k.c.value)
                    .order_by(func.count().desc(), k.c.value).limit(4)).scalars()]}
            found["sizes"] = {name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                              for name, table in (("articles", schema.articles), ("stories", schema.stories),
                                                  ("events", schema.events), ("mentions", schema.mentions))}
            found["active_events"] = int(conn.execute(select(func.count()).where(active)).scalar_one())
            found["copied_events"] = int(conn.execute(select(func.count()).where(active, e.c.id.like("%~%")))
                                         .scalar_one())
            runs = schema.stage_runs
            found["linked_articles"] = int(conn.execute(select(func.count()).where(runs.c.stage == "link"))
                                           .scalar_one())
    finally:
        store.close()
    rng = random.Random(seed)
    for key in ("stories", "events", "articles"):
        rng.shuffle(found[key])
    return found


# --- the routes -----------------------------------------------------------------------------------------------

# a name, an inflected word (a plural: its singular matches too), a phrase with a function word
SEARCHES = (("name", ("Amsterdam", "Rotterdam", "Utrecht")), ("inflected", ("demonstranten", "agenten", "rechters")),
            ("phrase", ('"raad van state"', '"openbaar ministerie"', '"tweede kamer"')))


def routes_for(found: dict[str, Any]) -> list[tuple[str, Callable[[int], str]]]:
    def cycle(key: str, shift: int = 0) -> Callable[[int], str]:
        values = found[key] or [""]
        return lambda i: quote(values[(i + shift) % len(values)])

    story, event = cycle("stories"), cycle("events")
    country, event_type, place = cycle("countries"), cycle("event_types"), cycle("places")
    outlet, month, actor = cycle("outlets"), cycle("months"), cycle("actors")
    events_n, articles_n = found["active_events"], found["sizes"]["articles"]

    def deep(total: int, i: int) -> int:  # a page from the last tenth of the list, a different one each time
        return max(0, total - 1 - (i * 7919) % max(1, total // 10)) // 50 * 50

    routes: list[tuple[str, Callable[[int], str]]] = [
        ("story list", lambda i: "/stories"),
        ("story page", lambda i: f"/stories/{story(i)}"),
        ("event page", lambda i: f"/events/{event(i)}"),
    ]
    def searching(path: str, words: tuple[str, ...], shift: int) -> Callable[[int], str]:
        return lambda i: f"{path}?q={quote(words[(i + shift) % len(words)])}"

    for kind, words in SEARCHES:
        routes.append((f"search {kind}", searching("/search", words, 0)))
        routes.append((f"API search {kind}", searching("/api/search", words, 1)))
    routes += [
        # the list pages compute their facets; the JSON twins with facets=all ask for every one
        ("events", lambda i: "/events"),
        ("events filtered", lambda i: (f"/events?country={country(i)}", f"/events?event_type={event_type(i)}",
                                       f"/events?place={place(i)}", f"/events?outlet={outlet(i)}")[i % 4]),
        ("events sorted", lambda i: ("/events?sort=-fatalities", "/events?sort=place", "/events?sort=-updated")[i % 3]),
        ("API events", lambda i: "/api/events?limit=50"),
        ("API events facets", lambda i: f"/api/lists/events?facets=all&country={country(i)}"
                                        if i % 2 else "/api/lists/events?facets=all"),
        ("API events deep", lambda i: f"/api/events?limit=50&offset={deep(events_n, i)}"),
        ("articles", lambda i: "/articles"),
        ("articles filtered", lambda i: (f"/articles?outlet={outlet(i)}", f"/articles?month={month(i)}")[i % 2]),
        ("articles sorted", lambda i: ("/articles?sort=title", "/articles?sort=-published")[i % 2]),
        ("API articles deep", lambda i: f"/api/articles?limit=50&offset={deep(articles_n, i)}"),
        ("places", lambda i: "/places"),
        ("places filtered", lambda i: (f"/places?country={country(i)}", f"/places?event_type={event_type(i)}")[i % 2]),
        ("actors", lambda i: "/actors"),
        ("actors filtered", lambda i: (f"/actors?event_type={event_type(i)}", f"/actors?country={country(i)}")[i % 2]),
        ("outlets", lambda i: "/outlets"),
        ("outlets filtered", lambda i: f"/outlets?month={month(i)}"),
        ("API suggest", lambda i: (f"/api/suggest?kind=place&prefix={place(i)[:2]}",
                                   f"/api/suggest?kind=actor&prefix={actor(i)[:3]}",
                                   f"/api/suggest?kind=outlet&prefix={outlet(i)[:1]}")[i % 3]),
        ("API map", lambda i: "/api/map"),
        ("API map filtered", lambda i: (f"/api/map?event_type={event_type(i)}", f"/api/map?place={place(i)}",
                                        f"/api/map?actor={actor(i)}",
                                        f"/api/map?date_from={month(i)}-01&date_to={month(i)}-28")[i % 4]),
        ("map page", lambda i: "/map" if i % 2 else f"/map?event_type={event_type(i)}"),
    ]
    return routes


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(share * len(ordered) + 0.999999) - 1))]


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": round(statistics.median(values), 1), "p95": round(percentile(values, 0.95), 1),
            "p99": round(percentile(values, 0.99), 1), "max": round(max(values), 1)}


def measure(db_url: str, routes: list[tuple[str, Callable[[int], str]]], requests: int, concurrency: int,
            timeout: float, log: Path) -> dict[str, Any]:
    plan = [(routes[i % len(routes)][0], routes[i % len(routes)][1](i // len(routes))) for i in range(requests)]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    timings: dict[str, list[float]] = defaultdict(list)
    sizes: dict[str, list[int]] = defaultdict(list)
    first: dict[str, float] = {}
    errors: list[str] = []
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as log_file:
        server = subprocess.Popen([sys.executable, "-m", "kroniek", "--db", db_url, "serve", "--port", str(port)],
                                  cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            wait_healthy(base, server, log)
            with httpx.Client(base_url=base, timeout=timeout) as warm:
                for name, make in routes:  # the first answer of each route, before anything is cached
                    started = time.perf_counter()
                    status = warm.get(make(len(plan))).status_code
                    first[name] = round((time.perf_counter() - started) * 1000, 1)
                    if status >= 400:
                        errors.append(f"first {name}: {status}")
            lock = threading.Lock()
            cursor = iter(plan)

            def worker() -> None:
                with httpx.Client(base_url=base, timeout=timeout) as client:
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
            threads = [threading.Thread(target=worker) for _ in range(concurrency)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
        finally:
            stop_server(server)
    every = [t for values in timings.values() for t in values]
    routes_ms: dict[str, dict[str, Any]] = {name: {**summary(timings[name]), "first": first.get(name)}
                                            for name, _make in routes}
    routes_kb = {name: {"p50": round(statistics.median(sizes[name]) / 1000, 1),
                        "max": round(max(sizes[name]) / 1000, 1)} for name, _make in routes}
    return {"requests": len(every), "errors": len(errors), "error_lines": errors[:10], "seconds": round(wall, 1),
            "requests_per_s": round(len(every) / wall, 1), "overall_ms": summary(every), "routes_ms": routes_ms,
            "routes_kb": routes_kb,
            "routes_over_target": [name for name, f in routes_ms.items() if f["p95"] > TARGET_P95_MS]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000, help="size of the store to build")
    parser.add_argument("--pg", nargs="?", const=DEFAULT_PG, default=None, metavar="URL",
                        help=f"serve a PostgreSQL store (filled from the cached SQLite store; default {DEFAULT_PG})")
    parser.add_argument("--db", default=None, help="serve this existing store as it is")
    parser.add_argument("--scale-events", type=int, default=0, metavar="N",
                        help="copy the built store's events until it holds N active events (see scale_events)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the built SQLite store is kept")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds (a timeout is an error)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    built: dict[str, float | None] = {}
    if args.db:
        db_url = args.db
    else:
        db_url, built["sqlite_build_s"] = build_sqlite(args.cache, args.articles)
        if args.scale_events:
            scaled = scale_events(db_url, args.scale_events)
            if scaled["copies"]:
                print(f"{scaled['copies']} copies of {scaled['originals']} events added", file=sys.stderr)
        if args.pg:
            source, target = Store.open(db_url), Store.open(args.pg)
            have, wanted = target.count_articles(), source.count_articles()
            source.close()
            target.close()
            if have < wanted:
                print(f"copying {db_url} into {args.pg}", file=sys.stderr)
                built["pg_copy_s"] = round(copy_store(db_url, args.pg), 1)
            db_url = args.pg
    found = sample(db_url, 2000, seed=3)
    if not found["stories"] or not found["events"]:
        raise SystemExit(f"{db_url} has no stories or events to ask for")
    routes = routes_for(found)
    measured = measure(db_url, routes, args.requests, args.concurrency, args.timeout,
                       args.cache / "serve.log")
    sizes = found["sizes"]
    result: dict[str, Any] = {"store": db_url, "engine": db_url.split(":", 1)[0].split("+")[0], **built, **sizes,
                              "active_events": found["active_events"], "copied_events": found["copied_events"],
                              "linked_articles": found["linked_articles"], "concurrency": args.concurrency,
                              "target_p95_ms": TARGET_P95_MS, **measured}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"store {db_url}: {sizes['articles']:,} articles ({found['linked_articles']:,} through every stage), "
              f"{sizes['stories']:,} stories, {sizes['events']:,} events ({found['active_events']:,} active, "
              f"{found['copied_events']:,} of them copies), {sizes['mentions']:,} mentions")
        print(f"{measured['requests']} requests, concurrency {args.concurrency}, {measured['seconds']} s, "
              f"{measured['requests_per_s']} req/s, errors {measured['errors']}")
        print(f"  {'route':<20} {'n':>4} {'first':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  "
              f"{'KB p50':>7} {'KB max':>7}   (ms; target p95 ≤ {TARGET_P95_MS:.0f})")
        for name, figures in [*measured["routes_ms"].items(), ("overall", measured["overall_ms"])]:
            kb = measured["routes_kb"].get(name)
            body = f"  {kb['p50']:>7} {kb['max']:>7}" if kb else ""
            first = figures.get("first")
            print(f"  {name:<20} {figures['n']:>4} {first if first is not None else '':>7} {figures['p50']:>7} "
                  f"{figures['p95']:>7} {figures['p99']:>7} {figures['max']:>7}{body}"
                  f"{'  over target' if name in measured['routes_over_target'] else ''}")
    for line in measured["error_lines"]:
        print("  error:", line, file=sys.stderr)
    raise SystemExit(1 if measured["errors"] else 0)


if __name__ == "__main__":
    main()
