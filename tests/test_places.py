"""Places as phrases: site nouns by class, locative noun phrases, named venues, headline names, and the place chosen
by its closeness to the trigger. Every sentence here is written for these tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kroniek.analyse.pipeline import Analyser, AnalysisOptions
from kroniek.analyse.tokenize import shallow_sentences
from kroniek.extract.lexicon import lexicon
from kroniek.extract.places import (
    Clauses,
    DocumentContext,
    choose_place,
    deictic_evidence,
    locative_phrases,
    missed_places,
    places_at,
    site_evidence,
    sites,
)
from kroniek.model import Article, Document, Entity


@pytest.fixture(scope="module")
def analyser() -> Iterator[Analyser]:
    with Analyser(AnalysisOptions(deep="none")) as shallow:
        yield shallow


def analysed(analyser: Analyser, text: str) -> Document:
    return analyser.analyse(Article(outlet="test", text=text, id="eigen", language="nl"))


def sites_in(sentence: str, names: list[tuple[int, int, str]] | None = None) -> list[str]:
    return [p.text for p in locative_phrases(sentence, names or [])]


# --- site nouns -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "lemma", "site_class"), [
    ("dorp", "dorp", "settlement"), ("dorpje", "dorp", "settlement"), ("steden", "stad", "settlement"),
    ("deelgemeenten", "deelgemeente", "settlement"), ("sloppenwijken", "sloppenwijk", "settlement"),
    ("grensgebied", "grensgebied", "region"), ("rebellengebied", "rebellengebied", "region"),
    ("asielcentrum", "asielcentrum", "shelter"), ("vluchtelingenkampen", "vluchtelingenkamp", "shelter"),
    ("jeugdgevangenis", "jeugdgevangenis", "detention"), ("gevangenissen", "gevangenis", "detention"),
    ("politiecellen", "politiecel", "detention"), ("legerbases", "legerbasis", "military"),
    ("containerschip", "containerschip", "vehicle"), ("vissersbootje", "vissersboot", "vehicle"),
    ("schepen", "schip", "vehicle"), ("bussen", "bus", "vehicle"),
    ("scholen", "school", "building"), ("basisschool", "school", "building"),
    ("ziekenhuizen", "ziekenhuis", "building"),
    ("moskeeën", "moskee", "building"), ("kroegje", "kroeg", "building"), ("cafés", "café", "building"),
    ("stationsbuurt", "buurt", "settlement"), ("marktpleinen", "marktplein", "open"), ("straatje", "straat", "open"),
    ("snelwegen", "snelweg", "open"), ("parkings", "parking", "open"), ("Ikea-winkel", "winkel", "building"),
    ("muziekfestival", "muziekfestival", "gathering"), ("fuiven", "fuif", "gathering"),
    # a restricted head counts in a listed compound, or in a name: squares and streets, a name before a hyphen
    ("vismarkt", "vismarkt", "open"), ("Vrijdagmarkt", "markt", "open"), ("Turnhoutsebaan", "baan", "open"),
    ("NAVO-basis", "basis", "military"), ("achtertuin", "tuin", "open"),
])
def test_site_nouns_by_lemma_and_compound_head(word: str, lemma: str, site_class: str) -> None:
    assert sites().head(word) == (lemma, site_class)


@pytest.mark.parametrize("word", [
    # compounds whose head is a site noun in spelling only
    "regering", "vergadering", "onderdeel", "arbeidsmarkt", "databank", "vakgebied", "toiletpapier", "thuis",
    "eurozone", "verhalen", "basis", "aanval", "papieren",
    # a verb with a prefix, an occupation, a dish or a stamp that ends in a site noun
    "verwerven", "opgedreven", "aangestrand", "banketbakker", "dagschotel", "poststempel", "handhaven", "blokkade",
    "factoren", "fortuin", "magistraat", "koufront",
])
def test_words_that_only_look_like_sites(word: str) -> None:
    assert sites().head(word) is None


# --- locative noun phrases --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sentence", "phrase"), [
    # settlements and their parts
    ("Bij een vechtpartij in een klein dorp raakten twee jongens gewond.", "een klein dorp"),
    ("In de Brusselse wijk Molenbeek werd een agent aangevallen.", "de Brusselse wijk Molenbeek"),
    ("De rellen braken uit in de sloppenwijken van de hoofdstad.", "de sloppenwijken van de hoofdstad"),
    ("In het havendorpje Zandvliet brak brand uit.", "het havendorpje Zandvliet"),
    # regions and parts of an area
    ("De soldaten rukten op in het grensgebied.", "het grensgebied"),
    ("Er werd gevochten in het noorden van het land.", "het noorden van het land"),
    ("Er waren betogingen in verschillende delen van het land.", "verschillende delen van het land"),
    # buildings, detention, shelter, military
    ("Een bewoner werd in een asielcentrum neergestoken.", "een asielcentrum"),
    ("Twee gedetineerden vielen een cipier aan in de jeugdgevangenis.", "de jeugdgevangenis"),
    ("In de kelder van een flatgebouw werd een lichaam gevonden.", "de kelder van een flatgebouw"),
    ("Honderden mensen verbleven dagenlang in een overvol vluchtelingenkamp.", "een overvol vluchtelingenkamp"),
    ("Op een legerbasis vlak bij de grens ontplofte een bom.", "een legerbasis"),
    ("Er vielen schoten bij het stadhuis van Aalst.", "het stadhuis van Aalst"),
    ("Er werd ingebroken in een kroegje aan de markt.", "een kroegje"),
    # vehicles and vessels
    ("Aan boord van een containerschip werd een matroos doodgeschoten.", "een containerschip"),
    ("Een reiziger werd in een overvolle bus bedreigd met een mes.", "een overvolle bus"),
    ("De man werd in zijn auto doodgeschoten.", "zijn auto"),
    # open places
    ("Op het marktplein verzamelden duizend betogers.", "het marktplein"),
    ("Het gebeurde op de E40 ter hoogte van Aalter.", "de E40"),
    ("Een fietser werd op de parking van een supermarkt aangereden.", "de parking van een supermarkt"),
    ("Op de Antwerpse Ring gebeurde een zwaar ongeval.", "de Antwerpse Ring"),
    ("Wandelaars vonden een granaat in het bos.", "het bos"),
    # headlines drop the article
    ("Twee doden bij ongeval op spoorwegovergang", "spoorwegovergang"),
    ("Brand in asielcentrum", "asielcentrum"),
    # gatherings
    ("Op een fuif in de jeugdclub vielen klappen.", "een fuif"),
])
def test_locative_noun_phrases_with_a_site_head(sentence: str, phrase: str) -> None:
    assert phrase in sites_in(sentence)


@pytest.mark.parametrize("sentence", [
    "Hij was op weg naar huis toen het gebeurde.",
    "In plaats van een boete kreeg hij een werkstraf.",
    "Op grond van de wet mag de politie dat niet.",
    "In het kader van het onderzoek werden drie mensen verhoord.",
    "Op basis van de beelden werd een verdachte opgepakt.",
    "In meer dan tien landen werd betoogd.",
    "Jongeren hebben het moeilijk op de arbeidsmarkt.",
    "Er is onenigheid in de regering.",
    "Hij reageerde op zijn beurt verbolgen.",
    "Op het politieke terrein verandert er weinig.",
    "Bij botsing tussen twee groepen vielen gewonden.",
])
def test_no_site_in_fixed_phrases_and_lookalikes(sentence: str) -> None:
    assert [p for p in locative_phrases(sentence) if p.kind == "site"] == [], sites_in(sentence)


# --- named venues and festivals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("sentence", "phrase"), [
    ("In het Sportpaleis werd een bezoeker neergestoken.", "het Sportpaleis"),
    ("In de Ziggo Dome raakten twee bezoekers slaags.", "de Ziggo Dome"),
    ("Voor het Witte Huis betoogden honderden mensen.", "het Witte Huis"),
    ("Supporters vochten na de match in Stade de France.", "Stade de France"),
    ("Op het Sint-Pietersplein werd een man opgepakt.", "het Sint-Pietersplein"),
])
def test_venues_by_their_head_word(sentence: str, phrase: str) -> None:
    assert phrase in sites_in(sentence)


def test_a_festival_without_a_head_word_needs_the_entity_layer_to_say_it_is_no_person() -> None:
    sentence = "Op Lentegroove werden drie festivalgangers opgepakt."
    span = (3, 14)
    assert sites_in(sentence) == []  # without entity labels: no name without a venue word
    assert "Lentegroove" in sites_in(sentence, [(*span, "MISC")])
    assert sites_in(sentence, [(*span, "PER")]) == []
    assert sites_in(sentence, [(*span, "ORG")]) == []
    war = "Hij raakte in de Golfoorlog gewond."
    assert sites_in(war, [(war.index("Golf"), war.index("Golf") + 10, "MISC")]) == []
    during = "Tijdens Lentegroove werden drie festivalgangers opgepakt."
    assert "Lentegroove" in sites_in(during, [(8, 19, "MISC")])
    assert sites_in(during, [(8, 19, "LOC")]) == []


def test_home_is_a_spot() -> None:
    assert "haar thuis" in sites_in("Een vrouw werd bij haar thuis aangevallen.")
    assert "thuis" in sites_in("De verdachte werd thuis opgepakt.")


@pytest.mark.parametrize("sentence", [
    "De minister reageerde op Twitter op de rellen.",
    "Dat schreef de krant in De Standaard van zaterdag.",
    "De vakbond voerde actie bij de NMBS.",
])
def test_media_acronyms_and_persons_are_no_venues(sentence: str) -> None:
    names = [(m.start(), m.end(), "MISC") for m in __import__("re").finditer(r"Twitter|De Standaard|NMBS", sentence)]
    assert [p for p in locative_phrases(sentence, names) if p.kind == "name"] == []


def test_coordinated_towns_are_no_name_of_their_own() -> None:
    assert sites_in("Er vielen doden bij aanslagen in Stockholm of Oslo.") == []


def test_a_known_town_is_the_gazetteers_not_a_phrase() -> None:
    assert sites_in("In Harderwijk werd een man neergestoken.") == []
    assert sites_in("Bij een steekpartij in Gent raakte een man gewond.") == []


# --- clauses and closeness --------------------------------------------------------------------------------------


def test_clauses_of_a_sentence() -> None:
    sentence = "Een man die in Gent woont, is in Brugge neergestoken, zei de politie in Brussel."
    clauses = Clauses.of(sentence, lexicon("nl"))
    trigger = sentence.index("neergestoken")
    assert clauses.rank(sentence.index("Brugge"), trigger) == 0
    assert clauses.rank(sentence.index("Gent"), trigger) == 2
    assert clauses.at(sentence.index("Brussel"))[1]  # the reporting clause
    # "die" as a determiner opens no clause
    assert len(Clauses.of("Hij werd in die gevangenis opgesloten.").spans) == 1


def place_for(doc: Document, word: str, article: str = "eigen") -> str | None:
    context = DocumentContext.of(doc)
    at = doc.text.index(word)
    index = doc.sentence_at(at)
    assert index is not None
    _place, evidence = choose_place(doc, index, context, article, at)
    return evidence.text if evidence is not None else None


def test_the_place_in_the_triggers_own_clause(analyser: Analyser) -> None:
    doc = analysed(analyser, "In België werd een man opgepakt die in Parijs een aanslag pleegde.")
    assert place_for(doc, "opgepakt") == "België"
    assert place_for(doc, "aanslag") == "Parijs"
    doc = analysed(analyser, "Een man die in Gent woont, is zaterdag in Brugge neergestoken.")
    assert place_for(doc, "neergestoken") == "Brugge"
    doc = analysed(analyser, "In Frankrijk werd fel betoogd, nadat in Lyon een jongen was doodgeschoten.")
    assert place_for(doc, "betoogd") == "Frankrijk"
    assert place_for(doc, "doodgeschoten") == "Lyon"


def test_a_subordinate_clause_about_the_same_happening_still_counts(analyser: Analyser) -> None:
    doc = analysed(analyser, "Een fietser overleed nadat hij in Leuven door een vrachtwagen was aangereden.")
    assert place_for(doc, "overleed") == "Leuven"


def test_the_town_of_the_triggers_own_site(analyser: Analyser) -> None:
    doc = analysed(analyser, "Na de betoging in Gent werd een man neergestoken op een parking in Aalst.")
    assert place_for(doc, "neergestoken") == "Aalst"
    doc = analysed(analyser, "In Brussel herdacht men het ongeval op een skipiste in Oostenrijk.")
    assert place_for(doc, "ongeval") == "Oostenrijk"


def test_the_site_phrase_of_the_triggers_clause(analyser: Analyser) -> None:
    lex = lexicon("nl")
    sentence = "Een asielzoeker die in een opvangcentrum woont, werd op de markt neergestoken."
    trigger = sentence.index("neergestoken")
    found = [e.text for e in site_evidence(sentence, 0, [(trigger, trigger + 12)], lex, "eigen")]
    assert found == ["de markt"]
    sentence = "Twee agenten raakten gewond in een kazerne, zei de minister in het parlement."
    trigger = sentence.index("gewond")
    found = [e.text for e in site_evidence(sentence, 0, [(trigger, trigger + 6)], lex, "eigen")]
    assert found == ["een kazerne"]
    # nearest the trigger among phrases of the same clause
    sentence = "Bij het station werd een man beroofd en later in een park mishandeld."
    trigger = sentence.index("mishandeld")
    found = [e.text for e in site_evidence(sentence, 0, [(trigger, trigger + 10)], lex, "eigen")]
    assert found == ["een park"]


# --- names the entity layer missed ------------------------------------------------------------------------------


def plain_document(text: str, entities: list[Entity] | None = None) -> Document:
    return Document(article_id="eigen", text=text, sentences=shallow_sentences(text), entities=entities or [])


def test_a_place_no_entity_covers_is_found_by_the_gazetteer() -> None:
    doc = plain_document("De betoging in Gent liep uit de hand.")
    assert [(e.text, p.name) for e, p in missed_places(doc)] == [("Gent", "Gent")]
    # a capitalised word opening the sentence is no place on its own say-so
    assert missed_places(plain_document("Gent zet in op meer politie.")) == []


def test_a_headline_place_glued_to_the_word_before_it() -> None:
    text = "Brand Gent: twee doden"
    doc = plain_document(text, [Entity("Brand Gent", "PER", 0, 10, 0)])
    assert [(e.text, p.name) for e, p in missed_places(doc)] == [("Gent", "Gent")]
    # a first name before a town is a person, and a sentence with a full stop is no headline
    doc = plain_document("Jan Gent: twee doden", [Entity("Jan Gent", "PER", 0, 8, 0)])
    assert missed_places(doc) == []
    doc = plain_document("Brand Gent werd opgepakt.", [Entity("Brand Gent", "PER", 0, 10, 0)])
    assert missed_places(doc) == []


def test_headline_place_reaches_the_figure(analyser: Analyser) -> None:
    doc = analysed(analyser, "Brand Gent: twee doden")
    context = DocumentContext.of(doc)
    found = [e.text for e in places_at(doc, 0, context, "eigen", doc.text.index("twee"))]
    assert "Gent" in found


def test_a_home_town_named_like_a_word_resolves_after_in(analyser: Analyser) -> None:
    doc = analysed(analyser, "Een asielzoeker is in Lint neergestoken.")
    assert [(p.name, p.country_iso2) for _e, p in DocumentContext.of(doc).places.get(0, [])] == [("Lint", "BE")]
    # not as the subject of a sentence: "Lint" is a ribbon there
    doc = analysed(analyser, "Het lint werd doorgeknipt door de burgemeester.")
    assert DocumentContext.of(doc).places.get(0, []) == []


def test_daar_with_a_prepositional_phrase_of_its_own_is_a_place(analyser: Analyser) -> None:
    lex = lexicon("nl")
    assert [e.text for e in deictic_evidence("Bendes vechten hier voor hun terrein '", 0, lex, "x")] == ["hier"]
    assert deictic_evidence("Daar werd hij voor opgepakt '", 0, lex, "x") == []
