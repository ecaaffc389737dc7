"""Every CLI command, through the real entry point, against a fresh store."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import SAMPLE
from kroniek.cli import app
from kroniek.store.repository import Store

ARTICLES = [
    {"id": "t1", "outlet": "stadskrant", "url": "https://stadskrant.example/1", "published_at": "2024-11-05",
     "title": "Honderden boeren blokkeren snelweg bij Zwolle",
     "text": "Honderden boeren hebben dinsdag met trekkers de A28 bij Zwolle geblokkeerd. Ze protesteren tegen "
             "nieuwe mestregels. Volgens de politie zijn zeker dertig actievoerders aangehouden."},
    {"id": "t2", "outlet": "regioradio", "url": "https://regioradio.example/2", "published_at": "2024-11-05",
     "title": "Politie houdt tientallen boeren aan bij blokkade A28",
     "text": "Bij de blokkade van de A28 bij Zwolle heeft de politie dinsdag 34 boeren aangehouden, meldt de "
             "politie. De boeren protesteren tegen de mestregels van het kabinet."},
    {"id": "t3", "outlet": "stadskrant", "url": "https://stadskrant.example/3", "published_at": "2024-11",
     "title": "Zwembad blijft langer open",
     "text": "Het zwembad in het centrum blijft deze winter langer open. De gemeente trekt er extra geld voor uit."},
]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "k.toml"
    config.write_text('[analyse]\ndeep = "none"\n', encoding="utf-8")  # the fast path; Frog has its own tests
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(a) for a in ARTICLES) + "\n", encoding="utf-8")
    return {"db": f"sqlite:///{tmp_path / 'k.db'}", "config": str(config), "input": str(tmp_path / "a.jsonl")}


def cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--db", env["db"], "--config", env["config"], *args])
    return result.exit_code, result.stdout, result.stderr


def test_ingest_articles_show(env: dict[str, str]) -> None:
    code, out, _ = cli(env, "ingest", env["input"], "--json")
    assert code == 0 and json.loads(out)["added"] == 3
    code, out, _ = cli(env, "articles", "--json")
    listed = json.loads(out)
    assert code == 0 and {a["id"] for a in listed} == {"t1", "t2", "t3"}
    assert {a["id"]: a["date_precision"] for a in listed}["t3"] == "month"
    assert set(listed[0]) >= {"id", "outlet", "title", "published_at", "date_precision", "language"}
    code, out, _ = cli(env, "show", "t1", "--json")
    assert code == 0 and json.loads(out)["title"].startswith("Honderden")
    code, _, err = cli(env, "show", "nope")
    assert code == 1 and "no article" in err


def test_ingest_exit_codes(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(ARTICLES[0]) + "\n{kapot\n", encoding="utf-8")
    code, _, err = cli(env, "ingest", str(bad))
    assert code == 1 and f"{bad}:2: broken JSON" in err
    code, _, _ = cli(env, "ingest", str(bad), "--format", "yaml")
    assert code == 2
    code, _, _ = cli(env, "ingest", str(bad), "--map", "nonsense")
    assert code == 2
    code, out, _ = cli(env, "articles", "--json")
    assert len(json.loads(out)) == 1  # the good record of the bad file was stored


def test_run_stories_events_export(env: dict[str, str], tmp_path: Path) -> None:
    cli(env, "ingest", env["input"])
    code, out, _ = cli(env, "run", "--json")
    stages = {r["stage"]: r for r in json.loads(out)}
    assert code == 0 and list(stages) == ["analyse", "extract", "link", "reconcile"]
    assert stages["analyse"]["processed"] == 3
    code, out, _ = cli(env, "run", "--json")
    assert all(r["processed"] == 0 for r in json.loads(out))  # incremental: nothing new
    code, out, _ = cli(env, "stories", "--json")
    stories = json.loads(out)
    blockade = next(s for s in stories if s["article_count"] == 2)
    assert sorted(blockade["outlets"]) == ["regioradio", "stadskrant"]
    code, out, _ = cli(env, "events", "--json")
    events = json.loads(out)
    assert any(e["event_type"] == "Protests" and e["place"] == "Zwolle" for e in events)
    assert any(e["sub_event_type"] == "Arrests" for e in events)
    target = tmp_path / "acled.csv"
    code, _, _ = cli(env, "export", "--format", "acled", "--out", str(target))
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert code == 0 and rows and rows[0]["country"] == "Netherlands"
    for fmt in ("plover", "geojson", "json"):
        code, out, _ = cli(env, "export", "--format", fmt)
        assert code == 0 and json.loads(out) is not None
    code, _, _ = cli(env, "export", "--format", "xml")
    assert code == 2


def test_eval_stories_command(env: dict[str, str], tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    labels = {"t1": "a", "t2": "a", "t3": "b"}
    gold.write_text("\n".join(json.dumps(dict(a, story=labels[a["id"]])) for a in ARTICLES), encoding="utf-8")
    predictions = tmp_path / "pred.jsonl"
    code, out, _ = cli(env, "eval", "stories", str(gold), "--predictions", str(predictions), "--json")
    result = json.loads(out)
    assert code == 0 and "pairwise" in json.dumps(result)
    assert len(predictions.read_text().splitlines()) == 3
    code, _, _ = cli(env, "eval", "stories", str(tmp_path / "missing.jsonl"))
    assert code == 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_starts_and_answers(env: dict[str, str]) -> None:
    cli(env, "ingest", env["input"])
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "kroniek.cli", "--db", env["db"], "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/articles", timeout=2) as response:
                    body = json.loads(response.read())
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert body["total"] == 3
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.frog
@pytest.mark.skipif(shutil.which("frog") is None, reason="Frog is installed by make setup")
def test_demo_sample_end_to_end(tmp_path: Path) -> None:
    """The bundled sample through the real pipeline (Frog included): stories across outlets and figures."""
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    runner = CliRunner()
    inputs = [str(SAMPLE / "articles.jsonl"), str(SAMPLE / "feed.xml"), str(SAMPLE / "html"), str(SAMPLE / "seed")]
    assert runner.invoke(app, ["--db", db, "ingest", *inputs]).exit_code == 0
    assert runner.invoke(app, ["--db", db, "run"]).exit_code == 0
    stories = json.loads(runner.invoke(app, ["--db", db, "stories", "--json"]).stdout)
    assert any(len(s["outlets"]) >= 2 for s in stories)
    events = json.loads(runner.invoke(app, ["--db", db, "events", "--json"]).stdout)
    assert {"PROTEST", "MOBILIZE", "REQUEST", "COERCE"} <= {e["plover_type"] for e in events}
    assert any(e["place"] == "Tbilisi" and e["country"] == "Georgia" for e in events)


def test_run_side_by_side_gives_the_same_stories_and_events(env: dict[str, str], tmp_path: Path) -> None:
    cli(env, "ingest", env["input"])
    code, out, _ = cli(env, "run", "--side-by-side", "--json")
    stages = {r["stage"]: r for r in json.loads(out)}
    assert code == 0 and list(stages) == ["analyse", "extract", "link", "reconcile"]
    assert all(r["processed"] == 3 for r in stages.values())
    side = {key: json.loads(cli(env, key, "--json")[1]) for key in ("stories", "events")}
    other = dict(env, db=f"sqlite:///{tmp_path / 'one-process.db'}")
    cli(other, "ingest", env["input"])
    assert cli(other, "run", "--one-process")[0] == 0
    one = {key: json.loads(cli(other, key, "--json")[1]) for key in ("stories", "events")}

    def shape(found: dict[str, Any]) -> list[Any]:
        return [sorted((s["title"], s["article_count"]) for s in found["stories"]),
                sorted((e["event_type"], e["place"] or "", e["date"] or "", e["fatalities"] or 0)
                       for e in found["events"])]

    assert shape(side) == shape(one)


# --- untrusted text on the terminal ----------------------------------------------------------------------------

HOSTILE = [  # (id, title): markup that used to crash rich, and escape sequences that used to reach the terminal raw
    ("h1", "Brand [/] in loods [bold]Zwolle[/bold]"),
    ("h2", "Rellen [link=https://kwaad.example]klik[/link] bij [red]stadion"),
    ("h3", "Kleur\x1b[31mrood\x1b[0m en \x1b[2Jwissen\x9b1mC1"),
    ("h4", "Titel\x1b]0;gekaapt venster\x07 en \x1b]8;;https://kwaad.example/\x1b\\link\x1b]8;;\x1b\\ einde"),
    ("h5", "Bel\x07 nul\x08 del\x7f cr\rregel\x1bPdcs-tekst\x1b\\ apc\x1b_x\x9c klaar"),
]
CONTROL_BYTES = [chr(c) for c in [*range(0x00, 0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0)]]


def _hostile_store(env: dict[str, str]) -> None:
    from kroniek.model import Article

    store = Store.open(env["db"])
    try:
        store.ingest_batch([Article(id=key, outlet="stad\x1b[1mkrant", url=f"https://stadskrant.example/{key}",
                                    title=title, text=f"{title}\nDe politie heeft dinsdag\tdrie mensen aangehouden.")
                            for key, title in HOSTILE])
    finally:
        store.close()


def _shown(env: dict[str, str], *args: str) -> str:
    """The real entry point on a wide pipe, so no table cell is wrapped and rich adds no styles of its own."""
    done = subprocess.run([sys.executable, "-m", "kroniek.cli", "--db", env["db"], "--config", env["config"], *args],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "400"})
    assert done.returncode == 0, (args, done.stderr[-2000:])
    return done.stdout


def test_tables_and_show_print_markup_literally_and_strip_control_characters(env: dict[str, str]) -> None:
    _hostile_store(env)
    assert cli(env, "run", "--one-process")[0] == 0
    listing = _shown(env, "articles")
    for literal in ("[/]", "[bold]Zwolle[/bold]", "[link=https://kwaad.example]klik[/link]", "[red]stadion",
                    "Kleurrood en wissenC1", "Titel en link einde", "stadkrant"):
        assert literal in listing, literal
    assert "gekaapt" not in listing and "kwaad.example/" not in listing, "OSC payloads are dropped whole"
    stories = _shown(env, "stories")
    assert "[/]" in stories and "[bold]Zwolle[/bold]" in stories
    shown = {key: _shown(env, "show", key) for key, _ in HOSTILE}
    assert "Brand [/] in loods [bold]Zwolle[/bold]" in shown["h1"]
    assert "Bel nul del crregel apc klaar" in shown["h5"] and "dcs-tekst" not in shown["h5"]
    assert "klaar\nDe politie heeft dinsdag" in shown["h5"], "article text keeps its lines"
    for output in (listing, stories, *shown.values()):
        assert not [c for c in CONTROL_BYTES if c in output], [hex(ord(c)) for c in CONTROL_BYTES if c in output]


def test_show_takes_a_literal_bounded_prefix(env: dict[str, str]) -> None:
    from kroniek.model import Article

    store = Store.open(env["db"])
    try:
        store.ingest_batch([Article(id=key, outlet="stadskrant", url=f"https://stadskrant.example/{n}",
                                    title=f"Artikel {key}", text=f"Tekst van artikel {n}.")
                            for n, key in enumerate(["pre%fix-1", "prefix-2", "pre_fix-3"])])
    finally:
        store.close()

    def shown(prefix: str) -> str | None:
        code, out, _ = cli(env, "show", prefix, "--json")
        return str(json.loads(out)["id"]) if code == 0 else None

    assert shown("prefix-2") == "prefix-2"
    assert shown("pre%") == "pre%fix-1", "% is a character, not a wildcard"
    assert shown("pre_") == "pre_fix-3", "_ is a character, not a wildcard"
    assert shown("pref") == "prefix-2"
    assert shown("pre") is None, "ambiguous"
    assert shown("%") is None and shown("_") is None and shown("%fix%") is None
    code, _, err = cli(env, "show", "p" * 60_000)
    assert code == 1 and "no article" in err
