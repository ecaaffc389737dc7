"""Every input limit is configurable and enforced: an over-size record is rejected with PATH:LINE and a reason
while the rest is stored; the CLI takes the limits from the configuration file."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kroniek.config import load_settings
from kroniek.ingest import ingest_paths, read_records
from kroniek.ingest.base import ReadOptions, Rejected
from kroniek.ingest.readers import read_feed, read_html
from kroniek.model import Article
from kroniek.store.repository import Store


def _kroniek(tmp_path: Path, *args: str, config: str = "") -> subprocess.CompletedProcess[str]:
    conf = tmp_path / "limits.toml"
    conf.write_text(config, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "kroniek", "--db", f"sqlite:///{tmp_path / 'l.db'}", "--config",
                           str(conf), *args], capture_output=True, text=True, timeout=300)


def test_article_size_limit_from_the_config(tmp_path: Path) -> None:
    rows = [{"id": "klein", "outlet": "krant", "text": "De dijk bij Kampen is versterkt.", "published_at": "2024-11"},
            {"id": "groot", "outlet": "krant", "text": "Woord " * 400, "published_at": "2024-11"}]
    source = tmp_path / "a.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = _kroniek(tmp_path, "ingest", str(source), config="[ingest]\nmax_article_bytes = 1000\n")
    assert result.returncode == 1
    assert f"{source}:2: text larger than 1000 bytes" in result.stderr
    listed = json.loads(_kroniek(tmp_path, "articles", "--json").stdout)
    assert [a["id"] for a in listed] == ["klein"]


def test_field_limits_from_the_config_reach_the_cli(tmp_path: Path) -> None:
    rows = [{"id": "kort", "outlet": "krant", "title": "Dijk", "text": "De dijk bij Kampen is versterkt."},
            {"id": "lang", "outlet": "krant", "title": "Een veel te lange kop", "text": "De brug is dicht."},
            {"id": "x" * 20, "outlet": "krant", "text": "De haven groeit."}]
    source = tmp_path / "a.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = _kroniek(tmp_path, "ingest", str(source), config="[ingest]\nmax_title_chars = 10\nmax_id_chars = 10\n")
    assert result.returncode == 1
    assert f"{source}:2: title longer than 10 characters" in result.stderr
    assert f"{source}:3: id longer than 10 characters" in result.stderr
    assert [a["id"] for a in json.loads(_kroniek(tmp_path, "articles", "--json").stdout)] == ["kort"]


def test_feed_item_cap() -> None:
    items = "".join(f"<item><title>Bericht {n}</title><link>https://krant.example/{n}</link>"
                    f"<description>De gemeente meldt nieuws nummer {n} over de haven.</description></item>"
                    for n in range(12))
    feed = f"<rss version='2.0'><channel><title>Krant</title>{items}</channel></rss>".encode()
    records = list(read_feed("feed.xml", feed, ReadOptions(max_feed_items=5)))
    articles = [r for r in records if isinstance(r, Article)]
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert [a.title for a in articles] == [f"Bericht {n}" for n in range(5)]
    assert len(rejected) == 1 and "more than 5 items; only the first 5 read" in rejected[0].reason


def test_html_size_and_depth_limits() -> None:
    page = ("<html><body><article><p>" + "De raad besloot dinsdag tot een nieuwe brug. " * 50
            + "</p></article></body></html>").encode()
    [too_big] = list(read_html("big.html", page, ReadOptions(max_html_bytes=1000)))
    assert isinstance(too_big, Rejected) and "larger than 1000 bytes" in too_big.reason
    deep = b"<html><body>" + b"<div>" * 20_000 + b"tekst" + b"</div>" * 20_000 + b"</body></html>"
    [too_deep] = list(read_html("deep.html", deep, ReadOptions(max_html_depth=400)))
    assert isinstance(too_deep, Rejected) and "deeper than 400" in too_deep.reason
    [fine] = list(read_html("ok.html", page, ReadOptions()))
    assert isinstance(fine, Article)


def test_defaults_are_sane() -> None:
    options = ReadOptions()
    assert 100_000 <= options.max_article_bytes <= 10_000_000
    assert options.max_html_depth >= 100 and options.max_feed_items >= 100
    assert 1 <= options.fetch_timeout_s <= 120 and options.fetch_max_bytes <= 100_000_000


# --- the limits are configuration: defaults.toml and ReadOptions agree, the API takes its own from the file ------


def test_every_limit_is_in_the_defaults_file() -> None:
    from kroniek.ingest.base import LIMIT_KEYS

    settings = load_settings()
    for key in LIMIT_KEYS:
        assert settings.get("ingest", key) == getattr(ReadOptions(), key), key
    for key in ("page_size", "max_page_size", "max_request_bytes"):
        assert int(settings.get("serve", key)) > 0, key


def test_api_page_and_request_size_from_the_config(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from kroniek.serve.app import create_app

    settings = load_settings(db_url=f"sqlite:///{tmp_path / 'api.db'}")
    settings.data["serve"].update(page_size=7, max_page_size=20, max_request_bytes=100)
    store = Store.open(settings.db_url)
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        assert client.get("/api/stories").json()["limit"] == 7
        assert client.get("/api/stories?limit=20").status_code == 200
        assert client.get("/api/stories?limit=21").status_code == 422
        assert client.get("/api/stories", headers={"Content-Length": "101"}).status_code == 413
    store.close()


# --- CSV: our article cap decides, not the csv module's 128 Ki field cap; a bad field never leaks rows ------------


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


@pytest.fixture
def csv_field_cap() -> Iterator[None]:
    """Start from the csv module's default field cap (the readers only raise it, process-wide) and restore it."""
    previous = csv.field_size_limit(131_072)
    yield
    csv.field_size_limit(previous)


