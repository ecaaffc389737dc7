"""The records every stage reads and writes.

One ``Document`` per article carries every annotation (spaCy-style); later stages add ``Event`` and ``Claim``
records that point back into the article text through character spans (``Evidence``). All records are plain
dataclasses that round-trip through JSON (``to_dict``/``from_dict``) so the store can keep them as documents.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import hashlib
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, TypeVar

T = TypeVar("T")


class DatePrecision(StrEnum):
    YEAR = "year"
    MONTH = "month"
    WEEK = "week"
    DAY = "day"
    DATETIME = "datetime"

    @property
    def rank(self) -> int:
        """Coarse-to-fine order: a larger rank is more precise."""
        return _PRECISION_RANK[self]


_PRECISION_RANK = {
    DatePrecision.YEAR: 0,
    DatePrecision.MONTH: 1,
    DatePrecision.WEEK: 2,
    DatePrecision.DAY: 3,
    DatePrecision.DATETIME: 4,
}


@dataclass(frozen=True)
class PartialDate:
    """A date known only to some precision: ``2022-01`` stays a month, never an invented day.

    ``value`` is the first day of the period; ``end`` its last day for spans coarser than a day.
    ``moment`` keeps the time of day when the precision is DATETIME.
    """

    value: dt.date
    precision: DatePrecision
    end: dt.date | None = None
    moment: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.end is None and self.precision in (DatePrecision.MONTH, DatePrecision.YEAR):
            object.__setattr__(self, "end", _period_end(self.value, self.precision))

    @classmethod
    def month(cls, year: int, month: int) -> PartialDate:
        return cls(dt.date(year, month, 1), DatePrecision.MONTH)

    @classmethod
    def day(cls, day: dt.date) -> PartialDate:
        return cls(day, DatePrecision.DAY)

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or an ISO datetime; raise ValueError otherwise."""
        raw = text.strip()
        if len(raw) == 4 and raw.isdigit():
            return cls(dt.date(int(raw), 1, 1), DatePrecision.YEAR)
        if len(raw) == 7 and raw[4] == "-":
            year, month = raw.split("-")
            if not (year.isdigit() and month.isdigit()):
                raise ValueError(f"not a date: {text!r}")
            return cls.month(int(year), int(month))
        if len(raw) == 10:
            return cls.day(dt.date.fromisoformat(raw))
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return cls(moment.date(), DatePrecision.DATETIME, moment=moment)

    @property
    def last_day(self) -> dt.date:
        return self.end or self.value

    @property
    def time_precision(self) -> int:
        """ACLED time_precision: 1 day, 2 week, 3 month or coarser."""
        if self.precision in (DatePrecision.DAY, DatePrecision.DATETIME):
            return 1
        if self.precision is DatePrecision.WEEK:
            return 2
        return 3

    @property
    def midpoint(self) -> dt.date:
        """The day ACLED codes for a span: the middle of the week or month."""
        if self.end is None:
            return self.value
        return self.value + (self.end - self.value) / 2

    def iso(self) -> str:
        if self.precision is DatePrecision.YEAR:
            return f"{self.value.year:04d}"
        if self.precision is DatePrecision.MONTH:
            return f"{self.value.year:04d}-{self.value.month:02d}"
        if self.precision is DatePrecision.DATETIME and self.moment is not None:
            return self.moment.isoformat()
        return self.value.isoformat()

    def overlaps(self, other: PartialDate) -> bool:
        """True when the two periods can be the same day (a month report can match a day report)."""
        return self.value <= other.last_day and other.value <= self.last_day

    def to_dict(self) -> dict[str, Any]:
        return {"iso": self.iso(), "precision": self.precision.value, "start": self.value.isoformat(),
                "end": self.last_day.isoformat(), "time_precision": self.time_precision}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PartialDate:
        precision = DatePrecision(data["precision"])
        if precision is DatePrecision.DATETIME:
            return cls.parse(data["iso"])
        start = dt.date.fromisoformat(data["start"])
        end = dt.date.fromisoformat(data["end"])
        return cls(start, precision, None if end == start else end)


def _period_end(start: dt.date, precision: DatePrecision) -> dt.date:
    if precision is DatePrecision.YEAR:
        return dt.date(start.year, 12, 31)
    return dt.date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def document_text(article: Article) -> str:
    """The one string every offset of an article's analysis points into: title, blank line, body."""
    return f"{article.title}\n\n{article.text}" if article.title else article.text


def document_hash(article: Article) -> str:
    return text_hash(document_text(article))


