"""Command line: a thin layer over the Python API (``kroniek.ingest``, ``kroniek.pipeline``, ``kroniek.store``).

Exit codes: 0 all good, 1 some input was rejected or a check failed, 2 usage error.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

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


# Escape sequences first, whole (OSC/DCS/APC/PM/SOS strings up to their terminator, CSI with its parameters, the
# two-byte ESC forms, in their 7- and 8-bit spellings), then every C0/C1 control left over, DEL included.
_ESCAPES = re.compile(r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
                      r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|\x1b[ -/]*[0-~]?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"[\t\n]")


def plain(text: Any, lines: bool = False) -> str:
    """Untrusted text (titles, outlets, ids, article text) made safe for a terminal: escape sequences and control
    characters removed, so no article can move the cursor, retitle the window or plant an OSC-8 link. With
    ``lines`` newlines and tabs stay (article text); otherwise they become spaces (a table cell)."""
    cleaned = _ESCAPES.sub("", "" if text is None else str(text))
    cleaned = cleaned.replace("\r\n", "\n") if lines else _LINE_BREAKS.sub(" ", cleaned)
    return _CONTROLS.sub("", cleaned)


def cell(text: Any) -> Text:
    """A table cell that rich prints literally: ``[/]`` or ``[bold]`` in a title is text, not markup."""
    return Text(plain(text))


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
    from kroniek.ingest.base import LIMIT_KEYS

    options = ReadOptions(outlet=outlet, field_map=field_map, **{
        key: conf.get("ingest", key) for key in LIMIT_KEYS if conf.get("ingest", key) is not None})
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
        table.add_row(cell(a.id), cell(a.outlet), a.published.iso() if a.published else "",
                      a.published.precision.value if a.published else "", cell(a.language or ""),
                      cell(a.title or a.text[:60]))
    out.print(table)


@app.command()
def show(
    article_id: Annotated[str, typer.Argument(help="Article id (a unique prefix is enough)")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show one article with its analysis, events and figures."""
    from kroniek.store.query import resolve_article_id

    with open_store() as store:
        stored = resolve_article_id(store, article_id, prefix=True)  # % and _ are literal; over-long ids: None
        article = store.get_article(stored) if stored is not None else None
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
    out.print(Text(plain(article.title or "(no title)"), style="bold"), highlight=False)
    out.print(plain(f"{article.outlet} · {article.published.iso() if article.published else 'undated'} · "
                    f"{article.language or '?'} · {article.id}"), markup=False)
    out.print(plain(article.text, lines=True), markup=False, highlight=False)
    for event in events:
        out.print(plain(f"event: {event['event_type']} / {event['sub_event_type']} · PLOVER {event['plover_type']}"),
                  markup=False)
    for claim in claims:
        out.print(plain(f"figure: {claim['kind']} {claim['text']!r} per {' > '.join(claim['attribution'])}"),
                  markup=False)


# --- pipeline -----------------------------------------------------------------------------------------------


@app.command()
def run(as_json: Annotated[bool, typer.Option("--json")] = False,
        side_by_side: Annotated[bool | None, typer.Option(
            "--side-by-side/--one-process",
            help="analyse in a second process while this one extracts, links and reconciles (both cores); "
                 "default: [pipeline] side_by_side")] = None,
        retry_failed: Annotated[bool, typer.Option(
            "--retry-failed", help="analyse again the articles set aside as failed (see `kroniek failed`)")] = False,
        ) -> None:
    """Run every pipeline stage over what is new (incremental). One run at a time per store."""
    from kroniek import pipeline
    from kroniek.store.lock import StoreLocked, run_lock

    conf = settings()
    with open_store() as store:
        try:
            with run_lock(store.engine), progress_bar("run") as bar:
                tasks: dict[str, Any] = {}

                def on_progress(stage: str, done: int, total: int) -> None:
                    if bar is None:
                        return
                    if stage not in tasks:
                        tasks[stage] = bar.add_task(stage, total=total)
                    bar.update(tasks[stage], completed=done, total=total)

                if retry_failed:
                    err.print(f"retrying {pipeline.retry_failed(store)} failed article(s)", markup=False)
                if pipeline.use_side_by_side(conf, side_by_side):
                    reports = pipeline.run_side_by_side(store, conf, progress=on_progress)
                else:
                    reports = pipeline.run(store, conf, progress=on_progress)
        except StoreLocked as locked:
            err.print(f"kroniek run: {locked}", markup=False)
            raise typer.Exit(1) from None
    if as_json:
        print_json([r.to_dict() for r in reports])
        return
    for report in reports:
        extra = ", ".join(f"{k} {v}" for k, v in report.counts.items())
        err.print(f"{report.name}: {report.processed} articles in {report.seconds:.1f} s"
                  + (f" ({extra})" if extra else ""), markup=False)
        for note in report.notes[:10]:
            err.print(f"  note: {note}", markup=False)
    failed = sum(r.counts.get("failed", 0) for r in reports if r.name == "analyse")
    if failed:
        err.print(f"{failed} article(s) set aside as failed: `kroniek failed` lists them, "
                  "`kroniek run --retry-failed` tries them again", markup=False)


