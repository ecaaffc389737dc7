"""What story clustering compares: per-article terms, names and dates.

Terms come from the analysed ``Document`` when there is one (lemmas where the deep analyser saw the sentence,
token text elsewhere) and from the raw text otherwise; both go through the same light normaliser so that an
analysed and an unanalysed article about the same thing still share their terms. Names (entities from the
analyser, else capitalised words inside a sentence) become separate ``@name`` features with their own weight, so
"Tokajev" in one outlet and "Kassym-Jomart Tokajev" in another share the surname feature.

Everything here is language-neutral apart from the stopword lists, which hold Dutch and English function words
(other languages fall back on inverse document frequency to push their function words down).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import operator
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from kroniek.model import Article, Document

NAME_PREFIX = "@"

_WORDS_NL = """
aan aangezien achter af al alle allebei alleen als alsof altijd ander andere anders bij binnen boven buiten daar
daarbij daarna daarom daarop dan dat de deze die dit doch door doordat dus een eens eerder eerst en enige enkele er
erg ergens even evenals geen gewoon haar had hadden heb hebben heeft hem hen het hier hij hoe hoewel hun iemand
iets ik in is ja je jij jou jouw juist kan kon konden kunnen laat later liet maar me meer men met mij mijn minder
misschien moest moet moeten mocht mogen na naar naast net niet niets nog nooit nu of om omdat onder ons onze ook op
over pas per reeds rond sinds sommige soms steeds te tegen ten ter terwijl tijdens toch toe toen tot tussen u uit
uw van vanaf vanwege veel verder via voor vooral voordat vrij waar waarbij waardoor waarin waarom wanneer want
waren was wat we wel welke werd werden wie wij wil willen word worden wordt zal ze zei zeggen zegt zelf zich zij
zijn zo zoals zodat zonder zou zouden zullen zulke nadat ooit iedereen alles elk elke ieder iedere hoeveel hele
heel zeer wellicht volgens aldus echter tevens bovendien namelijk daarmee daarvan daarover hierover waarop gaat
gaan ging gingen komt komen kwam kwamen staat staan stond maakt maken maakte krijgt krijgen kreeg zien ziet zag
geeft geven gaf vindt vinden vond houdt houden hield blijft blijven bleef lijkt lijken leek heeft gehad geweest
gedaan gezegd gemaakt gekomen gegaan keer jaar jaren dag dagen week weken maand maanden uur procent eerste tweede
derde nieuwe nieuw groot grote goed goede kleine klein lang lange hoge hoog ver vorig vorige vandaag gisteren
morgen maandag dinsdag woensdag donderdag vrijdag zaterdag zondag januari februari maart april mei juni juli
augustus september oktober november december twee drie vier vijf zes zeven acht negen tien honderd duizend miljoen
miljard euro mensen man vrouw kinderen land stad tijd deel nummer manier plek zaak
"""
STOPWORDS_NL = frozenset(_WORDS_NL.split())

_WORDS_EN = """
a about after again against all also am an and any are as at be because been before being between both but by can
could did do does doing down during each few for from further had has have having he her here hers him his how i if
in into is it its itself just me more most my no nor not now of off on once only or other our out over own said
same she should so some such than that the their them then there these they this those through to too under until
up very was we were what when where which while who whom why will with would you your says say year years new one
two three monday tuesday wednesday thursday friday saturday sunday people
"""
STOPWORDS_EN = frozenset(_WORDS_EN.split())

STOPWORDS = STOPWORDS_NL | STOPWORDS_EN

_WORD = re.compile(r"[^\W\d_][\w'’\-]*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?:;\"“”„«»()\[\]\n]")


@lru_cache(maxsize=1 << 16)  # a pure function of the word, called for every token of every article
def normalise(word: str) -> str:
    """Lowercase, straight apostrophes, a light Dutch suffix stripper (plural, diminutive, inflection -e).

    Deterministic and shared by lemmas and raw tokens, so the same noun meets itself whatever the analyser did.
    """
    w = word.lower().replace("’", "'")
    w = w.strip("'-")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 4:
        return w
    for suffix in ("tjes", "etjes", "pjes", "jes"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            return _undouble(w[: -len(suffix)])
    if w.endswith("tje") and len(w) >= 7:
        return _undouble(w[:-3])
    if w.endswith("en") and len(w) >= 6:
        return _undouble(_trim_e(w[:-2]))
    if w.endswith("s") and len(w) >= 6 and w[-2] not in "su":
        return _undouble(w[:-1])
    if w.endswith("e") and len(w) >= 6:
        return _undouble(w[:-1])
    return w


def _trim_e(w: str) -> str:
    return w[:-1] if w.endswith("e") and len(w) >= 5 else w


def _undouble(w: str) -> str:
    if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "aeiouy":
        return w[:-1]
    return w


@lru_cache(maxsize=1 << 16)  # pure, and names repeat
def fold(text: str) -> str:
    """Accent-free lowercase key for names ("Tokajev" and "TOKAJEV" and "Tokájev" meet)."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass
