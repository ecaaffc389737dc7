"""Dates and figures as the read side shows them (kroniek.store.dates, kroniek.store.timeline), on values of our
own: each precision in words, periods and filter matches, ACLED's coded day as the exports code it, open ranges
and the plain line of a timeline entry."""

from __future__ import annotations

from typing import Any

import pytest

from kroniek.export.common import coded_day as export_coded_day
from kroniek.store import dates, timeline


@pytest.mark.parametrize(("value", "precision", "shown"), [
    ("2022-01-01", "month", "January 2022"),
    ("2022-01", None, "January 2022"),
    ("2022-01-03", "week", "week of 3 January 2022"),
    ("2022-01-01", "year", "2022"),
    ("2022", None, "2022"),
    ("2022-01-05", "day", "5 January 2022"),
    ("2022-01-05T10:20:00+01:00", "datetime", "5 January 2022"),
    (None, None, "undated"),
    ("not a date", None, "undated"),
])
def test_a_date_is_shown_to_its_precision(value: str | None, precision: str | None, shown: str) -> None:
    assert dates.display_date(value, precision) == shown


def test_a_publication_keeps_its_time_of_day_an_event_does_not() -> None:
    assert dates.display_published("2025-03-03T21:10:00+01:00") == "3 March 2025, 21:10"
    assert dates.display_published("2025-03") == "March 2025"
    event = {"date": "2025-03-03T21:10:00+01:00", "date_precision": "datetime", "time_precision": 1,
             "date_start": "2025-03-03", "date_end": "2025-03-03"}
    dates.honest_event_date(event)
    assert event == {"date": "2025-03-03", "date_precision": "day", "time_precision": 1, "date_start": "2025-03-03",
                     "date_end": "2025-03-03", "date_basis": "publication"}
    month = {"date": "2022-01", "date_precision": "month", "date_start": "2022-01-01", "date_end": "2022-01-31"}
    assert dates.honest_event_date(dict(month)) == month, "a date the text gives is left as it is"


@pytest.mark.parametrize(("start", "end", "lo", "hi", "match"), [
    ("2022-01-01", "2022-01-31", "2022-01-05", "2022-01-07", "possible"),  # a month for three of its days
    ("2022-01-01", "2022-01-31", "2022-01-01", "2022-01-31", "certain"),
    ("2022-01-01", "2022-01-31", "2021-12-01", "2022-02-28", "certain"),
    ("2022-01-01", "2022-01-31", "2022-02-01", None, None),
    ("2022-01-06", "2022-01-06", "2022-01-05", "2022-01-07", "certain"),
    ("2022-01-06", None, None, "2022-01-05", None),
    ("2022-01-03", "2022-01-09", "2022-01-09", None, "possible"),  # a week reaching into the filter
])
def test_a_filter_treats_a_period_as_the_whole_period(start: str, end: str | None, lo: str | None, hi: str | None,
                                                      match: str | None) -> None:
    assert dates.date_match(start, end, lo, hi) == match


def test_a_story_matches_possibly_only_through_its_uncertain_ends() -> None:
    # month-dated articles only: any few days of the month are possible
    assert dates.span_match("2022-01-01", "month", "2022-01-01", "month", "2022-01-31",
                            "2022-01-05", "2022-01-07") == "possible"
    # day-dated articles on the 3rd and the 20th: the story ran through the 5th..7th
    assert dates.span_match("2022-01-03", "day", "2022-01-20", "day", "2022-01-20",
                            "2022-01-05", "2022-01-07") == "certain"
    assert dates.span_match("2022-01-03", "day", "2022-01-04", "day", "2022-01-04",
                            "2022-01-05", "2022-01-07") is None


@pytest.mark.parametrize(("start", "end"), [("2022-01-01", "2022-01-31"), ("2022-02-01", "2022-02-28"),
                                            ("2022-01-03", "2022-01-09"), ("2022-01-05", "2022-01-05"),
                                            ("2022-01-05", None)])
def test_the_coded_day_is_the_one_the_exports_write(start: str, end: str | None) -> None:
    assert dates.coded_day(start, end) == export_coded_day({"date_start": start, "date_end": end})


@pytest.mark.parametrize(("claim", "shown"), [
    ({"value": 2000, "low": 2001, "high": None, "qualifier": "more_than"}, "> 2000"),
    ({"value": 8, "low": 8, "high": None, "qualifier": "at_least"}, "≥ 8"),
    ({"value": 1000, "low": 2000, "high": 9999, "qualifier": None, "vague": "duizenden"}, "≥ 2000"),
    ({"value": 10, "low": 10, "high": 20, "qualifier": None}, "10–20"),
    ({"value": 40, "low": 40, "high": 40, "qualifier": None}, "40"),
    ({"value": 50, "low": None, "high": 50, "qualifier": "up_to"}, "≤ 50"),
])
def test_a_claim_prints_its_range_never_a_stored_bound(claim: dict[str, Any], shown: str) -> None:
    assert timeline.claim_range(claim) == shown


