"""Event linking: ACLED's same day / place / actors / type rule, demonstrations by issue, precision-aware dates and
places, living ids with merge records."""

from __future__ import annotations

import datetime as dt
import json
import random

from kroniek.config import load_settings
from kroniek.link.events import (
    MentionInfo,
    append_mentions,
    best_date,
    cluster_mentions,
    link_mentions,
    places_compatible,
    type_key,
)
from kroniek.link.stage import LinkStage
from kroniek.model import Actor, Article, Claim, Event, Evidence, PartialDate, Place
from kroniek.store import schema
from kroniek.store.query import deleted_events, get_event, list_events
from kroniek.store.repository import Store

AMSTERDAM = Place("Amsterdam", "Nederland", "NL", 528, "Noord-Holland", 52.37, 4.89, 1)
ROTTERDAM = Place("Rotterdam", "Nederland", "NL", 528, "Zuid-Holland", 51.92, 4.48, 1)
NETHERLANDS = Place("Nederland", "Nederland", "NL", 528, None, 52.1, 5.3, 3)
POLICE = Actor("Politie (Nederland)", "State forces", "NL", "NLDCOP")
FARMERS = Actor("Boeren (Nederland)", "Protesters", "NL", "NLDAGR")


def mention(article: str, sentence: int, day: str | None, place: Place | None = AMSTERDAM,
            event_type: str = "Strategic developments", sub: str = "Arrests", actor1: Actor | None = POLICE,
            actor2: Actor | None = None, issue: str | None = None, contexts: list[str] | None = None) -> Event:
    plover = "PROTEST" if event_type == "Protests" else "COERCE"
    disorder = "Demonstrations" if event_type == "Protests" else "Strategic developments"
    return Event(article_id=article, sentence=sentence, trigger="opgepakt", disorder_type=disorder,
                 event_type=event_type, sub_event_type=sub, plover_type=plover, actor1=actor1, actor2=actor2,
                 place=place, date=PartialDate.parse(day) if day else None, issue=issue,
                 contexts=contexts or [], evidence=[Evidence(article, sentence * 10, sentence * 10 + 5, "trigger")])


def info(event: Event, seq: int = 1, outlet: str = "krant") -> MentionInfo:
    return MentionInfo(event=event, seq=seq, outlet=outlet)


def groups(*events: Event) -> list[set[str]]:
    return sorted(({m.event.article_id + f":{m.event.sentence}" for m in c} for c in
                   cluster_mentions([info(e, i) for i, e in enumerate(events)])), key=sorted)


def test_same_day_place_actors_and_type_merge() -> None:
    a = mention("a", 1, "2024-03-05")
    b = mention("b", 2, "2024-03-05")
    assert groups(a, b) == [{"a:1", "b:2"}]


def test_a_different_day_never_merges() -> None:
    assert len(groups(mention("a", 1, "2024-03-05"), mention("b", 1, "2024-03-06"))) == 2


def test_month_precision_matches_a_day_in_that_month() -> None:
    assert groups(mention("a", 1, "2024-03-05"), mention("b", 1, "2024-03")) == [{"a:1", "b:1"}]
    assert len(groups(mention("a", 1, "2024-03-05"), mention("b", 1, "2024-04"))) == 2


def test_two_days_are_not_bridged_by_a_month_report() -> None:
    found = groups(mention("a", 1, "2024-03-05"), mention("b", 1, "2024-03-06"), mention("c", 1, "2024-03"))
    assert len(found) == 2 and sum(len(g) for g in found) == 3


def test_different_place_type_or_actor_stays_apart() -> None:
    assert len(groups(mention("a", 1, "2024-03-05"), mention("b", 1, "2024-03-05", place=ROTTERDAM))) == 2
    assert len(groups(mention("a", 1, "2024-03-05"),
                      mention("b", 1, "2024-03-05", event_type="Riots", sub="Violent demonstration"))) == 2
    other = Actor("Marechaussee", "State forces", "NL", "NLDMIL")
    assert len(groups(mention("a", 1, "2024-03-05"), mention("b", 1, "2024-03-05", actor1=other))) == 2


