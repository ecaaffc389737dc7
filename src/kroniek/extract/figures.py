"""Figures (claims): every reported number of killed, injured, arrested, missing, displaced and crowd size, with
its hedge, the group it is about, who reports it (outlet › agency › original source) and whether the text says it
cannot be confirmed.

Victims are counted the way ACLED codes them (``../shared/eval/figures-coding.md``), from the syntax of the
sentence, with the vocabulary in ``nl/figures.toml`` ``[counting]``:

* **Count phrases.** An amount (``analyse/numbers.py``) with the noun it counts, or "een"/"één" before a noun for
  a person ("een 34-jarige vrouw": 1). Ages, durations and the like are no counts: a number alone in brackets
  ("Jan V. (45)"), after "van" with no noun of its own ("een jongen van elf", "twee vrouwen van 17 en 20 jaar"),
  between commas after a name, before a unit ("drie jaar cel"); numbers.py already leaves out dates, clock times,
  house numbers, scores, money, percentages, rates and ordinals. A noun that is no person ("neushoorns", "jobs")
  makes no figure.
* **Clauses.** A subordinate or relative clause runs from its opener ("nadat", "die") to the next comma; brackets
  and paired dashes are clauses of their own. A number is governed by a predicate of its own clause only.
* **The kind** comes from the counted noun when it names the casualty ("vijf doden en twaalf gewonden"), from the
  act noun before it ("de moord op een kioskhouder"), or from the predicate of its clause nearest after it (before
  the next count), else nearest before it: "drie mensen kwamen om, twee raakten gewond". A transitive predicate in
  the active voice ("de schutter doodde 59 mensen", "de politie heeft twaalf mensen opgepakt") has its victims
  as objects: the clause's subject is who did it, not a victim. A number inside another prepositional phrase
  ("gedood door twee mannen", "bij een aanslag") is not a victim.
* **Totals and parts.** "onder wie", "van wie", "waaronder", "waarvan", "onder hen", "onder meer", "alleen al"
  introduce a part: context ``subset``, never a competing total. Coordinated groups of one predicate are summed
  ("twee agenten en een voorbijganger raakten gewond": injured 3, context ``summed``), the parts kept as
  ``subset``/``part`` claims with their own groups.
* **Statistics** (a rate, a category of deaths only statistics count, a span of years or a whole war unless it is
  the yardstick of one event, a trend, a tally over a recent period with no specific event) and deaths that only
  threaten ("dreigen te sterven") give no casualty figure; rates, spans and trends give no crowd figure either.
* **Plausibility.** A figure above ``[plausibility]`` (``defaults.toml``) for its kind and the type of its event
  gets the context ``review``: kept with its sentence, never coded by reconcile.

Attribution often sits in a neighbouring sentence ("... meldt persbureau Reuters." after the figures, or "Of deze
cijfers kloppen kan niet worden bevestigd." after them), so sentences inherit the source chain of the previous
sentence in the same paragraph when they report in the conditional ("zouden") or carry no source of their own.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from kroniek.analyse.numbers import Quantity, find_quantities, word_to_int
from kroniek.extract.attribution import attribution_in, source_spans
from kroniek.extract.lexicon import Lexicon, lexicon
from kroniek.model import Article, Claim, Document, Event, Evidence, Sentence

CLAUSE_END = re.compile(r"[;:]|,\s+(?:en|maar|terwijl|waarna|nadat|toen|die|dat|waar)\b|\.\s")


CASUALTIES = ("killed", "injured", "arrested", "missing")
# Kinds the older surface rule still finds (no victim syntax to read): who fled, how many marched.
_GATHERINGS = ("displaced", "crowd")


# --- vocabulary ---------------------------------------------------------------------------------------------------


def _full(pattern: str) -> re.Pattern[str] | None:
    return re.compile(f"(?:{pattern})", re.IGNORECASE) if pattern else None


@dataclass(frozen=True)
class PredicateRule:
    kind: str
    voice: str  # "victim" (the subject is the victim) or "transitive" (passive participle or active)
    lemmas: frozenset[str]
    forms: re.Pattern[str] | None
    phrases: re.Pattern[str] | None
    separable: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]
    prepositions: frozenset[str]  # a victim may stand after them: "aan 61 mensen het leven gekost"


@dataclass(frozen=True)
class Counting:
    heads: tuple[tuple[str, re.Pattern[str]], ...]
    victims: re.Pattern[str]
    killed_modifiers: re.Pattern[str]
    dead_modifiers: re.Pattern[str]
    injured_modifiers: re.Pattern[str]
    persons: frozenset[str]
    compound_heads: tuple[str, ...]  # person nouns a compound may end in ("schoolmeisje")
    person_suffixes: tuple[str, ...]
    not_persons: re.Pattern[str]
    collectives: re.Pattern[str]
    both: frozenset[str]  # "beide", "allebei": two
    adding_before: frozenset[str]  # "nog", "ook": a count added to an earlier one of its kind
    adding_phrases: frozenset[str]  # "net als"
    adding_inside: frozenset[str]  # "anderen"
    age_nouns: re.Pattern[str]
    acts: dict[str, tuple[str, str]]
    predicates: tuple[PredicateRule, ...]
    tolls: tuple[tuple[str, re.Pattern[str]], ...]
    subordinators: frozenset[str]
    relatives: frozenset[str]
    prepositions: frozenset[str]
    have: re.Pattern[str]
    determiners: frozenset[str]
    pronouns: frozenset[str]
    function_words: frozenset[str]
    subset_before: re.Pattern[str]
    subset_after: re.Pattern[str]
    partitive: re.Pattern[str]
    fatal: re.Pattern[str]
    precaution: re.Pattern[str]
    rate: re.Pattern[str]
    category: re.Pattern[str]
    period: re.Pattern[str]
    span: re.Pattern[str]
    yardstick: re.Pattern[str]
    trend: re.Pattern[str]
    event: re.Pattern[str]
    hypothetical: re.Pattern[str]

    def is_head(self, pattern: re.Pattern[str] | None, word: str) -> bool:
        return pattern is not None and pattern.fullmatch(word) is not None


@cache
def demonyms(language: str = "nl") -> frozenset[str]:
    """Every nationality word of ``analyse/<language>/demonyms.tsv``, lowercased: "belg", "turken", "fransman"."""
    text = resources.files(f"kroniek.analyse.{language}").joinpath("demonyms.tsv").read_text(encoding="utf-8")
    forms: set[str] = set()
    for line in text.splitlines():
        fields = line.split("\t")
        if line.startswith("#") or len(fields) < 3 or fields[0] == "code":
            continue
        forms.update(form.strip().lower() for form in fields[2].split(",") if form.strip())
    return frozenset(forms)


@cache
def occupations(language: str = "nl") -> frozenset[str]:
    """The occupation and title nouns of ``analyse/<language>/occupations.toml`` (nouns for people)."""
    text = resources.files(f"kroniek.analyse.{language}").joinpath("occupations.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text).get("occupations", {})
    return frozenset(word.lower() for name, words in raw.items() if name != "prefixes" for word in words)


@cache
def counting(language: str = "nl") -> Counting:
    text = resources.files(f"kroniek.extract.{language}").joinpath("figures.toml").read_text(encoding="utf-8")
    raw: dict[str, Any] = tomllib.loads(text)["counting"]
    heads, persons, clauses, statistics = raw["heads"], raw["persons"], raw["clauses"], raw["statistics"]
    rules = tuple(
        PredicateRule(kind=r["kind"], voice=r["voice"], lemmas=frozenset(r.get("lemmas", [])),
                      forms=_full(r.get("forms", "")),
                      phrases=re.compile(r"(?<!\w)(?:" + r["phrases"] + ")", re.IGNORECASE) if r.get("phrases")
                      else None,
                      separable=tuple((re.compile(f"(?:{verb})", re.IGNORECASE),
                                       re.compile(f"(?:{particle})", re.IGNORECASE))
                                      for verb, particle in r.get("separable", [])),
                      prepositions=frozenset(r.get("prepositions", [])))
        for r in raw["predicate"])
    compiled = {name: _full(pattern) for name, pattern in heads.items()}
    return Counting(
        heads=tuple((kind, pattern) for kind in CASUALTIES if (pattern := compiled.get(kind)) is not None),
        victims=_full(heads["victims"]) or re.compile("(?!)"),
        killed_modifiers=_full(heads["killed_modifiers"]) or re.compile("(?!)"),
        dead_modifiers=_full(heads["dead_modifiers"]) or re.compile("(?!)"),
        injured_modifiers=_full(heads["injured_modifiers"]) or re.compile("(?!)"),
        persons=frozenset(persons["words"]),
        compound_heads=tuple(sorted((w for w in persons["words"] if len(w) >= 4), key=len, reverse=True)),
        person_suffixes=tuple(sorted(persons["suffixes"], key=len, reverse=True)),
        not_persons=_full(persons["not_persons"]) or re.compile("(?!)"),
        collectives=_full(persons["collectives"]) or re.compile("(?!)"),
        both=frozenset(persons.get("both", [])),
        adding_before=frozenset(raw["adding"]["before"]),
        adding_phrases=frozenset(raw["adding"]["phrases"]),
        adding_inside=frozenset(raw["adding"]["inside"]),
        age_nouns=_full(raw["not_counts"]["age_nouns"]) or re.compile("(?!)"),
        acts={noun: (kind, preposition) for noun, (kind, preposition) in raw["acts"].items()},
        predicates=rules,
        tolls=tuple((kind, re.compile(r"\b(?:" + pattern + r")\b", re.IGNORECASE))
                    for kind, pattern in raw["tolls"].items()),
        subordinators=frozenset(clauses["subordinators"]),
        relatives=frozenset(clauses["relatives"]),
        prepositions=frozenset(clauses["prepositions"]),
        have=_full(clauses["have"]) or re.compile("(?!)"),
        determiners=frozenset(clauses["determiners"]),
        pronouns=frozenset(clauses["pronouns"]),
        function_words=frozenset(clauses["function_words"]),
        subset_before=re.compile(r"(?<!\w)" + raw["subset"]["before"], re.IGNORECASE),
        subset_after=re.compile(raw["subset"]["after"], re.IGNORECASE),
        partitive=re.compile(r"\s*" + raw["subset"]["partitive"], re.IGNORECASE),
        fatal=re.compile(raw["subset"]["fatal"], re.IGNORECASE),
        precaution=re.compile(raw["care"]["precaution"], re.IGNORECASE),
        rate=re.compile(statistics["rate"], re.IGNORECASE),
        category=re.compile(statistics["category"], re.IGNORECASE),
        period=re.compile(statistics["period"], re.IGNORECASE),
        span=re.compile(statistics["span"], re.IGNORECASE),
        yardstick=re.compile(statistics["yardstick"], re.IGNORECASE),
        trend=re.compile(statistics["trend"], re.IGNORECASE),
        event=re.compile(statistics["event"], re.IGNORECASE),
        hypothetical=re.compile(statistics["hypothetical"], re.IGNORECASE),
    )


# --- words and clauses --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    text: str
    norm: str  # lowercase, soft hyphens removed
    lemma: str
    pos: str  # Frog's CGN tag, "" on sentences Frog did not see
    start: int  # offsets in the sentence
    end: int
    ner: str = "O"

    @property
    def punctuation(self) -> bool:
        return not any(ch.isalnum() for ch in self.norm)

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


_FALLBACK_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|\w+(?:[’'\-]\w+)*|[^\w\s]")


def sentence_words(doc: Document, sentence: Sentence) -> list[Word]:
    """The sentence's tokens with offsets relative to the sentence (Frog's lemma and tag where it analysed it)."""
    base = sentence.start
    if sentence.tokens:
        return [Word(t.text, _norm(t.text), (t.lemma or t.text).lower(), t.pos, t.start - base, t.end - base,
                     t.ner) for t in sentence.tokens]
    text = doc.text[sentence.start:sentence.end]
    return [Word(m.group(), _norm(m.group()), m.group().lower(), "", m.start(), m.end())
            for m in _FALLBACK_TOKEN.finditer(text)]


def _norm(text: str) -> str:
    return text.replace("\u00ad", "").replace("’", "'").lower()


def _plain(word: str) -> str:
    """Without diacritics, for suffix tests ("Tunesiër" ends in -er)."""
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))


_STRONG = frozenset({";", ":", "?", "!"})
_DASHES = frozenset({"–", "—", "-"})


@dataclass
class Clauses:
    """Which clause every word belongs to; subordinate clauses, brackets and dashes are clauses of their own."""

    of: list[int]  # clause id per word (-1 for the punctuation that separates clauses)
    opener: dict[int, int]  # clause id -> index of the word that opened it (subordinator, relative pronoun)
    relative: set[int]  # clause ids opened by a relative pronoun

    def words(self, clause: int) -> list[int]:
        return [i for i, c in enumerate(self.of) if c == clause]


def clauses(words: Sequence[Word], cnt: Counting) -> Clauses:
    of: list[int] = []
    opener: dict[int, int] = {}
    relative: set[int] = set()
    next_id = 1
    main = 0
    stack: list[int] = []  # open subordinate clauses (inner last)
    finite: dict[int, bool] = {}  # subordinate clauses whose finite verb has been seen
    bracket: int | None = None
    dash: int | None = None
    dashes = [i for i, w in enumerate(words) if w.norm in _DASHES]
    for i, w in enumerate(words):
        if bracket is not None:
            of.append(bracket)
            if w.norm == ")":
                bracket = None
            continue
        if w.norm == "(":
            bracket, next_id = next_id, next_id + 1
            of.append(bracket)
            continue
        if w.norm in _DASHES and len(dashes) >= 2:
            if dash is None and any(j > i for j in dashes):
                dash, next_id = next_id, next_id + 1
                of.append(dash)
            else:
                of.append(dash if dash is not None else -1)
                dash = None
            continue
        if dash is not None:
            of.append(dash)
            continue
        if w.norm in _STRONG:
            main, next_id = next_id, next_id + 1
            stack.clear()
            of.append(-1)
            continue
        if w.norm == ",":
            stack.clear()  # a comma closes the subordinate clauses it ends
            of.append(-1)
            continue
        # A subordinate clause is verb-final: on tagged sentences a second finite verb is the main clause's again
        # ("nadat de bom ontplofte kwamen vijf mensen om").
        while stack and finite.get(stack[-1]) and w.pos.startswith("WW(pv"):
            stack.pop()
        if stack and w.pos.startswith("WW(pv"):
            finite[stack[-1]] = True
        kind = _opener(words, i, cnt)
        if kind is not None:
            clause, next_id = next_id, next_id + 1
            opener[clause] = i
            if kind == "relative":
                relative.add(clause)
            stack.append(clause)
        of.append(stack[-1] if stack else main)
    return Clauses(of, opener, relative)


def _opener(words: Sequence[Word], i: int, cnt: Counting) -> str | None:
    """"relative" or "subordinate" when the word opens such a clause."""
    w = words[i]
    previous = words[i - 1] if i > 0 else None
    if w.norm in ("dan", "als"):
        return None  # "meer dan duizend", "als gevolg van": a comparison, not a clause of its own
    if w.pos:
        if w.pos.startswith("VNW(betr") or (w.norm in ("wie", "welke") and previous is not None
                                            and previous.norm in cnt.prepositions):
            return "relative"
        if w.pos.startswith("VG(onder") or (w.norm in cnt.subordinators and w.norm not in ("dat", "toen")
                                            and w.pos.startswith(("BW", "VNW(vb"))):
            return "subordinate" if w.norm in cnt.subordinators or w.pos.startswith("VG(onder") else None
        return None
    # Without tags: "die"/"dat" open a clause after a comma or right after a noun for people ("de schutter die")
    if w.norm in cnt.relatives:
        if previous is not None and (previous.norm == "," or _person_noun(previous, cnt)):
            return "relative"
        return None
    if w.norm in ("wie", "welke") and previous is not None and previous.norm in cnt.prepositions:
        return "relative"
    if w.norm in cnt.subordinators:
        return "subordinate"
    return None


# --- nouns ---------------------------------------------------------------------------------------------------------



def _noun(w: Word, cnt: Counting) -> bool:
    """Could head a noun phrase: a noun or name by Frog's tag, else any content word that is not a function word."""
    if w.pos:
        # "een derde verdachte", "de gearresteerden": a participle used as a noun
        return w.pos.startswith(("N(", "SPEC(deeleigen", "WW(vd,nom", "WW(od,nom")) or (
            w.pos.startswith("ADJ(") and "nom" in w.pos)
    return (w.norm.replace("'", "").replace("-", "").isalpha() and w.norm not in cnt.function_words
            and w.norm not in cnt.prepositions)


