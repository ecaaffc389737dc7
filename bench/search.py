"""Full-text search latency (kroniek.store.search) over a large store: p50/p95 per query, the read model's own time
(no HTTP; bench/latency.py measures the routes through a server).

    .venv/bin/python bench/search.py [--articles 100000] [--db URL] [--repeat 20] [--json]

Without --db a fresh SQLite store is filled with `--articles` replicated dpg2019 articles (ingest only: search reads
the articles, so no stage has to run; every article then stands alone, not in a story, which is the most groups a
search can make). With --db (e.g. a PostgreSQL URL) an empty store is filled the same way, or an existing one is
searched as it is when it already holds articles.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from common import write_replica

from kroniek.ingest import ingest_paths
from kroniek.store.repository import Store
from kroniek.store.search import search

# a frequent word, a name, an inflected word, a phrase with a function word, an exclusion, an accent-free spelling
QUERIES = ("politie", "Amsterdam", "demonstranten", '"raad van state"', "rechter -Amsterdam", "Belgie")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", default=None)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kroniek-search-"))  # the replica (and without --db the store)
    url = args.db or f"sqlite:///{workdir / 'search.db'}"
    store = Store.open(url)
    fill_seconds = None
    if store.count_articles() == 0:
        print(f"filling {url} with {args.articles} articles (kept: pass it as --db to search it again)")
        corpus = write_replica(args.articles, workdir / "corpus.jsonl")
        started = time.perf_counter()
        ingest_paths(store, [str(corpus)], batch_size=1000)
        fill_seconds = round(time.perf_counter() - started, 1)
    articles = store.count_articles()
    results = {}
    for query in QUERIES:
        search(store, query)  # warm: pages of the index in the cache, as on a running server
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            found = search(store, query)
            timings.append(1000 * (time.perf_counter() - started))
        timings.sort()
        results[query] = {"matches": found["total_articles"], "p50_ms": round(statistics.median(timings), 1),
                          "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
                          "max_ms": round(timings[-1], 1)}
    store.close()
    summary = {"engine": url.split(":", 1)[0], "articles": articles, "fill_s": fill_seconds, "queries": results}
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"{articles} articles on {summary['engine']}" + (f" (filled in {fill_seconds} s)" if fill_seconds else ""))
    for query, figures in results.items():
        print(f"  {query:<22} {figures['matches']:>7} matches  p50 {figures['p50_ms']:>7} ms  "
              f"p95 {figures['p95_ms']:>7} ms  max {figures['max_ms']:>7} ms")


if __name__ == "__main__":
    main()
