"""Reconciling reported figures: ACLED's most conservative credible report, vague words, groups that are not a
contradiction, subsets, totals split over events, and explanations that name the sources."""

from __future__ import annotations

import json

from conftest import reopened_after
from kroniek.config import load_settings
from kroniek.link.stage import LinkStage
from kroniek.model import Actor, Article, Claim, Event, PartialDate, Place
from kroniek.reconcile.figures import ClaimView, event_total, reconcile, split_spanning
from kroniek.reconcile.stage import ReconcileStage
from kroniek.store.query import get_event, get_story, list_events
from kroniek.store.repository import Store


def claim(kind: str, text: str, value: int | None, outlet: str, *attribution: str, low: int | None = None,
          high: int | None = None, vague: str | None = None, qualifier: str | None = None,
          group_type: str | None = None, unconfirmed: bool = False, article: str = "a1", start: int = 0,
          published: str = "2024-03-05", seq: int = 1, before: str = "", sentence: str = "") -> ClaimView:
    c = Claim(kind, article, start, start + len(text), text, value=value,
              low=value if low is None and qualifier is None and vague is None else low,
              high=value if high is None and qualifier is None and vague is None else high, vague=vague,
              qualifier=qualifier, group_type=group_type, attribution=[outlet, *attribution],
              unconfirmed=unconfirmed)
    return ClaimView(c, outlet=outlet, published_at=published, seq=seq, before=before, sentence=sentence)


HONDERDEN = dict(low=200, high=999, vague="honderden")


def test_most_conservative_vague_figure_is_coded_and_the_dispute_explained() -> None:
    a = claim("arrested", "Honderden", 100, "Outlet A", "de regering", **HONDERDEN)  # type: ignore[arg-type]
    b = claim("arrested", "meer dan tweeduizend", 2001, "Outlet B", "Reuters", "de politie", low=2001,
              qualifier="more_than", article="a2", seq=2)
    [row] = reconcile("e1", [a, b])
    assert (row.coded, row.low, row.best, row.high, row.high_open) == (100, 100, 100, 2001, True)
    assert row.disagreement
    assert row.explanation.startswith(
        "Arrested: 100 coded (most conservative: 'Honderden' per de regering via Outlet A, "
        "vague 'honderden' coded 100); up to 2001+ reported ('meer dan tweeduizend', "
        "de politie via Reuters, Outlet B)")


def test_consistent_reports_are_no_disagreement() -> None:
    a = claim("killed", "zeker acht", 8, "NOS", "de politie", low=8, qualifier="at_least")
    b = claim("killed", "tien", 10, "RTL", "het ziekenhuis", article="a2", seq=2)
    [row] = reconcile("e1", [a, b])
    assert row.coded == 8 and not row.disagreement and row.high == 10
    assert "consistent with 'tien' (het ziekenhuis via RTL)" in row.explanation


def test_different_groups_are_not_a_contradiction_and_fatalities_add_up() -> None:
    forces = claim("killed", "acht", 8, "Outlet A", "de autoriteiten", group_type="security forces")
    protesters = claim("killed", "tientallen", 10, "Outlet B", "Reuters", "de politie", low=20, high=99,
                       vague="tientallen", group_type="protesters", article="a2", seq=2)
    rows = reconcile("e1", [forces, protesters])
    assert {r.group_type: r.coded for r in rows} == {"security forces": 8, "protesters": 10}
    assert not any(r.disagreement for r in rows)
    for row in rows:
        assert "different groups: 10 protesters (de politie via Reuters, Outlet B) and 8 security forces " \
               "(de autoriteiten via Outlet A) — not a contradiction" in row.explanation
    assert event_total(rows, "killed") == 18


def test_unspecified_total_is_not_added_to_its_groups() -> None:
    total = claim("killed", "twintig", 20, "NOS")
    police = claim("killed", "vijf", 5, "NOS", group_type="police", start=30)
    assert event_total(reconcile("e1", [total, police]), "killed") == 20


def test_subset_is_shown_but_not_a_competing_total() -> None:
    total = claim("injured", "meer dan duizend", 1001, "Outlet B", low=1001, qualifier="more_than")
    subset = claim("injured", "vierhonderd", 400, "Outlet B", start=60, before="gewond geraakt, van wie ")
    [row] = reconcile("e1", [total, subset])
    assert row.coded == 1001 and not row.disagreement
    assert "subset, not a competing total: 'vierhonderd' (Outlet B)" in row.explanation
    assert sorted(c["subset"] for c in row.to_dict()["claims"]) == [False, True]