@app.command()
def failed(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the articles the analysis set aside as failed (retried only by `kroniek run --retry-failed`)."""
    from kroniek import pipeline

    with open_store() as store:
        rows = pipeline.failed_articles(store)
    if as_json:
        print_json([{"article_id": r.article_id, "reason": r.reason, "failed_at": r.failed_at.isoformat(),
                     "text_changed_since": not r.current} for r in rows])
        return
    for r in rows:
        out.print("\t".join(plain(v) for v in (r.article_id, f"{r.failed_at:%Y-%m-%d %H:%M}", r.reason))
                  + ("" if r.current else "\t(text changed since: analysed again by the next run)"),
                  markup=False, highlight=False)
    err.print(f"{len(rows)} failed article(s)", markup=False)


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
        table.add_row(cell(ev.get("date") or ""), cell(f"{ev['event_type']} / {ev['sub_event_type']}"),
                      cell(ev["plover_type"]), cell(ev.get("place") or ""),
                      cell(" vs ".join(a for a in (ev.get("actor1"), ev.get("actor2")) if a)),
                      "" if ev.get("fatalities") is None else str(ev["fatalities"]),
                      cell(", ".join(ev.get("outlets", []))))
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
        table.add_row(cell(story["id"]), cell(story.get("first_seen") or ""), cell(story.get("last_seen") or ""),
                      str(story["article_count"]), cell(", ".join(story.get("outlets", []))),
                      str(len(story.get("events", []))), cell(story.get("title", "")))
    out.print(table)


@app.command()
def search(
    words: Annotated[str, typer.Argument(help='Words, "quoted phrases", -excluded words; Dutch inflections match')],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="stories shown")] = 10,
) -> None:
    """Search the titles and texts of every article; results grouped by story, matching words marked."""
    from kroniek.store.search import SearchError
    from kroniek.store.search import search as run_search

    with open_store() as store:
        try:
            found = run_search(store, words, limit=limit)
        except SearchError as error:
            err.print(f"search: {error}", markup=False, highlight=False)
            raise typer.Exit(2) from error
    if as_json:
        print_json(found)
        return
    if not found["items"]:
        out.print(f"Nothing matched {words!r} in the titles and texts of the stored articles.", markup=False,
                  highlight=False)
        return

    def marked(parts: list[dict[str, Any]]) -> Text:
        line = Text()
        for part in parts:  # Text.append never parses markup: a title with [bold] prints as typed
            line.append(plain(part["text"]), style="bold yellow" if part["match"] else "")
        return line

    out.print(f"{found['total_articles']} matching articles in {found['total_groups']} stories", markup=False)
    for group in found["items"]:
        heading = Text(plain(group["title"] or "(untitled)"), style="bold")
        heading.append(f"  {group['story_id'] or 'not in a story yet'} · {group['matching_articles']} matching",
                       style="dim")
        out.print(heading)
        for hit in group["hits"]:
            line = Text(f"  {hit['article_id']}  {plain(hit['outlet'])}  ", style="dim")
            line.append_text(marked(hit["title_segments"]) if hit["title"] else Text(""))
            out.print(line)
            for sentence in hit["sentences"]:
                out.print(Text("    ").append_text(marked(sentence["segments"])))


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
    fmt: Annotated[str, typer.Option("--format", help="acled|acled-deleted|plover|plover-jsonl|polecat|geojson|json")],
    out_file: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout")] = None,
    include_uncertain: Annotated[bool, typer.Option(
        "--include-uncertain", help="keep rows ACLED would not publish (did not happen, no country, year-only "
                                    "date, only a country as place) and not-happened GeoJSON features")] = False,
    acled_inter: Annotated[str, typer.Option("--acled-inter", help="text (ACLED's labels) or numeric (1..8)")]
    = "text",
    shapefile_safe: Annotated[bool, typer.Option(
        "--shapefile-safe", help="GeoJSON property names of at most 10 characters")] = False,
    outlets: Annotated[Path | None, typer.Option(
        "--outlets", exists=True, dir_okay=False, help="TOML outlet table (names, source scales) laid over the "
                                                       "packaged one")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="acled, acled-deleted: only events changed (deleted) at or after TIMESTAMP, Unix seconds "
                        "or ISO")] = None,
    story_id: Annotated[str | None, typer.Option("--story-id", help="events of this story only")] = None,
    place: Annotated[str | None, typer.Option("--place", help="in any spelling the gazetteer knows")] = None,
    actor: Annotated[str | None, typer.Option("--actor")] = None,
    event_type: Annotated[str | None, typer.Option("--event-type")] = None,
    country: Annotated[str | None, typer.Option("--country", help="ISO2 code or a Dutch or English name")] = None,
    outlet: Annotated[str | None, typer.Option("--outlet")] = None,
    date_from: Annotated[str | None, typer.Option("--date-from", help="YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option("--date-to", help="YYYY-MM-DD")] = None,
    precision: Annotated[str | None, typer.Option("--precision", help="datetime|day|week|month|year")] = None,
    month: Annotated[str | None, typer.Option("--month", help="YYYY-MM")] = None,
    actor_type: Annotated[str | None, typer.Option("--actor-type")] = None,
    sort: Annotated[str | None, typer.Option("--sort", help="as the event list: date, event_type, place, country, "
                                                            "fatalities, updated; '-' before it for descending")]
    = None,
    q: Annotated[str | None, typer.Option("--q", help="json: stories whose title contains this")] = None,
) -> None:
    """Export events: ACLED CSV (and its deletion feed), PLOVER JSON(L), POLECAT-style CSV, GeoJSON, or stories as
    JSON. The filters are /api/export/{fmt}'s (and /api/lists/events'): the event formats take the event list's
    (--story-id, --place, --actor, --event-type, --country, --outlet, --date-from, --date-to, --precision,
    --month, --actor-type, --sort), json the story list's (--q, --date-from, --date-to, --place, --outlet,
    --event-type)."""
    import tomllib

    from kroniek.export import EXPORTERS
    from kroniek.export.common import ExportOptions, OutletTable, check_filters, parse_since
    from kroniek.store.lists import ListError

    if fmt not in EXPORTERS and fmt != "acled-deleted":  # the deletion feed is no export of events
        raise typer.BadParameter(f"unknown format {fmt!r}; choose from {', '.join([*EXPORTERS, 'acled-deleted'])}",
                                 param_hint="--format")
    if acled_inter not in ("text", "numeric"):
        raise typer.BadParameter("choose text or numeric", param_hint="--acled-inter")
    if since is not None and fmt not in ("acled", "acled-deleted"):
        raise typer.BadParameter("only acled and acled-deleted take --since", param_hint="--since")
    try:
        since_seconds = None if since is None else parse_since(since)
    except ValueError as problem:
        raise typer.BadParameter(str(problem), param_hint="--since") from None
    given = {"story_id": story_id, "place": place, "actor": actor, "event_type": event_type, "country": country,
             "outlet": outlet, "date_from": date_from, "date_to": date_to, "precision": precision, "month": month,
             "actor_type": actor_type, "sort": sort, "q": q}
    filters = {name: value for name, value in given.items() if value is not None}
    try:  # the API's check, so a filter a format does not take is refused the same way
        check_filters(fmt, filters)
    except ListError as problem:  # said with the options' names: "--date-from: not a date (YYYY-MM-DD)"
        def option(name: str) -> str:
            return "--" + name.strip().replace("_", "-")

        said = "; ".join(option(name) + ":" + why.replace("parameter", "option") if why else
                         re.sub(r"\b(date_from|date_to)\b", lambda m: option(m.group(1)), name)
                         for name, _, why in (detail.partition(":") for detail in problem.details))
        what, takes, known = problem.message.rpartition("; ")[2].partition(" takes ")
        if takes and known != "no filters":
            said += f" ({what} takes {', '.join(option(name) for name in known.split(','))})"
        raise typer.BadParameter(said, param_hint="filters") from None
    options = ExportOptions(include_uncertain=include_uncertain, acled_inter=acled_inter,
                            shapefile_safe=shapefile_safe, outlets=outlets, since=since_seconds, filters=filters)
    try:
        OutletTable(outlets)  # a bad table is a usage error before anything is written
    except (ValueError, tomllib.TOMLDecodeError) as problem:
        raise typer.BadParameter(str(problem), param_hint="--outlets") from None
    if fmt == "acled-deleted":
        from kroniek.export.acled import write_deleted as writer
    else:
        writer = EXPORTERS[fmt]
    with open_store() as store:
        if out_file is None:
            report = writer(store, sys.stdout, options)
        else:
            tmp = out_file.with_name(out_file.name + ".part")
            with tmp.open("w", encoding="utf-8", newline="") as handle:
                report = writer(store, handle, options)
            tmp.replace(out_file)  # never leave a half-written export under the real name
    if report is not None and report.summary():
        err.print(f"{fmt}: {report.summary()}", markup=False, highlight=False)


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
