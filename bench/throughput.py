"""End-to-end throughput: ingest → analyse → extract → link → reconcile → store, articles/s overall and per stage,
the peak RSS of the whole process tree (Frog included), and the CPU seconds per article of each stage: this
process (all its threads) and its child processes (Frog) apart, since on 2 cores CPU time, not waiting, bounds the
throughput.

    .venv/bin/python bench/throughput.py --articles 1000 [--deep triage|all|none] [--db URL]
        [--side-by-side | --no-side-by-side]

Side by side (the default, as for `kroniek run`) the analysis runs in a second process and the other stages run
on what it has done, so their times overlap: the end-to-end figure is the one that counts.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from common import PeakRss, descendants, processes, write_replica

from kroniek import pipeline
from kroniek.config import Settings, load_settings
from kroniek.ingest import ingest_paths
from kroniek.stages import Progress, Stage, StageReport
from kroniek.store.repository import Store

_TICK = os.sysconf("SC_CLK_TCK")


def _descendant_ticks(root: int) -> dict[int, int]:
    """CPU ticks (user + system) of every process below ``root``, from /proc; not the reaped children's, which
    were counted while they ran."""
    table = processes()
    return {pid: int(table[pid][0][11]) + int(table[pid][0][12])
            for pid in descendants(root, table) if pid != root and pid in table}


class ChildCpu:
    """CPU seconds used by the child processes (Frog and what it forks), sampled every 0.25 s in a thread so a
    process that ends between two snapshots is counted up to its last sample."""

    def __init__(self) -> None:
        self._seen: dict[int, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        current = _descendant_ticks(os.getpid())
        with self._lock:
            for pid, value in current.items():
                self._seen[pid] = max(self._seen.get(pid, 0), value)

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self._sample()

    def seconds(self) -> float:
        self._sample()
        with self._lock:
            return sum(self._seen.values()) / _TICK

    def __enter__(self) -> ChildCpu:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


class CpuTimed:
    """A stage that records the CPU seconds of this process and of its children while it runs."""

    def __init__(self, stage: Stage, children: ChildCpu, cpu: dict[str, tuple[float, float]]) -> None:
        self.stage, self.name, self.children, self.cpu = stage, stage.name, children, cpu

    def run(self, store: Store, settings: Settings, progress: Progress | None = None) -> StageReport:
        own, child = time.process_time(), self.children.seconds()
        try:
            return self.stage.run(store, settings, progress)
        finally:
            self.cpu[self.name] = (time.process_time() - own, self.children.seconds() - child)


def timed_stages(children: ChildCpu, cpu: dict[str, tuple[float, float]]) -> Sequence[Stage]:
    return [CpuTimed(stage, children, cpu) for stage in pipeline.default_stages()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--deep", choices=["triage", "all", "none"], default="triage")
    parser.add_argument("--db", default=None, help="store URL (default: a fresh SQLite file)")
    parser.add_argument("--side-by-side", action=argparse.BooleanOptionalAction, default=None,
                        help="analyse in a second process (pipeline.run_side_by_side; stage times then overlap) "
                             "or not (--no-side-by-side); default: as `kroniek run`, [pipeline] side_by_side")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kroniek-bench-"))
    corpus = write_replica(args.articles, workdir / "corpus.jsonl")
    settings = load_settings(db_url=args.db or f"sqlite:///{workdir / 'bench.db'}")
    settings.data["analyse"]["deep"] = args.deep
    args.side_by_side = pipeline.use_side_by_side(settings, args.side_by_side)
    store = Store.open(settings.db_url)
    cpu: dict[str, tuple[float, float]] = {}
    with PeakRss() as rss, ChildCpu() as children:
        started = time.perf_counter()
        own_started, child_started = time.process_time(), children.seconds()
        report = ingest_paths(store, [str(corpus)], batch_size=500)
        ingest_seconds = time.perf_counter() - started
        cpu["ingest"] = (time.process_time() - own_started, children.seconds() - child_started)
        stages = (pipeline.run_side_by_side(store, settings) if args.side_by_side
                  else pipeline.run(store, settings, timed_stages(children, cpu)))
        total = time.perf_counter() - started
        cpu_total = (time.process_time() - own_started, children.seconds() - child_started)
    n = report.added

    def per_article(name: str) -> dict[str, float]:
        own, child = cpu_total if name == "total" else cpu.get(name, (0.0, 0.0))
        return {"cpu_ms_per_article": round(1000 * own / n, 2), "child_cpu_ms_per_article": round(1000 * child / n, 2)}
    result = {
        "articles": n, "deep": args.deep, "side_by_side": args.side_by_side, "seconds": round(total, 1),
        "articles_per_s": round(n / total, 2), "cpu": per_article("total"),
        "stages": {"ingest": {"seconds": round(ingest_seconds, 2), "articles_per_s": round(n / ingest_seconds, 1),
                              **per_article("ingest")}}
        | {s.name: {"seconds": round(s.seconds, 2), "articles_per_s": round(n / s.seconds, 1) if s.seconds else None,
                    **(per_article(s.name) if s.name in cpu else {}), **s.counts} for s in stages},
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
    print(f"  CPU per article: {result['cpu']['cpu_ms_per_article']} ms this process, "
          f"{result['cpu']['child_cpu_ms_per_article']} ms child processes "
          f"({'the analysis process and its Frog' if args.side_by_side else 'Frog'})")
    for name, figures in result["stages"].items():
        line = f"  {name:<10} {figures['seconds']:>8} s  {figures['articles_per_s']} articles/s"
        if "cpu_ms_per_article" in figures:
            line += (f"  CPU {figures['cpu_ms_per_article']} ms/article"
                     f" + Frog {figures['child_cpu_ms_per_article']} ms/article")
        print(line)
    print(f"  stored: {result['mentions']} event mentions, {result['events']} events, {result['claims']} figures, "
          f"{result['stories']} stories")


if __name__ == "__main__":
    main()