def test_a_reconciled_row_prints_an_open_end_as_its_sources_said_it() -> None:
    more = {"value": 2000, "low": 2001, "high": None, "qualifier": "more_than"}
    assert timeline.figure_range({"low": 2001, "high": 2001, "high_open": True, "claims": [more]}) == "> 2000"
    assert timeline.figure_range({"low": 8, "high": None, "high_open": True, "claims": []}) == "≥ 8"
    assert timeline.figure_range({"low": 6, "high": 99, "claims": []}) == "≥ 6", "99: the top of 'tientallen'"
    assert timeline.figure_range({"low": 6, "high": 8, "claims": []}) == "6–8"
    assert timeline.figure_range({"low": None, "high": None, "coded": None}) == ""


def test_the_figures_summary_folds_rows_of_one_kind_and_group() -> None:
    rows = [
        {"event_id": "e1", "kind": "arrested", "group_type": "unknown", "coded": 300, "low": 300, "high": 300,
         "claims": [{"text": "300", "value": 300, "low": 300, "high": 300}]},
        {"event_id": "e2", "kind": "arrested", "group_type": None, "coded": 1200, "low": 1200, "high": 1500,
         "disagreement": True, "claims": [{"text": "1200", "value": 1200}, {"text": "1500", "value": 1500}]},
        {"event_id": "e1", "kind": "killed", "group_type": "police", "coded": 2, "low": 2, "high": 2, "claims": []},
        {"event_id": "e1", "kind": "crowd", "group_type": "protesters", "coded": 2000, "low": 2001, "high": None,
         "high_open": True, "claims": [{"text": "meer dan 2000", "value": 2000, "qualifier": "more_than"}]},
    ]
    summary = timeline.figures_summary(rows)
    assert [(f["kind"], f["group"]) for f in summary] == [("killed", "police"), ("arrested", ""),
                                                          ("crowd", "protesters")]
    arrested = summary[1]
    assert arrested["coded"] == 1500 and arrested["range"] == "1500–1800" and arrested["disagreement"]
    assert arrested["events"] == 2 and len(arrested["claims"]) == 3
    assert summary[2]["range"] == "> 2000"


@pytest.mark.parametrize(("event", "line"), [
    ({"sub_event_type": "Other", "plover_type": "REQUEST", "actor1": "Tokajev", "actor2": "CSTO",
      "outlets": ["NOS", "NRC"]}, "Tokajev asks CSTO for help — NOS, NRC"),
    ({"sub_event_type": "Peaceful protest", "plover_type": "PROTEST", "plover_mode": "demo",
      "actor1": "Protesters (Kazakhstan)", "place": "Almaty", "country": "Kazakhstan", "outlets": ["NOS"]},
     "Protesters (Kazakhstan) demonstrate in Almaty, Kazakhstan — NOS"),
    ({"sub_event_type": "Arrests", "plover_type": "COERCE", "actor1": "Police Forces of Kazakhstan",
      "country": "Kazakhstan"}, "Police Forces of Kazakhstan make arrests in Kazakhstan"),
    ({"sub_event_type": "Protest with intervention", "actor1": "Protesters (Georgia)", "place": "Tbilisi"},
     "Protesters (Georgia) demonstrate; the authorities intervene in Tbilisi"),
    ({"sub_event_type": "Peaceful protest", "plover_type": "PROTEST", "actor1": "Protesters (Kazakhstan)",
      "contexts": ["future"], "outlets": ["NRC"]}, "(planned) Protesters (Kazakhstan) demonstrate — NRC"),
    ({"sub_event_type": "Attack", "actor1": None, "actor2": None, "contexts": ["negated", "historical"]},
     "(did not happen, earlier) Unnamed actors attack"),
    ({"sub_event_type": "Change to group/activity", "plover_type": "RETREAT", "actor1": "Government of Georgia"},
     "Government of Georgia resigns"),
])
def test_a_timeline_entry_reads_as_one_plain_line(event: dict[str, Any], line: str) -> None:
    assert timeline.summary_line(event) == line


def test_three_strategic_developments_read_as_three_things() -> None:
    base = {"event_type": "Strategic developments", "sub_event_type": "Other", "actor1": "Government of Georgia"}
    lines = {timeline.summary_line(base | extra) for extra in (
        {"plover_type": "COERCE", "plover_mode": "curfew"}, {"plover_type": "REQUEST"},
        {"plover_type": "MOBILIZE", "plover_mode": "troops"})}
    assert lines == {"Government of Georgia imposes a curfew", "Government of Georgia asks for help",
                     "Government of Georgia deploys troops"}


def test_a_figure_sentence_is_cut_at_its_own_stops() -> None:
    text = "Titel\n\nEerste zin. In Almaty waren 1.500 mensen. Derde zin."
    start = text.index("1.500")
    lo, hi = timeline.sentence_bounds(text, start, start + 5)
    assert text[lo:hi] == "In Almaty waren 1.500 mensen."
