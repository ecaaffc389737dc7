"""Event triggers by class and lemma: the class lexicon (``extract/nl/triggers.toml``) and its matcher.

Each class (assault, shooting, arrest, protest, dying, ...) is written from the ACLED, PLOVER and ERE definitions
as lemmas: verbs with their separable particle marked ("neer|schieten"), nouns that also count as the head of a
compound ("aanval": "mesaanval", never "aanvaller" or "aanvallend"), adjectives, fixed phrases, and idioms (a verb
with the words it needs in its clause: "slaan" + "in elkaar"). ``analyse.morphology`` spells out every form, so a
sentence is matched on its tokens with word boundaries everywhere, and on Frog's lemmas where Frog saw it:

- a fused form stands alone: "neergeschoten", "neerschoot", "neerschieten";
- a finite form of the base ("schoot") needs the particle later in its clause ("schoot de man neer"); a
  particle that is also a preposition ("op", "aan") must end its phrase ("pakten hem op in Gent", not "pakte de
  krant op tafel");
- the base's infinitive or participle right after the particle (with "te" between: "neer te schieten") or written
  apart ("gevangen genomen");
- a verb form whose clause has another separable particle is another verb ("aan te vechten", "vocht ... aan");
- constraints of an entry: ``with`` (one of these words in the clause), ``without`` (none of them), ``near``
  (one of them within four tokens), ``forms`` (only participles), ``not_forms`` (homographs: "doden" is also
  the dead, "inzet" a noun), ``gap``, ``lowercase``, ``not_after``/``only_after`` (compounds that are something
  else: "hartaanval"; or the only ones that count: "beenbreuk").

A clause runs between punctuation and clause-opening words ("die", "omdat", ...), at most 12 tokens to each side.
Most sentences are decided by set lookups alone (no word is a listed form or ends in a listed head); the rest cost
tens of microseconds.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from kroniek.analyse.morphology import conjugate, noun_forms
from kroniek.analyse.tokenize import _TOKEN, tokenize
from kroniek.model import Document, Token

CLAUSE_REACH = 12
NEAR_REACH = 4
MIN_COMPOUND_MODIFIER = 3  # letters before a compound head: "mesaanval" (mes), not "gaanval"


@dataclass(frozen=True)
class Entry:
    """One lexicon entry: a lemma of its class with the constraints it matches under."""

    cls: str
    kind: str  # verb | noun | adj | phrase
    lemma: str
    example: str
    with_: tuple[tuple[str, ...], ...] = ()
    without: tuple[tuple[str, ...], ...] = ()
    near: frozenset[str] = frozenset()
    forms: str = ""  # "participle": only the participle (and its agreeing forms)
    lowercase: bool = False  # a capitalised word inside the sentence is a name ("Mars"), not this entry
    gap: int = 0  # words at least between a finite form and its particle ("hield de man aan", not "houdt aan")
    not_after: tuple[str, ...] = ()
    only_after: tuple[str, ...] = ()  # the noun counts only as the head of these compounds ("beenbreuk")
    compound: bool = True
    casualty: str = ""
    agent: bool = False  # a word for the participants ("betoger"), not the act
    # a phrase that may only name where another act happened ("in de gevangenis"): no hit of its own when a hit of
    # another class stands in its clause ("bij een muiterij in de gevangenis", "werd in de cel aangevallen")
    setting: bool = False


@dataclass(frozen=True)
class TriggerClass:
    name: str
    type: str  # the event coding (``events.toml`` [types]); "" for death and injury words
    mode: str
    casualty: str  # "killed" | "injured" | "": the class also says someone died or was hurt
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Hit:
    entry: Entry
    start: int  # offsets in the text the tokens came from (the document)
    end: int
    anchor: int  # token index of the word that matched
    word: str  # that word, lowercased

    @property
    def cls(self) -> str:
        return self.entry.cls


@dataclass
class _Index:
    word: dict[str, list[Entry]] = field(default_factory=dict)  # one token is the trigger
    split: dict[str, list[Entry]] = field(default_factory=dict)  # finite base form, particle later
    open: dict[str, list[Entry]] = field(default_factory=dict)  # non-finite base form right after the particle
    heads: dict[str, list[Entry]] = field(default_factory=dict)  # noun forms that may head a compound
    lemma: dict[str, list[Entry]] = field(default_factory=dict)  # Frog lemma of the whole verb or noun
    lemma_split: dict[str, list[Entry]] = field(default_factory=dict)  # Frog lemma of a separable verb's base
    # a phrase is looked up by its longest word (the rarest, "hechtenis" in "in hechtenis"): (words, position, entry)
    phrases: dict[str, list[tuple[tuple[frozenset[str], ...], int, Entry]]] = field(default_factory=dict)
    particles: dict[Entry, str] = field(default_factory=dict)
    keys: frozenset[str] = frozenset()  # every word a hit can be anchored on (the quick test)
    head_lengths: tuple[int, ...] = ()  # the lengths of the compound heads' forms
    head_tails: frozenset[str] = frozenset()  # their last four letters (a quick test before trying each length)
    short_heads: tuple[str, ...] = ()  # heads of fewer than four letters


@dataclass(frozen=True)
class TriggerLexicon:
    classes: dict[str, TriggerClass]
    index: _Index

    @property
    def entries(self) -> list[Entry]:
        return [e for c in self.classes.values() for e in c.entries]


# Particles that are also prepositions: as a particle they close their phrase.
PREPOSITIONAL = frozenset({"op", "aan", "in", "uit", "om", "over", "door", "voor", "na", "bij", "tegen", "af",
                           "mee", "toe"})
# What may follow such a particle: the end, punctuation, a preposition opening the next phrase, a conjunction.
AFTER_PARTICLE = frozenset({"in", "op", "aan", "bij", "na", "nadat", "omdat", "voor", "wegens", "tijdens", "te",
                            "met", "uit", "en", "of", "maar", "om", "door", "vanwege", "onder", "sinds", "toen",
                            "terwijl", "want", "vlakbij", "nabij", "rond", "tussen", "achter", "naast", "zodat",
                            "waarna", "vannacht", "gisteren", "vandaag", "zondag", "maandag", "dinsdag",
                            "woensdag", "donderdag", "vrijdag", "zaterdag", "vanochtend", "vanmorgen", "vanavond",
                            "gisteravond", "gistermiddag", "gisterochtend", "vanmiddag", "daarna", "nadien", "naar",
                            "richting", "van", "zonder"})
# Separable particles: a verb without one in the lexicon that has one in the sentence is another verb
# ("vechten" is not "aanvechten": "het besluit aan te vechten", "vocht het besluit aan").
SEPARABLE = frozenset({"aan", "af", "bij", "door", "in", "mee", "na", "om", "op", "over", "toe", "uit", "voor",
                       "weg", "neer", "terug", "vast", "dood", "los", "open", "binnen", "buiten", "samen", "tegen",
                       "kapot", "plat", "gevangen", "rond", "achter", "heen", "langs", "voorbij"})
CLAUSE_WORDS = frozenset({"die", "dat", "wat", "waar", "waarbij", "waarna", "waardoor", "omdat", "nadat",
                          "terwijl", "toen", "zodat", "maar", "want", "hoewel", "indien", "zodra", "voordat",
                          "doordat", "wanneer"})
BOUNDARY_MARKS = frozenset(",;:()[]\"„“”«»?!.…–—")


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(text.lower().split())


def _entry(cls: str, raw: dict[str, Any]) -> Entry:
    kinds = [k for k in ("verb", "noun", "adj", "phrase") if k in raw]
    if len(kinds) != 1 or not raw.get("example"):
        raise ValueError(f"{cls}: an entry needs one of verb/noun/adj/phrase and an example: {raw}")
    kind = kinds[0]

    def listed(key: str) -> tuple[tuple[str, ...], ...]:
        return tuple(_phrase(p) for p in raw.get(key, []))

    return Entry(cls=cls, kind=kind, lemma=str(raw[kind]).lower(), example=str(raw["example"]),
                 with_=listed("with"), without=listed("without"),
                 near=frozenset(w.lower() for w in raw.get("near", [])), forms=str(raw.get("forms", "")),
                 gap=int(raw.get("gap", 0)), lowercase=bool(raw.get("lowercase", False)),
                 not_after=tuple(raw.get("not_after", [])), only_after=tuple(raw.get("only_after", [])),
                 compound=bool(raw.get("compound", kind in ("noun", "adj"))),
                 casualty=str(raw.get("casualty", "")), agent=bool(raw.get("agent", False)),
                 setting=bool(raw.get("setting", False)))


def _add(table: dict[str, list[Entry]], key: str, entry: Entry) -> None:
    bucket = table.setdefault(key, [])
    if entry not in bucket:
        bucket.append(entry)


def build_index(entries: Iterable[tuple[Entry, dict[str, Any]]]) -> _Index:
    index = _Index()
    for entry, raw in entries:
        excluded = set(raw.get("not_forms", []))
        if entry.kind == "verb":
            forms = conjugate(entry.lemma, raw.get("stem"))
            participles_only = entry.forms == "participle"
            lemma = entry.lemma.replace("|", "")
            if forms.particle:
                index.particles[entry] = forms.particle
                fused = {f for f in forms.fused if not participles_only
                         or f[len(forms.particle):] in forms.participles}
                for form in fused - excluded:
                    _add(index.word, form, entry)
                if not participles_only:
                    for form in forms.finite - excluded:
                        _add(index.split, form, entry)
                    _add(index.lemma_split, forms.infinitive, entry)
                for form in (forms.participles | {forms.infinitive}) - excluded:
                    _add(index.open, form, entry)
            else:
                chosen = forms.participles if participles_only else forms.fused
                for form in chosen - excluded:
                    _add(index.word, form, entry)
            if not participles_only:
                _add(index.lemma, lemma, entry)
        elif entry.kind == "noun":
            for form in noun_forms(entry.lemma, raw.get("plural")) - excluded:
                if not entry.only_after:
                    _add(index.word, form, entry)
                if entry.compound:
                    _add(index.heads, form, entry)
            _add(index.lemma, entry.lemma, entry)
        elif entry.kind == "adj":
            forms_ = {entry.lemma, entry.lemma + "e"} | set(raw.get("also", []))
            for form in forms_ - excluded:
                _add(index.word, form, entry)
                if entry.compound:
                    _add(index.heads, form, entry)
        else:
            words = tuple(frozenset(w.split("/")) for w in entry.lemma.split())
            position = max(range(len(words)), key=lambda k: (min(len(w) for w in words[k]), k))
            for key in words[position]:
                index.phrases.setdefault(key, []).append((words, position, entry))
    index.keys = frozenset(index.word) | frozenset(index.split) | frozenset(index.open) | frozenset(index.phrases)
    index.head_lengths = tuple(sorted({len(form) for form in index.heads}))
    index.head_tails = frozenset(form[-4:] for form in index.heads if len(form) >= 4)
    index.short_heads = tuple(form for form in index.heads if len(form) < 4)
    return index


def load_lexicon(text: str) -> TriggerLexicon:
    data = tomllib.loads(text)
    classes: dict[str, TriggerClass] = {}
    raw_entries: list[tuple[Entry, dict[str, Any]]] = []
    for name, body in data["classes"].items():
        entries = []
        for raw in body["entries"]:
            entry = _entry(name, raw)
            entries.append(entry)
            raw_entries.append((entry, raw))
        classes[name] = TriggerClass(name, str(body.get("type", "")), str(body.get("mode", "")),
                                     str(body.get("casualty", "")), tuple(entries))
    return TriggerLexicon(classes, build_index(raw_entries))


@cache
def trigger_lexicon(language: str = "nl") -> TriggerLexicon:
    text = resources.files(f"kroniek.extract.{language}").joinpath("triggers.toml").read_text(encoding="utf-8")
    return load_lexicon(text)


# --- matching -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    """A token as the matcher needs it (tokens of the fast path are made only when a sentence may hold a hit)."""

    text: str
    start: int
    end: int
    lemma: str = ""
    pos: str = ""


def _norm(token: Token | _Span) -> str:
    return token.text.lower().replace("’", "'").replace("\u00ad", "")  # a soft hyphen splits nothing


def _is_boundary(word: str) -> bool:
    return word in CLAUSE_WORDS or (len(word) == 1 and word in BOUNDARY_MARKS)


class Words(list[str]):
    """A sentence's lowercased words, with the clause boundaries around each word worked out once."""

    _around: tuple[list[int], list[int]] | None = None

    def around(self) -> tuple[list[int], list[int]]:
        if self._around is None:
            previous, following = [0] * len(self), [len(self)] * len(self)
            last = 0
            for k, word in enumerate(self):
                previous[k] = last
                if _is_boundary(word):
                    last = k + 1
            last = len(self)
            for k in range(len(self) - 1, -1, -1):
                following[k] = last
                if _is_boundary(self[k]):
                    last = k
            self._around = (previous, following)
        return self._around