class ArticleFeatures:
    """One article as the story clusterer sees it."""

    article_id: str
    outlet: str
    day: int | None  # proleptic ordinal of the publication day (middle of the period for coarse dates)
    terms: dict[str, float] = field(default_factory=dict)  # word terms and @name terms (title terms once more)
    title_terms: frozenset[str] = frozenset()
    names: dict[str, str] = field(default_factory=dict)  # @key -> display form
    places: dict[str, str] = field(default_factory=dict)  # @key -> display form, places only
    language: str | None = None
    title: str = ""
    lead: str = ""  # title and first sentences, for the optional sentence embedding
    embedding: list[float] | None = None
    title_key: str = ""  # the whole title, folded: a title seen before on other text is a rubric ("Column")
    title_phrases: frozenset[str] = frozenset()  # pairs of adjacent title words ("aanslag utrecht"), see below
    body_terms: int = 0  # distinct terms outside the title: a stub (cartoon, caption) has almost none
    genre: str = "news"  # kroniek.link.genre: news, opinion, editorial, letters, bulletin, interview, poll, ...
    genre_items: int = 1  # separately signed or headed items (a letters page, a bulletin)
    chars: int = 0  # length of the body text
    items: list[dict[str, float]] = field(default_factory=list)  # term counts per item of a multi-item page

    @property
    def distinct(self) -> frozenset[str]:
        return frozenset(self.terms)


@dataclass(frozen=True)
class FeatureOptions:
    name_weight: float = 1.0  # multiplier on @name counts (before idf)
    max_terms: int = 400  # keep the most frequent terms of very long articles
    lead_chars: int = 1000  # text read by the sentence embedding (after the title)

    @classmethod
    def from_settings(cls, section: Mapping[str, object]) -> FeatureOptions:
        def num(key: str, default: float) -> float:
            value = section.get(key, default)
            return float(value) if isinstance(value, int | float | str) else default

        return cls(name_weight=num("story_name_weight", cls.name_weight),
                   max_terms=int(num("story_max_terms", cls.max_terms)),
                   lead_chars=int(num("story_lead_chars", cls.lead_chars)))


def article_day(article: Article) -> int | None:
    if article.published is None:
        return article.ingested_at.date().toordinal() if article.ingested_at else None
    return article.published.midpoint.toordinal()


def day_iso(day: int | None) -> str | None:
    return dt.date.fromordinal(day).isoformat() if day is not None else None


