"""Helpers the bench scripts share: corpus replication, peak RSS of a process tree, timing."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DPG = SHARED / "data" / "dpg2019-nl" / "articles.jsonl"
OUTLETS = ["vk", "trouw", "ad", "parool", "degelderlander", "tubantia", "destem", "brabantsdagblad", "pzc"]


def require_corpus() -> Path:
    if not DPG.exists():
        raise SystemExit(f"{DPG} not found: the benchmarks read the shared dpg2019-nl corpus")
    return DPG


def replicate(n: int, seed: int = 7) -> Iterator[dict[str, str]]:
    """n articles from the corpus with light variation: copies get a new id, outlet and url, a shifted date,
    and a few sentences dropped or swapped, so they are new articles to every stage (no cache hits)."""
    rows = [json.loads(line) for line in require_corpus().open(encoding="utf-8")]
    rng = random.Random(seed)
    for index in range(n):
        row = rows[index % len(rows)]
        copy = index // len(rows)
        text = row["text"]
        if copy:
            sentences = text.split(". ")
            if len(sentences) > 4:
                drop = rng.randrange(len(sentences))
                sentences.pop(drop)
                i = rng.randrange(len(sentences) - 1)
                sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
            text = ". ".join(sentences) + f" (kopie {copy})"
        publishers = row.get("publishers") or []
        outlet = publishers[0] if publishers else OUTLETS[index % len(OUTLETS)]
        day = int(row["published_at"][8:10])
        published = row["published_at"][:8] + f"{(day + copy) % 28 + 1:02d}" + row["published_at"][10:]
        yield {"id": f"{row['id']}-{copy}", "outlet": outlet, "url": f"https://{outlet}.example/{row['id']}/{copy}",
               "title": row["title"], "text": text, "published_at": published}


def write_replica(n: int, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in replicate(n):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def processes(status: bool = False) -> dict[int, tuple[list[str], str]]:
    """Every process in /proc: the fields of its stat after the command name (parent at 1, utime and stime at 11
    and 12) and, with ``status``, the text of its status file."""
    found: dict[int, tuple[list[str], str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            text = ""
            if status:
                with open(f"/proc/{entry}/status") as handle:
                    text = handle.read()
        except OSError:
            continue
        found[int(entry)] = (fields, text)
    return found


def descendants(root: int, table: dict[int, tuple[list[str], str]]) -> list[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for pid, (fields, _) in table.items():
        children.setdefault(int(fields[1]), []).append(pid)
    found, stack = [], [root]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants (Frog included), from /proc."""
    table = processes(status=True)
    total = 0
    for member in descendants(pid, table):
        for line in table.get(member, ([], ""))[1].splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


class PeakRss:
    """Samples the RSS of this process tree every 0.2 s in a thread; ``peak_mib`` after ``stop``."""

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid or os.getpid()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_kib(self.pid))
            time.sleep(0.2)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_kib(self.pid))

    @property
    def peak_mib(self) -> float:
        return self.peak / 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(base: str, server: subprocess.Popen[bytes], log: Path, seconds: float = 120) -> None:
    """Until `kroniek serve` answers /healthz; exits with its log if it stops or does not answer in time."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"kroniek serve exited with {server.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"kroniek serve did not answer /healthz within {seconds} s:\n{log.read_text(errors='replace')}")


def stop_server(server: subprocess.Popen[bytes], grace: float = 15) -> None:
    """End a `kroniek serve` subprocess: SIGTERM, and SIGKILL if it has not exited within ``grace`` seconds."""
    server.terminate()
    try:
        server.wait(grace)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