def clause(words: Sequence[str], at: int) -> tuple[int, int]:
    """The token range [start, end) of the clause around token ``at``: from the word after the last boundary before
    it to the next boundary after it, at most ``CLAUSE_REACH`` words to each side."""
    if isinstance(words, Words):
        previous, following = words.around()
        return max(previous[at], at - CLAUSE_REACH), min(following[at], at + CLAUSE_REACH + 1)
    start = at
    while start > 0 and at - start < CLAUSE_REACH and not _is_boundary(words[start - 1]):
        start -= 1
    end = at + 1
    while end < len(words) and end - at <= CLAUSE_REACH and not _is_boundary(words[end]):
        end += 1
    return start, end


@cache
def _word_forms(word: str) -> tuple[str, ...]:
    return tuple(noun_forms(word))


def _find_phrase(words: Sequence[str], phrase: tuple[str, ...], start: int, end: int,
                 skip: int) -> int | None:
    """Where ``phrase`` starts in words[start:end] (not over token ``skip``); a one-word phrase also matches in its
    plural and as the head of a compound ("gebouw" in "overheidsgebouwen")."""
    single = _word_forms(phrase[0]) if len(phrase) == 1 else None
    for k in range(start, end - len(phrase) + 1):
        if k <= skip < k + len(phrase):
            continue
        if single is not None:
            word = words[k]
            if any(word == form or (word.endswith(form) and len(word) - len(form) >= MIN_COMPOUND_MODIFIER)
                   for form in single):
                return k
        elif all(words[k + j] == phrase[j] for j in range(len(phrase))):
            return k
    return None


