"""The read model behind the list pages (migration 0005) and the cheaper story page, on SQLite and PostgreSQL:
the story summary the database keeps next to ``stories.data``, its backfill for older stores, the fallback for rows
without one, the story page reading only the articles it shows, and the basemap drawn from prebuilt outlines."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from alembic import command

from kroniek.serve import maps
from kroniek.store import query, schema
from kroniek.store.migrate import alembic_config
from kroniek.store.repository import Store, make_engine
from test_link_query import build


def summaries(store: Store) -> dict[str, Any]:
    with store.engine.connect() as conn:
        return {row.id: (json.loads(row.summary) if row.summary is not None else None, row.data)
                for row in conn.execute(sa.select(schema.stories.c.id, schema.stories.c.summary,
                                                  schema.stories.c.data))}


def lists_of(data: str | None) -> dict[str, Any]:
    parsed = json.loads(data) if data else {}
    return {field: parsed.get(field) for field in query.STORY_SUMMARY_FIELDS}


def test_the_database_keeps_the_story_summary_with_every_write(store: Store) -> None:
    build(store)
    found = summaries(store)
    assert found, "the pipeline made a story"
    for summary, data in found.values():
        assert summary == lists_of(data), "the link stage's writes got a summary without knowing of it"
        assert summary["outlets"] == ["AD", "Trouw"] and summary["places"] == ["Utrecht"]
    [story_id] = found
    loose = {"event_id": None, "kind": "crowd"}
    changed = dict(json.loads(found[story_id][1]), places=["Amersfoort", "Utrecht"], loose_figures=[loose])
    with store.engine.begin() as conn:  # as any writer would: data only, summary left alone
        conn.execute(schema.stories.update().where(schema.stories.c.id == story_id)
                     .values(data=json.dumps(changed), updated_at=dt.datetime.now(dt.UTC)))
    assert summaries(store)[story_id][0]["places"] == ["Amersfoort", "Utrecht"], "an update never leaves it stale"
    [listed] = query.list_stories(store, events_per_story=0)
    assert listed["places"] == ["Amersfoort", "Utrecht"]
    figures = query.get_story(store, story_id)["figures"]
    assert figures[-1] == loose and all(row["event_id"] for row in figures[:-1]), "events' rows, then the loose"
    with store.engine.begin() as conn:
        conn.execute(schema.stories.insert().values(
            id="s-nieuw", title="Nieuw", status="active", article_count=0, outlet_count=0, last_seen="2024-10-04",
            data=json.dumps({"outlets": ["NRC"], "places": [], "countries": ["Nederland"], "event_types": []}),
            updated_at=dt.datetime.now(dt.UTC)))
    assert summaries(store)["s-nieuw"][0] == {"outlets": ["NRC"], "places": [], "countries": ["Nederland"],
                                              "event_types": []}, "and so does an insert"


def test_a_story_without_a_summary_is_read_from_its_data(store: Store) -> None:
    build(store)
    before = query.list_stories(store, events_per_story=0)
    with_events = query.list_stories(store, events_per_story=20)
    story = query.get_story(store, before[0]["id"])
    with store.engine.begin() as conn:
        conn.execute(schema.stories.update().values(summary=None))  # as rows the trigger could not summarise
    assert query.list_stories(store, events_per_story=0) == before
    assert query.list_stories(store, events_per_story=20) == with_events
    assert query.get_story(store, before[0]["id"]) == story
    with store.engine.begin() as conn:  # data that is not JSON gives no summary rather than a failed write
        conn.execute(schema.stories.update().values(data="{niet json", updated_at=dt.datetime.now(dt.UTC)))
    assert all(summary is None for summary, _data in summaries(store).values())


def test_migration_0005_backfills_the_summaries_of_an_older_store(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        command.upgrade(alembic_config(engine), "0004")
        now = dt.datetime.now(dt.UTC)
        old = [{"id": f"s{i}", "title": f"Verhaal {i}", "status": "active", "article_count": 1, "outlet_count": 1,
                "last_seen": f"2024-10-0{i}", "updated_at": now,
                "data": json.dumps({"outlets": [f"krant-{i}"], "places": ["Utrecht"], "countries": ["Nederland"],
                                    "event_types": ["Protests"], "figures": [{"kind": "killed", "claims": []}]})}
                for i in range(1, 4)]
        old.append({"id": "s-leeg", "title": "Zonder data", "status": "active", "article_count": 0,
                    "outlet_count": 0, "last_seen": "2024-10-05", "updated_at": now, "data": None})
        with engine.begin() as conn:
            conn.execute(sa.table("stories", *(sa.column(k) for k in old[0])).insert(), old)
        command.upgrade(alembic_config(engine), "0005")  # (0007 would go on to convert these old stories)
        store = Store(engine)
        found = summaries(store)
        for row in old[:3]:
            assert found[row["id"]][0] == lists_of(row["data"])
        assert found["s-leeg"][0] is None
        listed = {s["id"]: s for s in query.list_stories(store, events_per_story=0)}
        assert listed["s2"]["outlets"] == ["krant-2"] and listed["s-leeg"]["outlets"] == []
        command.downgrade(alembic_config(engine), "0004")  # and back, for a store that must go back
        with engine.connect() as conn:
            assert "summary" not in {c["name"] for c in sa.inspect(conn).get_columns("stories")}
    finally:
        engine.dispose()


def test_the_story_page_reads_only_the_articles_it_shows(store: Store) -> None:
    build(store)
    [listed] = query.list_stories(store, events_per_story=0)
    whole = query.get_story(store, listed["id"], full_events=False)
    page = query.get_story(store, listed["id"], full_events=False, article_rows=1)
    assert whole is not None and page is not None
    assert len(whole["articles"]) == whole["article_total"] == 2
    assert page["articles"] == whole["articles"][:1] and page["article_total"] == 2
    assert {k: v for k, v in page.items() if k != "articles"} == {k: v for k, v in whole.items() if k != "articles"}
    assert sum(c["count"] for c in page["coverage"]) == 2, "coverage counts every article"


def test_surnames_fold_into_the_one_full_name_they_end(store: Store) -> None:
    rows = [("a1", "tokajev", "Tokajev", "PER", 2), ("a1", "kassym-jomart tokajev", "Kassym-Jomart Tokajev", "PER", 1),
            ("a2", "rutte", "Rutte", "PER", 1), ("a2", "mark rutte", "Mark Rutte", "PER", 1),
            ("a2", "ilse rutte", "Ilse Rutte", "PER", 1), ("a2", "utrecht", "Utrecht", "LOC", 3)]
    with store.engine.begin() as conn:
        conn.execute(schema.article_names.insert(), [
            {"article_id": a, "name_key": k, "name": n, "label": lab, "mentions": m} for a, k, n, lab, m in rows])
    names = {n["name"]: n for n in query.story_names(store, ["a1", "a2"])}
    assert "Tokajev" not in names and names["Kassym-Jomart Tokajev"]["mentions"] == 3
    assert {"Rutte", "Mark Rutte", "Ilse Rutte"} <= set(names), "two full names end in Rutte: it stays apart"
    assert names["Utrecht"]["label"] == "LOC"


def test_the_map_draws_prebuilt_outlines_at_a_detail_that_fits() -> None:
    local = maps.render([{"id": "e1", "latitude": 52.09, "longitude": 5.12, "geo_precision": 1}])
    world = maps.render([{"id": "e1", "latitude": 52.09, "longitude": 5.12},
                         {"id": "e2", "latitude": -33.87, "longitude": 151.21}])
    for drawn in (local, world):
        assert not drawn.empty and drawn.paths and drawn.transform.startswith("matrix(")
        assert all(path.startswith("M") and path.endswith("z") for path in drawn.paths)
    assert len(local.markers) == 1 and local.markers[0].href == "/events/e1"
    assert len(world.paths) > len(local.paths), "a wider view shows more countries"
    assert maps.grid_for(800 / 360) > maps.grid_for(800 / 5) == maps.GRIDS[0], "and each with fewer points"
    assert sum(len(p) for _b, p in maps.land(maps.grid_for(800 / 360))) < sum(len(p) for _b, p in maps.land(0.01))
    west, south, east, north = maps._bounds([(5.12, 52.09)])
    grid = maps.grid_for(min(800 / (east - west), 500 / (north - south)))
    a, _b, _c, d, e, f = (float(v) for v in local.transform.removeprefix("matrix(").rstrip(")").split())
    x, y = local.markers[0].x, local.markers[0].y  # the transform puts the outlines where the markers are
    assert abs(a * round(5.12 / grid) + e - x) < 1 and abs(d * round(-52.09 / grid) + f - y) < 1


def test_ring_outlines_drop_repeated_points_and_vanish_when_too_small() -> None:
    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    assert maps._ring_path(square, 0.5) == "M0,0l2,0 0,-2 -2,0z"
    assert maps._ring_path([[0.0, 0.0], [0.01, 0.0], [0.0, 0.01], [0.0, 0.0]], 0.5) == ""
    crossing = [[179.0, 10.0], [-179.0, 10.0], [-179.0, 11.0], [179.0, 11.0]]  # Fiji-like: stays one shape
    assert maps._ring_path(crossing, 1.0) == "M179,-10l2,0 0,-1 -2,0z"
