"""Stories as JSON: everything the story page shows (articles, coverage, timeline, figures, merges), for every
story or those ``options.filters`` select (the story list's filters: q, date_from, date_to, place, outlet,
event_type). Written as it is read: a page of stories at a time, each page in a few queries."""

from __future__ import annotations

import json
from typing import TextIO

from kroniek.export.common import ExportOptions, ExportReport, iter_stories, story_filters
from kroniek.store.repository import Store


def write(store: Store, stream: TextIO, options: ExportOptions | None = None) -> ExportReport:
    report = ExportReport()
    stream.write("[\n")
    filters = story_filters(options.filters) if options is not None and options.filters else None
    for index, story in enumerate(iter_stories(store, filters)):
        if index:
            stream.write(",\n")
        stream.write(json.dumps(story, ensure_ascii=False, default=str))
        report.written += 1
    stream.write("\n]\n")
    return report
