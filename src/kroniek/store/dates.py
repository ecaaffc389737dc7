"""Dates as the read side shows them: with the precision they are known to, never an invented day.

A stored date is a period: ``date_start``..``date_end`` and a precision (``day``, ``week``, ``month``, ``year``;
``datetime`` for a publication time). The pages, the API and the exports read events and stories through
``kroniek.store.query``, which uses this module, so all of them agree on each date:

- a month is "January 2022", a week "week of 3 January 2022", a year "2022", a day "3 January 2022";
- an event whose text gives no date has the publication's date: a publication *time* is no event time, so such an
  event is a day (``date_basis = "publication"``), and the publication stays apart, labelled as such;
- a date filter treats a period as the whole period: an event of 2022-01 matches 5..7 January 2022 "possibly".
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
PRECISIONS = ("datetime", "day", "week", "month", "year")
_FINENESS = {p: i for i, p in enumerate(PRECISIONS)}


def _day(value: Any) -> dt.date | None:
    """The first day a stored date string names ("2022-01-05", "2022-01", "2022", "2022-01-05T10:00+01:00")."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        if len(text) >= 10:
            return dt.date.fromisoformat(text[:10])
        if len(text) == 7:
            return dt.date(int(text[:4]), int(text[5:7]), 1)
        if len(text) == 4:
            return dt.date(int(text), 1, 1)
    except ValueError:
        return None
    return None


def precision_of(value: Any, precision: str | None = None) -> str | None:
    """The precision a stored date has: the one given, else read from the string's form."""
    if precision in _FINENESS:
        return precision
    text = str(value or "").strip()
    if not text:
        return None
    return {4: "year", 7: "month", 10: "day"}.get(len(text), "datetime" if "T" in text else None)


def period(value: Any, precision: str | None = None, end: Any = None) -> tuple[dt.date, dt.date] | None:
    """First and last day of the period a stored date stands for."""
    first = _day(value)
    if first is None:
        return None
    kind = precision_of(value, precision)
    last = _day(end) if end else None
    if last is not None and last >= first:
        return first, last
    if kind == "year":
        return dt.date(first.year, 1, 1), dt.date(first.year, 12, 31)
    if kind == "month":
        return first.replace(day=1), first.replace(day=calendar.monthrange(first.year, first.month)[1])
    if kind == "week":
        return first, first + dt.timedelta(days=6)
    return first, first


def _long_day(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def display_date(value: Any, precision: str | None = None) -> str:
    """A date as a person reads it, to its precision: "2022", "January 2022", "week of 3 January 2022",
    "3 January 2022" (a datetime shows its day: see ``display_published`` for a publication time)."""
    first = _day(value)
    if first is None:
        return "undated"
    kind = precision_of(value, precision)
    if kind == "year":
        return str(first.year)
    if kind == "month":
        return f"{MONTHS[first.month - 1]} {first.year}"
    if kind == "week":
        return f"week of {_long_day(first)}"
    return _long_day(first)


def display_published(value: Any, precision: str | None = None) -> str:
    """A publication date; a publication time keeps its time of day ("3 March 2025, 21:10")."""
    kind = precision_of(value, precision)
    text = str(value or "")
    if kind == "datetime" and len(text) >= 16 and text[10] in "T ":
        return f"{display_date(text[:10], 'day')}, {text[11:16]}"
    return display_date(value, kind)


def coded_day(start: Any, end: Any = None) -> dt.date | None:
    """ACLED's rule, as the exports code it: the day itself, else the middle of the week or month."""
    first = _day(start)
    if first is None:
        return None
    last = _day(end) or first
    return first + dt.timedelta(days=(last - first).days // 2)


def date_match(start: Any, end: Any, date_from: str | None, date_to: str | None) -> str | None:
    """Whether a period ``start``..``end`` lies in the filter's days: "certain" when it lies wholly inside,
    "possible" when it only overlaps (a month event for 5..7 January), None when it lies outside."""
    first, last = _day(start), _day(end) or _day(start)
    if first is None or last is None:
        return None
    lo, hi = _day(date_from), _day(date_to)
    if (lo is not None and last < lo) or (hi is not None and first > hi):
        return None
    inside = (lo is None or first >= lo) and (hi is None or last <= hi)
    return "certain" if inside else "possible"


def honest_event_date(event: dict[str, Any]) -> dict[str, Any]:
    """An event's own date. The extraction dates an event whose text names no date by its article's publication;
    a publication time is no event time, so such an event is the publication's day, marked
    ``date_basis = "publication"`` (text dates are never finer than a day). Changes ``event`` in place."""
    if event.get("date_precision") == "datetime":
        start = str(event.get("date_start") or str(event.get("date") or "")[:10]) or None
        event["date"] = start
        event["date_start"] = start
        event["date_end"] = start
        event["date_precision"] = "day"
        event["time_precision"] = 1
        event["date_basis"] = "publication"
    return event


def finest(precisions: list[str | None]) -> str | None:
    """The finest of some precisions (None when there is none)."""
    known = [p for p in precisions if p in _FINENESS]
    return min(known, key=_FINENESS.__getitem__) if known else None


def span_match(first: Any, first_precision: str | None, last: Any, last_precision: str | None,
               last_end: Any, date_from: str | None, date_to: str | None) -> str | None:
    """A story's match for a date filter. Its articles are certainly published between the end of its first
    article's period and the start of its last one; a filter that only meets the uncertain ends (a story of
    month-dated articles, filtered to a few days of that month) matches it "possibly"."""
    whole = period(first, first_precision)
    tail = period(last, last_precision, last_end)
    if whole is None:
        return None
    last_day = tail[1] if tail else whole[1]
    found = date_match(whole[0].isoformat(), last_day.isoformat(), date_from, date_to)
    if found != "possible":
        return found
    sure_from, sure_to = whole[1], (tail[0] if tail else whole[0])
    if sure_from <= sure_to and date_match(sure_from.isoformat(), sure_to.isoformat(), date_from, date_to):
        return "certain"  # the story ran through the filter's days on dates known to the day
    return "possible"
