"""Sense and assertion of one trigger hit: does this word, here, report a specific event that happened to people?

The trigger lexicon finds words of an event class ("aanval", "schoot ... neer", "gearresteerd"); this layer reads
the hit's context and says, for every hit:

- ``victim``: "human", "animal", "object" or None (not said): a dog bitten or a car set alight is no attack on people;
- ``literal``: False for figurative uses ("een aanval op de persvrijheid", "een moordende concurrentie");
- ``generic``: True for a statistic or a habit rather than one event ("jaarlijks sterven honderden fietsers");
- ``referred``: why the act is only referred to, not reported as news ("trial", "charge", "funeral",
  "commemoration", "anniversary", "inquiry", "demand"), or None: a referred act is a context on the story, not a
  new event.

Interface (kept stable: the trigger matcher in ``extract/events.py`` calls it for every hit):

    assess(doc, sentence_index, start, end, event_class) -> Sense

``start``/``end`` are document character offsets of the trigger, ``event_class`` is the lexicon class of the hit
("assault", "killing", "shooting", "stabbing", "bombing", "arson", "hostage-taking", "kidnapping", "arrest",
"detention", "sentence", "protest", "strike", "riot", "clash", "military-operation", "troop-movement", "death",
"injury", ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from kroniek.model import Document


@dataclass(frozen=True)
class Sense:
    victim: str | None = None  # "human" | "animal" | "object" | None (not said)
    literal: bool = True
    generic: bool = False
    referred: str | None = None  # "trial", "charge", "funeral", "commemoration", "anniversary", "inquiry", ...

    @property
    def reports_event(self) -> bool:
        """Whether the hit is a new, specific, literal event with (possibly) human victims."""
        return self.literal and not self.generic and self.referred is None and self.victim not in ("animal",
                                                                                                   "object")


def assess(doc: Document, sentence_index: int, start: int, end: int, event_class: str) -> Sense:
    """The sense of the trigger at ``doc.text[start:end]`` in sentence ``sentence_index``."""
    return Sense()
