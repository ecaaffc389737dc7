"""Where inputs come from: files, directories, globs, URLs and stdin, and which reader each one gets."""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import io
import os
import re
import socket
import stat
import sys
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, Any

from kroniek.ingest.base import ReadOptions, Record, Rejected, display_name
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


def _why(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    return error.strerror or str(error)


@dataclass
class _Seen:
    """Files already given to a reader, by device and inode: a file reached twice (named twice, through a
    symlink, by a folder and a glob) is read once."""

    files: set[tuple[int, int]] = field(default_factory=set)

    def first_time(self, info: os.stat_result) -> bool:
        key = (info.st_dev, info.st_ino)
        if key in self.files:
            return False
        self.files.add(key)
        return True


def _match(pattern: Sequence[str], parts: Sequence[str]) -> bool:
    """Glob match of path components, ``**`` matching any number of them; hidden names only by a dot pattern."""
    @cache
    def at(p: int, q: int) -> bool:
        if p == len(pattern):
            return q == len(parts)
        if pattern[p] == "**":
            return at(p + 1, q) or (q < len(parts) and not parts[q].startswith(".") and at(p, q + 1))
        if q == len(parts) or (parts[q].startswith(".") and not pattern[p].startswith(".")):
            return False
        return fnmatch.fnmatchcase(parts[q], pattern[p]) and at(p + 1, q + 1)

    return at(0, 0)


def _walk(root: str, seen: _Seen, pattern: Sequence[str] | None = None) -> Iterator[str | Rejected]:
    """The files under a folder, in path order, each once. Without a pattern, hidden names are skipped; with one,
    the files whose path below ``root`` (or a folder above them) matches it. A symlink that leads back to a folder
    above it, a folder that cannot be read and an entry that cannot be looked at are reported (``PATH: reason``),
    never followed or silently dropped; a folder reached twice through symlinks is walked once."""
    found: list[tuple[str, str | Rejected]] = []
    try:
        top = os.stat(root)
    except OSError as error:
        yield Rejected(root, 0, f"cannot be read: {_why(error)}")
        return
    walked = {(top.st_dev, top.st_ino)}
    deep = pattern is None or "**" in pattern
    dotted = pattern is not None and any(part.startswith(".") for part in pattern)
    # (folder, its components below root, whether the folder itself matched, the folders above it)
    stack: list[tuple[str, tuple[str, ...], bool, frozenset[tuple[int, int]]]] = [
        (root, (), pattern is None, frozenset(walked))]
    while stack:
        folder, parts, matched, above = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            found.append((folder, Rejected(folder, 0, f"folder cannot be read: {_why(error)}")))
            continue
        for entry in entries:
            if entry.name.startswith(".") and (matched or not dotted):  # hidden, unless the pattern names it
                continue
            here = (*parts, entry.name)
            try:
                info = entry.stat()  # follows symlinks
            except OSError as error:
                found.append((entry.path, Rejected(entry.path, 0, f"cannot be read: {_why(error)}")))
                continue
            key = (info.st_dev, info.st_ino)
            hit = matched or (pattern is not None and _match(pattern, here))
            if stat.S_ISDIR(info.st_mode):
                if key in above:
                    found.append((entry.path, Rejected(entry.path, 0, "symlink loop: leads back to a folder "
                                                                      "above it (not followed)")))
                elif key not in walked and (hit or deep or len(here) < len(pattern or ())):
                    walked.add(key)
                    stack.append((entry.path, here, hit, above | {key}))
            elif stat.S_ISREG(info.st_mode) and hit and seen.first_time(info):
                found.append((entry.path, entry.path))
    for _path, item in sorted(found, key=lambda pair: pair[0]):
        yield item


_MAGIC = re.compile(r"[*?[]")


def _glob(pattern: str, seen: _Seen) -> Iterator[str | Rejected]:
    parts = pattern.split(os.sep)
    first = next(index for index, part in enumerate(parts) if _MAGIC.search(part))
    root = os.sep.join(parts[:first]) or ("." if not pattern.startswith(os.sep) else os.sep)
    if pattern.startswith(os.sep) and first == 1:
        root = os.sep
    rest = [part for part in parts[first:] if part]
    matches = list(_walk(root, seen, rest)) if os.path.isdir(root) else []
    if not matches:
        yield pattern  # reported as missing by the reader loop
    relative = root == "." and not pattern.startswith("." + os.sep)
    for match in matches:
        if relative and isinstance(match, str):
            match = os.path.relpath(match)  # "*.jsonl" gives "a.jsonl", as glob.glob did
        yield match


def expand(paths: list[str]) -> Iterator[str | Rejected]:
    """Files under directories (sorted, hidden ones skipped) and glob matches, each file once; URLs and ``-`` pass
    through. A path that exists is taken as it is (``a[1].txt`` is a file name, not a pattern); folders and
    entries that cannot be read and symlink loops are reported, and the walk goes on."""
    seen = _Seen()
    for path in paths:
        if path == "-" or "://" in path:
            yield path
            continue
        try:
            info = os.stat(path)
        except FileNotFoundError:
            info = None
        except OSError as error:
            yield Rejected(path, 0, f"cannot be read: {_why(error)}")
            continue
        if info is None:
            if _MAGIC.search(path):
                yield from _glob(path, seen)
            else:
                yield path  # reported as missing by the reader loop
        elif stat.S_ISDIR(info.st_mode):
            yield from _walk(path, seen)
        elif seen.first_time(info):
            yield path


_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
MAX_ENCODINGS = 3


class _Layer:
    """One Content-Encoding layer, decoded with a running cap on what it gives out over the whole download: the
    cap is checked while decompressing (``max_length``), never after a chunk was expanded whole."""

    def __init__(self, name: str, cap: int) -> None:
        self.name, self.room, self.started = name, cap, False
        self.cap = cap
        self.decoder = zlib.decompressobj(_DECODERS[name])

    def feed(self, data: bytes) -> bytes:
        pieces: list[bytes] = []
        while data:
            if self.decoder.eof:  # gzip allows several members one after the other
                self.decoder = zlib.decompressobj(_DECODERS[self.name])
            try:
                piece = self.decoder.decompress(data, self.room + 1)
            except zlib.error as error:
                if self.name == "deflate" and not self.started:  # some servers send raw deflate
                    self.decoder, self.started = zlib.decompressobj(-zlib.MAX_WBITS), True
                    continue
                raise ValueError(f"bad {self.name} data: {error}") from None
            self.started = True
            self.room -= len(piece)
            if self.room < 0:
                raise ValueError(f"response larger than {self.cap} bytes (decompressed)")
            pieces.append(piece)
            data = self.decoder.unconsumed_tail or (self.decoder.unused_data if self.decoder.eof else b"")
        return b"".join(pieces)


def _layers(header: str, cap: int) -> list[_Layer]:
    names = [name.strip().lower() for name in header.split(",") if name.strip()]
    names = [name for name in names if name != "identity"]
    if len(names) > MAX_ENCODINGS:
        raise ValueError(f"more than {MAX_ENCODINGS} Content-Encoding layers")
    unknown = [name for name in names if name not in _DECODERS]
    if unknown:
        raise ValueError(f"unsupported Content-Encoding {unknown[0]!r}")
    return [_Layer(name, cap) for name in reversed(names)]  # the last one applied comes off first


class _Deadline:
    """One deadline for a whole download. httpx's timeouts bound each read, so a server that drips bytes (headers or
    body) or delays each redirect would hold a fetch for ever; at the deadline a timer shuts the sockets of the
    fetch's connections (known from httpcore's ``trace`` extension), and the blocked read returns at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = threading.Event()
        self.streams: list[Any] = []
        self.timer = threading.Timer(seconds, self._cut)
        self.timer.daemon = True

    def trace(self, name: str, info: dict[str, Any]) -> None:
        if name.endswith((".connect_tcp.complete", ".start_tls.complete")) and info.get("return_value") is not None:
            self.streams.append(info["return_value"])
            if self.expired.is_set():
                self._cut()

    def _cut(self) -> None:
        self.expired.set()
        for stream in list(self.streams):
            sock = stream.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def error(self) -> TimeoutError:
        return TimeoutError(f"download took longer than {self.seconds} s")

    def left(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0 or self.expired.is_set():
            raise self.error()
        return remaining


def fetch(url: str, options: ReadOptions) -> bytes:
    """The body of a URL, within one deadline for the whole download, redirects included, and within the size cap
    before and after decompression (each Content-Encoding layer decoded here, capped while it expands)."""
    import httpx

    deadline = _Deadline(options.fetch_timeout_s)
    headers = {"User-Agent": "kroniek/0.1 (+news event research)", "Accept-Encoding": "gzip, deflate"}
    deadline.timer.start()
    try:
        with httpx.Client(follow_redirects=False, headers=headers) as client:
            current = httpx.URL(url)
            for _hop in range(options.max_redirects + 1):
                if current.scheme not in ("http", "https"):
                    raise ValueError(f"redirect to a {current.scheme!r} URL refused")
                # every timeout of a request is the time left, so any time-out means the deadline passed
                request = client.build_request("GET", current, timeout=httpx.Timeout(deadline.left()),
                                               extensions={"trace": deadline.trace})
                with contextlib.closing(client.send(request, stream=True)) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = current.join(response.headers["location"])
                        continue
                    response.raise_for_status()
                    return _read_body(response, options, deadline)
            raise ValueError(f"more than {options.max_redirects} redirects")
    except httpx.HTTPError as error:
        if deadline.expired.is_set() or isinstance(error, httpx.TimeoutException):
            raise deadline.error() from None
        raise
    finally:
        deadline.timer.cancel()


def _read_body(response: Any, options: ReadOptions, deadline: _Deadline) -> bytes:
    cap = options.fetch_max_bytes
    layers = _layers(response.headers.get("content-encoding", ""), cap)
    chunks: list[bytes] = []
    size = 0
    for raw in response.iter_raw():
        deadline.left()
        size += len(raw)
        if size > cap:
            raise ValueError(f"response larger than {cap} bytes")
        for layer in layers:
            raw = layer.feed(raw)
        chunks.append(raw)
    deadline.left()
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
    try:
        info = file.stat()
        if stat.S_ISDIR(info.st_mode):
            yield Rejected(path, 0, "is a directory")
            return
        handle = file.open("rb")
    except FileNotFoundError:
        yield Rejected(path, 0, "no such file")
        return
    except OSError as error:  # unreadable, or inside a folder that cannot be entered
        yield Rejected(path, 0, f"cannot be read: {_why(error)}")
        return
    with handle:
        yield from _dispatch(path, fmt, handle, options, display_name(file.parent.name) or None)


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
