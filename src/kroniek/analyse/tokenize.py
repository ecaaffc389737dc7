"""Fast pure-Python sentence splitting and tokenization for the sentences Frog does not see."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from kroniek.model import Sentence, Token

_TOKEN = re.compile(
    r"\d+(?:[.,]\d+)+"                       # 2.000 / 1,5 / 10.30
    r"|\w+(?:[’'\-]\w+)*(?:[’']s)?"          # words, Wit-Rusland, zo'n, commando’s
    r"|[^\w\s]",                             # punctuation, one character each
    re.UNICODE,
)
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’»)]*(?=\s)|\n\s*\n|\n")


@cache
def abbreviations() -> frozenset[str]:
    try:
        text = resources.files("kroniek.analyse.nl").joinpath("abbreviations.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    words = {line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")}
    return frozenset(words | {"dhr.", "mevr.", "ca.", "mln.", "mld.", "bijv.", "o.a.", "d.w.z.", "nr.", "prof.",
                              "dr.", "ir.", "mr.", "drs.", "ing.", "e.d.", "enz.", "etc.", "jl.", "a.s.", "m.b.t.",
                              "i.v.m.", "t.o.v.", "z.g.", "vs.", "st.", "blz.", "art.", "ds.", "gen."})


def split_sentences(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    abbrev = abbreviations()
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if match.group().startswith("."):
            word = text[max(0, text.rfind(" ", 0, match.start()) + 1):match.start() + 1].lower()
            before = text[max(0, match.start() - 2):match.start()]
            if word in abbrev or re.fullmatch(r"(?:\w\.)+", word) or (len(before) == 2 and before[0] == " "
                                                                      and before[1].isupper()):
                continue
        _add(text, start, end, spans)
        start = end
    _add(text, start, len(text), spans)
    return spans


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    stop = len(text) if end is None else end
    return [Token(word := m.group(), m.start(), m.end(), word.lower()) for m in _TOKEN.finditer(text, start, stop)]


def shallow_sentences(text: str) -> list[Sentence]:
    sentences = []
    paragraph = 0
    previous_end = 0
    for start, end in split_sentences(text):
        if "\n\n" in text[previous_end:start]:
            paragraph += 1
        sentences.append(Sentence(start, end, tokenize(text, start, end), paragraph))
        previous_end = end
    return sentences