def _modifier(w: Word, cnt: Counting) -> bool:
    """An adjective between the amount and its noun: "drie andere Amerikaanse", "een 60-jarige", "dodelijk"."""
    if w.norm in ("andere", "overige", "verdere"):
        return True
    if w.pos:
        return w.pos.startswith(("ADJ(prenom", "TW(rang", "WW(vd,prenom")) or (
            w.pos.startswith("ADJ(") and cnt.killed_modifiers.fullmatch(w.norm) is not None)
    return ((w.norm.endswith("e") and w.norm not in cnt.persons and w.norm not in cnt.function_words
             and w.norm.isalpha() is not False)
            or cnt.killed_modifiers.fullmatch(w.norm) is not None)


def _person_noun(w: Word, cnt: Counting) -> bool:
    """A noun for people: listed, formed with a suffix for people (fietser, scholier, Palestijn, 34-jarige), or a
    capitalised noun for a people ("Belgen", "een Tunesiër")."""
    word = w.norm
    if word.endswith("jarige") or word.endswith("jarigen"):
        return True  # "een 34-jarige"
    if not word.replace("'", "").replace("-", "").isalpha() or cnt.not_persons.fullmatch(word) \
            or cnt.collectives.fullmatch(word):
        return False  # "een echtpaar" names people but no number
    if w.pos and not w.pos.startswith(("N(", "SPEC(", "ADJ(", "WW(vd,prenom", "WW(vd,nom")):
        return False
    if word in cnt.persons or cnt.victims.fullmatch(word) or word in occupations():
        return True
    if w.pos.startswith(("ADJ(nom", "ADJ(prenom", "WW(vd,prenom", "WW(vd,nom")) and word.endswith("e"):
        return True  # an adjective used as a noun is a person: "een gepensioneerde", "een minderjarige"
    plain = _plain(word)
    if any(plain.endswith(suffix) and len(plain) > len(suffix) + 2 for suffix in cnt.person_suffixes):
        return True
    if any(word.endswith(person) for person in cnt.compound_heads):
        return True  # "schoolmeisje", "kleinkind"
    return w.capitalised and word in demonyms()  # "een Belg", "drie Turken"