def article_id(outlet: str, url: str | None, text: str) -> str:
    """Stable id: from outlet + url when there is a url, else from the content."""
    key = f"{outlet}\n{url}" if url else f"{outlet}\n{text}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass
class Article:
    outlet: str
    text: str
    title: str = ""
    url: str | None = None
    published: PartialDate | None = None
    id: str = ""
    language: str | None = None
    source: str | None = None
    source_line: int | None = None
    ingested_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        if not self.id:
            self.id = article_id(self.outlet, self.url, self.text)

    @property
    def content_hash(self) -> str:
        return text_hash(f"{self.title}\n{self.text}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "outlet": self.outlet,
            "url": self.url,
            "title": self.title,
            "text": self.text,
            "published_at": self.published.iso() if self.published else None,
            "date_precision": self.published.precision.value if self.published else None,
            "language": self.language,
            "source": self.source,
            "source_line": self.source_line,
            "ingested_at": self.ingested_at.isoformat() if self.ingested_at else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        published = data.get("published_at")
        ingested = data.get("ingested_at")
        return cls(outlet=data["outlet"], text=data["text"], title=data.get("title") or "", url=data.get("url"),
                   published=PartialDate.parse(published) if published else None, id=data.get("id") or "",
                   language=data.get("language"), source=data.get("source"), source_line=data.get("source_line"),
                   ingested_at=dt.datetime.fromisoformat(ingested) if ingested else None)


# --- analysis layer -------------------------------------------------------------------------------------------


@dataclass
class Token:
    text: str
    start: int
    end: int
    lemma: str = ""
    pos: str = ""  # CGN tag with features, e.g. "WW(pv,verl,ev)"; "" when not analysed deeply
    ner: str = "O"  # raw IOB tag from the tagger

    @property
    def coarse_pos(self) -> str:
        return self.pos.split("(", 1)[0]


@dataclass
class Sentence:
    start: int
    end: int
    tokens: list[Token] = field(default_factory=list)
    paragraph: int = 0
    deep: bool = False  # True when the linguistic analyser (Frog) saw this sentence


@dataclass
class Entity:
    text: str
    label: str  # PER, LOC, ORG, MISC (nationality adjectives are MISC with ``country`` set)
    start: int
    end: int
    sentence: int
    canonical: str = ""
    country: str | None = None  # ISO2 for places and nationality adjectives
    place_id: int | None = None
    role: str | None = None  # title or role cue: "president", "persbureau", ...
    raw_label: str = ""


@dataclass
class Span:
    start: int
    end: int
    kind: str  # "date-header", "read-also", "caption", "title"


@dataclass
class Document:
    article_id: str
    text: str
    language: str | None = None
    sentences: list[Sentence] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    metadata: list[Span] = field(default_factory=list)
    analyser: str = ""

    def sentence_text(self, index: int) -> str:
        sentence = self.sentences[index]
        return self.text[sentence.start : sentence.end]

    def sentence_at(self, offset: int) -> int | None:
        for index, sentence in enumerate(self.sentences):
            if sentence.start <= offset < sentence.end:
                return index
        return None

    def entities_in(self, index: int) -> list[Entity]:
        return [entity for entity in self.entities if entity.sentence == index]

    def to_dict(self) -> dict[str, Any]:
        # Written out by hand: dataclasses.asdict deep-copies every token and took half of the analyse stage.
        return {
            "article_id": self.article_id, "text": self.text, "language": self.language,
            "sentences": [{"start": s.start, "end": s.end, "paragraph": s.paragraph, "deep": s.deep,
                           "tokens": [{"text": t.text, "start": t.start, "end": t.end, "lemma": t.lemma,
                                       "pos": t.pos, "ner": t.ner} for t in s.tokens]}
                          for s in self.sentences],
            "entities": [{"text": e.text, "label": e.label, "start": e.start, "end": e.end, "sentence": e.sentence,
                          "canonical": e.canonical, "country": e.country, "place_id": e.place_id, "role": e.role,
                          "raw_label": e.raw_label} for e in self.entities],
            "metadata": [{"start": m.start, "end": m.end, "kind": m.kind} for m in self.metadata],
            "analyser": self.analyser,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(
            article_id=data["article_id"],
            text=data["text"],
            language=data.get("language"),
            sentences=[
                Sentence(s["start"], s["end"], [Token(**t) for t in s["tokens"]], s.get("paragraph", 0),
                         s.get("deep", False))
                for s in data.get("sentences", [])
            ],
            entities=[Entity(**e) for e in data.get("entities", [])],
            metadata=[Span(**m) for m in data.get("metadata", [])],
            analyser=data.get("analyser", ""),
        )


# --- extraction layer -----------------------------------------------------------------------------------------


@dataclass
class Evidence:
    article_id: str
    start: int
    end: int
    field: str  # which field the span supports: "trigger", "actor1", "place", "date", "value", "source", ...
    text: str = ""


@dataclass
class Place:
    name: str
    country: str = ""
    iso2: str = ""
    iso_numeric: int | None = None
    admin1: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int = 3
    geonameid: int | None = None
    region: str | None = None


@dataclass
class Actor:
    name: str
    actor_type: str  # ACLED text label: "State forces", "Protesters", ...
    country: str | None = None  # ISO2
    plover_code: str | None = None  # e.g. "KAZGOV", "RUSMIL"


@dataclass
class Claim:
    """One reported figure, with who reports it."""

    kind: str  # killed | injured | arrested | missing | displaced | crowd
    article_id: str
    start: int
    end: int
    text: str
    value: int | None = None  # ACLED coded value
    low: int | None = None
    high: int | None = None
    vague: str | None = None
    qualifier: str | None = None
    group: str | None = None  # who the figure is about: "leden van veiligheidstroepen", "demonstranten"
    group_type: str | None = None  # "security forces", "protesters", "civilians", "police", "people"
    attribution: list[str] = field(default_factory=list)  # outermost first: outlet -> agency -> original source
    unconfirmed: bool = False
    sentence: int = 0
    event_id: str | None = None
    id: str = ""
    contexts: list[str] = field(default_factory=list)
    # The words that attribute it ("volgens persbureau DPA"), field "source", in the article's text: in its own
    # sentence, or in the earlier one whose chain it inherits; empty when only the outlet reports it.
    source_spans: list[Evidence] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.id:
            key = f"{self.article_id}:{self.kind}:{self.start}:{self.end}"
            self.id = "c" + hashlib.sha256(key.encode()).hexdigest()[:15]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Claim:
        data = dict(data)
        data["source_spans"] = [_build(Evidence, e) for e in data.get("source_spans") or []]
        return _build(cls, data)


@dataclass
class Event:
    """One event as reported in one article (a mention); linking merges mentions into canonical events."""

    article_id: str
    sentence: int
    trigger: str
    disorder_type: str
    event_type: str
    sub_event_type: str
    plover_type: str
    plover_mode: str | None = None
    actor1: Actor | None = None
    actor2: Actor | None = None
    assoc_actors: list[Actor] = field(default_factory=list)
    place: Place | None = None
    date: PartialDate | None = None
    contexts: list[str] = field(default_factory=list)  # negated, hypothetical, future, historical + topical
    evidence: list[Evidence] = field(default_factory=list)
    issue: str | None = None  # what a demonstration is about (ACLED groups demonstrations by issue)
    id: str = ""
    # Who the sentence says reports the event, like a figure's chain: outlet › agencies › original sources; empty
    # when the sentence names no source. The words that say so are evidence with the field "source".
    attribution: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.id:
            start = self.evidence[0].start if self.evidence else self.sentence
            key = f"{self.article_id}:{self.sentence}:{start}:{self.plover_type}:{self.event_type}"
            self.id = "m" + hashlib.sha256(key.encode()).hexdigest()[:15]

    @property
    def happened(self) -> bool:
        # Historical events did happen, but not in the period reported on: like ACLED, count only the news. A
        # referred act (named in a trial, a charge, a funeral) is a context on the story, not a new event.
        return not ({"negated", "hypothetical", "future", "historical", "referred"} & set(self.contexts))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["date"] = self.date.to_dict() if self.date else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        data = dict(data)
        data["date"] = PartialDate.from_dict(data["date"]) if data.get("date") else None
        for key in ("actor1", "actor2"):
            data[key] = _build(Actor, data[key]) if data.get(key) else None
        data["assoc_actors"] = [_build(Actor, a) for a in data.get("assoc_actors", [])]
        data["place"] = _build(Place, data["place"]) if data.get("place") else None
        data["evidence"] = [_build(Evidence, e) for e in data.get("evidence", [])]
        return _build(cls, data)


def _build(cls: type[T], data: dict[str, Any]) -> T:
    """Construct a dataclass from a dict, ignoring keys it does not know (older stored versions)."""
    names = _field_names(cls)  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


@functools.cache
def _field_names(cls: type) -> frozenset[str]:
    # read back for every stored mention and claim: the dataclass fields are looked up once per class
    return frozenset(f.name for f in fields(cls))
