"""Which sentences need deep analysis: a fast, high-recall test for event and figure cues."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources


@cache
def _pattern(language: str = "nl") -> re.Pattern[str]:
    raw = tomllib.loads(resources.files(f"kroniek.extract.{language}").joinpath("cues.toml")
                        .read_text(encoding="utf-8"))
    stems = sorted(set(raw["cues"]["stems"]), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(s) for s in stems) + r")", re.IGNORECASE)


def needs_deep(sentence_text: str, language: str = "nl") -> bool:
    return _pattern(language).search(sentence_text) is not None