def _plural(w: Word, cnt: Counting) -> bool:
    """A plural noun (no "een" before it in a count of one): by Frog's tag, else by its ending, known singulars
    ("een Chinees", "een jongen") excepted."""
    if w.pos:
        return "mv" in w.pos
    return (w.norm.endswith(("en", "s")) and w.norm not in cnt.persons and w.norm not in demonyms()
            and not cnt.victims.fullmatch(w.norm) and w.norm not in occupations())


def _head_kind(head: Word | None, modifiers: Sequence[Word], cnt: Counting) -> str | None:
    """The kind the counted noun names itself: "doden", "gewonden", "arrestaties", "dodelijke slachtoffers"."""
    if head is None:
        return None
    for kind, pattern in cnt.heads:
        if pattern.fullmatch(head.norm):
            return kind
    if cnt.victims.fullmatch(head.norm) and any(cnt.killed_modifiers.fullmatch(m.norm) for m in modifiers):
        return "killed"  # "dodelijke slachtoffers"
    if any(cnt.dead_modifiers.fullmatch(m.norm) for m in modifiers):
        return "killed"  # "twee dode agenten"
    if any(cnt.injured_modifiers.fullmatch(m.norm) for m in modifiers):
        return "injured"  # "drie gewonde agenten", "twee zwaargewonde slachtoffers"
    return None


# --- predicates ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Predicate:
    index: int  # where it stands (the particle of a separable verb, the last word of a phrase)
    kind: str
    active: bool  # a transitive verb in the active voice: its subject did it
    prepositions: frozenset[str] = frozenset()
    toll: bool = False
    hospital: bool = False  # "in het ziekenhuis opgenomen": taken to hospital, the injury itself unsaid
    start: int = -1  # first word of the predicate
    care: bool = False  # taken to hospital or treated by medics: an injury only unless it was a precaution


_HOSPITAL = re.compile(r"ziekenhui|hospita|kliniek|brandwondencentrum|intensieve zorg|spoed", re.IGNORECASE)
_CARE = re.compile(r"verzorgd|behandeld", re.IGNORECASE)
_PARTICIPLE = re.compile(r"\w*ge\w{2,}|vermoord|verwond|onthoofd")


def _participle(w: Word) -> bool:
    if w.pos:
        return w.pos.startswith("WW(vd") or w.pos.startswith("ADJ(")
    return _PARTICIPLE.fullmatch(w.norm) is not None


def _word_index(words: Sequence[Word], offset: int) -> int:
    return max(0, bisect_right([w.start for w in words], offset) - 1)


def predicates(sentence: str, words: Sequence[Word], parts: Clauses, cnt: Counting) -> list[Predicate]:
    """Every casualty predicate in the sentence, with its voice resolved in its clause."""
    found: list[Predicate] = []

    def has_have(index: int) -> bool:
        """Whether the participle's auxiliary is "hebben": the nearest finite verb before it in its own stretch of
        the clause, else after it, not across a comma ("er zijn drie mensen gedood, heeft de politie gemeld" is
        passive; "twee zijn gedood en twee hebben verwondingen opgelopen" too)."""
        for step in (-1, 1):
            j = index + step
            while 0 <= j < len(words) and parts.of[j] != -1:
                if parts.of[j] == parts.of[index] and _finite(words[j], cnt):
                    return cnt.have.fullmatch(words[j].norm) is not None
                j += step
        return False

    def add(index: int, rule: PredicateRule, participle: bool, start: int | None = None,
            hospital: bool = False, care: bool = False) -> None:
        active = rule.voice == "transitive" and (not participle or has_have(index))
        found.append(Predicate(index, rule.kind, active, rule.prepositions, hospital=hospital,
                               start=index if start is None else start, care=care or hospital))

    for rule in cnt.predicates:
        for i, w in enumerate(words):
            by_lemma = bool(w.pos) and w.pos.startswith("WW") and w.lemma in rule.lemmas
            if by_lemma or (rule.forms is not None and rule.forms.fullmatch(w.norm)):
                add(i, rule, _participle(w))
            for verb, particle in rule.separable:
                if not verb.fullmatch(w.norm):
                    continue
                for j in range(i + 1, len(words)):
                    if parts.of[j] != parts.of[i]:
                        if parts.of[j] == -1:
                            break
                        continue
                    if particle.fullmatch(words[j].norm) and _clause_final(words, j, cnt):
                        add(j, rule, False, i)
                        break
        if rule.phrases is not None:
            for match in rule.phrases.finditer(sentence):
                first, last = _word_index(words, match.start()), _word_index(words, match.end() - 1)
                covered = [words[k] for k in range(first, last + 1)]
                hospital = _HOSPITAL.search(match.group()) is not None
                care = _CARE.search(match.group()) is not None
                add(last, rule, any(_participle(w) for w in covered), first, hospital, care)
    lowered = sentence.lower()
    for kind, pattern in cnt.tolls:
        for match in pattern.finditer(lowered):
            found.append(Predicate(_word_index(words, match.start()), kind, False, frozenset({"tot", "op", "naar"}),
                                   toll=True))
    return found