def extract_features(article: Article, document: Document | None = None,
                     options: FeatureOptions | None = None) -> ArticleFeatures:
    """Terms and names of one article, from its Document when analysed and from its raw text otherwise."""
    from kroniek.link.genre import item_spans, recognise  # genre reads this module's fold

    opts = options or FeatureOptions()
    title = (article.title or "").strip()
    body_terms: Counter[str] = Counter()
    names: dict[str, str] = {}
    places: dict[str, str] = {}
    name_counts: Counter[str] = Counter()
    outside_title: set[str] = set()  # distinct terms after the title: a stub has almost none
    if document is not None and document.sentences:
        title_end = len(title) if title and document.text.startswith(title) else 0
        _terms_from_document(document, body_terms, names, name_counts, title_end, outside_title)
        for entity in document.entities:
            if entity.label == "MISC" and entity.country:
                continue  # nationality adjectives: the words are already terms
            display = entity.canonical or entity.text
            for key in _name_keys(display):
                if key not in name_counts:  # the analyser found a name the capitalisation rule missed
                    name_counts[key] += 1
                names.setdefault(key, display)
                if entity.label == "LOC":
                    places.setdefault(key, display)
    else:
        text = article.text if title and article.text.startswith(title) else f"{title}\n\n{article.text}"
        _terms_from_text(text, body_terms, names, name_counts)
        body_only: Counter[str] = Counter()
        _terms_from_text(article.text[len(title):] if text == article.text else article.text, body_only, {},
                         body_only)
        outside_title = set(body_only)
    title_keys: set[str] = set()
    for token in _WORD.findall(title):
        if fold(token) not in STOPWORDS and len(token) > 2:
            key = NAME_PREFIX + fold(token)
            if key in names:  # also a lower-case rubric line ("aanslag utrecht", "thierry baudet")
                title_keys.add(key)
                continue
        norm = normalise(token)
        if _keep(norm):
            title_keys.add(norm)
    terms: dict[str, float] = {t: float(c) for t, c in body_terms.items()}
    for key, count in name_counts.items():
        terms[key] = terms.get(key, 0.0) + count * opts.name_weight
    distinct_body = len(outside_title)
    for key in title_keys:
        terms[key] = terms.get(key, 0.0) + 1.0  # the clusterer adds the title boost unless it is a rubric
    if len(terms) > opts.max_terms:
        terms = dict(sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))[: opts.max_terms])
    lead = (title + ". " if title else "") + article.text[: opts.lead_chars]
    body = article.text[len(title):].lstrip() if title and article.text.startswith(title) else article.text
    genre = recognise(title, body)  # "recurring" by a title seen before is the clusterer's to add (it knows)
    items = []
    if genre.multi:
        for start, end in item_spans(body, genre):
            counts: Counter[str] = Counter()
            _terms_from_text(body[start:end], counts, {}, counts)
            items.append({t: float(c) for t, c in counts.items()})
    return ArticleFeatures(article_id=article.id, outlet=article.outlet, day=article_day(article), terms=terms,
                           title_terms=frozenset(title_keys), names=names, places=places,
                           language=(document.language if document else None) or article.language,
                           title=title, lead=lead.strip(), title_key=title_key(title), body_terms=distinct_body,
                           title_phrases=title_phrases(title, names), genre=genre.name, genre_items=genre.items,
                           chars=len(body.strip()), items=items)


def title_key(title: str) -> str:
    return " ".join(re.findall(r"\w+", fold(title)))[:100]


def title_phrases(title: str, names: Mapping[str, str] | None = None) -> frozenset[str]:
    """Adjacent content words of a title, function words skipped: "aanslag in Utrecht" gives "aanslag utrecht".

    Two titles of the same days sharing such a pair name the same thing (a letters page's heading "aanslag utrecht",
    "aanslag utrecht ii", ...; "D66 verliest ..." twice). A pair of two names ("Den Haag" as a dateline, a
    columnist's name) says only who or where, so it is left out.
    """
    words: list[tuple[str, bool]] = []
    for token in _WORD.findall(title):
        word = normalise(fold(token))
        if _keep(word):  # a name: one of the article's names, or capitalised in the title ("DEN HAAG")
            words.append((word, token[0].isupper() or NAME_PREFIX + fold(token) in (names or {})))
    return frozenset(f"{a} {b}" for (a, name_a), (b, name_b) in itertools.pairwise(words)
                     if a != b and not (name_a and name_b))


def _keep(norm: str) -> bool:
    return len(norm) > 2 and norm not in STOPWORDS and not norm.isdigit()


def _name_keys(display: str) -> list[str]:
    keys = []
    for token in _WORD.findall(display):
        folded = fold(token)
        if len(folded) > 2 and folded not in STOPWORDS:
            keys.append(NAME_PREFIX + folded)
    return keys


