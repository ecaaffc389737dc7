"""Command line: a thin layer over the Python API (``kroniek.ingest``, ``kroniek.pipeline``, ``kroniek.store``).

Exit codes: 0 all good, 1 some input was rejected or a check failed, 2 usage error.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kroniek.config import Settings, load_settings
from kroniek.store.repository import Store

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="kroniek: dated news articles into stories, events and source-attributed figures.")
eval_app = typer.Typer(no_args_is_help=True, help="Score a stage against a gold file.")
app.add_typer(eval_app, name="eval")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class State:
    db: str | None = None
    config: Path | None = None
    verbose: bool = False


state = State()


@app.callback()
def main_options(
    db: Annotated[str | None, typer.Option("--db", envvar="KRONIEK_DB",
                                           help="SQLAlchemy URL (default: SQLite in the user data dir)")] = None,
    config: Annotated[Path | None, typer.Option("--config", exists=True, dir_okay=False,
                                                help="TOML file overriding defaults.toml")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what each stage does")] = False,
) -> None:
    state.db = db
    state.config = config
    state.verbose = verbose
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def settings() -> Settings:
    return load_settings(state.config, state.db)


@contextmanager
def open_store() -> Iterator[Store]:
    store = Store.open(settings().db_url)
    try:
        yield store
    finally:
        store.close()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@contextmanager
def progress_bar(description: str) -> Iterator[Progress | None]:
    """A rich progress bar on a terminal; nothing when output is piped."""
    if not err.is_terminal:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        yield bar


# --- ingest -------------------------------------------------------------------------------------------------


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, globs, URLs, or - for stdin")],
    fmt: Annotated[str, typer.Option("--format", help="auto|seed|jsonl|csv|rss|html")] = "auto",
    outlet: Annotated[str | None, typer.Option("--outlet", help="Outlet name when the input has none")] = None,
    mapping: Annotated[list[str] | None, typer.Option("--map", help="field=column, e.g. text=body")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Reject the whole batch if any record is bad")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Read articles into the store. Bad records are reported as PATH:LINE: reason; the rest are stored."""
    from kroniek.ingest import ReadOptions, ingest_paths

    if fmt not in {"auto", "seed", "jsonl", "csv", "rss", "html"}:
        raise typer.BadParameter(f"unknown format {fmt!r}", param_hint="--format")
    field_map: dict[str, str] = {}
    for item in mapping or []:
        key, sep, column = item.partition("=")
        if not sep or not key or not column:
            raise typer.BadParameter(f"expected field=column, got {item!r}", param_hint="--map")
        field_map[key.strip()] = column.strip()
    conf = settings()
    options = ReadOptions(outlet=outlet, field_map=field_map, **{
        key: conf.get("ingest", key) for key in ("max_article_bytes", "max_html_bytes", "max_html_depth",
                                                  "max_feed_items", "fetch_timeout_s", "fetch_max_bytes")})
    with open_store() as store, progress_bar("ingest") as bar:
        task = bar.add_task("ingest", total=None) if bar else None

        def on_progress(count: int) -> None:
            if bar is not None and task is not None:
                bar.update(task, completed=count)

        report = ingest_paths(store, paths, fmt=fmt, options=options, strict=strict,
                              batch_size=int(conf.get("ingest", "batch_size", 200)),
                              on_rejected=lambda rejected: err.print(str(rejected), markup=False, highlight=False),
                              progress=on_progress)
    if as_json:
        print_json(report.to_dict())
    else:
        err.print(f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
                  f"rejected {len(report.rejected)}" + (" (strict: nothing stored)" if strict and report.rejected
                                                        else ""))
    raise typer.Exit(1 if report.rejected else 0)


# --- browse -------------------------------------------------------------------------------------------------


@app.command()
def articles(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    outlet: Annotated[str | None, typer.Option("--outlet")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1)] = None,
) -> None:
    """List stored articles."""
    with open_store() as store:
        rows = store.articles(limit=limit, outlet=outlet)
    if as_json:
        print_json([{k: v for k, v in a.to_dict().items() if k != "text"} for a in rows])
        return
    table = Table("id", "outlet", "published", "prec.", "lang", "title")
    for a in rows:
        table.add_row(a.id, a.outlet, a.published.iso() if a.published else "",
                      a.published.precision.value if a.published else "", a.language or "",
                      (a.title or a.text[:60]).replace("\n", " "))
    out.print(table)


