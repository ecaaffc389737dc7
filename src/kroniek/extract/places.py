"""Where an event happened: the article's places by sentence (``DocumentContext``), the one chosen for an event,
and the sentence's own words for the spot, each kept as evidence with its span.

Three kinds of words say where:

* **gazetteer places**: the entity layer's LOC names the gazetteer knows, and names it missed that the gazetteer
  knows all the same (a name glued to a capitalised word in a headline: "Brand Gent: ..."; a capitalised run no
  entity covers). One of them is the event's ``Place``, with coordinates.
* **site phrases**: a preposition of place and a noun phrase whose head is a site noun of ``nl/sites.toml`` ("in
  een asielcentrum", "aan boord van een containerschip", "op de Antwerpse Ring", "het Brusselse Jubelpark"),
  matched on the lemma or the head of a compound, not on a list of forms.
* **named spots**: a capitalised name after a preposition of place that the gazetteer does not know -- a venue or
  festival ("in de Ziggo Dome", "op Pukkelpop"), a town abroad ("in het Britse Salisbury"), "daar"/"hier" for a
  place named before. A person's name is never one, nor a medium ("op Twitter").

Of each kind the event gets one, chosen by its syntactic closeness to the trigger: in the trigger's own clause
(clauses run between punctuation and clause-opening words such as "die", "omdat", "nadat"), not in the reporting
clause (", zo meldde de politie in Brussel"), not the "uit X" someone comes from, then after a preposition of place,
a town before a country, nearest the trigger.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from kroniek.analyse.tokenize import tokenize
from kroniek.extract.lexicon import Lexicon, lexicon
from kroniek.model import Document, Entity, Evidence, Place, Token


def gazetteer() -> Any:
    from kroniek.analyse.gazetteer import Gazetteer

    return Gazetteer.load("nl")


# --- site nouns -------------------------------------------------------------------------------------------------

_VOWELS = "aeiouyéèëïöüáóú"
_DIPHTHONGS = ("ei", "ij", "ui", "ou", "au", "ie", "oe", "eu")
_LONG = ("aa", "ee", "oo", "uu")
MIN_COMPOUND_MODIFIER = 3  # letters before a compound head: "asielcentrum" (asiel), not "thuis" (t)
# A verb prefix or particle (with a linking "s" or "ge"), never the first part of a place compound: "verwerven",
# "beslaan", "opgedreven". Spatial ones ("achter", "voor", "boven", "binnen") do make places: "achtertuin".
_VERB_PREFIX = re.compile(r"(?:aan|af|be|door|er|her|in|mee|mis|na|neer|om|ont|op|samen|te|terug|toe|uit|ver|weg)"
                          r"(?:s|ge)?")


def _plurals(lemma: str) -> set[str]:
    """The regular plural(s) of a site noun, by the rules of Dutch spelling; irregular ones come from the data."""
    if lemma[-1] in "aiouy":
        return {lemma + "'s"}
    if lemma[-1] in "éè":
        return {lemma + "s"}
    if lemma.endswith(("ee", "ie")):
        return {lemma + "ën", lemma + "s"}  # moskeeën, kolonies
    if lemma.endswith("e"):
        return {lemma + "s", lemma + "n"}  # garages, weiden
    if lemma.endswith(("el", "em", "en", "er")) and len(lemma) > 3 and lemma[-3] not in _VOWELS:
        return {lemma + "s"}  # winkels, havens, kelders
    if lemma.endswith("ing"):
        return {lemma + "en"}
    if lemma.endswith("is") and lemma[-3] not in _VOWELS:
        return {lemma + "sen"}  # gevangenissen
    last = lemma[-1]
    voiced = {"f": "v", "s": "z"}.get(last)
    if lemma[-3:-1] in _LONG:  # straat -> straten, boot -> boten
        stem = lemma[:-2] + last
        return {stem + "en"} | ({stem[:-1] + voiced + "en"} if voiced else set())
    if lemma[-3:-1] in _DIPHTHONGS or lemma[-2] not in _VOWELS:  # huizen, tuinen, kerken, grenzen
        return {lemma + "en"} | ({lemma[:-1] + voiced + "en"} if voiced else set())
    return {lemma + last + "en"}  # short vowel: the consonant doubles (bussen, cellen)


def _diminutives(lemma: str) -> set[str]:
    """Diminutives (and their plurals): huisje, pleintje, halletje, woninkje."""
    found = {lemma + "je", lemma + "tje"}
    if lemma[-1] not in _VOWELS and lemma[-2] in _VOWELS and lemma[-3:-1] not in _LONG + _DIPHTHONGS:
        found.add(lemma + lemma[-1] + "etje")
    if lemma.endswith("m"):
        found.add(lemma + "pje")
    if lemma.endswith("ing"):
        found.add(lemma[:-1] + "kje")
    return found | {form + "s" for form in found}


@dataclass(frozen=True)
class SiteLexicon:
    """``nl/sites.toml``: site nouns by class and the words of the phrases around them."""

    forms: dict[str, str]  # surface form (lower case) -> lemma
    classes: dict[str, str]  # lemma -> class
    restricted: frozenset[str]  # heads whose compounds count only when listed
    named_compounds: frozenset[str]  # restricted heads whose compounds count when written as a name ("Vrijdagmarkt")
    compound_only: frozenset[str]
    needs_determiner: frozenset[str]
    needs_of: frozenset[str]
    not_sites: frozenset[str]
    false_endings: re.Pattern[str] | None  # "schotel", "bakker": endings that hold a site noun but are none
    prepositions: frozenset[str]
    complex_prepositions: dict[str, tuple[tuple[str, ...], ...]]  # by first word, longest first
    during: frozenset[str]
    determiners: frozenset[str]
    adjectives: frozenset[str]  # everyday uninflected adjectives: "een groot huis"
    function_words: frozenset[str]
    idioms: re.Pattern[str] | None
    venue_last: frozenset[str]
    venue_first: frozenset[str]
    not_venues: frozenset[str]  # lower case
    happenings: tuple[str, ...]  # name endings of wars, affairs, treaties: "Vietnamoorlog"
    roads: re.Pattern[str] | None  # "de E40", "de N9"

    def head(self, word: str) -> tuple[str, str] | None:
        """(lemma, class) when the word is a site noun or a compound with one as its head, else None."""
        text = word.lower().replace("’", "'")
        if len(text) < 3 or text in self.not_sites:
            return None
        lemma = self.forms.get(text)
        if lemma is not None:
            return None if lemma in self.compound_only else (lemma, self.classes[lemma])
        if self.false_endings is not None and self.false_endings.search(text):
            return None  # "dagschotel", "banketbakker": a site noun inside another word
        if "-" in text:  # "Ikea-winkel", "NAVO-basis", "PSV-stadion": a name and a site noun
            first, last = word.rsplit("-", 1)
            lemma = self.forms.get(last.lower())
            if lemma is not None and (lemma not in self.restricted or first[:1].isupper()):
                return lemma, self.classes[lemma]
        named = word[:1].isupper()
        for cut in range(MIN_COMPOUND_MODIFIER, len(text) - 2):
            lemma = self.forms.get(text[cut:])
            if lemma is None or _VERB_PREFIX.fullmatch(text[:cut]):
                continue  # "verwerven", "aangestrand": a verb with a prefix, no compound
            if lemma not in self.restricted or (named and lemma in self.named_compounds):
                return lemma, self.classes[lemma]
        return None


@cache
def sites(language: str = "nl") -> SiteLexicon:
    data = tomllib.loads(resources.files(f"kroniek.extract.{language}").joinpath("sites.toml")
                         .read_text(encoding="utf-8"))
    classes: dict[str, str] = {}
    for site_class, entry in data["class"].items():
        for lemma in entry["nouns"]:
            classes[lemma] = site_class
    compounds: dict[str, list[str]] = data.get("compounds", {})
    for head, listed in compounds.items():
        for compound in listed:
            classes.setdefault(compound, classes[head])
    irregular: dict[str, list[str]] = data.get("plurals", {})

    def plurals(lemma: str) -> set[str]:
        """A compound takes its head's plural ("politiecel": "politiecellen", as "cel": "cellen")."""
        if lemma in irregular:
            return set(irregular[lemma])
        for cut in range(MIN_COMPOUND_MODIFIER, len(lemma) - 2):
            if lemma[cut:] in classes:
                return {lemma[:cut] + form for form in plurals(lemma[cut:])}
        return _plurals(lemma)

    forms: dict[str, str] = {}
    for lemma in classes:
        for form in plurals(lemma) | _diminutives(lemma):
            forms.setdefault(form, lemma)
    for lemma in classes:
        forms[lemma] = lemma
    complex_prepositions: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted((tuple(p.split()) for p in data["prepositions"]["complex"]), key=len, reverse=True):
        complex_prepositions.setdefault(phrase[0], []).append(phrase)
    idioms = data.get("idioms", {}).get("patterns", [])
    return SiteLexicon(
        forms=forms, classes=classes, restricted=frozenset(compounds),
        compound_only=frozenset(data.get("compound_only", {}).get("nouns", [])),
        named_compounds=frozenset(data.get("named_compounds", {}).get("heads", [])),
        needs_determiner=frozenset(data.get("needs_determiner", {}).get("nouns", [])),
        needs_of=frozenset(data.get("needs_of", {}).get("nouns", [])),
        not_sites=frozenset(data.get("not_sites", {}).get("words", [])),
        false_endings=(re.compile("(?:" + "|".join(map(re.escape, endings)) + ")$")
                       if (endings := data.get("not_sites", {}).get("endings")) else None),
        prepositions=frozenset(data["prepositions"]["simple"]),
        complex_prepositions={word: tuple(phrases) for word, phrases in complex_prepositions.items()},
        during=frozenset(data["prepositions"].get("during", [])),
        determiners=frozenset(data["determiners"]["words"]),
        adjectives=frozenset(data.get("adjectives", {}).get("words", [])),
        function_words=frozenset(data["function_words"]["words"]) | frozenset(data["prepositions"]["simple"]),
        idioms=re.compile("|".join(f"(?:{p})" for p in idioms)) if idioms else None,
        venue_last=frozenset(data["venue_heads"]["last"]), venue_first=frozenset(data["venue_heads"]["first"]),
        not_venues=frozenset(name.lower() for name in data["not_venues"]["names"]),
        happenings=tuple(data["not_venues"].get("endings", [])),
        roads=re.compile(data["roads"]["pattern"]) if "roads" in data else None,
    )