def _constraints_hold(entry: Entry, words: Sequence[str], at: int, span: tuple[int, int]) -> tuple[int, int] | None:
    """The hit's token span extended by its ``with`` phrase, or None when a constraint fails."""
    start, end = clause(words, at)
    if entry.near and not any(words[k] in entry.near
                              for k in range(max(start, span[0] - NEAR_REACH), min(end, span[1] + NEAR_REACH + 1))
                              if not span[0] <= k <= span[1]):
        return None
    for phrase in entry.without:
        if _find_phrase(words, phrase, start, end, -1) is not None:
            return None
    first, last = span
    if entry.with_:
        for phrase in entry.with_:
            found = _find_phrase(words, phrase, start, end, at)
            if found is not None:
                first, last = min(first, found), max(last, found + len(phrase) - 1)
                break
        else:
            return None
    return first, last


def _particle_later(words: Sequence[str], at: int, particle: str, gap: int = 0,
                    cased: Sequence[str] | None = None) -> int | None:
    _start, end = clause(words, at)
    for k in range(at + 1 + gap, end):
        if words[k] != particle or (cased is not None and cased[k] != particle):
            continue  # "OM" (the prosecutor) is not the particle "om"
        if particle in PREPOSITIONAL:
            following = words[k + 1] if k + 1 < len(words) else ""
            if following and not _is_boundary(following) and following not in AFTER_PARTICLE:
                continue  # "pakte de krant op tafel": a preposition, not the particle
        return k
    return None