def test_country_level_place_matches_a_town_in_it() -> None:
    assert places_compatible(NETHERLANDS, AMSTERDAM)
    assert not places_compatible(AMSTERDAM, ROTTERDAM)
    assert groups(mention("a", 1, "2024-03-05"), mention("b", 1, "2024-03-05", place=NETHERLANDS)) == [
        {"a:1", "b:1"}]


def test_demonstrations_merge_by_issue_not_by_actor_wording() -> None:
    p1 = mention("a", 1, "2024-03-05", event_type="Protests", sub="Peaceful protest", actor1=FARMERS,
                 issue="stikstofbeleid")
    p2 = mention("b", 1, "2024-03-05", event_type="Protests", sub="Protest with intervention",
                 actor1=Actor("Demonstranten", "Protesters", None), issue="Stikstofbeleid")
    p3 = mention("c", 1, "2024-03-05", event_type="Protests", sub="Peaceful protest", actor1=FARMERS,
                 issue="pensioenen")
    assert groups(p1, p2, p3) == [{"a:1", "b:1"}, {"c:1"}]


def test_negated_reports_do_not_merge_with_events_that_happened() -> None:
    assert len(groups(mention("a", 1, "2024-03-05"), mention("b", 1, "2024-03-05", contexts=["negated"]))) == 2


def test_living_ids_survive_and_merged_ids_are_retired() -> None:
    a, b = mention("a", 1, "2024-03-05"), mention("b", 1, "2024-03-05")
    stamp = dt.datetime(2024, 3, 6, tzinfo=dt.UTC)
    first = link_mentions("s1", [info(a, 1)], {}, now=stamp)
    [event] = first.events
    second = link_mentions("s2", [info(b, 2)], {}, now=stamp)
    existing = {event["id"]: event, second.events[0]["id"]: second.events[0]}
    later = dt.datetime(2024, 3, 7, tzinfo=dt.UTC)
    merged = link_mentions("s1", [info(a, 1), info(b, 2)], existing, now=later)
    [survivor] = merged.events
    assert survivor["id"] == event["id"]  # the oldest id lives on
    assert survivor["merged_ids"] == [second.events[0]["id"]]
    assert merged.retired == [(second.events[0]["id"], event["id"], "same day, place, actors and type (ACLED rule)")]
    assert survivor["updated_at"] == later.isoformat() and survivor["created_at"] == stamp.isoformat()
    again = link_mentions("s1", [info(a, 1), info(b, 2)], {survivor["id"]: survivor}, now=later + dt.timedelta(1))
    assert again.events[0]["updated_at"] == later.isoformat()  # nothing changed: no bump


def test_canonical_event_takes_the_most_precise_date_and_place() -> None:
    month = mention("a", 1, "2024-03", place=NETHERLANDS)
    day = mention("b", 1, "2024-03-05", place=AMSTERDAM)
    result = link_mentions("s", [info(month, 1, "A"), info(day, 2, "B")], {})
    [event] = result.events
    assert (event["date"], event["date_precision"], event["time_precision"]) == ("2024-03-05", "day", 1)
    assert (event["place"], event["geo_precision"], event["admin1"]) == ("Amsterdam", 1, "Noord-Holland")
    assert event["outlets"] == ["A", "B"] and len(event["mentions"]) == 2


def article(text: str, outlet: str, day: str) -> Article:
    return Article(outlet=outlet, text=text, title="Arrestaties bij boerenprotest op de Dam",
                   url=f"https://{outlet}.example/dam", published=PartialDate.parse(day))


TEXT_A = ("De politie heeft dinsdag op de Dam in Amsterdam twaalf boeren opgepakt die met trekkers de toegang tot "
          "het Paleis blokkeerden. Het protest tegen het stikstofbeleid trok volgens de gemeente honderden boeren.")
TEXT_B = ("Op de Dam in Amsterdam zijn dinsdag zeker tien boeren aangehouden door de politie. De boeren "
          "protesteerden met trekkers tegen het stikstofbeleid van het kabinet en blokkeerden het Paleis.")


