"""Property-based tests (hypothesis): every reader takes any bytes without raising and reads back what was
written; the number and date parsers and the entity layer never raise and keep their invariants."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from html import escape
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kroniek.analyse.dates import find_dates
from kroniek.analyse.numbers import find_quantities, parse_quantity
from kroniek.ingest.base import ReadOptions, Rejected
from kroniek.ingest.readers import read_csv, read_feed, read_html, read_jsonl, read_seed
from kroniek.model import Article, DatePrecision, PartialDate

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Printable text without the characters the formats themselves normalise (CR, NUL, other controls).
_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=300)
_WORD = st.text("abcdefghijklmnopqrstuvwxyzéëï", min_size=1, max_size=12)
_SENTENCE = st.lists(_WORD, min_size=1, max_size=30).map(lambda words: " ".join(words).capitalize() + ".")


def _articles() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "id": st.text("abcdef0123456789", min_size=1, max_size=10),
        "outlet": _WORD,
        "url": st.builds(lambda w: f"https://{w}.example/a", _WORD),
        "title": _TEXT.filter(lambda t: t.strip() != ""),
        "text": _TEXT.filter(lambda t: t.strip() != ""),
        "published_at": st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date.today())  # later is refused
                          .map(lambda d: d.isoformat()),
    })


def _check_records(records: list[Article | Rejected], lines: int | None = None) -> None:
    for record in records:
        assert isinstance(record, Article | Rejected)
        if isinstance(record, Rejected):
            assert record.reason and str(record).startswith(f"{record.path}:")
            if lines is not None and record.line is not None:
                assert 0 <= record.line <= lines + 1


# --- readers: arbitrary input never raises ---------------------------------------------------------------------


@FAST
@given(st.binary(max_size=2000))
def test_jsonl_reader_takes_any_bytes(data: bytes) -> None:
    _check_records(list(read_jsonl("x.jsonl", io.BytesIO(data), ReadOptions(outlet="o"))), data.count(b"\n") + 1)


@FAST
@given(st.binary(max_size=2000))
def test_csv_reader_takes_any_bytes(data: bytes) -> None:
    _check_records(list(read_csv("x.csv", io.BytesIO(data), ReadOptions(outlet="o"))), data.count(b"\n") + 1)


@FAST
@given(st.binary(max_size=2000))
def test_seed_reader_takes_any_bytes(data: bytes) -> None:
    _check_records(list(read_seed("x.txt", data, ReadOptions(), "krant")))


@FAST
@given(st.binary(max_size=1500) | st.text(max_size=1500).map(lambda t: ("<rss><channel>" + t).encode()))
def test_feed_reader_takes_any_bytes(data: bytes) -> None:
    _check_records(list(read_feed("x.xml", data, ReadOptions())))


@SLOW
@given(st.binary(max_size=1500) | st.text(max_size=1500).map(lambda t: f"<html><body><p>{t}</p>".encode()))
def test_html_reader_takes_any_bytes(data: bytes) -> None:
    _check_records(list(read_html("x.html", data, ReadOptions())))


def test_feed_items_with_missing_or_empty_elements() -> None:
    """Regression (atheris): feedparser gives None for a present-but-empty element and the reader crashed."""
    feed = (b"<rss><channel><item><description></description></item><item><title/></item>"
            b"<item><link>https://k.example/1</link><description>Waterschap versterkt dijk bij Kampen.</description>"
            b"</item></channel></rss>")
    records = list(read_feed("feed.xml", feed, ReadOptions(outlet="krant")))
    assert [type(r).__name__ for r in records] == ["Rejected", "Rejected", "Article"]
    assert records[2].title == "" and isinstance(records[2], Article)


def test_feed_with_mis_nested_link_is_reported_not_raised() -> None:
    """Regression (atheris): feedparser's loose parser raised KeyError('links') on a link closed after its item."""
    feed = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>Krant</title>"
            b"<item><link>https://krant.example/1</item></link></channel></rss>")
    [rejected] = list(read_feed("feed.xml", feed, ReadOptions()))
    assert isinstance(rejected, Rejected) and str(rejected).startswith("feed.xml:0: broken feed")


def test_csv_header_over_the_field_cap_is_reported_not_raised() -> None:
    """Regression (atheris): a csv error in the header row escaped the reader; here a quote the header opens and
    never closes, so the header field runs on past the field cap."""
    data = b'"outlet,text\nkrant,De dijk bij Kampen is versterkt.\n' + b"x" * 2_100_000
    previous = csv.field_size_limit(131_072)  # the module default: the reader raises it to max_article_bytes + 1
    try:
        read = [str(r) for r in read_csv("x.csv", io.BytesIO(data), ReadOptions())]
    finally:
        csv.field_size_limit(previous)
    assert read == ["x.csv:1: bad CSV header: field larger than field limit (2000001)"]