_AUXILIARIES = frozenset({"is", "zijn", "was", "waren", "wordt", "worden", "werd", "werden", "raakte", "raakten",
                         "raakt", "raken", "bleek", "bleken"})


def _finite(w: Word, cnt: Counting) -> bool:
    """A finite verb (by Frog's tag), or an auxiliary on untagged sentences."""
    if w.pos:
        return w.pos.startswith("WW(pv")
    return w.norm in _AUXILIARIES or cnt.have.fullmatch(w.norm) is not None


def _clause_final(words: Sequence[Word], j: int, cnt: Counting) -> bool:
    """A separable particle stands at the end of its clause ("kwamen drie mensen om.", "om bij een brand"),
    not as a preposition before its noun ("om de hoek", "op het plein")."""
    if j + 1 >= len(words):
        return True
    nxt = words[j + 1]
    if words[j].norm == "om" and nxt.norm == "te":
        return False
    return (nxt.punctuation or nxt.norm in cnt.prepositions or nxt.norm in cnt.subordinators
            or nxt.norm in ("en", "maar", "of"))


# --- count phrases ------------------------------------------------------------------------------------------------


@dataclass
class CountPhrase:
    first: int  # first word (with the hedge)
    last: int  # last word of the amount
    head: int | None  # the counted noun
    end: int  # last word of the phrase (noun and its "van"/"uit" complement)
    value: int | None
    low: int | None
    high: int | None
    vague: str | None
    qualifier: str | None
    start_char: int  # the amount (hedge included) or "een"
    amount_end: int  # end of the amount; of the noun after "een"
    end_char: int  # end of the whole phrase (noun and complement)
    group_from: int  # where the words for the group start ("agenten", "leden van veiligheidstroepen")
    head_kind: str | None = None
    subset: bool = False
    single: bool = False  # "een" + a noun for a person
    parts: list[CountPhrase] = field(default_factory=list)  # a coordinated group summed


def _head(words: Sequence[Word], after: int, cnt: Counting) -> tuple[int | None, list[Word]]:
    """The counted noun after the amount (skipping adjectives), and the adjectives; None when the amount stands
    alone ("twee raakten gewond")."""
    j = after
    modifiers: list[Word] = []
    while j < len(words) and j - after < 5 and _modifier(words[j], cnt) and not _head_kind(words[j], [], cnt):
        modifiers.append(words[j])
        j += 1
    if j < len(words) and _head_kind(words[j], [], cnt) is not None:
        return j, modifiers  # "21 doden", whatever the tagger made of "doden"
    if j < len(words) and _noun(words[j], cnt) and not _is_predicate_word(words[j], cnt):
        return j, modifiers
    if modifiers and (modifiers[-1].norm.endswith("e") or _person_noun(modifiers[-1], cnt)):
        return j - 1, modifiers[:-1]  # an adjective as the noun: "een 34-jarige werd", "een gepensioneerde"
    return None, modifiers


@cache
def _predicate_forms(language: str = "nl") -> tuple[re.Pattern[str], ...]:
    return tuple(rule.forms for rule in counting(language).predicates if rule.forms is not None)


def _is_predicate_word(w: Word, cnt: Counting) -> bool:
    return any(pattern.fullmatch(w.norm) for pattern in _predicate_forms())


def _phrase_end(words: Sequence[Word], head: int, parts: Clauses, cnt: Counting) -> int:
    """The noun with its complement: "leden van veiligheidstroepen", "de ambassadeur van de Verenigde Staten",
    an age ("een jongen van 16", "twee vrouwen van 30 en 41 jaar oud")."""
    end = head
    j = head + 1
    if j + 1 < len(words) and words[j].norm == "van" and _numeral(words[j + 1]):
        end = j + 1
        while end + 2 < len(words) and words[end + 1].norm in ("en", ",", "of", "tot") and _numeral(words[end + 2]):
            end += 2
        for unit in ("jaar", "oud"):
            if end + 1 < len(words) and words[end + 1].norm == unit:
                end += 1
        return end
    if j < len(words) and words[j].norm in ("van", "uit"):
        k = j + 1
        while k < len(words) and parts.of[k] == parts.of[head] and not words[k].punctuation \
                and words[k].norm not in ("en", "of", "maar") and not _is_predicate_word(words[k], cnt) \
                and not (words[k].pos.startswith("WW") if words[k].pos else False) \
                and words[k].norm not in cnt.prepositions and not words[k].norm[0].isdigit():
            end = k
            k += 1
    return end


def _numeral(w: Word) -> bool:
    return w.norm[:1].isdigit() or word_to_int(w.norm) is not None


_AGE_ADVERBS = frozenset({"amper", "pas", "nauwelijks", "net", "slechts", "maar"})


def _not_a_count(words: Sequence[Word], first: int, last: int, head: int | None, ages: set[int],
                 cnt: Counting) -> bool:
    """Ages and the like, by the number's syntax."""
    before = words[first - 1] if first > 0 else None
    after = words[last + 1] if last + 1 < len(words) else None
    if head is not None and not words[head].norm.startswith("jaar"):
        return False
    if before is not None and before.norm == "(":
        return True  # "Jan V. (45)", "een vrouw (27)"
    if before is not None and before.norm in _AGE_ADVERBS and first >= 2 and words[first - 2].norm == "van":
        first, before = first - 1, words[first - 2]  # "een meisje van amper zestien"
    if before is not None and before.norm == "de" and first >= 3 and words[first - 2].norm in ("in", "rond") \
            and (words[first - 3].norm == "van" or _person_noun(words[first - 3], cnt)):
        return True  # "een man van in de veertig", "een vrouw rond de dertig"
    if before is not None and before.norm == "van" and first >= 2:
        owner = words[first - 2]
        if not owner.norm[0].isdigit() and owner.norm not in cnt.acts and not cnt.collectives.fullmatch(owner.norm) \
                and (_noun(owner, cnt) or cnt.age_nouns.fullmatch(owner.norm)):
            return True  # "een jongen van elf", "op de leeftijd van 45"
    if before is not None and before.norm in ("en", ",", "of", "tot") and first - 2 in ages:
        return True  # "van 17 en 20 jaar"
    # "Jan V., 45, uit Gent"
    return (before is not None and before.norm == "," and after is not None and after.norm in (",", ")")
            and first >= 2 and words[first - 2].capitalised)


