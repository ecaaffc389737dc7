"""Events from a Document, the dictionary coders' way: trigger patterns per sentence (``nl/events.toml``), then
actors, place, date and contexts from the sentence and its neighbours, each with the evidence span it came from.

Type decisions (ACLED / PLOVER): a protest is Protests / Peaceful protest, "with intervention" when police act
against it (traangas, confrontaties, verwijderd) and "Excessive force against protesters" when protesters are
killed; riots, looting and storming buildings are Riots / Violent demonstration and PLOVER PROTEST/riot; an armed
group taking an airport or building is Battles / Non-state actor overtakes territory and the army retaking it
Government regains territory (PLOVER ASSAULT); arrests are Strategic developments / Arrests and PLOVER
COERCE/arrest; a request for (military) help is Strategic developments / Other and PLOVER REQUEST; troops sent or
arriving are Strategic developments / Other and PLOVER MOBILIZE/troops; a government resigning is Strategic
developments / Change to group/activity and PLOVER RETREAT/resign, an official dismissed the same ACLED type and
PLOVER COERCE. Foreign state forces are State forces of their own country, as ACLED codes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kroniek.analyse.dates import find_dates
from kroniek.extract.lexicon import ActorRule, EventRule, Lexicon, lexicon
from kroniek.extract.places import (
    DocumentContext,
    choose_place,
    coordinated_places,
    country_name,
    deictic_evidence,
    gazetteer,
    site_evidence,
)
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


def contexts_for(sentence: str, trigger: re.Match[str], lex: Lexicon, date: PartialDate | None,
                 anchor: PartialDate | None) -> list[str]:
    found: list[str] = []
    # Blank out phrases with "niet" that do not negate ("niet alleen ... maar ook"), keeping offsets.
    cleaned = re.sub(r"\bniet (?:alleen|meer dan|minder dan|langer|bekend\w*)\b|\bonbekend\b",
                     lambda m: " " * len(m.group()), sentence)
    window = cleaned[max(0, trigger.start() - 45):min(len(cleaned), trigger.end() + 25)]
    if lex.negation.search(window):
        found.append("negated")
    if lex.hypothetical.search(sentence):
        found.append("hypothetical")
    if lex.future.search(sentence) and not re.search(r"\b(?:zijn|waren|hebben|werden)\b", sentence[:trigger.start()]):
        found.append("future")
    if (date is not None and anchor is not None and date.last_day.year < anchor.value.year) or \
            (lex.historical.search(sentence) and date is not None and anchor is not None
             and date.last_day < anchor.value and date.precision.value == "year"):
        found.append("historical")
    return found


def _first_match(rule: EventRule, sentence: str, armed: bool = True) -> re.Match[str] | None:
    """The rule's first trigger in the sentence that no word of ``rule.unless`` next to it cancels, and that needs
    no armed actor (``rule.armed_only``: "met scherp") unless the sentence names police or soldiers (``armed``)."""
    for match in rule.pattern.finditer(sentence):
        if rule.unless is not None and rule.unless.search(sentence, max(0, match.start() - 40),
                                                          min(len(sentence), match.end() + 25)):
            continue
        if not armed and rule.armed_only is not None and rule.armed_only.search(match.group()):
            continue
        return match
    return None


def only_participants(sentence: str, rule: EventRule, lex: Lexicon) -> str | None:
    """"one" or "many" when every protest word of the sentence names protesters ("een betoger", "de demonstranten")
    rather than the protest itself; None when a word names the protest ("betoging", "protesteerden")."""
    if lex.participants is None:
        return None
    matches = [lex.participants.fullmatch(m.group()) for m in rule.pattern.finditer(sentence)]
    if not matches or any(m is None for m in matches):
        return None
    return "many" if any(m is not None and m.group("plural") for m in matches) else "one"


def extract_events(doc: Document, article: Article, context: DocumentContext | None = None) -> list[Event]:
    lex = lexicon("nl")
    screen = lex.event_screen
    context = context or DocumentContext.of(doc)
    home = context.countries[0] if context.countries else None
    events: list[Event] = []
    for index, sentence_model in enumerate(doc.sentences):
        offset = sentence_model.start
        sentence = doc.text[sentence_model.start:sentence_model.end]
        possible = screen.possible(sentence)
        if not possible:
            continue  # no event rule can fire: no need for the sentence's actors and dates either
        seen_types: set[tuple[str, str]] = set()
        actors = find_actors(sentence, lex, home)
        armed = any(a.rule.role in ("police", "military") for a in actors)
        dates = find_dates(sentence, article.published)
        for number, rule in enumerate(lex.events):
            if number not in possible:
                continue
            match = _first_match(rule, sentence, armed)
            if match is None:
                continue
            if rule.name == "protest" and only_participants(sentence, rule, lex) == "one" \
                    and not lex.intervention.search(sentence):
                continue  # "reageert actievoerder Jan": one person is not a demonstration (unless force is used)
            key = (rule.event_type, rule.plover)
            if key in seen_types or (rule.name == "protest" and ("Riots", "PROTEST") in seen_types):
                continue
            if rule.name == "attack" and lex.excessive.search(sentence):
                continue  # protesters killed by the state is coded as excessive force, not a second event
            seen_types.add(key)
            events.append(_event(doc, article, index, offset, sentence, rule, match, actors, dates, context, home,
                                 lex))
    return events


def _event(doc: Document, article: Article, index: int, offset: int, sentence: str, rule: EventRule,
           match: re.Match[str], actors: list[ActorMatch], dates: list[Any], context: DocumentContext,
           home: str | None, lex: Lexicon) -> Event:
    evidence = [Evidence(article.id, offset + match.start(), offset + match.end(), "trigger", match.group())]
    sub_event_type = rule.sub_event_type
    actor2_role = rule.actor2
    if rule.name == "protest":
        if lex.excessive.search(sentence):
            sub_event_type, actor2_role = "Excessive force against protesters", "state"
        elif lex.intervention.search(sentence):
            sub_event_type, actor2_role = "Protest with intervention", "state"
    first = _nearest(actors, ROLE_FAMILIES.get(rule.actor1, {rule.actor1}), match.start())
    actor1 = _make_actor(first.rule, first.country) if first else _default_actor(lex, rule.actor1, home)
    if first:
        evidence.append(Evidence(article.id, offset + first.start, offset + first.end, "actor1",
                                 sentence[first.start:first.end]))
    actor2 = None
    if actor2_role:
        second = _nearest(actors, ROLE_FAMILIES.get(actor2_role, {actor2_role}), match.start(), exclude=first)
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
    place, place_evidence = choose_place(doc, index, context, article.id, offset + match.start())
    if place_evidence:
        evidence.append(place_evidence)
        evidence.extend(coordinated_places(doc, index, context, place_evidence, article.id))
    if place_evidence is None or not offset <= place_evidence.start < offset + len(sentence):
        evidence.extend(deictic_evidence(sentence, offset, lex, article.id))
    triggers = [(match.start(), match.end())] + [(m.start(), m.end()) for m in rule.pattern.finditer(sentence)
                                                 if m.start() != match.start()]
    evidence.extend(site_evidence(sentence, offset, triggers, lex, article.id,
                                  place_evidence.text if place_evidence is not None else None))
    date = article.published
    if dates:
        mention = min(dates, key=lambda d: abs(d.start - match.start()))
        date = mention.date
        evidence.append(Evidence(article.id, offset + mention.start, offset + mention.end, "date", mention.text))
    contexts = contexts_for(sentence, match, lex, date, article.published)
    if rule.disorder == "Political violence" and lex.alleged is not None \
            and lex.alleged.search(sentence, 0, match.start()):
        contexts.append("alleged")  # named in a suspicion, charge or inquiry: "verdacht van de moord op"
    if actor1 is not None and place is not None and actor1.country is None:
        actor1.country = place.iso2
    return Event(article_id=article.id, sentence=index, trigger=match.group(), disorder_type=rule.disorder,
                 event_type=rule.event_type, sub_event_type=sub_event_type, plover_type=rule.plover,
                 plover_mode=rule.mode or None, actor1=actor1, actor2=actor2, place=place, date=date,
                 contexts=contexts, evidence=evidence, issue=rule.issue or None)