# --- readers: what is written is what is read ------------------------------------------------------------------


@FAST
@given(st.lists(_articles(), min_size=1, max_size=8))
def test_jsonl_round_trip(records: list[dict[str, Any]]) -> None:
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode("utf-8")
    read = list(read_jsonl("x.jsonl", io.BytesIO(data), ReadOptions()))
    assert all(isinstance(a, Article) for a in read)
    for article, record in zip(read, records, strict=True):
        assert isinstance(article, Article)
        assert article.text == record["text"].strip() and article.title == record["title"].strip()
        assert article.outlet == record["outlet"] and article.url == record["url"]
        assert article.published is not None and article.published.iso() == record["published_at"]
        assert article.published.precision == DatePrecision.DAY


@FAST
@given(st.lists(_articles(), min_size=1, max_size=8))
def test_csv_round_trip(records: list[dict[str, Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    read = list(read_csv("x.csv", io.BytesIO(buffer.getvalue().encode("utf-8")), ReadOptions()))
    assert [a.text for a in read if isinstance(a, Article)] == [r["text"].replace("\r\n", "\n").strip()
                                                                   for r in records]


@FAST
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today()), st.booleans(),
       st.lists(_SENTENCE, min_size=1, max_size=5))
def test_seed_round_trip_keeps_the_precision(day: dt.date, month_only: bool, sentences: list[str]) -> None:
    stamp = day.strftime("%Y-%m") if month_only else day.isoformat()
    body = "\n\n".join(sentences)
    [article] = list(read_seed("x.txt", f" date {stamp} \n\n{body}\n".encode(), ReadOptions(), "krant"))
    assert isinstance(article, Article) and article.published is not None
    assert article.published.precision == (DatePrecision.MONTH if month_only else DatePrecision.DAY)
    assert article.published.iso() == stamp and article.text == body and article.outlet == "krant"


@SLOW
@given(st.lists(st.tuples(_SENTENCE, st.lists(_SENTENCE, min_size=1, max_size=3)), min_size=1, max_size=5))
def test_feed_round_trip(items: list[tuple[str, list[str]]]) -> None:
    entries = "".join(f"<item><title>{escape(title)}</title><link>https://krant.example/{n}</link>"
                      f"<description>{escape(' '.join(body))}</description>"
                      f"<pubDate>Tue, 05 Nov 2024 10:00:00 GMT</pubDate></item>"
                      for n, (title, body) in enumerate(items))
    feed = f"<?xml version='1.0'?><rss version='2.0'><channel><title>Krant</title>{entries}</channel></rss>"
    read = list(read_feed("feed.xml", feed.encode(), ReadOptions()))
    assert len(read) == len(items)
    for article, (title, body) in zip(read, items, strict=True):
        assert isinstance(article, Article)
        assert article.title == title and article.text == " ".join(body) and article.outlet == "Krant"
        assert article.published is not None and article.published.precision == DatePrecision.DATETIME


# --- numbers ---------------------------------------------------------------------------------------------------


def _dutch_digits(value: int) -> str:
    return f"{value:,}".replace(",", ".")


@FAST
@given(st.integers(min_value=0, max_value=10**9))
def test_dutch_digit_groups_parse_back(value: int) -> None:
    quantity = parse_quantity(_dutch_digits(value))
    assert quantity is not None and quantity.value == value and quantity.low == quantity.high == value


@FAST
@given(st.integers(min_value=1, max_value=999), st.sampled_from(["zeker", "minstens", "meer dan", "ruim",
                                                                "ongeveer", "bijna", "circa"]))
def test_hedges_bound_the_written_number(value: int, hedge: str) -> None:
    quantity = parse_quantity(f"{hedge} {value}")
    assert quantity is not None and quantity.value == value  # the coded value is the number as written
    if quantity.qualifier == "at_least":
        assert (quantity.low, quantity.high) == (value, None)
    elif quantity.qualifier == "more_than":
        assert (quantity.low, quantity.high) == (value + 1, None)
    elif quantity.qualifier == "about":
        assert quantity.low is not None and quantity.high is not None and quantity.low <= value <= quantity.high
    elif quantity.qualifier == "almost":
        assert quantity.high is not None and quantity.high < value
    else:
        raise AssertionError(f"{hedge!r} gave qualifier {quantity.qualifier!r}")


@FAST
@given(st.text(max_size=400))
def test_numbers_never_raise_and_keep_order(text: str) -> None:
    for quantity in find_quantities(text):
        assert 0 <= quantity.start <= quantity.end <= len(text)
        assert text[quantity.start:quantity.end] == quantity.text
        if quantity.low is not None and quantity.high is not None:
            assert quantity.low <= quantity.high


# --- dates -----------------------------------------------------------------------------------------------------

_WEEKDAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]


