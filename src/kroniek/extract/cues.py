"""Which sentences need deep analysis: exactly those where the extract stage's own triggers and figure kinds fire.

The triage shares the extractor's lexicons (``extract/<language>/triggers.toml``, every class with every
inflected form ``analyse.morphology`` spells out, and the figure kinds of ``figures.toml``), so Frog sees the
sentences that can become events or figures and nothing else; a separate cue list would drift from the rules.
The trigger screen works on surface forms, so it needs no Frog to decide what Frog should see.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from kroniek.extract.lexicon import lexicon
from kroniek.extract.screen import Screen
from kroniek.extract.triggers import any_trigger


@cache
def _patterns(language: str = "nl") -> tuple[re.Pattern[str], ...]:
    return tuple(pattern for _kind, pattern in lexicon(language).kinds)


@cache
def _screen(language: str = "nl") -> Screen:
    return Screen(_patterns(language))


def needs_deep(sentence_text: str, language: str = "nl") -> bool:
    """Whether any trigger (events, deaths, injuries) or figure-kind pattern fires; only the figure patterns the
    literal screen lets through are run (the same answer as running all of them)."""
    if any_trigger(sentence_text):
        return True
    patterns = _patterns(language)
    return any(patterns[index].search(sentence_text) for index in sorted(_screen(language).possible(sentence_text)))


@dataclass(frozen=True)
class CueSelector:
    """The extract stage's answer to "which sentences deserve deep analysis" (``analyse.pipeline.DeepSelector``),
    versioned by the lexicon files it reads, so cached analyses made under other cues are not reused."""

    language: str
    version: str

    def __call__(self, sentence_text: str) -> bool:
        return needs_deep(sentence_text, self.language)


@cache
def selector(language: str = "nl") -> CueSelector:
    digest = hashlib.sha256()
    folder = resources.files(f"kroniek.extract.{language}")
    for name in sorted(p.name for p in folder.iterdir() if p.name.endswith(".toml")):
        digest.update(name.encode())
        digest.update(folder.joinpath(name).read_bytes())
    # the trigger forms come from the inflection rules and the strong verbs too
    digest.update(resources.files("kroniek.analyse.nl").joinpath("strong_verbs.tsv").read_bytes())
    digest.update(resources.files("kroniek.analyse").joinpath("morphology.py").read_bytes())
    digest.update(resources.files("kroniek.extract").joinpath("triggers.py").read_bytes())
    return CueSelector(language, f"cues-{language}-{digest.hexdigest()[:12]}")