def test_stage_links_mentions_across_outlets_and_sets_claim_events(store: Store) -> None:
    a, b = article(TEXT_A, "Het Parool", "2024-03-05"), article(TEXT_B, "NOS", "2024-03-05")
    store.ingest_batch([a, b])
    ma, mb = mention(a.id, 0, "2024-03-05"), mention(b.id, 0, "2024-03-05")
    ca = Claim("arrested", a.id, 69, 76, "twaalf", value=12, low=12, high=12, group="boeren",
               group_type="protesters", attribution=["Het Parool", "politie"], event_id=ma.id)
    cb = Claim("arrested", b.id, 41, 51, "zeker tien", value=10, low=10, qualifier="at_least", group="boeren",
               group_type="protesters", attribution=["NOS"], event_id=mb.id)
    with store.engine.begin() as conn:
        store.replace_extractions(conn, a.id, [ma], [ca])
        store.mark_done(conn, "extract", [a])  # as the extract stage would
        store.replace_extractions(conn, b.id, [mb], [cb])
        store.mark_done(conn, "extract", [b])  # as the extract stage would
    LinkStage().run(store, load_settings())
    [event] = list_events(store)
    assert event["outlets"] == ["Het Parool", "NOS"]
    assert {m["article_id"] for m in event["mentions"]} == {a.id, b.id}
    with store.engine.connect() as conn:
        assert {r.event_id for r in conn.execute(schema.mentions.select())} == {event["id"]}
        assert {r.event_id for r in conn.execute(schema.claims.select())} == {event["id"]}


def test_merged_event_ids_redirect_and_are_reported_as_deleted(store: Store) -> None:
    a = article(TEXT_A, "Het Parool", "2024-03-05")
    store.ingest_batch([a])
    ma = mention(a.id, 0, "2024-03-05")
    mb_first = mention(a.id, 1, "2024-03-06")  # first read as the next day ...
    with store.engine.begin() as conn:
        store.replace_extractions(conn, a.id, [ma, mb_first], [])
        store.mark_done(conn, "extract", [a])  # as the extract stage would
    LinkStage().run(store, load_settings())
    ids = sorted(e["id"] for e in list_events(store))
    assert len(ids) == 2
    # ... a corrected extraction puts both on the same day: the two canonical events become one.
    with store.engine.begin() as conn:
        store.replace_extractions(conn, a.id, [ma, mention(a.id, 1, "2024-03-05")], [])
        store.mark_done(conn, "extract", [a])  # as the extract stage would
    LinkStage().run(store, load_settings())  # relinks mentions that lost their event id
    [survivor] = list_events(store)
    [gone] = [i for i in ids if i != survivor["id"]]
    assert survivor["merged_ids"] == [gone]
    assert [(d["old_id"], d["new_id"]) for d in deleted_events(store)] == [(gone, survivor["id"])]
    redirected = get_event(store, gone)
    assert redirected is not None and redirected["id"] == survivor["id"] and redirected["redirected_from"] == gone