def test_unconfirmed_reports_only_count_without_confirmed_ones() -> None:
    confirmed = claim("killed", "drie", 3, "NOS", "de politie")
    rumour = claim("killed", "twee", 2, "Telegraaf", "sociale media", unconfirmed=True, article="a2")
    [row] = reconcile("e1", [confirmed, rumour])
    assert row.coded == 3 and "unconfirmed, not coded: 'twee' (sociale media via Telegraaf)" in row.explanation
    [alone] = reconcile("e1", [rumour])
    assert alone.coded == 2


def test_a_later_figure_from_the_same_source_is_an_update() -> None:
    early = claim("killed", "vijf", 5, "NOS", "de politie", published="2024-03-05", seq=1)
    later = claim("killed", "acht", 8, "NRC", "de politie", published="2024-03-06", seq=2, article="a2")
    [row] = reconcile("e1", [early, later])
    assert row.coded == 8 and not row.disagreement
    assert "de politie went from 5 to 8" in row.explanation


def test_totals_over_several_events_are_split_equally() -> None:
    total = claim("killed", "in totaal zeven", 7, "NOS", "het ministerie",
                  sentence="Bij de aanvallen op drie dorpen kwamen in totaal zeven mensen om.")
    assert total.spanning
    per_event = split_spanning({"e1": [total], "e2": [], "e3": []},
                               {"a1|e1": ["e1", "e2", "e3"]})
    coded = {eid: reconcile(eid, views)[0].coded for eid, views in per_event.items()}
    assert coded == {"e1": 3, "e2": 2, "e3": 2}
    assert "a total of 7 ('in totaal zeven') over 3 events, split equally" in reconcile("e2", per_event["e2"])[0] \
        .explanation


PLACE = Place("Groningen", "Nederland", "NL", 528, "Groningen", 53.22, 6.57, 1)


def test_stage_writes_figures_fatalities_and_notes(store: Store) -> None:
    a = Article(outlet="Dagblad van het Noorden", url="https://dvhn.example/1",
                published=PartialDate.parse("2024-03-05"), title="Doden bij rellen in Groningen",
                text="Bij rellen in Groningen zijn volgens de politie zeker twee agenten omgekomen. Ook kwamen "
                     "drie relschoppers om het leven.")
    b = Article(outlet="NOS", url="https://nos.example/1", published=PartialDate.parse("2024-03-05"),
                title="Rellen in Groningen: doden",
                text="Bij de rellen in Groningen zijn vier agenten gedood, meldt het ministerie. Relschoppers "
                     "staken auto's in brand in Groningen.")
    store.ingest_batch([a, b])
    actor = Actor("Relschoppers", "Rioters", "NL")
    for art, cl in ((a, [Claim("killed", a.id, 54, 65, "zeker twee", value=2, low=2, qualifier="at_least",
                               group_type="police", attribution=[a.outlet, "de politie"]),
                         Claim("killed", a.id, 90, 94, "drie", value=3, low=3, high=3, group_type="rioters",
                               attribution=[a.outlet])]),
                    (b, [Claim("killed", b.id, 60, 64, "vier", value=4, low=4, high=4, group_type="police",
                               attribution=[b.outlet, "het ministerie"])])):
        ev = Event(article_id=art.id, sentence=0, trigger="rellen", disorder_type="Political violence",
                   event_type="Riots", sub_event_type="Violent demonstration", plover_type="PROTEST",
                   actor1=actor, place=PLACE, date=PartialDate.parse("2024-03-05"))
        for c in cl:
            c.event_id = ev.id
        with store.engine.begin() as conn:
            store.replace_extractions(conn, art.id, [ev], cl)
            store.mark_done(conn, "extract", [art])  # as the extract stage would
    LinkStage().run(store, load_settings())
    ReconcileStage().run(store, load_settings())
    [event] = list_events(store)
    assert event["fatalities"] == 2 + 3  # police: most conservative of 2+ and 4; plus 3 rioters
    police = next(f for f in event["figures"] if f["group_type"] == "police")
    assert police["coded"] == 2 and police["low"] == 2 and police["high"] == 4 and not police["disagreement"]
    assert {c["outlet"] for c in police["claims"]} == {"Dagblad van het Noorden", "NOS"}
    assert "different groups" in police["explanation"]
    assert "Fatalities: 5." in event["notes"] and "Groningen" in event["notes"]
    story = get_story(store, event["story_id"])
    assert story is not None and {f["kind"] for f in story["figures"]} == {"killed"}
    again = get_event(store, event["id"])
    assert again is not None and again["figures"] == event["figures"]