# --- clauses ----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _tokens(sentence: str) -> tuple[Token, ...]:
    """The sentence's tokens (sentence-relative), once for its phrases, its clauses and every event in it."""
    return tuple(tokenize(sentence))

_BOUNDARIES = frozenset(",;:()[]–—")
# Words that open a clause of their own (a subordinate or relative clause): what is said there is about someone or
# something else than the main clause ("de man die in Gent woont"), or about another moment ("nadat ...").
_CLAUSE_OPENERS = frozenset({"omdat", "nadat", "toen", "terwijl", "wanneer", "zodat", "voordat", "doordat", "hoewel",
                             "indien", "zodra", "alvorens", "waarna", "waarop", "waarbij", "waardoor", "waarin",
                             "waar", "wie", "welke", "wiens", "wier", "dat", "die", "sinds", "tenzij", "zoals"})
_DETERMINER_USE = frozenset({"die", "dat"})  # also "die gevangenis", "dat dorp": a determiner before a noun
# Relative clauses say something about someone or something named in the sentence ("de man die in Gent woont");
# the other subordinate clauses (and "dat" after a verb of saying) are about the same happening.
_RELATIVE = frozenset({"die", "dat", "wie", "welke", "wiens", "wier", "waar", "waarin", "waarop", "waarbij",
                       "waardoor", "waarna"})


