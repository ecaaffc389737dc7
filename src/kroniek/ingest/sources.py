"""Where inputs come from: files, directories, globs, URLs and stdin, and which reader each one gets."""

from __future__ import annotations

import glob
import io
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kroniek.ingest.base import ReadOptions, Record, Rejected
from kroniek.ingest.readers import read_csv, read_feed, read_html, read_jsonl, read_seed

EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".xml": "rss", ".rss": "rss", ".atom": "rss",
              ".html": "html", ".htm": "html"}


def sniff(head: bytes, suffix: str) -> str | None:
    """Pick a format from the first bytes, then the extension."""
    start = head.lstrip(b"\xef\xbb\xbf").lstrip()
    lower = start[:200].lower()
    if start.startswith(b"date ") or head.startswith(b" date "):
        return "seed"
    if start.startswith(b"{"):
        return "jsonl"
    if lower.startswith((b"<!doctype html", b"<html")):
        return "html"
    if lower.startswith(b"<?xml") or b"<rss" in lower or b"<feed" in lower or b"<rdf:rdf" in lower:
        if b"<html" in lower:
            return "html"
        return "rss"
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    if suffix == ".txt" and start.startswith(b"date"):
        return "seed"
    return None


def expand(paths: list[str]) -> Iterator[str]:
    """Files under directories (sorted, hidden ones skipped) and glob matches; URLs and ``-`` pass through."""
    for path in paths:
        if path == "-" or path.startswith(("http://", "https://")) or "://" in path:
            yield path
            continue
        if any(ch in path for ch in "*?["):
            matches = sorted(glob.glob(path, recursive=True))
            if not matches:
                yield path  # reported as missing by the reader loop
            for match in matches:
                if Path(match).is_dir():
                    yield from expand([match])
                else:
                    yield match
            continue
        candidate = Path(path)
        if candidate.is_dir():
            for child in sorted(candidate.rglob("*")):
                relative = child.relative_to(candidate)
                if child.is_file() and not any(part.startswith(".") for part in relative.parts):
                    yield str(child)
            continue
        yield path


def fetch(url: str, options: ReadOptions) -> bytes:
    import httpx

    chunks: list[bytes] = []
    size = 0
    # httpx's timeout bounds each network read; the deadline bounds the whole download (a slow drip of bytes).
    deadline = time.monotonic() + options.fetch_timeout_s
    with httpx.stream("GET", url, timeout=options.fetch_timeout_s, follow_redirects=True,
                      headers={"User-Agent": "kroniek/0.1 (+news event research)"}) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > options.fetch_max_bytes:
                raise ValueError(f"response larger than {options.fetch_max_bytes} bytes")
            if time.monotonic() > deadline:
                raise TimeoutError(f"download took longer than {options.fetch_timeout_s} s")
            chunks.append(chunk)
    return b"".join(chunks)


def read_source(path: str, fmt: str, options: ReadOptions) -> Iterator[Record]:
    """All records of one input, errors included, never raising for bad input: a reader that fails part-way
    reports the input as rejected from there on, and what it read before stands."""
    try:
        yield from _read_source(path, fmt, options)
    except Exception as error:
        yield Rejected(path, 0, f"could not be read: {type(error).__name__}: {error}")


def _read_source(path: str, fmt: str, options: ReadOptions) -> Iterator[Record]:
    if path.startswith(("http://", "https://")):
        try:
            data = fetch(path, options)
        except Exception as error:
            yield Rejected(path, 0, f"unreachable: {error}")
            return
        yield from _dispatch(path, fmt, io.BytesIO(data), options, None, url=path)
        return
    if "://" in path:
        yield Rejected(path, 0, "only http and https URLs are fetched")
        return
    if path == "-":
        stream: IO[bytes] = sys.stdin.buffer
        yield from _dispatch("<stdin>", fmt, stream, options, None)
        return
    file = Path(path)
    if not file.exists():
        yield Rejected(path, 0, "no such file")
        return
    if file.is_dir():
        yield Rejected(path, 0, "is a directory")
        return
    with file.open("rb") as handle:
        yield from _dispatch(path, fmt, handle, options, file.parent.name or None)


def _dispatch(name: str, fmt: str, stream: IO[bytes], options: ReadOptions, folder: str | None,
              url: str | None = None) -> Iterator[Record]:
    buffered: IO[bytes] = stream if isinstance(stream, io.BufferedReader | io.BytesIO) else io.BufferedReader(
        stream)  # type: ignore[type-var]
    head = _peek(buffered)
    suffix = Path(name).suffix.lower()
    chosen = fmt if fmt != "auto" else sniff(head, suffix)
    if chosen is None:
        yield Rejected(name, 0, "unknown format (give one with --format seed|jsonl|csv|rss|html)")
        return
    if chosen == "jsonl":
        yield from read_jsonl(name, buffered, options)
    elif chosen == "csv":
        yield from read_csv(name, buffered, options)
    else:
        limit = options.max_html_bytes if chosen == "html" else max(options.max_html_bytes, 50_000_000)
        data = buffered.read(limit + 1)
        if len(data) > limit and chosen != "html":  # read_html says so itself; nothing is parsed cut short
            yield Rejected(name, 0, f"larger than {limit} bytes")
            return
        if chosen == "seed":
            yield from read_seed(name, data, options, folder)
        elif chosen == "rss":
            yield from read_feed(name, data, options)
        elif chosen == "html":
            yield from read_html(name, data, options, url=url)
        else:
            yield Rejected(name, 0, f"unknown format {chosen!r}")


def _peek(stream: IO[bytes]) -> bytes:
    """The first bytes without consuming them (format sniffing)."""
    if isinstance(stream, io.BytesIO):
        return stream.getvalue()[:512]
    if isinstance(stream, io.BufferedReader):
        return stream.peek(512)[:512]
    return b""
