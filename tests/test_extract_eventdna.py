"""Event patterns, death and injury words, places and figures as the EventDNA evaluation reads them, on our own Dutch
sentences (nothing here comes from EventDNA)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kroniek.analyse.pipeline import Analyser, AnalysisOptions
from kroniek.evaluate.events import event_labels, predict_document, with_sentence_breaks
from kroniek.extract.stage import extract_article
from kroniek.model import Article, Event


@pytest.fixture(scope="module")
def analyser() -> Iterator[Analyser]:
    with Analyser(AnalysisOptions(deep="none")) as shallow:
        yield shallow


def document(*sentences: str) -> dict[str, Any]:
    """An EventDNA-shaped document of our own sentences (no gold events)."""
    spans, text = [], ""
    for sentence in sentences:
        if text:
            text += " "
        spans.append([len(text), len(text) + len(sentence)])
        text += sentence
    return {"id": "eigen", "text": text, "sentences": spans, "events": []}


def predict(analyser: Analyser, *sentences: str) -> tuple[dict[str, Any], list[Event]]:
    doc = document(*sentences)
    article = Article(outlet="eventdna", text=with_sentence_breaks(doc), id="eigen", language="nl")
    analysed = analyser.analyse(article)
    events, claims = extract_article(article, analysed)
    return predict_document(doc, events, claims, analysed), events


def types(analyser: Analyser, sentence: str) -> set[str]:
    predicted, _events = predict(analyser, sentence)
    return {t for s in predicted["sentences"] for t in s["types"]}


@pytest.mark.parametrize(("sentence", "expected", "absent"), [
    # a ceasefire is not a strike; "staken ... in brand" is setting fire, not striking
    ("De partijen kwamen een staakt-het-vuren overeen.", set(), {"Conflict/Demonstrate"}),
    ("Jongeren staken vannacht auto's in brand in de wijk.", set(), {"Conflict/Demonstrate"}),
    ("De havenarbeiders staken sinds maandag voor meer loon.", {"Conflict/Demonstrate"}, set()),
    # "op straat" with "komen" is a protest, with "kosten" it is not
    ("Tienduizenden mensen zijn zondag op straat gekomen tegen de bezuinigingen.", {"Conflict/Demonstrate"}, set()),
    ("Een jaar soldaten op straat kostte de staat veel geld.", set(), {"Conflict/Demonstrate"}),
    # a contest is no clash; a fight is
    ("De supermarkten voeren een felle strijd om de klant.", set(), {"Conflict/Attack"}),
    ("Op het perron is gisteravond een gevecht uitgebroken tussen twee groepen.", {"Conflict/Attack"}, set()),
    # a weapon noun alone reports nothing; compounds of "aanslag" and bombs going off do
    ("De speurders vonden explosieven in een garagebox.", set(), {"Conflict/Attack"}),
    ("Bij de terreuraanslagen in de hoofdstad vielen drie gewonden.", {"Conflict/Attack"}, set()),
    ("In drie dorpen gingen bommen af tijdens het feest.", {"Conflict/Attack"}, set()),
    ("De belastingaanslag van dit jaar valt hoger uit.", set(), {"Conflict/Attack"}),
    # robbery is a theft; shooting needs a target or "er werd geschoten"
    ("Twee mannen pleegden een overval op een juwelier.", set(), {"Conflict/Attack"}),
    ("Het wielerseizoen wordt zondag op gang geschoten.", set(), {"Conflict/Attack"}),
    ("Er werd geschoten op een auto aan de rotonde.", {"Conflict/Attack"}, set()),
    # pelting, wounding and stabbing people are attacks; hurting oneself or setting fire is not
    ("Jongeren bekogelden de brandweer met stenen.", {"Conflict/Attack"}, set()),
    ("Een man verwondde een conducteur met een mes.", {"Conflict/Attack"}, set()),
    ("De jager verwondde zichzelf met zijn eigen geweer.", set(), {"Conflict/Attack"}),
    ("De burgemeester werd tijdens een markt in de rug gestoken.", {"Conflict/Attack"}, set()),
    ("Drie vuilnisbakken werden in brand gestoken.", set(), {"Conflict/Attack"}),
])
def test_event_patterns(analyser: Analyser, sentence: str, expected: set[str], absent: set[str]) -> None:
    found = types(analyser, sentence)
    assert expected <= found, found
    assert not absent & found, found


def test_abduction_is_not_an_attack_but_force_against_a_protest_is(analyser: Analyser) -> None:
    _predicted, events = predict(analyser, "Rebellen hebben in het noorden drie hulpverleners ontvoerd.")
    abduction = [e for e in events if e.sub_event_type == "Abduction/forced disappearance"]
    assert abduction and "Conflict/Attack" not in event_labels(abduction[0])
    _predicted, events = predict(analyser, "De politie zette traangas in tegen de betogers in Luik.")
    protest = [e for e in events if e.sub_event_type == "Protest with intervention"]
    assert protest and event_labels(protest[0]) >= {"Conflict/Attack", "Conflict/Demonstrate"}


@pytest.mark.parametrize(("sentence", "expected", "absent"), [
    ("Bij de brand kwamen een brandweerman en twee bewoners om.", {"Life/Die"}, set()),
    ("In de vrachtwagen zijn twaalf migranten gestikt.", {"Life/Die"}, set()),
    ("Een man schoot zichzelf dood in een park.", {"Life/Die"}, set()),
    ("De vermiste wandelaar is dood aangetroffen in een ravijn.", {"Life/Die"}, set()),
    ("Hij riep op tot zelfmoordaanslagen in Europa.", set(), {"Life/Die"}),
    # a hospital alone is no injury; dying of one's wounds is a death
    ("De minister werd naar het ziekenhuis gebracht voor een controle.", set(), {"Life/Injure"}),
    ("De fietser overleed later aan zijn verwondingen.", {"Life/Die"}, {"Life/Injure"}),
    ("De fietser liep zware verwondingen op.", {"Life/Injure"}, set()),
    ("Bij de schipbreuk op het meer vielen geen gewonden.", set(), {"Life/Injure"}),
    ("De skiër liep een beenbreuk op.", {"Life/Injure"}, set()),
    ("Het bedrijf misbruikte de gegevens van zijn klanten.", set(), {"Life/Injure"}),
    # an accusation is not a report of harm
    ("De trainer is opgepakt op verdenking van seksueel misbruik.", {"Justice/ArrestJail"}, {"Life/Injure"}),
    ("De politie onderzoekt de mishandeling van een buschauffeur.", {"Life/Injure"}, set()),
])
def test_death_and_injury_words(analyser: Analyser, sentence: str, expected: set[str], absent: set[str]) -> None:
    found = types(analyser, sentence)
    assert expected <= found, found
    assert not absent & found, found


def test_a_part_of_a_total_is_not_a_figure_of_its_own(analyser: Analyser) -> None:
    predicted, _events = predict(analyser, "Bij de aanslag vielen zeker 30 doden, onder wie negen kinderen.")
    assert sorted(f["value"] for f in predicted["figures"] if f["kind"] == "killed") == [30]


def places_of(predicted: dict[str, Any], index: int = 0) -> list[str]:
    return [p["text"] for p in predicted["places"] if p["sentence"] == index]


def test_site_phrase_next_to_the_town(analyser: Analyser) -> None:
    predicted, events = predict(analyser, "Een jongen uit Zwolle is neergestoken aan het Stationsplein in Deventer.")
    attack = next(e for e in events if e.sub_event_type == "Attack")
    assert attack.place is not None and attack.place.name == "Deventer"
    assert [e.text for e in attack.evidence if e.field == "location"] == ["het Stationsplein"]
    assert "Zwolle" not in places_of(predicted)
    predicted, _events = predict(analyser, "In de luchthaven van Kortrijk is een vechtpartij uitgebroken.")
    assert "de luchthaven van Kortrijk" in places_of(predicted)
    predicted, _events = predict(analyser, "De agent werd in een drukke parenclub mishandeld.")
    assert "een drukke parenclub" in places_of(predicted)


def test_town_named_after_a_nationality_adjective(analyser: Analyser) -> None:
    predicted, _events = predict(analyser, "In het Britse Lower Whitby is een agent neergestoken.")
    assert "Lower Whitby" in places_of(predicted)
    predicted, _events = predict(analyser, "In de Amerikaanse staat Vermont zijn drie mensen doodgeschoten.")
    assert "Vermont" in places_of(predicted)


def test_nationality_adjective_on_the_trigger_is_where(analyser: Analyser) -> None:
    predicted, _events = predict(analyser, "Na de Armeense protesten werden veel mensen opgepakt.")
    assert "Armeense" in places_of(predicted)
    predicted, _events = predict(analyser, "De Syrische burgeroorlog duurt al jaren.")
    assert "Syrische" in places_of(predicted)
    predicted, _events = predict(analyser, "De Britse minister sprak over de aanslag.")
    assert "Britse" not in places_of(predicted)


def test_place_of_a_sentence_typed_by_a_figure_is_nearest_the_figure(analyser: Analyser) -> None:
    predicted, _events = predict(analyser, "In Gent vierden de supporters feest, in Brugge raakten vier fans gewond.")
    assert places_of(predicted)[0] == "Brugge"


@pytest.mark.parametrize(("sentence", "expected", "absent"), [
    ("De oorlog in Jemen duurt al jaren.", {"Conflict/Attack"}, set()),
    ("Zijn grootvader vocht in de Tweede Wereldoorlog.", {"Conflict/Attack"}, set()),
    ("De handelsoorlog met China drukt de beurzen.", set(), {"Conflict/Attack"}),
    ("Het leger probeerde op te rukken naar de hoofdstad.", {"Conflict/Attack"}, set()),
    ("De strijder werd vorige maand krijgsgevangen genomen.", {"Justice/ArrestJail"}, set()),
    # weapons fired, not weapon nouns; running someone over is a death, mostly a traffic one, not an attack
    ("Het land voert de productie van raketten op.", set(), {"Conflict/Attack"}),
    ("Vanuit de bergen werden raketten afgevuurd op de stad.", {"Conflict/Attack"}, set()),
    ("Een fietser werd op de ring doodgereden.", {"Life/Die"}, {"Conflict/Attack"}),
])
def test_war_advance_and_capture(analyser: Analyser, sentence: str, expected: set[str], absent: set[str]) -> None:
    found = types(analyser, sentence)
    assert expected <= found, found
    assert not absent & found, found


@pytest.mark.parametrize(("sentence", "expected", "absent"), [
    # compounds of "moord" are murders; a murderer is not one, nor is a suicide an attack
    ("Een roofmoord in de Kempen schokt het dorp.", {"Conflict/Attack", "Life/Die"}, set()),
    ("De moordenaars van het meisje zitten in de gevangenis.", set(), {"Conflict/Attack"}),
    # the act of poisoning, not the participle used as an adjective
    ("De vergiftiging van de journalist wordt onderzocht.", {"Conflict/Attack"}, set()),
    ("De vergiftigde sfeer in de ploeg stoort de trainer.", set(), {"Conflict/Attack"}),
    # the battle for a named place, not getting to work
    ("De slag om Mosul duurde maanden.", {"Conflict/Attack"}, set()),
    ("De ministers gaan aan de slag om de begroting rond te krijgen.", set(), {"Conflict/Attack"}),
    # a superlative ranks an event, it does not report deaths
    ("Het was de dodelijkste storm ooit in de regio.", set(), {"Life/Die"}),
    ("Bij de dodelijke schietpartij vielen drie slachtoffers.", {"Life/Die"}, set()),
])
def test_murder_poisoning_battle_words(analyser: Analyser, sentence: str, expected: set[str],
                                       absent: set[str]) -> None:
    found = types(analyser, sentence)
    assert expected <= found, found
    assert not absent & found, found


def test_a_violent_act_named_in_a_suspicion_is_referred(analyser: Analyser) -> None:
    for sentence in ("De buurman wordt verdacht van de moord op de bejaarde vrouw.",
                     "De man, die verdacht wordt van een steekpartij in het station, is uitgeleverd."):
        _predicted, events = predict(analyser, sentence)
        act = next(e for e in events if e.sub_event_type == "Attack")
        assert "referred" in act.contexts and not act.happened, sentence
        assert "Conflict/Attack" in event_labels(act)  # the text asserts the act happened (ERE annotates it)
    _predicted, events = predict(analyser, "De buurman heeft de bejaarde vrouw vermoord.")
    assert not any("referred" in e.contexts for e in events)


def test_every_hit_goes_through_the_sense_layer(analyser: Analyser, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the sense layer says decides: a referred act is an event with the context "referred" that did not
    happen (though it still types its sentence); a figurative one is no event and no death or injury either."""
    from kroniek.extract import sense

    sentence = "Een man heeft gisteren in Gent een buschauffeur doodgestoken."
    monkeypatch.setattr(sense, "assess", lambda *_a, **_k: sense.Sense(referred="trial"))
    predicted, events = predict(analyser, sentence)
    attack = next(e for e in events if e.sub_event_type == "Attack")
    assert "referred" in attack.contexts and not attack.happened and event_labels(attack) == {"Conflict/Attack"}
    monkeypatch.setattr(sense, "assess", lambda *_a, **_k: sense.Sense(literal=False))
    predicted, events = predict(analyser, sentence)
    assert not any(e.sub_event_type == "Attack" for e in events)
    assert not {"Conflict/Attack", "Life/Die"} & {t for s in predicted["sentences"] for t in s["types"]
                                                  if not any(f["sentence"] == s["index"] for f in predicted["figures"])}