def _another_verb(words: Sequence[str], at: int, own: set[str]) -> bool:
    """Whether the verb form at ``at`` belongs to a separable verb with a particle the entry does not have: "aan te
    vechten", or a finite form whose clause ends in a particle ("vocht de uitslag aan"). Words of the entry's own
    idiom (``own``: "uit de weg ruimen") are not such particles."""
    particles = SEPARABLE - own
    if at >= 2 and words[at - 1] == "te" and words[at - 2] in particles - {"om"}:  # "om te betogen": purpose
        return True
    if at >= 1 and words[at - 1] in particles - PREPOSITIONAL:
        return True  # "dood geschoten", "neer gestoken": the particle written apart
    _start, end = clause(words, at)
    final = words[end - 1]
    return end - 1 > at and final in particles - {"tegen", "door", "over", "voor", "na", "om", "rond", "langs"} \
        and _particle_later(words, at, final) is not None


def _may_anchor(word: str, index: _Index) -> bool:
    """Whether a hit can be anchored on ``word``: a listed form, or a compound ending in a listed head."""
    if word in index.keys:
        return True
    size = len(word) - MIN_COMPOUND_MODIFIER
    if word[-4:] not in index.head_tails:
        return any(word.endswith(head) and len(head) <= size for head in index.short_heads)
    heads = index.heads
    for length in index.head_lengths:
        if length > size:
            return False
        if word[-length:] in heads:
            return True
    return False


def _compound_heads(word: str, index: _Index) -> list[tuple[Entry, str]]:
    found: list[tuple[Entry, str]] = []
    for cut in range(MIN_COMPOUND_MODIFIER, len(word) - 2):
        entries = index.heads.get(word[cut:])
        if entries:
            modifier = word[:cut].rstrip("-")
            found.extend((e, modifier) for e in entries)
    return found