@pytest.mark.usefixtures("csv_field_cap")
def test_csv_article_over_the_csv_module_cap_but_under_ours_is_stored(store: Store, tmp_path: Path) -> None:
    long_text = "De haven van Rotterdam groeit opnieuw. " * 5_000  # 195,000 characters
    path = _csv(tmp_path / "a.csv", [["outlet", "title", "text"], ["krant", "Lang", long_text],
                                     ["krant", "Kort", "De dijk bij Kampen is versterkt."]])
    report = ingest_paths(store, [str(path)])
    assert report.rejected == [] and report.added == 2
    assert {a.title: len(a.text) for a in store.articles()} == {"Lang": len(long_text.strip()), "Kort": 32}


@pytest.mark.usefixtures("csv_field_cap")
def test_an_over_size_csv_field_is_skipped_whole_and_the_rest_read(tmp_path: Path) -> None:
    """Regression: the csv module resumes at the next physical line, inside the bad quoted field, and its
    remaining lines were read as records (an article from outlet 'Tweede alinea')."""
    csv.field_size_limit(500)  # below the article cap, so the csv module's own error is what fires
    body = "Eerste alinea, met komma.\n" + "lang " * 1_000 + "\nTweede alinea, ook, met komma.\nslot"
    path = _csv(tmp_path / "a.csv", [["outlet", "title", "text"], ["krant", "Te lang", body],
                                     ["krant", "Goed", "De dijk bij Kampen is versterkt."], ["krant", "kapot"]])
    found = list(read_records([str(path)], options=ReadOptions(max_article_bytes=1000)))
    assert [str(r) for r in found if isinstance(r, Rejected)] == [
        f"{path}:2: a field larger than 1000 bytes (lines 2-5 skipped)",
        f"{path}:7: row has 2 columns, the header has 3"]
    assert [(a.outlet, a.title, a.source_line) for a in found if isinstance(a, Article)] == [("krant", "Goed", 6)]


def test_nul_characters_are_dropped_not_fatal(store: Store, tmp_path: Path) -> None:
    """Regression: PostgreSQL refuses NUL in text columns, and one such record failed the whole batch."""
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"outlet": "krant", "text": "De dijk bij Kampen is versterkt."}) + "\n"
                    + json.dumps({"outlet": "kr\u0000ant", "title": "Ka\u0000pot", "text": "Brug\u0000 dicht."})
                    + "\n", encoding="utf-8")
    report = ingest_paths(store, [str(path)])
    assert report.rejected == [] and report.added == 2
    assert sorted((a.outlet, a.title, a.text) for a in store.articles()) == [
        ("krant", "", "De dijk bij Kampen is versterkt."), ("krant", "Kapot", "Brug dicht.")]


