"""The sense layer (extract/sense.py) on sentences of our own: victim, literal or figurative, one event or a kind,
happened or only referred to. Each case marks its trigger with [[...]] and gives the trigger's class."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest

from kroniek.analyse.pipeline import Analyser, AnalysisOptions
from kroniek.extract.sense import Sense, assess, knowledge, noun_class
from kroniek.model import Article


def _sense(analyser: Analyser, marked: str, event_class: str) -> Sense:
    found = re.search(r"\[\[(.+?)\]\]", marked)
    assert found is not None, marked
    text = marked.replace("[[", "").replace("]]", "")
    start, end = found.start(), found.start() + len(found.group(1))
    doc = analyser.analyse(Article(outlet="test", text=text, language="nl"))
    index = doc.sentence_at(start)
    assert index is not None
    return assess(doc, index, start, end, event_class)


def _outcome(sense: Sense) -> str:
    return "event" if sense.reports_event else "referred" if sense.happened else "no"


# --- the data, without Frog ------------------------------------------------------------------------------


def test_every_frame_and_class_loads() -> None:
    k = knowledge("nl")
    assert {f.name for f in k.frames} >= {"trial", "charge", "inquiry", "demand", "funeral", "commemoration",
                                          "anniversary", "media", "intent"}
    assert all(f.through for f in k.frames), "a frame needs the prepositions that link it to its act"
    assert k.people_only & k.outcome and not k.gathering & k.people_only


@pytest.mark.parametrize(("word", "kind"), [
    ("honden", "animal"), ("politiehond", "animal"), ("schapen", "animal"), ("katten", "animal"),
    ("wolven", "animal"), ("neushoorns", "animal"), ("koeien", "animal"),
    ("agent", "human"), ("wijkagenten", "human"), ("kinderen", "human"), ("brandweerman", "human"),
    ("auto's", "object"), ("woningen", "object"), ("politiepost", "object"), ("huizen", "object"),
    ("persvrijheid", "abstract"), ("democratie", "abstract"), ("terrorisme", "abstract"), ("kabinet", "abstract"),
    # compound heads must be real words: no owl in a patrol, no man in a novel, a court is no firm
    ("politiepatrouille", None), ("roman", None), ("gemeenschap", None), ("universiteit", None),
    ("relschoppers", "human"), ("brandweerman", "human"), ("kieswet", None), ("zeehonden", "animal"),
    ("schietpartij", None), ("regeringspartij", None), ("partij", "abstract"),
])
def test_noun_classes_by_lemma_plural_and_compound_head(word: str, kind: str | None) -> None:
    assert noun_class(word, word, knowledge("nl")) == kind


# --- sentences through Frog -------------------------------------------------------------------------------

frog = pytest.mark.skipif(shutil.which("frog") is None, reason="Frog: make setup")


@pytest.fixture(scope="module")
def deep() -> Iterator[Analyser]:
    with Analyser(AnalysisOptions(deep="all")) as analyser:
        yield analyser


VICTIMS = [
    # people: nouns for people, pronouns, and people in compounds
    ("Een agent werd gisteravond in Arnhem [[aangevallen]] door drie jongeren.", "assault", "event", "human"),
    ("In Venlo heeft een man zijn buurman [[neergestoken]].", "stabbing", "event", "human"),
    ("Hij [[schoot]] de overvaller neer.", "shooting", "event", "human"),
    ("Twee agenten en een voorbijganger raakten [[gewond]].", "injury", "event", "human"),
    ("De hond en zijn baasje werden [[aangevallen]] door een man met een mes.", "assault", "event", "human"),
    # animals as patients or as doers
    ("Een hond werd in Tilburg [[doodgeschoten]] door een agent.", "shooting", "no", "animal"),
    ("Agent [[schiet]] loslopende stier dood in weiland.", "shooting", "no", "animal"),
    ("De wolf heeft drie schapen [[gedood]].", "killing", "no", "animal"),
    ("Twintig koeien zijn bij de stalbrand [[omgekomen]].", "dying", "no", "animal"),
    ("Het paard van de boer werd [[mishandeld]].", "assault", "no", "animal"),
    ("Er loopt een onderzoek naar [[dierenmishandeling]] op een boerderij.", "assault", "no", "animal"),
    ("Een wandelaar werd [[aangevallen]] door een beer.", "assault", "no", "human"),
    # property: a normal target of attacks, shootings and arson; no victim of a killing
    ("Rebellen openden de [[aanval]] op de politiepost.", "assault", "event", "object"),
    ("Onbekenden hebben schoten [[gelost]] op een woning in Rotterdam-Zuid.", "shooting", "event", "object"),
    ("De man heeft de auto van zijn ex-vriendin in brand [[gestoken]].", "arson", "event", "object"),
    ("Een schip met graan werd in de haven [[aangehouden]].", "arrest", "no", "object"),
    # forces and services stand for their people; a short word inside a compound is no head of it
    ("Een groep jongeren [[bekogelde]] de brandweer met stenen.", "assault", "event", "human"),
    ("In Utrecht heeft de politie woensdag twaalf relschoppers [[gearresteerd]].", "arrest", "event", "human"),
    # the subject of a passive is the phrase nearest before its participle
    ("De wagen werd in beslag genomen en de bestuurder [[aangehouden]].", "arrest", "event", "human"),
    ("Verdachten zaak mishandelde koe [[opgepakt]]", "arrest", "event", "human"),
    # an outcome verb with an object hurts its object
    ("Een vrachtwagen [[rijdt]] een fietser aan in Gent.", "injury", "event", "human"),
    ("Een vrachtwagen [[rijdt]] een hert aan op de snelweg.", "injury", "no", "animal"),
    # a victim in a compound carries a linking ending: a visa row has no fish in it
    ("De [[visarel]] tussen de twee landen loopt uit de hand.", "riot", "event", None),
    # a death word on a noun for no one says the event killed someone; on animals it is no death of people
    ("Na de [[dodelijke]] schietpartij in de school sloot de stad alle scholen.", "dying", "event", None),
    ("Drie [[dode]] koeien lagen in het weiland.", "dying", "no", "animal"),
    # a part of a group is of the kind of its "van" noun, as a number is
    ("Meer dan de helft van de aangespoelde dolfijnen is [[gestorven]].", "dying", "no", "animal"),
    ("Een deel van de passagiers is [[gewond]] geraakt.", "injury", "event", "human"),
]


@frog
@pytest.mark.parametrize(("sentence", "event_class", "outcome", "victim"), VICTIMS)
def test_victim(deep: Analyser, sentence: str, event_class: str, outcome: str, victim: str) -> None:
    sense = _sense(deep, sentence, event_class)
    assert (_outcome(sense), sense.victim) == (outcome, victim), sense


FIGURATIVE = [
    # a government, an official or a party that protests objects in words; people who protest gather
    ("De regering [[protesteert]] tegen de sancties.", "protest", False),
    ("Ondanks het [[protest]] van de oppositie keurde het parlement de wet goed.", "protest", False),
    ("Duizenden boeren [[protesteerden]] in Brussel tegen de nieuwe regels.", "protest", True),
    ("Ook de burgemeester [[betoogde]] mee met de inwoners.", "protest", True),
    # abstract targets: ideas, rights, institutions as bodies, prices, ills
    ("De regering noemt het voorstel een [[aanval]] op de rechtsstaat.", "assault", False),
    ("Volgens de vakbond is het plan een [[aanval]] op de koopkracht.", "assault", False),
    ("De [[strijd]] tegen de armoede is nog niet gewonnen.", "clash", False),
    ("De oppositie opende de [[aanval]] op het kabinet.", "assault", False),
    ("De partij zette in het debat de [[aanval]] in op de minister van Financiën.", "assault", False),
    # literal: a building, soldiers, a state's forces
    ("Bij de [[aanval]] op de kazerne kwamen vier soldaten om.", "assault", True),
    ("Het leger lag de hele nacht onder [[vuur]] van de rebellen.", "shooting", True),
    ("Een aanslag op de regering met een autobom kostte drie agenten het [[leven]].", "dying", True),
    # domain modifiers and waging parties: trade, politics, law, commerce
    ("De Verenigde Staten en China voeren een [[handelsoorlog]].", "clash", False),
    ("Het werd een politieke [[oorlog]] om de begroting.", "clash", False),
    ("Het bedrijf begint een [[offensief]] met goedkope elektrische auto's.", "military-operation", False),
    ("De [[cyberaanval]] legde het netwerk van de gemeente plat.", "assault", False),
    # forms: present participles as adjectives, degree words
    ("De [[moordende]] hitte hield de toeristen binnen.", "killing", False),
    ("Het [[aanvallende]] spel van de ploeg leverde twee doelpunten op.", "assault", False),
    ("De [[aanhoudende]] regen zorgde voor overlast.", "arrest", False),
    # idioms by meaning
    ("Zijn voorstel was een [[schot]] in de roos.", "shooting", False),
    ("De uitspraak van de minister is een [[bom]] onder het akkoord.", "bombing", False),
    ("Het nieuws sloeg in als een [[bom]].", "bombing", False),
    ("Het kabinet ligt onder [[vuur]] vanwege de plannen voor de zorg.", "shooting", False),
    ("Het plan van de wethouder werd door de raad [[afgeschoten]].", "shooting", False),
    ("Op de bloemenmarkt was het een [[explosie]] van kleur.", "bombing", False),
    ("Het Hof velde gisteren een [[arrest]] in de zaak.", "arrest", False),
    # play in sport, unless a person is hurt
    ("De spits zette de [[aanval]] in en scoorde in de tweede helft.", "assault", False),
    ("De keeper werd na de wedstrijd [[aangevallen]] door supporters.", "assault", True),
    # other senses of judicial and strike words
    ("De zaak tegen de man werd [[aangehouden]] tot volgende maand.", "arrest", False),
    ("De politie heeft twee verdachten [[aangehouden]].", "arrest", True),
    ("De betalingen aan het bedrijf zijn [[gestaakt]].", "strike", False),
    ("De buschauffeurs in Utrecht [[staken]] sinds maandag.", "strike", True),
    # a gathering's "tegen" phrase is its issue, not a target
    ("Duizenden mensen [[betoogden]] in Den Haag tegen het klimaatbeleid.", "protest", True),
    ("Op de beurs gaf het bedrijf een [[demonstratie]] van de nieuwe technologie.", "protest", False),
]


@frog
@pytest.mark.parametrize(("sentence", "event_class", "literal"), FIGURATIVE)
def test_literal_or_figurative(deep: Analyser, sentence: str, event_class: str, literal: bool) -> None:
    sense = _sense(deep, sentence, event_class)
    assert sense.literal is literal, sense
    assert sense.reports_event is literal, sense


DELIBERATE = [
    ("Door een gaslek ontstond een [[explosie]] in een flat in Den Haag.", "bombing", False),
    ("Bij een [[gasexplosie]] in de woning raakte een man gewond.", "bombing", False),
    ("De explosievenopruimingsdienst bracht de granaat tot [[ontploffing]].", "bombing", False),
    ("Bij een [[botsing]] tussen twee vrachtwagens liep de snelweg vast.", "clash", False),
    ("Onbekenden lieten een [[explosief]] ontploffen bij een café.", "bombing", True),
    ("Bij [[botsingen]] tussen supporters en de politie vielen gewonden.", "clash", True),
    # a death in an accident is still a death
    ("Bij een gasexplosie in de woning [[kwam]] een man om het leven.", "dying", True),
]


@frog
@pytest.mark.parametrize(("sentence", "event_class", "deliberate"), DELIBERATE)
def test_deliberate_or_accident(deep: Analyser, sentence: str, event_class: str, deliberate: bool) -> None:
    sense = _sense(deep, sentence, event_class)
    assert sense.deliberate is deliberate and sense.reports_event is deliberate, sense


GENERIC = [
    ("Jaarlijks [[sterven]] honderden fietsers in het verkeer.", "dying", True),
    ("Elk jaar worden duizenden vrouwen [[mishandeld]] door hun partner.", "assault", True),
    ("Steeds meer hulpverleners worden [[mishandeld]].", "assault", True),
    ("Het aantal [[schietpartijen]] in de stad steeg vorig jaar.", "shooting", True),
    ("Volgens de misdaadcijfers daalde het aantal [[overvallen]].", "assault", True),
    ("Wie een agent [[aanvalt]], moet rekenen op een zware straf.", "assault", True),
    ("Wie er achter de [[aanvallen]] zit, is nog onduidelijk.", "assault", False),
    ("Per 100.000 inwoners worden er in de stad twaalf mensen [[vermoord]].", "killing", True),
    ("Waarom plegen jongeren een [[aanslag]]?", "bombing", True),
    # a count that rises or falls by a percentage is a statistic
    ("Het aantal verkeersongevallen met [[gewonden]] is vorig jaar met 7 procent gedaald.", "injury", True),
    ("Het aantal ongelukken met [[doden]] steeg met 12 procent.", "dying", True),
    # a death word on a means that can kill says what it can do, not that anyone died
    ("In de kelder vond de politie het [[dodelijke]] gif.", "dying", True),
    ("Het [[dodelijke]] virus verspreidt zich in de regio.", "dying", True),
    ("Bij een [[dodelijk]] ongeval op de snelweg was een vrachtwagen betrokken.", "dying", False),
    # one event: counting its victims, a recurring event that took place, a question about it
    ("Het aantal doden bij de [[aanslag]] is opgelopen tot dertig.", "bombing", False),
    ("Bij de [[aanslag]] op het station vielen twaalf doden.", "bombing", False),
    ("De jaarlijkse [[optocht]] trok tienduizend bezoekers.", "protest", False),
    ("Wie pleegde de [[aanslag]] op het station?", "bombing", False),
]


@frog
@pytest.mark.parametrize(("sentence", "event_class", "generic"), GENERIC)
def test_one_event_or_a_kind(deep: Analyser, sentence: str, event_class: str, generic: bool) -> None:
    sense = _sense(deep, sentence, event_class)
    assert sense.generic is generic, sense
    assert sense.reports_event is not generic, sense


REFERRED = [
    # a trial, a charge or a demand about a particular act: the act happened, it is only referred to
    ("Het proces over de [[moord]] op de journaliste begint maandag.", "killing", "referred", "trial"),
    ("Hij staat terecht voor de [[moord]] op zijn vrouw.", "killing", "referred", "trial"),
    ("De man wordt verdacht van de [[moord]] op een kioskhouder in Gent.", "killing", "referred", "charge"),
    ("Het OM eist acht jaar cel voor de [[steekpartij]] in Breda.", "stabbing", "referred", "demand"),
    ("De rechter veroordeelde de vrouw tot vijf jaar cel voor haar rol in de [[aanslag]].", "bombing", "referred",
     "trial"),
    ("De [[moord]] waarvoor hij terechtstaat gebeurde in 2019.", "killing", "referred", "trial"),
    # the act named bare in a charge is referred too (a rule reading it as a mere kind helped one tune document only
    # and was taken out)
    ("Zij is aangeklaagd voor [[mishandeling]].", "assault", "referred", "charge"),
    ("De man wordt verdacht van [[doodslag]].", "killing", "referred", "charge"),
    ("De politie heeft een man gearresteerd op verdenking van [[moord]].", "killing", "referred", "charge"),
    ("De inspectie doet onderzoek naar mogelijke [[mishandeling]] in het tehuis.", "assault", "no", None),
    ("De verdachte wordt ervan verdacht zijn vrouw te hebben [[vermoord]].", "killing", "no", "charge"),
    # a judicial act under a demand or a risk has not happened; one handed down has
    ("Het OM eiste zes jaar [[cel]] tegen de schutter.", "sentence", "no", "demand"),
    ("De verdachte riskeert tien jaar [[cel]].", "sentence", "no", "demand"),
    ("De rechtbank veroordeelde de schutter tot zes jaar [[cel]].", "sentence", "event", None),
    ("De politie heeft een man [[gearresteerd]] op verdenking van moord.", "arrest", "event", None),
    # funerals, commemorations, anniversaries, works about the act
    ("Duizenden mensen woonden de begrafenis van de [[vermoorde]] agent bij.", "killing", "referred", "funeral"),
    ("Precies een jaar na de [[aanslag]] op de metro werd een monument onthuld.", "bombing", "referred",
     "anniversary"),
    ("De slachtoffers van de [[aanslagen]] in Brussel werden herdacht.", "bombing", "referred", "commemoration"),
    ("Een nieuwe film over de [[ontvoering]] van de zakenman komt in de bioscoop.", "kidnapping", "referred",
     "media"),
    # a funeral and a new shooting in one sentence: the shooting at the funeral is news
    ("Tijdens de begrafenis van de doodgeschoten jongen werd opnieuw [[geschoten]].", "shooting", "event", None),
    ("Tijdens de begrafenis van de [[doodgeschoten]] jongen werd opnieuw geschoten.", "shooting", "referred",
     "funeral"),
    ("Bij de rechtbank in Veurne werd een vrouw [[neergestoken]].", "stabbing", "event", None),
    # an inquiry into a particular act is how news reports that act
    ("De politie onderzoekt de [[schietpartij]] van gisteravond in Utrecht.", "shooting", "event", None),
    # plans, fears, calls, prevention: not happened
    ("De terroristen beraamden een [[aanslag]] op het parlement.", "bombing", "no", None),
    ("De politie vreest nieuwe [[rellen]] in de wijk.", "riot", "no", None),
    ("De politie heeft een [[aanslag]] verijdeld.", "bombing", "no", None),
    ("Het snelle ingrijpen verhinderde een [[bloedbad]].", "killing", "no", None),
    # almost is not at all; before a number it is a quantity
    ("Een automobilist [[reed]] bijna een fietser aan.", "injury", "no", None),
    ("Een jongen werd gisteren haast [[doodgestoken]] in het park.", "killing", "no", None),
    ("Bij de aanslag [[kwamen]] bijna honderd mensen om.", "dying", "event", None),
    ("De betogers werden bijna allemaal [[gearresteerd]].", "arrest", "event", None),
    ("Hij riep zijn volgelingen op om [[aanslagen]] te plegen.", "bombing", "no", None),
    ("De [[vermeende]] aanslag bleek een ongeluk.", "bombing", "no", None),
    ("De piloten willen vanaf maandag [[staken]].", "strike", "no", None),
    ("Eis: acht jaar [[cel]] voor de schutter.", "sentence", "no", "demand"),
    ("Vonnis: acht jaar [[cel]] voor de schutter.", "sentence", "event", None),
    ("De terreurgroep eist de [[aanslag]] in Kaboel op.", "bombing", "event", None),
    ("Hij wordt verdacht van het [[doden]] van zijn buurman.", "killing", "referred", "charge"),
    # and the plain report, for contrast
    ("Bij een [[schietpartij]] in Rotterdam is gisteren een man gewond geraakt.", "shooting", "event", None),
]


@frog
@pytest.mark.parametrize(("sentence", "event_class", "outcome", "referred"), REFERRED)
def test_happened_or_referred(deep: Analyser, sentence: str, event_class: str, outcome: str,
                              referred: str | None) -> None:
    sense = _sense(deep, sentence, event_class)
    assert (_outcome(sense), sense.referred) == (outcome, referred), sense


@frog
def test_shallow_sentences_still_get_victims_and_frames() -> None:
    """Without Frog the layer reads words with the grammar lists of the data file."""
    with Analyser(AnalysisOptions(deep="none")) as shallow:
        assert _sense(shallow, "Een hond werd [[doodgeschoten]] door een agent.", "shooting").victim == "animal"
        assert _sense(shallow, "Hij wordt verdacht van de [[moord]] op zijn buurman.", "killing").referred == "charge"
        assert _sense(shallow, "De regering noemt het een [[aanval]] op de rechtsstaat.", "assault").literal is False
        assert _sense(shallow, "Een agent werd [[aangevallen]] in Zwolle.", "assault").reports_event


# --- tense: an act still to come is a future event, never one that took place ------------------------------

FUTURE = [
    # (sentence with the trigger marked, class, the tense class or None)
    ("De oppositie roept op dinsdag opnieuw te [[demonstreren]].", "protest", "call"),
    ("De vakbond roept de leden op om vrijdag te [[staken]].", "strike", "call"),
    ("Activisten willen zaterdag in Den Haag [[demonstreren]].", "protest", "volition"),
    ("De boeren gaan volgende week opnieuw [[demonstreren]] in Den Haag.", "protest", "going"),
    ("Duizenden leraren zullen zaterdag [[demonstreren]] in Amsterdam.", "protest", "shall"),
    ("De actiegroep is van plan dinsdag te [[demonstreren]] bij het provinciehuis.", "protest", "plan"),
    ("Het personeel dreigt maandag te [[staken]].", "strike", "threat"),
    # past and present acts are no future ones
    ("In Almaty [[demonstreerden]] dinsdag duizenden mensen.", "protest", None),
    ("De betogers gingen dinsdag [[demonstreren]] in Almaty.", "protest", None),
    ("Honderden boeren [[demonstreren]] vandaag in Den Haag.", "protest", None),
    ("De vakbond riep de staking uit en de leden [[staakten]] dinsdag.", "strike", None),
]


@pytest.mark.parametrize(("sentence", "event_class", "planned"), FUTURE)
def test_a_verb_of_a_future_class_plans_the_act_shallow(sentence: str, event_class: str,
                                                         planned: str | None) -> None:
    with Analyser(AnalysisOptions(deep="none")) as shallow:
        sense = _sense(shallow, sentence, event_class)
    assert sense.planned == planned, sense
    assert not sense.happened if planned else sense.happened


@frog
@pytest.mark.parametrize(("sentence", "event_class", "planned"), FUTURE)
def test_a_verb_of_a_future_class_plans_the_act_with_frog(deep: Analyser, sentence: str, event_class: str,
                                                           planned: str | None) -> None:
    sense = _sense(deep, sentence, event_class)
    assert sense.planned == planned, sense


@pytest.mark.parametrize("deep_mode", ["none", pytest.param("all", marks=frog)])
def test_a_called_protest_is_a_future_event_on_the_coming_day(deep_mode: str) -> None:
    import datetime as dt

    from kroniek.extract.stage import extract_article
    from kroniek.model import PartialDate

    thursday = PartialDate.day(dt.date(2024, 11, 7))
    with Analyser(AnalysisOptions(deep=deep_mode)) as analyser:
        def events(text: str) -> list[tuple[str, list[str]]]:
            article = Article(outlet="test", text=text, published=thursday, language="nl")
            found, _claims = extract_article(article, analyser.analyse(article))
            return [(e.date.iso() if e.date else "", e.contexts) for e in found if e.event_type == "Protests"]

        assert events("De oppositie roept op dinsdag opnieuw te demonstreren.") == [("2024-11-12", ["future"])]
        assert events("Duizenden leraren zullen zaterdag demonstreren in Amsterdam.") == [("2024-11-09", ["future"])]
        assert events("In Almaty demonstreerden dinsdag duizenden mensen.") == [("2024-11-05", [])]
