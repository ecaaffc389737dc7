"""Every input limit is configurable and enforced: an over-size record is rejected with PATH:LINE and a reason
while the rest is stored; the CLI takes the limits from the configuration file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kroniek.ingest.base import ReadOptions, Rejected
from kroniek.ingest.readers import read_feed, read_html
from kroniek.model import Article


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


def test_feed_item_cap() -> None:
    items = "".join(f"<item><title>Bericht {n}</title><link>https://krant.example/{n}</link>"
                    f"<description>De gemeente meldt nieuws nummer {n} over de haven.</description></item>"
                    for n in range(12))
    feed = f"<rss version='2.0'><channel><title>Krant</title>{items}</channel></rss>".encode()
    records = list(read_feed("feed.xml", feed, ReadOptions(max_feed_items=5)))
    articles = [r for r in records if isinstance(r, Article)]
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert [a.title for a in articles] == [f"Bericht {n}" for n in range(5)]
    assert len(rejected) == 1 and "12 items; only the first 5 read" in rejected[0].reason


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