@dataclass(frozen=True)
class Clauses:
    """A sentence cut into clauses: id 0 is the main clause (all its stretches between commas), every subordinate
    or relative clause and every reporting clause has an id of its own, until the next punctuation mark."""

    spans: tuple[tuple[int, int, int, bool], ...]  # (start, end, id, reporting), sentence-relative offsets
    relative: frozenset[int] = frozenset()  # ids of relative clauses

    @classmethod
    def of(cls, sentence: str, lex: Lexicon | None = None) -> Clauses:
        words = _tokens(sentence)
        reporting = lex.reporting_clause if lex is not None else None
        spans: list[tuple[int, int, int, bool]] = []
        relative: set[int] = set()
        start, current, said, next_id = 0, 0, False, 1
        for position, token in enumerate(words):
            lower = token.text.lower()
            opens = lower in _CLAUSE_OPENERS and position > 0
            if opens and lower in _DETERMINER_USE:
                following = words[position + 1].text if position + 1 < len(words) else ""
                opens = not (following[:1].islower() and following.lower() not in sites().function_words
                             and following.lower() not in sites().determiners)
            if token.text in _BOUNDARIES or opens:
                if token.start > start:
                    spans.append((start, token.start, current, said))
                start = token.end if token.text in _BOUNDARIES else token.start
                rest = sentence[token.start:]
                said = reporting is not None and token.text == "," and bool(reporting.match(rest))
                if opens or said:
                    current, next_id = next_id, next_id + 1
                    if opens and lower in _RELATIVE and (lower != "dat" or _after_noun(words, position)):
                        relative.add(current)
                else:
                    current = 0
        spans.append((start, len(sentence), current, said))
        return cls(tuple(spans), frozenset(relative))

    def at(self, offset: int) -> tuple[int, bool]:
        """(clause id, in a reporting clause) of a sentence-relative offset."""
        for start, end, clause, said in self.spans:
            if start <= offset < end:
                return clause, said
        return (self.spans[-1][2], self.spans[-1][3]) if self.spans else (0, False)

    def rank(self, offset: int, anchor: int) -> int:
        """0 in the clause of ``anchor`` (the trigger), 1 in the main clause or a subordinate clause about the same
        happening ("nadat ...", "toen ..."), 2 in a relative clause about someone or something else."""
        clause, _said = self.at(offset)
        own, _own_said = self.at(anchor)
        return 0 if clause == own else 2 if clause in self.relative else 1


def _after_noun(words: Sequence[Token], position: int) -> bool:
    """Whether "dat" follows a noun ("het huis dat ..."), not a verb of saying ("meldt dat ...")."""
    before = words[position - 1].text.lower() if position > 0 else ""
    return (before not in sites().function_words and not before.endswith(("t", "de", "te"))) or before == ","


