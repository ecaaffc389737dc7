"""Living ACLED ids: ``event_id_cnty`` from a per-country sequence in the store, assigned once, never reused,
stable when the country is resolved or changed; the deletion feed; incremental export by ``timestamp``; a sync as
acledR's ``acled_update`` does it; concurrent assignment on PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from conftest import PG_URL, fresh_db_url, reopened_after
from kroniek.cli import app as cli_app
from kroniek.config import load_settings
from kroniek.export import acled
from kroniek.export.common import ExportOptions, parse_since
from kroniek.link.stage import LinkStage
from kroniek.model import Actor, Article, Event, Evidence, PartialDate, Place
from kroniek.serve.app import create_app
from kroniek.store import schema
from kroniek.store.links import LinkRepository
from kroniek.store.query import deleted_ids, get_event, list_events
from kroniek.store.repository import Store

AMSTERDAM = Place("Amsterdam", "Nederland", "NL", 528, "Noord-Holland", 52.37, 4.89, 1)
UTRECHT = Place("Utrecht", "Nederland", "NL", 528, "Utrecht", 52.09, 5.12, 1)
ROTTERDAM = Place("Rotterdam", "Nederland", "NL", 528, "Zuid-Holland", 51.92, 4.48, 1)
POLICE = Actor("Politie (Nederland)", "State forces", "NL", "NLDCOP")


def values(event_id: str, iso2: str | None, day: str = "2024-03-05") -> dict[str, Any]:
    """The columns of one canonical event as the link stage hands them to ``save_event``."""
    data = {"id": event_id, "event_type": "Protests", "sub_event_type": "Peaceful protest", "iso2": iso2,
            "date_start": day, "date_end": day}
    return {"id": event_id, "event_type": "Protests", "sub_event_type": "Peaceful protest", "plover_type": "PROTEST",
            "date_start": day, "date_end": day, "country": iso2, "status": "active", "data": json.dumps(data),
            "updated_at": dt.datetime.now(dt.UTC)}


def save(repo: LinkRepository, store: Store, event_id: str, iso2: str | None) -> None:
    """One canonical event written the way the link stage writes it (the store's writer, not SQL)."""
    with store.engine.begin() as conn:
        repo.save_event(conn, values(event_id, iso2))


def ids_of(store: Store, event_id: str) -> dict[str, str | None]:
    table = schema.event_ids
    with store.engine.connect() as conn:
        return {row.id_cnty: row.alias_of for row in conn.execute(select(table).where(table.c.event_id == event_id))}


def test_ids_are_per_country_sequences_stable_under_country_changes(store: Store) -> None:
    repo = LinkRepository(store)
    save(repo, store, "e-nl-1", "NL")
    save(repo, store, "e-be-1", "BE")
    save(repo, store, "e-nl-2", "NL")
    save(repo, store, "e-unknown", None)
    save(repo, store, "e-nl-1", "NL")  # written again: nothing new
    assert ids_of(store, "e-nl-1") == {"NLD1": None}
    assert ids_of(store, "e-be-1") == {"BEL1": None}
    assert ids_of(store, "e-nl-2") == {"NLD2": None}
    assert ids_of(store, "e-unknown") == {"XXX1": None}
    # the country of the unplaced event is resolved: its country's id is exported, the placeholder is an alias
    save(repo, store, "e-unknown", "NL")
    assert ids_of(store, "e-unknown") == {"NLD3": None, "XXX1": "NLD3"}
    # a later change of country keeps the first id; the new country's id is only an alias
    save(repo, store, "e-nl-1", "BE")
    assert ids_of(store, "e-nl-1") == {"NLD1": None, "BEL2": "NLD1"}
    save(repo, store, "e-nl-1", None)  # a lost country changes nothing either
    save(repo, store, "e-nl-1", "NL")
    assert ids_of(store, "e-nl-1") == {"NLD1": None, "BEL2": "NLD1"}
    # every id, exported or alias, finds its event
    for id_cnty, event_id in (("NLD1", "e-nl-1"), ("BEL2", "e-nl-1"), ("XXX1", "e-unknown"), ("NLD3", "e-unknown")):
        found = get_event(store, id_cnty)
        assert found is not None and found["id"] == event_id, id_cnty
    assert get_event(store, "NLD99") is None
    # numbers are never handed out twice, and a retired event's id is not reused
    with store.engine.begin() as conn:
        repo.retire_event(conn, "e-nl-2", "e-nl-1", "test")
    save(repo, store, "e-nl-4", "NL")
    assert ids_of(store, "e-nl-4") == {"NLD4": None}
    with store.engine.connect() as conn:
        all_ids = list(conn.execute(select(schema.event_ids.c.id_cnty)).scalars())
    assert len(all_ids) == len(set(all_ids)) == 7


def test_deletion_feed_names_merged_ids_and_superseded_placeholders(store: Store) -> None:
    repo = LinkRepository(store)
    save(repo, store, "e-a", "NL")
    save(repo, store, "e-b", "NL")
    save(repo, store, "e-c", None)
    assert deleted_ids(store) == []
    save(repo, store, "e-c", "BE")  # XXX1 leaves the export, BEL1 comes in
    with store.engine.begin() as conn:
        repo.retire_event(conn, "e-b", "e-a", "same event")
    feed = deleted_ids(store)
    assert [(d["event_id_cnty"], d["old_id"], d["new_id"]) for d in feed] == [("XXX1", "e-c", "e-c"),
                                                                              ("NLD2", "e-b", "e-a")]
    assert all(isinstance(d["deleted_timestamp"], int) for d in feed)
    assert feed[0]["deleted_timestamp"] <= feed[1]["deleted_timestamp"]
    # timestamp filter (>=, whole seconds) and paging
    later = feed[1]["deleted_timestamp"] + 1
    assert deleted_ids(store, since=later) == []
    assert [d["event_id_cnty"] for d in deleted_ids(store, since=feed[1]["deleted_timestamp"])][-1] == "NLD2"
    assert [d["event_id_cnty"] for d in deleted_ids(store, limit=1)] == ["XXX1"]
    assert [d["event_id_cnty"] for d in deleted_ids(store, limit=1, offset=1)] == ["NLD2"]
    stream = io.StringIO()
    acled.write_deleted(store, stream, ExportOptions(include_uncertain=True))
    assert stream.getvalue().splitlines()[0] == "event_id_cnty,deleted_timestamp"
    assert [r["event_id_cnty"] for r in csv.DictReader(io.StringIO(stream.getvalue()))] == ["XXX1", "NLD2"]
    # with the export's defaults the rows it leaves out (these have no place) are deleted for a synced copy too
    stream = io.StringIO()
    acled.write_deleted(store, stream)
    assert {r["event_id_cnty"] for r in csv.DictReader(io.StringIO(stream.getvalue()))} == {"XXX1", "NLD2", "NLD1",
                                                                                           "BEL1"}


def test_the_migration_numbers_existing_events_by_date_then_id(store: Store) -> None:
    rows = [("e3", "NL", "2024-03-05"), ("e1", "NL", "2024-03-05"), ("e2", "NL", "2024-01-01"),
            ("e4", None, "2024-02-01"), ("e0", "NL", None), ("e5", "BE", "2023-12-31"), ("e6", "ZZ", "2024-01-01")]
    with store.engine.begin() as conn:
        conn.execute(schema.events.insert(), [
            {"id": i, "event_type": "Protests", "sub_event_type": "", "plover_type": "", "country": c,
             "date_start": d, "date_end": d, "data": "{}", "updated_at": dt.datetime.now(dt.UTC)}
            for i, c, d in rows])
        conn.execute(text("DROP TABLE event_ids"))
        conn.execute(text("DROP TABLE id_sequences"))
    upgraded = reopened_after(store, "0009")
    try:
        with upgraded.engine.connect() as conn:
            found = {r.event_id: r.id_cnty for r in conn.execute(select(schema.event_ids))}
        assert found == {"e2": "NLD1", "e1": "NLD2", "e3": "NLD3", "e0": "NLD4", "e4": "XXX2", "e5": "BEL1",
                         "e6": "XXX1"}  # ZZ is no country
        save(LinkRepository(upgraded), upgraded, "e7", "NL")  # the sequence goes on after the backfill
        assert ids_of(upgraded, "e7") == {"NLD5": None}
        with upgraded.engine.begin() as conn:  # an event written without an id, then the migration once more
            conn.execute(schema.events.insert().values(id="e8", event_type="Protests", sub_event_type="",
                                                       plover_type="", country="NL", data="{}",
                                                       updated_at=dt.datetime.now(dt.UTC)))
        again = reopened_after(upgraded, "0009")
        try:
            assert ids_of(again, "e8") == {"NLD6": None} and ids_of(again, "e2") == {"NLD1": None}
        finally:
            again.close()
    finally:
        upgraded.close()


def test_parse_since_takes_unix_seconds_and_iso() -> None:
    assert parse_since("1700000000") == 1_700_000_000
    assert parse_since("2024-03-05") == int(dt.datetime(2024, 3, 5, tzinfo=dt.UTC).timestamp())
    assert parse_since("2024-03-05T01:00:00+01:00") == int(dt.datetime(2024, 3, 5, tzinfo=dt.UTC).timestamp())
    assert parse_since("2024-03-05T00:00:00Z") == parse_since("2024-03-05")
    for bad in ("yesterday", "-5", "99999999999999999999", "253402300800"):
        with pytest.raises(ValueError):
            parse_since(bad)


# --- a sync as acledR's acled_update does it, through the link stage ----------------------------------------------


def article(text_: str, outlet: str, day: str, slug: str) -> Article:
    return Article(outlet=outlet, text=text_, title=f"Bericht {slug}", url=f"https://{outlet}.example/{slug}",
                   published=PartialDate.parse(day))


def mention(article_id: str, sentence: int, day: str, place: Place | None) -> Event:
    return Event(article_id=article_id, sentence=sentence, trigger="opgepakt",
                 disorder_type="Strategic developments", event_type="Strategic developments", sub_event_type="Arrests",
                 plover_type="COERCE", actor1=POLICE, place=place, date=PartialDate.parse(day),
                 evidence=[Evidence(article_id, sentence * 10, sentence * 10 + 5, "trigger")])


TEXT_DAM = ("De politie heeft op de Dam in Amsterdam twaalf boeren opgepakt die met trekkers de toegang tot het Paleis "
            "blokkeerden. Een dag later werden daar opnieuw boeren aangehouden door de politie.")
TEXT_HAVEN = ("In de haven zijn vijf havenarbeiders aangehouden na een blokkade van de containerterminal. De politie "
              "zegt dat de blokkade uren duurde.")
TEXT_DOM = ("Bij de Domtoren in Utrecht heeft de politie zaterdag acht klimaatactivisten opgepakt die de weg "
            "blokkeerden met een spandoek over de snelweg.")


def extract(store: Store, done: Article, events: list[Event]) -> None:
    """New extractions of an article, stored as the extract stage stores them."""
    with store.engine.begin() as conn:
        store.replace_extractions(conn, done.id, events, [])
        store.mark_done(conn, "extract", [done])


def backdate(store: Store, hours: int, newer_than: dt.datetime) -> None:
    """Move the events written since ``newer_than`` back in time, as if that run had been hours ago."""
    e = schema.events
    with store.engine.begin() as conn:
        for row in conn.execute(select(e.c.id, e.c.updated_at)).all():
            stamp = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=dt.UTC)
            if stamp >= newer_than:
                conn.execute(update(e).where(e.c.id == row.id)
                             .values(updated_at=stamp - dt.timedelta(hours=hours)))


