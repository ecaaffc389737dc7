"""Hostile input at the door (issue 20): one record is one unit, ids cannot be hijacked, memory stays bounded, the
download has one deadline, and folder walks report loops and unreadable folders and read each file once.
Every fixture is made here; nothing asserts time or memory."""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from kroniek.ingest import ReadOptions, ingest_paths, read_records
from kroniek.ingest.base import Rejected
from kroniek.ingest.readers import ENTITIES_REFUSED, guard_feed, read_feed
from kroniek.model import Article, PartialDate
from kroniek.store.repository import Store, scoped_id

TEXT = "De gemeenteraad van Zwolle stemde dinsdagavond in met het plan voor een nieuwe fietsbrug over de IJssel."


def good(n: int, outlet: str = "krant") -> dict[str, object]:
    return {"id": f"a{n}", "outlet": outlet, "title": f"Bericht {n}", "text": f"{TEXT} ({n})",
            "published_at": "2024-11-05"}


def split(found: list[Article | Rejected]) -> tuple[list[Article], list[str]]:
    return [r for r in found if isinstance(r, Article)], [str(r) for r in found if isinstance(r, Rejected)]


# --- item 2: one record is one unit ------------------------------------------------------------------------------


def test_jsonl_poison_lines_cost_only_themselves(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    poison = [
        '{"outlet": "krant", "text": "x", "n": ' + "9" * 5_000 + "}",  # more digits than int() converts
        "[" * 100_000 + "]" * 100_000,  # nested past the recursion limit
        '{"outlet": "krant", "title": "\\udfff", "text": "' + TEXT + '"}',  # lone surrogate
        json.dumps({"outlet": "krant", "text": 12345}),
        json.dumps({"outlet": "krant", "text": True}),
        '{"outlet": "krant", "text": NaN}',
        json.dumps({"outlet": "krant", "text": ["een", "lijst"]}),
        json.dumps({"outlet": {"a": 1}, "text": TEXT}),
        json.dumps({"id": "x" * 65, "outlet": "krant", "text": TEXT}),
        json.dumps({"outlet": "k" * 201, "text": TEXT}),
        json.dumps({"outlet": "krant", "title": "t" * 2_001, "text": TEXT}),
        json.dumps({"outlet": "krant", "text": TEXT, "published_at": "2999-12"}),
    ]
    lines = []
    for n, bad in enumerate(poison):
        lines += [json.dumps(good(n)), bad]
    lines.append(json.dumps(good(99)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest_paths(store, [str(path)])
    assert report.added == len(poison) + 1
    reasons = {r.line or 0: r.reason for r in report.rejected}
    assert sorted(reasons) == [2 * n + 2 for n in range(len(poison))]  # the real line of each, nothing else
    assert "broken JSON" in reasons[2] and "nested too deeply" in reasons[4]
    assert "lone surrogate" in reasons[6] and reasons[6].startswith("title")
    assert reasons[8] == "text must be a string, not a number"
    assert reasons[10] == "text must be a string, not a boolean"
    assert reasons[12] == "text must be a string, not a number"  # NaN
    assert reasons[14] == "text must be a string, not a list"
    assert reasons[16] == "outlet must be a string, not an object"
    assert reasons[18] == "id longer than 64 characters"
    assert reasons[20] == "outlet longer than 200 characters"
    assert reasons[22] == "title longer than 2000 characters"
    assert reasons[24] == "published_at 2999-12 is in the future"


def test_field_limits_come_from_the_config(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(good(1) | {"title": "t" * 50}) + "\n" + json.dumps(good(2)) + "\n", encoding="utf-8")
    articles, rejected = split(list(read_records([str(path)], options=ReadOptions(max_title_chars=20))))
    assert [a.id for a in articles] == ["a2"] and rejected == [f"{path}:1: title longer than 20 characters"]


def test_jsonl_line_over_the_cap_is_skipped_not_held(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(good(1)) + "\n")
        handle.write('{"outlet": "krant", "text": "' + "woord " * 50_000 + '"}\n')
        handle.write(json.dumps(good(3)) + "\n")
    articles, rejected = split(list(read_records([str(path)], options=ReadOptions(max_line_bytes=10_000))))
    assert [a.id for a in articles] == ["a1", "a3"] and [a.source_line for a in articles] == [1, 3]
    assert rejected == [f"{path}:2: line longer than 10000 bytes"]


def test_csv_latin1_row_is_its_own_rejection_with_its_real_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    rows = [b"outlet,title,text\n"]
    for n in range(1, 1_000):
        rows.append(f'krant,Bericht {n},"{TEXT} ({n})"\n'.encode())
    rows.insert(500, "krant,Café,\"Het café aan de Grote Markt ging dicht.\"\n".encode("latin-1"))  # line 501
    path.write_bytes(b"".join(rows))
    report = ingest_paths(store, [str(path)])
    assert report.added == 999
    assert [str(r) for r in report.rejected] == [
        f"{path}:501: undecodable bytes on line 501 at column 10 (not UTF-8)"]
    lines = sorted(a.source_line or 0 for a in store.articles())
    assert lines[:1] == [2] and lines[497:500] == [499, 500, 502] and lines[-1] == 1_001


def test_future_seed_date_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text(f" date 2024-11 {TEXT}", encoding="utf-8")
    (tmp_path / "later.txt").write_text(f" date 2999-12 {TEXT}", encoding="utf-8")
    articles, rejected = split(list(read_records([str(tmp_path)], options=ReadOptions(outlet="krant"))))
    assert len(articles) == 1 and rejected == [f"{tmp_path / 'later.txt'}:1: published_at 2999-12 is in the future"]


def test_non_utf8_file_name_in_a_folder(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(4):
        (folder / f"goed{n}.jsonl").write_text(json.dumps(good(n)) + "\n", encoding="utf-8")
    odd = os.path.join(os.fsencode(folder), b"caf\xe9.jsonl")
    with open(odd, "wb") as handle:
        handle.write(json.dumps(good(7)).encode() + b"\n")
    report = ingest_paths(store, [str(folder)])
    assert report.rejected == [] and report.added == 5
    sources = {a.id: a.source for a in store.articles()}
    assert sources["a7"] == str(folder / "caf\ufffd.jsonl")  # shown and stored with U+FFFD, read all the same


def test_a_newline_in_a_file_name_cannot_forge_a_report_line(tmp_path: Path) -> None:
    path = tmp_path / "x\nother.jsonl:1: forged.jsonl"
    path.write_text("{broken\n", encoding="utf-8")
    _, [rejected] = split(list(read_records([str(path)])))
    assert "\n" not in rejected and "x\\x0aother" in rejected


def test_a_record_the_database_refuses_costs_only_itself(store: Store) -> None:
    """A value the readers let through but the database refuses (an integer beyond 64 bits): the batch is stored
    record by record, and only that record is rejected."""
    articles = [Article(outlet="krant", text=f"{TEXT} ({n})", id=f"b{n}", source="t", source_line=n)
                for n in range(5)]
    articles[2].source_line = 2**70
    result = store.ingest_batch(articles)
    assert result.added == 4 and [o.status for o in result.outcomes] == [
        "added", "added", "rejected", "added", "added"]
    assert "refused" in (result.outcomes[2].reason or "")
    assert sorted(a.id for a in store.articles()) == ["b0", "b1", "b3", "b4"]


def test_the_store_refuses_over_long_ids_itself(store: Store) -> None:
    long_id = Article(outlet="krant", text=TEXT, id="i" * 65)
    long_outlet = Article(outlet="o" * 201, text=TEXT + " 2")
    fine = Article(outlet="krant", text=TEXT + " 3")
    result = store.ingest_batch([long_id, long_outlet, fine])
    assert [o.status for o in result.outcomes] == ["rejected", "rejected", "added"]
    assert store.count_articles() == 1


# --- item 3: identity that cannot be hijacked -------------------------------------------------------------------


def test_same_id_from_another_outlet_is_another_article(store: Store, tmp_path: Path) -> None:
    first = tmp_path / "a.jsonl"
    first.write_text(json.dumps({"id": "nieuws-1", "outlet": "Krant", "url": "https://krant.example/1",
                                 "text": TEXT}) + "\n", encoding="utf-8")
    second = tmp_path / "b.jsonl"
    second.write_text(json.dumps({"id": "nieuws-1", "outlet": "Indringer", "url": "https://evil.example/1",
                                  "text": "Alles wat de krant schreef is gelogen."}) + "\n", encoding="utf-8")
    assert ingest_paths(store, [str(first)]).added == 1
    report = ingest_paths(store, [str(second)])
    assert (report.added, report.updated) == (1, 0)
    original = store.get_article("nieuws-1")
    assert original is not None and (original.outlet, original.text) == ("Krant", TEXT)
    other = store.get_article(scoped_id("Indringer", "nieuws-1"))
    assert other is not None and other.outlet == "Indringer"
    again = ingest_paths(store, [str(first), str(second)])  # re-ingest: the same ids, nothing changes
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert store.article_versions("nieuws-1") == []


def test_an_update_keeps_the_whole_previous_version(store: Store) -> None:
    old = Article(outlet="Krant", text=TEXT, title="Oud", id="n1", url="https://krant.example/oud",
                  published=PartialDate.parse("2024-11-05"))
    new = Article(outlet="Krant", text=TEXT + " Gecorrigeerd.", title="Nieuw", id="n1",
                  url="https://krant.example/nieuw", published=PartialDate.parse("2024-11-06"))
    store.ingest_batch([old])
    assert store.ingest_batch([new]).updated == 1
    [version] = store.article_versions("n1")
    assert (version["outlet"], version["url"], version["title"], version["text"], version["published_at"]) == (
        "Krant", "https://krant.example/oud", "Oud", TEXT, "2024-11-05")


def test_migration_0008_adds_the_version_columns(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from kroniek.store.migrate import alembic_config
    from kroniek.store.repository import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")

    def columns() -> set[str]:
        return {c["name"] for c in inspect(engine).get_columns("article_versions")}

    command.upgrade(alembic_config(engine), "0007")
    assert not {"outlet", "url"} & columns()
    command.upgrade(alembic_config(engine), "0008")
    assert {"outlet", "url"} <= columns()
    command.downgrade(alembic_config(engine), "0007")
    assert not {"outlet", "url"} & columns()
    engine.dispose()


def test_write_api_adds_never_changes_and_answers_per_record(store: Store, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from kroniek.config import load_settings
    from kroniek.serve.app import create_app

    store.ingest_batch([Article(outlet="Krant", text=TEXT, id="vast")])
    token = "t" * 20
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(load_settings(), store, write_token=token)) as client:
        body = [{"id": "vast", "outlet": "Krant", "text": "Overschreven."},  # same outlet, other text: refused
                {"id": "vast", "outlet": "Ander", "text": "Van een ander."},  # other outlet: its own article
                {"id": "x" * 70, "outlet": "Krant", "text": TEXT},
                {"outlet": "Krant", "text": 5},
                "geen object",
                {"id": "nieuw", "outlet": "Krant", "text": TEXT + " nieuw"},
                {"id": "vast", "outlet": "Krant", "text": TEXT}]  # identical: unchanged
        response = client.post("/api/articles", json=body, headers=auth)
        assert response.status_code == 207
        results = response.json()["results"]
        assert [r["status"] for r in results] == ["rejected", "added", "rejected", "rejected", "rejected", "added",
                                                  "unchanged"]
        assert results[1]["id"] == scoped_id("Ander", "vast") and results[5]["id"] == "nieuw"
        assert "never changed" in results[0]["reason"] and "longer than 64" in results[2]["reason"]
        for hostile in (b"[" * 100_000 + b"]" * 100_000, b'[{"text": ' + b"9" * 5_000 + b"}]"):
            assert client.post("/api/articles", content=hostile, headers=auth).status_code == 400
        surrogate = b'[{"outlet": "Krant", "text": "\\udfff"}]'
        reply = client.post("/api/articles", content=surrogate, headers=auth)
        assert reply.status_code in (400, 422) and "surrogate" in reply.text
    kept = store.get_article("vast")
    assert kept is not None and kept.text == TEXT and store.article_versions("vast") == []


# --- item 4: bounded memory --------------------------------------------------------------------------------------


def _feed(items: int, prolog: str = "") -> bytes:
    body = "".join(f"<item><title>Bericht {n}</title><link>https://krant.example/{n}</link>"
                   f"<description>De gemeente meldt nieuws nummer {n}.</description></item>" for n in range(items))
    return f"{prolog}<rss version='2.0'><channel><title>Krant</title>{body}</channel></rss>".encode()


def test_feed_with_entity_declarations_is_refused() -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + "x" * 1_000 + '">]>'
            "<rss version='2.0'><channel><title>Krant</title><item><title>&a;&a;&a;</title>"
            "<description>De gemeente meldt nieuws.</description></item></channel></rss>").encode()
    assert [str(r) for r in read_feed("bomb.xml", bomb, ReadOptions())] == [f"bomb.xml:0: {ENTITIES_REFUSED}"]
    broken = bomb.replace(b"</channel>", b"<channel>")  # not well-formed: expat refuses, the loose parser would not
    assert [str(r) for r in read_feed("bomb.xml", broken, ReadOptions())] == [f"bomb.xml:0: {ENTITIES_REFUSED}"]


@pytest.mark.parametrize("wellformed", [True, False])
def test_feed_item_cap_applies_before_feedparser(wellformed: bool) -> None:
    feed = _feed(50) if wellformed else _feed(50).replace(b"</channel></rss>", b"<item>")
    guarded = guard_feed(feed, 5)
    assert isinstance(guarded, tuple)
    kept, cut = guarded
    assert cut and kept.count(b"<item>") == 5
    records = list(read_feed("feed.xml", feed, ReadOptions(max_feed_items=5)))
    articles, rejected = split(records)
    assert [a.title for a in articles] == [f"Bericht {n}" for n in range(5)]
    assert rejected == ["feed.xml:0: feed has more than 5 items; only the first 5 read"]
    assert guard_feed(_feed(5), 5) == (_feed(5), False)


class _Hostile(BaseHTTPRequestHandler):
    slow_headers: ClassVar[list[str]] = []  # how each /slow-headers response ended
    page = ("<!doctype html><html><head><title>Brug</title></head><body><article><p>"
            + "De gemeenteraad stemde dinsdag in met de nieuwe fietsbrug over de rivier. " * 6
            + "</p></article></body></html>").encode()

    def do_GET(self) -> None:
        if self.path == "/slow-headers":  # every read is quick, the headers take 6 s; then a good page
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: ")
                for _ in range(120):
                    self.wfile.write(b"a")
                    self.wfile.flush()
                    time.sleep(0.05)
                self.wfile.write(b"\r\nContent-Length: %d\r\n\r\n" % len(self.page) + self.page)
                _Hostile.slow_headers.append("sent")
            except OSError:
                _Hostile.slow_headers.append("cut off")
            return
        if self.path.startswith("/hop"):
            left = int(self.path.removeprefix("/hop"))
            time.sleep(0.3)
            self.send_response(302)
            self.send_header("Location", f"/hop{left - 1}" if left > 1 else "/page")
            self.end_headers()
            return
        body, encoding = self.page, ""
        if self.path == "/gzgz":  # 3 KB on the wire, 60 MB after two layers
            body, encoding = gzip.compress(gzip.compress(b"\0" * 60_000_000)), "gzip, gzip"
        elif self.path == "/gz":
            body, encoding = gzip.compress(self.page), "gzip"
        elif self.path == "/deflate":
            body, encoding = zlib.compress(self.page), "deflate"
        elif self.path == "/br":
            encoding = "br"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def hostile() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_layered_gzip_is_capped_while_decoding(hostile: str) -> None:
    found = list(read_records([f"{hostile}/gzgz", f"{hostile}/gz", f"{hostile}/deflate", f"{hostile}/br"],
                              options=ReadOptions(fetch_max_bytes=1_000_000)))
    articles, rejected = split(found)
    assert [a.url for a in articles] == [f"{hostile}/gz", f"{hostile}/deflate"]
    assert rejected == [f"{hostile}/gzgz:0: unreachable: response larger than 1000000 bytes (decompressed)",
                        f"{hostile}/br:0: unreachable: unsupported Content-Encoding 'br'"]


# --- item 8: one deadline per download; walks that end and read each file once ---------------------------------


def test_deadline_covers_the_redirect_chain(hostile: str) -> None:
    [rejected] = list(read_records([f"{hostile}/hop5"], options=ReadOptions(fetch_timeout_s=0.5)))
    assert isinstance(rejected, Rejected) and rejected.reason == "unreachable: download took longer than 0.5 s"
    [article] = list(read_records([f"{hostile}/hop1"], options=ReadOptions(fetch_timeout_s=10)))
    assert isinstance(article, Article) and article.title == "Brug"
    [too_many] = list(read_records([f"{hostile}/hop3"], options=ReadOptions(max_redirects=2)))
    assert isinstance(too_many, Rejected) and too_many.reason == "unreachable: more than 2 redirects"


def test_deadline_covers_headers_that_drip_in(hostile: str) -> None:
    """Regression: each read of the headers came within the time-out, so the whole took as long as the server liked
    (here the page would arrive, well after the deadline)."""
    _Hostile.slow_headers.clear()
    [rejected] = list(read_records([f"{hostile}/slow-headers"], options=ReadOptions(fetch_timeout_s=0.5)))
    assert isinstance(rejected, Rejected) and rejected.reason == "unreachable: download took longer than 0.5 s"
    for _ in range(200):  # the server sees its connection shut at the deadline, not the client wait it out
        if _Hostile.slow_headers:
            break
        time.sleep(0.05)
    assert _Hostile.slow_headers == ["cut off"]


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "a.jsonl").write_text(json.dumps(good(1)) + "\n", encoding="utf-8")
    (root / "sub" / "b.jsonl").write_text(json.dumps(good(2)) + "\n", encoding="utf-8")
    (root / "sub" / "up").symlink_to(root, target_is_directory=True)  # a loop
    (root / "self").symlink_to(root / "self")  # a link to itself
    (root / "twice.jsonl").symlink_to(root / "a.jsonl")  # the same file again
    return root


def test_folder_walk_reports_loops_and_reads_each_file_once(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    articles, rejected = split(list(read_records([str(root), str(root / "a.jsonl")])))
    assert sorted(a.id for a in articles) == ["a1", "a2"]
    assert rejected == [f"{root / 'self'}:0: cannot be read: symlink loop (too many levels of symbolic links)",
                        f"{root / 'sub' / 'up'}:0: symlink loop: leads back to a folder above it (not followed)"]


def test_recursive_glob_over_self_links_ends(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    articles, rejected = split(list(read_records([str(root / "**" / "*.jsonl")])))
    assert sorted(a.id for a in articles) == ["a1", "a2"]
    assert any("symlink loop" in r for r in rejected)
    only_top, _ = split(list(read_records([str(root / "*.jsonl")])))
    assert [a.id for a in only_top] == ["a1"]


def test_a_file_name_with_brackets_is_a_file_not_a_pattern(tmp_path: Path) -> None:
    (tmp_path / "a[1].jsonl").write_text(json.dumps(good(1)) + "\n", encoding="utf-8")
    (tmp_path / "a1.jsonl").write_text(json.dumps(good(2)) + "\n", encoding="utf-8")
    articles, _ = split(list(read_records([str(tmp_path / "a[1].jsonl")])))
    assert [a.id for a in articles] == ["a1"]


def test_unreadable_folder_is_reported_and_the_walk_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root reads every folder, so the refusal is made by the file system call itself."""
    root = tmp_path / "in"
    (root / "dicht").mkdir(parents=True)
    (root / "open").mkdir()
    (root / "open" / "a.jsonl").write_text(json.dumps(good(1)) + "\n", encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if str(path).endswith("dicht"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    articles, rejected = split(list(read_records([str(root)])))
    assert [a.id for a in articles] == ["a1"]
    assert rejected == [f"{root / 'dicht'}:0: folder cannot be read: Permission denied"]


def test_a_path_that_cannot_be_looked_at_is_one_rejection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good_file = tmp_path / "a.jsonl"
    good_file.write_text(json.dumps(good(1)) + "\n", encoding="utf-8")
    hidden = tmp_path / "dicht" / "b.jsonl"
    real_stat = os.stat

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if "dicht" in str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", stat)
    articles, rejected = split(list(read_records([str(good_file), str(hidden)])))
    assert [a.id for a in articles] == ["a1"] and rejected == [f"{hidden}:0: cannot be read: Permission denied"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_really_unreadable_folder(tmp_path: Path) -> None:
    root = tmp_path / "in"
    (root / "dicht").mkdir(parents=True)
    (root / "a.jsonl").write_text(json.dumps(good(1)) + "\n", encoding="utf-8")
    (root / "dicht").chmod(0)
    try:
        articles, rejected = split(list(read_records([str(root), str(root / "dicht" / "x.jsonl")])))
    finally:
        (root / "dicht").chmod(0o755)
    assert [a.id for a in articles] == ["a1"] and len(rejected) == 2
