"""Which sentences need deep analysis: exactly those where the extract stage's own event and figure patterns fire.

The triage shares the extractor's lexicon (``extract/<language>/events.toml`` and ``figures.toml``), so Frog sees
the sentences that become events or figures and nothing else; a separate cue list would drift from the rules.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from kroniek.extract.lexicon import lexicon
from kroniek.extract.screen import Screen


@cache
def _patterns(language: str = "nl") -> tuple[re.Pattern[str], ...]:
    lex = lexicon(language)
    return (tuple(rule.pattern for rule in lex.events) + tuple(pattern for _kind, pattern in lex.kinds)
            + tuple(lex.mentions.values()))


@cache
def _screen(language: str = "nl") -> Screen:
    return Screen(_patterns(language))


def needs_deep(sentence_text: str, language: str = "nl") -> bool:
    """Whether any event, figure-kind or death/injury pattern fires; only the patterns the screen lets through
    are run (the same answer as running all of them)."""
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
    return CueSelector(language, f"cues-{language}-{digest.hexdigest()[:12]}")
