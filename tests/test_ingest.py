"""Readers on good and malformed input, the driver's batching, strict mode, idempotency and crash safety."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import SHARED
from kroniek.ingest import ReadOptions, ingest_paths, read_records
from kroniek.ingest.base import Rejected
from kroniek.model import Article, DatePrecision
from kroniek.store.repository import Store

TEXT = "De gemeenteraad van Zwolle stemde dinsdagavond in met het plan voor een nieuwe fietsbrug over de IJssel."


def records(path: Path | str, fmt: str = "auto", **options: object) -> tuple[list[Article], list[Rejected]]:
    found = list(read_records([str(path)], fmt, ReadOptions(**options)))  # type: ignore[arg-type]
    return [r for r in found if isinstance(r, Article)], [r for r in found if isinstance(r, Rejected)]


def jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


# --- seed format ----------------------------------------------------------------------------------------------


def test_seed_month_header_keeps_month_precision(tmp_path: Path) -> None:
    folder = tmp_path / "stadskrant"
    folder.mkdir()
    (folder / "a.txt").write_text(f" date 2024-11 {TEXT}\n\nTweede alinea.", encoding="utf-8")
    [article], rejected = records(folder / "a.txt")
    assert rejected == []
    assert article.outlet == "stadskrant"  # from the folder
    assert article.published is not None and article.published.precision is DatePrecision.MONTH
    assert article.published.iso() == "2024-11"
    assert article.text.startswith("De gemeenteraad") and "date" not in article.text[:10]


def test_seed_day_and_time_headers(tmp_path: Path) -> None:
    (tmp_path / "d.txt").write_text(f" date 2024-11-05 {TEXT}", encoding="utf-8")
    (tmp_path / "t.txt").write_text(f" date 2024-11-05 14:30 {TEXT}", encoding="utf-8")
    [day], _ = records(tmp_path / "d.txt", outlet="krant")
    [moment], _ = records(tmp_path / "t.txt", outlet="krant")
    assert day.published is not None and day.published.precision is DatePrecision.DAY
    assert moment.published is not None and moment.published.precision is DatePrecision.DATETIME
    assert moment.text.startswith("De gemeenteraad")


@pytest.mark.parametrize(("content", "reason"), [
    (f" date 2024-13 {TEXT}", "bad date"),
    (f"{TEXT}", "header"),
    (" date 2024-11 ", "empty text"),
])
def test_seed_malformed(tmp_path: Path, content: str, reason: str) -> None:
    (tmp_path / "x.txt").write_text(content, encoding="utf-8")
    articles, [rejected] = records(tmp_path / "x.txt", fmt="seed", outlet="krant")
    assert articles == []
    assert str(rejected).startswith(f"{tmp_path / 'x.txt'}:1: ") and reason in rejected.reason


def test_seed_undecodable_bytes(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_bytes(b" date 2024-11 Goed begin\n\nmaar dan \xff\xfe kapot")
    _, [rejected] = records(tmp_path / "x.txt", fmt="seed", outlet="krant")
    assert rejected.line == 3 and "UTF-8" in rejected.reason


# --- JSONL and CSV --------------------------------------------------------------------------------------------


def test_jsonl_good_and_bad_lines(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "a.jsonl", [
        {"id": "1", "outlet": "krant", "url": "https://krant.example/1", "title": "Brug", "text": TEXT,
         "published_at": "2024-11-05"},
        '{"id": "2", "outlet": "krant", "text": ',
        {"id": "3", "outlet": "krant", "title": "Leeg", "text": "  ", "published_at": "2024-11-05"},
        {"id": "4", "outlet": "krant", "text": TEXT + " Vier.", "published_at": "gisteren"},
        {"id": "5", "outlet": "krant", "text": TEXT + " Vijf.", "published_at": "2024-11"},
        {"id": "6", "outlet": "krant", "text": TEXT + " Zes.", "published_at": "2024-11-05T14:30:00+01:00"},
    ])
    articles, rejected = records(path)
    assert [a.id for a in articles] == ["1", "5", "6"]
    assert [(r.line, r.reason.split(":")[0].split(" (")[0]) for r in rejected] == [
        (2, "broken JSON"), (3, "empty text"), (4, "bad published_at 'gisteren'")]
    assert articles[1].published is not None and articles[1].published.precision is DatePrecision.MONTH
    assert articles[2].published is not None and articles[2].published.precision is DatePrecision.DATETIME
    assert articles[0].source_line == 1 and articles[2].source_line == 6


def test_jsonl_without_id_gets_a_stable_one(tmp_path: Path) -> None:
    row = {"outlet": "krant", "url": "https://krant.example/x", "text": TEXT}
    [a], _ = records(jsonl(tmp_path / "a.jsonl", [row]))
    [b], _ = records(jsonl(tmp_path / "b.jsonl", [dict(row, text=TEXT + " Gewijzigd.")]))
    assert a.id == b.id  # outlet + url decide the id, so a changed text is an update


def test_csv_quoted_fields_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        'id,outlet,url,title,text,published_at\n'
        '1,krant,https://krant.example/1,"Brug, eindelijk","Hij zei: ""ja"", en\nde raad volgde.",2024-11-05\n'
        '2,krant,https://krant.example/2,Te veel,tekst,2024-11-05,extra\n'
        '3,krant,https://krant.example/3,Leeg,,2024-11-05\n'
        '4,krant,https://krant.example/4,Goed,Nog een bericht over de brug.,2024-11\n', encoding="utf-8")
    articles, rejected = records(path)
    assert [a.id for a in articles] == ["1", "4"]
    assert articles[0].title == "Brug, eindelijk" and '"ja"' in articles[0].text and "\n" in articles[0].text
    assert [(r.line, r.reason) for r in rejected] == [(4, "row has 7 columns, the header has 6"), (5, "empty text")]


def test_csv_map_other_column_names(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("kop,tekst,bron,datum,link\nBrug open,Vandaag ging de brug open.,stadskrant,2024-11-06,"
                    "https://stadskrant.example/brug\n", encoding="utf-8")
    mapping = {"title": "kop", "text": "tekst", "outlet": "bron", "published_at": "datum", "url": "link"}
    [article], rejected = records(path, field_map=mapping)
    assert rejected == []
    assert (article.title, article.outlet, article.url) == ("Brug open", "stadskrant",
                                                              "https://stadskrant.example/brug")


# --- feeds and pages ------------------------------------------------------------------------------------------

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Stadsradio</title>
<item><title>Brand in loods</title><link>https://radio.example/brand</link>
<pubDate>Tue, 05 Nov 2024 10:00:00 +0100</pubDate><description><![CDATA[<p>Een loods aan de haven is
afgebrand.</p><p>Niemand raakte gewond.</p><script>alert(1)</script>]]></description></item>
<item><title>Markt verplaatst</title><link>https://radio.example/markt</link>
<description>De weekmarkt staat deze week op het plein.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wijkblad</title>
<entry><title>Nieuwe speeltuin</title><link href="https://wijk.example/speeltuin"/>
<updated>2024-11-04T08:00:00Z</updated><content type="html">&lt;p&gt;De speeltuin is open.&lt;/p&gt;</content></entry>
</feed>"""


