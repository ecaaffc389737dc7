"""Events, actors, contexts, figures and attribution on our own Dutch sentences, and the seeds end to end."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator

import pytest

from conftest import SHARED
from kroniek.analyse.pipeline import Analyser, AnalysisOptions
from kroniek.extract.stage import extract_article
from kroniek.model import Article, Claim, DatePrecision, Event, PartialDate
from kroniek.pipeline import deep_selector

DAY = PartialDate.day(dt.date(2024, 11, 7))  # a Thursday


@pytest.fixture(scope="module")
def analyser() -> Iterator[Analyser]:
    with Analyser(AnalysisOptions(deep="none")) as shallow:  # the fast path; the seeds test runs Frog
        yield shallow


def extract(analyser: Analyser, text: str, published: PartialDate | None = DAY,
            outlet: str = "stadskrant") -> tuple[list[Event], list[Claim]]:
    article = Article(outlet=outlet, text=text, published=published, language="nl")
    return extract_article(article, analyser.analyse(article))


def only(events: list[Event], **fields: object) -> list[Event]:
    return [e for e in events if all(getattr(e, k) == v for k, v in fields.items())]


@pytest.mark.parametrize(("sentence", "event_type", "sub_event_type", "plover"), [
    ("In Rotterdam demonstreerden zaterdag honderden mensen tegen de woningnood.", "Protests", "Peaceful protest",
     "PROTEST"),
    ("De politie zette traangas in tegen de demonstranten in Utrecht.", "Protests", "Protest with intervention",
     "PROTEST"),
    ("Relschoppers plunderden dinsdag winkels in het centrum van Lyon.", "Riots", "Violent demonstration", "PROTEST"),
    ("Bij een luchtaanval op Aleppo kwamen gisteren elf burgers om.", "Explosions/Remote violence",
     "Air/drone strike", "ASSAULT"),
    ("Gewapende milities hebben het vliegveld van Goma overgenomen.", "Battles",
     "Non-state actor overtakes territory", "ASSAULT"),
    ("Het leger heeft de stad Marioepol heroverd.", "Battles", "Government regains territory", "ASSAULT"),
    ("In Utrecht heeft de politie woensdag twaalf relschoppers gearresteerd.", "Strategic developments", "Arrests",
     "COERCE"),
    ("De president van Mali vroeg Frankrijk om militaire steun.", "Strategic developments", "Other", "REQUEST"),
    ("Honderd Franse soldaten zijn donderdag in Bamako aangekomen.", "Strategic developments", "Other",
     "MOBILIZE"),
    ("De regering van Peru is woensdag afgetreden.", "Strategic developments", "Change to group/activity",
     "RETREAT"),
    ("De twee partijen sloten een akkoord over een wapenstilstand in Jemen.", "Strategic developments",
     "Agreement", "AGREE"),
    ("België heeft een Russische diplomaat uitgewezen.", "Strategic developments", "Other", "SANCTION"),
    # inflections and compounds: "betoogd", "straatprotest", "mesaanval"; crime violence; prison terms
    ("In Gent werd zondag betoogd tegen de nieuwe parkeerregels.", "Protests", "Peaceful protest", "PROTEST"),
    ("Na dagen van straatprotest viel de regering.", "Protests", "Peaceful protest", "PROTEST"),
    ("Een fietser raakte zwaargewond bij een mesaanval in Zwolle.", "Violence against civilians", "Attack",
     "ASSAULT"),
    ("Een bestelwagen reed in op een groep wandelaars in Breda.", "Violence against civilians", "Attack",
     "ASSAULT"),
    ("De rechter gaf de inbreker uit Hasselt vier jaar cel.", "Strategic developments", "Other", "SANCTION"),
])
def test_event_types(analyser: Analyser, sentence: str, event_type: str, sub_event_type: str, plover: str) -> None:
    events, _ = extract(analyser, sentence)
    assert only(events, event_type=event_type, sub_event_type=sub_event_type, plover_type=plover), \
        [(e.event_type, e.sub_event_type, e.plover_type) for e in events]


def test_actors_and_place(analyser: Analyser) -> None:
    events, _ = extract(analyser, "Franse oproerpolitie heeft in Lyon traangas gebruikt tegen demonstranten.")
    [protest] = only(events, plover_type="PROTEST")
    assert protest.actor1 is not None and protest.actor1.actor_type == "Protesters"
    assert protest.actor2 is not None and protest.actor2.actor_type == "State forces"
    assert protest.actor2.name == "Police Forces of France"
    assert protest.place is not None and protest.place.name == "Lyon" and protest.place.geo_precision == 1
    assert protest.place.iso2 == "FR" and protest.place.latitude is not None
    fields = {e.field for e in protest.evidence}
    assert {"trigger", "actor1", "place"} <= fields


def test_foreign_troops_keep_their_country(analyser: Analyser) -> None:
    events, _ = extract(analyser, "Duitse militairen zijn in Litouwen aangekomen om de grens te bewaken.")
    [mobilize] = only(events, plover_type="MOBILIZE")
    assert mobilize.actor1 is not None and mobilize.actor1.name == "Military Forces of Germany"
    assert mobilize.place is not None and mobilize.place.iso2 == "LT"


@pytest.mark.parametrize(("sentence", "context"), [
    ("De politie heeft bij de betoging in Gent niemand aangehouden.", "negated"),
    ("De vakbond dreigt volgende week in Antwerpen te staken.", "hypothetical"),
    ("Volgende week zal er in Brussel worden gedemonstreerd.", "future"),
    ("In 2014 werden in Kiev tientallen demonstranten gedood.", "historical"),
])
def test_contexts_keep_events_but_not_as_happened(analyser: Analyser, sentence: str, context: str) -> None:
    events, _ = extract(analyser, sentence)
    assert events and any(context in e.contexts and not e.happened for e in events)


def test_plain_report_happened(analyser: Analyser) -> None:
    events, _ = extract(analyser, "Duizenden boeren demonstreerden dinsdag in Den Haag.")
    assert events and all(e.happened for e in events)


def test_month_precision_article_keeps_month(analyser: Analyser) -> None:
    events, _ = extract(analyser, "Dinsdag gingen in Lima duizenden mensen de straat op.",
                        published=PartialDate.month(2024, 11))
    [protest] = only(events, plover_type="PROTEST")
    assert protest.date is not None and protest.date.precision is DatePrecision.MONTH


def test_weekday_resolves_against_a_day_article(analyser: Analyser) -> None:
    events, _ = extract(analyser, "Dinsdag gingen in Lima duizenden mensen de straat op.")
    [protest] = only(events, plover_type="PROTEST")
    assert protest.date is not None and protest.date.value == dt.date(2024, 11, 5)


def claims_of(analyser: Analyser, text: str, outlet: str = "stadskrant") -> list[Claim]:
    return extract(analyser, text, outlet=outlet)[1]


def test_figures_with_hedges_groups_and_sources(analyser: Analyser) -> None:
    claims = claims_of(analyser, "Bij de rellen in Lagos zijn volgens de autoriteiten zeker negen agenten "
                                 "om het leven gekomen.")
    [killed] = claims
    assert (killed.kind, killed.value, killed.qualifier, killed.group_type) == ("killed", 9, "at_least", "police")
    assert killed.attribution == ["stadskrant", "autoriteiten"]


def test_agency_relays_an_original_source(analyser: Analyser) -> None:
    text = ("De Peruaanse politie beweert tientallen demonstranten te hebben aangehouden, meldt persbureau Reuters. "
            "Of dat klopt kan niet worden bevestigd.")
    [arrested] = claims_of(analyser, text, outlet="avondkrant")
    assert arrested.kind == "arrested" and arrested.vague == "tientallen" and arrested.value == 10
    assert arrested.attribution == ["avondkrant", "Reuters", "Peruaanse politie"]
    assert arrested.unconfirmed


def test_agency_named_with_volgens(analyser: Analyser) -> None:
    [crowd] = claims_of(analyser, "In Santiago gingen volgens persbureau AFP zo'n tienduizend mensen de straat op.")
    assert (crowd.kind, crowd.value, crowd.qualifier) == ("crowd", 10000, "about")
    assert crowd.attribution == ["stadskrant", "AFP"]


def test_attribution_carries_to_a_conditional_next_sentence(analyser: Analyser) -> None:
    text = ("Volgens het ministerie zijn er veertien doden gevallen bij de onrust in Quito. "
            "Ook zouden meer dan honderd mensen gewond zijn geraakt, van wie twintig ernstig.")
    claims = claims_of(analyser, text)
    injured = [c for c in claims if c.kind == "injured"]
    assert [c.value for c in injured] == [100, 20]
    assert injured[0].qualifier == "more_than" and injured[0].attribution == ["stadskrant", "ministerie"]
    assert "subset" in injured[1].contexts


def test_death_verbs_carry_figures_and_mentions(analyser: Analyser) -> None:
    _events, claims = extract(analyser, "In Arnhem zijn gisteren twee mannen doodgestoken.")
    assert [(c.kind, c.value) for c in claims] == [("killed", 2)]
    from kroniek.evaluate.events import reports_casualty
    from kroniek.extract.lexicon import lexicon

    lex = lexicon("nl")
    assert reports_casualty("de oude visser overleefde het niet", "killed") is not None
    assert reports_casualty("de agent werd zwaar toegetakeld", "injured") is not None
    assert lex.no_victims.search("er vielen geen gewonden") and not lex.no_victims.search("er vielen drie gewonden")


def test_strike_compounds_do_not_match_protestant(analyser: Analyser) -> None:
    events, _ = extract(analyser, "De protestantse kerk in Kampen viert haar jubileum.")
    assert not only(events, plover_type="PROTEST")


def test_place_where_it_happened_not_where_someone_comes_from(analyser: Analyser) -> None:
    events, _ = extract(analyser, "Een man uit Deventer is zaterdag neergestoken in Apeldoorn.")
    attack = only(events, sub_event_type="Attack")
    assert attack and attack[0].place is not None and attack[0].place.name == "Apeldoorn"


def test_location_in_the_articles_own_words_when_no_place_is_known(analyser: Analyser) -> None:
    events, _ = extract(analyser, "Bij een steekpartij in de stationsbuurt raakte een jongen gewond.")
    attack = only(events, sub_event_type="Attack")
    assert attack
    assert [e.text for e in attack[0].evidence if e.field == "location"] == ["de stationsbuurt"]
    events, _ = extract(analyser, "In januari werd in Apeldoorn iemand neergestoken.")
    assert not [e for e in only(events, sub_event_type="Attack")[0].evidence if e.field == "location"]


def test_numbers_that_are_not_people_are_not_figures(analyser: Analyser) -> None:
    assert claims_of(analyser, "De protesten duren al vijf dagen en kostten de stad 2 miljoen euro.") == []


@pytest.mark.frog
@pytest.mark.skipif(not (SHARED / "seeds").exists() or shutil.which("frog") is None,
                    reason="needs ../shared/seeds and Frog")
def test_seeds_end_to_end() -> None:
    """A check, not a special case: what a reader must find in the two seed articles."""
    articles = []
    for index, path in enumerate(sorted((SHARED / "seeds").glob("*.txt"))):
        from kroniek.ingest import read_records

        [article] = [r for r in read_records([str(path)]) if isinstance(r, Article)]
        article.outlet = f"outlet-{index}"
        articles.append(article)
    events: list[Event] = []
    claims: list[Claim] = []
    with Analyser(select=deep_selector()) as analyser:
        for article in articles:
            found = extract_article(article, analyser.analyse(article))
            events += found[0]
            claims += found[1]
    happened = [e for e in events if e.happened]
    assert any(e.plover_type == "PROTEST" and e.place and e.place.name == "Almaty" for e in happened)
    assert any(e.plover_type == "REQUEST" for e in happened)
    assert any(e.plover_type == "MOBILIZE" and e.actor1 and "Russia" in e.actor1.name for e in happened)
    assert any(e.sub_event_type == "Change to group/activity" for e in happened)
    assert any(e.sub_event_type == "Non-state actor overtakes territory" for e in happened)
    assert all(e.date is None or e.date.precision is DatePrecision.MONTH for e in events)
    figures = {(c.kind, c.value, c.qualifier, c.group_type) for c in claims}
    assert ("killed", 8, "at_least", "security forces") in figures
    assert ("killed", 10, None, "protesters") in figures
    assert ("injured", 317, None, "police") in figures
    assert ("arrested", 100, None, "people") in figures and ("arrested", 2000, "more_than", "people") in figures
    assert ("crowd", 5000, "about", "people") in figures
    by_value = {c.value: c for c in claims}
    assert by_value[8].attribution[1:] == ["autoriteiten"]
    assert by_value[5000].attribution[1:] == ["AFP"]
    assert by_value[2000].attribution[1:] == ["Reuters", "Kazachse politie"] and by_value[2000].unconfirmed
    assert "subset" in by_value[400].contexts
