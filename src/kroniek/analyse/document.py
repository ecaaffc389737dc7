"""Turn an article into a ``Document``: metadata lines set apart, sentences and tokens, then deep analysis.

The text a Document holds is the article's title and body joined (``title`` + blank line + ``text``) so that
every offset points into one string that the store can reproduce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kroniek.model import Span, document_hash, document_text

__all__ = ["MetadataFinder", "document_hash", "document_text"]

# Lines that are page furniture, not reporting. Kept as data so other languages add their own.
METADATA_PATTERNS: dict[str, list[tuple[str, str]]] = {
    "nl": [
        ("date-header", r"^[ \t]*date \d{4}-\d{2}(?:-\d{2})?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s"),
        ("read-also", r"^[ \t]*(?:Lees ook|Lees meer|Bekijk ook|Kijk ook|Zie ook|LEES OOK)\s*:.*$"),
        ("caption", r"(?:^|(?<=[.!?] ))(?:De |Het |Een )?(?:kaart|foto|video|grafiek|beeld|overzicht)\b"
                    r"[^.!?:\n]{0,80}:[ \t]*$"),
    ],
}


@dataclass(frozen=True)
class MetadataFinder:
    patterns: list[tuple[str, re.Pattern[str]]]

    @classmethod
    def for_language(cls, language: str) -> MetadataFinder:
        raw = METADATA_PATTERNS.get(language, METADATA_PATTERNS["nl"][:1])
        return cls([(kind, re.compile(pattern, re.MULTILINE | re.IGNORECASE)) for kind, pattern in raw])

    def find(self, text: str, title_end: int = 0) -> list[Span]:
        spans: list[Span] = []
        if title_end:
            spans.append(Span(0, title_end, "title"))
        for kind, pattern in self.patterns:
            for match in pattern.finditer(text):
                if match.start() < title_end or any(s.start <= match.start() < s.end for s in spans):
                    continue
                spans.append(Span(match.start(), match.end(), kind))
        return sorted(spans, key=lambda s: s.start)


def body_ranges(length: int, metadata: list[Span]) -> list[tuple[int, int]]:
    """The parts of the text outside metadata spans (titles count as body: they report too)."""
    ranges: list[tuple[int, int]] = []
    cursor = 0
    for span in sorted(metadata, key=lambda s: s.start):
        if span.kind == "title":
            continue
        if span.start > cursor:
            ranges.append((cursor, span.start))
        cursor = max(cursor, span.end)
    if cursor < length:
        ranges.append((cursor, length))
    return ranges
