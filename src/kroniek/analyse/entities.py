"""Entities that are right: names found from capitalisation and Frog's tags, typed by evidence, one type per name
per document, a canonical name with its variants and role, and places linked to the gazetteer.

Frog's NER finds nearly every name but often gets the type and the extent wrong: it tags place adjectives
("Russische") LOC after the SoNaR convention, splits "Camp David" into a LOC and a PER, pulls a conjunction into
a person ("vooraleer Barrichello"), and gives a rare foreign name three types in one article. So Frog's tags are
one vote among several, and the extent of a name comes from the text itself:

1. **mentions**: runs of name-like tokens (capitalised, acronyms, "4FM", "'s-Hertogenbosch"), joined over "&"
   and over name particles ("van der", "voor") where Frog or a first name vouches for it, split before a first
   name ("minister van Volksgezondheid | Magda Aelvoet") and after a nationality adjective ("Amerikaanse | Salt
   Lake City"), and never over "en" between two persons; known multi-word names ("De Morgen", "Raad van State")
   are taken whole. A word opening a sentence counts only when Frog, its part of speech, a lexicon or the rest
   of the document says it is a name; a title opening a sentence ("President Tokajev") is a cue, not a name.
   An occupation or title opening a run is the role, not the name ("Minister Vande Lanotte", "Bondscoach X",
   "Tegenkandidaat X": ``nl/occupations.toml``, with compounds and prefixes such as "ex-", "oud-"). An
   organisation with a head noun keeps its complement over "van", "voor", "in", "en" while capitalised words
   follow ("Ministerie van Buitenlandse Zaken", "Centrum voor Onderzoek in de X en de Y", "International Council
   of X and Y"), but not into a second body ("... en de Bank van Lening"), a known body after "van" ("Commissie
   voor X | van Economische Zaken") or a place after "in" ("Hof van Beroep | in Antwerpen"). A title in quotes
   after a title cue ("het programma ' De Quiz van de Eeuw '") is one name, lowercase words included.
2. **MISC words**: nationality and people words ("Russische", "Nederlanders", "Arabieren", "Anderlechtse") with
   their country, names inside lowercase compounds ("Sabena-aandelen", canonical "Sabena"), genitives
   ("Arafats"), as in CoNLL-2002.
3. **votes** per mention: Frog's label (its LOC only with a known place behind it), known organisations, places
   and events, head and tail words ("Universiteit van ...", "... Airlines", "Boerenbond"), the gazetteer (by
   kind and size of place), first names and family names (Frog's own lists, read at run time when Frog is
   installed), the shape (an unknown acronym or a name with "&" is most likely a company), and the word before
   the name ("president X", "persbureau X", "deelstaat X", "ontvoerder X", "in X", "zei X", "minister van X",
   "de 45-jarige X"; titles, products and events: "de film X", "het BBC-programma X", "een X", a brand's model
   number "Boeing 747", a city's event year "Brugge 2002") and the words after it (an apposition with an
   occupation "X , ontwerper van ...", an age "X ( 45 )").
4. **one type per name per document**: the votes of all mentions of a name are added up; a surname alone joins
   the person's full name ("Tokajev" / "Kassym-Jomart Tokajev", before or after it), a short form the longer
   organisation it starts ("Sabena" / "Sabena Airline Management"), an acronym in brackets its expansion
   ("Collectieve Veiligheidsverdragorganisatie (CSTO)").
5. **canonical name and role**: the fullest form of the name; the first title or role cue of any mention.
6. **tables and lists** are typed by their shape, not by votes: in a sport results line or standing ("1. Name
   (Dui) 4u12:05", "Club A - Club B 2-1", "Stand: 1. Club 45") a country code (IOC, FIFA, ISO, "Dui" for
   Duitsland: ``nl/country_codes.tsv`` and pycountry) is LOC, the name before it an athlete, a match side or a
   standing a club (a country stays LOC); in a radio or TV listing ("Title Canvas 21.30") the channel is ORG and
   the words before it the title (MISC); a newspaper section head on its own line is no name (``nl/tables.toml``).
   Buildings and public places are places, as CoNLL counts them ("Noordstation", "het museum X").
7. **places** are linked to the gazetteer with the document's countries (from places and nationality words) as
   context, so "Almaty" goes to Kazakhstan in an article about Kazakhstan.

Word lists are in ``nl/entities.toml``, ``nl/occupations.toml`` and ``nl/tables.toml``; the weights of the votes
are in ``_W``. Tokens inside metadata spans (the
`` date 2022-01 `` header, captions) are left out. Measured on CoNLL-2002 ned.testa with ``kroniek eval ner``.
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from kroniek.model import Document, Entity, Sentence, Token

LABELS = ("PER", "LOC", "ORG", "MISC")
# Frog (SoNaR) has product and event types too; CoNLL and kroniek count them as MISC.
_FROG_LABELS = {"PER": "PER", "LOC": "LOC", "ORG": "ORG", "MISC": "MISC", "PRO": "MISC", "EVE": "MISC"}

_UPPER_START = re.compile(r"^(?:'s-|'t-)?[A-ZÀ-ÖØ-ÞĀ-ŽȘȚ]")
_DIGIT_NAME = re.compile(r"^\d+[A-Z][A-Za-z]*$")  # 4FM, 3M
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&.]*[A-Z0-9]\.?$")
_LOWER_TAIL = re.compile(r"^(?P<head>[A-ZÀ-Þ0-9][\w.&'’]*)-(?P<tail>[a-zà-ÿ][\w\-]*)$")  # Sabena-aandelen
_OPENERS = {"„", '"', "'", "“", "‘", "‚", "«", "»", ":", "-", "–", "—", "(", "[", "*", "•", "...", "…", "‹", "›"}
_FUNCTION_POS = ("LID", "VZ", "VNW", "VG", "BW", "WW", "TW", "TSW", "LET")
_PROPER_POS = ("SPEC(deeleigen", "N(eigen")
_MIXED_ACRONYM = re.compile(r"^[A-Z]{2,}[a-z]{1,2}$")  # SHFi, IBt
_COMPASS = re.compile(r"^(?:Noord|Zuid|Oost|West|Midden|Centraal|Noordoost|Noordwest|Zuidoost|Zuidwest|Klein|Groot)"
                      r"-(?P<rest>[A-Z].+)$")
_ROMAN = re.compile(r"^(?:I{1,3}|IV|VI{0,3}|IX|XI{0,3}|XIV|XV)$")


# --- resources --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resources:
    person_cues: frozenset[str]
    person_suffixes: tuple[str, ...]
    not_person_nouns: frozenset[str]
    speech_verbs: frozenset[str]
    organisation_cues: frozenset[str]
    organisation_suffixes: tuple[str, ...]
    ministry_cues: frozenset[str]
    location_cues: frozenset[str]
    location_prepositions: frozenset[str]
    organisations: dict[str, str]  # key -> canonical
    ministries: dict[str, str]
    common_word_names: frozenset[str]  # names spelled like an everyday word ("Vier", "Groen", "Metro")
    locations: dict[str, str]
    misc: dict[str, str]
    org_heads: frozenset[str]  # first word of an organisation name: Universiteit, Ministerie, Radio, ...
    org_tails: frozenset[str]  # last word: NV, Bank, Groep, Partij, Airlines, ...
    loc_heads: frozenset[str]
    loc_tails: frozenset[str]
    loc_suffixes: tuple[str, ...]  # "Noordstation", "Heizelstadion": a building or a site
    misc_heads: frozenset[str]
    nationality_words: dict[str, str]  # word -> ISO2 or ""
    first_names: frozenset[str]
    not_first_names: frozenset[str]
    not_entities: frozenset[str]
    particles: frozenset[str]
    connectors: frozenset[str]
    initial_articles: frozenset[str]
    # Person, organisation and location cues of 4+ letters by length, in that order: the compound-cue lookup.
    cue_suffixes: tuple[tuple[str, dict[int, frozenset[str]]], ...] = ()
    misc_cues: frozenset[str] = frozenset()  # "de film X", "het programma X", "het festival X"
    misc_cue_suffixes: dict[int, frozenset[str]] = field(default_factory=dict)
    occupations: frozenset[str] = frozenset()  # "premier", "trainer", "bondscoach" (nl/occupations.toml)
    occupation_suffixes: dict[int, frozenset[str]] = field(default_factory=dict)
    occupation_prefixes: tuple[str, ...] = ()
    org_head_nouns: frozenset[str] = frozenset()  # "Ministerie", "Vereniging": names over "van"/"voor"
    english_head_nouns: frozenset[str] = frozenset()  # "Council", "Committee": names over "of"/"for"
    facility_head_nouns: frozenset[str] = frozenset()  # "Museum voor Schone Kunsten": a place over "voor"


@cache
def load_resources(language: str = "nl") -> Resources:
    raw = tomllib.loads(resources.files(f"kroniek.analyse.{language}").joinpath("entities.toml")
                        .read_text(encoding="utf-8"))

    def words(section: str, key: str = "words") -> frozenset[str]:
        return frozenset(w.lower() for w in raw[section][key])

    def names(section: str) -> dict[str, str]:
        return {_key(name): name for name in raw[section]["names"]}

    jobs = tomllib.loads(resources.files(f"kroniek.analyse.{language}").joinpath("occupations.toml")
                         .read_text(encoding="utf-8"))
    occupations = frozenset(w.lower() for key, group in jobs["occupations"].items() if key != "prefixes"
                            for w in group) | words("person_cues")

    return Resources(
        person_cues=words("person_cues"),
        person_suffixes=tuple(raw["person_cues"]["suffixes"]),
        not_person_nouns=words("person_cues", "not_person_nouns"),
        speech_verbs=words("person_cues", "speech_verbs"),
        organisation_cues=words("organisation_cues"),
        organisation_suffixes=tuple(raw["organisation_cues"]["suffixes"]),
        ministry_cues=words("organisation_cues", "ministry_cues"),
        location_cues=words("location_cues"),
        location_prepositions=words("location_cues", "prepositions"),
        organisations=names("organisations"),
        ministries=names("ministries"),
        common_word_names=frozenset(_key(w) for w in raw["organisations"]["common_words"]),
        locations=names("locations"),
        misc=names("misc"),
        org_heads=words("organisation_words", "heads"),
        org_tails=words("organisation_words", "tails"),
        loc_heads=words("location_words", "heads"),
        loc_tails=words("location_words", "tails"),
        loc_suffixes=tuple(raw["location_words"]["suffixes"]),
        misc_heads=words("misc_words", "heads"),
        nationality_words=dict(form.rsplit(":", 1) for form in raw["nationality_words"]["forms"]),
        first_names=frozenset(raw["first_names"]["names"]),
        not_first_names=frozenset(raw["first_names"]["not"]),
        not_entities=words("not_entities"),
        particles=words("name_parts", "particles"),
        connectors=words("name_parts", "connectors"),
        initial_articles=words("name_parts", "initial_articles"),
        cue_suffixes=tuple((label, _by_length(cues)) for label, cues in (
            ("PER", words("person_cues")), ("ORG", words("organisation_cues")), ("LOC", words("location_cues")))),
        misc_cues=words("misc_cues"),
        misc_cue_suffixes=_by_length(words("misc_cues")),
        occupations=occupations,
        occupation_suffixes=_by_length(occupations),
        occupation_prefixes=tuple(jobs["occupations"]["prefixes"]),
        org_head_nouns=frozenset(w.lower() for w in raw["organisation_words"]["extent"]["head_nouns"]),
        english_head_nouns=frozenset(w.lower() for w in raw["organisation_words"]["extent"]["english_head_nouns"]),
        facility_head_nouns=frozenset(w.lower() for w in raw["organisation_words"]["extent"]["facility_head_nouns"]),
    )


def _by_length(cues: frozenset[str]) -> dict[int, frozenset[str]]:
    lengths: dict[int, set[str]] = defaultdict(set)
    for cue in cues:
        if len(cue) >= 4:
            lengths[len(cue)].add(cue)
    return {length: frozenset(words) for length, words in lengths.items()}


def _frog_data_dir() -> Path | None:
    configured = os.environ.get("KRONIEK_FROG_DATA")
    for candidate in ([Path(configured)] if configured else []) + [Path("/usr/share/frog/nld"),
                                                                   Path("/usr/local/share/frog/nld")]:
        if candidate.is_dir():
            return candidate
    return None


def _read_frog_list(*names: str) -> frozenset[str]:
    folder = _frog_data_dir()
    found: set[str] = set()
    if folder is None:
        return frozenset()
    for name in names:
        try:
            with (folder / name).open(encoding="utf-8", errors="replace") as handle:
                found.update(line.strip() for line in handle if len(line.strip()) > 1)
        except OSError:
            continue
    return frozenset(found)


@cache
def frog_name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """Frog's own first-name and family-name gazetteers (``voornamen.ner``, ``familienamen.ner``), read at run time
    from the installed frogdata when present (empty otherwise): they are Frog's data, not the project's."""
    return _read_frog_list("voornamen.ner"), _read_frog_list("familienamen.ner")


@cache
def frog_place_names() -> frozenset[str]:
    """Frog's lists of Belgian and Dutch place names (villages, hamlets, parts of towns the packaged gazetteer
    does not reach: "Heist", "Geetbets"), read at run time like :func:`frog_name_lists`."""
    return _read_frog_list("geonames-be.ner", "plaatsen-nld.ner", "landen-europa.ner", "loc.ner")


@cache
def _gazetteer() -> Any:
    try:
        from kroniek.analyse.gazetteer import Gazetteer
    except ImportError:  # pragma: no cover - the gazetteer ships with the package
        return None
    try:
        return Gazetteer.load("nl")
    except Exception:  # pragma: no cover - a broken cache or data file must not stop the entity layer
        return None


# --- mentions ---------------------------------------------------------------------------------------------------


class Votes(dict[str, float]):
    """The evidence for each label of a mention: label -> weight."""

    def add(self, label: str, weight: float) -> None:
        if weight:
            self[label] = self.get(label, 0.0) + weight

    @classmethod
    def summed(cls, many: Iterable[Votes]) -> Votes:
        total = cls()
        for votes in many:
            for label, weight in votes.items():
                total.add(label, weight)
        return total


@dataclass
class Mention:
    sentence: int
    first: int  # token index range [first, last)
    last: int
    start: int
    end: int
    text: str
    frog: str = ""  # Frog's label for the run ("" when Frog said nothing or did not see the sentence)
    source: str = "shape"  # "frog" (Frog tagged part of it), "shape" (capitalisation), "document" (used elsewhere)
    kind: str = ""  # "" (a name), "nationality", "compound", "possessive", "initials"
    votes: Votes = field(default_factory=lambda: Votes())
    label: str = ""
    role: str | None = None
    country: str | None = None
    canonical: str = ""
    initial: bool = False
    fixed: str = ""  # a label the mention's place in a table or list decides ("(Bel)" LOC), beyond votes


def find_entities(doc: Document, language: str = "nl") -> list[Entity]:
    """The entities of a document, one type per name, with canonical names, roles and gazetteer links."""
    res = load_resources(language)
    gazetteer = _gazetteer()
    view = _without_metadata(doc)
    mentions: list[Mention] = []
    for index, sentence in enumerate(view.sentences):
        if not sentence.tokens:
            continue
        mentions.extend(_mentions(view, index, sentence, res, gazetteer))
    mentions = _repeated_at_sentence_start(view, mentions, res)
    for mention in mentions:
        _vote(view, mention, res, gazetteer)
    _harmonise(mentions, res, _acronym_expansions(view, mentions))
    return _link(mentions, gazetteer)


def _repeated_at_sentence_start(doc: Document, mentions: list[Mention], res: Resources) -> list[Mention]:
    """The mentions with the names the document uses inside a sentence found at the start of one too, where Frog
    often reads them as a common word ("Rajkamur werd ..." after "de filmster Rajkamur"), and surnames with
    particles whole ("Van der Voort zegt ..." after "professor Van der Voort", where the shape alone gives
    "Voort": the capitalised particle opening a sentence is no name by itself)."""
    particled = _particled_surnames_at_sentence_start(doc, mentions, res)
    if particled:
        inside = {(m.sentence, k) for m in particled for k in range(m.first, m.last)}
        mentions = [m for m in mentions if not any((m.sentence, k) in inside for k in range(m.first, m.last))]
        mentions.extend(particled)
    return mentions + _known_at_sentence_start(doc, mentions, res)


def _particled_surnames_at_sentence_start(doc: Document, mentions: list[Mention], res: Resources) -> list[Mention]:
    known: set[tuple[str, ...]] = set()
    for mention in mentions:
        words = tuple(_key(mention.text).split())
        if mention.kind == "" and not mention.initial and len(words) > 1 and words[0] in res.particles:
            known.add(words)
    found: list[Mention] = []
    if not known:
        return found
    spans = {(m.sentence, m.first, m.last) for m in mentions}
    for index, sentence in enumerate(doc.sentences):
        tokens = sentence.tokens
        k = next((j for j, t in enumerate(tokens) if t.text not in _OPENERS), None)
        if k is None or not _capitalised(tokens[k].text):
            continue
        for words in sorted(known, key=len, reverse=True):
            window = tokens[k:k + len(words)]
            if len(window) == len(words) and all(_key(t.text) == w for t, w in zip(window, words, strict=True)):
                if (index, k, k + len(words)) not in spans:
                    start, end = window[0].start, window[-1].end
                    found.append(Mention(index, k, k + len(words), start, end, doc.text[start:end],
                                         source="document", initial=True))
                break
    return found


def _known_at_sentence_start(doc: Document, mentions: list[Mention], res: Resources) -> list[Mention]:
    known: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for mention in mentions:
        if mention.kind == "" and not mention.initial:
            words = tuple(_key(mention.text).split())
            known[words[0]].append(words)
            if len(words) > 1 and words[-1][:1].isalpha():
                known[words[-1]].append(words[-1:])  # a surname alone
    covered = {(m.sentence, k) for m in mentions for k in range(m.first, m.last)}
    found: list[Mention] = []
    for index, sentence in enumerate(doc.sentences):
        tokens = sentence.tokens
        for k, token in enumerate(tokens):
            if (index, k) in covered or not _capitalised(token.text) or not _is_initial(tokens, k):
                continue
            if token.text.lower() in res.not_entities or token.text.lower() in res.initial_articles:
                continue
            for words in sorted(known.get(_key(token.text), ()), key=len, reverse=True):
                window = tokens[k:k + len(words)]
                if len(window) == len(words) and all(_key(t.text) == w for t, w in zip(window, words, strict=True)) \
                        and not any((index, j) in covered for j in range(k, k + len(words))):
                    start, end = window[0].start, window[-1].end
                    found.append(Mention(index, k, k + len(words), start, end, doc.text[start:end],
                                         source="document", initial=True))
                    break
    return found


def _acronym_expansions(doc: Document, mentions: list[Mention]) -> dict[str, str]:
    """ "Collectieve Veiligheidsverdragsorganisatie (CSTO)": the acronym in brackets right after a name is a
    variant of that name (key of the acronym -> key of the name)."""
    found: dict[str, str] = {}
    by_place = {(m.sentence, m.first): m for m in mentions if m.kind == ""}
    for mention in mentions:
        if mention.kind:
            continue
        tokens = doc.sentences[mention.sentence].tokens
        if mention.last + 2 < len(tokens) and tokens[mention.last].text == "(" \
                and tokens[mention.last + 2].text == ")":
            short = by_place.get((mention.sentence, mention.last + 1))
            # Not "Bert Anciaux (VU)": a person with a party; the acronym starts like the name it abbreviates.
            if short is not None and short.last - short.first == 1 and _acronym(short.text) \
                    and len(mention.text) > len(short.text) + 3 and _best(mention.votes) != "PER" \
                    and short.text[0].lower() == mention.text[0].lower():
                found.setdefault(_key(short.text), _key(mention.text))
    return found


def _without_metadata(doc: Document) -> Document:
    """The document with tokens inside metadata spans (the `` date 2022-01 `` header, captions, "Lees ook")
    left out of its sentences, so a name right after the header counts as the start of a sentence."""
    spans = [(m.start, m.end) for m in doc.metadata if m.kind != "title"]
    if not spans:
        return doc
    sentences = [Sentence(s.start, s.end, [t for t in s.tokens
                                           if not any(a <= t.start and t.end <= b for a, b in spans)],
                          s.paragraph, s.deep) for s in doc.sentences]
    return Document(doc.article_id, doc.text, doc.language, sentences, metadata=doc.metadata)


def _frog_tag(token: Token) -> tuple[str, str]:
    """(prefix, label) of a token's Frog tag; MWU tags such as ``B-PER_I-PER`` give their first part."""
    tag = (token.ner or "O").split("_")[0]
    prefix, _, label = tag.partition("-")
    label = _FROG_LABELS.get(label, "")
    if prefix not in ("B", "I") or not label:
        return "O", ""
    return prefix, label


