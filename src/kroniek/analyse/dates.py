"""Date expressions in news text, resolved against the article's own date (the anchor).

A small grammar of regular expressions built from ``<language>/dates.toml``; no dateparser, which is slower
(1-4 ms a sentence), finds "nu" in "tot nu toe", misses "vijf dagen geleden" and reads a weekday equal to the
anchor's as a week back.

Resolution rules (news look back):

* A weekday is the most recent such day on or before the anchor (the anchor's own weekday is the anchor day);
  "afgelopen/vorige dinsdag", "dinsdag jl." go 1-7 days back, "komende/volgende dinsdag" 1-7 days ahead;
  "vorige week dinsdag" is the Tuesday of the previous calendar week. "dinsdagavond" is that Tuesday.
* Weeks are calendar weeks from ``[week] first_weekday`` (Monday, the Dutch and ISO convention; ACLED's weekly
  files use Saturday-Friday, which is one setting away). "vorige week" is the previous such week (WEEK precision,
  ``end`` = last day), "twee weken geleden" the week holding the day 14 days back; "afgelopen weekend" is the
  last Saturday-Sunday before the anchor day.
* A month without a year takes the anchor's year, or the year before when the month comes after the anchor's
  month. A day and month without a year likewise ("28 december" in a January article is last year's).
* "begin/half/eind januari" keep MONTH precision (ACLED time_precision 3) and code one day: the first, the 15th
  or the last; ``value`` and ``end`` are both that day so the ACLED export (the span's midpoint) codes it.
  For a year ("eind 2021") the days are 1 January, 1 July and 31 December. ``DateMention.part`` keeps the word.
* Never finer than the anchor: with a month-only anchor a weekday, "gisteren" or "vijf dagen geleden" cannot be
  placed on a day, so the result is the anchor's month (relative=True). Five days back from a month anchor may
  fall in the previous month; the anchor month is kept all the same, as the article's own month is the best
  honest statement. Week expressions need a day or week anchor, month expressions a month anchor.
* Without an anchor, expressions that need one (weekdays, "gisteren", "3 januari" without a year, "januari")
  are skipped; absolute ones ("3 januari 2022", "januari 2022", "in 2014") are still returned.

``relative`` is True when the anchor was used to resolve the mention.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from kroniek.analyse.numbers import load_number_lexicon
from kroniek.model import DatePrecision, PartialDate


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    date: PartialDate
    relative: bool
    part: str | None = None  # "begin", "mid" or "end" for "begin januari" and the like


# --- lexicon ----------------------------------------------------------------------------------------------------


def _alt(words: Iterable[str]) -> str:
    """A regex alternation, longest first, with spaces matching any whitespace."""
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


def _key(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


_B = r"(?<![\w])"  # word start
_E = r"(?![\w])"  # word end


class DateLexicon:
    def __init__(self, raw: dict[str, Any], language: str) -> None:
        self.language = language
        self.first_weekday: int = raw["week"]["first_weekday"]
        self.weekdays: dict[str, int] = dict(raw["weekdays"])
        self.months: dict[str, int] = dict(raw["months"])
        self.month_abbr: dict[str, int] = dict(raw.get("month_abbreviations", {}))
        self.days: dict[str, int] = dict(raw["days"])
        day_words = raw["day_words"]
        self.ambiguous = frozenset(day_words.get("ambiguous", []))
        self.not_after = frozenset(day_words.get("not_after", []))
        mods = raw["modifiers"]
        self.modifier: dict[str, int] = {}
        for name, sign in (("past", -1), ("next", 1), ("this", 0)):
            for word in mods.get(name, []):
                self.modifier[_key(word)] = sign
        self.post: dict[str, int] = {_key(w): -1 for w in mods.get("past_after", [])}
        self.post.update({_key(w): 1 for w in mods.get("next_after", [])})
        self.periods: dict[str, str] = dict(raw["periods"])
        self.weekend_days: list[int] = list(raw["weekend"]["days"])
        rel = raw["relative"]
        parts = raw["parts"]
        self.parts: dict[str, str] = {k.rstrip("-"): v for k, v in parts.items() if isinstance(v, str)}
        this_month = [_key(w) for w in parts.get("this_month", [])]
        this_year = [_key(w) for w in parts.get("this_year", [])]
        self.this_period = {**dict.fromkeys(this_month, "month"), **dict.fromkeys(this_year, "year")}
        years = raw["years"]
        self.first_year: int = years["first"]
        self.last_year: int = years["last"]

        wd, ws = _alt(self.weekdays), _alt(raw["weekday_parts"]["suffixes"])
        mon, mab = _alt(self.months), _alt(self.month_abbr)
        mod = _alt(self.modifier)
        post = _alt(self.post)
        units = _alt(self.periods)
        single = _alt(mods.get("periods", []))
        week_words = _alt(k for k in mods.get("periods", []) if self.periods.get(k) == "week")
        weekend = _alt(raw["weekend"]["words"])
        hedges = _alt(day_words.get("hedges", []))
        part_words = _alt(self.parts)
        numbers = raw.get("day_numbers", {})
        ordinal = _alt(numbers.get("ordinal_suffixes", [])) or "(?!)"
        article = _alt(numbers.get("articles", [])) or "(?!)"
        linkers = _alt(parts.get("linkers", []))
        this_period = _alt(self.this_period)
        cues = _alt(years.get("cues", []))
        year_links = _alt(years.get("links", []))
        day_words_alt = _alt(self.days)
        ago, ahead = _alt(rel.get("ago", [])), _alt(rel.get("ahead", []))
        year = r"(?:1[89]|20|21)\d\d"
        flags = re.IGNORECASE
        self.patterns: list[tuple[re.Pattern[str], str]] = [
            (re.compile(r"(?<![\w.\-/])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\w\-/])"), "iso"),
            (re.compile(r"(?<![\w.\-/])(?P<d>\d{1,2})[-/](?P<m>\d{1,2})[-/](?P<y>\d{4})(?![\w\-/])"),
             "dmy"),
            (re.compile(
                rf"{_B}(?:(?P<wd>{wd})(?:{ws})?,?\s+(?:(?:{article})\s+)?)?(?P<d>\d{{1,2}})(?:{ordinal})?\s+"
                rf"(?:(?P<month>{mon}){_E}|(?P<abbr>{mab})(?:\.|{_E}))(?:\s+(?P<year>\d{{4}}){_E})?", flags),
             "day_month"),
            (re.compile(
                rf"{_B}(?P<part>{part_words})(?:-|\s+(?:(?:{linkers})\s+)?)"
                rf"(?:(?P<month>{mon})(?:\s+(?P<year>{year}))?|(?P<year2>{year})|(?P<mod>{mod})\s+(?P<unit>{single})"
                rf"|(?P<this>{this_period})){_E}", flags),
             "part"),
            (re.compile(rf"{_B}(?P<month>{mon})\s+(?P<year>{year}){_E}", flags), "month_year"),
            (re.compile(rf"{_B}(?:(?P<mod>{mod})\s+)?(?P<month>{mon}){_E}", flags), "month"),
            (re.compile(rf"{_B}(?P<y1>{year})\s*(?:{year_links})\s*(?P<y2>{year}){_E}", flags), "year_pair"),
            (re.compile(rf"{_B}(?:{cues})\s+(?P<year>{year}){_E}", flags), "year"),
            (re.compile(
                rf"{_B}(?:(?P<mod>{mod})\s+(?:(?P<wk>{week_words})\s+)?)?(?P<wd>{wd})(?:{ws})?"
                rf"(?:\s+(?:(?P<wmod>{mod})\s+(?:{week_words})|(?P<post>{post})))?{_E}", flags),
             "weekday"),
            (re.compile(rf"{_B}(?:(?P<hedge>{hedges})\s+)?(?P<word>{day_words_alt}){_E}", flags), "day_word"),
            (re.compile(rf"{_B}(?:(?:{hedges})\s+)?(?P<mod>{mod})\s+(?:(?P<unit>{single})|(?P<weekend>{weekend})){_E}",
                        flags), "period"),
            (re.compile(rf"{_B}(?P<count>\d+|[^\W\d_]+)\s+(?P<unit>{units})\s+(?:{ago}){_E}", flags), "ago"),
            (re.compile(rf"{_B}(?:{ahead})\s+(?P<count>\d+|[^\W\d_]+)\s+(?P<unit>{units}){_E}", flags), "ahead"),
        ]
        # A cheap test before the patterns run: most sentences name no date at all.
        triggers = [*self.weekdays, *self.months, *self.month_abbr, *self.days, *self.periods,
                    *raw["weekend"]["words"]]
        self.trigger = re.compile(rf"\d|{_alt(triggers)}", flags)


@cache
def load_date_lexicon(language: str = "nl") -> DateLexicon:
    raw = tomllib.loads(
        resources.files(f"kroniek.analyse.{language}").joinpath("dates.toml").read_text(encoding="utf-8")
    )
    return DateLexicon(raw, language)


# --- calendar helpers -------------------------------------------------------------------------------------------


_UNIT_PRECISION = {"day": DatePrecision.DAY, "week": DatePrecision.WEEK, "month": DatePrecision.MONTH,
                   "year": DatePrecision.YEAR}


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _month(year: int, month: int) -> PartialDate | None:
    if not 1 <= month <= 12 or not dt.MINYEAR < year < dt.MAXYEAR:
        return None
    return PartialDate.month(year, month)


def _year(year: int) -> PartialDate | None:
    if not dt.MINYEAR < year < dt.MAXYEAR:
        return None
    return PartialDate(dt.date(year, 1, 1), DatePrecision.YEAR)


def _day(year: int, month: int, day: int) -> PartialDate | None:
    try:
        return PartialDate.day(dt.date(year, month, day))
    except ValueError:
        return None


class _Resolver:
    def __init__(self, lex: DateLexicon, anchor: PartialDate | None) -> None:
        self.lex = lex
        self.anchor = anchor
        rank = anchor.precision.rank if anchor is not None else -1
        self.rank = rank

    # The anchor period, returned when an expression is finer than the anchor can place.
    def fallback(self) -> PartialDate | None:
        a = self.anchor
        if a is None:
            return None
        if a.precision is DatePrecision.DATETIME:
            return PartialDate.day(a.value)
        return PartialDate(a.value, a.precision, a.end)

    def needs(self, precision: DatePrecision) -> bool:
        """True when the anchor is too coarse (or missing) to resolve an expression of this precision."""
        return self.rank < precision.rank

    def week(self, day: dt.date) -> PartialDate:
        start = day - dt.timedelta(days=(day.weekday() - self.lex.first_weekday) % 7)
        return PartialDate(start, DatePrecision.WEEK, start + dt.timedelta(days=6))

    def infer_year(self, month: int, sign: int = 0) -> int | None:
        """The year of a month named without one: the most recent such month (or next one when sign > 0)."""
        a = self.anchor
        if a is None:
            return None
        year = a.value.year
        if self.rank < DatePrecision.MONTH.rank:
            return year + sign if sign else year
        here = a.value.month
        if sign < 0:
            return year if month < here else year - 1
        if sign > 0:
            return year if month > here else year + 1
        return year - 1 if month > here else year

    # expressions -----------------------------------------------------------------------------------------------

    def days_from_anchor(self, offset: int) -> PartialDate | None:
        if self.anchor is None:
            return None
        if self.needs(DatePrecision.DAY):
            return self.fallback()
        return PartialDate.day(self.anchor.value + dt.timedelta(days=offset))

    def weekday(self, weekday: int, sign: int, week_shift: int | None) -> PartialDate | None:
        if self.anchor is None:
            return None
        if self.needs(DatePrecision.DAY):
            return self.fallback()
        day = self.anchor.value
        if week_shift is not None:  # "vorige week dinsdag"
            start = self.week(day + dt.timedelta(days=7 * week_shift)).value
            return PartialDate.day(start + dt.timedelta(days=(weekday - self.lex.first_weekday) % 7))
        if sign < 0:
            back = (day.weekday() - weekday - 1) % 7 + 1
        elif sign > 0:
            back = -((weekday - day.weekday() - 1) % 7 + 1)
        else:
            back = (day.weekday() - weekday) % 7
        return PartialDate.day(day - dt.timedelta(days=back))

    def period(self, unit: str, shift: int) -> PartialDate | None:
        """"vorige week" (unit week, shift -1), "dit jaar" (year, 0), "drie maanden geleden" (month, -3)."""
        a = self.anchor
        if a is None:
            return None
        if unit == "day":
            return self.days_from_anchor(shift)
        precision = _UNIT_PRECISION[unit]
        if self.needs(precision):
            return self.fallback()
        if unit == "week":
            return self.week(a.value + dt.timedelta(days=7 * shift))
        if unit == "month":
            return _month(*_add_months(a.value.year, a.value.month, shift))
        return _year(a.value.year + shift)

    def weekend(self, sign: int) -> PartialDate | None:
        a = self.anchor
        if a is None:
            return None
        if self.needs(DatePrecision.DAY):
            return self.fallback()
        first = self.lex.weekend_days[0]
        span = (self.lex.weekend_days[-1] - first) % 7
        day = a.value
        if sign < 0:
            start = day - dt.timedelta(days=(day.weekday() - first - 1) % 7 + 1)
        elif sign == 0 and (day.weekday() - first) % 7 <= span:
            start = day - dt.timedelta(days=(day.weekday() - first) % 7)
        else:
            start = day + dt.timedelta(days=(first - day.weekday()) % 7)
        return PartialDate(start, DatePrecision.WEEK, start + dt.timedelta(days=span))


def _part(period: PartialDate, part: str) -> PartialDate:
    """One coded day inside a month or year, keeping the coarse precision (ACLED time_precision 3)."""
    first, last = period.value, period.last_day
    if part == "begin":
        day = first
    elif part == "end":
        day = last
    elif period.precision is DatePrecision.YEAR:
        day = dt.date(first.year, 7, 1)
    elif period.precision is DatePrecision.MONTH:
        day = first.replace(day=15)
    else:
        day = first + (last - first) / 2
    return PartialDate(day, period.precision, day)


# --- scanning ---------------------------------------------------------------------------------------------------

_Found = tuple[int, int, PartialDate, bool, str | None]  # start, end, date, relative, part
_Handler = Callable[["_Scan", re.Match[str]], list[_Found]]


class _Scan:
    def __init__(self, lex: DateLexicon, text: str, anchor: PartialDate | None) -> None:
        self.lex = lex
        self.text = text
        self.r = _Resolver(lex, anchor)

    def _count(self, word: str) -> int | None:
        key = _key(word)
        if key.isdigit():
            return int(key)
        numbers = load_number_lexicon(self.lex.language)
        if key in numbers.article:
            return 1  # "een week geleden"
        return numbers.word_value(key)

    def _previous_word(self, start: int) -> str:
        m = re.search(r"(\S+)\s*$", self.text[max(0, start - 24):start])
        return _key(m.group(1)) if m else ""

    def iso(self, m: re.Match[str]) -> list[_Found]:
        date = _day(int(m["y"]), int(m["m"]), int(m["d"]))
        return [(m.start(), m.end(), date, False, None)] if date else []

    dmy = iso

    def day_month(self, m: re.Match[str]) -> list[_Found]:
        month = self.lex.months[_key(m["month"])] if m["month"] else self.lex.month_abbr[_key(m["abbr"])]
        if m["year"]:
            year: int | None = int(m["year"])
            relative = False
        else:
            year, relative = self.r.infer_year(month), True
        if year is None:
            return []
        date = _day(year, month, int(m["d"]))
        return [(m.start(), m.end(), date, relative, None)] if date else []

    def part(self, m: re.Match[str]) -> list[_Found]:
        part = self.lex.parts[_key(m["part"])]
        relative = True
        period: PartialDate | None
        if m["month"]:
            month = self.lex.months[_key(m["month"])]
            if m["year"]:
                period, relative = _month(int(m["year"]), month), False
            else:
                year = self.r.infer_year(month)
                period = _month(year, month) if year is not None else None
        elif m["year2"]:
            period, relative = _year(int(m["year2"])), False
        else:
            if m["mod"]:
                unit, shift = self.lex.periods[_key(m["unit"])], self.lex.modifier[_key(m["mod"])]
            else:
                unit, shift = self.lex.this_period[_key(m["this"])], 0
            period = self.r.period(unit, shift)
            if period is not None and self.r.needs(_UNIT_PRECISION[unit]):
                return [(m.start(), m.end(), period, True, None)]  # the anchor is coarser: no part of it
        if period is None:
            return []
        if period.precision in (DatePrecision.MONTH, DatePrecision.YEAR):
            period = _part(period, part)
        return [(m.start(), m.end(), period, relative, part)]

    def month_year(self, m: re.Match[str]) -> list[_Found]:
        date = _month(int(m["year"]), self.lex.months[_key(m["month"])])
        return [(m.start(), m.end(), date, False, None)] if date else []

    def month(self, m: re.Match[str]) -> list[_Found]:
        month = self.lex.months[_key(m["month"])]
        sign = self.lex.modifier[_key(m["mod"])] if m["mod"] else 0
        year = self.r.infer_year(month, sign)
        if year is None:
            return []
        date = _month(year, month)
        return [(m.start(), m.end(), date, True, None)] if date else []

    def year_pair(self, m: re.Match[str]) -> list[_Found]:
        first, second = int(m["y1"]), int(m["y2"])
        if not (self.lex.first_year <= first < second <= self.lex.last_year and second - first <= 50):
            return []
        out: list[_Found] = []
        for group in ("y1", "y2"):
            date = _year(int(m[group]))
            if date is not None:
                out.append((m.start(group), m.end(group), date, False, None))
        return out

    def year(self, m: re.Match[str]) -> list[_Found]:
        value = int(m["year"])
        if not self.lex.first_year <= value <= self.lex.last_year:
            return []
        date = _year(value)
        return [(m.start("year"), m.end("year"), date, False, None)] if date else []

    def weekday(self, m: re.Match[str]) -> list[_Found]:
        weekday = self.lex.weekdays[_key(m["wd"])]
        sign, week_shift = 0, None
        if m["mod"]:
            if m["wk"]:
                week_shift = self.lex.modifier[_key(m["mod"])]
            else:
                sign = self.lex.modifier[_key(m["mod"])]
        end = m.end()
        if m["wmod"]:
            week_shift = self.lex.modifier[_key(m["wmod"])]
        elif m["post"]:
            sign = self.lex.post[_key(m["post"])]
        date = self.r.weekday(weekday, sign, week_shift)
        return [(m.start(), end, date, True, None)] if date else []

    def day_word(self, m: re.Match[str]) -> list[_Found]:
        word = _key(m["word"])
        if word in self.lex.ambiguous and not m["hedge"] and self._previous_word(m.start()) in self.lex.not_after:
            return []
        date = self.r.days_from_anchor(self.lex.days[word])
        return [(m.start(), m.end(), date, True, None)] if date else []

    def period(self, m: re.Match[str]) -> list[_Found]:
        sign = self.lex.modifier[_key(m["mod"])]
        date = self.r.weekend(sign) if m["weekend"] else self.r.period(self.lex.periods[_key(m["unit"])], sign)
        return [(m.start(), m.end(), date, True, None)] if date else []

    def _shift(self, m: re.Match[str], sign: int) -> list[_Found]:
        count = self._count(m["count"])
        if count is None or count > 10_000:
            return []
        date = self.r.period(self.lex.periods[_key(m["unit"])], sign * count)
        return [(m.start(), m.end(), date, True, None)] if date else []

    def ago(self, m: re.Match[str]) -> list[_Found]:
        return self._shift(m, -1)

    def ahead(self, m: re.Match[str]) -> list[_Found]:
        return self._shift(m, 1)

    def run(self) -> list[DateMention]:
        if not self.lex.trigger.search(self.text):
            return []
        found: list[_Found] = []
        for pattern, name in self.lex.patterns:
            handler: _Handler = getattr(_Scan, name)
            for m in pattern.finditer(self.text):
                found.extend(handler(self, m))
        found.sort(key=lambda f: (f[0], -f[1]))
        out: list[DateMention] = []
        last_end = -1
        for start, end, date, relative, part in found:
            if start < last_end:
                continue
            out.append(DateMention(start, end, self.text[start:end], date, relative, part))
            last_end = end
        return out


def find_dates(text: str, anchor: PartialDate | None = None, language: str = "nl") -> list[DateMention]:
    """Every date expression in ``text``, left to right and not overlapping, resolved against ``anchor``."""
    return _Scan(load_date_lexicon(language), text, anchor).run()


def resolve_expression(expr: str, anchor: PartialDate | None = None, language: str = "nl") -> PartialDate | None:
    """The date one expression names ("vorige week", "3 januari 2022"); the longest mention if there are more."""
    mentions = find_dates(expr, anchor, language)
    if not mentions:
        return None
    return max(mentions, key=lambda mention: mention.end - mention.start).date
