"""Stories as JSON: everything the story page shows (articles, coverage, timeline, figures, merges)."""

from __future__ import annotations

import json
from typing import TextIO

from kroniek.export.common import iter_stories
from kroniek.store.repository import Store


def write(store: Store, stream: TextIO) -> None:
    stream.write("[\n")
    for index, story in enumerate(iter_stories(store)):
        if index:
            stream.write(",\n")
        stream.write(json.dumps(story, ensure_ascii=False, default=str))
    stream.write("\n]\n")