def test_context_is_read_once_and_kept_with_the_claim(store: Store) -> None:
    """Reconciling a story again reads the claims, not the articles' text: the context around a figure (the
    subset and span cues) is kept with the claim the first time."""
    from kroniek.store import schema

    a = Article(outlet="Stadsblad", url="https://stadsblad.example/1", published=PartialDate.parse("2024-04-02"),
                title="Brand in Deventer", text="Bij de brand in Deventer zijn volgens de brandweer vijf mensen "
                                                "gewond geraakt, onder wie twee kinderen.")
    store.ingest_batch([a])
    five, two = a.text.index("vijf"), a.text.index("twee")
    ev = Event(article_id=a.id, sentence=0, trigger="brand", disorder_type="Strategic developments",
               event_type="Strategic developments", sub_event_type="Other", plover_type="OTHER",
               place=PLACE, date=PartialDate.parse("2024-04-02"))
    title = len(a.title or "") + 2  # Document offsets count the title and a blank line
    claims = [Claim("injured", a.id, title + five, title + five + 4, "vijf", value=5, low=5, high=5,
                    attribution=[a.outlet, "de brandweer"], event_id=ev.id),
              Claim("injured", a.id, title + two, title + two + 4, "twee", value=2, low=2, high=2,
                    attribution=[a.outlet], event_id=ev.id)]
    with store.engine.begin() as conn:
        store.replace_extractions(conn, a.id, [ev], claims)
        store.mark_done(conn, "extract", [a])  # as the extract stage would
    LinkStage().run(store, load_settings())
    ReconcileStage().run(store, load_settings())
    [event] = list_events(store)
    kept = {c["text"]: c for c in (json.loads(r.data) for r in store.engine.connect().execute(
        schema.claims.select()))}
    assert "onder wie" in kept["twee"]["context"]["before"] and "vijf" in kept["vijf"]["context"]["sentence"]
    subset = next(row for f in event["figures"] for row in f["claims"] if row["text"] == "twee")
    with store.engine.begin() as conn:  # the text is gone: only the kept context can still tell "onder wie"
        conn.execute(schema.articles.update().values(text="", title=""))
    from kroniek.reconcile.stage import reconcile_story
    from kroniek.stages import StageReport
    from kroniek.store.links import LinkRepository

    with store.engine.begin() as conn:
        reconcile_story(LinkRepository(store), conn, event["story_id"],
                        StageReport("reconcile", counts={"stories": 0, "events_updated": 0, "disagreements": 0}))
    [again] = list_events(store)
    assert again["figures"] == event["figures"] and subset in [r for f in again["figures"] for r in f["claims"]]


FIGURE_TEXT = ("Bij de onrust in Utrecht zijn dinsdag zeker {n} mensen opgepakt, meldt de politie. Volgens omwonenden "
               "raakten {m} mensen gewond. In totaal vielen in drie dagen {k} doden bij de rellen in de stad. {tail}")


