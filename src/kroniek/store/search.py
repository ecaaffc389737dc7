"""Full-text search over article titles and texts, with each engine's own index (migration 0009): SQLite FTS5,
PostgreSQL ``tsvector`` with the Dutch Snowball configuration. Results are grouped by story, each hit with the
sentences that match and the matching words marked, in the same shape on both engines.

A query is words, ``"quoted phrases"`` and ``-excluded`` words or phrases, all of which must hold. A word matches
its Dutch inflections, the words with the same Snowball stem: ``demonstranten`` finds ``demonstrant``, ``raad``
finds ``raden`` (not ``radio``); PostgreSQL's index holds the stems, and on SQLite a word is expanded to the
index's words with its stem (the ``fts5vocab`` table). Accents do not matter (``Georgie`` finds ``Georgië``);
function words (``de``, ``van``) are left out of a query as both engines leave them out of the index's meaning.
Words of up to three letters match exactly.

Stories are also found by the names their events carry (a place or actor named exactly what was searched for), so
the gazetteer's English name finds a story told in Dutch.

The marking is done here, in Python, for both engines alike, so the two show the same sentences.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import product
from typing import Any

import snowballstemmer
from sqlalchemy import bindparam, func, select, text

from kroniek.store import schema
from kroniek.store.repository import Store

MATCH_CAP = 2000  # matching articles ranked and grouped; beyond it the counts say "at least"
HITS_PER_STORY = 3
SENTENCES_PER_HIT = 2
MAX_QUERY_CLAUSES = 16
_EXACT_UP_TO = 3  # letters: shorter words match exactly, not as a stem prefix ("EU" is not "Europa")
_WINDOW = 30  # tokens either side of the first mark in a sentence longer than twice this
_WORD = re.compile(r"[^\W_]+")  # letters and digits: the word characters of FTS5 unicode61 and PostgreSQL
_CLAUSE = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+|\n\s*\n")
MARK_START, MARK_END = "\x02", "\x03"


class SearchError(ValueError):
    """A query that cannot be run: the message says why, for the person who typed it."""


@dataclass(frozen=True)
class Clause:
    """One word or phrase of a query (its words folded: lower case, no accents); excluded with ``negated``."""

    words: tuple[str, ...]
    negated: bool = False

    @property
    def phrase(self) -> bool:
        return len(self.words) > 1


def fold(word: str) -> str:
    """Lower case without accents: how both indexes compare words."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def stopwords() -> frozenset[str]:
    path = resources.files("kroniek.store").joinpath("search_stopwords.txt")
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


@cache
def _stemmer() -> Any:
    # the Porter-style Dutch Snowball algorithm: the one PostgreSQL's dutch_stem dictionary runs
    return snowballstemmer.stemmer("dutch_porter")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    # the pure-Python Snowball takes tens of microseconds a word; the words of news texts repeat a lot
    return str(_stemmer().stemWord(word))


def exact(word: str) -> bool:
    return len(word) <= _EXACT_UP_TO or word.isdigit()


def parse_query(query: str) -> list[Clause]:
    """The clauses of ``query``; :class:`SearchError` when nothing is left to search for."""
    clauses: list[Clause] = []
    for match in _CLAUSE.finditer(query):
        quoted, negated = match.group(2) is not None, bool(match.group(1) or match.group(3))
        words = tuple(fold(w) for w in _WORD.findall(match.group(2) if quoted else match.group(4)))
        if not quoted and len(words) == 1 and words[0] in stopwords():
            continue
        if quoted or len(words) > 1:  # "Noord-Holland" is a phrase of two words, as both indexes see it
            if any(w not in stopwords() for w in words):
                clauses.append(Clause(words, negated))
        elif words:
            clauses.append(Clause(words, negated))
    if not any(not c.negated for c in clauses):
        raise SearchError(f"nothing to search for in {query!r}: give at least one word that is not a function "
                          "word (de, het, van …) and not excluded with -")
    if len(clauses) > MAX_QUERY_CLAUSES:
        raise SearchError(f"a search takes at most {MAX_QUERY_CLAUSES} words or phrases, not {len(clauses)}")
    return clauses


_VOWELS = frozenset("aeiouy")
MAX_VARIANTS = 200  # index words that share a query word's stem, at most
MAX_PHRASES = 64  # spellings of one phrase tried; beyond, the phrase is matched as typed


