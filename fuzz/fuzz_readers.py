"""atheris fuzz target for the readers and the HTML extraction.

The first byte picks the reader (seed, JSONL, CSV, RSS/Atom, HTML, format sniffing; CSV with the byte's high bit
set gets a tiny field cap); the rest is the input. A reader may reject input (that is a ``Rejected`` record,
reported to the user); anything it raises is a crash.

    .venv/bin/python fuzz/fuzz_readers.py fuzz/corpus -max_total_time=60
"""

from __future__ import annotations

import csv
import io
import sys

import atheris

with atheris.instrument_imports():
    from kroniek.ingest.base import ReadOptions, Rejected
    from kroniek.ingest.readers import html_to_text, read_csv, read_feed, read_html, read_jsonl, read_seed
    from kroniek.ingest.sources import sniff
    from kroniek.model import Article

OPTIONS = ReadOptions(max_article_bytes=200_000, max_html_bytes=200_000, max_html_depth=200, max_feed_items=50)


def one_input(data: bytes) -> None:
    if not data:
        return
    choice, payload = data[0] % 7, data[1:]
    if choice == 0:
        records = list(read_seed("fuzz.txt", payload, OPTIONS, "krant"))
    elif choice == 1:
        records = list(read_jsonl("fuzz.jsonl", io.BytesIO(payload), ReadOptions(outlet="krant")))
    elif choice == 2 and data[0] < 128:
        records = list(read_csv("fuzz.csv", io.BytesIO(payload), ReadOptions(outlet="krant")))
    elif choice == 2:  # a tiny field cap, so the csv module's own error and the reader's recovery from it are reached
        previous = csv.field_size_limit(33)
        try:
            records = list(read_csv("fuzz.csv", io.BytesIO(payload), ReadOptions(outlet="krant", max_article_bytes=32)))
        finally:
            csv.field_size_limit(previous)
    elif choice == 3:
        records = list(read_feed("fuzz.xml", payload, OPTIONS))
    elif choice == 4:
        records = list(read_html("fuzz.html", payload, OPTIONS))
    elif choice == 5:
        html_to_text(payload.decode("utf-8", errors="replace"))
        return
    else:
        for suffix in ("", ".txt", ".jsonl", ".csv", ".xml", ".html"):
            sniff(payload[:4096], suffix)
        return
    for record in records:
        if not isinstance(record, Article | Rejected):
            raise TypeError(f"a reader yielded {type(record).__name__}")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