@FAST
@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)), st.sampled_from(_WEEKDAYS))
def test_a_weekday_resolves_within_the_week_before_a_day(anchor: dt.date, weekday: str) -> None:
    [mention] = find_dates(f"De brand begon {weekday} in de haven.", PartialDate.day(anchor))
    assert mention.date.precision == DatePrecision.DAY and mention.date.value is not None
    assert mention.date.value.weekday() == _WEEKDAYS.index(weekday)
    assert 0 <= (anchor - mention.date.value).days <= 6


@FAST
@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)), st.sampled_from(_WEEKDAYS))
def test_a_month_anchor_never_gets_a_made_up_day(anchor: dt.date, weekday: str) -> None:
    month = PartialDate.month(anchor.year, anchor.month)
    for mention in find_dates(f"Het protest begon {weekday}, vijf dagen geleden.", month):
        assert mention.date.precision != DatePrecision.DAY


@FAST
@given(st.text(max_size=300), st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)))
def test_dates_never_raise(text: str, anchor: dt.date) -> None:
    for mention in find_dates(text, PartialDate.day(anchor)):
        assert 0 <= mention.start <= mention.end <= len(text)


# --- entity clean-up -------------------------------------------------------------------------------------------

_NAMEISH = st.sampled_from(["Utrecht", "Jansen", "Piet", "De", "NAVO", "Russische", "Van", "der", "Berg", "Het",
                            "CSTO", "Moskou", "president", "minister", "zei", "in", "en", ",", ".", "'s-Hertogenbosch",
                            "Nederlanders", "Sabena-aandelen", "&", "Co", "4FM", "(", ")", ":", "\u201c"])


@SLOW
@given(st.lists(st.lists(_NAMEISH | _WORD, min_size=1, max_size=20), min_size=1, max_size=6))
def test_entities_never_raise_lie_in_the_text_and_keep_one_type_per_name(sentences: list[list[str]]) -> None:
    from kroniek.analyse.pipeline import Analyser, AnalysisOptions

    text = " ".join(" ".join(words) + " ." for words in sentences)
    with Analyser(AnalysisOptions(deep="none")) as analyser:
        doc = analyser.analyse(Article(outlet="x", text=text, language="nl"))
    types: dict[str, set[str]] = {}
    for entity in doc.entities:
        assert 0 <= entity.start < entity.end <= len(doc.text)
        assert doc.text[entity.start:entity.end] == entity.text
        assert entity.label in ("PER", "LOC", "ORG", "MISC")
        if entity.label != "MISC":
            types.setdefault(entity.text, set()).add(entity.label)
    assert all(len(labels) == 1 for labels in types.values()), types


# --- added: ranges, every CSV field, Atom, absolute and relative dates against the anchor's precision -------------


@FAST
@given(st.integers(min_value=2, max_value=10**6), st.integers(min_value=1, max_value=10**6),
       st.sampled_from(["tussen {a} en {b}", "{a} tot {b}", "{a} à {b}", "van {a} tot {b}"]))
def test_digit_ranges_give_their_bounds(a: int, gap: int, pattern: str) -> None:
    b = a + gap
    quantity = parse_quantity(pattern.format(a=_dutch_digits(a), b=_dutch_digits(b)))
    assert quantity is not None and (quantity.low, quantity.high) == (a, b)
    assert quantity.value is not None and a <= quantity.value <= b