def stem_head(word_stem: str) -> str:
    """What every word with this stem starts with: the stem, or without its last letter where the stemmer may have
    undoubled a vowel before it ("raad" → "rad", "bomen" → "bom")."""
    if len(word_stem) >= 3 and word_stem[-1] not in _VOWELS and word_stem[-2] in _VOWELS:
        return word_stem[:-1]
    return word_stem


def same_stem(folded: str, word: str) -> bool:
    """Whether a (folded) word of a text is the query word or one of its inflections (the same Dutch stem)."""
    if folded == word:
        return True
    if exact(word) or word in stopwords():
        return False
    word_stem = stem(word)
    return folded.startswith(stem_head(word_stem)) and stem(folded) == word_stem


Variants = Callable[[str], Sequence[str]]


def sqlite_variants(conn: Any) -> Variants:
    """The words of the FTS5 index that share a query word's stem (from its ``fts5vocab`` table), so SQLite matches
    what PostgreSQL's stemmed index matches: the inflections of a word, not every word it is a prefix of."""
    @cache
    def variants(word: str) -> tuple[str, ...]:
        if exact(word) or word in stopwords():
            return (word,)
        head = stem_head(stem(word))
        upper = head[:-1] + chr(ord(head[-1]) + 1)
        terms = conn.execute(text("SELECT term FROM article_search_vocab WHERE term >= :low AND term < :high "
                                  "LIMIT 20000"), {"low": head, "high": upper}).scalars()
        found = sorted({t for t in terms if same_stem(t, word)} | {word})
        return tuple(found[:MAX_VARIANTS])
    return variants


def sqlite_match(clauses: Sequence[Clause], variants: Variants | None = None) -> str:
    """An FTS5 MATCH expression: each word as the OR of its spellings in the index, a phrase as the OR of its
    spellings' combinations; every token quoted (the words are letters and digits only, so nothing breaks out)."""
    spell: Variants = variants or (lambda w: (w,))

    def term(clause: Clause) -> str:
        options = [spell(w) for w in clause.words]
        count = 1
        for option in options:
            count *= len(option)
        if count > MAX_PHRASES:
            options = [(w,) for w in clause.words]
        phrases = [" ".join(combination) for combination in product(*options)]
        return "(" + " OR ".join(f'"{p}"' for p in phrases) + ")"
    positive = " AND ".join(term(c) for c in clauses if not c.negated)
    return positive + "".join(f" NOT {term(c)}" for c in clauses if c.negated)


def postgres_query(clauses: Sequence[Clause]) -> str:
    """A ``to_tsquery`` text for the kroniek_dutch configuration, which stems each word itself; function words in a
    phrase widen the distance (``<2>``) as PostgreSQL leaves them out of the index but keeps their positions."""
    def term(clause: Clause) -> str:
        parts: list[str] = []
        gap = 1
        for word in clause.words:
            if word in stopwords():
                gap += 1
                continue
            token = word  # the configuration stems it: the word's inflections, as the SQLite side expands it
            parts.append(token if not parts else f"<{gap}> {token}" if gap > 1 else f"<-> {token}")
            gap = 1
        body = " ".join(parts)
        return f"!({body})" if clause.negated else f"({body})"
    return " & ".join(term(c) for c in clauses)


class Matcher:
    """Which words of a text the query asked for (excluded clauses mark nothing): the word itself or, for a word
    longer than three letters, any word with the same Dutch stem."""

    def __init__(self, clauses: Sequence[Clause]) -> None:
        self.words = tuple(sorted({w for c in clauses if not c.negated for w in c.words
                                   if c.phrase or w not in stopwords()}))
        self.heads = tuple(sorted({stem_head(stem(w)) for w in self.words if not exact(w)}))

    def __call__(self, token: str) -> bool:
        folded = fold(token)
        if folded in self.words:
            return True
        if not folded.startswith(self.heads):  # an inflection starts with its stem's head: most words stop here
            return False
        return any(same_stem(folded, w) for w in self.words)


def word_matches(token: str, clauses: Sequence[Clause]) -> bool:
    """Whether a word of the text is one the query asked for."""
    return Matcher(clauses)(token)


def mark(text_: str, clauses: Sequence[Clause] | Matcher) -> tuple[str, int]:
    """``text_`` with MARK_START/MARK_END around each matching word, and the number of words marked."""
    matches = clauses if isinstance(clauses, Matcher) else Matcher(clauses)
    out: list[str] = []
    cursor = marks = 0
    for match in _WORD.finditer(text_):
        if matches(match.group()):
            out.append(text_[cursor:match.start()] + MARK_START + match.group() + MARK_END)
            cursor = match.end()
            marks += 1
    out.append(text_[cursor:])
    return "".join(out), marks