def reference_clusters(mentions: list[MentionInfo]) -> list[list[MentionInfo]]:
    """ACLED's rule checked naively against every member of every cluster (the plain reading of the rule that
    the indexed clustering must reproduce exactly)."""
    from kroniek.link.events import (
        DEMONSTRATION_TYPES,
        _name,
        _order,
        actors_compatible,
        issues_compatible,
        type_key,
    )
    from kroniek.model import DatePrecision

    clusters: list[list[MentionInfo]] = []
    spans: list[tuple[dt.date | None, dt.date | None]] = []
    for mention in sorted(mentions, key=_order):
        ev = mention.event
        best: tuple[int, int, int] | None = None
        chosen = -1
        for index, members in enumerate(clusters):
            first = members[0].event
            if type_key(ev) != type_key(first) or ev.happened != first.happened:
                continue
            agreed = 0
            start, end = spans[index]
            if ev.date is not None and start is not None and end is not None:
                if not (ev.date.value <= end and start <= ev.date.last_day):
                    continue
                agreed += 2 if ev.date.precision.rank >= DatePrecision.DAY.rank else 1
            demo = ev.event_type in DEMONSTRATION_TYPES
            if not all(places_compatible(ev.place, o.event.place) and (
                    issues_compatible(ev.issue, o.event.issue) if demo else
                    actors_compatible(ev.actor1, o.event.actor1) and actors_compatible(ev.actor2, o.event.actor2))
                       for o in members):
                continue
            places = [o.event.place for o in members if o.event.place is not None]
            if ev.place is not None and places:
                agreed += 2 if any(_name(p.name) == _name(ev.place.name) for p in places) else 1
            if demo:
                agreed += int(bool(ev.issue) and any(o.event.issue for o in members))
            else:
                for attr in ("actor1", "actor2"):
                    agreed += int(getattr(ev, attr) is not None and
                                  any(getattr(o.event, attr) is not None for o in members))
            key = (agreed, len(members), -index)
            if best is None or key > best:
                best, chosen = key, index
        if chosen < 0:
            clusters.append([])
            spans.append((None, None))
            chosen = len(clusters) - 1
        clusters[chosen].append(mention)
        if ev.date is not None:
            start, end = spans[chosen]
            spans[chosen] = ((ev.date.value, ev.date.last_day) if start is None or end is None
                             else (max(start, ev.date.value), min(end, ev.date.last_day)))
    return [sorted(c, key=lambda m: (m.seq, m.event.sentence, m.id)) for c in clusters]


def test_indexed_clustering_equals_the_naive_rule_on_random_reports() -> None:
    import random

    rng = random.Random(4)
    places = [AMSTERDAM, ROTTERDAM, NETHERLANDS, None]
    actors = [POLICE, FARMERS, Actor("Politie", "State forces", "NL"), None]
    days = ["2024-03-04", "2024-03-05", "2024-03", "2024", None]
    kinds = [("Strategic developments", "Arrests"), ("Protests", "Peaceful protest"), ("Riots", "Mob violence"),
             ("Strategic developments", "Change to group/activity")]
    for trial in range(150):
        reports = []
        for number in range(rng.randrange(2, 40)):
            event_type, sub = rng.choice(kinds)
            reports.append(info(mention(f"a{trial}-{number % 7}", number, rng.choice(days), rng.choice(places),
                                        event_type, sub, rng.choice(actors), rng.choice(actors),
                                        rng.choice([None, "pensioen", "stikstof"]),
                                        rng.choice([None, None, None, ["negated"]])), seq=number % 7))
        expected = [[m.id for m in c] for c in reference_clusters(reports)]
        assert [[m.id for m in c] for c in cluster_mentions(reports)] == expected, trial


def _random_reports(rng: random.Random, articles: int, per_article: int, prefix: str = "a") -> list[MentionInfo]:
    places = [AMSTERDAM, ROTTERDAM, NETHERLANDS, None]
    actors = [POLICE, FARMERS, Actor("Politie", "State forces", "NL"), None]
    days = ["2024-03-04", "2024-03-05", "2024-03", "2024", None]
    kinds = [("Strategic developments", "Arrests"), ("Protests", "Peaceful protest"), ("Riots", "Mob violence"),
             ("Strategic developments", "Change to group/activity")]
    reports = []
    for seq in range(articles):
        for sentence in range(rng.randrange(0, per_article + 1)):
            event_type, sub = rng.choice(kinds)
            reports.append(info(mention(f"{prefix}{seq}", sentence, rng.choice(days), rng.choice(places),
                                        event_type, sub, rng.choice(actors), rng.choice(actors),
                                        rng.choice([None, "pensioen", "stikstof"]),
                                        rng.choice([None, None, None, ["negated"]])), seq=seq))
    return reports


def _could_join(cluster: list[MentionInfo], report: MentionInfo) -> bool:
    """The link stage's candidate query: same type key, and the stored (best) date overlaps the report's."""
    first = cluster[0].event
    if type_key(first) != type_key(report.event):
        return False
    stored = best_date([m.event.date for m in cluster if m.event.date is not None])
    date = report.event.date
    return stored is None or date is None or (stored.value <= date.last_day and date.value <= stored.last_day)


