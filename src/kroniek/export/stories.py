"""Stories as JSON: everything the story page shows (articles, coverage, timeline, figures, merges)."""

from __future__ import annotations

import json
from typing import TextIO

from kroniek.export.common import ExportOptions, ExportReport, iter_stories
from kroniek.store.repository import Store


def write(store: Store, stream: TextIO, options: ExportOptions | None = None) -> ExportReport:
    report = ExportReport()
    stream.write("[\n")
    for index, story in enumerate(iter_stories(store)):
        if index:
            stream.write(",\n")
        stream.write(json.dumps(story, ensure_ascii=False, default=str))
        report.written += 1
    stream.write("\n]\n")
    return report