# --- locative phrases -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    """A stretch of the sentence that says where: ``kind`` "site" (a site noun), "name" (a venue, a festival, a
    name the gazetteer does not know) or "town" (a town named the way news names towns abroad). Offsets are
    sentence-relative; ``at`` is where its preposition starts."""

    start: int
    end: int
    text: str
    kind: str
    site_class: str | None
    at: int


_ARTICLES = frozenset({"de", "het", "een", "'t"})


def _capitalised(text: str) -> bool:
    return text[:1].isupper()


@lru_cache(maxsize=4096)
def _adjective_like(text: str) -> bool:
    """A capitalised word that modifies rather than names: "Brusselse", "Syrische", "Amerikaans", "Verenigde"."""
    if len(text) <= 3 or text.isupper():
        return False
    return text.endswith(("se", "sche", "gde")) or bool(gazetteer().country_for_demonym(text))


_ADJECTIVE_ENDINGS = ("e", "en", "end", "ig", "isch", "ief", "aal", "eel", "baar", "lijk", "loos", "zaam", "air")


def _modifier_like(text: str, lex: SiteLexicon) -> bool:
    """A lowercase word that can stand between a determiner and its noun: an inflected adjective or a participle
    ("drukke", "verlaten", "leegstaand", "gesloten"), an adjective by its suffix ("christelijk", "militair"), a
    number, or an everyday uninflected adjective ("een groot huis"); not a noun ("bij botsing tussen ...")."""
    lower = text.lower()
    if lower.isdigit() or lower in lex.adjectives:
        return True
    if lower.startswith("ge") and lower.endswith(("d", "t")):
        return True
    return lower.endswith(_ADJECTIVE_ENDINGS) and not lower.endswith(("ing", "heid", "teit"))


def _preposition(words: Sequence[str], index: int, lex: SiteLexicon) -> int | None:
    """Where the noun phrase after a preposition of place at ``index`` starts, or None."""
    for phrase in lex.complex_prepositions.get(words[index], ()):
        if tuple(words[index:index + len(phrase)]) == phrase:
            return index + len(phrase)
    if words[index] in lex.prepositions or words[index] in lex.during:
        return index + 1
    return None


# Lowercase words inside names ("Stade de France", "Huis van het Gewest"); not "of" (Dutch "or": "Gent of Brugge").
_NAME_PARTICLES = frozenset({"van", "de", "der", "den", "la", "le", "du", "des", "the", "am", "het"})


def _name_run(tokens: Sequence[Token], index: int) -> int:
    """The end (exclusive) of a run of capitalised words from ``index``, over name particles between them."""
    end = index
    position = index
    while position < len(tokens):
        text = tokens[position].text
        if _capitalised(text) and text not in _BOUNDARIES:
            position += 1
            end = position
        elif text.lower() in _NAME_PARTICLES \
                and end > index and position + 1 < len(tokens) and _capitalised(tokens[position + 1].text):
            position += 1
        else:
            break
    return end


@lru_cache(maxsize=4096)
def _known_place(text: str) -> bool:
    return gazetteer().resolve(text) is not None


def locative_phrases(sentence: str, names: Sequence[tuple[int, int, str]] = ()) -> list[Phrase]:
    """Every site phrase and named spot after a preposition of place in the sentence, in order. ``names`` are the
    sentence's entities as (start, end, label), sentence-relative: with them a capitalised name without a venue
    word ("op Pukkelpop") can be told from a person or an organisation."""
    lex = sites()
    words = _tokens(sentence)
    lowered = [t.text.lower() for t in words]
    found: list[Phrase] = []
    covered = -1
    for index in range(len(words)):
        if words[index].start < covered:
            continue
        start = _preposition(lowered, index, lex)
        if start is None or start >= len(words):
            continue
        rest = sentence[words[index].start:]
        if lex.idioms is not None and lex.idioms.match(rest[:1].lower() + rest[1:]):
            continue
        during = lowered[index] in lex.during
        phrase = None if during else _site_phrase(sentence, words, lowered, start, words[index].start, lex, names)
        if phrase is None:
            phrase = _named_phrase(sentence, words, lowered, start, words[index].start, lex, names, during)
        if phrase is not None:
            found.append(phrase)
            covered = phrase.end
    found.extend(_at_home(sentence, words, lowered, found))
    return sorted(found, key=lambda p: p.start)


_HOME = "thuis"


def _at_home(sentence: str, words: Sequence[Token], lowered: Sequence[str], found: Sequence[Phrase]) -> list[Phrase]:
    """Someone's home as the spot: "thuis", "bij hem thuis", "bij de buren thuis" (an adverb, no noun phrase)."""
    extra: list[Phrase] = []
    for index, word in enumerate(lowered):
        if word != _HOME or any(p.start <= words[index].start < p.end for p in found):
            continue
        start = index
        for back in range(index - 1, max(-1, index - 4), -1):
            if lowered[back] == "bij":
                start = back + 1
                break
            if words[back].text in _BOUNDARIES:
                break
        first = words[start].start
        extra.append(Phrase(first, words[index].end, sentence[first:words[index].end], "site", "building",
                            words[start - 1].start if start != index else first))
    return extra


def _determiners(words: Sequence[Token], lowered: Sequence[str], start: int, lex: SiteLexicon) -> int:
    position = start
    while position < len(words) and position - start < 2:
        if lowered[position] == "'" and position + 1 < len(words) and lowered[position + 1] == "t":
            position += 2
        elif lowered[position] in lex.determiners:
            position += 1
        else:
            break
    return position


def _site_phrase(sentence: str, words: Sequence[Token], lowered: Sequence[str], start: int, at: int,
                 lex: SiteLexicon, names: Sequence[tuple[int, int, str]] = ()) -> Phrase | None:
    """A noun phrase from ``start`` whose head is a site noun: determiners, up to three modifiers, the head, then a
    name ("de wijk Molenbeek") and a "van" complement ("de luchthaven van Kortrijk")."""
    position = _determiners(words, lowered, start, lex)
    determined = position > start
    modifiers = adjectives = 0
    head: tuple[str, str] | None = None
    while position < len(words) and modifiers <= 3:
        text = words[position].text
        if text in _BOUNDARIES or not text[:1].isalnum():
            return None
        head = lex.head(text)
        if head is not None and _capitalised(text):
            run_end = _name_run(words, position)
            first = position
            while first > start and _capitalised(words[first - 1].text) and not _adjective_like(words[first - 1].text):
                first -= 1
            name = sentence[words[first].start:words[run_end - 1].end]
            if name.lower() in lex.not_venues or text.lower() in lex.not_venues:
                return None  # "in de Kamer": the parliament, where things are said
            if _preposition_in_name(at, names):
                return None  # "het Planbureau voor de Leefomgeving": a preposition inside a name
            # towns take no article: "in Harderwijk" is the gazetteer's, "aan de Kruisstraat" a street
            if not (determined and lowered[start] in _ARTICLES) and (_known_place(name) or _known_place(text)):
                return None
        following = lowered[position + 1] if position + 1 < len(words) else ""
        if head is not None and following != "dan" and (determined or adjectives or head[0] not in
                                                         lex.needs_determiner):
            break
        head = None
        lower = lowered[position]
        if lower in lex.function_words or lower in lex.determiners:
            return None
        following_lower = position + 1 < len(words) and words[position + 1].text[:1].islower()
        if _capitalised(text) and not _adjective_like(text) and not following_lower:
            return None  # a name: the named-phrase path reads it; "Brussels park", "Amerikaans consulaat" modify
        if not _capitalised(text) and not determined and not _modifier_like(text, lex):
            return None  # without an article a noun may stand here ("bij botsing tussen ..."); with one, an adjective
        adjectives += not _capitalised(text) or _adjective_like(text)
        modifiers += 1
        position += 1
    if head is None:
        return None
    lemma, site_class = head
    end_index = position + 1
    if end_index < len(words) and _capitalised(words[end_index].text) and lowered[end_index] not in ("de", "het"):
        end_index = _name_run(words, end_index)  # "het dorp Sutherland Springs", "de Brusselse wijk Molenbeek"
    complement = False
    if end_index + 1 < len(words) and lowered[end_index] == "van":
        inner = _determiners(words, lowered, end_index + 1, lex)
        while inner < len(words) and _adjective_like(words[inner].text) and inner - end_index < 4:
            inner += 1
        if inner < len(words) and _capitalised(words[inner].text):
            end_index, complement = _name_run(words, inner), True
        elif inner < len(words) and lex.head(words[inner].text) is not None:
            end_index, complement = inner + 1, True
            if end_index < len(words) and _capitalised(words[end_index].text):
                end_index = _name_run(words, end_index)
    if lemma in lex.needs_of and not complement:
        return None
    first_word = words[start].start
    return Phrase(first_word, words[end_index - 1].end, sentence[first_word:words[end_index - 1].end], "site",
                  site_class, at)


