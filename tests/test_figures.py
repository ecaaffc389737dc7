"""Victims counted the ACLED way (../shared/eval/figures-coding.md), on sentences written for these tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from kroniek.analyse.pipeline import Analyser, AnalysisOptions
from kroniek.extract.figures import clauses, counting, demonyms, extract_claims, sentence_figures, sentence_words
from kroniek.extract.lexicon import lexicon
from kroniek.model import Article, Claim

needs_frog = pytest.mark.skipif(shutil.which("frog") is None, reason="needs Frog")


@pytest.fixture(scope="module")
def deep() -> Iterator[Analyser]:
    if shutil.which("frog") is None:
        pytest.skip("needs Frog")
    with Analyser(AnalysisOptions(deep="all")) as analyser:
        yield analyser


@pytest.fixture(scope="module")
def shallow() -> Iterator[Analyser]:
    with Analyser(AnalysisOptions(deep="none")) as analyser:
        yield analyser


def claims(analyser: Analyser, text: str) -> list[Claim]:
    article = Article(outlet="dorpsblad", text=text, language="nl")
    return extract_claims(analyser.analyse(article), article)


def totals(analyser: Analyser, text: str) -> set[tuple[str, int | None]]:
    """The figures a reader would count: kind and value of every claim that is not a part of another."""
    return {(c.kind, c.value) for c in claims(analyser, text) if "subset" not in c.contexts}


# Each line: a sentence and the (kind, value) totals it states; by class of the coding rules.
CASES = [
    # ages, durations and other numbers that are no counts
    ("Kees B. (61) overleed zondag in zijn woning in Hoorn.", set()),
    ("Een meisje van zeven verdronk in de vijver.", {("killed", 1)}),
    ("Een jongen van 16 en zijn zus van 12 raakten gewond.", {("injured", 2)}),
    ("Twee broers van 19 en 23 jaar zijn opgepakt.", {("arrested", 2)}),
    ("Ria, 58, uit Breda raakte gewond bij de botsing.", set()),
    ("De dader kreeg vier jaar cel voor de doodslag.", set()),
    ("De ruzie escaleerde rond 2 uur op de Dorpsstraat 14, waar een man gewond raakte.", {("injured", 1)}),
    ("Op de leeftijd van 90 overleed de oud-burgemeester.", set()),
    ("Een man van in de zestig is in zijn tuin doodgeslagen.", {("killed", 1)}),
    ("Een jongen van amper vijftien raakte zwaargewond.", {("injured", 1)}),
    # the total, not its subsets
    ("Bij de explosie vielen negen doden, onder wie drie kinderen.", {("killed", 9)}),
    ("Zeker dertig mensen raakten gewond, van wie vijf ernstig.", {("injured", 30)}),
    ("Elf mensen kwamen om, waaronder twee brandweerlieden.", {("killed", 11)}),
    ("Acht demonstranten werden opgepakt, onder hen twee minderjarigen.", {("arrested", 8)}),
    ("Zes gewonden vielen er, waarvan twee agenten.", {("injured", 6)}),
    ("Twintig mensen stierven – onder meer vier toeristen – toen de brug instortte.", {("killed", 20)}),
    ("Zes mensen raakten gewond; twee van hen overleden later.", {("injured", 6), ("killed", 2)}),
    ("Vier Nederlanders onder de doden van de aardbeving.", set()),
    # coordinated groups summed, kinds kept apart
    ("Twee agenten en een fietser raakten gewond bij de achtervolging.", {("injured", 3)}),
    ("Vier Nederlanders, twee Duitsers en een Belg kwamen om bij de lawine.", {("killed", 7)}),
    ("De kapitein en vijf bemanningsleden verdronken.", {("killed", 6)}),
    ("Een vader en zijn zoon kwamen om het leven in het vuur.", {("killed", 2)}),
    ("Een jonge moeder en haar drie kinderen zijn omgekomen.", {("killed", 4)}),
    ("Duikers hebben de lichamen van vier vissers geborgen.", {("killed", 4)}),
    ("Bij het busongeluk vielen vijf doden en twaalf gewonden.", {("killed", 5), ("injured", 12)}),
    ("Drie slachtoffers, twee mannen en een vrouw, overleden ter plaatse.", {("killed", 3)}),
    ("Vier mensen kwamen om, drie anderen raakten zwaargewond.", {("killed", 4), ("injured", 3)}),
    ("Een van de gewonden is in het ziekenhuis overleden.", {("killed", 1)}),
    ("Minstens zes soldaten werden gedood en veertig anderen verwond.", {("killed", 6), ("injured", 40)}),
    # "een" victim is 1; bare, definite and named victims get no record
    ("Een 43-jarige vrouw is dinsdag in Assen doodgestoken.", {("killed", 1)}),
    ("Een agent raakte lichtgewond aan zijn hand.", {("injured", 1)}),
    ("De politie heeft in Lelystad een 25-jarige man aangehouden.", {("arrested", 1)}),
    ("De brand in de flat kostte het leven aan een bejaarde bewoonster.", {("killed", 1)}),
    ("Buurtbewoners zijn geschokt door de moord op een pizzakoerier.", {("killed", 1)}),
    ("Vrouw doodgestoken in Venlo.", set()),
    ("De bestuurder overleed ter plaatse.", set()),
    ("Marco de G. werd maandag opgepakt.", set()),
    ("Een man werd in Tilburg neergeschoten.", set()),
    # the kind from the predicate that governs the number
    ("Twee mensen kwamen om, vier raakten gewond.", {("killed", 2), ("injured", 4)}),
    ("De chauffeur overleed aan zijn verwondingen.", set()),
    ("Drie wandelaars overleden aan hun verwondingen.", {("killed", 3)}),
    ("Twee mannen hebben in Gouda een taxichauffeur doodgeschoten.", {("killed", 1)}),
    ("De schutter doodde vrijdag in een winkelcentrum zeven mensen.", {("killed", 7)}),
    ("De politie pakte zaterdag dertig relschoppers op.", {("arrested", 30)}),
    ("Vijf mensen werden doodgeschoten door onbekende schutters.", {("killed", 5)}),
    ("Volgens de brandweer zijn er vier slachtoffers gevallen.", set()),
    ("Bij het bombardement vielen twintig dodelijke slachtoffers.", {("killed", 20)}),
    ("Het dodental van de modderstroom is opgelopen tot 57.", {("killed", 57)}),
    ("Het dodental steeg in een dag van 40 naar 65.", {("killed", 65)}),
    ("Drie brandweerlieden liepen lichte letsels op.", {("injured", 3)}),
    ("Een agent werd in de schouder geschoten.", {("injured", 1)}),
    ("De overstroming heeft aan ruim honderd mensen het leven gekost.", {("killed", 100)}),
    ("Vier mensen overleefden het ongeluk niet.", {("killed", 4)}),
    ("Het dorp herdenkt de negen vissers die in 1962 verdronken.", {("killed", 9)}),
    ("Twee mannen die een bewaker doodschoten, zijn gearresteerd.", {("arrested", 2), ("killed", 1)}),
    ("Een kind werd bijna overreden door een tram.", set()),
    # statistics and rates are no event figures; a specific past event is
    ("Jaarlijks sterven in ons land zo'n 700 mensen in het verkeer.", set()),
    ("Het aantal verkeersdoden steeg vorig jaar tot 650.", set()),
    ("Vorig jaar stierven 80 daklozen op straat.", set()),
    ("Per 100.000 inwoners raakten er 40 gewond.", set()),
    ("Door de hongersnood dreigen duizenden kinderen te sterven.", set()),
    ("Vorig jaar kwamen bij de aanslag op het station 14 mensen om.", {("killed", 14)}),
    ("In 1953 verdronken bij de watersnood 1836 mensen.", {("killed", 1836)}),
    # not people
    ("Bij de stalbrand kwamen tweehonderd varkens om.", set()),
    ("Bij de reorganisatie sneuvelen 300 banen.", set()),
    # vague words and hedges
    ("Tientallen betogers werden gearresteerd.", {("arrested", 10)}),
    ("Honderden mensen raakten gewond.", {("injured", 100)}),
    ("Enkele agenten raakten gewond.", {("injured", 3)}),
    ("Een dozijn mensen werd opgepakt.", {("arrested", 12)}),
    ("Bijna veertig mensen kwamen om.", {("killed", 40)}),
    ("Tussen de 15 en 20 mensen raakten gewond.", {("injured", 15)}),
]


@needs_frog
@pytest.mark.frog
@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_victims_counted_as_acled_codes_them(deep: Analyser, sentence: str, expected: set[tuple[str, int]]) -> None:
    assert totals(deep, sentence) == expected


# The rules that read the number's own syntax hold on sentences Frog did not see as well.
SHALLOW_CASES = [
    ("Kees B. (61) overleed zondag.", set()),
    ("Twee vrouwen van 30 en 41 jaar raakten gewond.", {("injured", 2)}),
    ("Bij de explosie vielen negen doden, onder wie drie kinderen.", {("killed", 9)}),
    ("Twee agenten en een fietser raakten gewond.", {("injured", 3)}),
    ("Bij het busongeluk vielen vijf doden en twaalf gewonden.", {("killed", 5), ("injured", 12)}),
    ("Jaarlijks sterven zo'n 700 mensen in het verkeer.", set()),
    ("Een man werd in Tilburg doodgestoken.", {("killed", 1)}),
]


@pytest.mark.parametrize(("sentence", "expected"), SHALLOW_CASES)
def test_without_tags(shallow: Analyser, sentence: str, expected: set[tuple[str, int]]) -> None:
    assert totals(shallow, sentence) == expected


@needs_frog
@pytest.mark.frog
def test_a_sum_keeps_its_parts_with_their_groups(deep: Analyser) -> None:
    found = claims(deep, "Drie agenten en twee betogers raakten gewond bij de rellen.")
    [total] = [c for c in found if "summed" in c.contexts]
    parts = [c for c in found if "part" in c.contexts]
    assert (total.kind, total.value, total.group_type) == ("injured", 5, "people")
    assert sorted((c.value, c.group_type) for c in parts) == [(2, "protesters"), (3, "police")]
    assert all("subset" in c.contexts for c in parts)


@needs_frog
@pytest.mark.frog
def test_hedges_and_sources_stay_on_the_claim(deep: Analyser) -> None:
    [claim] = claims(deep, "Volgens de politie zijn zeker twaalf mensen om het leven gekomen.")
    assert (claim.kind, claim.value, claim.qualifier, claim.text) == ("killed", 12, "at_least", "zeker twaalf")
    assert claim.attribution == ["dorpsblad", "politie"]


@needs_frog
@pytest.mark.frog
def test_a_toll_is_not_a_ceiling(deep: Analyser) -> None:
    [claim] = claims(deep, "Het dodental van de aardbeving steeg tot 230.")
    assert (claim.value, claim.low, claim.qualifier, claim.text) == (230, 230, None, "230")


@needs_frog
@pytest.mark.frog
def test_taken_to_hospital_is_marked(deep: Analyser) -> None:
    [claim] = claims(deep, "Vier mensen werden met rookvergiftiging naar het ziekenhuis gebracht.")
    assert (claim.kind, claim.value) == ("injured", 4) and "hospitalised" in claim.contexts


def test_clauses_keep_a_subordinate_clause_apart(shallow: Analyser) -> None:
    text = "Een man overleed, nadat een vrouw hem had aangereden."
    article = Article(outlet="x", text=text, language="nl")
    doc = shallow.analyse(article)
    words = sentence_words(doc, doc.sentences[0])
    parts = clauses(words, counting())
    man = next(i for i, w in enumerate(words) if w.norm == "man")
    woman = next(i for i, w in enumerate(words) if w.norm == "vrouw")
    assert parts.of[man] != parts.of[woman]
    found = sentence_figures(text, words, lexicon())
    assert [(f.kind, f.phrase.value) for f in found] == [("killed", 1)]


def test_demonyms_come_from_the_analysers_list() -> None:
    assert {"belg", "turken", "fransman"} <= demonyms()