def test_appending_new_reports_equals_clustering_everything_again() -> None:
    rng = random.Random(9)
    for trial in range(60):
        reports = _random_reports(rng, rng.randrange(2, 14), 4)
        cut = rng.randrange(1, 14)
        before = [m for m in reports if m.seq < cut]
        new = [m for m in reports if m.seq >= cut]
        existing = {f"e{i}": members for i, members in enumerate(cluster_mentions(before))}
        # Only the events a new report could join are handed over, as the link stage reads them.
        candidates = {eid: members for eid, members in existing.items()
                      if any(_could_join(members, m) for m in new)}
        appended = append_mentions(candidates, new)
        result = [[m.id for m in members] for eid, members in existing.items() if eid not in appended.grown]
        result += [[m.id for m in members] for members in appended.grown.values()]
        result += [[m.id for m in members] for members in appended.created]
        expected = [[m.id for m in c] for c in cluster_mentions(reports)]
        assert sorted(result) == sorted(expected), trial


def test_stage_appends_to_a_story_exactly_as_a_full_relink(store: Store) -> None:
    """Articles linked one batch at a time grow their story's events by appending; re-clustering every story
    from scratch afterwards changes nothing: not an event, not an assignment, not the story summary."""
    from kroniek.link.stage import link_story_events
    from kroniek.stages import StageReport
    from kroniek.store.links import LinkRepository, event_tally

    rng = random.Random(5)
    written = []
    late: list[Article] = []  # every fourth article's extraction comes two batches late: an older arrival
    for number in range(12):
        text = TEXT_A if number % 2 else TEXT_B
        a = Article(outlet=f"Krant {number % 4}", text=text + f" Verslag {number}.", title="Boeren opgepakt",
                    url=f"https://krant{number % 4}.example/{number}", published=PartialDate.parse(
                        f"2024-03-0{5 + number % 3}"))
        store.ingest_batch([a])
        reports = _random_reports(rng, 1, 4, prefix="x")
        events = [Event.from_dict(dict(r.event.to_dict(), article_id=a.id, id="")) for r in reports]
        with store.engine.begin() as conn:
            store.replace_extractions(conn, a.id, events, [])
            if number % 4 == 1:
                late.append(a)
            else:
                store.mark_done(conn, "extract", [a])
            if number % 4 == 3:
                store.mark_done(conn, "extract", late)
                late.clear()
        report = LinkStage(after="extract").run(store, load_settings())
        written.append(report.counts["events_written"])
    repo = LinkRepository(store)
    with store.engine.connect() as conn:
        stories = {row.id: row for row in conn.execute(schema.stories.select())}
        assert len([s for s in stories.values() if s.status == "active"]) <= 3
        mentions_before = {row.id: row.event_id for row in conn.execute(schema.mentions.select())}
        events_before = {row.id: row.data for row in conn.execute(schema.events.select())}
    assert sum(written) > 0 and None not in mentions_before.values()
    check = StageReport("link", counts={"events_written": 0, "event_merges": 0})
    with store.engine.begin() as conn:
        for story_id in stories:
            link_story_events(repo, conn, story_id, check)
    assert check.counts == {"events_written": 0, "event_merges": 0}
    with store.engine.connect() as conn:
        assert {row.id: row.event_id for row in conn.execute(schema.mentions.select())} == mentions_before
        assert {row.id: row.data for row in conn.execute(schema.events.select())} == events_before
        for row in conn.execute(schema.stories.select()):
            before = json.loads(stories[row.id].data)
            after = json.loads(row.data)
            assert after.pop("reconcile_all") is True  # re-clustered: the reconcile stage must take it whole
            before.pop("reconcile_all", None)  # set already where a late arrival made the stage re-cluster
            assert after == before
            counted = ("article_count", "outlet_count", "first_seen", "last_seen")
            assert [getattr(row, c) for c in counted] == [getattr(stories[row.id], c) for c in counted]
            if row.status == "active":
                events = [json.loads(e.data) for e in conn.execute(schema.events.select().where(
                    (schema.events.c.story_id == row.id) & (schema.events.c.status == "active")))]
                assert before["tally"] == event_tally(events)