def test_rss_and_atom(tmp_path: Path) -> None:
    (tmp_path / "f.xml").write_text(RSS, encoding="utf-8")
    (tmp_path / "a.atom").write_text(ATOM, encoding="utf-8")
    rss, rejected = records(tmp_path / "f.xml")
    assert rejected == [] and [a.title for a in rss] == ["Brand in loods", "Markt verplaatst"]
    assert rss[0].outlet == "Stadsradio" and rss[0].url == "https://radio.example/brand"
    assert "<" not in rss[0].text and "alert" not in rss[0].text and "Niemand raakte gewond." in rss[0].text
    assert rss[0].published is not None and rss[0].published.precision is DatePrecision.DATETIME
    assert rss[1].published is None
    [atom], _ = records(tmp_path / "a.atom")
    assert atom.text == "De speeltuin is open." and atom.outlet == "Wijkblad"


def test_broken_feed(tmp_path: Path) -> None:
    (tmp_path / "f.xml").write_text("<?xml version='1.0'?><rss><channel><title>Kapot", encoding="utf-8")
    articles, [rejected] = records(tmp_path / "f.xml")
    assert articles == [] and "broken feed" in rejected.reason


PAGE = """<!doctype html><html><head><title>Brug open | Stadskrant</title>
<meta property="og:site_name" content="Stadskrant"><link rel="canonical" href="https://stadskrant.example/brug">
</head><body><nav><a href="/">Home</a></nav><article><h1>Brug eindelijk open</h1>
<time datetime="2024-11-06">6 november 2024</time>
<p>Na twee jaar bouwen is de nieuwe fietsbrug over de IJssel woensdag geopend door de burgemeester.</p>
<p>Honderden fietsers reden direct over de brug, die ruim twaalf miljoen euro kostte.</p>
<p>De gemeente verwacht dat dagelijks zo'n vierduizend fietsers de brug gebruiken.</p></article>
<footer>Stadskrant · contact</footer></body></html>"""


def test_html_page(tmp_path: Path) -> None:
    (tmp_path / "p.html").write_text(PAGE, encoding="utf-8")
    [article], rejected = records(tmp_path / "p.html")
    assert rejected == []
    assert "fietsbrug" in article.text and "contact" not in article.text
    assert article.outlet == "Stadskrant" and article.url == "https://stadskrant.example/brug"
    assert article.published is not None and article.published.iso() == "2024-11-06"


def test_html_without_article_and_too_deep(tmp_path: Path) -> None:
    (tmp_path / "e.html").write_text("<!doctype html><html><body><nav>Home</nav></body></html>", encoding="utf-8")
    (tmp_path / "d.html").write_text("<!doctype html><html><body>" + "<div>" * 2000 + "x" + "</div>" * 2000
                                     + "</body></html>", encoding="utf-8")
    _, [empty] = records(tmp_path / "e.html")
    _, [deep] = records(tmp_path / "d.html")
    assert "no article text" in empty.reason and "nested deeper" in deep.reason


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(b"\x00\x01\x02 data")
    _, [unknown] = records(tmp_path / "x.bin")
    _, [missing] = records(tmp_path / "nope.jsonl")
    assert "unknown format" in unknown.reason and missing.reason == "no such file"