def segments(marked: str) -> list[dict[str, Any]]:
    """Marked text as ``[{"text": …, "match": bool}, …]``: safe to render, no markup inside."""
    found: list[dict[str, Any]] = []
    for piece in re.split(f"({MARK_START}[^{MARK_END}]*{MARK_END})", marked):
        if not piece:
            continue
        hit = piece.startswith(MARK_START)
        found.append({"text": piece.strip(MARK_START + MARK_END), "match": hit})
    return found


def _clip(sentence: str) -> str:
    """A window of words around the first mark of a very long sentence (a text without full stops)."""
    words = list(_WORD.finditer(sentence))
    if len(words) <= 2 * _WINDOW:
        return sentence
    first = next((i for i, w in enumerate(words) if sentence[max(0, w.start() - 1)] == MARK_START), 0)
    low, high = max(0, first - _WINDOW), min(len(words) - 1, first + _WINDOW)
    start = words[low].start() - (1 if sentence[max(0, words[low].start() - 1)] == MARK_START else 0)
    end = words[high].end() + (1 if sentence[words[high].end():words[high].end() + 1] == MARK_END else 0)
    return ("… " if low else "") + sentence[start:end] + (" …" if high < len(words) - 1 else "")


def matching_sentences(text_: str, clauses: Sequence[Clause] | Matcher,
                       limit: int = SENTENCES_PER_HIT) -> list[dict[str, Any]]:
    """The first ``limit`` sentences of ``text_`` with a match: character offset and marked segments."""
    clauses = clauses if isinstance(clauses, Matcher) else Matcher(clauses)
    found: list[dict[str, Any]] = []
    start = 0
    for boundary in [*_SENTENCE_END.finditer(text_), None]:
        end = boundary.start() if boundary else len(text_)
        sentence = text_[start:end]
        marked, marks = mark(sentence, clauses)
        if marks:
            found.append({"offset": start + len(sentence) - len(sentence.lstrip()),
                          "segments": segments(_clip(marked.strip()))})
            if len(found) >= limit:
                break
        if boundary is None:
            break
        start = boundary.end()
    return found


def _ranked(store: Store, clauses: Sequence[Clause]) -> tuple[list[tuple[int, float]], int]:
    """(seq, score) of the best MATCH_CAP matching articles, best first, and the number of all matches."""
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            query = postgres_query(clauses)
            ranked = conn.execute(text(
                "SELECT seq, ts_rank(search_vector, q) AS score FROM articles, "
                "to_tsquery('kroniek_dutch', :query) AS q WHERE search_vector @@ q "
                "ORDER BY score DESC, seq DESC LIMIT :cap"), {"query": query, "cap": MATCH_CAP}).all()
            # fewer than the cap ranked: those are all the matches, and a second count would find them again
            total = len(ranked) if len(ranked) < MATCH_CAP else conn.execute(text(
                "SELECT count(*) FROM articles WHERE search_vector @@ to_tsquery('kroniek_dutch', :query)"),
                {"query": query}).scalar_one()
            return [(row.seq, float(row.score)) for row in ranked], int(total)
        match = sqlite_match(clauses, sqlite_variants(conn))
        ranked = conn.execute(text(
            "SELECT rowid AS seq, -bm25(article_search, 4.0, 1.0) AS score FROM article_search "
            "WHERE article_search MATCH :match ORDER BY score DESC, rowid DESC LIMIT :cap"),
            {"match": match, "cap": MATCH_CAP}).all()
        total = len(ranked) if len(ranked) < MATCH_CAP else conn.execute(text(
            "SELECT count(*) FROM article_search WHERE article_search MATCH :match"), {"match": match}).scalar_one()
        return [(row.seq, float(row.score)) for row in ranked], int(total)


def _rows(store: Store, seqs: Iterable[int]) -> dict[int, Any]:
    a, sa_ = schema.articles, schema.story_articles
    wanted = list(seqs)
    if not wanted:
        return {}
    query = (select(a.c.seq, a.c.id, a.c.outlet, a.c.title, a.c.published_at, a.c.date_precision, a.c.url,
                    sa_.c.story_id)
             .select_from(a.outerjoin(sa_, sa_.c.article_id == a.c.id))
             .where(a.c.seq.in_(bindparam("seqs", expanding=True))))
    found: dict[int, Any] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            found.update({row.seq: row for row in conn.execute(query, {"seqs": wanted[start:start + 500]})})
    return found