def match_tokens(tokens: Sequence[Token | _Span], lexicon: TriggerLexicon | None = None,
                 words: Words | None = None) -> list[Hit]:
    """Every trigger hit in one sentence's tokens, in token order (one hit per entry and anchor token)."""
    lex = lexicon or trigger_lexicon()
    index = lex.index
    if words is None:
        words = Words(_norm(t) for t in tokens)
    deep = any(t.pos for t in tokens)
    anchors = [at for at, w in enumerate(words) if _may_anchor(w, index)]
    if deep:
        anchors = list(range(len(words)))  # Frog's lemmas may anchor a hit on any word
    if not anchors:
        return []  # no word of the sentence can start a hit: the common case, decided by set lookups alone
    texts = [t.text for t in tokens]
    hits: list[Hit] = []
    seen: set[tuple[int, Entry]] = set()

    def accept(entry: Entry, at: int, span: tuple[int, int]) -> None:
        if (at, entry) in seen:
            return
        if entry.lowercase and at > 0 and texts[at][:1].isupper():
            return
        extended = _constraints_hold(entry, words, at, span)
        if extended is None:
            return
        seen.add((at, entry))
        hits.append(Hit(entry, tokens[extended[0]].start, tokens[extended[1]].end, at, words[at]))

    for at in anchors:
        word = words[at]
        token = tokens[at]
        exact = index.word.get(word, ())
        for entry in exact:
            if entry.kind == "verb" and entry not in index.particles \
                    and _another_verb(words, at, {w for phrase in entry.with_ for w in phrase}):
                continue
            accept(entry, at, (at, at))
        for entry in index.split.get(word, ()):
            later = _particle_later(words, at, index.particles[entry], entry.gap, texts)
            if later is not None:
                accept(entry, at, (at, later))
        for entry in index.open.get(word, ()):
            particle = index.particles[entry]
            if at >= 1 and words[at - 1] == particle:
                accept(entry, at, (at - 1, at))
            elif at >= 2 and words[at - 1] == "te" and words[at - 2] == particle:
                accept(entry, at, (at - 2, at))
        if len(word) > MIN_COMPOUND_MODIFIER + 2 and not exact:  # a word listed itself is not read as a compound
            for entry, modifier in _compound_heads(word, index):
                if any(modifier.endswith(bad) for bad in entry.not_after):
                    continue
                if entry.only_after and not any(modifier.endswith(good) for good in entry.only_after):
                    continue
                accept(entry, at, (at, at))
        lemma = token.lemma.lower() if token.pos else ""  # Frog's lemma, where Frog saw the sentence
        if lemma and lemma != word:
            for entry in index.lemma.get(lemma, ()):
                # a present participle is an adjective ("aanhoudend", "aanvallend"), not the act
                if entry.kind == "noun" or (token.pos.startswith("WW") and not token.pos.startswith("WW(od")):
                    accept(entry, at, (at, at))
            if token.pos.startswith("WW(pv"):
                for entry in index.lemma_split.get(lemma, ()):
                    later = _particle_later(words, at, index.particles[entry], entry.gap, texts)
                    if later is not None:
                        accept(entry, at, (at, later))
        for words_, position, entry in index.phrases.get(word, ()):
            first = at - position
            if first >= 0 and first + len(words_) <= len(words) \
                    and all(words[first + j] in options for j, options in enumerate(words_)):
                accept(entry, at, (first, first + len(words_) - 1))
    if any(h.entry.setting for h in hits):
        hits = [h for h in hits if not h.entry.setting or not _another_act_in_clause(h, hits, words)]
    hits.sort(key=lambda h: (h.start, h.end))
    return hits


def _another_act_in_clause(hit: Hit, hits: Sequence[Hit], words: Sequence[str]) -> bool:
    """Whether a hit of another class, not itself a setting, stands in the clause of ``hit``."""
    start, end = clause(words, hit.anchor)
    return any(other.cls != hit.cls and not other.entry.setting and start <= other.anchor < end for other in hits)


def match_text(text: str, offset: int = 0) -> list[Hit]:
    """Hits in a sentence given as text (the triage, tests), tokenized as the fast path tokenizes; tokens are made
    only when one of its words may anchor a hit."""
    index = trigger_lexicon().index
    found = list(_TOKEN.finditer(text))
    words = Words(m.group().lower().replace("’", "'").replace("\u00ad", "") for m in found)
    if not any(_may_anchor(w, index) for w in words):
        return []
    return match_tokens([_Span(m.group(), m.start() + offset, m.end() + offset) for m in found], words=words)


def sentence_hits(doc: Document, index: int) -> list[Hit]:
    """Hits in sentence ``index`` of ``doc``, with document offsets."""
    sentence = doc.sentences[index]
    tokens = sentence.tokens or tokenize(doc.text, sentence.start, sentence.end)
    return match_tokens(tokens)


def any_trigger(text: str) -> bool:
    return bool(match_text(text))
