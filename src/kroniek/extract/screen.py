"""A cheap exact test of which lexicon patterns can match a sentence at all, before the patterns run.

Most sentences fire none of the extract stage's event, figure or actor patterns, yet each pattern starts with a
look-behind (``(?<!\\w)``), so Python's regex engine cannot skip ahead and tries it at every position: about 130 µs a
sentence for the triage and as much again in the extract stage. A :class:`Screen` reads, from each pattern's
parse tree, literal text that every match must contain (for ``(?:\\w*aanval(?:len|s)?\\b|mesaanval\\w*)`` one of
"aanval", "mesaanval"), indexes those literals by one three-letter piece, and for a sentence looks up its
three-letter pieces: a pattern none of whose literals occurs in the sentence cannot match it and is not run. A
pattern without such literals (or one the parser does not understand) is always run, so the answer never
changes, only the time it takes.

Case: the literals are ASCII only and compared with the sentence lowercased, after the few non-ASCII letters that
``re.IGNORECASE`` matches with an ASCII letter ("ſ", "ı", "İ", the Kelvin sign) are mapped to it; a literal of a
case-sensitive pattern occurs in the lowercased sentence too.
"""

from __future__ import annotations

import re
import re._constants as _c  # type: ignore[import-not-found]
import re._parser as _p  # type: ignore[import-not-found]
from collections.abc import Sequence
from typing import Any

# Non-ASCII characters that an ASCII letter matches under re.IGNORECASE (tests check the list against re itself).
ASCII_TWINS = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
_TWINS = str.maketrans(ASCII_TWINS)
_GRAM = 3
_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)}


def fold(text: str) -> str:
    """The text as the screen compares it: lowercased, ASCII twins mapped to their ASCII letter."""
    if not text.isascii():
        text = text.translate(_TWINS)
    return text.lower()


def _best(candidates: list[frozenset[str]]) -> frozenset[str] | None:
    """Of several sets that each must occur, the most selective: longest shortest literal, then fewest."""
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(len(s) for s in c), -len(c)))


def _required(items: Any) -> frozenset[str] | None:
    """Literals of which every match of the sequence ``items`` contains at least one; None when unknown."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def end_run() -> None:
        if run:
            candidates.append(frozenset({"".join(run)}))
            run.clear()

    for op, arg in items:
        if op is _c.LITERAL:
            char = chr(arg)
            if char.isascii():
                run.append(char.lower())
            else:
                end_run()
        elif op in _ZERO_WIDTH:
            continue  # takes no characters: the text on both sides stays one run
        elif op is _c.SUBPATTERN:
            end_run()
            inner = _required(arg[-1])
            if inner is not None:
                candidates.append(inner)
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            end_run()
            inner = _required(arg)
            if inner is not None:
                candidates.append(inner)
        elif op is _c.BRANCH:
            end_run()
            union: set[str] = set()
            for alternative in arg[1]:
                inner = _required(alternative)
                if inner is None:
                    break
                union |= inner
            else:
                candidates.append(frozenset(union))
        elif op in _REPEATS:
            end_run()
            low, _high, body = arg
            if low >= 1:
                inner = _required(body)
                if inner is not None:
                    candidates.append(inner)
        else:  # character classes, any character, back references, conditionals: no literal
            end_run()
    end_run()
    return _best(candidates)


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Folded literals one of which every match of ``pattern`` contains, or None (no such set, or unparsable)."""
    try:
        literals = _required(_p.parse(pattern.pattern, pattern.flags))
    except Exception:  # pragma: no cover - an unusual pattern is simply always run
        return None
    if literals is None or any(len(s) < _GRAM for s in literals):
        return None
    return literals


class Screen:
    """Which of ``patterns`` can match a text: ``possible(text)`` holds the index of every pattern that may."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self.size = len(patterns)
        self.always: frozenset[int] = frozenset()
        always: set[int] = set()
        per_pattern: list[frozenset[str]] = []
        for index, pattern in enumerate(patterns):
            literals = required_literals(pattern)
            if literals is None:
                always.add(index)
                per_pattern.append(frozenset())
            else:
                per_pattern.append(literals)
        self.always = frozenset(always)
        # Each literal is filed under its least common three-letter piece among all literals.
        counts: dict[str, int] = {}
        for literals in per_pattern:
            for literal in literals:
                for gram in {literal[k:k + _GRAM] for k in range(len(literal) - _GRAM + 1)}:
                    counts[gram] = counts.get(gram, 0) + 1
        index_: dict[str, dict[str, set[int]]] = {}
        for number, literals in enumerate(per_pattern):
            for literal in literals:
                grams = [literal[k:k + _GRAM] for k in range(len(literal) - _GRAM + 1)]
                gram = min(grams, key=lambda g: (counts[g], g))
                index_.setdefault(gram, {}).setdefault(literal, set()).add(number)
        self._index = {gram: tuple((literal, frozenset(numbers)) for literal, numbers in by_literal.items())
                       for gram, by_literal in index_.items()}
        self._grams = frozenset(self._index)

    def possible(self, text: str) -> frozenset[int]:
        folded = fold(text)
        grams = {folded[k:k + _GRAM] for k in range(len(folded) - _GRAM + 1)}
        found = set(self.always)
        for gram in grams & self._grams:
            for literal, numbers in self._index[gram]:
                if not numbers <= found and literal in folded:
                    found |= numbers
        return frozenset(found)
