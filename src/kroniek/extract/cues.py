"""Which sentences need deep analysis: exactly those where the extract stage's own event and figure patterns fire.

The triage shares the extractor's lexicon (``extract/<language>/events.toml`` and ``figures.toml``), so Frog sees
the sentences that become events or figures and nothing else; a separate cue list would drift from the rules.
"""

from __future__ import annotations

import re
from functools import cache

from kroniek.extract.lexicon import lexicon


@cache
def _patterns(language: str = "nl") -> tuple[re.Pattern[str], ...]:
    lex = lexicon(language)
    return (tuple(rule.pattern for rule in lex.events) + tuple(pattern for _kind, pattern in lex.kinds)
            + tuple(lex.mentions.values()))


def needs_deep(sentence_text: str, language: str = "nl") -> bool:
    return any(pattern.search(sentence_text) for pattern in _patterns(language))