def test_reconciling_what_arrives_equals_reconciling_the_whole_story(store: Store) -> None:
    """Articles arriving one batch at a time are reconciled only where they reach; reconciling every story in
    full afterwards changes no event and no story figures table."""
    import random

    from kroniek.link.stage import link_story_events
    from kroniek.reconcile.stage import reconcile_story
    from kroniek.stages import StageReport
    from kroniek.store import schema
    from kroniek.store.links import LinkRepository

    rng = random.Random(3)
    kinds = [("Riots", "Violent demonstration"), ("Strategic developments", "Arrests"), ("Protests",
                                                                                        "Peaceful protest")]
    days = ["2024-03-05", "2024-03-06", "2024-03", None]
    utrecht = Place("Utrecht", "Nederland", "NL", 528, "Utrecht", 52.09, 5.12, 1)
    police = Actor("Politie (Nederland)", "State forces", "NL", "NLDCOP")
    incremental_steps = 0
    for number in range(14):
        n, m, k = rng.randrange(2, 40), rng.randrange(1, 9), rng.randrange(1, 4)
        text = FIGURE_TEXT.format(n=n, m=m, k=k, tail=f"Bericht {number}.")
        a = Article(outlet=f"Krant {number % 3}", text=text, title="Onrust in Utrecht",
                    url=f"https://krant{number % 3}.example/onrust/{number}",
                    published=PartialDate.parse("2024-03-06"))
        store.ingest_batch([a])
        mentions = []
        for sentence in range(rng.randrange(0, 4)):
            event_type, sub = rng.choice(kinds)
            mentions.append(Event(article_id=a.id, sentence=sentence, trigger="rellen", disorder_type="x",
                                  event_type=event_type, sub_event_type=sub, plover_type="PROTEST",
                                  actor1=police if rng.random() < .5 else None, place=rng.choice([utrecht, None]),
                                  date=PartialDate.parse(d) if (d := rng.choice(days)) else None,
                                  issue=rng.choice([None, "rellen"])))
        claims = []
        for kind, word in (("arrested", str(n)), ("injured", str(m)), ("killed", str(k))):
            if rng.random() < 0.7:
                start = text.index(f" {word} ") + 1
                target = rng.choice([*mentions, None]) if mentions else None
                claims.append(Claim(kind, a.id, start, start + len(word), word, value=int(word), low=int(word),
                                    high=int(word), attribution=[a.outlet, "politie"],
                                    event_id=target.id if target is not None else None))
        with store.engine.begin() as conn:
            store.replace_extractions(conn, a.id, mentions, claims)
            store.mark_done(conn, "extract", [a])
        LinkStage().run(store, load_settings())
        with store.engine.connect() as conn:
            stories = list(conn.execute(schema.stories.select()))
        incremental_steps += sum(1 for s in stories if "loose_figures" in json.loads(s.data or "{}")
                                 and not json.loads(s.data).get("reconcile_all"))
        ReconcileStage().run(store, load_settings())
    with store.engine.connect() as conn:
        events_before = {r.id: r.data for r in conn.execute(schema.events.select())}
        stories_before = {r.id: json.loads(r.data) for r in conn.execute(schema.stories.select())}
    tables_before = {story_id: get_story(store, story_id)["figures"] for story_id in stories_before}
    assert incremental_steps > 0  # the arrivals path was taken
    assert any(tables_before.values()) and any(data.get("loose_figures") for data in stories_before.values())
    repo = LinkRepository(store)
    counts = {"stories": 0, "events_updated": 0, "disagreements": 0, "events_written": 0, "event_merges": 0}
    check = StageReport("check", counts=counts)
    with store.engine.begin() as conn:
        for story_id in stories_before:
            link_story_events(repo, conn, story_id, check)  # re-cluster: flags the story for a full reconcile
            reconcile_story(repo, conn, story_id, check, arrivals=["whatever"])
    assert counts["events_written"] == counts["event_merges"] == counts["events_updated"] == 0
    with store.engine.connect() as conn:
        assert {r.id: r.data for r in conn.execute(schema.events.select())} == events_before
        assert {r.id: json.loads(r.data) for r in conn.execute(schema.stories.select())} == stories_before
    assert {story_id: get_story(store, story_id)["figures"] for story_id in stories_before} == tables_before