def _texts(store: Store, seqs: Sequence[int]) -> dict[int, str]:
    a = schema.articles
    if not seqs:
        return {}
    with store.engine.connect() as conn:
        return {row.seq: row.text for row in conn.execute(select(a.c.seq, a.c.text).where(a.c.seq.in_(seqs)))}


def _story_titles(store: Store, story_ids: Sequence[str]) -> dict[str, Any]:
    s = schema.stories
    if not story_ids:
        return {}
    with store.engine.connect() as conn:
        rows = conn.execute(select(s.c.id, s.c.title, s.c.article_count, s.c.first_seen, s.c.last_seen)
                            .where(s.c.id.in_(story_ids)))
        return {row.id: row for row in rows}


def _named(store: Store, query: str, clauses: Sequence[Clause]) -> dict[str, list[dict[str, Any]]]:
    """Stories with an event whose place or actor is named exactly what was searched for (the names the events
    carry, e.g. a gazetteer's "Kazakhstan" for a text's "Kazachstan"): story id → [{kind, label, events}]."""
    positive = [c for c in clauses if not c.negated]
    candidates = {query.strip().strip('"').casefold()[:200], " ".join(w for c in positive for w in c.words)}
    k, e = schema.link_event_keys, schema.events
    found: dict[str, dict[tuple[str, str], int]] = {}
    with store.engine.connect() as conn:
        rows = conn.execute(select(e.c.story_id, k.c.kind, k.c.label, func.count().label("n"))
                            .select_from(k.join(e, e.c.id == k.c.event_id))
                            .where(k.c.kind.in_(("place", "actor")), k.c.value.in_(sorted(candidates)),
                                   e.c.story_id.is_not(None), e.c.status == "active")
                            .group_by(e.c.story_id, k.c.kind, k.c.label))
        for row in rows:
            found.setdefault(row.story_id, {})[(row.kind, row.label)] = int(row.n)
    return {story: [{"kind": kind, "label": label, "events": n} for (kind, label), n in sorted(names.items())]
            for story, names in found.items()}


def search(store: Store, query: str, limit: int = 20, offset: int = 0) -> dict[str, Any]:
    """Stories (and articles not yet in a story) whose articles match ``query``, best first; each with its best
    HITS_PER_STORY articles and their matching sentences. :class:`SearchError` for a query with nothing to find."""
    clauses = parse_query(query)
    ranked, total = _ranked(store, clauses)
    rows = _rows(store, (seq for seq, _ in ranked))
    groups: dict[str, list[tuple[int, float]]] = {}
    for seq, score in ranked:
        row = rows.get(seq)
        if row is None:
            continue
        key = row.story_id or f"article:{row.id}"  # an article not linked yet stands alone
        groups.setdefault(key, []).append((seq, score))
    named = _named(store, query, clauses)
    for story_id in named:  # found by an event's name only: after the stories whose texts match
        groups.setdefault(story_id, [])
    keys = list(groups)
    shown = keys[offset:offset + limit]
    best = [seq for key in shown for seq, _ in groups[key][:HITS_PER_STORY]]
    texts = _texts(store, best)
    titles = _story_titles(store, [k for k in shown if not k.startswith("article:")])
    matcher = Matcher(clauses)
    results: list[dict[str, Any]] = []
    for key in shown:
        story = titles.get(key)
        hits = []
        for seq, score in groups[key][:HITS_PER_STORY]:
            row = rows[seq]
            title_marked, _ = mark(row.title or "", matcher)
            hits.append({"article_id": row.id, "outlet": row.outlet, "title": row.title or "",
                         "title_segments": segments(title_marked), "published_at": row.published_at,
                         "date_precision": row.date_precision, "url": row.url, "score": round(score, 4),
                         "sentences": matching_sentences(texts.get(seq, ""), matcher)})
        results.append({"story_id": None if key.startswith("article:") else key,
                        "title": story.title if story is not None else (hits[0]["title"] if hits else ""),
                        "article_count": story.article_count if story is not None else 1,
                        "first_seen": story.first_seen if story is not None else None,
                        "last_seen": story.last_seen if story is not None else None,
                        "matching_articles": len(groups[key]), "names": named.get(key, []), "hits": hits})
    following = offset + limit if offset + limit < len(keys) else None
    return {"query": query, "clauses": [{"words": list(c.words), "excluded": c.negated} for c in clauses],
            "engine": store.dialect, "total_articles": total, "total_groups": len(keys),
            "complete": total <= MATCH_CAP, "items": results, "limit": limit, "offset": offset,
            "next_offset": following}