@app.command()
def show(
    article_id: Annotated[str, typer.Argument(help="Article id (a unique prefix is enough)")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show one article with its analysis, events and figures."""
    with open_store() as store:
        article = store.get_article(article_id)
        if article is None:
            err.print(f"no article with id {article_id!r}", markup=False)
            raise typer.Exit(1)
        versions = store.article_versions(article.id)
        events = [e.to_dict() for e in store.mentions([article.id])]
        claims = [c.to_dict() for c in store.claims([article.id])]
        document = store.document_for(article)
    data = article.to_dict() | {"previous_versions": len(versions), "events": events, "figures": claims,
                                "entities": [vars(e) for e in document.entities] if document else []}
    if as_json:
        print_json(data)
        return
    out.print(f"[bold]{article.title or '(no title)'}[/bold]", highlight=False)
    out.print(f"{article.outlet} · {article.published.iso() if article.published else 'undated'} · "
              f"{article.language or '?'} · {article.id}", markup=False)
    out.print(article.text, markup=False, highlight=False)
    for event in events:
        out.print(f"event: {event['event_type']} / {event['sub_event_type']} · PLOVER {event['plover_type']}",
                  markup=False)
    for claim in claims:
        out.print(f"figure: {claim['kind']} {claim['text']!r} per {' > '.join(claim['attribution'])}",
                  markup=False)


# --- pipeline -----------------------------------------------------------------------------------------------


@app.command()
def run(as_json: Annotated[bool, typer.Option("--json")] = False,
        side_by_side: Annotated[bool | None, typer.Option(
            "--side-by-side/--one-process",
            help="analyse in a second process while this one extracts, links and reconciles (both cores); "
                 "default: [pipeline] side_by_side")] = None) -> None:
    """Run every pipeline stage over what is new (incremental)."""
    from kroniek import pipeline

    conf = settings()
    with open_store() as store, progress_bar("run") as bar:
        tasks: dict[str, Any] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if bar is None:
                return
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        if pipeline.use_side_by_side(conf, side_by_side):
            reports = pipeline.run_side_by_side(store, conf, progress=on_progress)
        else:
            reports = pipeline.run(store, conf, progress=on_progress)
    if as_json:
        print_json([r.to_dict() for r in reports])
        return
    for report in reports:
        extra = ", ".join(f"{k} {v}" for k, v in report.counts.items())
        err.print(f"{report.name}: {report.processed} articles in {report.seconds:.1f} s"
                  + (f" ({extra})" if extra else ""), markup=False)
        for note in report.notes[:10]:
            err.print(f"  note: {note}", markup=False)


@app.command()
def events(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1)] = None,
) -> None:
    """List events (linked across articles once the link stage has run)."""
    from kroniek.store.query import list_events

    with open_store() as store:
        rows = list_events(store, limit=limit)
    if as_json:
        print_json(rows)
        return
    table = Table("date", "type", "PLOVER", "place", "actors", "fatalities", "sources")
    for ev in rows:
        table.add_row(ev.get("date") or "", f"{ev['event_type']} / {ev['sub_event_type']}", ev["plover_type"],
                      ev.get("place") or "", " vs ".join(a for a in (ev.get("actor1"), ev.get("actor2")) if a),
                      "" if ev.get("fatalities") is None else str(ev["fatalities"]),
                      ", ".join(ev.get("outlets", [])))
    out.print(table)


@app.command()
def stories(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1)] = None,
) -> None:
    """List stories: articles grouped across outlets, with their events and reconciled figures."""
    from kroniek.store.query import list_stories

    with open_store() as store:
        rows = list_stories(store, limit=limit)
    if as_json:
        print_json(rows)
        return
    table = Table("story", "first seen", "last seen", "articles", "outlets", "events", "title")
    for story in rows:
        table.add_row(story["id"], story.get("first_seen") or "", story.get("last_seen") or "",
                      str(story["article_count"]), ", ".join(story.get("outlets", [])),
                      str(len(story.get("events", []))), story.get("title", ""))
    out.print(table)


@app.command()
def spark(
    paths: Annotated[list[str], typer.Argument(help="Inputs to ingest first (any format ingest reads)")],
    partitions: Annotated[int, typer.Option("--partitions", min=1, help="Spark partitions")] = 2,
    master: Annotated[str, typer.Option("--master", help="Spark master URL")] = "local[2]",
    fmt: Annotated[str, typer.Option("--format")] = "auto",
    outlet: Annotated[str | None, typer.Option("--outlet")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ingest, then analyse and extract in Spark partitions, then link and reconcile: same results as `run`."""
    from kroniek.ingest import ReadOptions, ingest_paths
    from kroniek.scale.spark import run_spark

    conf = settings()
    with open_store() as store:
        ingested = ingest_paths(store, paths, fmt=fmt, options=ReadOptions(outlet=outlet),
                                on_rejected=lambda r: err.print(str(r), markup=False, highlight=False))
        reports = run_spark(store, conf, partitions=partitions, master=master)
    if as_json:
        print_json({"ingest": ingested.to_dict(), "stages": [r.to_dict() for r in reports]})
    else:
        err.print(f"ingested: added {ingested.added}, rejected {len(ingested.rejected)}", markup=False)
        for report in reports:
            err.print(f"{report.name}: {report.processed} articles", markup=False)
    raise typer.Exit(1 if ingested.rejected else 0)


# --- export and serve ---------------------------------------------------------------------------------------


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="acled|plover|geojson|json")],
    out_file: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout")] = None,
) -> None:
    """Export events: ACLED CSV, PLOVER JSON, GeoJSON, or stories as JSON."""
    from kroniek.export import EXPORTERS

    if fmt not in EXPORTERS:
        raise typer.BadParameter(f"unknown format {fmt!r}; choose from {', '.join(EXPORTERS)}",
                                 param_hint="--format")
    with open_store() as store:
        if out_file is None:
            EXPORTERS[fmt](store, sys.stdout)
        else:
            tmp = out_file.with_name(out_file.name + ".part")
            with tmp.open("w", encoding="utf-8", newline="") as handle:
                EXPORTERS[fmt](store, handle)
            tmp.replace(out_file)  # never leave a half-written export under the real name