def test_a_store_from_before_the_tallies_is_backfilled_once(store: Store) -> None:
    """Stories linked and reconciled before their summaries kept event tallies and article stats, and while they
    still carried the whole figures table, get the tallies and stats and lose the copy of the table (its loose
    rows kept) when the store is opened by this kroniek (migration 0007), with nothing else changed (``updated_at``
    included); the stages themselves never look for old data."""
    from kroniek.store import schema

    articles = [Article(outlet=f"Krant {i}", text=FIGURE_TEXT.format(n=10 + i, m=2, k=1, tail=f"Stuk {i}."),
                        title="Onrust in Utrecht", url=f"https://k{i}.example/{i}",
                        published=PartialDate.parse("2024-03-06")) for i in range(3)]
    store.ingest_batch(articles)
    riot = Place("Utrecht", "Nederland", "NL", 528, "Utrecht", 52.09, 5.12, 1)
    with store.engine.begin() as conn:
        for number, a in enumerate(articles):
            event = Event(article_id=a.id, sentence=0, trigger="rellen", disorder_type="Demonstrations",
                          event_type="Riots", sub_event_type="Violent demonstration", plover_type="PROTEST",
                          place=riot, date=PartialDate.parse("2024-03-05"))
            start = a.text.index("zeker ") + 6
            claims = [Claim("arrested", a.id, start, start + 2, a.text[start:start + 2],
                            value=int(a.text[start:start + 2]), attribution=[a.outlet, "politie"],
                            event_id=event.id)]
            events = [event]
            if number == 0:  # two events, and a figure neither reports: a loose row of the story's table
                events.append(Event(article_id=a.id, sentence=1, trigger="opgepakt", disorder_type="Strategic",
                                    event_type="Strategic developments", sub_event_type="Arrests",
                                    plover_type="ARREST", place=riot, date=PartialDate.parse("2024-03-05")))
                at = a.text.index("gewond") - 2
                claims.append(Claim("injured", a.id, at, at + 1, a.text[at:at + 1], value=2,
                                    attribution=[a.outlet]))
            store.replace_extractions(conn, a.id, events, claims)
            store.mark_done(conn, "extract", [a])
    LinkStage().run(store, load_settings())
    ReconcileStage().run(store, load_settings())
    with store.engine.connect() as conn:
        before = {r.id: (r.data, r.updated_at) for r in conn.execute(schema.stories.select())}
    tables = {story_id: get_story(store, story_id)["figures"] for story_id in before}
    assert any(row["event_id"] is None for table in tables.values() for row in table)
    assert any(row["event_id"] is not None for table in tables.values() for row in table)
    with store.engine.begin() as conn:  # as an older kroniek left it: the whole table in the story's data
        for story_id, (data, _) in before.items():
            old = json.loads(data)
            old.pop("tally"), old.pop("loose_figures"), old.pop("article_stats")
            old["figures"], old["figure_order"] = tables[story_id], {"e-old": ["2024-03-05", 0, "e-old"]}
            conn.execute(schema.stories.update().where(schema.stories.c.id == story_id).values(data=json.dumps(old)))
    assert {story_id: get_story(store, story_id)["figures"] for story_id in before} == tables
    upgraded = reopened_after(store, "0006")
    try:
        with upgraded.engine.connect() as conn:
            after = {r.id: (json.loads(r.data), r.updated_at) for r in conn.execute(schema.stories.select())}
        assert after == {k: (json.loads(d), u) for k, (d, u) in before.items()}
        assert {story_id: get_story(upgraded, story_id)["figures"] for story_id in before} == tables
        link = LinkStage().run(upgraded, load_settings())
        assert "read_model_backfilled" not in link.counts
        assert "backfilled" not in ReconcileStage().run(upgraded, load_settings()).counts
        with upgraded.engine.connect() as conn:  # nothing pending, nothing to convert: the stages change nothing
            assert {r.id: (json.loads(r.data), r.updated_at) for r in conn.execute(schema.stories.select())} == after
    finally:
        upgraded.close()


def test_a_summed_group_is_one_total_and_its_parts_are_no_competing_figures() -> None:
    """"twee agenten en een voorbijganger raakten gewond": the extractor's total of 3 (context "summed") is coded;
    its parts (contexts "subset", "part") are shown with their groups but neither compete nor add up again."""
    def view(text: str, value: int, group_type: str, contexts: list[str], start: int) -> ClaimView:
        c = Claim("injured", "a1", start, start + len(text), text, value=value, low=value, high=value,
                  group_type=group_type, attribution=["NOS"], contexts=contexts)
        return ClaimView(c, outlet="NOS", published_at="2024-03-05")

    rows = reconcile("e1", [view("twee agenten en een voorbijganger", 3, "people", ["summed"], 0),
                            view("twee", 2, "police", ["subset", "part"], 0),
                            view("een voorbijganger", 1, "people", ["subset", "part"], 17)])
    assert {r.group_type: r.coded for r in rows} == {"people": 3, "police": None}
    assert event_total(rows, "injured") == 3
    assert not any(r.disagreement for r in rows)