def count_phrases(sentence: str, words: Sequence[Word], quantities: Sequence[Quantity], parts: Clauses,
                  lex: Lexicon, cnt: Counting) -> list[CountPhrase]:
    """Amounts that count people, and "een" + a noun for a person, in sentence order."""
    phrases: list[CountPhrase] = []
    ages: set[int] = set()  # last word index of every amount read as an age
    covered: set[int] = set()
    for quantity in quantities:
        first, last = _word_index(words, quantity.start), _word_index(words, quantity.end - 1)
        covered.update(range(first, last + 1))
        if quantity.unit or lex.not_people.match(sentence[quantity.end:]):
            if lex.not_people.match(sentence[quantity.end:]) and re.match(r"\s*jaar", sentence[quantity.end:]):
                ages.add(last)
            continue
        head, modifiers = _head(words, last + 1, cnt)
        if _not_a_count(words, first, last, head, ages, cnt):
            ages.add(last)
            continue
        change = re.match(r"\s*naar\s+(?:ruim |bijna |meer dan |minstens |zeker )?(\w[\w.]*)", sentence[quantity.end:])
        if head is None and change and re.search(r"\bvan\s*$", sentence[:quantity.start]) \
                and (change.group(1)[0].isdigit() or word_to_int(change.group(1)) is not None):
            continue  # "het dodental steeg van 12 naar 20": the figure before the change
        if head is not None and cnt.not_persons.fullmatch(words[head].norm):
            continue
        end = _phrase_end(words, head, parts, cnt) if head is not None else last
        phrase = CountPhrase(first, last, head, end, quantity.value, quantity.low, quantity.high, quantity.vague,
                             quantity.qualifier, quantity.start, quantity.end,
                             words[end].end if head is not None else quantity.end, quantity.end,
                             head_kind=_head_kind(words[head] if head is not None else None, modifiers, cnt))
        phrase.subset = bool(cnt.subset_before.search(sentence, 0, quantity.start)) or (
            bool(re.match(r"\s*van (?:hen|hun|wie)\b", sentence[quantity.end:], re.IGNORECASE))) or bool(
            cnt.subset_after.match(sentence[quantity.end:]))
        phrases.append(phrase)
    for i, w in enumerate(words):
        # not Frog's tag alone: it tags a capitalised "Een" after a headline as part of a name
        if w.norm != "een" or i in covered or w.pos.startswith("VNW"):
            continue
        previous = words[i - 1].norm if i > 0 else ""
        if previous in ("als", "zo'n", "zo"):
            continue  # "als een held"
        if cnt.partitive.match(sentence, w.end):
            # "een van de gewonden is overleden": one of a group, counted like "één"
            phrase = CountPhrase(i, i, None, i, 1, 1, 1, None, None, w.start, w.end, w.end, w.end)
            phrase.subset = bool(cnt.subset_before.search(sentence, 0, w.start)) or bool(
                re.match(r"\s*van (?:hen|hun|wie)\b", sentence[w.end:], re.IGNORECASE))
            phrases.append(phrase)
            continue
        head, modifiers = _head(words, i + 1, cnt)
        if head is None or not _person_noun(words[head], cnt) or _plural(words[head], cnt):
            continue
        end = _phrase_end(words, head, parts, cnt)
        phrase = CountPhrase(i, i, head, end, 1, 1, 1, None, None, w.start, words[head].end, words[end].end,
                             w.end, single=True, head_kind=_head_kind(words[head], modifiers, cnt))
        phrase.subset = bool(cnt.subset_before.search(sentence, 0, w.start)) or bool(
            cnt.subset_after.match(sentence[w.end:]))
        phrases.append(phrase)
    for i, w in enumerate(words):
        # "beide inzittenden", "beiden raakten gewond", "ze kwamen allebei om": two, with or without a noun
        if w.norm not in cnt.both or i in covered:
            continue
        head, modifiers = _head(words, i + 1, cnt)
        if head is not None and (cnt.not_persons.fullmatch(words[head].norm) or not _plural(words[head], cnt)):
            continue
        end = _phrase_end(words, head, parts, cnt) if head is not None else i
        phrases.append(CountPhrase(i, i, head, end, 2, 2, 2, None, None, w.start, w.end, words[end].end, w.end,
                                   head_kind=_head_kind(words[head] if head is not None else None, modifiers,
                                                        cnt)))
    phrases.sort(key=lambda p: p.first)
    return _partitives(sentence, words, phrases, cnt)


def _partitives(sentence: str, words: Sequence[Word], phrases: list[CountPhrase],
                cnt: Counting) -> list[CountPhrase]:
    """"twee van de vijf gewonden zijn overleden": the part is what the predicate counts (killed 2); the whole is
    a figure only when its noun names a casualty (injured 5), else it is the size of a group ("tien van de elf")."""
    out: list[CountPhrase] = []
    skip: set[int] = set()
    for k, phrase in enumerate(phrases):
        if k in skip:
            continue
        out.append(phrase)
        if phrase.head is not None or phrase.single:
            continue
        match = cnt.partitive.match(sentence, phrase.amount_end)
        if match is None:
            continue
        whole = next((j for j in range(k + 1, len(phrases)) if phrases[j].start_char >= match.end()), None)
        if whole is None or sentence[match.end():phrases[whole].start_char].strip():
            # "een van de gewonden": the group's noun is part of the phrase
            noun = next((j for j in range(phrase.last + 1, min(len(words), phrase.last + 6))
                         if words[j].start >= match.end() and _noun(words[j], cnt)), None)
            if noun is not None:
                phrase.end = noun
            continue
        phrase.end = phrases[whole].end
        if phrases[whole].head_kind is None:
            skip.add(whole)
    return out


# --- coordination ----------------------------------------------------------------------------------------------


def _definite_conjunct(words: Sequence[Word], before: int, parts: Clauses, cnt: Counting) -> int | None:
    """The first word of a definite singular person phrase that ends right before ``before`` ("de ambassadeur van
    de Verenigde Staten" en drie andere burgers), or None."""
    clause = parts.of[before]
    for head in range(before - 1, max(-1, before - 9), -1):
        if parts.of[head] != clause or words[head].punctuation:
            return None
        w = words[head]
        if not _person_noun(w, cnt) or (w.pos and "mv" in w.pos) or _head_kind(w, [], cnt):
            continue
        det = head - 1
        while det >= 0 and _modifier(words[det], cnt) and det > head - 4:
            det -= 1
        if det < 0 or words[det].norm not in _DEFINITE:
            return None
        if _phrase_end(words, head, parts, cnt) == before - 1 or head == before - 1:
            return det
        return None
    return None


def _definite_after(words: Sequence[Word], link: int, parts: Clauses, cnt: Counting) -> int | None:
    """The noun of a definite singular person phrase right after ``link`` ("een vrouw en haar dochter"), or None."""
    det = link + 1
    if det >= len(words) or words[det].norm not in _DEFINITE or parts.of[det] != parts.of[link]:
        return None
    head = det + 1
    while head < len(words) and head - det < 4 and _modifier(words[head], cnt):
        head += 1
    if head >= len(words) or not _person_noun(words[head], cnt) or (words[head].pos and "mv" in words[head].pos) \
            or _head_kind(words[head], [], cnt):
        return None
    return head


_DEFINITE = frozenset({"de", "het", "zijn", "haar", "hun", "diens"})