@FAST
@given(st.lists(_articles(), min_size=1, max_size=6))
def test_csv_round_trip_every_field(records: list[dict[str, Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(records)
    read = list(read_csv("x.csv", io.BytesIO(buffer.getvalue().encode("utf-8")), ReadOptions()))
    assert len(read) == len(records)
    for article, record in zip(read, records, strict=True):
        assert isinstance(article, Article)
        assert article.id == record["id"] and article.outlet == record["outlet"] and article.url == record["url"]
        assert article.title == record["title"].strip()
        assert article.text == record["text"].replace("\r\n", "\n").strip()
        assert article.published is not None and article.published.iso() == record["published_at"]


@SLOW
@given(st.lists(st.tuples(_SENTENCE, _SENTENCE, st.datetimes(min_value=dt.datetime(1995, 1, 1),
                                                               max_value=dt.datetime(2025, 12, 31))),
                min_size=1, max_size=5))
def test_atom_round_trip(items: list[tuple[str, str, dt.datetime]]) -> None:
    entries = "".join(f"<entry><title>{escape(title)}</title><link href='https://krant.example/{n}'/>"
                      f"<id>urn:krant:{n}</id><updated>{moment.isoformat(timespec='seconds')}Z</updated>"
                      f"<content type='html'>{escape('<p>' + body + '</p>')}</content></entry>"
                      for n, (title, body, moment) in enumerate(items))
    feed = f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>Krant</title>{entries}</feed>"
    read = list(read_feed("feed.atom", feed.encode(), ReadOptions()))
    assert len(read) == len(items)
    for n, (article, (title, body, moment)) in enumerate(zip(read, items, strict=True)):
        assert isinstance(article, Article)
        assert (article.title, article.text, article.url) == (title, body, f"https://krant.example/{n}")
        assert article.published is not None and article.published.moment is not None
        assert article.published.moment.replace(tzinfo=None) == moment.replace(microsecond=0)


_MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"]


@FAST
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
       st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)), st.booleans())
def test_written_out_dates_resolve_exactly(day: dt.date, anchor: dt.date, month_anchor: bool) -> None:
    article_date = PartialDate.month(anchor.year, anchor.month) if month_anchor else PartialDate.day(anchor)
    phrase = f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    [mention] = find_dates(f"De rechter deed op {phrase} uitspraak.", article_date)
    assert mention.text == phrase and mention.date.precision == DatePrecision.DAY and mention.date.value == day


_RELATIVE = ["gisteren", "eergisteren", "vandaag", "gisteravond", "vanochtend", "morgen", "vorige week",
             "afgelopen weekend", "vorige maand", "vorig jaar", "drie dagen geleden", "12 dagen geleden",
             "twee weken geleden", *_WEEKDAYS, *(f"{w}avond" for w in _WEEKDAYS)]


@FAST
@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)),
       st.sampled_from([DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY]), st.sampled_from(_RELATIVE))
def test_relative_dates_are_never_more_precise_than_the_article_date(anchor: dt.date, precision: DatePrecision,
                                                                     expression: str) -> None:
    article_date = {DatePrecision.YEAR: PartialDate.parse(str(anchor.year)),
                    DatePrecision.MONTH: PartialDate.month(anchor.year, anchor.month),
                    DatePrecision.DAY: PartialDate.day(anchor)}[precision]
    for mention in find_dates(f"Het protest begon {expression} bij het stadhuis.", article_date):
        assert mention.date.precision.rank <= precision.rank, (expression, mention.date)
        if precision == DatePrecision.DAY and mention.date.precision == DatePrecision.DAY:
            assert abs((mention.date.value - anchor).days) <= 14


@FAST
@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)), st.integers(min_value=0, max_value=60))
def test_days_ago_count_back_from_the_article_date(anchor: dt.date, days: int) -> None:
    phrase = {0: "vandaag", 1: "gisteren", 2: "eergisteren"}.get(days, f"{days} dagen geleden")
    [mention] = find_dates(f"De brand begon {phrase} in de haven.", PartialDate.day(anchor))
    assert mention.date.precision == DatePrecision.DAY and mention.date.value == anchor - dt.timedelta(days=days)


@FAST
@given(st.lists(_articles(), min_size=2, max_size=6), st.data())
def test_an_over_size_csv_record_costs_only_itself(records: list[dict[str, Any]], data: st.DataObject) -> None:
    """Regression: after the csv module's field-size error the rest of that quoted field was read as records."""
    bad = data.draw(st.integers(min_value=0, max_value=len(records) - 1))
    records[bad] = dict(records[bad], text='alinea, met "komma"\n' * 200)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    previous = csv.field_size_limit(1000)  # the reader raises it to max_article_bytes + 1, never lowers it
    try:
        read = list(read_csv("x.csv", io.BytesIO(buffer.getvalue().encode("utf-8")),
                             ReadOptions(max_article_bytes=999)))
    finally:
        csv.field_size_limit(previous)
    [rejected] = [r for r in read if isinstance(r, Rejected)]
    assert rejected.line == bad + 2 and rejected.reason.startswith("a field larger than 999 bytes")
    assert [a.id for a in read if isinstance(a, Article)] == [r["id"] for i, r in enumerate(records) if i != bad]