def _named_phrase(sentence: str, words: Sequence[Token], lowered: Sequence[str], start: int, at: int,
                  lex: SiteLexicon, names: Sequence[tuple[int, int, str]], during: bool) -> Phrase | None:
    """A capitalised name after a preposition of place that the gazetteer does not know: a venue by its head word
    ("de Ziggo Dome", "het Sportpaleis", "Stade de France"), or -- where the entity layer says it is no person,
    organisation or medium -- any such name ("op Pukkelpop", "in de Langemunt")."""
    position = start
    if position < len(words) and lowered[position] in _ARTICLES:
        position += 1
    while position < len(words) and _adjective_like(words[position].text) and position - start < 3:
        position += 1
    if position >= len(words) or not _capitalised(words[position].text) or words[position].text.isdigit():
        return None
    end_index = _name_run(words, position)
    run = words[position:end_index]
    text = sentence[run[0].start:run[-1].end]
    whole = sentence[words[start].start:run[-1].end].lower()
    if text.lower() in lex.not_venues or whole in lex.not_venues or run[0].text.lower() in lex.not_venues:
        return None
    if any(t.text.lower().endswith(lex.happenings) for t in run):
        return None  # "de Vietnamoorlog", "het Verdrag van Lissabon": a happening or an agreement, no spot
    if len(run) == 1 and lex.roads is not None and lex.roads.match(run[0].text):
        first_word = words[start].start
        return Phrase(first_word, run[0].end, sentence[first_word:run[0].end], "name", "road", at)
    if len(run) == 1 and run[0].text.isupper() and len(run[0].text) <= 5:
        return None  # an acronym: "bij de NMBS", "in de EU"
    if _known_place(text) or gazetteer().country_for_demonym(text):
        return None
    label = next((lbl for s, e, lbl in names if s <= run[0].start < e or run[0].start <= s < run[-1].end), "")
    if label == "PER":
        return None
    headed = run[-1].text in lex.venue_last or run[0].text in lex.venue_first \
        or any(lex.head(t.text) is not None for t in run)
    gathering = any((h := lex.head(t.text)) is not None and h[1] == "gathering" for t in run)
    if _preposition_in_name(at, names):
        return None  # "het Planbureau voor de Leefomgeving"
    if not headed:
        preposition = next(i for i in range(start - 1, -1, -1) if words[i].start <= at)
        if not names or label == "ORG" or (preposition > 0 and _inside_name(words[preposition - 1], names)):
            return None  # an organisation ("bij Norbord"), or a preposition inside a name ("Verbod op ...")
        if during and label != "MISC":
            return None
    if during and headed and not gathering and label != "MISC":
        return None
    first_word = words[start].start
    return Phrase(first_word, run[-1].end, sentence[first_word:run[-1].end], "name", None, at)


def _preposition_in_name(at: int, names: Sequence[tuple[int, int, str]]) -> bool:
    """Whether the preposition at ``at`` is part of a name: inside an entity ("Planbureau voor de Leefomgeving")."""
    return any(s < at < e for s, e, _label in names)


def _inside_name(before: Token, names: Sequence[tuple[int, int, str]]) -> bool:
    """Whether the word before a preposition makes the preposition part of a name: a capitalised word that is no
    place ("Verbod op", not "in Washington voor het Witte Huis") and does not open the sentence."""
    if not _capitalised(before.text) or before.start == 0 or before.text.isupper():
        return False
    label = next((lbl for s, e, lbl in names if s <= before.start < e), "")
    return label != "LOC" and not _known_place(before.text)


# --- the document's places --------------------------------------------------------------------------------------

_LOCATIVE_WORDS = frozenset({"in", "op", "bij", "nabij", "te", "aan", "rond", "buiten", "naar", "vlakbij", "voor"})
_ORIGIN_WORDS = frozenset({"uit", "van"})
_HEADLINE_END = re.compile(r"[.!?…]['\"”’)]*\s*$")


