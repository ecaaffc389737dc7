"""Genre from shape and rubric words (kroniek.link.genre), on pieces written for these tests."""

from __future__ import annotations

import pytest

from kroniek.link.genre import Genre, item_spans, kicker, recognise, rubric_of, signatures

REPORT = (
    "De sluis bij Terneuzen is sinds dinsdagochtend dicht. Een sluisdeur raakte beschadigd toen een vrachtschip "
    "tegen de kolk voer. Rijkswaterstaat verwacht dat de reparatie twee weken duurt. Schepen moeten in die tijd "
    "omvaren via de Westsluis, wat volgens de binnenvaart uren extra kost. Een woordvoerder zegt dat de oorzaak "
    "van de aanvaring nog wordt onderzocht.")
LETTER = (
    "'Gemeente stelt fietsbrug uit' (AD 4-5). Dat vind ik onbegrijpelijk. Elke ochtend fiets ik met mijn dochter "
    "om via de drukke rotonde, en elke ochtend houd ik mijn hart vast. Karel Boomsma, Zwijndrecht.")
LETTERS_PAGE = (
    "Over de nieuwe busbaan schrijft de wethouder onzin. Ik rijd er dagelijks en sta vaker stil dan ooit. "
    "Petra de Wit, Tilburg. De parkeertarieven stijgen weer, terwijl de garages leeg staan. Wie betaalt dat "
    "eigenlijk? J. van der Meer, Oss. Het nieuwe zwembad is prachtig geworden, complimenten aan de bouwers. "
    "Ahmed Bakker, Den Bosch.")
BULLETIN = (
    "ZWOLLE - Een fietser is gisteren gewond geraakt bij een botsing met een bestelbus op de Ceintuurbaan. "
    "DEVENTER - Het stadhuis blijft vandaag dicht vanwege een storing in de verwarming. KAMPEN - De weekmarkt "
    "verhuist tijdelijk naar de kade, omdat het plein wordt opgeknapt.")
COLUMN = (
    "Het was vroeg toen ik de deur uit liep, de stad nog grijs en stil. Ik had me voorgenomen om deze week niet "
    "over het weer te schrijven, maar wie mij kent weet hoe dat afloopt. Mijn buurman stond al bij de schutting, "
    "koffie in de hand, en riep dat het voorjaar nu echt begonnen was. Ik geloofde hem niet. Ik geloof nooit iets "
    "voordat ik het zelf heb gezien, en ik had nog geen enkele merel gehoord. Toch liep ik later door het park en "
    "zag ik de eerste krokussen. Misschien heb ik het mis, dacht ik, misschien moet ik vaker luisteren naar mijn "
    "buurman. Het zou niet de eerste keer zijn dat hij gelijk krijgt en ik mijn woorden moet inslikken, maar ik "
    "geef het nog niet graag toe, ook niet aan mezelf.")
INTERVIEW = (
    "Waarom koos u voor de politiek? Omdat ik vond dat het dorp een stem nodig had. Wat was het moeilijkste "
    "moment? De sluiting van de school, zonder twijfel. Hoe kijkt u terug op die tijd? Met gemengde gevoelens. "
    "En wat gaat u nu doen? Eerst een lange wandeling maken, en dan zien we wel. Heeft u spijt? Nee, nergens van.")
OPED = (
    "Het kabinet wil de kinderopvang goedkoper maken, maar vergeet waar het werkelijk om draait. Gemeenten kampen "
    "met lange wachtlijsten en een tekort aan leidsters. Zolang de lonen achterblijven, lost geen toeslag dat op. "
    "Het is tijd voor een plan dat de sector zelf versterkt. Mieke Jansen is hoogleraar pedagogiek aan de "
    "Universiteit Utrecht.")


def test_a_plain_report_is_news() -> None:
    assert recognise("Sluisdeur Terneuzen kapot na aanvaring", REPORT) == Genre("news", 1, "")


