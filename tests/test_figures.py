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


# The constructions in which Dutch and Flemish news states a count of killed, injured or arrested people,
# enumerated from grammar and news style (not from a corpus), one sentence of our own each; decisions where
# figures-coding.md leaves room follow the coder's decisions in data/gold/README.md.
CONSTRUCTIONS = [
    # death predicates with the count as subject: unaccusative, perfect, existential "er", idioms
    ("Drie wandelaars kwamen om bij de lawine.", {("killed", 3)}),
    ("Bij de lawine zijn drie wandelaars omgekomen.", {("killed", 3)}),
    ("Er kwamen drie wandelaars om bij de lawine.", {("killed", 3)}),
    ("Er zijn bij de brand vier bewoners om het leven gekomen.", {("killed", 4)}),
    ("Vier bewoners kwamen om het leven.", {("killed", 4)}),
    ("Vijf mijnwerkers lieten het leven bij de ontploffing.", {("killed", 5)}),
    ("Vijf mijnwerkers hebben het leven gelaten.", {("killed", 5)}),
    ("Twee klimmers vonden de dood op de berg.", {("killed", 2)}),
    ("Twee passagiers kwamen te overlijden.", {("killed", 2)}),
    ("Twee gewonden zijn later bezweken aan hun verwondingen.", {("killed", 2)}),
    ("Zes inzittenden overleefden de crash niet.", {("killed", 6)}),
    ("Zes inzittenden hebben de crash niet overleefd.", {("killed", 6)}),
    ("Drie mannen werden dood aangetroffen in de woning.", {("killed", 3)}),
    ("Drie mannen werden levenloos aangetroffen.", {("killed", 3)}),
    ("Twee zwemmers zijn verdronken voor de kust.", {("killed", 2)}),
    ("Negen soldaten sneuvelden bij de hinderlaag.", {("killed", 9)}),
    ("Twee fietsers verongelukten op de N36.", {("killed", 2)}),
    ("Zeven kinderen stierven in de vlammen.", {("killed", 7)}),
    ("Zeven kinderen moesten het met hun leven bekopen.", {("killed", 7)}),
    # casualty nouns with "vallen", "maken", "eisen", "te betreuren"; bare "slachtoffers" says no kind
    ("Er vielen drie doden bij de schietpartij.", {("killed", 3)}),
    ("Bij de botsing vielen er twee zwaargewonden.", {("injured", 2)}),
    ("Er zijn twee doden te betreuren.", {("killed", 2)}),
    ("Er vielen twee dodelijke slachtoffers te betreuren.", {("killed", 2)}),
    ("Er vielen vier slachtoffers te betreuren.", set()),
    ("Er zijn vier gewonden gevallen.", {("injured", 4)}),
    ("De aanslag maakte zeven doden en dertig gewonden.", {("injured", 30), ("killed", 7)}),
    ("De aanslag eiste zeven levens.", {("killed", 7)}),
    ("De aanslag eiste zeven slachtoffers.", set()),
    # the cause as subject: "kosten het leven", "eisen het leven van"
    ("Het ongeval kostte twee jongeren het leven.", {("killed", 2)}),
    ("De storm kostte aan twaalf mensen het leven.", {("killed", 12)}),
    ("De brand eiste het leven van drie kinderen.", {("killed", 3)}),
    ("De lawine heeft aan vier skiërs het leven gekost.", {("killed", 4)}),
    ("De ramp kostte dertig levens.", {("killed", 30)}),
    # passive and active transitive killing and wounding
    ("Drie agenten werden gedood bij de aanval.", {("killed", 3)}),
    ("Drie agenten zijn om het leven gebracht.", {("killed", 3)}),
    ("Er werden drie agenten doodgeschoten.", {("killed", 3)}),
    ("De schutter schoot drie agenten dood.", {("killed", 3)}),
    ("De rebellen hebben twaalf dorpelingen vermoord.", {("killed", 12)}),
    ("De militie bracht twintig burgers om.", {("killed", 20)}),
    ("De bom verwondde zeventien mensen.", {("injured", 17)}),
    # running tolls: the number after the toll noun, whatever verb links them; a headline or a colon list
    ("De tol is opgelopen tot veertig.", {("killed", 40)}),
    ("Het dodental steeg naar 41.", {("killed", 41)}),
    ("Het dodental staat op 41.", {("killed", 41)}),
    ("Het dodental bedraagt inmiddels 41.", {("killed", 41)}),
    ("Het aantal doden is gestegen tot 41.", {("killed", 41)}),
    ("Het aantal gewonden bedraagt 85.", {("injured", 85)}),
    ("Het aantal dodelijke slachtoffers ligt op 41.", {("killed", 41)}),
    ("Dodental aardbeving loopt op tot 300", {("killed", 300)}),
    ("De balans: vier doden en twintig gewonden.", {("injured", 20), ("killed", 4)}),
    # injuries: named, in hospital, treated on the spot (care says injury; a precaution or a check does not);
    # "neergestoken" is injured (the coder's decision), "neergeschoten" ambiguous (figures-coding.md)
    ("Vier agenten raakten gewond bij de rellen.", {("injured", 4)}),
    ("Vier agenten zijn gewond geraakt.", {("injured", 4)}),
    ("Vier agenten werden lichtgewond.", {("injured", 4)}),
    ("Vier agenten liepen lichte verwondingen op.", {("injured", 4)}),
    ("Twee fietsers werden zwaargewond naar het ziekenhuis gebracht.", {("injured", 2)}),
    ("Twee fietsers moesten naar het ziekenhuis worden overgebracht.", {("injured", 2)}),
    ("Drie inzittenden werden in het ziekenhuis opgenomen.", {("injured", 3)}),
    ("Vijf personen werden ter plaatse verzorgd door de hulpdiensten.", {("injured", 5)}),
    ("Twee mensen werden uit voorzorg naar het ziekenhuis gebracht.", set()),
    ("Twee mensen werden ter controle naar het ziekenhuis gebracht.", set()),
    ("Twee mensen werden behandeld voor shock.", set()),
    ("Een man werd neergestoken in het park.", {("injured", 1)}),
    ("Twee mannen werden neergestoken.", {("injured", 2)}),
    ("Drie mensen werden neergeschoten.", set()),
    ("Een vrouw verkeert in levensgevaar.", {("injured", 1)}),
    ("Twee mensen zijn levensgevaarlijk gewond.", {("injured", 2)}),
    ("Twee mensen zijn ernstig gekwetst.", {("injured", 2)}),
    ("Een voetganger werd zwaargekwetst.", {("injured", 1)}),
    ("Drie leerlingen liepen brandwonden op.", {("injured", 3)}),
    # arrests, Flemish "klissen" and "vatten" included
    ("De politie hield vier verdachten aan.", {("arrested", 4)}),
    ("Vier verdachten werden aangehouden.", {("arrested", 4)}),
    ("De politie verrichtte zes arrestaties.", {("arrested", 6)}),
    ("Er werden zes arrestaties verricht.", {("arrested", 6)}),
    ("Zes relschoppers werden administratief aangehouden.", {("arrested", 6)}),
    ("Twee daders werden in de kraag gevat.", {("arrested", 2)}),
    ("De agenten klisten twee inbrekers.", {("arrested", 2)}),
    ("Twee inbrekers werden geklist.", {("arrested", 2)}),
    ("Twee inbrekers werden gevat.", {("arrested", 2)}),
    # subsets said before or after the total
    ("Onder de doden zijn twee kinderen.", set()),
    ("Zeven mensen kwamen om, onder hen drie kinderen.", {("killed", 7)}),
    ("Onder de twaalf doden bevinden zich vier kinderen.", {("killed", 12)}),
    # hedges and vague words: about, at least, more than, almost N are N; "een tiental", "een 20-tal" about N
    # are N; a few, several ("verschillende", "diverse", "een handvol") 3
    ("Minstens zeven mensen kwamen om.", {("killed", 7)}),
    ("Zeker acht mensen kwamen om.", {("killed", 8)}),
    ("Ruim twintig mensen raakten gewond.", {("injured", 20)}),
    ("Bijna dertig mensen raakten gewond.", {("injured", 30)}),
    ("Ongeveer dertig mensen raakten gewond.", {("injured", 30)}),
    ("Zo'n dertig mensen raakten gewond.", {("injured", 30)}),
    ("Een tiental mensen raakte gewond.", {("injured", 10)}),
    ("Een twintigtal betogers raakte gewond.", {("injured", 20)}),
    ("Een vijftigtal mensen werd opgepakt.", {("arrested", 50)}),
    ("Een 20-tal mensen raakte gewond.", {("injured", 20)}),
    ("Tientallen mensen raakten gewond.", {("injured", 10)}),
    ("Een handvol agenten raakte gewond.", {("injured", 3)}),
    ("Verschillende mensen raakten gewond.", {("injured", 3)}),
    ("Diverse agenten raakten gewond.", {("injured", 3)}),
    ("Meer dan tweeduizend mensen werden opgepakt.", {("arrested", 2000)}),
    ("Vijftien à twintig mensen raakten gewond.", {("injured", 15)}),
    ("Drieëntwintig mensen kwamen om.", {("killed", 23)}),
    ("Honderdvijftig mensen kwamen om.", {("killed", 150)}),
    ("Een kleine twintig mensen raakten gewond.", {("injured", 20)}),
    # headlines without a finite verb
    ("Drie doden bij brand in Gent", {("killed", 3)}),
    ("Twee gewonden na schietpartij in Luik", {("injured", 2)}),
    ("Een dode bij schietpartij in Antwerpen", {("killed", 1)}),
    ("Eén zwaargewonde bij frontale botsing", {("injured", 1)}),
    ("Drie jongeren gewond bij ongeval in Hasselt", {("injured", 3)}),
    ("Twee agenten gewond bij rellen", {("injured", 2)}),
    ("Drie mensen omgekomen bij brand in flat", {("killed", 3)}),
    ("Vijf arrestaties na rellen in Brussel", {("arrested", 5)}),
    ("Drie mannen opgepakt voor overval", {("arrested", 3)}),
    ("Brand in Gent: twee doden", {("killed", 2)}),
    ("Aanslag in Kaboel: zeker dertig doden", {("killed", 30)}),
    ("Vier doden en tien gewonden bij busongeval", {("injured", 10), ("killed", 4)}),
    # counts in brackets and appositions: the total once
    ("Bij de aanslag (drie doden) werd niemand opgepakt.", {("killed", 3)}),
    ("Drie mensen (twee mannen en een vrouw) kwamen om.", {("killed", 3)}),
    ("Er vielen drie doden: twee mannen en een vrouw.", {("killed", 3)}),
    # counts split over a coordination are summed; bare nouns ("vader en zoon") state no count
    ("Een vrouw en haar twee kinderen kwamen om.", {("killed", 3)}),
    ("De bestuurder en zijn twee passagiers kwamen om.", {("killed", 3)}),
    ("Een man en een vrouw raakten gewond.", {("injured", 2)}),
    ("Twee mannen en een vrouw werden opgepakt.", {("arrested", 3)}),
    ("Een moeder en haar kind verdronken.", {("killed", 2)}),
    ("Vader en zoon verdronken in het kanaal.", set()),
    # "nog", "ook", "anderen" add to an earlier count of the same kind: one total
    ("Twee mensen kwamen om, nog eens vijf raakten gewond.", {("injured", 5), ("killed", 2)}),
    ("Drie mensen stierven ter plaatse en nog twee anderen overleden later in het ziekenhuis.", {("killed", 5)}),
    # group nouns: a group with its size counts; "een echtpaar" states no number (the coder's decision)
    ("Een gezin van vijf kwam om bij de brand.", {("killed", 5)}),
    ("Een gezin van vijf personen kwam om.", {("killed", 5)}),
    ("Een bejaard echtpaar kwam om bij de brand.", set()),
    ("Een groep van twintig betogers werd opgepakt.", {("arrested", 20)}),
    # partitives and quantifiers: "een van hen" 1 (its own death: a figure), "beide" 2, "alle 150" 150;
    # pronouns and "alle" without a number are no count
    ("Een van hen overleed.", {("killed", 1)}),
    ("Eén van de slachtoffers is overleden.", {("killed", 1)}),
    ("Zij overleefden het niet.", set()),
    ("Beide inzittenden kwamen om.", {("killed", 2)}),
    ("De twee inzittenden kwamen om.", {("killed", 2)}),
    ("Alle 150 inzittenden kwamen om.", {("killed", 150)}),
    ("Alle inzittenden kwamen om.", set()),
    # the kind of a part said after the total: a part that died is a figure of its own ("tien gewonden, van wie
    # twee later overleden": injured 10, killed 2), a part still hurt is no figure
    ("Drie mensen werden neergestoken, van wie één dodelijk.", {("injured", 3), ("killed", 1)}),
    ("Vier mensen raakten gewond, één van hen zwaar.", {("injured", 4)}),
    ("Drie mensen werden neergeschoten, twee van hen overleden.", {("killed", 2)}),
    ("Tien mensen raakten gewond, van wie twee later overleden.", {("injured", 10), ("killed", 2)}),
    # negation: no record
    ("Niemand raakte gewond.", set()),
    ("Er vielen geen doden.", set()),
    ("Er raakte niemand gewond bij de brand.", set()),
    ("Er vielen geen slachtoffers.", set()),
    ("Bij het ongeval raakten drie mensen gewond, doden vielen er niet.", {("injured", 3)}),
    # inverted order, "er", "daarbij"
    ("Om het leven kwamen drie mensen.", {("killed", 3)}),
    ("Gewond raakten twee agenten.", {("injured", 2)}),
    ("Daarbij kwamen drie mensen om.", {("killed", 3)}),
    ("Daarbij raakten twee mensen gewond.", {("injured", 2)}),
    ("Hierbij vielen twee doden.", {("killed", 2)}),
    ("Zondag kwamen bij een brand in Gent drie mensen om.", {("killed", 3)}),
    # relative clauses
    ("De crash, waarbij 150 mensen omkwamen, wordt onderzocht.", {("killed", 150)}),
    ("De crash die aan 150 mensen het leven kostte, wordt onderzocht.", {("killed", 150)}),
    # "een" with an ordinal or an age is 1 ("een derde" of a group is a fraction)
    ("Een tweede slachtoffer is overleden.", {("killed", 1)}),
    ("Een derde verdachte werd opgepakt.", {("arrested", 1)}),
    ("Een derde van de bewoners raakte gewond.", set()),
    ("Een fietser werd dodelijk aangereden.", {("killed", 1)}),
    ("Een 20-jarige man kwam om het leven.", {("killed", 1)}),
    # survivors are no victims
    ("Slechts één passagier overleefde de crash.", set()),
    ("Twee mensen overleefden de crash.", set()),
]


@needs_frog
@pytest.mark.frog
@pytest.mark.parametrize(("sentence", "expected"), CONSTRUCTIONS)
def test_constructions_that_state_a_count(deep: Analyser, sentence: str, expected: set[tuple[str, int]]) -> None:
    assert totals(deep, sentence) == expected


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