@pytest.mark.parametrize(("sentence", "expected", "absent"), [
    ("Het gerecht besliste de voormalige ministers op te sluiten.", {"Justice/ArrestJail"}, set()),
    ("De vakbondsleider zit al maanden in voorhechtenis.", {"Justice/ArrestJail"}, set()),
    ("De maffiabaas verdwijnt voor jaren achter de tralies.", {"Justice/ArrestJail"}, set()),
    ("De politie pakt twaalf jongeren op na de vechtpartij.", {"Justice/ArrestJail"}, set()),
    ("Het regime sluit de opposant al maanden op in een kazerne.", {"Justice/ArrestJail"}, set()),
    ("De trainer pakt uit met een nieuwe tactiek.", set(), {"Justice/ArrestJail"}),
    # what the prosecutor asks for is a demand, not a sentence
    ("Het openbaar ministerie vorderde acht jaar cel tegen de oplichter.", set(), {"Justice/ArrestJail"}),
    ("Tegen de bendeleider werd tien jaar cel geëist.", set(), {"Justice/ArrestJail"}),
    ("De bendeleider kreeg tien jaar cel.", {"Justice/ArrestJail"}, set()),
])
def test_arrest_and_prison_words(analyser: Analyser, sentence: str, expected: set[str], absent: set[str]) -> None:
    found = types(analyser, sentence)
    assert expected <= found, found
    assert not absent & found, found