@dataclass
class DocumentContext:
    """What an article says about where and whose: its countries and places, most frequent first."""

    countries: list[str]
    places: dict[int, list[tuple[Entity, Any]]]  # sentence -> (entity, gazetteer place)
    dominant_city: tuple[Entity, Any] | None
    dominant_country: Any

    @classmethod
    def of(cls, doc: Document) -> DocumentContext:
        places_db = gazetteer()
        counts: Counter[str] = Counter()
        for entity in doc.entities:
            if entity.country and entity.label in ("LOC", "MISC"):
                counts[entity.country] += 1
        countries = [code for code, _n in counts.most_common()]
        home = [code for code in _home_countries() if code not in countries[:3]]
        places: dict[int, list[tuple[Entity, Any]]] = {}
        for entity in doc.entities:
            if entity.label != "LOC":
                continue
            place = places_db.resolve(entity.text, countries[:3])
            if place is None and _after_locative(doc, entity, ("in", "te", "nabij", "vlakbij")):
                # "in Lint": a home town named like a word resolves in its country's context
                place = places_db.resolve(entity.text, countries[:3] + home)
            if place is not None:
                places.setdefault(entity.sentence, []).append((entity, place))
        for entity, place in missed_places(doc, countries[:3]):
            places.setdefault(entity.sentence, []).append((entity, place))
        city_counts: Counter[str] = Counter()
        first_city: dict[str, tuple[Entity, Any]] = {}
        for index in sorted(places):
            places[index].sort(key=lambda pair: pair[0].start)
            for entity, place in places[index]:
                if place.kind != "country":
                    city_counts[place.name] += 1
                    first_city.setdefault(place.name, (entity, place))
        dominant_city = first_city[city_counts.most_common(1)[0][0]] if city_counts else None
        dominant_country = places_db.country(countries[0]) if countries else None
        return cls(countries, places, dominant_city, dominant_country)


def _home_countries() -> tuple[str, ...]:
    from kroniek.analyse.gazetteer import HOME_COUNTRIES

    return HOME_COUNTRIES.get("nl", ())[:2]


def _after_locative(doc: Document, entity: Entity, words: Iterable[str] = ("in", "op", "te", "nabij")) -> bool:
    before = doc.text[max(0, entity.start - 12):entity.start].lower().split()
    return bool(before) and before[-1] in words


def _first_names() -> frozenset[str]:
    """The entity layer's given names of people in the news (not Frog's list, which has "Brand" and "Storm")."""
    from kroniek.analyse.entities import load_resources

    return load_resources("nl").first_names


def missed_places(doc: Document, countries: Sequence[str] = ()) -> list[tuple[Entity, Any]]:
    """Places the gazetteer knows that the entity layer missed: a capitalised run no entity covers and that is
    clearly a place name (``Gazetteer.is_place_name``, not at the start of a sentence), and the place in a headline
    glued to the capitalised word before it ("Brand Gent: twee doden", one name to the entity layer) when that word
    is no first name. Each comes back as a LOC entity of its own, with its place."""
    places_db = gazetteer()
    found: list[tuple[Entity, Any]] = []
    by_sentence: dict[int, list[tuple[int, int]]] = {}
    for entity in doc.entities:
        by_sentence.setdefault(entity.sentence, []).append((entity.start, entity.end))
    skipped = [(m.start, m.end) for m in doc.metadata]
    for index, sentence in enumerate(doc.sentences):
        tokens = sentence.tokens
        covered = by_sentence.get(index, [])
        outside = covered + [(s, e) for s, e in skipped if s < sentence.end and sentence.start < e]
        position = 0
        while position < len(tokens):
            token = tokens[position]
            if not _capitalised(token.text) or any(s <= token.start < e for s, e in outside):
                position += 1
                continue
            end = position
            while end < len(tokens) and _capitalised(tokens[end].text) \
                    and not any(s <= tokens[end].start < e for s, e in covered):
                end += 1
            opens = position == 0 or tokens[position - 1].text in (":", "'", '"', "„", "“", "‘", "(", "-", "–")
            text = doc.text[token.start:tokens[end - 1].end]
            if not opens and places_db.is_place_name(text):
                place = places_db.resolve(text, countries)
                if place is not None:
                    found.append((Entity(text, "LOC", token.start, tokens[end - 1].end, index, raw_label="gazetteer"),
                                  place))
            position = max(end, position + 1)
        headline = not _HEADLINE_END.search(doc.text[sentence.start:sentence.end])
        if headline and tokens:
            found.extend(_glued_in_headline(doc, index, countries))
    return found


def _glued_in_headline(doc: Document, index: int, countries: Sequence[str]) -> list[tuple[Entity, Any]]:
    sentence = doc.sentences[index]
    entity = next((e for e in doc.entities if e.sentence == index and e.start == sentence.tokens[0].start), None)
    if entity is None or gazetteer().resolve(entity.text, countries) is not None:
        return []
    words = [t for t in sentence.tokens if entity.start <= t.start < entity.end]
    if len(words) < 2 or words[0].text in _first_names():
        return []
    rest = words[1:]
    text = doc.text[rest[0].start:rest[-1].end]
    if not gazetteer().is_place_name(text):
        return []
    place = gazetteer().resolve(text, countries)
    if place is None:
        return []
    return [(Entity(text, "LOC", rest[0].start, rest[-1].end, index, raw_label="gazetteer"), place)]


def _place(place: Any, precision: int | None = None) -> Place:
    places = gazetteer()
    return Place(name=place.name, country=place.country, iso2=place.country_iso2, iso_numeric=place.iso_numeric,
                 admin1=place.admin1, latitude=place.latitude, longitude=place.longitude,
                 geo_precision=precision or place.geo_precision, geonameid=place.geonameid,
                 region=places.region_for(place.country_iso2))


def country_name(iso2: str | None) -> str:
    if not iso2:
        return "Unknown"
    place = gazetteer().country(iso2)
    return str(place.country) if place is not None else iso2


# --- choosing ---------------------------------------------------------------------------------------------------


