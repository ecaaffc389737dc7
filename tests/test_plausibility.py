"""Plausibility guards in extraction: statistics, rates, trends and historical sums are no event figures, and a figure
larger than one event of its type plausibly has is flagged for review, never coded. Sentences written for these
tests."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kroniek import pipeline
from kroniek.analyse.pipeline import Analyser, AnalysisOptions
from kroniek.config import load_settings
from kroniek.export import export
from kroniek.extract.figures import REVIEW, bound_for, extract_claims, flag_implausible, plausibility
from kroniek.extract.stage import extract_article
from kroniek.model import Article, Claim, Event, PartialDate
from kroniek.reconcile.figures import ClaimView, event_total, reconcile
from kroniek.serve.app import create_app
from kroniek.store.query import list_events
from kroniek.store.repository import Store


@pytest.fixture(scope="module")
def shallow() -> Iterator[Analyser]:
    with Analyser(AnalysisOptions(deep="none")) as analyser:
        yield analyser


@pytest.fixture(scope="module")
def deep() -> Iterator[Analyser]:
    if shutil.which("frog") is None:
        pytest.skip("needs Frog")
    with Analyser(AnalysisOptions(deep="all")) as analyser:
        yield analyser


def figures(analyser: Analyser, text: str) -> set[tuple[str, int | None]]:
    article = Article(outlet="streekkrant", text=text, language="nl")
    return {(c.kind, c.value) for c in extract_claims(analyser.analyse(article), article)
            if "subset" not in c.contexts}


# By class of statistic (figures-coding.md: rates and statistics get no record), each beside a sentence of the
# same shape about one specific event, which keeps its figure.
STATISTICS = [
    # rates and frequencies
    "Jaarlijks overlijden in de provincie ruim 9000 mensen aan longziekten.",
    "Elk jaar raken zo'n 450 fietsers gewond op de ringweg.",
    "Ieder jaar worden in het land 60 activisten vermoord.",
    "Gemiddeld worden 14 mensen per dag opgepakt voor winkeldiefstal.",
    "Per 10.000 inwoners raakten 25 mensen gewond.",
    # percentages and averages
    "Bij de rellen raakte 12 procent van de agenten gewond.",
    "Gemiddeld overlijden 4 gedetineerden per maand in de gevangenissen.",
    # a span of years, whatever events the sentence names
    "Sinds 1998 kwamen 2400 mensen om bij aanslagen in de regio.",
    "Sinds maart 2011 zijn in het land meer dan 6000 burgers gedood.",
    "Tussen 1975 en 1990 werden 1300 dissidenten opgepakt.",
    "Een rapport telt 2750 doden tussen maart 2014 en juli 2017.",
    "In de periode 2005-2015 verdronken 310 mensen in de baai.",
    "De afgelopen twaalf jaar zijn 530 mijnwerkers omgekomen.",
    "In vijf jaar tijd werden 700 journalisten gearresteerd.",
    "In totaal zijn sinds het begin van de burgeroorlog 80.000 strijders gesneuveld.",
    # trends and categories
    "Het aantal doden door schietpartijen daalde tot 210.",
    "Het aantal gewonden steeg van 300 naar 420.",
    "Het aantal drugsdoden steeg vorig jaar tot 95.",
    "Vorig jaar stierven 130 wandelaars in de bergen.",
    # crowds by the same classes
    "Jaarlijks trekken 40.000 mensen door de stad tijdens de optocht.",
    "Sinds 2010 gingen in totaal 90.000 mensen de straat op tegen de mijnbouw.",
]

EVENTS = [
    ("Bij de explosie in de haven kwamen dinsdag 31 mensen om.", {("killed", 31)}),
    ("Bij de aanslag in 1998 kwamen 24 mensen om.", {("killed", 24)}),
    ("Sinds maandag zijn bij de protesten 45 mensen opgepakt.", {("arrested", 45)}),
    ("Sinds het begin van de rellen zijn zes mensen gedood.", {("killed", 6)}),
    ("Vorig jaar kwamen bij de brand in het hotel 19 mensen om.", {("killed", 19)}),
    ("Het dodental van de aardbeving is gestegen tot 340.", {("killed", 340)}),
    ("Ruim 3000 mensen demonstreerden zaterdag in Arnhem.", {("crowd", 3000)}),
    # a span of years as the yardstick of one event
    ("Bij de aanslag, de zwaarste sinds 2009, kwamen 37 mensen om.", {("killed", 37)}),
    ("Voor het eerst sinds 1985 werden bij een staking 8 arbeiders gedood.", {("killed", 8)}),
    ("Bij de overstroming vielen 16 doden, het hoogste aantal in de afgelopen twintig jaar.", {("killed", 16)}),
]


@pytest.mark.parametrize("sentence", STATISTICS)
def test_statistics_rates_trends_and_historical_sums_are_no_event_figures(shallow: Analyser, sentence: str) -> None:
    assert figures(shallow, sentence) == set()


@pytest.mark.parametrize(("sentence", "expected"), EVENTS)
def test_counts_of_one_event_are_kept(shallow: Analyser, sentence: str, expected: set[tuple[str, int]]) -> None:
    assert figures(shallow, sentence) == expected


@pytest.mark.parametrize("sentence", STATISTICS[:8])
def test_statistics_with_frog(deep: Analyser, sentence: str) -> None:
    assert figures(deep, sentence) == set()


@pytest.mark.parametrize(("sentence", "expected"), EVENTS[:4] + EVENTS[-3:])
def test_events_with_frog(deep: Analyser, sentence: str, expected: set[tuple[str, int]]) -> None:
    assert figures(deep, sentence) == expected


# --- bounds -------------------------------------------------------------------------------------------------------


def test_the_shipped_bounds_are_read_per_kind_and_event_type() -> None:
    bounds = plausibility()
    assert bound_for("killed", "Riots", bounds) == bounds["killed"]["Riots"]
    assert bound_for("killed", "Riots", bounds) < bound_for("killed", None, bounds)  # type: ignore[operator]
    assert bound_for("crowd", "Protests", bounds) == bounds["crowd"]["Protests"]
    assert bound_for("crowd", "Headquarters or base established", bounds) == bounds["crowd"]["default"]
    assert bound_for("unknown kind", None, bounds) is None


def extracted(analyser: Analyser, text: str) -> tuple[dict[str, str], list[Claim]]:
    article = Article(outlet="streekkrant", text=text, language="nl")
    events, claims = extract_article(article, analyser.analyse(article))
    return {e.id: e.event_type for e in events}, claims


@pytest.mark.parametrize(("sentence", "kind", "event_type", "value", "review"), [
    ("Bij de rellen in de hoofdstad kwamen 420 mensen om.", "killed", "Riots", 420, True),
    ("Bij de rellen in de hoofdstad kwamen vier mensen om.", "killed", "Riots", 4, False),
    ("Volgens de organisatoren gingen 5,4 miljoen mensen de straat op tegen de regering.", "crowd", "Protests",
     5_400_000, True),
    ("Volgens de organisatoren gingen 5400 mensen de straat op tegen de regering.", "crowd", "Protests", 5400,
     False),
    ("Bij een bomaanslag op een markt in Mosul kwamen 30.000 mensen om.", "killed",
     "Explosions/Remote violence", 30_000, True),
    ("Bij een bomaanslag op een markt in Mosul kwamen 30 mensen om.", "killed", "Explosions/Remote violence", 30,
     False),
])
def test_a_figure_above_the_bound_of_its_event_type_is_flagged_for_review(
        deep: Analyser, sentence: str, kind: str, event_type: str, value: int, review: bool) -> None:
    types, claims = extracted(deep, sentence)
    [claim] = [c for c in claims if c.kind == kind]
    assert claim.value == value and types.get(claim.event_id or "") == event_type
    assert (REVIEW in claim.contexts) is review


def test_bounds_are_configurable_and_fall_back_to_the_kinds_default() -> None:
    riot = Event(article_id="a1", sentence=0, trigger="rellen", disorder_type="Political violence",
                 event_type="Riots", sub_event_type="Mob violence", plover_type="PROTEST")
    linked = Claim("killed", "a1", 0, 3, "zes", value=6, event_id=riot.id)
    loose = Claim("killed", "a1", 10, 13, "zes", value=6)
    flag_implausible([linked, loose], [riot], {"killed": {"default": 10, "Riots": 5}})
    assert REVIEW in linked.contexts and REVIEW not in loose.contexts
    flag_implausible([linked], [riot], {"killed": {"default": 10, "Riots": 5}})
    assert linked.contexts.count(REVIEW) == 1  # flagged once however often it is checked


def test_bounds_passed_to_extraction_replace_the_defaults(shallow: Analyser) -> None:
    article = Article(outlet="streekkrant", text="Bij het ongeluk raakten twaalf mensen gewond.", language="nl")
    doc = shallow.analyse(article)
    [plain] = extract_claims(doc, article)
    [strict] = extract_claims(doc, article, bounds={"injured": {"default": 11}})
    assert REVIEW not in plain.contexts and REVIEW in strict.contexts


# --- reconciliation and what reads it -----------------------------------------------------------------------------


def view(kind: str, text: str, value: int, outlet: str, *, review: bool = False, seq: int = 1,
         article: str = "a1") -> ClaimView:
    c = Claim(kind, article, 0, len(text), text, value=value, low=value, high=value, attribution=[outlet],
              contexts=[REVIEW] if review else [])
    return ClaimView(c, outlet=outlet, published_at="2024-05-01", seq=seq)


def test_a_flagged_claim_is_shown_but_never_coded() -> None:
    flagged = view("killed", "40.000", 40_000, "Krant A", review=True)
    plain = view("killed", "zeven", 7, "Krant B", seq=2, article="a2")
    [row] = reconcile("e1", [flagged, plain])
    assert (row.coded, row.low, row.best, row.high, row.disagreement) == (7, 7, 7, 7, False)
    assert "flagged for review" in row.explanation and "'40.000'" in row.explanation
    claims = row.to_dict()["claims"]
    assert {c["value"]: c["review"] for c in claims} == {40_000: True, 7: False}
    assert event_total([row]) == 7


def test_only_flagged_claims_give_no_total() -> None:
    [row] = reconcile("e1", [view("crowd", "6,75 miljoen", 6_750_000, "Krant A", review=True)])
    assert row.coded is None and row.high is None
    assert row.explanation.startswith("Crowd size: no number reported; flagged for review")
    assert event_total([row], "crowd") is None


@pytest.mark.parametrize("backend_text", [
    "Bij rellen in Lagos zijn maandag 420 mensen omgekomen, meldt de politie.",
])
def test_flagged_figures_reach_no_fatalities_or_export_but_the_api_shows_them(
        store: Store, backend_text: str) -> None:
    settings = load_settings(db_url=str(store.engine.url.render_as_string(hide_password=False)))
    settings.data["analyse"]["deep"] = "none"
    article = Article(outlet="streekkrant", url="https://streekkrant.example/lagos", title="Rellen in Lagos",
                      published=PartialDate.parse("2024-05-06"), text=backend_text, language="nl")
    store.ingest_batch([article])
    pipeline.run(store, settings)
    [event] = list_events(store)
    assert event["event_type"] == "Riots"
    assert not event.get("fatalities")
    [row] = [f for f in event["figures"] if f["kind"] == "killed"]
    assert row["coded"] is None and [c["review"] for c in row["claims"]] == [True]
    with TestClient(create_app(settings, store)) as client:
        served = client.get(f"/api/events/{event['id']}").json()
    assert [c["review"] for f in served["figures"] if f["kind"] == "killed" for c in f["claims"]] == [True]
    out = io.StringIO()
    export(store, "acled", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["fatalities"] for r in rows] == ["0"]


def test_the_stage_reads_the_bounds_of_the_configuration(store: Store) -> None:
    """A --config file's [plausibility] reaches extraction: a bound of 10 for riots flags 42 killed."""
    settings = load_settings(db_url=str(store.engine.url.render_as_string(hide_password=False)))
    settings.data["analyse"]["deep"] = "none"
    settings.data["plausibility"]["killed"] = {"default": 10_000, "Riots": 10}
    store.ingest_batch([Article(outlet="streekkrant", url="https://streekkrant.example/lagos-2", title="Rellen",
                                published=PartialDate.parse("2024-05-06"), language="nl",
                                text="Bij rellen in Lagos zijn maandag 42 mensen omgekomen, meldt de politie.")])
    pipeline.run(store, settings)
    [event] = list_events(store)
    [row] = [f for f in event["figures"] if f["kind"] == "killed"]
    assert [c["review"] for c in row["claims"]] == [True] and not event.get("fatalities")
