"""Peak RSS of `kroniek ingest` on hostile inputs (issue 20, item 4): each input is made here, each ingest runs in
its own process on a fresh SQLite store, and its peak RSS (ru_maxrss of that process) is printed. Target: every
case under 500 MB, and each one ends with its rejection reported (exit code 1).

    .venv/bin/python bench/ingest_memory.py [--line-mb 1000] [--bomb-mb 4000] [--feed-items 1000000]

The URL case is served from loopback by this script; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TARGET_MB = 500
GOOD = b'{"outlet": "krant", "text": "De dijk bij Kampen is versterkt."}\n'


def gzip_of_zeros(megabytes: int) -> bytes:
    """gzip of ``megabytes`` MB of zero bytes, compressed as a stream (never held expanded)."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as packer:
        block = b"\0" * (1 << 20)
        for _ in range(megabytes):
            packer.write(block)
    return out.getvalue()


def make_inputs(folder: Path, line_mb: int, feed_items: int) -> dict[str, Path]:
    inputs: dict[str, Path] = {}
    # a JSONL file whose second line is line_mb MB long, between two good lines
    path = folder / "long_line.jsonl"
    with path.open("wb") as handle:
        handle.write(GOOD)
        handle.write(b'{"outlet": "krant", "text": "')
        chunk = b"woord " * (1 << 17)
        for _ in range(line_mb * (1 << 20) // len(chunk)):
            handle.write(chunk)
        handle.write(b'"}\n' + GOOD)
    inputs[f"JSONL line of {line_mb} MB"] = path
    # quadratic entity expansion: one 10 KB entity referenced 10,000 times (about 110 KB on disk)
    path = folder / "entities.xml"
    refs = "&e;" * 10_000
    path.write_text('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "' + "x" * 10_000 + '">]>'
                    f"<rss version='2.0'><channel><title>Krant</title><item><title>t</title>"
                    f"<description>{refs}</description></item></channel></rss>", encoding="utf-8")
    inputs["feed with quadratic entity expansion"] = path
    # the same, not well-formed, so that a parser falling back to loose parsing would see it
    path = folder / "entities_broken.xml"
    path.write_text((folder / "entities.xml").read_text(encoding="utf-8").replace("</channel>", "<channel>"),
                    encoding="utf-8")
    inputs["broken feed with quadratic entity expansion"] = path
    # a feed of feed_items tiny items (the cap is 5,000; 1M items stay under the 50 MB read cap for feeds)
    path = folder / "many_items.xml"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("<?xml version='1.0'?><rss version='2.0'><channel><title>Krant</title>")
        for n in range(feed_items):
            handle.write(f"<item><description>{n}</description></item>")
        handle.write("</channel></rss>")
    inputs[f"feed of {feed_items} items"] = path
    # deep nesting and a huge integer in JSONL
    path = folder / "nesting.jsonl"
    path.write_bytes(GOOD + b"[" * 1_000_000 + b"]" * 1_000_000 + b"\n" + b'{"n": ' + b"9" * 100_000 + b"}\n" + GOOD)
    inputs["JSONL 1M-deep array and 100k-digit integer"] = path
    return inputs


class _Bomb(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Encoding", "gzip, gzip")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        try:
            self.wfile.write(self.body)
        except OSError:
            pass

    def log_message(self, *_args: object) -> None:
        pass


def run(target: str, db: Path) -> tuple[int, float, float, str]:
    """Exit code, peak RSS in MB, seconds and the last report line of one `kroniek ingest` process."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "kroniek", "--db", f"sqlite:///{db}", "ingest", target],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        sys.stderr.write(errors.decode("utf-8", "replace")[-2000:])
    lines = [line for line in errors.decode("utf-8", "replace").splitlines() if line.strip()]
    reports = [line for line in lines if not line.startswith("added ")]
    last = (reports[-1] if reports else lines[-1] if lines else "").split(": ", 1)[-1]
    return process.returncode, usage.ru_maxrss / 1024, time.monotonic() - started, last[:70]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--line-mb", type=int, default=1000, help="length of the long JSONL line")
    parser.add_argument("--bomb-mb", type=int, default=4000, help="size of the gzip-in-gzip body once decoded")
    parser.add_argument("--feed-items", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kroniek-memory-") as tmp:
        folder = Path(tmp)
        cases = {name: str(path) for name, path in make_inputs(folder, args.line_mb, args.feed_items).items()}
        _Bomb.body = gzip.compress(gzip_of_zeros(args.bomb_mb), compresslevel=9)
        assert zlib.decompress(_Bomb.body, 16 + zlib.MAX_WBITS)[:2] == b"\x1f\x8b"
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Bomb)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        cases[f"URL, {len(_Bomb.body)} bytes 'Content-Encoding: gzip, gzip' ({args.bomb_mb} MB decoded)"] = (
            f"http://127.0.0.1:{httpd.server_address[1]}/bomb")
        print(f"{'case':<72} {'exit':>4} {'peak RSS':>10} {'time':>7}  last report")
        worst = 0.0
        for number, (name, target) in enumerate(cases.items()):
            code, rss, seconds, report = run(target, folder / f"store{number}.db")
            worst = max(worst, rss)
            print(f"{name:<72} {code:>4} {rss:>7.0f} MB {seconds:>6.1f}s  {report}", flush=True)
        httpd.shutdown()
        print(f"worst peak RSS {worst:.0f} MB: {'under' if worst < TARGET_MB else 'OVER'} the {TARGET_MB} MB target")


if __name__ == "__main__":
    main()