def choose_place(doc: Document, index: int, context: DocumentContext, article_id: str,
                 trigger_at: int | None = None) -> tuple[Place | None, Evidence | None]:
    """The place in the sentence where it happened, by closeness to the trigger at document offset
    ``trigger_at``: not in the reporting clause, not the "uit X" someone comes from, in the trigger's own clause
    (then the main clause), after a preposition of place, a town before a country, nearest the trigger. Without one,
    a town named just before (same paragraph); else the article's main town (precision 2: near it) or its country
    (precision 3)."""
    here = context.places.get(index, [])
    home = context.countries[0] if context.countries else None
    if home is not None and here and all(p.country_iso2 != home and p.kind == "country" for _e, p in here):
        here = []  # only foreign countries named ("an alliance with Russia"): the event happens at home
    if here:
        sentence = doc.sentences[index]
        text = doc.text[sentence.start:sentence.end]
        clauses = Clauses.of(text, lexicon("nl"))
        reporting = lexicon("nl").reporting_clause
        anchor = (trigger_at - sentence.start) if trigger_at is not None else 0
        spot = _site_of(doc, index, text, clauses, anchor) if trigger_at is not None else None

        def rank(entity_place: tuple[Entity, Any]) -> tuple[bool, bool, bool, int, bool, bool, bool, int]:
            entity, place = entity_place
            # "op de skipiste in Oostenrijk", "in een school in Florida": the town of the trigger's own site
            attached = spot is not None and _attached(text, spot, entity.start - sentence.start)
            before = doc.text[max(0, entity.start - 25):entity.start].lower().split()
            # "uit Holsbeek" is where a person comes from, "in Leuven" where it happened
            origin = bool(before) and before[-1] in _ORIGIN_WORDS
            located = any(word in _LOCATIVE_WORDS for word in before[-3:])
            distance = abs(entity.start - trigger_at) if trigger_at is not None else 0
            # ", zo deelde de IOM in Genève mee": where it was said
            said = reporting is not None and bool(reporting.search(doc.text[sentence.start:entity.start]))
            closeness = clauses.rank(entity.start - sentence.start, anchor) if trigger_at is not None else 0
            return (said, origin, not attached, closeness, place.kind == "country", place.kind == "admin1", not located,
                    distance)

        entity, place = min(here, key=rank)
        return _place(place), Evidence(article_id, entity.start, entity.end, "place", entity.text)
    paragraph = doc.sentences[index].paragraph
    for back in range(index - 1, max(-1, index - 3), -1):
        if doc.sentences[back].paragraph != paragraph:
            break
        for entity, place in context.places.get(back, []):
            if place.kind != "country":
                return _place(place), Evidence(article_id, entity.start, entity.end, "place", entity.text)
    if context.dominant_city is not None:
        entity, place = context.dominant_city
        return _place(place, max(2, place.geo_precision)), None
    if context.dominant_country is not None:
        return _place(context.dominant_country, 3), None
    return None, None


def _site_of(doc: Document, index: int, text: str, clauses: Clauses, anchor: int) -> Phrase | None:
    """The site phrase (spot, else area) closest to the trigger at sentence offset ``anchor``."""
    start = doc.sentences[index].start
    names = [(e.start - start, e.end - start, e.label) for e in doc.entities_in(index)]
    phrases = [p for p in locative_phrases(text, names) if p.kind == "site"]
    for grain in ("spot", "area"):
        chosen = _closest((p for p in phrases if _grain(p) == grain), clauses, anchor)
        if chosen is not None:
            return chosen
    return None


_ATTACHING = re.compile(r"\s*,?\s*(?:in|te|bij|nabij|vlakbij|van)\s+(?:(?:de|het)\s+)?(?:[A-Z][\w\-]*e\s+)?")


def _attached(text: str, site: Phrase, offset: int) -> bool:
    """Whether a place name at sentence offset ``offset`` belongs to the site phrase: inside it ("het station van
    Marseille") or right after it ("de skipiste in Oostenrijk", "een school in het Amerikaanse Parkland")."""
    if site.start <= offset < site.end:
        return True
    return offset >= site.end and _ATTACHING.fullmatch(text, site.end, offset) is not None


def coordinated_places(doc: Document, index: int, context: DocumentContext, chosen: Evidence | None,
                       article_id: str) -> list[Evidence]:
    """Places joined to the chosen one by "en", "of" or a comma ("in Frankrijk en België", "in Stockholm of New
    York"): it happened in each of them. Evidence "location"."""
    if chosen is None:
        return []
    here = sorted((entity for entity, _place in context.places.get(index, [])), key=lambda e: e.start)
    found: list[Evidence] = []
    for direction in (1, -1):
        edge_start, edge_end = chosen.start, chosen.end
        for entity in (here if direction == 1 else list(reversed(here))):
            if (direction == 1 and entity.start < edge_end) or (direction == -1 and entity.end > edge_start):
                continue
            gap = doc.text[edge_end:entity.start] if direction == 1 else doc.text[entity.end:edge_start]
            if not _COORDINATION.fullmatch(gap):
                break
            if entity.text != chosen.text and all(e.text != entity.text for e in found):
                found.append(Evidence(article_id, entity.start, entity.end, "location", entity.text))
            edge_start, edge_end = entity.start, entity.end
    return found


_COORDINATION = re.compile(r"\s*(?:,|en|of|,\s*en|,\s*of)\s*")


def deictic_evidence(sentence: str, offset: int, lex: Lexicon, article_id: str) -> list[Evidence]:
    """"Daar" or "hier" as the sentence's own word for a place named before ("Daar kwamen duizenden mensen
    betogen"), for a sentence that names no place itself. Evidence "location"."""
    match = lex.deictic.search(sentence) if lex.deictic is not None else None
    if match is None:
        return []
    return [Evidence(article_id, offset + match.start("phrase"), offset + match.end("phrase"), "location",
                     match.group("phrase"))]