def coordinate(phrases: list[CountPhrase], words: Sequence[Word], parts: Clauses, preds: Sequence[Predicate],
               cnt: Counting) -> list[CountPhrase]:
    """Coordinated groups of people with one predicate become one summed phrase ("twee agenten en een
    voorbijganger"); counts of casualty nouns stay apart ("vijf doden en twaalf gewonden")."""
    anchors = {p.index for p in preds}
    out: list[CountPhrase] = []
    for phrase in phrases:
        prev = out[-1] if out else None
        joinable = (prev is not None and not prev.subset and not phrase.subset
                    and prev.head_kind is None and phrase.head_kind is None
                    and parts.of[prev.last] == parts.of[phrase.last]
                    and _links(words, prev.end + 1, phrase.first)
                    and not anchors & set(range(prev.first, phrase.first)))
        if joinable and prev is not None:
            group = prev.parts or [prev]
            merged = _sum([*group, phrase])
            out[-1] = merged
            continue
        out.append(phrase)
    out = [_apposition(phrase, words) for phrase in out]
    for index, phrase in enumerate(out):
        link = phrase.first - 1
        if link >= 1 and words[link].norm in ("zijn", "haar", "hun", "de", "het", "diens") and not phrase.single:
            link -= 1  # "de chauffeur en zijn twee passagiers"
        if phrase.subset or phrase.head_kind is not None or link < 1 or words[link].norm != "en":
            continue
        start = _definite_conjunct(words, link, parts, cnt)
        if start is None:
            continue
        lead = CountPhrase(start, start, None, link - 1, 1, 1, 1, None, None, words[start].start,
                           words[link - 1].end, words[link - 1].end, words[start].end, single=True)
        out[index] = _sum([lead, *(phrase.parts or [phrase])])
    for index, phrase in enumerate(out):
        link = phrase.end + 1
        following = out[index + 1].first if index + 1 < len(out) else len(words)
        if phrase.subset or phrase.head_kind is not None or link >= len(words) or words[link].norm != "en":
            continue
        head = _definite_after(words, link, parts, cnt)
        if head is None or head >= following:
            continue
        end = _phrase_end(words, head, parts, cnt)
        tail = CountPhrase(link + 1, link + 1, head, end, 1, 1, 1, None, None, words[link + 1].start,
                           words[head].end, words[end].end, words[link + 2].start, single=True)
        out[index] = _sum([*(phrase.parts or [phrase]), tail])
    return out


def _links(words: Sequence[Word], start: int, stop: int) -> bool:
    """Only "en" or a comma between two conjuncts, maybe with a determiner after "en" ("een vrouw en haar twee
    kinderen", "drie agenten en de twee passagiers")."""
    between = [words[k].norm for k in range(start, stop)]
    if between and between[-1] in _DEFINITE and len(between) >= 2 and between[-2] == "en":
        between = between[:-1]
    return bool(between) and all(word in ("en", ",") for word in between)


def _apposition(phrase: CountPhrase, words: Sequence[Word]) -> CountPhrase:
    """"drie slachtoffers, twee mannen en een vrouw": a list after a comma that adds up to the number before it
    says who they were; the first number is the total, the list its parts."""
    parts = phrase.parts
    closing = phrase.end + 1
    if len(parts) < 3 or words[parts[0].end + 1].norm != "," or (
            closing < len(words) and words[closing].norm not in (",", ":", ";", "–", ")")):
        return phrase  # "drie Fransen, twee Belgen en een Duitser kwamen om" is a list, not an apposition
    rest = [p.value for p in parts[1:]]
    if parts[0].value is None or None in rest or parts[0].value != sum(v for v in rest if v is not None):
        return phrase
    total = parts[0]
    for part in parts[1:]:
        part.subset = True
    total.end, total.end_char = phrase.end, total.end_char
    return total


def _sum(group: list[CountPhrase]) -> CountPhrase:
    def total(values: list[int | None]) -> int | None:
        return None if any(v is None for v in values) else sum(v for v in values if v is not None)

    first, last = group[0], group[-1]
    vague = [p.vague for p in group if p.vague]
    return CountPhrase(first.first, last.last, last.head, last.end, total([p.value for p in group]),
                       total([p.low if p.low is not None else p.value for p in group]),
                       total([p.high for p in group]), " + ".join(vague) if vague else None,
                       next((p.qualifier for p in group if p.qualifier), None), first.start_char, last.amount_end,
                       last.end_char, last.group_from, parts=list(group))


# --- governing kind ---------------------------------------------------------------------------------------------


def _subject(words: Sequence[Word], parts: Clauses, clause: int, cnt: Counting) -> int | None:
    """The first noun phrase of the clause outside a prepositional phrase (its subject, roughly), or the relative
    pronoun that opens it."""
    if clause in parts.relative:
        return parts.opener[clause]
    in_pp = False
    for i in parts.words(clause):
        w = words[i]
        if i == parts.opener.get(clause):
            continue
        if w.punctuation:
            in_pp = False
            continue
        if w.norm in cnt.prepositions and (not w.pos or w.pos.startswith("VZ(init")):
            in_pp = True
            continue
        np_word = (w.norm[0].isdigit() or w.norm in cnt.determiners or w.norm in cnt.pronouns
                   or (len(w.text) > 1 and w.text.isupper())  # an acronym: "IS executeerde 741 burgers"
                   or (w.pos.startswith(("LID", "TW", "VNW", "N(", "SPEC", "ADJ(prenom")) if w.pos
                       else (w.capitalised or _noun(w, cnt))))
        if w.norm == "er":
            continue
        if np_word:
            if not in_pp:
                return i
            continue
        in_pp = False
    return None


def governing_kind(phrase: CountPhrase, index: int, phrases: Sequence[CountPhrase], words: Sequence[Word],
                   parts: Clauses, preds: Sequence[Predicate], cnt: Counting) -> tuple[str | None, Predicate | None]:
    """The kind of the count phrase and the predicate that governs it: (None, None) when nothing does; the
    predicate is None when the counted noun or an act noun says the kind."""
    if phrase.head_kind is not None:
        if phrase.head_kind == "injured":
            # "twee gewonden zijn later overleden": the wounded who died are dead; only a death predicate after
            # them, whose subject they are ("... en er vielen dertig gewonden" stays injured)
            bare = CountPhrase(**{**phrase.__dict__, "head_kind": None})
            kind, predicate = governing_kind(bare, index, phrases, words, parts, preds, cnt)
            if kind == "killed" and predicate is not None and not predicate.toll and predicate.index > phrase.end:
                return kind, predicate
        return phrase.head_kind, None
    clause = parts.of[phrase.last]
    before = words[phrase.first - 1] if phrase.first > 0 else None
    preposition = before.norm if before is not None and before.norm in cnt.prepositions else None
    if preposition is not None:
        owner = words[phrase.first - 2].norm if phrase.first >= 2 else ""
        act = cnt.acts.get(owner)
        if act is not None and act[1] == preposition:
            return act[0], None  # "de moord op een kioskhouder", "de dood van twaalf mensen"
        if preposition == "van" and cnt.collectives.fullmatch(owner):
            preposition = None  # "een groep van twintig betogers": the group's size
    same = [p for p in preds if parts.of[p.index] == clause]
    if phrase.head is None:
        toll = [p for p in same if p.toll and p.index < phrase.first]
        if toll:
            latest = max(toll, key=lambda p: p.index)
            return latest.kind, latest  # "de dodentol loopt op tot 34"
    same = [p for p in same if not p.toll and (preposition is None or preposition in p.prepositions)]
    if any(p.kind == "killed" for p in same):
        same = [p for p in same if not p.hospital]  # "overleed in het ziekenhuis": the hospital is a place
    later = [q.first for q in phrases[index + 1:] if parts.of[q.last] == clause and q.first > phrase.end]
    earlier = [q.end for q in phrases[:index] if parts.of[q.last] == clause and q.end < phrase.first]
    limit_after = later[0] if later else len(words)
    limit_before = earlier[-1] if earlier else -1
    after = [p for p in same if phrase.end < p.index < limit_after]
    chosen = min(after, key=lambda p: p.index) if after else None
    if chosen is None:
        # a predicate before an earlier count governs that one, unless it is active with its subject in between:
        # "gisteren doodde een man in Gent twee vrouwen"
        ahead = [p for p in same if p.index < phrase.first and (p.index > limit_before or p.active)]
        chosen = max(ahead, key=lambda p: p.index) if ahead else None
    if chosen is None:
        relative = _relative_predicate(phrase, words, parts, preds)
        if relative is not None:
            return relative.kind, relative  # "de twaalf mensen die omkwamen"
        return None, None
    if chosen.active and _subject(words, parts, clause, cnt) == phrase.first:
        return None, None  # the subject of an active killing is who did it
    if phrase.head is None and not phrase.single:
        # "tien van elf in juni verhuisde zwarte neushoorns overleden": the noun after decides
        between = [words[k] for k in range(phrase.last + 1, chosen.index) if parts.of[k] == clause]
        nouns = [w for w in between if _noun(w, cnt)]
        if nouns and cnt.not_persons.fullmatch(nouns[0].norm):
            return None, None
    return chosen.kind, chosen


