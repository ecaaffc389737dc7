"""Incremental cost: the time `kroniek run` takes per new article when the archive already holds a small and a
large number of articles, and their ratio (target ≤ 1.5).

What is measured, per archive size:

* The archive: replicated dpg2019 articles (`common.replicate`, the generator behind `write_replica`), ingested and
  run through every stage with `analyse.deep = "none"` (Frog over 100k articles would take hours; the archive's
  size, not its analysis, is what the new articles meet). Its fill time is printed but is not the figure.
* The new articles: `--batches` batches of `--new` articles, each ingested and run through every stage
  (`pipeline.run`: ingest → analyse → extract → link → reconcile) with `--deep` (default: the configured mode,
  `triage` out of the box). Frog is started before the clock runs (its start-up is not a per-article cost).
  The new articles are the same originals at both sizes, held out of both archives, so only the archive differs.
* The figure: wall time of ingest + run per new article (median over the batches), overall and per stage, and the
  large/small ratio overall and without the analyse stage (the stages that read the archive).

    .venv/bin/python bench/incremental.py --small 1000 --large 100000 [--new 50] [--batches 3]
        [--deep triage|all|none] [--keep DIR [--reuse]] [--large-db FILE] [--json]

With --keep the stores stay in DIR: archive-<size>.db as filled (pristine: the new articles are added to a copy,
measured-<size>.db), e.g. to serve the large one with bench/latency.py --db, or to measure again later without
refilling (--reuse).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from common import replicate, require_corpus

from kroniek import pipeline
from kroniek.analyse.stage import AnalyseStage
from kroniek.config import load_settings
from kroniek.extract.stage import ExtractStage
from kroniek.ingest import ingest_paths
from kroniek.link.stage import LinkStage
from kroniek.reconcile.stage import ReconcileStage
from kroniek.stages import Stage
from kroniek.store.repository import Store

STAGES = ("ingest", "analyse", "extract", "link", "reconcile")


def _base_id(replica_id: str) -> str:
    return replica_id.rsplit("-", 1)[0]


def held_out(count: int) -> set[str]:
    """The corpus articles that stay out of every archive and arrive as the new ones (ones with text: ingest
    rejects the corpus's few empty articles)."""
    rows = [json.loads(line) for line in require_corpus().open(encoding="utf-8")]
    ids = [row["id"] for row in rows if str(row.get("text") or "").strip()]
    if count * 4 > len(ids):
        raise SystemExit(f"--new × --batches = {count} is too many to hold out of {len(ids)} corpus articles")
    return set(random.Random(11).sample(ids, count))


def archive_rows(size: int, holdout: set[str]) -> Iterator[dict[str, str]]:
    """`size` replicated articles, none of them a copy of a held-out article."""
    made = 0
    for row in replicate(size * 2 + 10_000):
        if _base_id(row["id"]) in holdout:
            continue
        yield row
        made += 1
        if made == size:
            return


def new_rows(holdout: set[str], copy: int = 0) -> list[dict[str, str]]:
    """The held-out originals in corpus order: copy 0 is the corpus text unchanged; a later copy is a variant
    (``replicate``) that no archive holds, for archives that hold every original (``--large-db``)."""
    corpus_size = sum(1 for _ in require_corpus().open(encoding="utf-8"))
    return [row for row in replicate(corpus_size * (copy + 1)) if _base_id(row["id"]) in holdout
            and row["id"].endswith(f"-{copy}")]


def write_jsonl(rows: Iterator[dict[str, str]] | list[dict[str, str]], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def build_archive(size: int, holdout: set[str], workdir: Path, reuse: bool) -> float | None:
    """archive-<size>.db, filled with deep=none; kept pristine (the new articles go into a copy of it). With
    ``reuse`` an archive already in ``workdir`` is taken as it is; its fill time is then unknown (None)."""
    path = workdir / f"archive-{size}.db"
    if reuse and path.exists():
        return None
    path.unlink(missing_ok=True)
    settings = load_settings(db_url=f"sqlite:///{path}")
    settings.data["analyse"]["deep"] = "none"
    store = Store.open(settings.db_url)
    try:
        started = time.perf_counter()
        ingest_paths(store, [str(write_jsonl(archive_rows(size, holdout), workdir / f"archive-{size}.jsonl"))],
                     batch_size=1000)
        pipeline.run(store, settings)
        return time.perf_counter() - started
    finally:
        store.close()


def measure(size: int, fresh: list[list[dict[str, str]]], deep: str, holdout: set[str],
            workdir: Path, reuse: bool = False, archive_db: Path | None = None) -> dict[str, Any]:
    fill_seconds = None if archive_db else build_archive(size, holdout, workdir, reuse)
    copy = workdir / f"measured-{size}.db"
    shutil.copyfile(archive_db or workdir / f"archive-{size}.db", copy)
    settings = load_settings(db_url=f"sqlite:///{copy}")
    store = Store.open(settings.db_url)
    try:
        archive = store.count_articles()
        settings.data["analyse"]["deep"] = deep
        batches: list[dict[str, float]] = []
        with pipeline.make_analyser(settings) as analyser:
            if deep != "none":
                _ = analyser.frog  # Frog's start-up is not a per-article cost
            stages: list[Stage] = [AnalyseStage(analyser), ExtractStage(), LinkStage(), ReconcileStage()]
            # Nothing is pending yet: a warm-up run (loads the clusterer and lexicons), not a cost of the articles
            # measured below. (A store written by an older kroniek was converted when it was opened.)
            pipeline.run(store, settings, stages=stages)
            for number, rows in enumerate(fresh):
                path = write_jsonl(rows, workdir / f"new-{size}-{number}.jsonl")
                started = time.perf_counter()
                added = ingest_paths(store, [str(path)]).added
                ingested = time.perf_counter()
                reports = pipeline.run(store, settings, stages=stages)
                seconds = time.perf_counter() - started
                if added != len(rows) or any(r.processed != len(rows) for r in reports):
                    raise SystemExit(f"batch {number} at {size}: {added} added, "
                                     f"{[(r.name, r.processed) for r in reports]} processed of {len(rows)}")
                timing = {"total": 1000 * seconds / len(rows), "ingest": 1000 * (ingested - started) / len(rows)}
                timing |= {r.name: 1000 * r.seconds / len(rows) for r in reports}
                batches.append(timing)
    finally:
        store.close()
        copy.unlink(missing_ok=True)
    median = {key: round(statistics.median(b[key] for b in batches), 2) for key in ("total", *STAGES)}
    return {"archive": archive, "new_per_batch": len(fresh[0]), "batches": len(fresh),
            "fill_seconds": None if fill_seconds is None else round(fill_seconds, 1),
            "ms_per_new_article": median["total"],
            "stages_ms_per_article": {k: median[k] for k in STAGES},
            "batch_ms_per_article": [round(b["total"], 2) for b in batches],
            "batch_stages_ms_per_article": [{k: round(b[k], 2) for k in STAGES} for b in batches]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=50, help="new articles per batch")
    parser.add_argument("--batches", type=int, default=3, help="batches measured per archive size (median)")
    parser.add_argument("--deep", choices=["triage", "all", "none"], default=None,
                        help="analysis of the new articles (default: the configured analyse.deep)")
    parser.add_argument("--keep", type=Path, default=None, help="build and keep the stores in this directory")
    parser.add_argument("--reuse", action="store_true",
                        help="take archive-<size>.db already in --keep DIR instead of filling it again")
    parser.add_argument("--large-db", type=Path, default=None,
                        help="an existing SQLite store as the large archive (e.g. bench/latency.py's), measured "
                             "on a copy; it holds every original, so the new articles are then later copies of "
                             "the held-out ones, which join the stories of their earlier copies there")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.reuse and not args.keep:
        parser.error("--reuse needs --keep DIR")
    deep = args.deep or str(load_settings().get("analyse", "deep", "triage"))
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        workdir = args.keep
    else:
        workdir = Path(tempfile.mkdtemp(prefix="kroniek-incremental-"))
    holdout = held_out(args.new * args.batches)
    copy = 0
    if args.large_db:
        corpus_size = sum(1 for _ in require_corpus().open(encoding="utf-8"))
        store = Store.open(f"sqlite:///{args.large_db}")
        copy = -(-store.count_articles() // corpus_size)  # the first copy number the store cannot hold
        store.close()
    rows = new_rows(holdout, copy)
    fresh = [rows[i * args.new:(i + 1) * args.new] for i in range(args.batches)]
    started = time.perf_counter()
    small = measure(args.small, fresh, deep, holdout, workdir, args.reuse)
    large = measure(args.large, fresh, deep, holdout, workdir, args.reuse, archive_db=args.large_db)

    def without_analyse(item: dict[str, Any]) -> float:
        stages = item["stages_ms_per_article"]
        return float(sum(v for k, v in stages.items() if k != "analyse"))

    result = {
        "measured": (f"wall time of ingest + kroniek run per new article, median of {args.batches} batches of "
                     f"{args.new} held-out dpg2019 articles (copy {copy}); archive filled with deep=none, new "
                     f"articles analysed with deep={deep}, Frog start-up excluded"
                     + (f"; large archive {args.large_db}, where the new articles join the stories of their "
                        f"earlier copies" if args.large_db else "")),
        "deep_archive": "none", "deep_new": deep, "small": small, "large": large,
        "ratio": round(large["ms_per_new_article"] / small["ms_per_new_article"], 2),
        "ratio_without_analyse": round(without_analyse(large) / without_analyse(small), 2),
        "target_ratio": 1.5, "wall_seconds": round(time.perf_counter() - started, 1),
        "stores": str(workdir) if args.keep else None,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"measured: {result['measured']}")
    for item in (small, large):
        stages = ", ".join(f"{k} {v}" for k, v in item["stages_ms_per_article"].items())
        print(f"archive {item['archive']:>7,}: {item['ms_per_new_article']:8.2f} ms per new article ({stages}); "
              f"batches {item['batch_ms_per_article']}; archive filled (deep=none) in "
              f"{'(reused)' if item['fill_seconds'] is None else str(item['fill_seconds']) + ' s'}")
    print(f"ratio large/small: {result['ratio']} overall, {result['ratio_without_analyse']} without the analyse "
          f"stage (target ≤ 1.5); bench wall time {result['wall_seconds']} s")
    if args.keep:
        print(f"stores kept in {workdir}")


if __name__ == "__main__":
    main()