def _terms_from_document(document: Document, terms: Counter[str], names: dict[str, str],
                         name_counts: Counter[str], title_end: int = 0, outside_title: set[str] | None = None) -> None:
    """Terms and names of every sentence; ``outside_title`` collects the distinct ones after ``title_end``."""
    for sentence in document.sentences:
        words: Counter[str] = Counter()
        found: Counter[str] = Counter()
        tokens = sentence.tokens
        if not tokens:
            _terms_from_text(document.text[sentence.start:sentence.end], words, names, found)
        for index, token in enumerate(tokens):
            text = token.text
            if not text or not text[0].isalpha():
                continue
            if index > 0 and _looks_like_name(text) and token.coarse_pos in ("", "SPEC", "N"):
                key = NAME_PREFIX + fold(text)
                names.setdefault(key, text)
                found[key] += 1
                continue
            norm = normalise(token.lemma or text)
            if _keep(norm):
                words[norm] += 1
        terms.update(words)
        name_counts.update(found)
        if outside_title is not None and sentence.start >= title_end:
            outside_title.update(words, found)


def _looks_like_name(token: str) -> bool:
    return token[0].isupper() and len(token) > 2 and fold(token) not in STOPWORDS


def _terms_from_text(text: str, terms: Counter[str], names: dict[str, str], name_counts: Counter[str]) -> None:
    """Raw-text fallback: words, and capitalised words not at a sentence start as names."""
    previous_end = 0
    for match in _WORD.finditer(text):
        token = match.group()
        gap = text[previous_end:match.start()]
        at_start = previous_end == 0 or bool(_SENTENCE_END.search(gap))
        previous_end = match.end()
        acronym = token.isupper() and 2 < len(token) <= 6 and fold(token) not in STOPWORDS
        if acronym or (not at_start and _looks_like_name(token) and not token.isupper()):
            key = NAME_PREFIX + fold(token)
            names.setdefault(key, token)
            name_counts[key] += 1
            continue
        norm = normalise(token)
        if _keep(norm):
            terms[norm] += 1


# --- weighting ----------------------------------------------------------------------------------------------------


def idf(df: int, n_docs: int) -> float:
    """Smoothed inverse document frequency; a term seen nowhere else gets the highest weight."""
    return math.log((n_docs + 1.0) / (df + 1.0)) + 1.0


def weigh(terms: Mapping[str, float], df: Mapping[str, int], n_docs: int) -> dict[str, float]:
    """Sublinear tf × idf, L2-normalised."""
    vector = {t: (1.0 + math.log(c)) * idf(df.get(t, 0), n_docs) for t, c in terms.items() if c > 0}
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {t: v / norm for t, v in vector.items()}


def top_terms(vector: Mapping[str, float], count: int) -> list[str]:
    return [t for t, _ in sorted(vector.items(), key=lambda kv: (-kv[1], kv[0]))[:count]]


def cosine(a: Mapping[str, float], b: Mapping[str, float], b_norm: float | None = None,
           a_norm: float | None = None) -> float:
    """Cosine of two sparse vectors; without ``b_norm`` both are taken to be unit vectors. ``a_norm`` may be
    passed when the caller already has it (``sparse_norm(a)``: the same float)."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)  # iterate the shorter one
    # map() instead of a generator: the same products summed in the same order (the same float), a third faster
    dot: float = sum(map(operator.mul, small.values(), map(large.get, small.keys(), itertools.repeat(0.0))))
    if b_norm is None:
        return dot
    if a_norm is None:
        a_norm = sparse_norm(a)  # a's own norm, whichever was iterated
    return dot / ((a_norm * b_norm) or 1.0)


def sparse_norm(vector: Mapping[str, float]) -> float:
    return math.sqrt(sum(v * v for v in vector.values()))


def terms_of(texts: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for text in texts:
        for token in _WORD.findall(text):
            norm = normalise(token)
            if _keep(norm):
                found.add(norm)
    return found