def _closest(phrases: Iterable[Phrase], clauses: Clauses, anchor: int) -> Phrase | None:
    """The phrase syntactically closest to the trigger at ``anchor``: in its clause, else in the main clause; never
    in the reporting clause or in another subordinate clause; then nearest."""
    best: tuple[int, int] | None = None
    chosen = None
    for phrase in phrases:
        _clause, said = clauses.at(phrase.start)
        closeness = clauses.rank(phrase.start, anchor)
        if said or closeness == 2:
            continue
        distance = 0 if phrase.at <= anchor < phrase.end else min(abs(phrase.at - anchor), abs(phrase.end - anchor))
        key = (closeness, distance)
        if best is None or key < best:
            best, chosen = key, phrase
    return chosen


_AREAS = frozenset({"settlement", "region", "part"})


def _grain(phrase: Phrase) -> str:
    """"spot" for a building, vehicle or open place, "area" for a settlement, region or part of one, "name" for a
    named spot, "town" for a town named the way news names towns abroad."""
    if phrase.kind != "site":
        return phrase.kind
    return "area" if phrase.site_class in _AREAS else "spot"


def site_evidence(sentence: str, offset: int, triggers: list[tuple[int, int]], lex: Lexicon, article_id: str,
                  place_text: str | None = None, names: Sequence[Entity] = ()) -> list[Evidence]:
    """Where it happened in the sentence's own words, next to the gazetteer's place: the site phrases closest to the
    trigger, one for the spot ("aan boord van een containerschip", "in een asielcentrum") and one for the area ("in
    de stationsbuurt", "in het noorden van het land"), the named spot closest to it (a venue or festival, a town the
    gazetteer does not know: "in het Britse Salisbury"), and a nationality adjective on a trigger
    word itself ("Palestijnse protesten", "de Syrische burgeroorlog": where, at country level). ``triggers`` are the
    trigger words' spans in the sentence, the first one the event's own; ``names`` the sentence's entities, which
    tell a festival from a person ("op Pukkelpop"). Evidence "location", no coordinates."""
    found: list[Evidence] = []

    def add(start: int, end: int, text: str) -> None:
        if text != place_text and all(e.text != text for e in found):
            found.append(Evidence(article_id, offset + start, offset + end, "location", text))

    anchor = triggers[0][0] if triggers else 0
    spans = [(e.start - offset, e.end - offset, e.label) for e in names]
    phrases = locative_phrases(sentence, spans)
    if lex.place_name is not None:
        phrases.extend(Phrase(m.start("phrase"), m.end("phrase"), m.group("phrase"), "town", None, m.start())
                       for m in lex.place_name.finditer(sentence))
    clauses = Clauses.of(sentence, lex)
    # one of each grain: the spot ("een moskee"), the area around it ("het noorden van de Sinaïwoestijn"), a named
    # spot ("het Sportpaleis") and a town the gazetteer may not know ("het Britse Salisbury")
    for grain in ("spot", "area", "name", "town"):
        near = _closest((p for p in phrases if _grain(p) == grain), clauses, anchor)
        if near is not None:
            add(near.start, near.end, near.text)
    for start, end in triggers:
        window_start = max(0, start - 40)
        adjective = re.search(r"([A-Z][\w\-]*[es])\s+$", sentence[window_start:start])
        if adjective is not None and len(sentence[start:end].split()) == 1 \
                and gazetteer().country_for_demonym(adjective.group(1)):
            add(window_start + adjective.start(1), window_start + adjective.end(1), adjective.group(1))
    return found


def event_places(doc: Document, index: int, context: DocumentContext, article_id: str,
                 triggers: list[tuple[int, int]]) -> tuple[Place | None, list[Evidence]]:
    """The place of an event whose trigger words are at ``triggers`` (document offsets, the first one the event's
    own) in sentence ``index``, and every evidence for it: the chosen gazetteer place and the places coordinated with
    it, "daar"/"hier" when the sentence names no place of its own, the closest site phrase and named spot. One call
    for what ``choose_place``, ``coordinated_places``, ``deictic_evidence`` and ``site_evidence`` do in turn."""
    lex = lexicon("nl")
    sentence = doc.sentences[index]
    text = doc.text[sentence.start:sentence.end]
    at = triggers[0][0] if triggers else sentence.start
    place, chosen = choose_place(doc, index, context, article_id, at)
    evidence: list[Evidence] = []
    local = chosen is not None and sentence.start <= chosen.start < sentence.end
    if chosen is not None:
        evidence.append(chosen)
        evidence.extend(coordinated_places(doc, index, context, chosen, article_id))
    if not local:
        evidence.extend(deictic_evidence(text, sentence.start, lex, article_id))
    relative = [(start - sentence.start, end - sentence.start) for start, end in triggers]
    evidence.extend(site_evidence(text, sentence.start, relative, lex, article_id,
                                  chosen.text if chosen is not None and local else None, doc.entities_in(index)))
    return place, evidence


def places_at(doc: Document, index: int, context: DocumentContext, article_id: str, at: int) -> list[Evidence]:
    """Every place evidence for something reported at document offset ``at`` in sentence ``index`` (a figure, a
    death word) that has no event record of its own: as for an event there (``event_places``), with the spot taken
    to be ``at``; a chosen place outside the sentence is not evidence of this one."""
    sentence = doc.sentences[index]
    _place_found, evidence = event_places(doc, index, context, article_id, [(at, at)])
    local = [e for e in evidence if e.field != "place" or sentence.start <= e.start < sentence.end]
    if not any(e.field == "place" for e in local):
        # a place name the gazetteer does not know, or one it knows that was not chosen ("Assebroekse Meersen")
        named = [e for e in doc.entities_in(index) if e.label == "LOC"]
        if named:
            nearest = min(named, key=lambda e: abs(e.start - at))
            if all(e.text != nearest.text for e in local):
                local.append(Evidence(article_id, nearest.start, nearest.end, "location", nearest.text))
    return local
