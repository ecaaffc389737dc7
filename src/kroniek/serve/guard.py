"""What keeps ``kroniek serve`` answering under hostile or heavy use: write bodies checked before any handler sees
them, a bounded number of requests at the store at once (the rest wait briefly, then get 429 with Retry-After
instead of a connection-pool time-out), and exports streamed from a worker thread with their own, smaller limit.

Each piece is plain ASGI or plain Python so that it holds the same under TestClient and uvicorn.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import json
import math
import queue
import re
import threading
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any, TextIO

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_JSON_DEPTH = 32  # an article record is two levels deep; 100,000 levels crash json.loads (RecursionError)
MAX_INT_DIGITS = 20  # beyond 64 bits nothing in a record is a number; 5,000 digits raise ValueError in json
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class BodyError(ValueError):
    """A request body that no handler should see."""


def _number(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise BodyError(f"integer with more than {MAX_INT_DIGITS} digits")
    return int(text)


def _real(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyError(f"number out of range: {text[:40]}")
    return value


def _constant(text: str) -> Any:
    raise BodyError(f"{text} is not JSON")


def _check_strings(value: Any) -> None:
    """Lone surrogates (``"\\udfff"`` is valid JSON) cannot be encoded as UTF-8, so no store can hold them."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise BodyError("text with a lone surrogate (\\ud800-\\udfff) cannot be stored as UTF-8")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def check_json_body(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The parsed body, or BodyError naming what is wrong: not UTF-8, not JSON, nested deeper than ``max_depth``,
    an over-long integer, an infinite number or NaN, a lone surrogate. The depth is counted on the bytes with the
    strings taken out, before the parser could recurse."""
    depth = 0
    for bracket in _BRACKETS.finditer(_STRINGS.sub(b'""', body)):
        depth += 1 if bracket.group() in (b"[", b"{") else -1
        if depth > max_depth:
            raise BodyError(f"JSON nested deeper than {max_depth} levels")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BodyError(f"body is not JSON: not UTF-8 ({error.reason} at byte {error.start})") from None
    try:
        value = json.loads(text, parse_int=_number, parse_float=_real, parse_constant=_constant)
    except BodyError:
        raise
    except (json.JSONDecodeError, ValueError, RecursionError) as error:
        raise BodyError(f"body is not JSON: {error}") from None
    _check_strings(value)
    return value


async def _json(send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    payload = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


class BodyGuard:
    """Reads the body of an authorised write request (capped), checks it with ``check_json_body`` and answers 4xx
    itself when it is bad; a good body is handed on unchanged, so the handler reads it as it always did.
    Requests without the right token pass untouched: the handler refuses them with 401."""

    def __init__(self, app: ASGIApp, routes: set[tuple[str, str]], authorised: Callable[[bytes], bool],
                 max_bytes: int) -> None:
        self.app = app
        self.routes = routes
        self.authorised = authorised
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) not in self.routes:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if not self.authorised(headers.get(b"authorization", b"")):
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await _json(send, 413, {"error": f"request body larger than {self.max_bytes} bytes"})
                return
            if not message.get("more_body"):
                break
        try:
            check_json_body(bytes(body))
        except BodyError as error:
            await _json(send, 400, {"error": str(error)})
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: the disconnect, when it comes
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


class Gate:
    """At most ``limit`` requests inside the app at once (the store's connection pool holds 15); up to ``queued``
    more wait up to ``wait_s`` seconds for a place. Past that the answer is 429 with Retry-After at once, never a
    time-out inside the pool and a 500. Static files and /healthz pass without waiting: they touch no store."""

    def __init__(self, app: ASGIApp, limit: int, queued: int, wait_s: float,
                 exempt: tuple[str, ...] = ("/static/", "/healthz")) -> None:
        self.app = app
        self.limit = limit
        self.queued = queued
        self.wait_s = wait_s
        self.exempt = exempt
        self.waiting = 0
        self._slots: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    def slots(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots[0] is not loop:  # one per event loop (a test may start several)
            self._slots = (loop, asyncio.Semaphore(self.limit))
        return self._slots[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        slots = self.slots()
        if slots.locked():
            if self.waiting >= self.queued:
                await _busy(send)
                return
            self.waiting += 1
            try:
                await asyncio.wait_for(slots.acquire(), self.wait_s)
            except TimeoutError:
                await _busy(send)
                return
            finally:
                self.waiting -= 1
        else:
            await slots.acquire()
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()


async def _busy(send: Send, retry_after: int = 1) -> None:
    await _json(send, 429, {"error": "the server is busy; try again shortly"}, {"Retry-After": str(retry_after)})


# --- exports ---------------------------------------------------------------------------------------------------


class Busy(Exception):
    """No export slot is free."""


class _Cancelled(Exception):
    """The client went away: the exporter stops writing."""


class _QueueWriter:
    """A text stream that hands UTF-8 chunks of about ``chunk`` bytes to the response through a small queue, so an
    export never sits in memory whole and a slow client slows the exporter down instead."""

    def __init__(self, chunks: queue.Queue[bytes | BaseException | None], cancelled: threading.Event,
                 idle_timeout_s: float, chunk: int = 64 * 1024) -> None:
        self.chunks = chunks
        self.cancelled = cancelled
        self.idle_timeout_s = idle_timeout_s
        self.chunk = chunk
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= self.chunk:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self.parts:
            self.put("".join(self.parts).encode("utf-8", "replace"))
            self.parts, self.size = [], 0

    def put(self, item: bytes | BaseException | None) -> None:
        waited = 0.0
        while True:  # a response that is never read, or a client that stopped reading, frees the slot in time
            if self.cancelled.is_set() or waited >= self.idle_timeout_s:
                raise _Cancelled
            try:
                self.chunks.put(item, timeout=1.0)
                return
            except queue.Full:
                waited += 1.0


def _trim_heap() -> None:
    """Give freed memory back to the system after an export (glibc keeps it otherwise, and RSS stays up)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


class Exports:
    """At most ``limit`` exports run at once; each runs in its own thread and is streamed as it is written."""

    def __init__(self, limit: int, idle_timeout_s: float = 60.0) -> None:
        self.slots = threading.BoundedSemaphore(limit)
        self.idle_timeout_s = idle_timeout_s

    def stream(self, write: Callable[[TextIO], None]) -> Iterator[bytes]:
        """The export's bytes; raises Busy at once when every slot is taken. The slot is held until the exporter
        has finished or stopped, whether or not the client read to the end."""
        if not self.slots.acquire(blocking=False):
            raise Busy
        chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=8)
        cancelled = threading.Event()
        writer = _QueueWriter(chunks, cancelled, self.idle_timeout_s)

        def produce() -> None:
            try:
                write(writer)  # type: ignore[arg-type]  # write() and flush() are all the exporters use
                writer.flush()
                writer.put(None)
            except _Cancelled:
                pass
            except BaseException as error:  # handed to the response, which ends the stream
                try:
                    writer.put(error)
                except _Cancelled:
                    pass
            finally:
                self.slots.release()
                _trim_heap()

        threading.Thread(target=produce, name="kroniek-export", daemon=True).start()
        return self._drain(chunks, cancelled)

    def _drain(self, chunks: queue.Queue[bytes | BaseException | None], cancelled: threading.Event) -> Iterator[bytes]:
        try:
            while True:
                try:
                    item = chunks.get(timeout=self.idle_timeout_s)
                except queue.Empty:
                    return  # an exporter stuck this long: end the response rather than hold the connection
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            cancelled.set()  # the client left, or the stream ended: the exporter stops at its next write