def export_rows(store: Store, options: ExportOptions) -> list[dict[str, str]]:
    stream = io.StringIO()
    acled.write(store, stream, options)
    return list(csv.DictReader(io.StringIO(stream.getvalue())))


def deletions(store: Store, since: int) -> set[str]:
    stream = io.StringIO()
    acled.write_deleted(store, stream, ExportOptions(since=since))
    return {r["event_id_cnty"] for r in csv.DictReader(io.StringIO(stream.getvalue()))}


def acled_update(rows: list[dict[str, str]], store: Store, options: ExportOptions) -> tuple[list[dict[str, str]], int]:
    """acledR's acled_update: download rows with timestamp >= the newest one held and the deletions since then;
    replace held rows by event_id_cnty, then drop the deleted ones. Returns the rows and how many were fetched."""
    newest = max(int(r["timestamp"]) for r in rows)
    fetched = export_rows(store, ExportOptions(include_uncertain=options.include_uncertain, since=newest))
    fresh_ids = {r["event_id_cnty"] for r in fetched}
    kept = [r for r in rows if r["event_id_cnty"] not in fresh_ids] + fetched
    gone = deletions(store, newest)
    return [r for r in kept if r["event_id_cnty"] not in gone], len(fetched)


def by_id(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    found = {r["event_id_cnty"]: r for r in rows}
    assert len(found) == len(rows), "event_id_cnty is unique"
    return found


@pytest.mark.parametrize("include_uncertain", [False, True])
def test_an_acled_update_sync_ends_identical_to_a_fresh_export(store: Store, include_uncertain: bool) -> None:
    options = ExportOptions(include_uncertain=include_uncertain)
    settings = load_settings()
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    dom = article(TEXT_DOM, "NOS", "2024-03-02", "dom")
    store.ingest_batch([dom])
    extract(store, dom, [mention(dom.id, 0, "2024-03-02", UTRECHT)])
    LinkStage().run(store, settings)
    backdate(store, 3, start)  # a run three hours ago: this event does not change later
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    dam = article(TEXT_DAM, "Het Parool", "2024-03-05", "dam")
    haven = article(TEXT_HAVEN, "Trouw", "2024-03-07", "haven")
    store.ingest_batch([dam, haven])
    extract(store, dam, [mention(dam.id, 0, "2024-03-05", AMSTERDAM), mention(dam.id, 1, "2024-03-06", AMSTERDAM)])
    extract(store, haven, [mention(haven.id, 0, "2024-03-07", None)])  # no place: no country yet
    LinkStage().run(store, settings)
    backdate(store, 1, start)  # the previous run, an hour ago

    first = export_rows(store, options)
    held = by_id(first)
    assert sum(1 for r in first if not r["country"]) == (1 if include_uncertain else 0)
    assert len(first) == (4 if include_uncertain else 3)
    assert sorted(i[:3] for i in held) == (["NLD"] * 3 + (["XXX"] if include_uncertain else []))

    # a corrected extraction puts the two Dam arrests on one day (a merge), and the harbour is placed (resolution)
    extract(store, dam, [mention(dam.id, 0, "2024-03-05", AMSTERDAM), mention(dam.id, 1, "2024-03-05", AMSTERDAM)])
    extract(store, haven, [mention(haven.id, 0, "2024-03-07", ROTTERDAM)])
    LinkStage().run(store, settings)

    synced, fetched = acled_update(first, store, options)
    fresh = export_rows(store, options)
    assert by_id(synced) == by_id(fresh)
    assert len(fresh) == 3 and fetched < len(fresh), "the unchanged Utrecht event is not downloaded again"
    # ids that stayed are the same ids: the Utrecht event kept its id, the survivor of the merge kept one of its two
    fresh_ids = set(by_id(fresh))
    assert len(fresh_ids & set(held)) == 2
    assert {r["location"] for r in fresh} == {"Utrecht", "Amsterdam", "Rotterdam"}
    resolved = next(r for r in fresh if r["location"] == "Rotterdam")
    assert resolved["event_id_cnty"].startswith("NLD") and resolved["event_id_cnty"] not in held
    # and every id ever exported still finds an event: merged ones their survivor, the placeholder its event
    for id_cnty in held:
        found = get_event(store, id_cnty)
        assert found is not None and found["id"] in {e["id"] for e in list_events(store)}


def test_a_row_the_export_now_leaves_out_leaves_the_synced_copy(store: Store) -> None:
    settings = load_settings()
    dom = article(TEXT_DOM, "NOS", "2024-03-02", "dom")
    store.ingest_batch([dom])
    extract(store, dom, [mention(dom.id, 0, "2024-03-02", UTRECHT)])
    LinkStage().run(store, settings)
    first = export_rows(store, ExportOptions())
    assert [r["location"] for r in first] == ["Utrecht"]
    # a corrected reading knows the arrest only to the year: ACLED would not publish the row any more
    extract(store, dom, [mention(dom.id, 0, "2024", UTRECHT)])
    LinkStage().run(store, settings)
    synced, _ = acled_update(first, store, ExportOptions())
    assert synced == export_rows(store, ExportOptions()) == []


# --- the API and the CLI -------------------------------------------------------------------------------------------


def test_api_deleted_feed_and_export_timestamp(tmp_path: Path) -> None:
    settings = load_settings(db_url=f"sqlite:///{tmp_path / 'api.db'}")
    store = Store.open(settings.db_url)
    try:
        repo = LinkRepository(store)
        save(repo, store, "e-a", "NL")
        save(repo, store, "e-b", "NL")
        with store.engine.begin() as conn:
            repo.retire_event(conn, "e-b", "e-a", "same event")
        with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
            feed = client.get("/api/events/deleted").json()
            # e-b merged away; e-a is stored but the export leaves it out (no place): it is listed too, so that an
            # id is always either in the export or in the feed, as the CLI's feed has it
            assert sorted((d["event_id_cnty"], d["old_id"], d["reason"].split(":")[0]) for d in feed) == [
                ("NLD1", "e-a", "left out"), ("NLD2", "e-b", "merged")]
            cli_feed = io.StringIO()
            acled.write_deleted(store, cli_feed, ExportOptions())
            assert [row["event_id_cnty"] for row in csv.DictReader(io.StringIO(cli_feed.getvalue()))] == [
                d["event_id_cnty"] for d in feed], "the API and the CLI give the same feed"
            merged = next(d for d in feed if d["old_id"] == "e-b")
            stamp = max(d["deleted_timestamp"] for d in feed)
            assert client.get("/api/events/deleted", params={"timestamp": stamp + 1}).json() == []
            iso = dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat()
            assert len(client.get("/api/events/deleted", params={"timestamp": iso}).json()) >= 1
            assert merged in client.get("/api/events/deleted", params={"timestamp": merged["deleted_timestamp"]}).json()
            assert client.get("/api/events/deleted", params={"limit": 1, "offset": 2}).json() == []
            assert len(client.get("/api/events/deleted", params={"limit": 1, "offset": 1}).json()) == 1
            for bad in ("gisteren", "9" * 30):
                assert client.get("/api/events/deleted", params={"timestamp": bad}).status_code == 422
            assert client.get("/api/export/acled", params={"timestamp": "9" * 30}).status_code == 422
            # the ACLED id comes with each event and finds it; a merged-away one finds the survivor
            assert [e["event_id_cnty"] for e in client.get("/api/events").json()["items"]] == ["NLD1"]
            assert client.get("/api/events/NLD1").json()["id"] == "e-a"
            assert client.get("/api/events/NLD2").json()["id"] == "e-a"
            assert client.get("/api/events/NLD3").status_code == 404
            everything = client.get("/api/export/acled").text.splitlines()
            assert len(everything) == 1  # header only: the stored events are no ACLED rows (no place), left out
            assert client.get("/api/export/acled", params={"timestamp": stamp + 3600}).status_code == 200
            assert client.get("/api/export/geojson", params={"timestamp": stamp}).status_code == 422
    finally:
        store.close()


def test_cli_export_since_and_deleted(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    store = Store.open(db)
    try:
        repo = LinkRepository(store)
        save(repo, store, "e-a", "NL")
        save(repo, store, "e-b", "NL")
        with store.engine.begin() as conn:
            repo.retire_event(conn, "e-b", "e-a", "same event")
    finally:
        store.close()
    runner = CliRunner()
    result = runner.invoke(cli_app, ["--db", db, "export", "--format", "acled-deleted"])
    assert result.exit_code == 0, result.stderr
    assert "NLD2" in {line.split(",")[0] for line in result.stdout.splitlines()[1:]}
    result = runner.invoke(cli_app, ["--db", db, "export", "--format", "acled-deleted", "--since", "2999-01-01"])
    assert result.exit_code == 0 and result.stdout.splitlines() == ["event_id_cnty,deleted_timestamp"]
    result = runner.invoke(cli_app, ["--db", db, "export", "--format", "acled", "--since", "morgen"])
    assert result.exit_code == 2
    result = runner.invoke(cli_app, ["--db", db, "export", "--format", "geojson", "--since", "0"])
    assert result.exit_code == 2


# --- concurrency on PostgreSQL ---------------------------------------------------------------------------------------


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (KRONIEK_TEST_PG)")
def test_concurrent_runs_on_postgresql_never_hand_out_an_id_twice(tmp_path: Path) -> None:
    url = next(fresh := fresh_db_url("postgresql", tmp_path))
    stores = [Store.open(url), Store.open(url)]
    per_thread = 40
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        store = stores[index]
        repo = LinkRepository(store)
        try:
            barrier.wait(30)  # the first ids of a country (no sequence row yet) are asked for at once
            countries = ["NL", "BE"] if index == 0 else ["BE", "NL"]  # opposite orders: no deadlock either
            for n in range(per_thread):
                with store.engine.begin() as conn:  # one batch, two countries
                    for iso2 in countries:
                        repo.save_event(conn, values(f"e-{index}-{n}-{iso2}", iso2))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not failures, failures
        with stores[0].engine.connect() as conn:
            rows: list[Any] = list(conn.execute(select(schema.event_ids)))
            next_numbers = dict(conn.execute(select(schema.id_sequences.c.country,
                                                    schema.id_sequences.c.next_number)).all())
        assert len({r.event_id for r in rows}) == len(rows) == 4 * per_thread
        for prefix in ("NLD", "BEL"):
            assert sorted(r.id_cnty for r in rows if r.country == prefix) == sorted(
                f"{prefix}{n}" for n in range(1, 2 * per_thread + 1))
            assert next_numbers[prefix] == 2 * per_thread + 1
    finally:
        for store in stores:
            store.close()
        next(fresh, None)