@app.command()
def serve(
    host: Annotated[str | None, typer.Option("--host")] = None,
    port: Annotated[int | None, typer.Option("--port", min=1, max=65535)] = None,
    write_token: Annotated[str | None, typer.Option("--write-token", envvar="KRONIEK_WRITE_TOKEN",
                                                    help="accept articles at POST /api/articles with this "
                                                         "bearer token (read-only without it)")] = None,
) -> None:
    """Serve the web pages and JSON API (read-only unless a write token is given)."""
    import uvicorn

    from kroniek.serve.app import create_app

    conf = settings()
    if write_token is not None and len(write_token) < 16:
        err.print("--write-token must be at least 16 characters", markup=False)
        raise typer.Exit(2)
    application = create_app(conf, write_token=write_token)
    host = host or str(conf.get("serve", "host", "127.0.0.1"))
    port = port or int(conf.get("serve", "port", 8765))
    err.print(f"kroniek serving {conf.db_url} on http://{host}:{port}/", markup=False)
    uvicorn.run(application, host=host, port=port, log_level="warning")


# --- evaluation ---------------------------------------------------------------------------------------------


def _eval(kind: str, file: Path, predictions: Path | None, as_json: bool, split: str, errors: int,
          **extra: Any) -> None:
    from kroniek.evaluate import EVALUATORS
    from kroniek.evaluate.split import SPLITS, CheckSplitError

    if not file.exists():
        err.print(f"{file}: no such file", markup=False)
        raise typer.Exit(2)
    if split not in SPLITS:
        err.print(f"--split must be one of {', '.join(SPLITS)}", markup=False)
        raise typer.Exit(2)
    try:
        result = EVALUATORS[kind](file, predictions, settings(), split=split, errors=errors, **extra)
    except (CheckSplitError, FileNotFoundError, ValueError) as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(2) from exc
    if as_json:
        print_json(result)
    else:
        out.print(result.get("summary", json.dumps(result, indent=2)), markup=False, highlight=False)


SplitOption = Annotated[str, typer.Option("--split", help="all|tune|check: one side of the dev split by document "
                                                            "(check prints scores only)")]
ErrorsOption = Annotated[int, typer.Option("--errors", min=0, help="list up to N errors of each kind (tune only)")]
PredictionsOption = Annotated[Path | None, typer.Option("--predictions", help="write predictions here (not on check)")]


@eval_app.command("ner")
def eval_ner(file: Path, predictions: PredictionsOption = None,
             as_json: Annotated[bool, typer.Option("--json")] = False, split: SplitOption = "all",
             errors: ErrorsOption = 0) -> None:
    """Span-level NER F1 on a CoNLL-2002 file."""
    _eval("ner", file, predictions, as_json, split, errors)


@eval_app.command("events")
def eval_events(file: Path, predictions: PredictionsOption = None,
                as_json: Annotated[bool, typer.Option("--json")] = False, split: SplitOption = "all",
                errors: ErrorsOption = 0,
                figures: Annotated[Path | None, typer.Option("--figures", help="figures gold (default: "
                                                             "data/gold/eventdna-dev.figures.jsonl)")] = None) -> None:
    """Sentence-level event typing, places and figures on an EventDNA file."""
    _eval("events", file, predictions, as_json, split, errors, figures=figures)


@eval_app.command("stories")
def eval_stories(file: Path, predictions: PredictionsOption = None,
                 as_json: Annotated[bool, typer.Option("--json")] = False, split: SplitOption = "all",
                 errors: ErrorsOption = 0) -> None:
    """B³ and pairwise F1 of story clustering on JSONL articles with a gold ``story`` field."""
    _eval("stories", file, predictions, as_json, split, errors)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
