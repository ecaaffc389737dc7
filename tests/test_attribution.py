"""Who reports a figure or an event, and where the words that say so are: figures and event mentions read the
same attribution cues (extract/attribution.py), on our own Dutch sentences, and the chains survive the store and
the link stage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from kroniek.analyse.pipeline import Analyser, AnalysisOptions
from kroniek.extract.attribution import attribution_in
from kroniek.extract.lexicon import lexicon
from kroniek.extract.stage import extract_article
from kroniek.link.events import MentionInfo, build_event
from kroniek.model import Article, Claim, Event, PartialDate
from kroniek.store.repository import Store

DAY = PartialDate.day(dt.date(2025, 3, 13))


@pytest.fixture(scope="module")
def analyser() -> Iterator[Analyser]:
    with Analyser(AnalysisOptions(deep="none")) as shallow:
        yield shallow


def extract(analyser: Analyser, text: str, outlet: str = "dagblad") -> tuple[Article, list[Event], list[Claim]]:
    article = Article(outlet=outlet, text=text, published=DAY, language="nl")
    events, claims = extract_article(article, analyser.analyse(article))
    return article, events, claims


def sources(event: Event) -> list[str]:
    return [e.text for e in event.evidence if e.field == "source"]


# (sentence, the event type it reports, the chain after the outlet, the attributing words)
ATTRIBUTED = [
    ("Gewapende milities hebben volgens persbureau DPA het vliegveld van Goma overgenomen.", "Battles",
     ["DPA"], "volgens persbureau DPA"),
    ("De politie heeft in Breda negen voetbalsupporters gearresteerd, meldt Reuters.", "Strategic developments",
     ["Reuters"], "meldt Reuters"),
    ("In Lima zijn zeker vier betogers doodgeschoten, zegt de politie.", "Protests", ["politie"],
     "zegt de politie"),
    ("Relschoppers plunderden maandag winkels in Marseille, aldus de burgemeester.", "Riots",
     ["burgemeester"], "aldus de burgemeester"),
    ("De Chileense regering maakte bekend dat het leger de stad Arica heeft heroverd.", "Battles",
     ["Chileense regering"], "De Chileense regering maakte bekend"),
]


@pytest.mark.parametrize(("sentence", "event_type", "chain", "words"), ATTRIBUTED)
def test_an_event_carries_the_source_its_sentence_names(analyser: Analyser, sentence: str, event_type: str,
                                                        chain: list[str], words: str) -> None:
    article, events, _ = extract(analyser, sentence)
    [event] = [e for e in events if e.event_type == event_type]
    assert event.attribution == ["dagblad", *chain]
    assert sources(event) == [words]
    [span] = [e for e in event.evidence if e.field == "source"]
    assert article.text[span.start:span.end] == words, "the offsets point at the attributing words"


@pytest.mark.parametrize("sentence", [
    "In Utrecht demonstreerden zaterdag duizenden mensen tegen de bezuinigingen.",
    "Bij een aanslag op een markt in Kaboel zijn dinsdag twaalf mensen omgekomen.",
    "De politie heeft in Gent drie inbrekers opgepakt.",  # the police act; nobody is quoted
])
def test_a_sentence_without_a_source_gives_the_event_none(analyser: Analyser, sentence: str) -> None:
    _, events, claims = extract(analyser, sentence)
    assert events, "the sentence reports an event"
    for event in events:
        assert event.attribution == [] and sources(event) == []
    for claim in claims:
        assert claim.attribution == ["dagblad"] and claim.source_spans == []


@pytest.mark.parametrize(("sentence", "event_type", "chain", "words"), ATTRIBUTED)
def test_attribution_only_adds(analyser: Analyser, sentence: str, event_type: str, chain: list[str],
                               words: str) -> None:
    """The same sentence without its attribution gives the same events: the cues decide nothing else."""
    plain = sentence.replace(f", {words}", "").replace(f"{words} ", "").replace(f" {words}", "")
    plain = plain[:1].upper() + plain[1:]
    if plain.startswith("Dat "):
        plain = plain[4:5].upper() + plain[5:]
    _, with_source, _ = extract(analyser, sentence)
    _, without, _ = extract(analyser, plain)

    def coded(events: list[Event]) -> list[tuple[object, ...]]:
        return [(e.event_type, e.sub_event_type, e.plover_type, e.place.name if e.place else None,
                 e.date.iso() if e.date else None, e.trigger) for e in events]

    assert coded(with_source) == coded(without)


def test_a_figure_marks_its_source_words(analyser: Analyser) -> None:
    text = "Bij het protest in Quito raakten volgens het ministerie van Volksgezondheid 23 mensen gewond."
    article, _, claims = extract(analyser, text)
    [injured] = [c for c in claims if c.kind == "injured"]
    assert injured.value == 23 and injured.attribution[0] == "dagblad"
    [span] = injured.source_spans
    assert span.field == "source" and article.text[span.start:span.end] == span.text
    assert span.text.startswith("volgens het ministerie")


def test_an_inherited_chain_points_at_the_earlier_sentence(analyser: Analyser) -> None:
    """A figure takes the source of the sentence before (its words stay there); an event does not."""
    text = ("Volgens de brandweer woedde de brand de hele nacht in Gouda. "
            "Daarbij zouden zeven mensen gewond zijn geraakt.")
    article, _, claims = extract(analyser, text)
    [injured] = [c for c in claims if c.kind == "injured"]
    assert injured.attribution == ["dagblad", "brandweer"] and "attribution-inherited" in injured.contexts
    [span] = injured.source_spans
    assert article.text[span.start:span.end] == "Volgens de brandweer" and span.end < text.index("Daarbij")


def test_agencies_come_before_the_original_source_and_phrases_do_not_overlap() -> None:
    sentence = "Volgens de Syrische autoriteiten zijn tien mensen gedood, meldt persbureau AFP."
    said = attribution_in(sentence, lexicon("nl"))
    assert list(said.names) == ["AFP", "Syrische autoriteiten"]
    words = [sentence[a:b] for a, b in said.phrases]
    assert words == ["Volgens de Syrische autoriteiten", "meldt persbureau AFP"]
    assert all(b <= c for (_, b), (c, _) in zip(said.phrases, said.phrases[1:], strict=False))


@pytest.mark.parametrize(("sentence", "names", "words"), [
    ("In Malmö zijn zaterdag twintig betogers opgepakt, meldt de Zweedse krant Aftonbladet.",
     ["Zweedse krant Aftonbladet"], ["meldt de Zweedse krant Aftonbladet"]),
    ("Bij de aanslag in Grozny zijn volgens het Russische persbureau TASS drie agenten gedood.",
     ["TASS"], ["volgens het Russische persbureau TASS"]),
    ("Volgens de Amerikaanse justitie heeft de verdachte de brand gesticht.",
     ["Amerikaanse justitie"], ["Volgens de Amerikaanse justitie"]),
    ("Volgens Italiaanse media zijn er in Napels vijf doden gevallen.", ["Italiaanse media"],
     ["Volgens Italiaanse media"]),
    ("Volgens De Vreede is het in Delft rustig gebleven.", ["Vreede"], ["Volgens De Vreede"]),  # a surname
    ("Volgens de politie afgelopen nacht zijn in Tilburg drie auto's in brand gestoken.", ["politie"],
     ["Volgens de politie"]),  # a noun, not an adjective
    ("Dat zei de Hengelose wethouder Anna Smit dinsdag.", ["Hengelose wethouder Anna Smit"],
     ["zei de Hengelose wethouder Anna Smit"]),
])
def test_a_nationality_adjective_takes_the_noun_it_goes_with(sentence: str, names: list[str],
                                                             words: list[str]) -> None:
    """"meldt de Zweedse krant" names the paper, not "Zweedse"; an agency behind its adjective is the agency."""
    said = attribution_in(sentence, lexicon("nl"))
    assert list(said.names) == names
    assert [sentence[a:b] for a, b in said.phrases] == words


def test_pronouns_and_dat_are_no_source() -> None:
    said = attribution_in("Hij zegt dat er vannacht is geschoten.", lexicon("nl"))
    assert not said and said.phrases == ()


def test_chains_and_source_words_survive_the_store(analyser: Analyser, store: Store) -> None:
    article, events, claims = extract(analyser, "In Lima zijn zeker vier betogers doodgeschoten, zegt de politie.")
    with store.engine.begin() as conn:
        store.replace_extractions(conn, article.id, events, claims)
    [stored_event] = [e for e in store.mentions([article.id]) if e.event_type == "Protests"]
    assert stored_event.attribution == ["dagblad", "politie"]
    assert [e.text for e in stored_event.evidence if e.field == "source"] == ["zegt de politie"]
    [killed] = [c for c in store.claims([article.id]) if c.kind == "killed"]
    assert [(s.start, s.end, s.text) for s in killed.source_spans] == \
        [(s.start, s.end, s.text) for s in next(c for c in claims if c.kind == "killed").source_spans]


def test_the_linked_event_lists_its_mentions_chains(analyser: Analyser) -> None:
    _, attributed, _ = extract(analyser, "Gewapende milities hebben volgens persbureau DPA het vliegveld van Goma "
                                         "overgenomen.", outlet="ochtendblad")
    _, plain, _ = extract(analyser, "Gewapende milities hebben het vliegveld van Goma overgenomen.",
                          outlet="avondblad")
    cluster = [MentionInfo(event=attributed[0], seq=1, outlet="ochtendblad"),
               MentionInfo(event=plain[0], seq=2, outlet="avondblad")]
    event = build_event("e1", None, cluster)
    assert event["attributions"] == [["ochtendblad", "DPA"]]
    first, second = event["mentions"]
    assert first["attribution"] == ["ochtendblad", "DPA"]
    assert "attribution" not in second, "a mention without a source adds no key (older events stay unchanged)"
    assert "attributions" not in build_event("e2", None, cluster[1:])