def test_words_for_protesters_alone(analyser: Analyser) -> None:
    # one named activist reacting is not a demonstration
    _predicted, events = predict(analyser, "Dat is onaanvaardbaar, reageert actievoerder Piet Janssens.")
    assert not any(e.plover_type == "PROTEST" for e in events)
    # protesters fired at are the victims of an attack, not a demonstration of their own
    found = types(analyser, "Soldaten schoten op demonstranten in de hoofdstad.")
    assert "Conflict/Attack" in found and "Conflict/Demonstrate" not in found
    # the same protesters gathering are one
    assert "Conflict/Demonstrate" in types(analyser, "Duizenden demonstranten verzamelden zich op het plein.")
    # a word for the protest itself keeps it a demonstration, force or not
    found = types(analyser, "Soldaten schoten op demonstranten tijdens het protest in de hoofdstad.")
    assert {"Conflict/Attack", "Conflict/Demonstrate"} <= found


def test_coordinated_places_are_each_a_place(analyser: Analyser) -> None:
    predicted, events = predict(analyser, "Hij betreurt de aanslagen in Duitsland en Oostenrijk.")
    assert {"Duitsland", "Oostenrijk"} <= set(places_of(predicted))
    attack = next(e for e in events if e.sub_event_type == "Attack"
                  or e.event_type == "Explosions/Remote violence")
    assert {"Duitsland", "Oostenrijk"} <= {e.text for e in attack.evidence if e.field in ("place", "location")}
    predicted, _events = predict(analyser, "In Gent werd betoogd, in Brugge bleef het rustig.")
    assert "Brugge" not in places_of(predicted)


