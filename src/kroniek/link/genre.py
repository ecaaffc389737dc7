"""What kind of piece an article is, from its shape and its rubric words: news, opinion, editorial, letters,
bulletin, interview, poll, caption or recurring.

Story clustering needs this because the kinds join stories differently (see ``kroniek.link.stories``): a page of
letters or a short-news bulletin holds several subjects and is a story of its own unless one subject dominates it;
an opinion piece joins a story only when its main subject is the story's event; a caption or a recurring feature
("jarig", the weather, a comic) has too little text of its own to vote.

The rules follow the genres' definitions, not any one article:

- a **rubric word** printed with the piece names its kind: in a Dutch paper's title the part after the last ". "
  is a kicker ("Column Nynke de Jong", "Commentaar", "Brieven"); a whole title can be the rubric ("Kort nieuws");
- **letters** end with the writer's name and place ("M. de Vries, Amersfoort.") and often open by quoting the piece
  they answer ("'...' (AD 2-4)"); a page of them has several such signatures;
- a **bulletin** is a row of short items, each opened by a dateline in capitals ("DEN HAAG -") or a market line;
- an **opinion** piece is written in the first person outside quotations, or ends with the author's biography
  ("... is hoogleraar ...") or a columnist's handle ("p.jansen"); an **editorial** is signed by the editors;
- an **interview** is a run of questions; a **poll** (a street poll) a row of people named with their place;
- a **caption** is a photo or drawing with a line of text or none; a **recurring** feature has a title the paper
  printed before on other text.

Vocabulary and patterns are data: ``link/nl/genre.toml``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from kroniek.link.features import fold

GENRES = ("news", "opinion", "editorial", "letters", "bulletin", "interview", "poll", "caption", "recurring")
OPINION_GENRES = frozenset({"opinion", "editorial", "letters"})
MULTI_GENRES = frozenset({"letters", "bulletin", "poll", "recurring"})  # pages that can hold several subjects

CAPTION_CHARS = 120  # a body this short carries no story of its own (a caption line, a name list, nothing)
OPINION_MIN_WORDS = 120  # first-person density says nothing about a few lines
FIRST_PERSON_RATE = 0.012  # "ik", "mij", "mijn" per word outside quotations: opinion writes one every ~80 words
INTERVIEW_QUESTIONS = 4
INTERVIEW_SHARE = 0.15  # of the sentences
END_WINDOW = 300  # characters at the end where a sign-off or signature is looked for


@dataclass(frozen=True)
class Genre:
    name: str
    items: int = 1  # separately signed or headed items: the letters of a page, the items of a bulletin
    reason: str = ""

    @property
    def opinion(self) -> bool:
        return self.name in OPINION_GENRES

    @property
    def multi(self) -> bool:
        """A page of several items, possibly on several subjects."""
        return self.name in MULTI_GENRES and self.items >= 2


@dataclass(frozen=True)
class GenreLexicon:
    rubrics: tuple[tuple[str, tuple[str, ...]], ...]  # genre -> folded rubric phrases, in precedence order
    first_person: frozenset[str]
    first_plural: frozenset[str]
    signoff: tuple[re.Pattern[str], ...]
    editorial_signoff: tuple[re.Pattern[str], ...]
    signature: re.Pattern[str]
    reply: re.Pattern[str]
    dateline: re.Pattern[str]
    market_line: re.Pattern[str]


@cache
def lexicon(language: str = "nl") -> GenreLexicon:
    text = resources.files(f"kroniek.link.{language}").joinpath("genre.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    shape = data["shape"]
    return GenreLexicon(
        rubrics=tuple((genre, tuple(_key(w) for w in words)) for genre, words in data["rubrics"].items()),
        first_person=frozenset(shape["first_person"]), first_plural=frozenset(shape["first_plural"]),
        signoff=tuple(re.compile(p) for p in shape["signoff"]),
        editorial_signoff=tuple(re.compile(p, re.IGNORECASE) for p in shape["editorial_signoff"]),
        signature=re.compile(shape["signature"]), reply=re.compile(shape["reply"]),
        dateline=re.compile(shape["dateline"]), market_line=re.compile(shape["market_line"]))


def _key(text: str) -> str:
    return " ".join(re.findall(r"[\w&'-]+", fold(text)))


_QUOTED = re.compile(r"\"[^\"]{1,600}\"|“[^”]{1,600}”|„[^”\"]{1,600}[”\"]|(?<![\w])'[^']{1,600}'(?![\w])")
_WORDS = re.compile(r"[^\W\d_][\w'-]*")
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
_HANDLE = re.compile(r"\b[a-z]{1,2}\.[a-z][a-z-]{2,}\.?\s*$")  # a columnist's sign-off handle: "p.jansen"


def kicker(title: str) -> str:
    """The part of a title after its last ". " ("Chaos bij debat. Commentaar" gives "Commentaar"), or ""."""
    head, dot, rest = title.strip().rpartition(". ")
    return rest.strip() if dot and head else ""


def rubric_of(title: str, language: str = "nl") -> str | None:
    """The genre a rubric word printed in the title names, or None.

    A kicker names it when it starts or ends with the rubric ("Column Nynke de Jong", "Hans van Zon Commentaar");
    a whole title when it is the rubric, or starts with it and a colon ("Kort nieuws", "Brieven: ...").
    """
    lex = lexicon(language)
    side = _key(kicker(title))
    whole = _key(title)
    raw_whole = fold(title).strip()
    for genre, phrases in lex.rubrics:
        for phrase in phrases:
            if side and (side == phrase or side.startswith(phrase + " ") or side.endswith(" " + phrase)):
                return genre
            if whole == phrase or raw_whole.startswith(phrase + ":") or (
                    " " in phrase and whole.startswith(phrase + " ")):
                return genre
    return None


def signatures(text: str, language: str = "nl") -> list[re.Match[str]]:
    """Letter signatures ("Name, Place") that close the text or a piece of it (followed by a sentence end)."""
    lex = lexicon(language)
    found = []
    for match in lex.signature.finditer(text):
        after = text[match.end():match.end() + 2]
        if match.end() >= len(text.rstrip(" .")) or after.startswith(". ") or after.startswith(".") \
                or match.start() == 0:
            found.append(match)
    return found


def first_person_rate(text: str, language: str = "nl") -> float:
    """Share of the words outside quotations that are first-person singular pronouns."""
    lex = lexicon(language)
    words = [w.lower() for w in _WORDS.findall(_QUOTED.sub(" ", text))]
    if not words:
        return 0.0
    return sum(1 for w in words if w in lex.first_person) / len(words)


def recognise(title: str, text: str, seen_title: bool = False, language: str = "nl") -> Genre:
    """The genre of one article. ``seen_title``: the same title was printed before on another article."""
    lex = lexicon(language)
    body = text.strip()
    signed = signatures(body, language)
    ending = body[-END_WINDOW:]
    rubric = rubric_of(title, language)
    if rubric is not None:
        items = len(signed) if rubric == "letters" else _bulletin_items(body, lex)
        return Genre(rubric, max(1, items), "rubric")
    if len(body) < CAPTION_CHARS:
        return Genre("caption", 1, "no text of its own")
    closing = [m for m in signed if m.end() >= len(body.rstrip(" .")) - 1]
    if len(signed) >= 2 and signed[0].start() == 0 and not closing and not lex.reply.search(body[:400]):
        return Genre("poll", len(signed), "people named with their place")
    if len(signed) >= 2 and closing:
        return Genre("letters", len(signed), "signatures")
    if closing or (signed and lex.reply.search(body[:400])):
        return Genre("letters", 1, "signature")
    items = _bulletin_items(body, lex)
    if items >= 3:
        return Genre("bulletin", items, "datelines")
    if any(p.search(ending) for p in lex.editorial_signoff):
        return Genre("editorial", 1, "signed by the editors")
    if any(p.search(ending) for p in lex.signoff) or _HANDLE.search(body[-60:]):
        return Genre("opinion", 1, "author's sign-off")
    sentences = [s.strip() for s in _SENTENCE.findall(body) if s.strip()]
    questions = sum(1 for s in sentences if s.endswith("?"))
    if questions >= INTERVIEW_QUESTIONS and questions >= INTERVIEW_SHARE * len(sentences):
        return Genre("interview", 1, "questions")
    if len(_WORDS.findall(body)) >= OPINION_MIN_WORDS and first_person_rate(body, language) >= FIRST_PERSON_RATE:
        return Genre("opinion", 1, "first person")
    if seen_title:
        return Genre("recurring", 1, "title printed before")
    return Genre("news", 1, "")


def _bulletin_items(body: str, lex: GenreLexicon) -> int:
    """Items of a bulletin: its datelines, or its market lines; 1 when there are none."""
    datelines = len(lex.dateline.findall(body))
    markets = len(lex.market_line.findall(body))
    return max(1, datelines, markets)


def item_spans(text: str, genre: Genre, language: str = "nl") -> list[tuple[int, int]]:
    """Where the items of a multi-item page lie: each letter ends with its signature, each bulletin item starts
    at its dateline. One span (the whole text) for anything else."""
    lex = lexicon(language)
    if not genre.multi:
        return [(0, len(text))]
    if genre.name in ("letters", "poll"):
        ends = [m.end() for m in signatures(text, language)]
        if genre.name == "poll":  # a street poll names the person first: items start at the names
            starts = [m.start() for m in signatures(text, language)]
            bounds = [*starts[1:], len(text)]
            return [(s, e) for s, e in zip(starts, bounds, strict=True) if e > s]
        spans, start = [], 0
        for end in ends:
            if end > start:
                spans.append((start, end))
            start = end
        if len(text) - start > CAPTION_CHARS:
            spans.append((start, len(text)))
        return spans or [(0, len(text))]
    starts = sorted({m.start() for m in lex.dateline.finditer(text)} | {m.start() for m in
                                                                         lex.market_line.finditer(text)})
    if not starts:
        return [(0, len(text))]
    if starts[0] > CAPTION_CHARS:
        starts = [0, *starts]
    else:
        starts[0] = 0
    return [(s, e) for s, e in zip(starts, [*starts[1:], len(text)], strict=True) if e > s]
