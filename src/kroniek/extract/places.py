"""Where an event happened: the article's places by sentence (``DocumentContext``), the one chosen for an event,
and the sentence's own words for the spot (site phrases, towns the gazetteer does not know, "daar"/"hier"), each
kept as evidence with its span."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from kroniek.extract.lexicon import Lexicon, lexicon
from kroniek.model import Document, Entity, Evidence, Place


def gazetteer() -> Any:
    from kroniek.analyse.gazetteer import Gazetteer

    return Gazetteer.load("nl")


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
        places: dict[int, list[tuple[Entity, Any]]] = {}
        city_counts: Counter[str] = Counter()
        first_city: dict[str, tuple[Entity, Any]] = {}
        for entity in doc.entities:
            if entity.label != "LOC":
                continue
            place = places_db.resolve(entity.text, countries[:3])
            if place is None:
                continue
            places.setdefault(entity.sentence, []).append((entity, place))
            if place.kind != "country":
                city_counts[place.name] += 1
                first_city.setdefault(place.name, (entity, place))
        dominant_city = first_city[city_counts.most_common(1)[0][0]] if city_counts else None
        dominant_country = places_db.country(countries[0]) if countries else None
        return cls(countries, places, dominant_city, dominant_country)


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


_LOCATIVE_WORDS = frozenset({"in", "op", "bij", "nabij", "te", "aan", "rond", "buiten", "naar", "vlakbij", "voor"})
_ORIGIN_WORDS = frozenset({"uit", "van"})


def choose_place(doc: Document, index: int, context: DocumentContext, article_id: str,
                 trigger_at: int | None = None) -> tuple[Place | None, Evidence | None]:
    """The place in the sentence where it happened (after "in", "op", "bij"; not the "uit X" someone comes from;
    a town before a country; nearest the trigger); else a town named just before (same paragraph); else the
    article's main town (precision 2: near it) or its country (precision 3)."""
    here = context.places.get(index, [])
    home = context.countries[0] if context.countries else None
    if home is not None and here and all(p.country_iso2 != home and p.kind == "country" for _e, p in here):
        here = []  # only foreign countries named ("an alliance with Russia"): the event happens at home
    if here:
        reporting = lexicon("nl").reporting_clause
        sentence_start = doc.sentences[index].start

        def rank(entity_place: tuple[Entity, Any]) -> tuple[bool, bool, bool, bool, bool, int]:
            entity, place = entity_place
            before = doc.text[max(0, entity.start - 25):entity.start].lower().split()
            # "uit Holsbeek" is where a person comes from, "in Leuven" where it happened
            origin = bool(before) and before[-1] in _ORIGIN_WORDS
            located = any(word in _LOCATIVE_WORDS for word in before[-3:])
            distance = abs(entity.start - trigger_at) if trigger_at is not None else 0
            # ", zo deelde de IOM in Genève mee": where it was said
            said = reporting is not None and bool(reporting.search(doc.text[sentence_start:entity.start]))
            return said, origin, place.kind == "country", place.kind == "admin1", not located, distance

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


def site_evidence(sentence: str, offset: int, triggers: list[tuple[int, int]], lex: Lexicon, article_id: str,
                  place_text: str | None = None) -> list[Evidence]:
    """Where it happened in the sentence's own words, next to the gazetteer's place: the site phrase nearest the
    trigger ("in de stationsbuurt", "aan het Priester Daensplein"), a town named the way news names towns abroad ("in
    het Britse Salisbury", which the gazetteer may not know), and a nationality adjective on a trigger word itself
    ("Palestijnse protesten", "de Syrische burgeroorlog": where, at country level). ``triggers`` are the trigger
    words' spans in the sentence, the first one the event's own. Evidence "location", no coordinates."""
    found: list[Evidence] = []

    def add(start: int, end: int, text: str) -> None:
        if text != place_text and all(e.text != text for e in found):
            found.append(Evidence(article_id, offset + start, offset + end, "location", text))

    anchor = triggers[0][0] if triggers else 0
    for pattern in (lex.location_phrase, lex.place_name):
        if pattern is None:
            continue
        phrases = list(pattern.finditer(sentence))
        if phrases:  # nearest the trigger
            near = min(phrases, key=lambda m: abs(m.start() - anchor))
            add(near.start("phrase"), near.end("phrase"), near.group("phrase"))
    for start, end in triggers:
        window_start = max(0, start - 40)
        adjective = re.search(r"([A-Z][\w\-]*[es])\s+$", sentence[window_start:start])
        if adjective is not None and len(sentence[start:end].split()) == 1 \
                and gazetteer().country_for_demonym(adjective.group(1)):
            add(window_start + adjective.start(1), window_start + adjective.end(1), adjective.group(1))
    return found


def places_at(doc: Document, index: int, context: DocumentContext, article_id: str, at: int) -> list[Evidence]:
    """Every place evidence for something reported at document offset ``at`` in sentence ``index`` (a figure, a
    death word) that has no event record of its own: the place chosen as for an event there, places coordinated
    with it, else "daar"/"hier" and a place name the gazetteer does not know ("Assebroekse Meersen"), and the
    site phrase nearest the spot."""
    lex = lexicon("nl")
    sentence = doc.sentences[index]
    text = doc.text[sentence.start:sentence.end]
    found: list[Evidence] = []
    _place, evidence = choose_place(doc, index, context, article_id, at)
    local = evidence is not None and sentence.start <= evidence.start < sentence.end
    if evidence is not None and local:
        found.append(evidence)
        found.extend(coordinated_places(doc, index, context, evidence, article_id))
    else:
        found.extend(deictic_evidence(text, sentence.start, lex, article_id))
        named = next((e for e in doc.entities if e.label == "LOC" and e.sentence == index), None)
        if named is not None:
            found.append(Evidence(article_id, named.start, named.end, "location", named.text))
    found.extend(site_evidence(text, sentence.start, [(at - sentence.start, at - sentence.start)], lex, article_id,
                               evidence.text if evidence is not None and local else None))
    return found
