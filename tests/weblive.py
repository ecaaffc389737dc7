"""What the browser tests share: Debian's chromium for Playwright, a `kroniek serve` app on a free loopback port in a
thread, and where screenshots go. Each test module builds its own store and uses these."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conftest import ROOT, SAMPLE

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "test-artifacts" / "screenshots"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(app: Any, start_seconds: float = 30) -> Iterator[str]:
    """``app`` served by uvicorn on loopback in a daemon thread; yields its base URL, stops it after."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_seconds
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "kroniek serve did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def sample_site(folder: Path, extra_inputs: Sequence[Path] = ()) -> Iterator[str]:
    """The bundled sample (plus ``extra_inputs``) ingested and run through every stage (``deep = "none"``: these
    tests look at pages, not Frog) into a store in ``folder``, served on loopback; yields the base URL."""
    from kroniek import pipeline
    from kroniek.config import load_settings
    from kroniek.ingest import ingest_paths
    from kroniek.serve.app import create_app
    from kroniek.store.repository import Store

    settings = load_settings(db_url=f"sqlite:///{folder / 'web.db'}")
    settings.data["analyse"]["deep"] = "none"
    store = Store.open(settings.db_url)
    try:
        ingest_paths(store, [str(SAMPLE / "articles.jsonl"), *map(str, extra_inputs)])
        pipeline.run(store, settings)
        with live_server(create_app(settings, store)) as url:
            yield url
    finally:
        store.close()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright; the screenshot folder exists."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