def _relative_predicate(phrase: CountPhrase, words: Sequence[Word], parts: Clauses,
                        preds: Sequence[Predicate]) -> Predicate | None:
    """A relative clause right after the count phrase that says what happened to its people ("twaalf mensen die
    bij de ramp omkwamen", "drie agenten die gewond raakten"); not when they did it ("drie mannen die een agent
    doodden": the relative pronoun is the subject of an active killing)."""
    opener = phrase.end + 1
    if opener < len(words) and words[opener].norm == ",":
        opener += 1
    clause = parts.of[opener] if opener < len(words) else -1
    if clause not in parts.relative or parts.opener.get(clause) != opener:
        return None
    inside = sorted((p for p in preds if parts.of[p.index] == clause and not p.toll), key=lambda p: p.index)
    if not inside or inside[0].active:
        return None
    return inside[0]


def _statistical(text: str, cnt: Counting, casualty: bool = True) -> bool:
    """A rate, a statistics category, a span of years, a trend, or (for casualties) a tally over a recent period
    without one specific event (figures-coding.md). Crowds and the displaced are counted by the period's event
    words ("vorig jaar gingen 5000 mensen de straat op" is one march), so only the other classes apply to them."""
    if cnt.rate.search(text) or cnt.trend.search(text):
        return True
    if any(not cnt.yardstick.search(text, 0, m.start()) for m in cnt.span.finditer(text)):
        return True  # a span of years, unless it measures one event ("de zwaarste aanslag sinds 2015")
    if not casualty:
        return False
    return bool(cnt.category.search(text)) or (bool(cnt.period.search(text)) and not cnt.event.search(text))


def _surface_kind(after: str, lex: Lexicon) -> str | None:
    """Displaced and crowd figures by the older surface rule: the kind word nearest after the number."""
    found = sorted((match.start(), name) for name, pattern in lex.kinds
                   if name in _GATHERINGS and (match := pattern.search(after)) is not None and match.start() < 120)
    return found[0][1] if found else None


def _group(after: str, lex: Lexicon) -> tuple[str | None, str | None]:
    words = after.strip()
    for group_type, pattern in lex.groups:
        match = pattern.match(words)
        if match:
            return match.group(), group_type
    return None, None


def _clause(sentence: str, start: int, end: int) -> tuple[int, int]:
    left = 0
    for match in CLAUSE_END.finditer(sentence, 0, start):
        left = match.end()
    following = CLAUSE_END.search(sentence, end)
    return left, following.start() if following else len(sentence)


def _clause_text(sentence: str, words: Sequence[Word], parts: Clauses, clause: int) -> str:
    members = parts.words(clause)
    return sentence[words[members[0]].start:words[members[-1]].end] if members else ""


# --- claims -------------------------------------------------------------------------------------------------------


@dataclass
class Figure:
    """A count phrase with the kind that governs it, ready to become a claim."""

    phrase: CountPhrase
    kind: str
    inherited: bool = False  # the kind of the total before it ("..., van wie twintig ernstig")
    hospital: bool = False  # counted as taken to hospital
    own: bool = False  # a predicate of its own says its kind ("twee van hen overleden", "van wie één dodelijk")
    predicate: Predicate | None = None


def sentence_figures(sentence: str, words: Sequence[Word], lex: Lexicon,
                     cnt: Counting | None = None) -> list[Figure]:
    """The figures of one sentence: count phrases with the kind that governs them, in sentence order."""
    cnt = cnt or counting()
    quantities = find_quantities(sentence)
    if not quantities and not any(w.norm == "een" or w.norm in cnt.both for w in words):
        return []
    parts = clauses(words, cnt)
    preds = predicates(sentence, words, parts, cnt)
    phrases = count_phrases(sentence, words, quantities, parts, lex, cnt)
    if not phrases:
        return []
    phrases = coordinate(phrases, words, parts, preds, cnt)
    found: list[Figure] = []
    for index, phrase in enumerate(phrases):
        kind, predicate = governing_kind(phrase, index, phrases, words, parts, preds, cnt)
        if predicate is not None and predicate.toll and phrase.qualifier == "up_to":
            # "de dodentol loopt op tot 34": "tot" belongs to the verb, not a ceiling on the number
            phrase.qualifier, phrase.low = None, phrase.value
            if words[phrase.first].norm == "tot" and phrase.first < phrase.last:
                phrase.start_char = words[phrase.first + 1].start
        inherited = False
        own = predicate is not None
        if phrase.subset and kind != "killed" and cnt.fatal.match(sentence, phrase.end_char):
            kind, own = "killed", True  # "drie mensen werden neergestoken, van wie één dodelijk"
        if kind is None and phrase.subset and found:
            kind, inherited = found[-1].kind, True  # "..., van wie twintig ernstig"
        if kind is None and not phrase.single and not phrase.subset:
            _left, right = _clause(sentence, phrase.start_char, phrase.amount_end)
            kind = _surface_kind(sentence[phrase.amount_end:right], lex)
        if kind is None:
            continue
        # A statistic is dropped here, not kept with a flag: figures-coding.md gives it no record, and a figure
        # that is never a claim cannot reach an event's fatalities, a reconciled total or an export.
        clause_text = _clause_text(sentence, words, parts, parts.of[phrase.last])
        if kind not in CASUALTIES and _statistical(clause_text, cnt, casualty=False):
            continue
        if kind in CASUALTIES:
            if _statistical(clause_text, cnt) or cnt.hypothetical.search(clause_text):
                continue
            if predicate is not None:  # "een man werd bijna doodgereden": the words between number and predicate
                span = sorted((phrase.start_char, phrase.end_char, words[predicate.start].start,
                               words[predicate.index].end))
                if lex.no_victims.search(sentence[span[0]:span[-1]]):
                    continue
                if predicate.care and kind == "injured" and cnt.precaution.search(clause_text):
                    continue  # "uit voorzorg naar het ziekenhuis gebracht": no injury said
        found.append(Figure(phrase, kind, inherited, predicate is not None and predicate.hospital, own,
                            predicate))
    return _add_up(found, words, cnt)


def _additive(phrase: CountPhrase, words: Sequence[Word], cnt: Counting) -> bool:
    """A count added to an earlier one of its kind ([counting.adding]): "nog twee anderen", "net als vier betogers"."""
    before = [w.norm for w in words[max(0, phrase.first - 3):phrase.first]]
    inside = {w.norm for w in words[phrase.first:phrase.end + 1]}
    return (bool(cnt.adding_before.intersection(before)) or " ".join(before[-2:]) in cnt.adding_phrases
            or bool(cnt.adding_inside & inside))


def _add_up(found: list[Figure], words: Sequence[Word], cnt: Counting) -> list[Figure]:
    """Two totals of one kind in a sentence are one sum when one predicate governs both ("er kwamen twee mensen om
    in Gent en drie in Antwerpen") or the second adds to the first ("drie mensen stierven ter plaatse, nog twee
    anderen later in het ziekenhuis"): ACLED codes the event's total (groups that add up are summed)."""
    out: list[Figure] = []
    for figure in found:
        earlier = next((k for k in range(len(out) - 1, -1, -1) if out[k].kind == figure.kind
                        and not out[k].phrase.subset), None)
        if figure.kind in CASUALTIES and earlier is not None and not figure.phrase.subset:
            first = out[earlier]
            shared = first.predicate is not None and first.predicate is figure.predicate
            if shared or _additive(figure.phrase, words, cnt):
                summed = _sum([*(first.phrase.parts or [first.phrase]), *(figure.phrase.parts or [figure.phrase])])
                out[earlier] = Figure(summed, figure.kind, False, first.hospital or figure.hospital, True,
                                      first.predicate)
                continue
        out.append(figure)
    return out


