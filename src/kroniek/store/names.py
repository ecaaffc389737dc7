"""The names of one article (people, organisations, places) with their type, as the story page votes them.

Kept per article by the link stage (``article_names``) so a story page reads small rows, not every analysis.
"""

from __future__ import annotations

from collections import defaultdict

from kroniek.model import Document

NAME_LABELS = ("PER", "ORG", "LOC")


def article_names_of(document: Document | None) -> list[tuple[str, str, str, int]]:
    """(folded key, longest spelling, label, mentions) per name and type in one article's analysis."""
    if document is None:
        return []
    counted: dict[tuple[str, str], int] = defaultdict(int)
    spelled: dict[str, str] = {}
    for entity in document.entities:
        if entity.label not in NAME_LABELS:
            continue
        name = entity.canonical or entity.text
        key = " ".join(name.lower().split())[:200]
        counted[(key, entity.label)] += 1
        if len(name) > len(spelled.get(key, "")):
            spelled[key] = name
    return [(key, spelled[key], label, count) for (key, label), count in sorted(counted.items())]