# --- sources: directories, globs, stdin, URLs -----------------------------------------------------------------


def test_directory_and_glob(tmp_path: Path) -> None:
    jsonl(tmp_path / "a.jsonl", [{"outlet": "k", "url": "https://k.example/1", "text": TEXT}])
    jsonl(tmp_path / "b.jsonl", [{"outlet": "k", "url": "https://k.example/2", "text": TEXT}])
    (tmp_path / ".hidden.jsonl").write_text("broken", encoding="utf-8")
    assert len(records(tmp_path)[0]) == 2
    assert len(list(read_records([str(tmp_path / "*.jsonl")]))) == 2


def test_stdin(tmp_path: Path, sqlite_url: str) -> None:
    line = json.dumps({"outlet": "k", "url": "https://k.example/s", "text": TEXT}) + "\n"
    result = subprocess.run([sys.executable, "-m", "kroniek.cli", "--db", sqlite_url, "ingest", "-", "--json"],
                            input=line.encode(), capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["added"] == 1


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/page":
            body = PAGE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/big":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<html>" + b"x" * 200_000)
        elif self.path == "/slow":
            time.sleep(2)
            self.send_response(200)
            self.end_headers()
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_urls(server: str) -> None:
    [page], _ = records(f"{server}/page")
    assert "fietsbrug" in page.text
    _, [missing] = records(f"{server}/missing")
    _, [big] = records(f"{server}/big", fetch_max_bytes=50_000)
    _, [slow] = records(f"{server}/slow", fetch_timeout_s=0.5)
    _, [scheme] = records("ftp://example.org/x")
    assert missing.reason.startswith("unreachable") and "404" in missing.reason
    assert "larger than" in big.reason and slow.reason.startswith("unreachable")
    assert "only http" in scheme.reason


# --- driver: idempotency, updates, strict, crash safety ---------------------------------------------------------


def test_ingest_idempotent_and_updates(store: Store, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "a.jsonl", [{"outlet": "k", "url": f"https://k.example/{i}", "text": f"{TEXT} {i}"}
                                        for i in range(5)])
    first = ingest_paths(store, [str(path)], batch_size=2)
    again = ingest_paths(store, [str(path)], batch_size=2)
    assert (first.added, again.added, again.unchanged) == (5, 0, 5)
    jsonl(path, [{"outlet": "k", "url": "https://k.example/0", "text": f"{TEXT} gecorrigeerd"}])
    update = ingest_paths(store, [str(path)])
    assert update.updated == 1 and store.count_articles() == 5
    article = store.articles(limit=1)[0]
    assert article.text.endswith("gecorrigeerd") and len(store.article_versions(article.id)) == 1


def test_strict_stores_nothing_when_anything_is_bad(store: Store, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "a.jsonl", [{"outlet": "k", "url": "https://k.example/1", "text": TEXT}, "{kapot"])
    report = ingest_paths(store, [str(path)], strict=True)
    assert len(report.rejected) == 1 and report.added == 0 and store.count_articles() == 0
    lenient = ingest_paths(store, [str(path)])
    assert lenient.added == 1


def test_killed_ingest_then_rerun_gives_exactly_the_right_rows(tmp_path: Path) -> None:
    total = 3000
    path = jsonl(tmp_path / "big.jsonl", [{"outlet": "k", "url": f"https://k.example/{i}", "title": f"Bericht {i}",
                                           "text": f"{TEXT} Nummer {i}."} for i in range(total)])
    db = tmp_path / "k.db"
    url = f"sqlite:///{db}"
    Store.open(url).close()
    code = ("import sys; from kroniek.store.repository import Store; from kroniek.ingest import ingest_paths;"
            f"ingest_paths(Store.open({url!r}), [{str(path)!r}], batch_size=20)")
    process = subprocess.Popen([sys.executable, "-c", code], env={**os.environ})
    deadline = time.monotonic() + 60
    count = 0
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(db, timeout=1) as conn:
                count = conn.execute("select count(*) from articles").fetchone()[0]
        except sqlite3.OperationalError:
            count = 0
        if count > 0 or process.poll() is not None:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert count > 0, "the ingest was killed before it stored anything"
    store = Store.open(url)
    partial = store.count_articles()
    assert partial % 20 == 0 and partial < total  # whole batches only
    report = ingest_paths(store, [str(path)], batch_size=500)
    assert store.count_articles() == total and report.added == total - partial
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("select count(distinct id) from articles").fetchone()[0] == total
    store.close()


@pytest.mark.skipif(not (SHARED / "seeds").exists(), reason="../shared/seeds not present")
def test_shared_seeds_are_two_month_precision_articles(store: Store) -> None:
    report = ingest_paths(store, [str(SHARED / "seeds")], options=ReadOptions(outlet="seed"))
    assert report.added == 2 and report.rejected == []
    for article in store.articles():
        assert article.published is not None
        assert (article.published.iso(), article.published.precision) == ("2022-01", DatePrecision.MONTH)