def _is_initial(tokens: list[Token], position: int) -> bool:
    """At the start of the sentence, or after opening punctuation only (a quote, a colon, a bracket)."""
    for previous in tokens[:position][::-1]:
        if previous.text not in _OPENERS:
            return previous.text in (".", "!", "?")  # a sentence Frog or the splitter did not cut
    return True


_CAPITALISED: dict[str, bool] = {}


def _capitalised(text: str) -> bool:
    known = _CAPITALISED.get(text)
    if known is None:
        known = bool(_UPPER_START.match(text)) or bool(_DIGIT_NAME.match(text))
        if len(_CAPITALISED) < 100_000:
            _CAPITALISED[text] = known
    return known


def _acronym(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(_ACRONYM.match(text)) and len(letters) >= 2 and len(text) <= 8


def _name_like(tokens: list[Token], position: int, res: Resources, gazetteer: Any) -> bool:
    token = tokens[position]
    text = token.text
    if not _capitalised(text) or _LOWER_TAIL.match(text):
        return False
    lower = text.lower()
    pos = token.pos
    if not _is_initial(tokens, position):
        if pos.startswith("VNW") and lower in ("u", "uw", "gij", "ge", "zij"):
            return False  # the polite pronoun
        # A capitalised particle inside a sentence opens a name ("begon De Prins", "zegt Van der Voort").
        return lower not in res.not_entities or pos.startswith(_PROPER_POS) or _frog_tag(token)[0] != "O" \
            or (lower in res.particles and _particle_opens_name(tokens, position, res))
    # Sentence-initial: every word is capitalised here, so something else has to vouch for a name.
    if lower in res.not_entities or lower in res.initial_articles:
        return lower in res.initial_articles and _continues(tokens, position, res)
    if _acronym(text):
        return True
    if lower in res.person_cues or lower in res.organisation_cues or lower in res.location_cues:
        return False  # "President Tokajev ...", "Persbureau Reuters meldt ...": a title, not part of the name
    if _occupation_token(token, res) and (not pos.startswith(_PROPER_POS) or _continues(tokens, position, res)):
        return False  # "Tegenkandidaat Arias ...", "Ombudsman Herman ...", but "Ruiter zei ..." (Frog: a name)
    if pos and pos.startswith(_FUNCTION_POS) and not pos.startswith(_PROPER_POS):
        return False  # "Vijf ...", "Vier ...": a numeral or pronoun, even when a name is spelled the same
    key = _key(text)
    known = key in res.organisations or key in res.locations or key in res.misc
    if key in res.common_word_names or (known and pos and not pos.startswith(_PROPER_POS)):
        # "Koppen rollen", "Vier mensen": Frog read an everyday word; a known name needs Frog's proper-noun tag.
        return bool(pos) and (pos.startswith(_PROPER_POS) or _frog_tag(token)[0] != "O")
    if known:
        return True
    if pos:
        if pos.startswith(_PROPER_POS):
            return True
        if _frog_tag(token)[0] != "O" and not pos.startswith("ADJ"):
            return True
        if pos.startswith("ADJ") and _nationality(text, res, gazetteer) is not None:
            return True
        # "Jan Peeters zei ...": Frog may read a first name opening a sentence as a common noun.
        return pos.startswith("N(soort") and text in res.first_names and position + 1 < len(tokens) \
            and _capitalised(tokens[position + 1].text) and not _is_initial(tokens, position + 1)
    # A shallow sentence: a first name or a known place, or a run of capitalised words.
    if text in res.first_names or (gazetteer is not None and gazetteer.is_place_name(text)):
        return True
    return position + 1 < len(tokens) and _capitalised(tokens[position + 1].text) and \
        tokens[position + 1].text.lower() not in res.not_entities


def _particle_opens_name(tokens: list[Token], position: int, res: Resources) -> bool:
    """Capitalised particles followed by a capitalised name word ("De Prins", "Van den Abeele")."""
    following = next((t for t in tokens[position + 1:position + 4] if t.text.lower() not in res.particles), None)
    return following is not None and _capitalised(following.text) and following.text.lower() not in res.not_entities


def _continues(tokens: list[Token], position: int, res: Resources) -> bool:
    following = tokens[position + 1] if position + 1 < len(tokens) else None
    return following is not None and _capitalised(following.text) and not _LOWER_TAIL.match(following.text) \
        and following.text.lower() not in res.not_entities


_MINISTRY_CONNECTORS = frozenset({"en", ","})


def _by_first_word(keys: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
    """Multi-word names by their first word, longest first: "de morgen" -> [("de", "morgen")]."""
    phrases: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for key in keys:
        words = tuple(key.split())
        if len(words) > 1:
            phrases[words[0]].append(words)
    for options in phrases.values():
        options.sort(key=len, reverse=True)
    return phrases


@cache
def _known_phrases(language: str = "nl") -> dict[str, list[tuple[str, ...]]]:
    """Known organisations, places and other names of more than one word, by their first word."""
    res = load_resources(language)
    return _by_first_word((*res.organisations, *res.locations, *res.misc))


@cache
def _ministry_phrases(language: str = "nl") -> dict[str, list[tuple[str, ...]]]:
    """Ministries named in more than one word ("Buitenlandse Zaken") by their first word. Unlike a one-word policy
    field ("Defensie") they name the ministry without a cue, but only written as a name (every word capitalised):
    "Buitenlandse Zaken" is one organisation, not an adjective and a surname."""
    return _by_first_word(load_resources(language).ministries)


def _known_spans(tokens: list[Token]) -> dict[int, int]:
    """Where a multi-word known name starts, and where it ends (first token capitalised; for a ministry every
    word but a connector, or any case after a ministry cue: "ministerie van Buitenlandse zaken"), including
    ministry fields coordinated into one name ("Landbouw en KMO", "Onderwijs , Cultuur en Wetenschap")."""
    phrases, ministries = _known_phrases(), _ministry_phrases()
    res = load_resources()
    found: dict[int, int] = {}
    fields: list[tuple[int, int]] = []  # every ministry field, one word or more
    k = 0
    while k < len(tokens):
        first = _key(tokens[k].text)
        options = (*phrases.get(first, ()), *ministries.get(first, ())) if _capitalised(tokens[k].text) else ()
        after_cue = k >= 2 and tokens[k - 1].text in ("van", "voor") \
            and tokens[k - 2].text.lower() in res.ministry_cues
        matched = 0
        for words in options:
            window = tokens[k:k + len(words)]
            if len(window) != len(words) or not all(_key(t.text) == w for t, w in zip(window, words, strict=True)):
                continue
            ministry = words in ministries.get(first, ())
            if ministry and not after_cue and not all(
                    _capitalised(t.text) or t.text in _MINISTRY_CONNECTORS for t in window):
                continue
            matched = len(words)
            if ministry:
                fields.append((k, k + matched))
            break
        if matched:
            found[k] = k + matched
            k += matched
            continue
        if first in res.ministries and _capitalised(tokens[k].text):
            fields.append((k, k + 1))
        k += 1
    # Chains of fields: "A en B", "A , B en C" (each joined by a comma or "en", the last by "en").
    position = 0
    while position < len(fields):
        chain = [fields[position]]
        while position + len(chain) < len(fields):
            following = fields[position + len(chain)]
            if following[0] != chain[-1][1] + 1 or tokens[chain[-1][1]].text not in (",", "en"):
                break
            chain.append(following)
            if tokens[chain[-2][1]].text == "en":
                break
        if len(chain) > 1 and tokens[chain[-2][1]].text == "en":
            for part_start, _part_end in chain:
                found.pop(part_start, None)
            found[chain[0][0]] = chain[-1][1]
        position += len(chain)
    return found


def _mentions(doc: Document, index: int, sentence: Sentence, res: Resources, gazetteer: Any) -> list[Mention]:
    tokens = sentence.tokens
    name = [_name_like(tokens, k, res, gazetteer) for k in range(len(tokens))]
    known = _known_spans(tokens)
    for first, last in known.items():
        for k in range(first, last):
            name[k] = True
    runs: list[tuple[int, int]] = []
    k = 0
    while k < len(tokens):
        if not name[k]:
            k += 1
            continue
        last = known.get(k, k + 1)
        while last < len(tokens):
            if last in known:
                break
            if name[last] and not _breaks(tokens, last, res, gazetteer):
                last += 1
                continue
            bridge = _bridge(tokens, name, k, last, res)
            if bridge:
                last += bridge + 1
                last = known.get(last - 1, last)  # "Ministerie van | Buitenlandse Zaken": a known name whole
                continue
            break
        runs.append((k, last))
        k = last
    found: list[Mention] = []
    for first, last in runs:
        found.extend(_shape_run(doc, index, tokens, first, last, res, gazetteer, first in known))
    special = _compounds(doc, index, tokens, res) + _initials(doc, index, tokens, res)
    taken = {(m.first, m.last) for m in special}
    found = [m for m in found if (m.first, m.last) not in taken] + special
    for title in _quoted_titles(doc, index, tokens, res):
        found = [m for m in found if m.last <= title.first or title.last <= m.first] + [title]
    found.sort(key=lambda m: m.first)
    return _in_tables_and_lists(doc, index, tokens, found, res, gazetteer)


_QUOTES = {"'": "'", '"': '"', "„": "”“", "“": "”", "‘": "’", "«": "»", "‚": "’‘"}


def _quoted_titles(doc: Document, index: int, tokens: list[Token], res: Resources) -> list[Mention]:
    """A title in quotes ("het programma ' De Quiz van de Eeuw '", "' Nana del caballo grande '"): the whole
    quoted phrase is one MISC name, lowercase words included. Taken when a title cue comes right before the
    quotes, or the phrase has two or more capitalised words; never a quoted sentence (a finite verb, a comma,
    an end mark) or a quote longer than eight words."""
    found: list[Mention] = []
    k = 0
    while k < len(tokens):
        closers = _QUOTES.get(tokens[k].text)
        if closers is None:
            k += 1
            continue
        close = next((j for j in range(k + 1, min(k + 10, len(tokens))) if tokens[j].text in closers), None)
        if close is None or close == k + 1:
            k += 1
            continue
        inside = tokens[k + 1:close]
        cue = k > 0 and _cue(tokens[k - 1].text.lower(), tokens[k - 1].pos, res)[0] == "MISC"
        capitals = sum(1 for t in inside if _capitalised(t.text))
        sentence_like = any(t.pos.startswith("WW(pv") or t.text in (",", ".", "!", "?", ";", ":") for t in inside)
        if _capitalised(inside[0].text) and not sentence_like and (cue or capitals >= 2) \
                and inside[0].text.lower() not in res.not_entities - res.initial_articles:
            start, end = inside[0].start, inside[-1].end
            found.append(Mention(index, k + 1, close, start, end, doc.text[start:end], source="shape",
                                 votes=Votes(MISC=_W["lexicon"] + _W["role"]), initial=_is_initial(tokens, k + 1)))
        k = close + 1
    return found


def _breaks(tokens: list[Token], position: int, res: Resources, gazetteer: Any) -> bool:
    """Whether a new name starts at ``position`` although the token before it is a name too."""
    previous, token = tokens[position - 1], tokens[position]
    if previous.text.endswith((",", ";")):
        return True
    # "minister van Volksgezondheid Magda Aelvoet": a first name followed by a surname starts a person.
    if _first_name(tokens, position, res) and not _first_name(tokens, position - 1, res) \
            and previous.text.lower() not in res.particles \
            and position + 1 < len(tokens) and _capitalised(tokens[position + 1].text) \
            and not _is_nationality(previous, res, gazetteer):
        return True
    # "Amerikaanse Salt Lake City": a nationality adjective before a proper name is a name of its own, but
    # "Europese Commissie" / "Vlaamse Regering" (adjective + capitalised common noun) is one name.
    if _is_nationality(previous, res, gazetteer):
        prefix, _label = _frog_tag(token)
        if token.pos.startswith(_PROPER_POS) or prefix == "B" or _acronym(token.text):
            return True
        if not token.pos and not (token.text.lower() in res.org_tails or token.text.lower() in res.loc_tails):
            return True
    return False


def _bridge(tokens: list[Token], name: list[bool], first: int, last: int, res: Resources) -> int:
    """How many connector tokens at ``last`` join the run to a following name (0 when they do not)."""
    span = 0
    while last + span < len(tokens) and span < 3 and tokens[last + span].text.lower() in res.connectors \
            and not name[last + span]:
        span += 1
    if span == 0 or last + span >= len(tokens) or not name[last + span]:
        return 0
    words = [t.text.lower() for t in tokens[last:last + span]]
    if words == ["&"] or words == ["and"] or words == ["und"]:
        return span
    following = tokens[last + span]
    # "Eddie Jordan en Barrichello", "Air Littoral en Air Liberté": two names, whatever Frog says.
    if words[0] in ("en", "of", "et") and (_first_name(tokens, first, res) or _first_name(tokens, last + span, res)
                                           or following.text == tokens[first].text):
        return 0
    own = first + (tokens[first].text.lower() in res.initial_articles)  # "De Commissie ...": without the article
    if words[0] == "van" and last - own > 1 and _known_body_at(tokens, last + span, res) \
            and _organisation_head(tokens[own:last], res):
        return 0  # "Commissie voor Onrechtmatige Bedingen | van Economische Zaken": a body of its own
    if all(w in res.particles for w in words) and last - first >= 2 and _first_name(tokens, first, res) \
            and not _first_name(tokens, last - 1, res) and tokens[last - 1].text.lower() not in res.particles:
        return 0  # "Olivier Hertoghe | van Petercam": after a full name "van" says where the person works
    if words[0] in ("in", "uit", "te", "bij", "naar") and _place_at(tokens, last + span):
        return 0  # "Fujimori | in Lima", "Hof van Beroep | in Antwerpen", even when Frog tags it one name
    inside = all(_frog_tag(t)[0] == "I" for t in tokens[last:last + span + 1])
    if inside:
        return span
    if _organisation_complement(tokens, first, last, span, res):
        return span
    # Without Frog: "Centrum voor Onderzoek", "Ronde van Vlaanderen", "Raad van State" when the run starts with a
    # word that heads such names.
    head = tokens[first].text.lower()
    if not tokens[first].pos and words[0] in ("van", "voor", "der", "in") \
            and (head in res.org_heads or head in res.loc_heads or head in res.misc_heads):
        return span
    # "Jan van der Berg", "Van der Voort": particles after a first name or a capitalised particle.
    if all(w in res.particles for w in words) and (
            _first_name(tokens, last - 1, res) or all(t.text.lower() in res.particles for t in tokens[first:last])):
        return span
    return 0


_COMPLEMENT_OPENERS = frozenset({"van", "voor", "in", "op", "tegen", "inzake"})
_ENGLISH_OPENERS = frozenset({"of", "for", "on", "against"})
_COMPLEMENT_JOINERS = frozenset({"en", "and", "&"})
_COMPLEMENT_ARTICLES = frozenset({"de", "het", "der", "den", "the"})


def _organisation_complement(tokens: list[Token], first: int, last: int, span: int, res: Resources) -> bool:
    """Whether the connectors at ``last`` continue an organisation name: the run has an organisation head noun
    ("Ministerie van Buitenlandse Zaken", "Commissie voor het Bank- en Financiewezen", "Centrum voor Onderzoek in
    de Diergeneeskunde en de Agrochemie", "International Council of Monuments and Sites"). A complement opens with
    a preposition (and an article), continues over "en" once opened, and stops at any other lowercase word."""
    run = [t.text.lower() for t in tokens[first:last]]
    dutch = [k for k, w in enumerate(run) if w.rstrip("-") in res.org_head_nouns or w in res.facility_head_nouns]
    english = [k for k, w in enumerate(run) if w in res.english_head_nouns or w in res.facility_head_nouns]
    if not dutch and not english:
        return False
    words = [t.text.lower() for t in tokens[last:last + span]]
    opener, articles = words[0], words[1:]
    if not all(w in _COMPLEMENT_ARTICLES for w in articles):
        return False
    head = min(dutch + english)
    opened = any(w in _COMPLEMENT_OPENERS or w in _ENGLISH_OPENERS for w in run[head + 1:])
    following = tokens[last + span].text.lower()
    if opener in _COMPLEMENT_JOINERS:
        if not opened or following in res.org_head_nouns or following in res.english_head_nouns:
            return False  # "Vereniging voor Zeevaart | en de Bank van Lening": a second body
    elif opener in _ENGLISH_OPENERS:
        if not english:
            return False
    elif opener not in _COMPLEMENT_OPENERS or not dutch:
        return False
    # "Hof van Beroep in Antwerpen", "Front in Sierra Leone": where the body sits, not its name.
    return not (opener in ("in", "op") and _place_at(tokens, last + span))


def _place_at(tokens: list[Token], position: int) -> bool:
    """Whether a place name of one to three capitalised words starts at ``position``."""
    end = position
    while end < len(tokens) and end - position < 3 and _capitalised(tokens[end].text):
        end += 1
    return any(_gazetteer_place(" ".join(t.text for t in tokens[position:stop])) for stop in range(end, position, -1))


def _organisation_head(tokens: list[Token], res: Resources) -> bool:
    """Whether a run has an organisation head noun ("Commissie", "Vereniging", "Council")."""
    return any(t.text.lower().rstrip("-") in res.org_head_nouns or t.text.lower() in res.english_head_nouns
               for t in tokens)


def _gazetteer_place(text: str) -> bool:
    gazetteer = _gazetteer()
    return gazetteer is not None and gazetteer.resolve(text) is not None


def _known_body_at(tokens: list[Token], position: int, res: Resources) -> bool:
    """Whether a known organisation or ministry starts at ``position``."""
    first = _key(tokens[position].text)
    if first in res.organisations or first in res.ministries:
        return True
    for words in (*_known_phrases().get(first, ()), *_ministry_phrases().get(first, ())):
        window = tokens[position:position + len(words)]
        if len(window) == len(words) and all(_key(t.text) == w for t, w in zip(window, words, strict=True)):
            key = " ".join(words)
            if key in res.organisations or key in res.ministries:
                return True
    return False


def _first_name(tokens: list[Token], position: int, res: Resources) -> bool:
    """A given name: in the curated list, or in Frog's first-name list with a Frog family name after it."""
    text = tokens[position].text
    if text in res.not_first_names:
        return False
    if text in res.first_names:
        return True
    voornamen, familienamen = frog_name_lists()
    return text in voornamen and position + 1 < len(tokens) and tokens[position + 1].text in familienamen


def _is_nationality(token: Token, res: Resources, gazetteer: Any) -> bool:
    """A nationality adjective ("Amerikaanse"): Frog's part of speech, when there is one, must agree."""
    if not _capitalised(token.text) or (token.pos and not token.pos.startswith("ADJ")):
        return False
    return _nationality(token.text, res, gazetteer) is not None


def _nationality(text: str, res: Resources, gazetteer: Any) -> str | None:
    """The country of a nationality or people word ("Russische" RU, "Oost-Duitse" DE, "Arabieren" ""), or
    None when the word is not one."""
    code = gazetteer.country_for_demonym(text) if gazetteer is not None else None
    if code:
        return str(code)
    if text in res.nationality_words:
        return res.nationality_words[text]
    compass = _COMPASS.match(text)
    if compass is not None:
        return _nationality(compass.group("rest"), res, gazetteer)
    return _place_adjective(text, res, gazetteer)


_ADJECTIVE_ENDINGS = (("ische", ("ië", "")), ("isch", ("ië", "")), ("sche", ("", "en")), ("se", ("", "en", "e")))


def _multiword_place_adjective(words: list[str], gazetteer: Any) -> str | None:
    """ "New Yorkse", "Sri Lankaanse", "Costa Ricaanse": an adjective made from a place of more words (its
    country), or None."""
    last = words[-1]
    if gazetteer is None or len(words) > 3 or not last[:1].isupper() or len(last) < 5:
        return None
    for ending, additions in (*_ADJECTIVE_ENDINGS, ("aanse", ("a", "")), ("aans", ("a", ""))):
        if last.endswith(ending):
            for addition in additions:
                place = gazetteer.resolve(" ".join([*words[:-1], last[:-len(ending)] + addition]))
                if place is not None:
                    return str(place.country_iso2)
    return None


def _place_adjective(text: str, res: Resources, gazetteer: Any) -> str | None:
    """An adjective made from a place name ("Anderlechtse", "Leuvense", "Antwerpse", "Joegoslavische"): the
    country of the place, "" when the place is known but not its country, None when it is no such word."""
    if len(text) < 6 or " " in text or not _capitalised(text) or text in res.first_names:
        return None
    for ending, additions in _ADJECTIVE_ENDINGS:
        if not text.endswith(ending):
            continue
        stem = text[:-len(ending)]
        for addition in additions:
            candidate = stem + addition
            if len(candidate) < 3:
                continue
            place = gazetteer.resolve(candidate) if gazetteer is not None else None
            if place is not None:
                return str(place.country_iso2)
            if _key(candidate) in res.locations or candidate in frog_place_names():
                return ""
        return None
    return None


def _shape_run(doc: Document, index: int, tokens: list[Token], first: int, last: int, res: Resources,
               gazetteer: Any, known: bool = False) -> list[Mention]:
    initial = _is_initial(tokens, first)
    # Drop a sentence-initial article ("De NMBS moet ...") unless the whole is a known name ("De Morgen").
    if last - first >= 2 and tokens[first].text.lower() in res.initial_articles:
        whole = _key(" ".join(t.text for t in tokens[first:last]))
        known = known or whole in res.organisations or whole in res.locations or whole in res.misc
        rest = [t.text for t in tokens[first + 1:last]]
        surname = _frog_tag(tokens[first]) == ("B", "PER") and _frog_tag(tokens[first + 1]) == ("I", "PER") \
            and tokens[first].text.lower() in res.particles and _multiword_place_adjective(rest, gazetteer) is None \
            and not (len(rest) == 1 and _nationality(rest[0], res, gazetteer) is not None)
        if initial and not known and not surname:  # "De Smedt begon ...": Frog's person keeps its particle
            first += 1
    # An occupation or title opening a run is the person's role, not part of the name ("Minister Vande Lanotte",
    # "Trainer Jan Ceulemans"), unless the rest names a building or a body ("Koning Boudewijnstadion").
    if not known and _occupation_token(tokens[first], res) and not _names_a_body(tokens[last - 1].text, res):
        if last - first >= 2:
            first += 1
        elif last < len(tokens) and _capitalised(tokens[last].text):
            return []  # "Minister | Karel Vervoort": the first name started a run of its own
    # Trailing particles or function words never end a name.
    while not known and last > first and (tokens[last - 1].text.lower() in res.connectors
                                          or tokens[last - 1].text.lower() in res.not_entities):
        last -= 1
    while not known and last > first and tokens[first].text.lower() in res.not_entities \
            and tokens[first].text.lower() not in res.initial_articles \
            and not (tokens[first].text.lower() in res.particles and last - first > 1):
        first += 1
    if last <= first:
        return []
    if not known and all(t.text.lower() in res.not_entities or t.text.lower() in res.initial_articles
                         for t in tokens[first:last]):
        return []
    # Numbers Frog keeps inside a name: "Radio 1", "Brussel 2000", "Formule 1".
    while last < len(tokens) and tokens[last].text.isdigit() and _frog_tag(tokens[last])[0] == "I":
        last += 1
    # A model number after a brand ("Boeing 747", "Nokia 3310"), a year after a city ("Brugge 2002", "Sydney
    # 2000": the event): part of the name.
    if last < len(tokens) and _model_number_after(tokens, first, last, res, gazetteer):
        last += 1
    labels = Counter(_frog_tag(t)[1] for t in tokens[first:last] if _frog_tag(t)[1])
    frog = ""
    if labels:
        # The label of the run's first tagged token wins ties: Frog's B- decides the type of its span.
        head = next(_frog_tag(t)[1] for t in tokens[first:last] if _frog_tag(t)[1])
        best = max(labels.values())
        frog = head if labels[head] == best else labels.most_common(1)[0][0]
    start, end = tokens[first].start, tokens[last - 1].end
    mention = Mention(index, first, last, start, end, doc.text[start:end], frog=frog,
                      source="frog" if frog else "shape", initial=initial)
    if last - first == 1 and _is_nationality(tokens[first], res, gazetteer):
        mention.kind = "nationality"
    return [mention]


_MODEL_NUMBER = re.compile(r"^(?:[A-Z]{1,3}-?)?\d{2,5}[A-Za-z]{0,2}$")  # 747, A340, 3310, 2000
_YEAR = re.compile(r"^(?:19[5-9]\d|20[0-4]\d)$")


def _model_number_after(tokens: list[Token], first: int, last: int, res: Resources, gazetteer: Any) -> bool:
    """Whether the token at ``last`` is a model number of the brand before it or the year of a city's event (not
    a count: "Fortis 2000 banen", "in Brussel 2000 mensen" have a noun after the number)."""
    number = tokens[last].text
    if not _MODEL_NUMBER.match(number) or (last + 1 < len(tokens) and tokens[last + 1].pos.startswith("N(")):
        return False
    name = " ".join(t.text for t in tokens[first:last])
    key = _key(name)
    if key in res.organisations and ((last - first == 1 and not number.isdigit()) or
                                     (number.isdigit() and len(number) >= 3)):
        return not _is_broadcaster(tokens[first:last + 1])
    if _YEAR.match(number) and gazetteer is not None and last - first == 1:
        place = gazetteer.resolve(name)
        return place is not None and place.kind == "city"
    return False


def _is_broadcaster(tokens: list[Token]) -> bool:
    words = tuple(_key(t.text) for t in tokens)
    return words in table_words().broadcasters.get(len(words), ())


def _names_a_body(word: str, res: Resources) -> bool:
    """A word ending like an organisation or a site ("Boudewijnstichting", "Boudewijnstadion")."""
    lower = word.lower()
    return (lower.endswith(res.organisation_suffixes) and len(lower) > 6) \
        or any(lower.endswith(tail) and len(lower) > len(tail) + 2 for tail in res.loc_tails if len(tail) >= 4)


def _compounds(doc: Document, index: int, tokens: list[Token], res: Resources) -> list[Mention]:
    """Names inside lowercase compounds ("Sabena-aandelen", "NAVO-top", "ex-Studio"): CoNLL's MISC."""
    found = []
    for k, token in enumerate(tokens):
        match = _LOWER_TAIL.match(token.text)
        if match is None:
            continue
        head = match.group("head")
        if len(head) < 2 or head.lower() in res.not_entities or not any(c.isalpha() for c in head):
            continue  # "33-jarige", "60-plussers": a number, no name
        if _is_initial(tokens, k) and not (_acronym(head) or _frog_tag(token)[0] != "O"):
            continue
        found.append(Mention(index, k, k + 1, token.start, token.end, token.text, frog="MISC", kind="compound",
                             canonical=head))
    return found


def _initials(doc: Document, index: int, tokens: list[Token], res: Resources) -> list[Mention]:
    """A byline of author's initials on a line of its own ("(KS)", "bd", "ABx"): a person."""
    words = [t for t in tokens if t.text not in ("(", ")", "[", "]")]
    if len(words) != 1 or len(tokens) > 3:
        return []
    token = words[0]
    text = token.text
    if not (2 <= len(text) <= 4 and text.isalpha() and any(c.isupper() for c in text)):
        return []
    if text[0].isupper() and not any(c.isupper() for c in text[1:]):
        return []  # an ordinary capitalised word ("Sport"), not initials
    if _key(text) in res.organisations or _key(text) in res.locations or text.lower() in res.not_entities:
        return []
    k = tokens.index(token)
    if _acronym(text) and not any(t.text == "(" for t in tokens) and len(tokens) == 1 and text.isupper() \
            and len(text) > 3:
        return []
    return [Mention(index, k, k + 1, token.start, token.end, text, kind="initials")]


# --- tables and lists -------------------------------------------------------------------------------------------
#
# Sport results, standings and rankings ("1. Erik Zabel (Dui) 4u12:05, 2. ...", "Anderlecht - Club Brugge 2-1",
# "Stand: 1. Genk 45, 2. ...") and radio and television listings ("Title Canvas 21.30") are recognised by their
# shape, and their parts typed by their place in it, as CoNLL does: a country code stands for its country (LOC),
# the name before it is an athlete (PER, or a team when it is a known organisation), a name in a match pairing or
# a standing is a club (ORG; a country is a national team and stays LOC; a person stays PER), other names in the
# brackets are teams or clubs (ORG); the channel of a listing is an organisation, the words before it the title
# of the programme (MISC).


@dataclass(frozen=True)
class TableWords:
    codes: dict[str, str]  # three-letter country codes (IOC, FIFA, ISO alpha-3, "Dui", "Ned") -> ISO2
    short_codes: dict[str, str]  # ISO alpha-2 and short forms ("VS"): inside a results line only
    country_names: dict[str, str]  # ISO2 -> Dutch name: the canonical name of a code
    headings: frozenset[str]  # "voetbal", "eindstand", "dames": the heads of a results line, never a name
    sections: frozenset[str]  # "Buitenland", "Algemeen": a newspaper section's head on a line of its own
    broadcasters: dict[int, frozenset[tuple[str, ...]]]  # channel names as keys of words, by number of words


@cache
def table_words(language: str = "nl") -> TableWords:
    folder = resources.files(f"kroniek.analyse.{language}")
    raw = tomllib.loads(folder.joinpath("tables.toml").read_text(encoding="utf-8"))
    codes: dict[str, str] = {}
    for line in folder.joinpath("country_codes.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, iso2 = line.split("\t")[:2]
            codes[code] = iso2
    names: dict[str, str] = {}
    short: dict[str, str] = {}
    local: list[tuple[str, str]] = []
    try:
        import gettext

        import pycountry

        translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)
        for country in pycountry.countries:
            dutch = translation.gettext(country.name)
            codes.setdefault(country.alpha_3, country.alpha_2)
            short[country.alpha_2] = country.alpha_2
            names[country.alpha_2] = dutch.split(",")[0]
            local.append((dutch, country.alpha_2))
    except ImportError:  # pragma: no cover - pycountry is a dependency; without it only the listed codes
        pass
    local.extend(tuple(item.rsplit(":", 1)) for item in raw["countries"]["names"])  # type: ignore[misc]
    # "Dui", "Ned", "Zwi": the first three letters of the Dutch name, title-cased; shared by two countries -> "".
    abbreviations: dict[str, set[str]] = defaultdict(set)
    for dutch, iso2 in local:
        letters = dutch[:3]
        if len(letters) == 3 and letters.isalpha():
            abbreviations[letters.capitalize()].add(iso2)
    # Shared by two countries ("Bel": België, Belize), the abbreviation is the more populous one's.
    gazetteer = _gazetteer()
    for abbreviation, countries in abbreviations.items():
        codes.setdefault(abbreviation, max(sorted(countries), key=lambda iso2: _population(gazetteer, iso2)))
    for item in raw["countries"]["short_forms"]:
        form, iso2 = item.rsplit(":", 1)
        short[form] = iso2
    broadcasters: dict[int, set[tuple[str, ...]]] = defaultdict(set)
    for name in raw["listings"]["broadcasters"]:
        words = tuple(_key(name).split())
        broadcasters[len(words)].add(words)
    return TableWords(codes, short, names, frozenset(_key(w) for w in raw["results"]["headings"]),
                      frozenset(_key(w) for w in raw["sections"]["headings"]),
                      {n: frozenset(v) for n, v in broadcasters.items()})


def _population(gazetteer: Any, iso2: str) -> int:
    country = gazetteer.country(iso2) if gazetteer is not None else None
    return int(country.population) if country is not None else 0


_RANK = re.compile(r"^\d{1,3}\.$")  # "1."
_SCORE = re.compile(r"^\d{1,3}-\d{1,3}$")  # "2-1", "6-3", "85-79"
_CLOCK = re.compile(r"^(?:[01]?\d|2[0-3])[.:u]\d\d(?!\d)")  # "21.30", "0.45", "20.15Reportage"
_BRACKET_SEPARATORS = frozenset({"/", ",", "-", "–", "+", ";"})
_MATCH_WORD = re.compile(r"^[A-ZÀ-Þ][\w.']+-[A-ZÀ-Þ][\w.']+$")  # "Anderlecht-Lokeren"


def country_code(text: str, strict: bool = True) -> str | None:
    """The ISO2 code ("" when shared) a results table's country code stands for ("GER", "Dui", "NED", "Bel"; with
    ``strict=False`` also "VS", "BE"), or None when the text is no country code."""
    words = table_words()
    if len(text) == 3 and text.isalpha() and (text.isupper() or text[1:].islower()) and text[0].isupper():
        if text in words.codes:
            return words.codes[text]
        if text.upper() in words.codes:
            return words.codes[text.upper()]
    if not strict and text.isupper() and text in words.short_codes:
        return words.short_codes[text]
    return None


def _in_tables_and_lists(doc: Document, index: int, tokens: list[Token], found: list[Mention], res: Resources,
                         gazetteer: Any) -> list[Mention]:
    """The mentions of a sentence, retyped when the sentence is a results line or a listing line."""
    if not found:
        return found
    words = [t for t in tokens if any(c.isalnum() for c in t.text)]
    if len(words) == 1 and _key(words[0].text) in table_words().sections:
        return []  # "Buitenland": the head of a newspaper section
    # Every listing and results line has a number (a time, a rank, a score) or a bracket (a country code).
    numbers = any(t.text[:1].isdigit() for t in tokens)
    listing = _listing_line(doc, index, tokens, found, res) if numbers else None
    if listing is not None:
        return listing
    if numbers or any(t.text == "(" for t in tokens):
        return _results_line(doc, index, tokens, found, res, gazetteer)
    words_ = table_words()
    return [m for m in found if not _heading(m, tokens, res, words_, table=False)]


def _listing_line(doc: Document, index: int, tokens: list[Token], found: list[Mention],
                  res: Resources) -> list[Mention] | None:
    """ "Telefacts Zomer VTM 22.15", "Danse avec un fauteuil Arte 20.15", "ARD 0.45": a clock time right after a
    known channel; the channel is an organisation, the words before it (up to a colon) the programme's title."""
    channels = table_words().broadcasters
    for t in range(1, len(tokens)):
        if not _CLOCK.match(tokens[t].text):
            continue
        start = next((t - n for n in sorted(channels, reverse=True) if n <= t and tuple(
            _key(tok.text) for tok in tokens[t - n:t]) in channels[n]), None)
        if start is None:
            continue
        made = [_made(doc, index, tokens, start, t, "ORG")]
        title_start = 0
        while title_start < start and tokens[title_start].text in _OPENERS:
            title_start += 1
        title_end = next((k for k in range(title_start, start) if tokens[k].text == ":"), start)
        while title_end > title_start and tokens[title_end - 1].text in _OPENERS:
            title_end -= 1
        if title_start < title_end <= title_start + 12 and _capitalised(tokens[title_start].text):
            made.insert(0, _made(doc, index, tokens, title_start, title_end, "MISC"))
        kept = [m for m in found if m.first >= t + 1 or (m.last <= title_start)
                or (title_end <= m.first and m.last <= start)]
        return sorted(kept + made, key=lambda m: m.first)
    return None


def _made(doc: Document, index: int, tokens: list[Token], first: int, last: int, label: str,
          canonical: str = "", country: str | None = None) -> Mention:
    start, end = tokens[first].start, tokens[last - 1].end
    return Mention(index, first, last, start, end, doc.text[start:end], source="shape", fixed=label,
                   canonical=canonical, country=country, initial=_is_initial(tokens, first))


def _results_line(doc: Document, index: int, tokens: list[Token], found: list[Mention], res: Resources,
                  gazetteer: Any) -> list[Mention]:
    """The mentions of a results line typed by their place in it (see the section comment); other sentences'
    mentions as they are, without the heads of a results table ("Eindstand", "Atletiek")."""
    words = table_words()
    by_last = {m.last: m for m in found if not m.kind}
    by_first = {m.first: m for m in found if not m.kind}
    codes: dict[int, tuple[str, bool]] = {}  # token -> (ISO2, strict code)
    in_brackets: list[tuple[int, int]] = []  # other names in brackets after a name
    owners: dict[int, Mention] = {}  # close bracket -> the name before the brackets
    athletes: set[int] = set()  # first token of a name followed by a bracketed country code
    for open_, close in _bracket_pairs(tokens):
        owner = by_last.get(open_)
        if owner is None:
            continue
        owners[close] = owner
        part_start = open_ + 1
        for k in range(open_ + 1, close + 1):
            if k < close and tokens[k].text not in _BRACKET_SEPARATORS:
                continue
            if k - part_start == 1:
                code = country_code(tokens[part_start].text, strict=True)
                loose = country_code(tokens[part_start].text, strict=False)
                if code is not None or loose is not None:
                    codes[part_start] = (code if code is not None else loose or "", code is not None)
                    athletes.add(owner.first)
                elif _capitalised(tokens[part_start].text):
                    in_brackets.append((part_start, k))
            elif k - part_start > 1 and _capitalised(tokens[part_start].text):
                in_brackets.append((part_start, k))
            part_start = k + 1
    ranks = [by_first[k + 1] for k in range(len(tokens) - 1) if k + 1 in by_first and (
        _RANK.match(tokens[k].text) or (tokens[k].text == "." and k > 0 and tokens[k - 1].text.isdigit()))]
    sides: list[Mention] = []
    for k, token in enumerate(tokens):
        if token.text not in ("-", "–") or k + 1 not in by_first:
            continue
        left = by_last.get(k) or owners.get(k - 1)
        right = by_first[k + 1]
        closing = next((c for c in owners if owners[c] is right), None)
        after = right.last if closing is None else closing + 1
        if left is not None and after < len(tokens) and _score_at(tokens, after):
            sides.extend((left, right))
    # "Anderlecht-Lokeren 2-1", "Freiburg-Bayern München 1-1": a match written as one word is the event (MISC).
    matches = [m for m in found if not m.kind and m.last < len(tokens) and _score_at(tokens, m.last)
               and _MATCH_WORD.match(tokens[m.first].text)]
    strict_codes = sum(1 for _iso, strict in codes.values() if strict)
    points = strict_codes + 0.5 * (len(codes) - strict_codes) + len(ranks) + len(sides) + 2 * len(matches)
    if points < 2:
        return [m for m in found if not _heading(m, tokens, res, words, table=False)]
    kept: list[Mention] = []
    code_tokens = {k for k, (_iso, strict) in codes.items()}
    for mention in found:
        if any(mention.first <= k < mention.last for k in code_tokens) or _heading(mention, tokens, res, words):
            continue
        if mention.kind:
            kept.append(mention)
            continue
        if mention in matches:
            mention.fixed = "MISC"
        elif mention.first in athletes:
            mention.fixed = "ORG" if _organisation_evidence(mention, res) else "PER"
        elif any(a <= mention.first and mention.last <= b for a, b in in_brackets):
            place = gazetteer.resolve(mention.text) if gazetteer is not None else None
            mention.fixed = "LOC" if place is not None and place.kind == "country" else "ORG"
        elif mention in sides or (mention in ranks and _points_after(tokens, mention)):
            # A rank without points after it ("1. Brussel , 2. Antwerpen") may rank anything: its votes decide.
            mention = _without_trailing_numbers(doc, tokens, mention)
            mention.fixed = _competitor_label(mention, res, gazetteer)[0]
        kept.append(mention)
    # The two sides of a match are of one kind: a side without evidence of its own follows the other
    # ("Lokeren - Lierse": two clubs, even when Frog reads "Lierse" as a person).
    for left, right in zip(sides[::2], sides[1::2], strict=True):
        (left_label, left_sure), (right_label, right_sure) = (_competitor_label(left, res, gazetteer),
                                                              _competitor_label(right, res, gazetteer))
        if left_sure and not right_sure and right.fixed:
            right.fixed = left_label
        elif right_sure and not left_sure and left.fixed:
            left.fixed = right_label
    for k, (iso2, _strict) in codes.items():
        kept.append(_made(doc, index, tokens, k, k + 1, "LOC", canonical=words.country_names.get(iso2, ""),
                          country=iso2 or None))
    return sorted(kept, key=lambda m: m.first)


def _bracket_pairs(tokens: list[Token]) -> list[tuple[int, int]]:
    pairs = []
    for k, token in enumerate(tokens):
        if token.text == "(":
            close = next((j for j in range(k + 1, min(k + 9, len(tokens))) if tokens[j].text in ("(", ")")), None)
            if close is not None and tokens[close].text == ")" and close > k + 1:
                pairs.append((k, close))
    return pairs


def _score_at(tokens: list[Token], k: int) -> bool:
    """ "2-1", or "2 - 1" / "2 : 1" over three tokens."""
    if _SCORE.match(tokens[k].text):
        return True
    return k + 2 < len(tokens) and tokens[k].text.isdigit() and tokens[k + 1].text in ("-", ":") \
        and tokens[k + 2].text.isdigit()


def _heading(mention: Mention, tokens: list[Token], res: Resources, words: TableWords, table: bool = True) -> bool:
    """A sport or a part of a results table ("Atletiek", "Eindstand") named as a heading: not a name. Outside a
    results line only when it heads the sentence (before a colon or a comma, or alone)."""
    key = _key(mention.text)
    if key not in words.headings or key in res.organisations or key in res.misc or key in res.locations:
        return False
    if table:
        return True
    return mention.last == len(tokens) or tokens[mention.last].text in (":", ",")


def _organisation_evidence(mention: Mention, res: Resources) -> bool:
    words = [w.lower() for w in mention.text.split()]
    return _key(mention.text) in res.organisations or (len(words) > 1 and (
        words[0] in res.org_heads or words[-1] in res.org_tails))


def _competitor_label(mention: Mention, res: Resources, gazetteer: Any) -> tuple[str, bool]:
    """A side of a match or a line of a standing, and whether the evidence is sure: a country (a national team)
    is LOC, a person PER, anything else a club (ORG), also when it is named after its town ("Genk", "Club
    Brugge"). Sure: a known organisation or organisation words, a country, a town, a first name."""
    if _organisation_evidence(mention, res):
        return "ORG", True
    if " " not in mention.text and country_code(mention.text) is not None:
        return "LOC", True  # "BEL - NED 2-1", "1. GER 12": the country's team
    place = gazetteer.resolve(mention.text) if gazetteer is not None else None
    if place is not None:
        return ("LOC", True) if place.kind == "country" else ("ORG", True)
    words = mention.text.split()
    voornamen, familienamen = frog_name_lists()
    if words[0] in res.first_names or (len(words) > 1 and words[0] in voornamen):
        return "PER", True
    if mention.frog == "PER" or words[-1] in familienamen:
        return "PER", False
    return "ORG", False


def _points_after(tokens: list[Token], mention: Mention) -> bool:
    """ "2. Club Brugge 41": a number right after the name of a standing (or inside it, when Frog took it in)."""
    last = mention.last
    return tokens[last - 1].text.isdigit() or (last < len(tokens) and tokens[last].text[:1].isdigit())


def _without_trailing_numbers(doc: Document, tokens: list[Token], mention: Mention) -> Mention:
    """ "Club Brugge 41" in a standing: the points are no part of the name."""
    last = mention.last
    while last - mention.first > 1 and tokens[last - 1].text.isdigit():
        last -= 1
    if last == mention.last:
        return mention
    mention.last = last
    mention.end = tokens[last - 1].end
    mention.text = doc.text[mention.start:mention.end]
    return mention


# --- votes ------------------------------------------------------------------------------------------------------


_W = {
    "frog": 2.0,
    "lexicon": 6.0,
    "role": 4.0,
    "org_word": 3.0,
    "loc_word": 3.0,
    "misc_word": 3.0,
    "country": 6.0,
    "big_place": 3.5,
    "place": 2.0,
    "small_place": 1.0,
    "first_name": 4.0,
    "frog_first_name": 2.0,
    "surname": 1.0,
    "acronym": 1.5,
    "frog_unknown_place": 1.0,
    "location_preposition": 1.5,
    "speech": 2.0,
    "compound_cue": 3.0,
    "person_noun": 1.0,
    "default_per": 0.3,
}


def _previous_words(doc: Document, mention: Mention, count: int = 2) -> list[str]:
    tokens = doc.sentences[mention.sentence].tokens
    return [t.text.lower() for t in tokens[max(0, mention.first - count):mention.first]][::-1]


def _vote(doc: Document, mention: Mention, res: Resources, gazetteer: Any) -> None:
    if mention.fixed:
        return
    votes = mention.votes
    tokens = doc.sentences[mention.sentence].tokens[mention.first:mention.last]
    words = [t.text for t in tokens]
    text = " ".join(words)
    key = _key(text)
    if mention.kind == "initials":
        votes.add("PER", _W["lexicon"])
        return
    if mention.kind == "compound":
        votes.add("MISC", _W["lexicon"])
        return
    demonym = _nationality(text, res, gazetteer) if len(tokens) == 1 else _multiword_place_adjective(
        words, gazetteer)
    if demonym is not None and key not in res.organisations:
        # "Russische", "Nederlanders", "Europese", "Arabieren": nationality, not a place (CoNLL's MISC).
        votes.add("MISC", 10)
        mention.kind = "nationality"
        mention.country = demonym or None
        return
    if len(tokens) == 1 and tokens[0].pos.startswith("ADJ") and mention.frog in ("LOC", "MISC"):
        votes.add("MISC", 10)  # an adjective from a place name the demonym list does not know ("Anderlechtse")
        mention.kind = "nationality"
        return
    # Known names.
    if key in res.organisations:
        votes.add("ORG", _W["lexicon"])
    compass_part = _COMPASS.match(text) if len(tokens) == 1 else None
    if key in res.locations or (compass_part is not None and _key(compass_part.group("rest")) in res.locations):
        votes.add("LOC", _W["lexicon"])  # "Noord-Afrika", "Oost-Europa": a compass part of a known region
    if key in res.misc:
        votes.add("MISC", _W["lexicon"])
    if not mention.initial and (key in res.ministries or (
            " en " in key and all(part.strip() in res.ministries for part in re.split(r" , | en ", key)))):
        votes.add("ORG", _W["lexicon"])  # "Cultuur", "Landbouw en KMO": a ministry named by its fields
    # Head and tail words of longer names ("Universiteit van ...", "... Airlines", "Sint-...", "... Street"), and
    # one-word names ending like an organisation ("Boerenbond", "Volksunie").
    lower = [w.lower() for w in words]
    several = len(words) > 1
    if (several and (lower[0] in res.org_heads or lower[-1] in res.org_tails)) \
            or (lower[-1].endswith(res.organisation_suffixes) and len(lower[-1]) > 6):
        votes.add("ORG", _W["org_word"])
    if several and (lower[0] in res.loc_heads or lower[-1] in res.loc_tails):
        votes.add("LOC", _W["loc_word"])
    if not several and any(lower[0].endswith(s) and len(lower[0]) > len(s) + 2 for s in res.loc_suffixes):
        votes.add("LOC", _W["loc_word"])  # "Noordstation", "Sint-Jozefziekenhuis"
    if several and any(w in _COMPLEMENT_OPENERS or w in _ENGLISH_OPENERS for w in lower):
        if _organisation_head(tokens, res):
            votes.add("ORG", _W["org_word"])  # "Commissie voor Onrechtmatige Bedingen", "Council of Europe"
        elif any(w in res.facility_head_nouns for w in lower):
            votes.add("LOC", _W["loc_word"])  # "Museum voor Schone Kunsten", "Museum of Modern Art"
    if lower[0] in res.misc_heads and len(words) > 1:
        votes.add("MISC", _W["misc_word"])
    # Places ("Noord-Afrika", "Zuid-Frankrijk": a compass part of a known place is a place too).
    if gazetteer is not None and key not in res.organisations:
        place = gazetteer.resolve(text)
        compass = _COMPASS.match(text)
        if place is None and compass is not None and len(tokens) == 1:
            place = gazetteer.resolve(compass.group("rest"))
        if place is not None:
            if place.kind == "country":
                votes.add("LOC", _W["country"])
            elif place.population >= 100_000 or place.kind in ("admin1", "region"):
                votes.add("LOC", _W["big_place"])
            elif place.population >= 15_000:
                votes.add("LOC", _W["place"])
            else:
                votes.add("LOC", _W["small_place"])
        elif text in frog_place_names():
            votes.add("LOC", _W["small_place"])
    # People.
    voornamen, familienamen = frog_name_lists()
    if len(words) >= 2 and words[0] not in res.not_first_names and not _acronym(words[0]):
        if words[0] in res.first_names:
            votes.add("PER", _W["first_name"])
        elif words[0] in voornamen and words[-1] in familienamen and key not in res.organisations \
                and key not in res.locations:
            votes.add("PER", _W["frog_first_name"])
    if words[-1] in familienamen and not _acronym(words[-1]) and len(words) <= 4:
        votes.add("PER", _W["surname"])
    # Shape: an acronym ("GTA", "SHFi") or a name with "&" ("L & H", "Ernst & Young") is most likely a company.
    if len(words) == 1 and (_acronym(words[0]) or _MIXED_ACRONYM.match(words[0])) and not _ROMAN.match(words[0]):
        votes.add("ORG", _W["acronym"])
    if "&" in words[1:-1] or any("&" in w[1:-1] for w in words):
        votes.add("ORG", _W["org_word"])
    # "Boeing 747", "Airbus A340" (a model of a brand), "Brugge 2002" (a city's event year): MISC.
    if several and _MODEL_NUMBER.match(words[-1]) and not _is_broadcaster(tokens) and (
            _key(" ".join(words[:-1])) in res.organisations or _YEAR.match(words[-1])):
        votes.add("MISC", _W["lexicon"] + _W["frog"])
    # Context: the word before the name ("president X", "persbureau X", "deelstaat X", "ontvoerder X",
    # "in X", "zei X"), and "minister van Cultuur".
    previous = _previous_words(doc, mention)
    before = previous[0] if previous else ""
    if before:
        token_before = doc.sentences[mention.sentence].tokens[mention.first - 1]
        label, weight, is_role = _cue(before, token_before.pos, res)
        if label:
            votes.add(label, weight)
            if is_role and label in ("PER", "ORG"):
                # "President Tokajev" opening a sentence: the role is "president"; "EU-commissaris" keeps its case.
                role = token_before.text
                mention.role = role if any(c.isupper() for c in role[1:]) else role.lower()
        if before in ("van", "voor") and len(previous) > 1 and previous[1] in res.ministry_cues:
            votes.add("ORG", _W["role"])  # "minister van Cultuur", "ministerie van Financiën"
        if before == "een" and len(tokens) == 1:
            votes.add("MISC", _W["role"])  # "een Concorde", "een Picasso": a thing of that name
    # After the name: an apposition with an occupation ("Bourla , ontwerper van ...", "Peeters , de woordvoerder
    # van ...") or an age in brackets ("Jan V. ( 45 )") says it is a person.
    if _person_after(doc.sentences[mention.sentence].tokens, mention.last, res):
        votes.add("PER", _W["role"])
    if mention.frog == "LOC" and votes.get("LOC", 0.0) < _W["small_place"]:
        # Frog's LOC is right for places the gazetteer knows; for other words it is mostly a title, a product,
        # or a foreign surname, so without a place behind it, it only says "some name".
        votes.add("MISC", _W["frog_unknown_place"])
    elif mention.frog:
        votes.add(mention.frog, _W["frog"])
    if mention.source == "shape" and sum(votes.values()) < _W["acronym"] and tokens[0].pos:
        # Frog saw the sentence and found no name here, and nothing else vouches for one ("Samen", "Avonds").
        votes.clear()
    elif mention.source == "shape" and not votes and len(tokens) > 1:
        votes.add("PER", _W["default_per"])  # two or more capitalised words and nothing else known: a person


_AGE = re.compile(r"^(?:\d{1,3}|[a-z]+)-?jarige$")  # "45-jarige", "vijftigjarige"


def _person_after(tokens: list[Token], position: int, res: Resources) -> bool:
    following = [t.text.lower() for t in tokens[position:position + 4]]
    if len(following) >= 3 and following[0] == "(" and following[1].isdigit() and following[2] == ")":
        return 0 < int(following[1]) < 110
    if len(following) >= 2 and following[0] == ",":
        noun = following[2] if following[1] in ("de", "het", "een") and len(following) > 2 else following[1]
        return noun.isalpha() and noun.islower() and _occupation(noun, res)
    return False


_PERSON_NOUN = re.compile(r"(?:[^aeiou]er|ster|eur|ier|[aeiou]tor|essor|ist|[elnr]aar|man|vrouw|[ae]res|rice|euse|"
                          r"loog|soof|naut|iet|ent)$")


def _cue(word: str, pos: str, res: Resources) -> tuple[str, float, bool]:
    """What the word before a name says about it: (label, weight, whether it is a title or role to record)."""
    if word in res.person_cues:
        return "PER", _W["role"], True
    if word in res.organisation_cues:
        return "ORG", _W["role"], True
    if word in res.location_cues:
        return "LOC", _W["role"], False
    if word in res.location_prepositions:
        return "LOC", _W["location_preposition"], False
    if word in res.speech_verbs:
        return "PER", _W["speech"], False
    if _AGE.match(word):
        return "PER", _W["role"], False  # "de 45-jarige Peeters"
    if (not word.isalpha() and "-" not in word) or (pos and not pos.startswith("N(soort")):
        return "", 0.0, False
    # "EU-commissaris", "VVD-leider", "ex-legerleider", "fusiebedrijf", "deelstaatshoofdstad": compounds
    # ending in a cue word.
    tail = word.rsplit("-", 1)[-1]
    if "-" in word and (tail in res.person_cues or tail.endswith(res.person_suffixes)):
        return "PER", _W["role"], True
    # The longest cue of 4+ letters the word ends in, with 3+ letters before it; on a tie person before
    # organisation before location.
    for length in range(len(word) - 3, 3, -1):
        ending = word[-length:]
        for label, by_length in res.cue_suffixes:
            if ending in by_length.get(length, ()):
                return label, _W["compound_cue"], label != "LOC"
    # "tegenkandidaat X", "ex-bondscoach X": an occupation or office (nl/occupations.toml).
    if _occupation(word, res):
        return "PER", _W["compound_cue"], True
    # "BBC-programma X", "controlesysteem X", "muziekfestival X": a title, product or event.
    if word in res.misc_cues:
        return "MISC", _W["role"], False
    for length in range(len(word) - 3, 3, -1):
        if word[-length:] in res.misc_cue_suffixes.get(length, ()):
            return "MISC", _W["compound_cue"], False
    # "ontvoerder X", "filmster X", "accordeonist X": a noun for a person.
    if _PERSON_NOUN.search(word) and word not in res.not_person_nouns and (not pos or pos.startswith("N(soort,ev")):
        return "PER", _W["person_noun"], True
    return "", 0.0, False


def _occupation(word: str, res: Resources, proper: bool = False) -> bool:
    """An occupation, office or title noun ("premier", "trainer"), one after a prefix ("ex-premier",
    "oud-minister", "vicepremier"), or a compound ending in one ("bondscoach", "EU-commissaris",
    "tegenkandidaat"). ``proper``: the word may be a name (capitalised, Frog did not call it a common noun),
    so only whole words and prefixed forms count, not compounds ("Deprins" is a surname)."""
    lower = word.lower()
    if lower in res.occupations:
        return True
    for prefix in res.occupation_prefixes:
        if lower.startswith(prefix) and lower[len(prefix):] in res.occupations and len(lower) > len(prefix) + 3:
            return True
    if proper:
        return False
    tail = lower.rsplit("-", 1)[-1]
    if tail != lower and tail in res.occupations:
        return True
    return any(lower[-length:] in res.occupation_suffixes.get(length, ()) for length in range(len(lower) - 3, 3, -1))


def _occupation_token(token: Token, res: Resources) -> bool:
    """A capitalised token that is an occupation: compounds only when Frog read the word as a common noun."""
    return _occupation(token.text, res, proper=not token.pos.startswith("N(soort"))


# --- one type per name per document -----------------------------------------------------------------------------


_AMPERSAND = re.compile(r"\s*&\s*")
_SPACES = re.compile(r"\s+")
_KEYS: dict[str, str] = {}


def _key(text: str) -> str:
    key = _KEYS.get(text)
    if key is None:
        key = unicodedata.normalize("NFC", text).replace("’", "'").replace("`", "'")
        if "&" in key:
            key = _AMPERSAND.sub(" & ", key)  # "L&H" and "L & H" are one name
        key = _SPACES.sub(" ", key.lower()).strip()
        if len(_KEYS) < 100_000:
            _KEYS[text] = key
    return key


def _harmonise(mentions: list[Mention], res: Resources, aliases: dict[str, str] | None = None) -> None:
    """One type per name per document: votes are added up over the mentions of a name, where a surname alone
    counts as the full name it ends and a short form as the longer name it starts."""
    _possessives(mentions)
    names = [m for m in mentions if m.kind not in ("compound", "initials", "possessive") and not m.fixed]
    groups: dict[str, list[Mention]] = defaultdict(list)
    for mention in names:
        groups[_key(mention.text)].append(mention)
    totals = {key: Votes.summed(m.votes for m in group) for key, group in groups.items()}
    # A one-word name that ends a longer name of a person (a surname) or starts a longer name of anything else
    # ("Sabena" / "Sabena Airline Management") joins that name when the longer name is unique.
    long_keys = [k for k in groups if " " in k]
    parent: dict[str, str] = {k: v for k, v in (aliases or {}).items() if k in groups and v in groups}
    for key in groups:
        if key in parent:
            continue
        if groups[key][0].kind == "nationality":
            continue
        if " " in key:
            # "De Prins" / "Van Diepenbeek" after "Herman De Prins": the end of a person's full name.
            longer = [k for k in long_keys if k.endswith(" " + key) and _best(totals[k]) == "PER"]
            if len(longer) == 1:
                parent[key] = longer[0]
            continue
        ends = [k for k in long_keys if k.split()[-1] == key and _best(totals[k]) == "PER"]
        starts = [k for k in long_keys if k.split()[0] == key and _best(totals[k]) in ("ORG",)]
        candidates = ends or starts
        if len({c for c in candidates}) == 1:
            parent[key] = candidates[0]
        elif len(candidates) > 1 and ends:
            parent[key] = max(ends, key=lambda k: len(groups[k]))
    merged: dict[str, list[Mention]] = defaultdict(list)
    for key, group in groups.items():
        merged[parent.get(key, key)].extend(group)
    for group in merged.values():
        total = Votes.summed(m.votes for m in group)
        label = _best(total)
        # The fullest form: most words, then longest ("Kassym-Jomart Tokajev" for "Tokajev"; the expansion
        # for an acronym).
        canonical = max((m.text for m in group), key=lambda t: (len(t.split()), len(t)))
        country = next((m.country for m in group if m.country), None)
        role = next((m.role for m in group if m.role), None)
        for mention in group:
            mention.label = label
            mention.canonical = canonical
            mention.country = mention.country or country
            mention.role = mention.role or role
    for mention in mentions:
        if mention.fixed:
            mention.label = mention.fixed
            mention.canonical = mention.canonical or mention.text
        elif mention.kind in ("compound", "initials", "possessive"):
            mention.label = _best(mention.votes)
            mention.canonical = mention.canonical or mention.text


def _possessives(mentions: list[Mention]) -> None:
    """A name with a genitive s ("Arafats", "Ehud Baraks", "India's") is a word derived from a name: MISC, as
    for nationality words. Without an apostrophe only when the bare name occurs in the document too."""
    words: set[str] = set()
    for mention in mentions:
        if mention.kind in ("", "nationality"):
            words.update(_key(mention.text).split())
    for mention in mentions:
        if mention.kind or mention.fixed:
            continue
        last = _key(mention.text).split()[-1]
        apostrophe = re.search(r"\w['’]s$", mention.text) is not None
        if apostrophe or (len(last) > 3 and last.endswith("s") and last[:-1] in words):
            mention.kind = "possessive"
            mention.votes = Votes(MISC=10.0)


def _best(votes: Votes) -> str:
    if not votes:
        return ""
    order = {"PER": 0, "ORG": 1, "LOC": 2, "MISC": 3}
    return max(votes, key=lambda label: (votes[label], -order.get(label, 9)))


# --- gazetteer links --------------------------------------------------------------------------------------------


def _link(mentions: list[Mention], gazetteer: Any) -> list[Entity]:
    kept = [m for m in mentions if m.label in LABELS]
    kept = _without_overlaps(kept)
    countries: Counter[str] = Counter()
    places: dict[int, Any] = {}
    if gazetteer is not None:
        for position, mention in enumerate(kept):
            if mention.label == "MISC" and mention.country:
                countries[mention.country] += 1
            elif mention.label == "LOC":
                place = gazetteer.resolve(mention.canonical or mention.text)
                if place is not None:
                    places[position] = place
                    countries[place.country_iso2] += 2 if place.kind == "country" else 1
    context = [code for code, _n in countries.most_common(3) if code != "EU"]
    entities: list[Entity] = []
    for position, mention in enumerate(kept):
        entity = Entity(text=mention.text, label=mention.label, start=mention.start, end=mention.end,
                        sentence=mention.sentence, canonical=mention.canonical or mention.text,
                        country=mention.country, role=mention.role,
                        raw_label=mention.frog or mention.source)
        if mention.label == "LOC" and gazetteer is not None:
            name = mention.canonical if mention.fixed else mention.text  # "(Dui)": Duitsland
            place = gazetteer.resolve(name, context) if context else places.get(position)
            if place is not None:
                entity.place_id = place.geonameid
                entity.country = place.country_iso2
                entity.canonical = place.name
        entities.append(entity)
    return entities


def _without_overlaps(mentions: Iterable[Mention]) -> list[Mention]:
    """Drop a mention that overlaps one already kept in the same sentence (the longer name wins)."""
    ordered = sorted(mentions, key=lambda m: (m.sentence, -(m.last - m.first), m.first))
    taken: dict[int, list[tuple[int, int]]] = defaultdict(list)
    kept: list[Mention] = []
    for mention in ordered:
        spans = taken[mention.sentence]
        if any(a < mention.last and mention.first < b for a, b in spans):
            continue
        spans.append((mention.first, mention.last))
        kept.append(mention)
    kept.sort(key=lambda m: (m.sentence, m.first))
    return kept