def test_a_region_named_by_its_part(analyser: Analyser) -> None:
    predicted, _events = predict(analyser, "Bij een aanslag in het zuiden van de Negevwoestijn vielen doden.")
    assert "Negevwoestijn" in places_of(predicted)


def test_a_place_in_the_reporting_clause_is_where_it_was_said(analyser: Analyser) -> None:
    predicted, _events = predict(analyser, "In Gent zijn twee mensen doodgestoken, zo meldde de politie in Brussel.")
    assert places_of(predicted)[0] == "Gent"
    predicted, _events = predict(analyser, "Er vielen twee doden bij een steekpartij aan de rand van Gent, zei de "
                                           "minister gisteren in Brussel.")
    assert "Brussel" not in places_of(predicted)[:1]


def test_daar_and_hier_stand_for_the_place_named_before(analyser: Analyser) -> None:
    predicted, _events = predict(analyser, "De vakbonden kondigden een actie aan in Antwerpen.",
                                 "Daar komen morgen duizenden arbeiders betogen.")
    assert "Daar" in places_of(predicted, 1)
    predicted, _events = predict(analyser, "De storm trof vooral de kust.", "Alleen al daar vielen tien doden.")
    assert "daar" in places_of(predicted, 1)
    # a pronominal adverb is no place
    predicted, _events = predict(analyser, "De burgemeester verbood de mars.", "Daar werd fel tegen betoogd.")
    assert "Daar" not in places_of(predicted, 1)
    # a sentence naming its own place needs no "daar"
    predicted, _events = predict(analyser, "Het leger trok naar de grens.", "Daar vielen in Gent drie doden.")
    assert "Daar" not in places_of(predicted, 1)


@pytest.mark.parametrize(("sentence", "expected", "absent"), [
    # "met scherp schieten op" is criticism unless police or soldiers shoot
    ("De oppositieleider schoot met scherp op het beleid van de minister.", set(), {"Conflict/Attack"}),
    ("De politie schoot met scherp op de menigte.", {"Conflict/Attack"}, set()),
    # a near miss or harm prevented is no injury
    ("Een fietser werd op het zebrapad bijna aangereden door een bus.", set(), {"Life/Injure"}),
    ("Een buschauffeur voorkwam gewonden door snel te remmen.", set(), {"Life/Injure"}),
    ("Een fietser werd op het zebrapad aangereden door een bus.", {"Life/Injure"}, set()),
])
def test_figurative_shooting_and_near_misses(analyser: Analyser, sentence: str, expected: set[str],
                                             absent: set[str]) -> None:
    found = types(analyser, sentence)
    assert expected <= found, found
    assert not absent & found, found
