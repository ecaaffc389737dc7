"""How the lists and the map read the store (``kroniek.store.lists``), on SQLite and PostgreSQL: the page read in two
steps gives the rows the whole sorted query gives, the totals and facets kept per filter follow the store, and the
map's narrow points carry exactly what the full event summaries carry for a marker. The store is the one
``test_lists`` builds (articles through ingest, events as the link stage writes them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from kroniek.link.stage import _event_facets, _event_values
from kroniek.model import Article, PartialDate
from kroniek.serve import maps
from kroniek.store import lists, query, schema
from kroniek.store.links import LinkRepository, dumps, event_keys
from kroniek.store.repository import Store
from test_lists import EVENTS, build, event_data


@pytest.fixture
def filled(db_url: str) -> Iterator[tuple[Store, list[dict[str, Any]]]]:
    store = Store.open(db_url)
    events = build(store)
    yield store, events
    store.close()


def ask(store: Store, kind: str, *, page: bool = True, **params: Any) -> dict[str, Any]:
    request = lists.parse(kind, [(k, str(v)) for k, v in params.items()], 50, 500, default_facets=page)
    return lists.answer(store, request)


def sorted_whole(store: Store, kind: str, sort: str) -> list[Any]:
    """Every row of a list in ``sort`` order, read in one query over the wide rows (what the page used to run)."""
    request = lists.parse(kind, [("sort", sort), ("limit", "500")], 500, 500, default_facets=False)
    e, a = schema.events, schema.articles
    if kind == "events":
        columns = {"date": e.c.date_start, "fatalities": e.c.fatalities, "place": e.c.place,
                   "updated": e.c.updated_at, "event_type": e.c.event_type, "country": e.c.country}
        order = [*lists._order(columns[request.column], request.descending), e.c.date_start.asc().nulls_last(),
                 e.c.id]
        wide = lists._event_filtered(store.engine.dialect.name, select(e.c.id, e.c.data).select_from(e), {})
    else:
        columns = {"arrival": a.c.seq, "published": a.c.published_start, "outlet": a.c.outlet, "title": a.c.title}
        order = [*lists._order(columns[request.column], request.descending), a.c.seq]
        wide = select(a.c.id, a.c.text)
    with store.engine.connect() as conn:
        return [row.id for row in conn.execute(wide.order_by(*order))]


@pytest.mark.parametrize("sort", ["date", "-date", "fatalities", "-fatalities", "place", "-updated", "event_type"])
def test_an_event_page_read_by_its_keys_is_the_sorted_list_cut(filled: Any, sort: str) -> None:
    store, _events = filled
    whole = sorted_whole(store, "events", sort)
    for limit, offset in ((3, 0), (3, 3), (4, 6), (50, 0)):
        got = ask(store, "events", page=False, sort=sort, limit=limit, offset=offset)
        assert [e["id"] for e in got["items"]] == whole[offset:offset + limit], (sort, limit, offset)
        assert got["total"] == len(whole)


@pytest.mark.parametrize("sort", ["arrival", "-arrival", "title", "-published", "outlet"])
def test_an_article_page_read_by_its_keys_is_the_sorted_list_cut(filled: Any, sort: str) -> None:
    store, _events = filled
    whole = sorted_whole(store, "articles", sort)
    for limit, offset in ((2, 0), (2, 2), (2, 4)):
        got = ask(store, "articles", sort=sort, limit=limit, offset=offset)
        assert [a["id"] for a in got["items"]] == whole[offset:offset + limit], (sort, limit, offset)
        assert got["total"] == len(whole)
        assert all("text" not in a and a["display_title"] for a in got["items"])


def test_the_article_total_comes_with_the_facets_and_matches_a_count(filled: Any) -> None:
    store, _events = filled
    cases: list[tuple[dict[str, Any], int]] = [({}, 5), ({"outlet": "NOS"}, 2), ({"month": "2022-01"}, 2),
                                               ({"precision": "day"}, 3), ({"outlet": "nobody"}, 0)]
    for filters, expected in cases:
        with_facets = ask(store, "articles", limit=500, **filters)
        without = ask(store, "articles", page=False, limit=500, **filters)
        assert with_facets["total"] == without["total"] == len(without["items"]) == expected, filters
        outlets = {entry["value"]: entry["count"] for entry in with_facets["facets"]["outlet"]["values"]}
        assert sum(outlets.values()) == expected  # one outlet per article


def test_counts_kept_per_filter_are_shared_by_sorts_and_pages_and_follow_the_store(filled: Any) -> None:
    store, _events = filled
    first = ask(store, "events", country="KZ")
    other_sort = ask(store, "events", country="KZ", sort="-fatalities", limit=2, offset=1)
    assert other_sort["total"] == first["total"] and other_sort["facets"] == first["facets"]
    # a change to the store: a new article moves the marker, so the article counts are counted again
    before = ask(store, "articles")
    store.ingest_batch([Article(outlet="NOS", text="Een nieuw bericht over de brug in Zwolle.", title="Brug dicht",
                                id="a-new", url="https://example.org/a-new", published=PartialDate.parse("2022-01-09"),
                                language="nl", ingested_at=dt.datetime(2022, 4, 2, tzinfo=dt.UTC))])
    after = ask(store, "articles", sort="-arrival", limit=1)
    assert after["total"] == before["total"] + 1
    assert after["items"][0]["id"] == "a-new"
    nos = {e["value"]: e["count"] for e in after["facets"]["outlet"]["values"]}["NOS"]
    assert nos == {e["value"]: e["count"] for e in before["facets"]["outlet"]["values"]}["NOS"] + 1


MAP_FILTERS: list[dict[str, Any]] = [{}, {"place": "Almaty"}, {"event_type": "Protests"}, {"actor": "CSTO"},
                                     {"date_from": "2022-01-04", "date_to": "2022-01-06"}, {"story_id": "s1"},
                                     {"place": "Nowhere"}]


@pytest.mark.parametrize("filters", MAP_FILTERS)
@pytest.mark.parametrize("limit", [3, 5000])
def test_map_points_carry_what_the_event_summaries_carry(filled: Any, filters: dict[str, Any], limit: int) -> None:
    store, _events = filled
    points, total = lists.map_events(store, limit, **filters)
    events = query.list_events(store, limit=limit, full=False, **filters)
    assert [p["id"] for p in points] == [e["id"] for e in events]
    assert total == query.count_events(store, **filters)
    assert maps.feature_collection(points, total) == maps.feature_collection(events, total)
    assert maps.render(points) == maps.render(events)
    if points:
        with pytest.raises(TypeError):  # kept between requests: nobody may change a point
            points[0]["place"] = "elsewhere"  # type: ignore[index]


def test_kept_map_points_follow_the_store(filled: Any) -> None:
    store, _events = filled
    _points, total = lists.map_events(store, 5000)
    assert total == len(EVENTS)
    data = event_data(EVENTS[0]) | {"id": "e10", "date_start": "2022-01-02", "date_end": "2022-01-02",
                                    "date": "2022-01-02", "date_precision": "day", "place": "Zwolle"}
    with store.engine.begin() as conn:  # a new event, written as the link stage writes one
        values = _event_values(data)
        values["data"] = dumps(data)
        LinkRepository(store).save_event(conn, values)
        LinkRepository(store).set_keys(conn, event_keys, "e10", _event_facets(data))
    again, total_again = lists.map_events(store, 5000)
    assert total_again == total + 1
    assert [p["id"] for p in again] == [e["id"] for e in query.list_events(store, limit=5000, full=False)]
    assert next(p for p in again if p["id"] == "e10")["place"] == "Zwolle"
