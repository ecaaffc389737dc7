"""Language id per article (py3langid): a gate so Dutch-only stages can skip other languages with a note."""

from __future__ import annotations

from functools import cache
from typing import Any

# Close relatives that short Dutch snippets get mistaken for ("Lees ook:" comes out as Afrikaans).
_CANDIDATES = ["nl", "en", "de", "fr", "es", "it", "pt", "af", "fy", "da", "sv", "no", "pl", "tr", "ru", "uk", "ar"]
_MIN_CHARS = 20


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(_CANDIDATES)
    return identifier


def detect_language(text: str, sample_chars: int = 3000) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text is too short to tell."""
    sample = text[:sample_chars]
    if len(sample.strip()) < _MIN_CHARS:
        return None
    language, _probability = _identifier().classify(sample)
    # Afrikaans and Frisian on news-like text are nearly always Dutch with odd words; trust Dutch.
    return "nl" if language in ("af", "fy") else str(language)
