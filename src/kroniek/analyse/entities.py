"""Entities that are right: Frog's raw PER/LOC/ORG/MISC tags cleaned up with cues, lexicons, the gazetteer and
document-level consistency.

Frog's NER is unstable on rare foreign names (one name can come out PER, LOC and ORG in one article) and follows
SoNaR in tagging place adjectives ("Russische") as LOC. The fixes, in order:

1. mentions from Frog's IOB tags on deeply analysed sentences, plus capitalised name sequences on shallow ones;
2. nationality words ("Russische", "Kazach") become MISC with their country;
3. role cues before a name decide its type ("president X" is a person, "persbureau X" an organisation);
4. known organisations and places (lexicon, gazetteer) vote for their type;
5. one type per name per document: a weighted vote over all mentions of the name (a surname alone counts as
   the full name used earlier), and the canonical name is the longest form;
6. places are linked to the gazetteer with the document's countries as context.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from kroniek.model import Document, Entity, Sentence, Token

LABELS = ("PER", "LOC", "ORG", "MISC")
CONNECTORS = {"van", "de", "der", "den", "von", "al", "el", "bin", "ben", "da", "di", "du", "la", "le", "ter",
              "ten", "op", "in", "'t", "voor", "en", "of"}
# Connectors that may sit inside person names (Jan van der Berg) or place/org names (Raad van State).
_CAPITALISED = re.compile(r"^[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.\-&]*$")


@dataclass(frozen=True)
class Resources:
    person_cues: frozenset[str]
    person_suffixes: tuple[str, ...]
    organisation_cues: frozenset[str]
    organisations: dict[str, str]  # lowercase -> canonical
    locations: dict[str, str]
    not_entities: frozenset[str]


@cache
def load_resources(language: str = "nl") -> Resources:
    raw = tomllib.loads(resources.files(f"kroniek.analyse.{language}").joinpath("entities.toml")
                        .read_text(encoding="utf-8"))
    return Resources(
        person_cues=frozenset(raw["person_cues"]["words"]),
        person_suffixes=tuple(raw["person_cues"]["suffixes"]),
        organisation_cues=frozenset(raw["organisation_cues"]["words"]),
        organisations={name.lower(): name for name in raw["organisations"]["names"]},
        locations={name.lower(): name for name in raw["locations"]["names"]},
        not_entities=frozenset(raw["not_entities"]["words"]),
    )


@cache
def _gazetteer() -> Any:
    try:
        from kroniek.analyse.gazetteer import Gazetteer
    except ImportError:  # pragma: no cover - the gazetteer ships with the package
        return None
    return Gazetteer.load("nl")


@dataclass
class Mention:
    sentence: int
    first: int  # token index range [first, last)
    last: int
    start: int
    end: int
    text: str
    label: str
    source: str  # "frog" | "shape"
    votes: Counter[str] = field(default_factory=Counter)
    role: str | None = None
    country: str | None = None


def find_entities(doc: Document, language: str = "nl") -> list[Entity]:
    res = load_resources(language)
    gazetteer = _gazetteer()
    mentions: list[Mention] = []
    for index, sentence in enumerate(doc.sentences):
        mentions.extend(_tagged_mentions(doc, index, sentence) if sentence.deep
                        else _shape_mentions(doc, index, sentence, res))
    for mention in mentions:
        _vote(doc, mention, res, gazetteer)
    _harmonise(mentions)
    return _link(mentions, gazetteer)


# --- 1. mentions ------------------------------------------------------------------------------------------------


def _tagged_mentions(doc: Document, index: int, sentence: Sentence) -> list[Mention]:
    found: list[Mention] = []
    current: Mention | None = None
    for position, token in enumerate(sentence.tokens):
        tag = token.ner or "O"
        prefix, _, label = tag.partition("-")
        label = label.split("_")[0]
        if prefix in ("B", "I") and label in LABELS:
            if current is not None and prefix == "I" and current.label == label:
                current.last = position + 1
                current.end = token.end
                continue
            current = Mention(index, position, position + 1, token.start, token.end, "", label, "frog")
            found.append(current)
        else:
            current = None
    for mention in found:
        mention.text = doc.text[mention.start:mention.end]
    return found


def _is_name_token(token: Token) -> bool:
    return bool(_CAPITALISED.match(token.text)) and not token.text.isupper() or (
        token.text.isupper() and 2 <= len(token.text) <= 6 and token.text.isalpha())


def _shape_mentions(doc: Document, index: int, sentence: Sentence, res: Resources) -> list[Mention]:
    """Names on sentences Frog did not see: runs of capitalised tokens (with name connectors inside)."""
    tokens = sentence.tokens
    found: list[Mention] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if not _is_name_token(token) or (token.text.lower() in res.not_entities):
            position += 1
            continue
        last = position + 1
        while last < len(tokens):
            following = tokens[last]
            if _is_name_token(following) and following.text.lower() not in res.not_entities:
                last += 1
            elif (following.text.lower() in CONNECTORS and last + 1 < len(tokens)
                  and _is_name_token(tokens[last + 1])):
                last += 2
            else:
                break
        start, end = token.start, tokens[last - 1].end
        text = doc.text[start:end]
        sentence_initial = position == 0 or tokens[position - 1].text in ("„", '"', "'", "“", "‘", ":", "-", "–")
        # A lone capitalised word opening a sentence is usually just a capitalised word; keep it only when
        # something else vouches for it (a lexicon or the gazetteer), which the vote checks.
        found.append(Mention(index, position, last, start, end, text, "", "shape" if not sentence_initial
                             else "shape-initial"))
        position = last
    return found


# --- 2-4. votes -------------------------------------------------------------------------------------------------


def _previous_word(doc: Document, mention: Mention) -> str:
    tokens = doc.sentences[mention.sentence].tokens
    if mention.first == 0:
        return ""
    return tokens[mention.first - 1].text.lower()


def _vote(doc: Document, mention: Mention, res: Resources, gazetteer: Any) -> None:
    text = mention.text
    lower = text.lower()
    tokens = doc.sentences[mention.sentence].tokens[mention.first:mention.last]
    if mention.label:
        mention.votes[mention.label] += 1
    demonym = gazetteer.country_for_demonym(text) if gazetteer is not None and len(tokens) == 1 else None
    is_adjective = bool(tokens) and all(t.coarse_pos == "ADJ" for t in tokens)
    if demonym or (is_adjective and mention.label in ("LOC", "MISC")):
        mention.votes["MISC"] += 10
        mention.country = demonym
        return
    previous = _previous_word(doc, mention)
    if previous in res.person_cues or (previous and previous.endswith(res.person_suffixes)):
        mention.votes["PER"] += 4
        mention.role = previous
    elif previous in res.organisation_cues:
        mention.votes["ORG"] += 4
        mention.role = previous
    if lower in res.organisations:
        mention.votes["ORG"] += 3
    if lower in res.locations:
        mention.votes["LOC"] += 3
    if gazetteer is not None and gazetteer.is_place_name(text) and lower not in res.organisations:
        mention.votes["LOC"] += 2
    if mention.source == "shape" and not mention.votes and len(tokens) >= 2:
        mention.votes["PER"] += 0.5  # two capitalised words with nothing else known: most often a person


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("’", "'")).strip()


def _harmonise(mentions: list[Mention]) -> None:
    """One type per name per document; a surname alone joins the full name it is the end of."""
    full_names: dict[str, str] = {}
    for mention in mentions:
        words = _key(mention.text).split()
        if len(words) >= 2:
            full_names.setdefault(words[-1], _key(mention.text))
    groups: dict[str, list[Mention]] = defaultdict(list)
    for mention in mentions:
        key = _key(mention.text)
        if " " not in key and key in full_names:
            key = full_names[key]
        groups[key].append(mention)
    for group in groups.values():
        total: Counter[str] = Counter()
        for mention in group:
            total.update(mention.votes)
        if not total:
            for mention in group:
                mention.label = ""
            continue
        label = total.most_common(1)[0][0]
        canonical = max((m.text for m in group), key=len)
        country = next((m.country for m in group if m.country), None)
        for mention in group:
            mention.label = label
            mention.text = mention.text
            mention.country = mention.country or country
            mention.role = mention.role or next((m.role for m in group if m.role), None)
            setattr(mention, "canonical", canonical)


# --- 6. gazetteer links -----------------------------------------------------------------------------------------


def _link(mentions: list[Mention], gazetteer: Any) -> list[Entity]:
    entities: list[Entity] = []
    kept = [m for m in mentions if m.label in LABELS]
    countries: Counter[str] = Counter()
    if gazetteer is not None:
        for mention in kept:
            if mention.label == "MISC" and mention.country:
                countries[mention.country] += 1
            elif mention.label == "LOC":
                place = gazetteer.resolve(mention.text)
                if place is not None:
                    countries[place.country_iso2] += 1
    context = [code for code, _n in countries.most_common(3)]
    for mention in kept:
        entity = Entity(text=mention.text, label=mention.label, start=mention.start, end=mention.end,
                        sentence=mention.sentence, canonical=str(getattr(mention, "canonical", mention.text)),
                        country=mention.country, role=mention.role, raw_label=mention.source)
        if mention.label == "LOC" and gazetteer is not None:
            place = gazetteer.resolve(mention.text, context)
            if place is not None:
                entity.place_id = place.geonameid
                entity.country = place.country_iso2
                entity.canonical = place.name
        entities.append(entity)
    return entities
