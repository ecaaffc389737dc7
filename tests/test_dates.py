"""Dutch date expressions resolved against the article date, honest about the anchor's precision."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kroniek.analyse.dates import DateMention, find_dates, load_date_lexicon, resolve_expression
from kroniek.model import DatePrecision, PartialDate

THURSDAY = PartialDate.day(dt.date(2022, 1, 6))
MONDAY_NEW_YEAR = PartialDate.day(dt.date(2022, 1, 3))
JANUARY = PartialDate.month(2022, 1)
WEEKDAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]


def day(year: int, month: int, d: int) -> PartialDate:
    return PartialDate.day(dt.date(year, month, d))


def only(text: str, anchor: PartialDate | None = THURSDAY) -> DateMention:
    found = find_dates(text, anchor)
    assert len(found) == 1, found
    return found[0]


def check_offsets(text: str, found: list[DateMention]) -> None:
    last = 0
    for mention in found:
        assert 0 <= mention.start < mention.end <= len(text)
        assert text[mention.start:mention.end] == mention.text
        assert mention.start >= last
        last = mention.end


# --- weekdays ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("De brug ging woensdag weer open.", "woensdag", day(2022, 1, 5)),
        ("Dinsdag vergaderde de raad tot laat.", "Dinsdag", day(2022, 1, 4)),
        ("De staking begon maandag.", "maandag", day(2022, 1, 3)),
        ("Vrijdag kwam het bericht binnen.", "Vrijdag", day(2021, 12, 31)),
        ("Het museum opende afgelopen dinsdag een nieuwe zaal.", "afgelopen dinsdag", day(2022, 1, 4)),
        ("Vorige woensdag werd de dijk versterkt.", "Vorige woensdag", day(2022, 1, 5)),
        ("De brand brak dinsdagavond uit in een loods.", "dinsdagavond", day(2022, 1, 4)),
        ("Het ongeluk gebeurde in de zaterdagnacht.", "zaterdagnacht", day(2022, 1, 1)),
        ("De wethouder trad dinsdag jl. af.", "dinsdag jl.", day(2022, 1, 4)),
        ("De bouw stopte vorige week dinsdag.", "vorige week dinsdag", day(2021, 12, 28)),
        ("Vrijdag 7 januari opent de nieuwe school.", "Vrijdag 7 januari", day(2022, 1, 7)),
    ],
)
def test_weekdays(text: str, phrase: str, expected: PartialDate) -> None:
    mention = only(text)
    assert mention.text == phrase
    assert mention.date == expected
    assert mention.date.precision is DatePrecision.DAY
    assert mention.relative


def test_same_weekday_is_the_anchor_day() -> None:
    assert only("Donderdag sloot de fabriek haar poorten.").date == THURSDAY
    # with a modifier it is the week before
    assert only("Afgelopen donderdag sloot de fabriek.").date == day(2021, 12, 30)


def test_year_boundary() -> None:
    assert only("De ramp gebeurde woensdag.", MONDAY_NEW_YEAR).date == day(2021, 12, 29)
    assert only("Dat was vrijdag al bekend.", MONDAY_NEW_YEAR).date == day(2021, 12, 31)


def test_future_weekday() -> None:
    assert only("De uitspraak volgt komende dinsdag.").date == day(2022, 1, 11)
    assert only("De uitspraak volgt vrijdag a.s. in Arnhem.").date == day(2022, 1, 7)


# --- day words -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("Vandaag ging de markt weer open.", "Vandaag", THURSDAY),
        ("De ambulance reed gisteren drie keer uit.", "gisteren", day(2022, 1, 5)),
        ("Eergisteren werd de schade opgenomen.", "Eergisteren", day(2022, 1, 4)),
        ("Morgen beslist de rechter over de zaak.", "Morgen", day(2022, 1, 7)),
        ("Het college meldde eerder vandaag een tekort.", "eerder vandaag", THURSDAY),
        ("Vannacht is er ingebroken bij de bakker.", "Vannacht", THURSDAY),
        ("Het ijs brak gisteravond open.", "gisteravond", day(2022, 1, 5)),
    ],
)
def test_day_words(text: str, phrase: str, expected: PartialDate) -> None:
    mention = only(text)
    assert (mention.text, mention.date, mention.relative) == (phrase, expected, True)


def test_morning_is_not_tomorrow() -> None:
    assert find_dates("De volgende morgen was de straat weer schoon.", THURSDAY) == []
    assert find_dates("Elke morgen staat hij om zes uur op.", THURSDAY) == []


def test_no_false_positive_for_nu() -> None:
    assert find_dates("Tot nu toe zijn er geen slachtoffers gevonden.", THURSDAY) == []
    assert find_dates("Het is nu aan de minister om te beslissen.", THURSDAY) == []


# --- weeks and counts back -----------------------------------------------------------------------------------------


def test_previous_and_next_week_are_calendar_weeks() -> None:
    mention = only("Vorige week werd het plan gepresenteerd.")
    assert mention.date.precision is DatePrecision.WEEK
    assert (mention.date.value, mention.date.end) == (dt.date(2021, 12, 27), dt.date(2022, 1, 2))
    assert mention.date.value.weekday() == 0  # Monday
    assert mention.date.time_precision == 2
    mention = only("Volgende week start de verbouwing.")
    assert (mention.date.value, mention.date.end) == (dt.date(2022, 1, 10), dt.date(2022, 1, 16))


def test_weekend() -> None:
    mention = only("Het afgelopen weekend was het druk op de wegen.")
    assert mention.date.precision is DatePrecision.WEEK
    assert (mention.date.value, mention.date.end) == (dt.date(2022, 1, 1), dt.date(2022, 1, 2))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Vijf dagen geleden sloeg de bliksem in.", day(2022, 1, 1)),
        ("5 dagen geleden sloeg de bliksem in.", day(2022, 1, 1)),
        ("Een dag geleden werd de vermiste gevonden.", day(2022, 1, 5)),
        ("Over twee dagen gaat de weg weer open.", day(2022, 1, 8)),
    ],
)
def test_days_ago(text: str, expected: PartialDate) -> None:
    assert only(text).date == expected


def test_weeks_months_years_ago() -> None:
    weeks = only("Twee weken geleden begon de renovatie.").date
    assert weeks.precision is DatePrecision.WEEK
    assert (weeks.value, weeks.end) == (dt.date(2021, 12, 20), dt.date(2021, 12, 26))
    assert only("Drie maanden geleden opende de winkel.").date == PartialDate.month(2021, 10)
    years = only("Tien jaar geleden stond hier nog een fabriek.").date
    assert (years.precision, years.iso()) == (DatePrecision.YEAR, "2012")


def test_relative_periods() -> None:
    assert only("Vorige maand daalde de werkloosheid.").date == PartialDate.month(2021, 12)
    assert only("Vorig jaar groeide de haven.").date.iso() == "2021"
    assert only("Dit jaar wordt de dijk verhoogd.").date.iso() == "2022"


# --- months, parts of months, years --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase", "iso", "value", "part"),
    [
        ("Begin januari vroor het flink.", "Begin januari", "2022-01", dt.date(2022, 1, 1), "begin"),
        ("Half januari gaan de scholen weer open.", "Half januari", "2022-01", dt.date(2022, 1, 15), "mid"),
        ("Eind januari volgt het besluit.", "Eind januari", "2022-01", dt.date(2022, 1, 31), "end"),
        ("Het kanaal lag eind-december dicht.", "eind-december", "2021-12", dt.date(2021, 12, 31), "end"),
        ("Medio februari 2021 werd de wet aangenomen.", "Medio februari 2021", "2021-02", dt.date(2021, 2, 15),
         "mid"),
        ("Eind vorig jaar liep het contract af.", "Eind vorig jaar", "2021", dt.date(2021, 12, 31), "end"),
        ("Begin 2020 kwam de eerste melding.", "Begin 2020", "2020", dt.date(2020, 1, 1), "begin"),
    ],
)
def test_parts_of_periods(text: str, phrase: str, iso: str, value: dt.date, part: str) -> None:
    mention = only(text)
    assert mention.text == phrase
    assert mention.date.iso() == iso
    assert mention.date.value == value
    assert mention.date.midpoint == value  # the ACLED export codes the midpoint: the named day
    assert mention.date.time_precision == 3
    assert mention.part == part


def test_absolute_dates() -> None:
    mention = only("Op 3 januari 2022 trad de nieuwe wet in werking.", None)
    assert (mention.text, mention.date, mention.relative) == ("3 januari 2022", day(2022, 1, 3), False)
    mention = only("In januari 2022 werd het plan bekend.", None)
    assert (mention.text, mention.date, mention.relative) == ("januari 2022", PartialDate.month(2022, 1), False)
    mention = only("In 2014 werd het stadion gebouwd.", None)
    assert (mention.text, mention.date.iso(), mention.date.precision) == ("2014", "2014", DatePrecision.YEAR)
    assert only("Het rapport van 05-01-2022 bleef liggen.", None).date == day(2022, 1, 5)
    assert only("Het bestand is gemaakt op 2022-01-04.", None).date == day(2022, 1, 4)


def test_day_and_month_take_the_anchor_year() -> None:
    mention = only("Op 3 januari ging de school dicht.")
    assert (mention.date, mention.relative) == (day(2022, 1, 3), True)
    assert only("Op 28 december viel de eerste sneeuw.").date == day(2021, 12, 28)
    assert only("Het contract liep op 7 jan. af.").date == day(2022, 1, 7)


def test_month_after_the_anchor_month_is_last_year() -> None:
    assert only("In maart werd de school gesloten.", JANUARY).date == PartialDate.month(2021, 3)
    assert only("In januari werd de school gesloten.", JANUARY).date == PartialDate.month(2022, 1)
    assert only("In oktober is de zaak verkocht.", PartialDate.day(dt.date(2022, 11, 2))).date == \
        PartialDate.month(2022, 10)


def test_year_pairs() -> None:
    found = find_dates("Tussen 2014 en 2016 was hij voorzitter.", None)
    assert [m.text for m in found] == ["2014", "2016"]


# --- honesty about the anchor --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Woensdag was het onrustig in de haven.",
        "Donderdag was het onrustig in de haven.",
        "Afgelopen dinsdag was het onrustig in de haven.",
        "Gisteren was het onrustig in de haven.",
        "Vandaag was het onrustig in de haven.",
        "Vijf dagen geleden was het onrustig in de haven.",
        "Vorige week was het onrustig in de haven.",
        "Zaterdagnacht was het onrustig in de haven.",
    ],
)
def test_month_anchor_never_invents_a_day(text: str) -> None:
    mention = only(text, JANUARY)
    assert mention.date == JANUARY
    assert mention.date.precision is DatePrecision.MONTH
    assert mention.date.iso() == "2022-01"
    assert mention.relative


def test_month_anchor_still_resolves_coarser_expressions() -> None:
    assert only("Vorige maand was het onrustig.", JANUARY).date == PartialDate.month(2021, 12)
    assert only("Op 3 januari was het onrustig.", JANUARY).date == day(2022, 1, 3)


def test_no_anchor_skips_relative_expressions() -> None:
    text = "Woensdag, gisteren en vorige week was het onrustig; op 3 januari 2022 ook, net als in 2014 en in maart."
    found = find_dates(text, None)
    assert [m.text for m in found] == ["3 januari 2022", "2014"]
    assert not any(m.relative for m in found)


def test_datetime_anchor_counts_as_a_day() -> None:
    anchor = PartialDate.parse("2022-01-06T14:30:00")
    mention = only("Gisteren sloot de markt vroeg.", anchor)
    assert mention.date == day(2022, 1, 5)


def test_resolve_expression() -> None:
    assert resolve_expression("vorige week", THURSDAY) == PartialDate(
        dt.date(2021, 12, 27), DatePrecision.WEEK, dt.date(2022, 1, 2))
    assert resolve_expression("woensdag", MONDAY_NEW_YEAR) == day(2021, 12, 29)
    assert resolve_expression("vijf dagen geleden", JANUARY) == JANUARY
    assert resolve_expression("in 2014", None) == PartialDate(dt.date(2014, 1, 1), DatePrecision.YEAR)
    assert resolve_expression("gisteren", None) is None
    assert resolve_expression("tot nu toe", THURSDAY) is None


def test_several_mentions_and_offsets() -> None:
    text = ("Woensdag begonnen de werkzaamheden, die volgens de aannemer begin februari klaar zijn. "
            "Het project werd in 2019 bedacht en vijf dagen geleden goedgekeurd.")
    found = find_dates(text, THURSDAY)
    check_offsets(text, found)
    assert [m.text for m in found] == ["Woensdag", "begin februari", "2019", "vijf dagen geleden"]


def test_week_convention_is_configurable() -> None:
    assert load_date_lexicon("nl").first_weekday == 0


# --- properties ----------------------------------------------------------------------------------------------------

days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31))


@settings(max_examples=300, deadline=None)
@given(days, st.integers(min_value=0, max_value=6), st.booleans())
def test_weekday_is_within_the_last_week(anchor_day: dt.date, weekday: int, capital: bool) -> None:
    name = WEEKDAYS[weekday].capitalize() if capital else WEEKDAYS[weekday]
    mention = only(f"Het gebeurde {name} bij de sluis.", PartialDate.day(anchor_day))
    resolved = mention.date.value
    assert resolved.weekday() == weekday
    assert 0 <= (anchor_day - resolved).days <= 6


@settings(max_examples=200, deadline=None)
@given(days, st.sampled_from(["woensdag", "gisteren", "vijf dagen geleden", "vorige week", "zondagavond",
                              "eergisteren", "afgelopen weekend"]))
def test_month_anchor_property(anchor_day: dt.date, expression: str) -> None:
    anchor = PartialDate.month(anchor_day.year, anchor_day.month)
    resolved = resolve_expression(expression, anchor)
    assert resolved == anchor


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), days)
def test_never_raises_on_arbitrary_text(text: str, anchor_day: dt.date) -> None:
    check_offsets(text, find_dates(text, PartialDate.day(anchor_day)))
    check_offsets(text, find_dates(text, None))


_WORDS = ["vorige", "week", "dinsdag", "januari", "3", "2022", "in", "2014", "begin", "eind", "gisteren", "morgen",
          "de", "volgende", "vijf", "dagen", "geleden", "over", "twee", "weken", "jl.", "-", "05-01-2022", "half",
          "afgelopen", "weekend", "dit", "jaar", "maand", "eerder", "vandaag", "Zaterdagnacht", ",", "."]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=20), days)
def test_offsets_on_date_like_text(words: list[str], anchor_day: dt.date) -> None:
    text = " ".join(words)
    found = find_dates(text, PartialDate.day(anchor_day))
    check_offsets(text, found)
    for mention in found:
        assert mention.date.value <= mention.date.last_day
