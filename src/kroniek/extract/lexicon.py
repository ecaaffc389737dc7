"""The extract stage's language knowledge, loaded once from ``extract/<language>/*.toml``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from kroniek.extract.screen import Screen


def _load(language: str, name: str) -> dict[str, Any]:
    text = resources.files(f"kroniek.extract.{language}").joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def _word(pattern: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + pattern, re.IGNORECASE)


@dataclass(frozen=True)
class EventRule:
    name: str
    pattern: re.Pattern[str]
    disorder: str
    event_type: str
    sub_event_type: str
    plover: str
    mode: str
    actor1: str
    actor2: str
    issue: str
    unless: re.Pattern[str] | None = None  # near the trigger, this word cancels it ("vijf jaar cel gevorderd")
    armed_only: re.Pattern[str] | None = None  # a trigger with this counts only if police or soldiers are named


@dataclass(frozen=True)
class ActorRule:
    pattern: re.Pattern[str]
    actor_type: str
    name: str
    role: str
    group: str


@dataclass(frozen=True)
class Lexicon:
    events: list[EventRule]
    intervention: re.Pattern[str]
    location_phrase: re.Pattern[str] | None
    place_name: re.Pattern[str] | None
    deictic: re.Pattern[str] | None  # "daar", "hier" for the place named before
    reporting_clause: re.Pattern[str] | None  # ", zo meldde X in Genève": where it was said
    excessive: re.Pattern[str]
    actors: list[ActorRule]
    groups: list[tuple[str, re.Pattern[str]]]
    kinds: list[tuple[str, re.Pattern[str]]]
    mentions: dict[str, re.Pattern[str]]  # death or injury said without a number: "overleefde het niet"
    figure_only: dict[str, re.Pattern[str]]  # "in het ziekenhuis": a figure's kind, not a report of injury
    accused: re.Pattern[str] | None  # "op verdenking van" right before an act: an accusation
    participants: re.Pattern[str] | None  # "betogers", "actievoerder": the people, not the protest
    alleged: re.Pattern[str] | None  # "verdacht van de moord op" right before a violent act: alleged, not reported
    no_victims: re.Pattern[str]  # "geen gewonden", "niemand raakte gewond"
    not_people: re.Pattern[str]
    subset: re.Pattern[str]
    agencies: dict[str, str]
    attribution: list[re.Pattern[str]]
    unconfirmed: re.Pattern[str]
    reported: re.Pattern[str]
    negation: re.Pattern[str]
    hypothetical: re.Pattern[str]
    future: re.Pattern[str]
    historical: re.Pattern[str]
    event_screen: Screen  # which of ``events`` can fire in a sentence (by index)
    actor_screen: Screen  # which of ``actors`` can match in a sentence (by index)


@cache
def lexicon(language: str = "nl") -> Lexicon:
    events = _load(language, "events.toml")
    actors = _load(language, "actors.toml")
    figures = _load(language, "figures.toml")
    attribution = _load(language, "attribution.toml")
    contexts = _load(language, "contexts.toml")
    places = _load(language, "places.toml")
    rules = [EventRule(r["name"], _word(r["pattern"]), r["disorder"], r["event_type"], r["sub_event_type"],
                       r["plover"], r.get("mode", ""), r.get("actor1", ""), r.get("actor2", ""),
                       r.get("issue", ""), re.compile(r["unless"], re.IGNORECASE) if "unless" in r else None,
                       re.compile(r["armed_only"], re.IGNORECASE) if "armed_only" in r else None)
             for r in events["rule"]]
    actor_rules = [ActorRule(_word(a["pattern"] + r"\b"), a["type"], a["name"], a["role"], a["group"])
                   for a in actors["actor"]]
    return Lexicon(
        events=rules,
        intervention=_word(events["protest_intervention"]["pattern"]),
        location_phrase=(re.compile(places["location_phrase"]["pattern"]) if "location_phrase" in places else None),
        place_name=(re.compile(places["place_name"]["pattern"]) if "place_name" in places else None),
        deictic=(re.compile(places["deictic"]["pattern"]) if "deictic" in places else None),
        reporting_clause=(re.compile(places["reporting_clause"]["pattern"], re.IGNORECASE)
                          if "reporting_clause" in places else None),
        excessive=_word(events["protest_intervention"]["excessive"]),
        actors=actor_rules,
        groups=[(name, _word(pattern + r"\b")) for name, pattern in actors["groups"].items()],
        kinds=[(name, _word(pattern)) for name, pattern in figures["kinds"].items()],
        mentions={name: _word(pattern) for name, pattern in figures.get("mentions", {}).items()},
        figure_only={name: _word(pattern) for name, pattern in figures.get("figure_only", {}).items()},
        accused=(re.compile(figures["accused"]["pattern"], re.IGNORECASE) if "accused" in figures else None),
        participants=(re.compile(events["protest_participants"]["pattern"], re.IGNORECASE)
                      if "protest_participants" in events else None),
        alleged=(re.compile(events["alleged"]["pattern"], re.IGNORECASE) if "alleged" in events else None),
        no_victims=_word(figures["no_victims"]["pattern"]),
        not_people=re.compile(figures["not_people"]["pattern"], re.IGNORECASE),
        subset=re.compile(figures["subset"]["pattern"], re.IGNORECASE),
        agencies={a.lower(): a for a in attribution["agencies"]},
        attribution=[re.compile(p) for p in attribution["patterns"]],
        unconfirmed=re.compile(attribution["unconfirmed"], re.IGNORECASE),
        reported=re.compile(attribution["reported"], re.IGNORECASE),
        negation=re.compile(contexts["negation"], re.IGNORECASE),
        hypothetical=re.compile(contexts["hypothetical"], re.IGNORECASE),
        future=re.compile(contexts["future"], re.IGNORECASE),
        historical=re.compile(contexts["historical"], re.IGNORECASE),
        event_screen=Screen([rule.pattern for rule in rules]),
        actor_screen=Screen([rule.pattern for rule in actor_rules]),
    )