# --- feeds: item HTML nested too deep is one rejected item ------------------------------------------------------


def test_feed_item_nested_too_deep_is_rejected_and_the_rest_read() -> None:
    deep = escape("<div>" * 10_000 + "Het water stijgt." + "</div>" * 10_000)
    feed = ("<rss version='2.0'><channel><title>Krant</title>"
            f"<item><title>Diep</title><description>{deep}</description></item>"
            "<item><title>Goed</title><description>De dijk bij Kampen is versterkt.</description></item>"
            "</channel></rss>").encode()
    records = list(read_feed("feed.xml", feed, ReadOptions(max_html_depth=400)))
    assert [str(r) for r in records if isinstance(r, Rejected)] == ["feed.xml:1: item HTML nested deeper than 400 "
                                                                    "levels"]
    assert [a.title for a in records if isinstance(a, Article)] == ["Goed"]


def test_html_nested_10000_deep_among_good_files(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "deep.html").write_bytes(b"<html><body>" + b"<span>" * 10_000 + b"tekst " * 50)
    (folder / "good.jsonl").write_text(json.dumps({"outlet": "krant", "text": "De dijk is versterkt."}) + "\n",
                                       encoding="utf-8")
    report = ingest_paths(store, [str(folder)])
    assert report.added == 1
    assert [str(r) for r in report.rejected] == [f"{folder / 'deep.html'}:0: HTML nested deeper than 250 levels"]


# --- URL fetches: size cap and a deadline for the whole download (loopback server) ------------------------------

_OK_PAGE = ("<!doctype html><html><head><title>Brug</title></head><body><article><p>"
            + "De gemeenteraad stemde dinsdag in met de nieuwe fietsbrug over de rivier. " * 6
            + "</p></article></body></html>").encode()


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        if self.path == "/ok":
            self.wfile.write(_OK_PAGE)
        elif self.path == "/big":
            self.wfile.write(b"<!doctype html><html><body><p>" + b"woord " * 2_000 + b"</p></body></html>")
        elif self.path == "/drip":  # a few bytes at a time: every single read is quick, the whole never ends
            self.wfile.write(b"<!doctype html><html><body>\n")
            for _ in range(400):
                try:
                    self.wfile.write(b"<p>woord</p>\n")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.05)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def pages() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_url_over_the_size_cap_is_refused_and_the_rest_stored(store: Store, pages: str) -> None:
    report = ingest_paths(store, [f"{pages}/big", f"{pages}/ok"], options=ReadOptions(fetch_max_bytes=5_000))
    assert report.added == 1 and [a.url for a in store.articles()] == [f"{pages}/ok"]
    assert [str(r) for r in report.rejected] == [f"{pages}/big:0: unreachable: response larger than 5000 bytes"]


def test_url_fetch_timeout_bounds_the_whole_download(pages: str) -> None:
    """Regression: httpx's timeout bounds each read, so a server sending a little at a time was never cut off."""
    [rejected] = list(read_records([f"{pages}/drip"], options=ReadOptions(fetch_timeout_s=0.5)))
    assert isinstance(rejected, Rejected) and rejected.reason == "unreachable: download took longer than 0.5 s"


def test_feed_over_the_read_cap_is_rejected_not_parsed_cut_short(store: Store, tmp_path: Path) -> None:
    """Regression: seed and feed inputs are read up to max(max_html_bytes, 50 MB); a longer feed was parsed cut off
    there, and its later items were lost without a word."""
    item = "<item><title>Bericht {n}</title><description>De dijk bij Kampen is versterkt ({n}).</description></item>"
    path = tmp_path / "feed.xml"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("<?xml version='1.0'?><rss version='2.0'><channel><title>Krant</title>" + item.format(n=1))
        handle.write("<!--" + "x" * 50_000_000 + "-->")
        handle.write(item.format(n=2) + "</channel></rss>")
    report = ingest_paths(store, [str(path)], options=ReadOptions(max_html_bytes=1_000_000))
    assert report.added == 0 and [str(r) for r in report.rejected] == [f"{path}:0: larger than 50000000 bytes"]
