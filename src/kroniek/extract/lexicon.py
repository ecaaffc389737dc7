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
class EventCoding:
    """What a trigger class codes (``events.toml`` [types]): ACLED disorder, event and sub-event type, PLOVER type,
    and the roles its actors are looked for in."""

    name: str
    disorder: str
    event_type: str
    sub_event_type: str
    plover: str
    actor1: str
    actor2: str
    issue: str
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
    codings: dict[str, EventCoding]
    intervention: re.Pattern[str]
    location_phrase: re.Pattern[str] | None
    place_name: re.Pattern[str] | None
    deictic: re.Pattern[str] | None  # "daar", "hier" for the place named before
    reporting_clause: re.Pattern[str] | None  # ", zo meldde X in Genève": where it was said
    excessive: re.Pattern[str]
    actors: list[ActorRule]
    groups: list[tuple[str, re.Pattern[str]]]
    kinds: list[tuple[str, re.Pattern[str]]]
    figure_only: dict[str, re.Pattern[str]]  # "in het ziekenhuis": a figure's kind, not a report of injury
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
    actor_screen: Screen  # which of ``actors`` can match in a sentence (by index)


@cache
def lexicon(language: str = "nl") -> Lexicon:
    events = _load(language, "events.toml")
    actors = _load(language, "actors.toml")
    figures = _load(language, "figures.toml")
    attribution = _load(language, "attribution.toml")
    contexts = _load(language, "contexts.toml")
    places = _load(language, "places.toml")
    codings = {name: EventCoding(name, t["disorder"], t["event_type"], t["sub_event_type"], t["plover"],
                                 t.get("actor1", ""), t.get("actor2", ""), t.get("issue", ""),
                                 re.compile(t["armed_only"], re.IGNORECASE) if "armed_only" in t else None)
               for name, t in events["types"].items()}
    actor_rules = [ActorRule(_word(a["pattern"] + r"\b"), a["type"], a["name"], a["role"], a["group"])
                   for a in actors["actor"]]
    return Lexicon(
        codings=codings,
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
        figure_only={name: _word(pattern) for name, pattern in figures.get("figure_only", {}).items()},
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
        actor_screen=Screen([rule.pattern for rule in actor_rules]),
    )

