"""Who a sentence says reports it: the relays and sources its attribution cues name ("volgens persbureau DPA",
"meldt Reuters", "zegt de politie", "aldus de woordvoerder", "De regering maakte bekend dat ..."), and where those
words are, so a page can mark them beside the number or the event they attribute.

Figures and events read the same cues (``nl/attribution.toml``) through this one module: a figure's chain is
outlet › agencies › original sources, and so is an event mention's when its sentence names a source. Where a
pattern takes a nationality or place adjective for the source ("meldt de Duitse", "volgens Britse"), the noun
and name after it are the source ("Duitse politie", "Britse media", "Zweedse krant Aftonbladet"); an agency behind
its adjective is the agency ("het Russische persbureau TASS": TASS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kroniek.extract.lexicon import Lexicon
from kroniek.extract.places import gazetteer
from kroniek.model import Evidence

# Sentence-initial words the "X meldt" pattern would otherwise take for a source ("Dat meldt de politie").
NOT_SOURCES = {"dat", "dit", "die", "dat is", "ook", "zo", "er", "men", "hij", "zij", "ze", "wij", "we", "ik", "het",
               "de", "daarom", "toen", "nu", "wel", "niet", "maar", "en"}
_EDGE = " ,.;:'\"„”“‘’()-–—"  # not part of the attributing words at either end of a match


@dataclass(frozen=True)
class Attribution:
    """The attribution a sentence gives: the names (agencies before original sources) and the character spans
    (in the sentence, sorted, never overlapping) of the words that give it."""

    names: tuple[str, ...]
    phrases: tuple[tuple[int, int], ...]

    def __bool__(self) -> bool:
        return bool(self.names)


def _phrase_span(match: re.Match[str]) -> tuple[int, int]:
    start, end = match.span()
    text = match.group()
    start += len(text) - len(text.lstrip(_EDGE))
    end -= len(text) - len(text.rstrip(_EDGE))
    return start, max(start, end)


def _trimmed(sentence: str, end: int) -> int:
    """``end`` moved back over punctuation that closes the sentence or clause ("Aftonbladet." ends before ".")."""
    while end > 0 and sentence[end - 1] in _EDGE:
        end -= 1
    return end


def _merge(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > start:
            merged.append((start, end))
    return tuple(merged)


# After a nationality or place adjective ("de Amerikaanse", "Britse"): an optional adjective, the noun it goes
# with and a name ("de Zweedse psycholoog Patrik Sörqvist", "het Chinese ministerie", "Italiaanse media").
_NOUN_AFTER = re.compile(r"\s+(?:(?P<adjective>[a-zà-ÿ][\w\-]*e)\s+)?(?P<noun>[a-zà-ÿ][\w\-]*)"
                         r"(?P<name>(?:\s+[A-Z][\w.\-]*){0,4})")
# Words that cannot be the noun after such an adjective: "Volgens de Amerikaanse justitie heeft ...".
_NOT_NOUN_WORDS = """heeft hebben had hadden is zijn was waren wordt worden werd werden zou zouden zal zullen
    kan kunnen moet moeten gaat gaan wil willen lijkt blijkt staat stond komt kwam maakt zegt zei stelt meldt
    dat die dit de het een en of in op aan van voor met bij uit om tot als dan nu ook al niet wel nog er
    daar hier toen want maar zo"""
_NOT_NOUNS = frozenset(_NOT_NOUN_WORDS.split())


def _adjective(sentence: str, match: re.Match[str], who: str) -> bool:
    """Whether ``who`` is one nationality or place adjective ("Amerikaanse", "de Bredase"), not a name."""
    if " " in who or not who[:1].isupper() or not who.endswith("e"):
        return False  # "volgens de politie afgelopen week": a noun
    before = sentence[:match.start("who") + max(0, match.group("who").find(who))]
    if who.endswith(("se", "sche")) and re.search(r"(?:^|\s)(?:de|het)\s+$", before):
        return True  # "volgens de Hengelose ...", where "De Vreede" (a capital De) is a surname
    return gazetteer().country_for_demonym(who) is not None


def _noun_phrase(sentence: str, end: int) -> re.Match[str] | None:
    """The noun (and name) an adjective at ``sentence[:end]`` goes with, or None."""
    found = _NOUN_AFTER.match(sentence, end)
    if found is None:
        return None
    if found.group("adjective") and found.group("noun") in _NOT_NOUNS:  # "justitie heeft": the adjective slot
        found = re.compile(r"\s+(?P<adjective>)(?P<noun>[a-zà-ÿ][\w\-]*)(?P<name>(?:\s+[A-Z][\w.\-]*){0,4})") \
            .match(sentence, end)  # was the noun itself
    if found is None or found.group("noun") in _NOT_NOUNS:
        return None
    return found


def attribution_in(sentence: str, lex: Lexicon) -> Attribution:
    """The relays and sources named in the sentence and the words that name them."""
    agencies: list[str] = []
    sources: list[str] = []
    spans: list[tuple[int, int]] = []
    for pattern in lex.attribution:
        for match in pattern.finditer(sentence):
            who = re.sub(r"\s+", " ", match.group("who")).strip(" ,.")
            who = re.sub(r"^(?:de|het|De|Het) ", "", who)
            if not who or who.lower() in NOT_SOURCES:
                continue
            start, end = _phrase_span(match)
            if _adjective(sentence, match, who):  # "meldt de Duitse politie", not "Duitse"
                noun = _noun_phrase(sentence, match.end("who"))
                name = noun.group("name").strip() if noun else ""
                if noun is None:
                    pass  # "zegt de Bredase, die ...": a person from Breda
                elif noun.group("noun") in ("persbureau", "nieuwsagentschap") and name.lower() in lex.agencies:
                    who, end = name, max(end, _trimmed(sentence, noun.end()))  # "het Russische persbureau TASS"
                else:
                    who = re.sub(r"\s+", " ", f"{who} {noun.group()}").strip(" ,.")
                    end = max(end, _trimmed(sentence, noun.end()))
            spans.append((start, end))  # kept for a name already found too: both phrases say it
            canonical = lex.agencies.get(who.lower())
            if canonical is not None:
                if canonical not in agencies:
                    agencies.append(canonical)
            elif who not in sources and not any(who in s or s in who for s in sources):
                sources.append(who)
    return Attribution(tuple(agencies + sources), _merge(spans))


def attribution_chain(sentence: str, lex: Lexicon) -> list[str]:
    """Relays and sources named in the sentence, agencies before the original source."""
    return list(attribution_in(sentence, lex).names)


def source_spans(said: Attribution, article_id: str, sentence: str, offset: int) -> list[Evidence]:
    """The words of an attribution as evidence spans (field "source") in the article's text; ``offset`` is the
    sentence's start in it."""
    return [Evidence(article_id, offset + start, offset + end, "source", sentence[start:end])
            for start, end in said.phrases]