@pytest.mark.parametrize(("title", "genre"), [
    ("Lente in de stad. Column Karel Smit", "opinion"),
    ("Parkeren wordt duurder. Hans de Boer Commentaar", "editorial"),
    ("Kort nieuws", "bulletin"),
    ("Brieven", "letters"),
    ("De stelling", "poll"),
    ("Burgemeester over zijn afscheid. Interview", "interview"),
    ("Jarig", "recurring"),
])
def test_rubric_words_name_the_genre(title: str, genre: str) -> None:
    assert rubric_of(title) == genre


def test_a_rubric_word_inside_a_headline_is_no_rubric() -> None:
    assert rubric_of("Kamer wil weer debat over het kort geding") is None
    assert rubric_of("Weer een brief van de minister over de brug") is None
    assert kicker("Sluis dicht. Terneuzen") == "Terneuzen" and kicker("Sluis dicht") == ""


def test_a_signed_letter_and_a_page_of_them() -> None:
    letter = recognise("Fietsbrug", LETTER)
    assert letter.name == "letters" and letter.items == 1 and not letter.multi and letter.opinion
    page = recognise("Uw mening over de stad", LETTERS_PAGE)
    assert page.name == "letters" and page.items == 3 and page.multi
    assert [m.group() for m in signatures(LETTERS_PAGE)] == ["Petra de Wit, Tilburg", "J. van der Meer, Oss",
                                                            "Ahmed Bakker, Den Bosch"]


def test_a_news_quote_with_name_and_title_is_no_signature() -> None:
    text = REPORT + " Dat zegt Jan de Vries, woordvoerder van Rijkswaterstaat, in een toelichting."
    assert signatures(text) == [] and recognise("Sluis dicht", text).name == "news"


def test_datelines_make_a_bulletin_with_its_items() -> None:
    genre = recognise("Uit de regio", BULLETIN)
    assert genre.name == "bulletin" and genre.items == 3 and genre.multi
    spans = item_spans(BULLETIN, genre)
    assert len(spans) == 3 and BULLETIN[spans[1][0]:].startswith("DEVENTER")
    assert all(BULLETIN[s:e].strip() for s, e in spans)


def test_first_person_outside_quotes_is_opinion_but_quoted_first_person_is_not() -> None:
    assert recognise("Voorjaar", COLUMN).name == "opinion"
    quoted = " ".join(f"'Ik ben blij dat ik mijn huis terug heb', zegt bewoner {n}." for n in range(12))
    assert recognise("Bewoners keren terug", REPORT + " " + quoted).name == "news"


def test_a_biography_at_the_end_makes_an_op_ed() -> None:
    assert recognise("Kinderopvang verdient meer dan toeslagen", OPED) == Genre("opinion", 1, "author's sign-off")


def test_the_editors_sign_an_editorial() -> None:
    text = REPORT + " Zo'n ramp moet een les zijn voor het hele land. Reageren: hoofdredactie"
    assert recognise("Sluis", text).name == "editorial"


def test_a_run_of_questions_is_an_interview() -> None:
    assert recognise("Afscheid na dertig jaar", INTERVIEW).name == "interview"


def test_no_text_is_a_caption_and_a_title_printed_before_is_recurring() -> None:
    assert recognise("Strip van de dag", "").name == "caption"
    assert recognise("Zonnebloem", "Een veld vol zonnebloemen bij Gouda.").name == "caption"
    assert recognise("Uit de polder", REPORT, seen_title=True).name == "recurring"
    assert recognise("Uit de polder", REPORT, seen_title=False).name == "news"


def test_people_named_with_their_place_first_make_a_street_poll() -> None:
    text = ("Anna Visser, Leiden. Ik vind het een goed plan, eindelijk wordt er iets gedaan. "
            "Bram Peeters, Katwijk. Het kost veel te veel geld en het lost niets op. "
            "Chantal Mol, Oegstgeest. Ik twijfel nog, maar ik ga zeker stemmen.")
    assert recognise("De nieuwe brug", text) == Genre("poll", 3, "people named with their place")