def extract_claims(doc: Document, article: Article, events: list[Event] | None = None,
                   bounds: Bounds | None = None) -> list[Claim]:
    """The claims of one article, linked to its event mentions; ``bounds`` (``[plausibility]``, the shipped
    defaults when not given) flags figures no single event of their type plausibly has."""
    lex = lexicon("nl")
    cnt = counting("nl")
    claims: list[Claim] = []
    previous_chain: list[str] = []
    previous_phrases: list[Evidence] = []  # the words of the inherited chain, in the sentence that said them
    previous_paragraph = -1
    previous_claims: list[Claim] = []
    for index, sentence_model in enumerate(doc.sentences):
        offset = sentence_model.start
        sentence = doc.text[sentence_model.start:sentence_model.end]
        if sentence_model.paragraph != previous_paragraph:
            previous_chain = []
        previous_paragraph = sentence_model.paragraph
        said = attribution_in(sentence, lex)
        chain, phrases = list(said.names), source_spans(said, article.id, sentence, offset)
        inherited = False
        if not chain and previous_chain:
            chain, phrases, inherited = previous_chain, previous_phrases, True
        unconfirmed = bool(lex.unconfirmed.search(sentence))
        found = sentence_figures(sentence, sentence_words(doc, sentence_model), lex, cnt)
        if unconfirmed and previous_claims and not found and not find_quantities(sentence):
            for claim in previous_claims:  # "Of deze cijfers kloppen kan niet worden bevestigd."
                claim.unconfirmed = True

        where = _Where(article, sentence, offset, index, [article.outlet, *chain], inherited, unconfirmed, phrases)
        current: list[Claim] = []
        for figure in found:
            phrase, kind = figure.phrase, figure.kind
            before = current or claims
            if phrase.subset and not figure.inherited and (before or figure.own) \
                    and all(c.kind != kind for c in before):
                # "tien gewonden, van wie twee later overleden", "drie mensen werden neergeschoten, twee van hen
                # overleden": a new kind, not a part
                phrase.subset = False
            contexts = ["subset"] if phrase.subset else []
            if phrase.parts:
                contexts.append("summed")
            if figure.hospital:
                contexts.append("hospitalised")
            claim = _claim(where, phrase, kind, contexts, lex)
            pieces = [_claim(where, part, kind, ["subset", "part"], lex) for part in phrase.parts]
            if pieces:  # the total of several groups: one group when they agree, else people
                types = {piece.group_type for piece in pieces}
                claim.group = None
                claim.group_type = types.pop() if len(types) == 1 else "people"
            if claim.group is None and not pieces and kind in ("killed", "injured") and phrase.subset and current:
                claim.group, claim.group_type = current[-1].group, current[-1].group_type
            hospital_after = re.search(r"ziekenhuis", sentence[phrase.amount_end:][:60], re.IGNORECASE)
            if kind == "injured" and phrase.subset and not figure.hospital and hospital_after:
                claim.contexts.append("hospitalised")
            current.append(claim)
            current.extend(pieces)
        claims.extend(current)
        if current:
            previous_claims = current
        if chain and not inherited:
            previous_chain, previous_phrases = chain, phrases
    if events:
        link_claims(claims, events)
    flag_implausible(claims, events or [], plausibility() if bounds is None else bounds)
    return claims


# --- plausibility -------------------------------------------------------------------------------------------------

# kind -> ACLED event type (or "default") -> the largest figure one event plausibly has.
Bounds = Mapping[str, Mapping[str, int]]
REVIEW = "review"  # the context of a figure flagged for a person to check; reconcile never codes it


def bounds_from(raw: Mapping[str, Any]) -> Bounds:
    """A ``[plausibility]`` table (kind → event type or "default" → bound) as Bounds; other entries are ignored."""
    return {kind: {str(k): int(v) for k, v in table.items()} for kind, table in raw.items() if isinstance(table, dict)}


@cache
def plausibility() -> Bounds:
    """``[plausibility]`` of the shipped ``defaults.toml``."""
    text = resources.files("kroniek").joinpath("defaults.toml").read_text(encoding="utf-8")
    return bounds_from(tomllib.loads(text).get("plausibility", {}))


def bound_for(kind: str, event_type: str | None, bounds: Bounds) -> int | None:
    table = bounds.get(kind) or {}
    value = table.get(event_type or "default", table.get("default"))
    return int(value) if value is not None else None


def flag_implausible(claims: Sequence[Claim], events: Sequence[Event], bounds: Bounds) -> None:
    """A figure above the bound for its kind and the type of the event it was linked to (else the kind's default)
    gets the context "review": kept and shown with its sentence, never coded (a misread or national number would
    otherwise become one event's fatalities)."""
    types = {event.id: event.event_type for event in events}
    for claim in claims:
        if claim.value is None or REVIEW in claim.contexts:
            continue
        bound = bound_for(claim.kind, types.get(claim.event_id or ""), bounds)
        if bound is not None and claim.value > bound:  # the coded value (a range's low end) is what would count
            claim.contexts.append(REVIEW)


@dataclass(frozen=True)
class _Where:
    """What every claim of one sentence shares."""

    article: Article
    sentence: str
    offset: int  # of the sentence in the document
    index: int  # of the sentence
    attribution: list[str]
    inherited: bool
    unconfirmed: bool
    source_spans: list[Evidence]  # where the attribution's words are (in this sentence or the one it inherits)


def _claim(where: _Where, phrase: CountPhrase, kind: str, contexts: list[str], lex: Lexicon) -> Claim:
    sentence = where.sentence
    left, right = _clause(sentence, phrase.start_char, phrase.amount_end)
    if lex.reported.search(sentence[left:right]):
        contexts.append("reported")
    if where.inherited:
        contexts.append("attribution-inherited")
    group, group_type = _group(sentence[phrase.group_from:], lex)
    end = phrase.end_char if phrase.parts else phrase.amount_end
    return Claim(kind=kind, article_id=where.article.id, start=where.offset + phrase.start_char,
                 end=where.offset + end, text=sentence[phrase.start_char:end], value=phrase.value, low=phrase.low,
                 high=phrase.high, vague=phrase.vague, qualifier=phrase.qualifier, group=group,
                 group_type=group_type or "unknown", attribution=list(where.attribution),
                 unconfirmed=where.unconfirmed, sentence=where.index, contexts=contexts,
                 source_spans=[Evidence(**vars(span)) for span in where.source_spans])


KIND_EVENTS = {
    "killed": ("Battles", "Explosions/Remote violence", "Violence against civilians", "Riots", "Protests"),
    "injured": ("Battles", "Explosions/Remote violence", "Violence against civilians", "Riots", "Protests"),
    "arrested": ("Strategic developments",),
    "crowd": ("Protests", "Riots"),
}


def link_claims(claims: list[Claim], events: list[Event]) -> None:
    """Each claim to the event mention in its sentence that fits its kind, else the nearest earlier one."""
    for claim in claims:
        fitting = [e for e in events if e.event_type in KIND_EVENTS.get(claim.kind, ())
                   and (claim.kind != "arrested" or e.sub_event_type == "Arrests")]
        same = [e for e in fitting if e.sentence == claim.sentence]
        earlier = [e for e in fitting if e.sentence < claim.sentence and claim.sentence - e.sentence <= 3]
        chosen = same[0] if same else (max(earlier, key=lambda e: e.sentence) if earlier else None)
        if chosen is None and claim.kind in ("killed", "injured"):
            near = [e for e in events if abs(e.sentence - claim.sentence) <= 2 and e.happened]
            chosen = near[0] if near else None
        claim.event_id = chosen.id if chosen else None
