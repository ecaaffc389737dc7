"""Events from a Document, the dictionary coders' way: trigger words by class and lemma per sentence
(``extract/triggers.py``, ``nl/triggers.toml``), each hit weighed by the sense layer (``extract/sense.py``), then
actors, place, date and contexts from the sentence and its neighbours, each with the evidence span it came from.

Type decisions (ACLED / PLOVER; the codings are ``nl/events.toml`` [types]): a protest is Protests / Peaceful
protest, "with intervention" when police act against it (traangas, confrontaties, verwijderd) and "Excessive force
against protesters" when protesters are killed; riots, looting and storming buildings are Riots / Violent
demonstration and PLOVER PROTEST/riot; an armed group taking an airport or building is Battles / Non-state actor
overtakes territory and the army retaking it Government regains territory (PLOVER ASSAULT); armed forces'
offensives, advances and invasions are Battles / Armed clash; assaults, killings, shootings, stabbings and torture
are Violence against civilians / Attack and sexual violence its Sexual violence (PLOVER ASSAULT, mode by class);
bombs and explosions, air strikes, shelling and suicide bombs are the Explosions/Remote violence sub-events;
hostage-taking and kidnapping are Abduction/forced disappearance (PLOVER ASSAULT/abduct); arson is Strategic
developments / Looting/property destruction (PLOVER ASSAULT/destroy); arrests and detention are Strategic
developments / Arrests and PLOVER COERCE/arrest; a prison term handed down is Strategic developments / Other and
PLOVER SANCTION/convict; a request for (military) help is Strategic developments / Other and PLOVER REQUEST; troops
sent or arriving are Strategic developments / Other and PLOVER MOBILIZE/troops; a government resigning is Strategic
developments / Change to group/activity and PLOVER RETREAT/resign, an official dismissed the same ACLED type and
PLOVER COERCE; agreements and ceasefires are Agreement (PLOVER AGREE); curfews and states of emergency COERCE/curfew,
expulsions SANCTION/expel, sanctions SANCTION, internet shutdowns COERCE/censor (all Strategic developments /
Other). Foreign state forces are State forces of their own country, as ACLED codes them.

A hit the sense layer finds not literal, generic or with a non-human victim is no event; an act it finds only
referred to (a trial, a charge, a funeral) is an event with the context ``referred``, which does not count as
having happened.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from kroniek.analyse.dates import find_dates, load_date_lexicon
from kroniek.extract import sense as sense_layer
from kroniek.extract.attribution import attribution_in, source_spans
from kroniek.extract.lexicon import ActorRule, EventCoding, Lexicon, lexicon
from kroniek.extract.places import DocumentContext, country_name, event_places, gazetteer
from kroniek.extract.sense import Sense
from kroniek.extract.triggers import Hit, TriggerLexicon, sentence_hits, trigger_lexicon
from kroniek.model import Actor, Article, Document, Event, Evidence, PartialDate


def _actor_country(sentence: str, match: re.Match[str], default: str | None) -> str | None:
    """A nationality word right before the actor noun ("Russische parachutisten") decides its country."""
    before = sentence[max(0, match.start() - 40):match.start()].split()
    places = gazetteer()
    for word in reversed(before[-3:]):
        code = places.country_for_demonym(word.strip(",.;:'\"„”"))
        if code and len(code) == 2:
            return str(code)
    return default


@dataclass
class ActorMatch:
    rule: ActorRule
    start: int
    end: int
    country: str | None


def find_actors(sentence: str, lex: Lexicon, default_country: str | None) -> list[ActorMatch]:
    found = []
    possible = lex.actor_screen.possible(sentence)
    for number, rule in enumerate(lex.actors):
        if number not in possible:
            continue  # none of the rule's words is in the sentence: it cannot match
        for match in rule.pattern.finditer(sentence):
            found.append(ActorMatch(rule, match.start(), match.end(),
                                    _actor_country(sentence, match, default_country)))
    return sorted(found, key=lambda a: a.start)


def _make_actor(rule: ActorRule, country: str | None, name: str = "") -> Actor:
    label = rule.name.format(country=country_name(country), name=name or "multinational force")
    return Actor(name=label, actor_type=rule.actor_type, country=country)


def _default_actor(lex: Lexicon, role: str, country: str | None) -> Actor | None:
    for rule in lex.actors:
        if rule.role == role:
            return _make_actor(rule, country)
    return None


def _nearest(actors: list[ActorMatch], roles: set[str], position: int,
             exclude: ActorMatch | None = None) -> ActorMatch | None:
    candidates = [a for a in actors if a.rule.role in roles and a is not exclude]
    return min(candidates, key=lambda a: abs(a.start - position)) if candidates else None


ROLE_FAMILIES = {
    "police": {"police", "military"}, "military": {"military", "police"}, "government": {"government"},
    "protesters": {"protesters"}, "rioters": {"rioters", "protesters"}, "militia": {"militia", "rebels"},
    "civilians": {"civilians"}, "people": {"protesters", "civilians", "rioters"},
    "external": {"external"}, "state": {"military", "police"},
}


def contexts_for(sentence: str, trigger: tuple[int, int], lex: Lexicon, date: PartialDate | None,
                 anchor: PartialDate | None) -> list[str]:
    """Grammatical contexts of the trigger at ``trigger`` (offsets in ``sentence``)."""
    trigger_start, trigger_end = trigger
    found: list[str] = []
    # Blank out phrases with "niet" that do not negate ("niet alleen ... maar ook"), keeping offsets.
    cleaned = re.sub(r"\bniet (?:alleen|meer dan|minder dan|langer|bekend\w*)\b|\bonbekend\b",
                     lambda m: " " * len(m.group()), sentence)
    window = cleaned[max(0, trigger_start - 45):min(len(cleaned), trigger_end + 25)]
    if lex.negation.search(window):
        found.append("negated")
    if lex.hypothetical.search(sentence):
        found.append("hypothetical")
    if lex.future.search(sentence) and not re.search(r"\b(?:zijn|waren|hebben|werden)\b", sentence[:trigger_start]):
        found.append("future")
    if (date is not None and anchor is not None and date.last_day.year < anchor.value.year) or \
            (lex.historical.search(sentence) and date is not None and anchor is not None
             and date.last_day < anchor.value and date.precision.value == "year"):
        found.append("historical")
    return found


def _coming(mention: Any, anchor: PartialDate | None) -> PartialDate:
    """The date of a future act: a weekday is resolved to the latest such day on or before the publication,
    but for an act still to come it is the next one ("roept op dinsdag te demonstreren" on a Thursday)."""
    date: PartialDate = mention.date
    if anchor is None or date.precision.value != "day" or not mention.relative or date.value >= anchor.value:
        return date
    words = set(mention.text.casefold().split())
    if not words & set(load_date_lexicon("nl").weekdays):
        return date
    return PartialDate.day(date.value + dt.timedelta(days=7))


def only_participants(hits: list[Hit], cls: set[str]) -> str | None:
    """"one" or "many" when every hit of the classes ``cls`` names participants ("een betoger", "de
    demonstranten") rather than the act itself; None when a hit names the act ("betoging", "protesteerden")."""
    chosen = [h for h in hits if h.cls in cls]
    if not chosen or not all(h.entry.agent for h in chosen):
        return None
    return "one" if all(_singular(h) for h in chosen) else "many"


def _singular(hit: Hit) -> bool:
    return hit.word == hit.entry.lemma


PROTEST_CLASSES = {"protest", "strike", "hunger-strike"}
# Classes whose participants ("betogers", "relschoppers") stand for the gathering itself.
GATHERING_CLASSES = PROTEST_CLASSES | {"riot"}


@dataclass(frozen=True)
class Candidate:
    """A trigger hit that reports an event: its coding, class and what the sense layer said."""

    hit: Hit
    coding: EventCoding
    mode: str
    sense: Sense


def _happened(sense: Sense) -> bool:
    """Whether the sense layer finds the act real: literal, specific, done to people (its ``happened`` where it
    says so)."""
    said = getattr(sense, "happened", None)
    if isinstance(said, bool):
        return said
    return sense.literal and not sense.generic and sense.victim not in ("animal", "object")


def event_candidates(doc: Document, index: int, lex: Lexicon, triggers: TriggerLexicon, armed: bool,
                     hits: list[Hit] | None = None) -> list[Candidate]:
    """The hits of sentence ``index`` that report an event, in order: the class codes an event, the sense layer
    finds it literal, specific and about people, and a "met scherp" trigger has police or soldiers to do it."""
    sentence = doc.sentences[index]
    text = doc.text[sentence.start:sentence.end]
    found = []
    for hit in sentence_hits(doc, index) if hits is None else hits:
        cls = triggers.classes[hit.cls]
        if not cls.type or (hit.entry.agent and cls.name not in GATHERING_CLASSES):
            continue
        coding = lex.codings[cls.type]
        if not armed and coding.armed_only is not None \
                and coding.armed_only.search(text, max(0, hit.start - sentence.start - 12),
                                             hit.end - sentence.start + 12):
            continue  # "met scherp schieten op het beleid": criticism unless police or soldiers shoot
        sense = sense_layer.assess(doc, index, hit.start, hit.end, hit.cls)
        if not _happened(sense) and sense.planned is None:  # a planned act is kept, as a future event
            continue  # figurative, generic, an accident, about animals...: no event
        found.append(Candidate(hit, coding, cls.mode, sense))
    return found


def extract_events(doc: Document, article: Article, context: DocumentContext | None = None) -> list[Event]:
    lex = lexicon("nl")
    triggers = trigger_lexicon("nl")
    context = context or DocumentContext.of(doc)
    home = context.countries[0] if context.countries else None
    events: list[Event] = []
    for index, sentence_model in enumerate(doc.sentences):
        hits = sentence_hits(doc, index)
        if not hits:
            continue  # no trigger: no need for the sentence's actors and dates either
        offset = sentence_model.start
        sentence = doc.text[sentence_model.start:sentence_model.end]
        actors = find_actors(sentence, lex, home)
        armed = any(a.rule.role in ("police", "military") for a in actors)
        candidates = event_candidates(doc, index, lex, triggers, armed, hits)
        if not candidates:
            continue
        dates = find_dates(sentence, article.published)
        codings = {c.coding.name for c in candidates}
        participants = only_participants([c.hit for c in candidates], PROTEST_CLASSES)
        said = attribution_in(sentence, lex)  # the figures' cues: "volgens persbureau DPA", "meldt Reuters"
        seen: set[tuple[str, str, str]] = set()
        for candidate in candidates:
            coding = candidate.coding
            if coding.name in ("protest", "strike") and participants == "one" \
                    and not lex.intervention.search(sentence):
                continue  # "reageert actievoerder Jan": one person is not a demonstration (unless force is used)
            if coding.name == "protest" and "riot" in codings:
                continue  # a riot is the violent form of the same demonstration
            if coding.name == "attack" and lex.excessive.search(sentence):
                continue  # protesters killed by the state is coded as excessive force, not a second event
            key = (coding.event_type, coding.sub_event_type, coding.plover)  # one event per coding and sentence
            if key in seen:
                continue
            seen.add(key)
            same = [c.hit for c in candidates if c.coding.name == coding.name]
            event = _event(doc, article, index, offset, sentence, candidate, same, actors, dates, context, home, lex)
            if said:  # only the sentence's own source: an event is not attributed by its neighbours
                event.attribution = [article.outlet, *said.names]
                event.evidence.extend(source_spans(said, article.id, sentence, offset))
            events.append(event)
    return events


def _event(doc: Document, article: Article, index: int, offset: int, sentence: str, candidate: Candidate,
           same: list[Hit], actors: list[ActorMatch], dates: list[Any], context: DocumentContext,
           home: str | None, lex: Lexicon) -> Event:
    rule, hit = candidate.coding, candidate.hit
    start, end = hit.start - offset, hit.end - offset  # in the sentence
    trigger = sentence[start:end]
    evidence = [Evidence(article.id, hit.start, hit.end, "trigger", trigger)]
    sub_event_type = rule.sub_event_type
    actor2_role = rule.actor2
    if rule.name == "protest":
        if lex.excessive.search(sentence):
            sub_event_type, actor2_role = "Excessive force against protesters", "state"
        elif lex.intervention.search(sentence):
            sub_event_type, actor2_role = "Protest with intervention", "state"
    first = _nearest(actors, ROLE_FAMILIES.get(rule.actor1, {rule.actor1}), start)
    actor1 = _make_actor(first.rule, first.country) if first else _default_actor(lex, rule.actor1, home)
    if first:
        evidence.append(Evidence(article.id, offset + first.start, offset + first.end, "actor1",
                                 sentence[first.start:first.end]))
    actor2 = None
    if actor2_role:
        second = _nearest(actors, ROLE_FAMILIES.get(actor2_role, {actor2_role}), start, exclude=first)
        if second is not None and second.rule.role != (first.rule.role if first else None):
            actor2 = _make_actor(second.rule, second.country)
            evidence.append(Evidence(article.id, offset + second.start, offset + second.end, "actor2",
                                     sentence[second.start:second.end]))
        elif rule.plover == "REQUEST":
            organisation = next((e for e in doc.entities_in(index) if e.label == "ORG"), None)
            if organisation is not None:
                actor2 = Actor(name=organisation.canonical or organisation.text, actor_type="External/Other forces")
                evidence.append(Evidence(article.id, organisation.start, organisation.end, "actor2",
                                         organisation.text))
        elif actor2_role == "state" and sub_event_type != rule.sub_event_type:
            actor2 = _default_actor(lex, "police", home)
    triggers = [(hit.start, hit.end)] + [(h.start, h.end) for h in same if h is not hit]
    place, place_evidence = event_places(doc, index, context, article.id, triggers)
    evidence.extend(place_evidence)
    date = article.published
    mention = None
    if dates:
        mention = min(dates, key=lambda d: abs(d.start - start))
        date = mention.date
        evidence.append(Evidence(article.id, offset + mention.start, offset + mention.end, "date", mention.text))
    contexts = contexts_for(sentence, (start, end), lex, date, article.published)
    if candidate.sense.planned is not None and "future" not in contexts:
        contexts.append("future")  # "roept op dinsdag opnieuw te demonstreren": called for, not done
    if "future" in contexts and mention is not None:
        date = _coming(mention, article.published)
    if candidate.sense.referred is not None:
        contexts.append("referred")  # a trial, charge, funeral...: a context on the story, not news of the act
    if actor1 is not None and place is not None and actor1.country is None:
        actor1.country = place.iso2
    return Event(article_id=article.id, sentence=index, trigger=trigger, disorder_type=rule.disorder,
                 event_type=rule.event_type, sub_event_type=sub_event_type, plover_type=rule.plover,
                 plover_mode=candidate.mode or None, actor1=actor1, actor2=actor2, place=place, date=date,
                 contexts=contexts, evidence=evidence, issue=rule.issue or None)
