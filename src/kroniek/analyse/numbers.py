"""Amounts in news text: exact numbers, ranges, vague amounts and hedges, each with an ACLED coded value and an
honest range, with character offsets into the original text.

The scanner is language-neutral; every word comes from ``<language>/numbers.toml`` (month names from
``dates.toml``). It does not call text2num: text2num rewrites the text (offsets must then be mapped back), prints
a stray ``dbg!`` line to fd 2 on some words and reads the article "een" as 1. A small word-number parser over the
lexicon does the same job (tests check it against text2num) and keeps offsets exact.

Coding rules (see numbers.toml for the per-word figures):

* ``value`` is what ACLED would code: the stated number; the low end of a range; for vague words the ACLED
  convention (tens 10, dozens 12, hundreds 100, ...). Qualifiers never change ``value``.
* ``low``/``high`` are what the words honestly allow; ``None`` is an open end. "zeker 8" is 8..None, "meer dan
  2000" 2001..None, "zo'n 5000" 4500..5500 (about_spread 10%), "bijna 1000" 900..999, "tot 500" None..500,
  "minder dan 100" None..99, "een tiental" 8..12, "tientallen" 20..99, "honderden" 200..999.
* Not amounts: years after a year cue or month ("in 2014", "januari 2022"), days before a month ("3 januari"),
  clock times ("10.30 uur", "om 8 uur"), labels ("artikel 5"), house numbers ("Kerkstraat 12"), rate denominators
  ("per 100.000 inwoners"), ordinals ("5e"), codes glued to letters
  ("Covid-19", "MH17"), dates like "3-1-2022", scores like "2-1", ratios ("één op de vijf") and amounts that are
  no whole number ("1,5", "2,5 procent").
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Any

QUALIFIERS = ("at_least", "more_than", "about", "almost", "up_to", "fewer_than")

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Quantity:
    start: int
    end: int
    text: str
    value: int | None  # ACLED coded value
    low: int | None
    high: int | None
    vague: str | None  # the vague words, lowercased ("tientallen", "enkele honderden")
    qualifier: str | None  # one of QUALIFIERS
    number_text: str  # the amount without hedge and unit
    unit: str | None = None  # "%", "EUR", "USD", "km", ... or None

    @property
    def exact(self) -> bool:
        return self.vague is None and self.qualifier is None and self.low == self.high


# --- tokens -----------------------------------------------------------------------------------------------------

# Digit runs keep their separators (1.500.000, 1,5, 10.30, 10:30) so the form can be judged as a whole.
# A no-break or thin space groups thousands too ("10 000"); a plain space does not (too ambiguous).
# An apostrophe before letters is its own token ('een handvol' in quotes) except for one-letter clitics ('s, ’n).
_TOKEN = re.compile(
    r"\d+(?:(?:[.,:]|[\u00a0\u202f\u2009](?=\d{3}(?!\d)))\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*"
    r"|['’][^\W\d_](?![^\W\d_])|\S"
)
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d{1,3}(?:[\u00a0\u202f\u2009]\d{3})+(?:,\d+)?")
_POINT_DECIMAL = re.compile(r"\d+\.\d{1,2}")  # "1.5 miljoen": only before a scale word
_PLAIN = re.compile(r"\d+(?:,\d+)?")
_CLOCK = re.compile(r"\d{1,2}[.:]\d{2}")


def _norm(word: str) -> str:
    return word.lower().replace("’", "'")


def tokenize(text: str) -> list[tuple[int, int, str]]:
    """(start, end, normalised text) for every token; the scanner's view of ``text``."""
    return [(m.start(), m.end(), _norm(m.group())) for m in _TOKEN.finditer(text)]


def _phrase(text: str) -> Phrase:
    return tuple(_norm(m.group()) for m in _TOKEN.finditer(text))


class _PhraseTable:
    """Phrases indexed by first token; ``match`` returns the longest phrase starting at a position."""

    def __init__(self, items: Iterable[tuple[Phrase, Any]]) -> None:
        self._by_first: dict[str, list[tuple[Phrase, Any]]] = {}
        for phrase, payload in items:
            if phrase:
                self._by_first.setdefault(phrase[0], []).append((phrase, payload))
        for entries in self._by_first.values():
            entries.sort(key=lambda item: -len(item[0]))

    def __contains__(self, word: str) -> bool:
        return word in self._by_first

    def match(self, norms: Sequence[str], j: int) -> tuple[int, Any] | None:
        if j >= len(norms):
            return None
        for phrase, payload in self._by_first.get(norms[j], ()):
            end = j + len(phrase)
            if tuple(norms[j:end]) == phrase:
                return end, payload
        return None

    def ends_at(self, norms: Sequence[str], j: int) -> bool:
        """True when some phrase ends right before position ``j``."""
        for entries in self._by_first.values():
            for phrase, _ in entries:
                k = j - len(phrase)
                if k >= 0 and tuple(norms[k:j]) == phrase:
                    return True
        return False


# --- lexicon ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VagueWord:
    phrase: str
    kind: str  # "magnitude" or "count"
    value: int
    low: int | None
    high: int | None
    base: int | None = None


class NumberLexicon:
    """Everything language-specific the scanner needs, loaded from ``kroniek/analyse/<language>/numbers.toml``."""

    def __init__(self, raw: dict[str, Any], months: Iterable[str], language: str) -> None:
        self.language = language
        words = raw["words"]
        self.zero = frozenset(words.get("zero", []))
        self.connectors = tuple(words.get("connectors", []))
        self.multipliers: dict[str, int] = dict(words["multipliers"])
        self._multipliers_desc = sorted(self.multipliers.items(), key=lambda kv: -kv[1])
        self.article = frozenset(words.get("article", []))
        small: dict[str, int] = {**words["units"], **words["teens"], **words["tens"]}
        if words.get("units_before_tens", True):
            for unit, uv in words["units"].items():
                for tens, tv in words["tens"].items():
                    for conn in self.connectors:
                        small[f"{unit}{conn}{tens}"] = uv + tv
        self._small = small
        self.scales: dict[str, int] = dict(raw["scales"]["words"])
        self.abbreviations = frozenset(raw["scales"].get("abbreviations", []))
        fractions = raw["fractions"]
        self.fractions = {k: Fraction(str(v)) for k, v in fractions.get("standalone", {}).items()}
        self.article_fractions = {k: Fraction(str(v)) for k, v in fractions.get("after_article", {}).items()}
        self.half_suffixes = tuple(sorted(fractions.get("half_suffixes", []), key=len, reverse=True))
        self.and_half = _PhraseTable((_phrase(p), Fraction(1, 2)) for p in fractions.get("and_half", []))
        approx = raw["approximate"]
        self.tal_suffix: str = approx.get("suffix", "")
        self.tal_spread = Fraction(str(approx.get("spread", 0.2)))
        self.about_spread = Fraction(str(approx.get("about_spread", 0.1)))
        self.almost_spread = Fraction(str(approx.get("almost_spread", 0.1)))
        self.qualifiers = _PhraseTable(
            (_phrase(p), name) for name in QUALIFIERS for p in raw["qualifiers"].get(name, [])
        )
        ranges = raw["ranges"]
        self.between = _PhraseTable((_phrase(p), None) for p in ranges.get("between", []))
        self.between_and = _PhraseTable((_phrase(p), None) for p in ranges.get("between_and", []))
        self.range_links = _PhraseTable((_phrase(p), p) for p in ranges.get("links", []))
        self.hyphens = frozenset(ranges.get("hyphens", []))
        self.elision_links = frozenset(ranges.get("elision_links", []))
        self.vague = _PhraseTable(
            (_phrase(v["phrase"]), VagueWord(v["phrase"], v["kind"], v["value"], v.get("low"), v.get("high"),
                                             v.get("base")))
            for v in raw.get("vague", [])
        )
        units = raw["units"]
        self.units_after = _PhraseTable((_phrase(k), v) for k, v in units.get("after", {}).items())
        self.units_before = _PhraseTable((_phrase(k), v) for k, v in units.get("before", {}).items())
        ctx = raw["context"]
        self.year_cues = _PhraseTable((_phrase(p), None) for p in ctx.get("year_cues", []))
        self.first_year: int = ctx.get("first_year", 1800)
        self.last_year: int = ctx.get("last_year", 2100)
        self.label_cues = frozenset(ctx.get("label_cues", []))
        self.rate_cues = frozenset(ctx.get("rate_cues", []))
        self.street_suffixes = tuple(ctx.get("street_suffixes", []))
        self.clock_before = frozenset(ctx.get("clock_before", []))
        self.clock_after = frozenset(ctx.get("clock_after", []))
        self.day_list_links = frozenset(ctx.get("day_list_links", []))
        self.ratio_links = _PhraseTable((_phrase(p), None) for p in ctx.get("ratio_links", []))
        self.idioms = [_phrase(p) for p in ctx.get("idioms", [])]
        self.months = frozenset(months)
        self._word_cache: dict[str, int | None] = {}
        self._start_cache: dict[str, bool] = {}

    def can_start(self, word: str) -> bool:
        """Whether an amount (with its qualifier or unit) can begin at a token ``word``: a digit, an article, the
        first word of a qualifier, unit, "tussen" or vague phrase, or a number word. ``_Scanner.match_at`` finds
        nothing at any other token, so the scanner skips those without trying."""
        known = self._start_cache.get(word)
        if known is None:
            known = (word[0].isdigit() or word in self.article or word in self.qualifiers
                     or word in self.units_before or word in self.between or word in self.vague
                     or self.half_word(word) is not None or self.tal_word(word) is not None
                     or self.word_value(word) is not None)
            if len(self._start_cache) < 200_000:
                self._start_cache[word] = known
        return known

    # Cardinal words ------------------------------------------------------------------------------------------

    def word_value(self, word: str) -> int | None:
        """The cardinal a single (lowercase) word spells, or None: "drieëntwintig" 23, "tweeduizend" 2000."""
        if word in self._word_cache:
            return self._word_cache[word]
        value = self._parse(word, top=True)
        if len(self._word_cache) < 50_000:
            self._word_cache[word] = value
        return value

    def _parse(self, word: str, top: bool = False) -> int | None:
        if word in self._small:
            return self._small[word]
        if word in self.zero:
            return 0
        for mult, mv in self._multipliers_desc:
            k = word.find(mult)
            if k < 0:
                continue
            left, right = word[:k], word[k + len(mult):]
            if left:
                lv = self._parse(left)
                # Below the multiplier's own group: vijftienhonderd is fine, "duizendmiljoen" is not.
                if lv is None or lv == 0 or lv >= (100 if mv == 100 else 1000):
                    return None
            else:
                if top and not right and mv > 1000:  # a bare "miljoen" is no amount ("een miljoen" is)
                    return None
                lv = 1
            rv = 0
            if right:
                parsed = self._parse(right)
                if parsed is None:
                    for conn in self.connectors:
                        if right.startswith(conn):
                            parsed = self._parse(right[len(conn):])
                            if parsed is not None:
                                break
                if parsed is None or parsed >= mv or parsed == 0:
                    return None
                rv = parsed
            return lv * mv + rv
        return None

    def split_scale(self, word: str) -> tuple[int, int] | None:
        """(head, scale) for a word ending in multipliers: "driehonderd" (3, 100), "zestigduizend" (60, 1000)."""
        head, scale = word, 1
        while True:
            for mult, mv in self._multipliers_desc:
                if head.endswith(mult) and len(head) > len(mult):
                    head, scale = head[: -len(mult)], scale * mv
                    break
            else:
                break
        value = self._parse(head) if scale > 1 else None
        return (value, scale) if value else None

    def half_word(self, word: str) -> Fraction | None:
        """tweeënhalf 2½, anderhalf 1½."""
        if word in self.fractions:
            return self.fractions[word]
        for suffix in self.half_suffixes:
            if word.endswith(suffix) and len(word) > len(suffix):
                base = self._parse(word[: -len(suffix)])
                if base:
                    return base + Fraction(1, 2)
        return None

    def tal_word(self, word: str) -> int | None:
        """een tiental 10, een honderdtal 100 (approximate)."""
        suffix = self.tal_suffix
        if suffix and word.endswith(suffix) and len(word) > len(suffix):
            base = self._parse(word[: -len(suffix)])
            if base and base >= 2:
                return base
        return None

    def scale_at(self, norms: Sequence[str], k: int) -> tuple[int, int] | None:
        """(scale, next index) when a scale word ("miljoen", "mln.") sits at ``k``."""
        if k < len(norms) and norms[k] in self.scales:
            end = k + 1
            if norms[k] in self.abbreviations and end < len(norms) and norms[end] == ".":
                end += 1
            return self.scales[norms[k]], end
        return None


@cache
def load_number_lexicon(language: str = "nl") -> NumberLexicon:
    package = resources.files(f"kroniek.analyse.{language}")
    raw = tomllib.loads(package.joinpath("numbers.toml").read_text(encoding="utf-8"))
    months: list[str] = []
    dates = package.joinpath("dates.toml")
    if dates.is_file():
        dates_raw = tomllib.loads(dates.read_text(encoding="utf-8"))
        months = [*dates_raw.get("months", {}), *dates_raw.get("month_abbreviations", {})]
    return NumberLexicon(raw, months, language)


# --- scanner ----------------------------------------------------------------------------------------------------


@dataclass
class _Amount:
    start: int  # token indexes, end exclusive
    end: int
    value: Fraction
    head: Fraction  # value before a trailing scale word
    scale: int  # trailing scale applied (1 if none)
    plain_digits: bool = False  # one digit token without separators or scale: may be a year, day or time
    approx: bool = False  # "een tiental"
    article_one: bool = False  # "een" read as 1: only valid as the start of a range ("een of twee")


@dataclass
class _Core:
    start: int
    end: int
    value: int | None = None
    low: int | None = None
    high: int | None = None
    vague: str | None = None
    exact: bool = True
    approx: bool = False
    skip: bool = False  # consumed but no amount (a year, a date, a time)


class _Scanner:
    def __init__(self, lex: NumberLexicon, text: str) -> None:
        self.lex = lex
        self.text = text
        toks = tokenize(text)
        self.starts = [t[0] for t in toks]
        self.ends = [t[1] for t in toks]
        self.norms = [t[2] for t in toks]
        self.n = len(toks)

    # helpers ---------------------------------------------------------------------------------------------------

    def _is_numberish(self, k: int, article: bool = True) -> bool:
        if k >= self.n:
            return False
        word = self.norms[k]
        if word in self.lex.article:
            return article
        return word[0].isdigit() or self.lex.word_value(word) is not None

    def _glued(self, k: int, before_side: bool = True, after_side: bool = True) -> bool:
        """Part of a code or compound: Covid-19, MH17, 5e, 21ste, 20-jarige, vijftig-plussers, 24/7, '90."""
        text, start, end = self.text, self.starts[k], self.ends[k]
        if start > 0 and before_side:
            before = text[start - 1]
            if before.isalpha() or before in "_'’":
                return True
            if before in "-/" and start > 1 and text[start - 2].isalnum():
                return True
        if end < len(text) and after_side:
            after = text[end]
            if after.isalpha() or after == "_":
                return True
            if after in "-/" and end + 1 < len(text) and (text[end + 1].isalpha() or after == "/"):
                return True
        return False

    def _sub(self, a: int, b: int) -> str:
        return self.text[self.starts[a]:self.ends[b - 1]]

    # amounts ---------------------------------------------------------------------------------------------------

    def _digits(self, k: int) -> _Amount | None:
        word = self.norms[k]
        if _THOUSANDS.fullmatch(word):
            value = Fraction(re.sub(r"[.\u00a0\u202f\u2009]", "", word).replace(",", "."))
            plain = False
        elif _POINT_DECIMAL.fullmatch(word) and self.lex.scale_at(self.norms, k + 1) is not None:
            value = Fraction(word)
            plain = False
        elif _PLAIN.fullmatch(word):
            if len(word) > 1 and word[0] == "0" and not word.startswith("0,"):
                return None  # phone numbers, codes
            value = Fraction(word.replace(",", "."))
            plain = "," not in word
        else:
            return None
        scaled = self.lex.scale_at(self.norms, k + 1)
        if scaled is not None:
            scale, end = scaled
            return _Amount(k, end, value * scale, value, scale)
        if plain and self._tal_after(k + 1):
            return _Amount(k, k + 3, value, value, 1, approx=True)  # "een 20-tal" (Flemish): about 20
        if "," in word and len(word.split(",")[1]) == 3:
            return None  # "2,000": an English thousands comma or a decimal; too ambiguous without a scale
        return _Amount(k, k + 1, value, value, 1, plain_digits=plain)

    def _tal_after(self, k: int) -> bool:
        """A hyphen and the approximation suffix follow: "20-tal"."""
        suffix = self.lex.tal_suffix
        return bool(suffix) and k + 1 < self.n and self.norms[k] == "-" and self.norms[k + 1] == suffix \
            and self.ends[k] == self.starts[k + 1] and self.starts[k] == self.ends[k - 1]

    def _words(self, k: int) -> _Amount | None:
        lex, norms = self.lex, self.norms
        word = norms[k]
        # een / article: "een miljoen", "een half miljoen", "een tiental", "een of twee"
        if word in lex.article:
            nxt = norms[k + 1] if k + 1 < self.n else ""
            if nxt in lex.article_fractions:
                scaled = lex.scale_at(norms, k + 2)
                if scaled is not None:
                    frac = lex.article_fractions[nxt]
                    return _Amount(k, scaled[1], frac * scaled[0], frac, scaled[0])
                return None
            tal = lex.tal_word(nxt) if nxt else None
            if tal is not None:
                return _Amount(k, k + 2, Fraction(tal), Fraction(tal), 1, approx=True)
            if nxt.isdigit() and self._tal_after(k + 2):
                return _Amount(k, k + 4, Fraction(nxt), Fraction(nxt), 1, approx=True)  # "een 20-tal"
            if nxt in lex.scales:
                return self._word_sequence(k, Fraction(1))
            if lex.range_links.match(norms, k + 1) is not None:
                return _Amount(k, k + 1, Fraction(1), Fraction(1), 1, article_one=True)
            return None
        half = lex.half_word(word)
        if half is not None:
            scaled = lex.scale_at(norms, k + 1)
            if scaled is None:
                return _Amount(k, k + 1, half, half, 1)
            return _Amount(k, scaled[1], half * scaled[0], half, scaled[0])
        tal = lex.tal_word(word)
        if tal is not None:
            return _Amount(k, k + 1, Fraction(tal), Fraction(tal), 1, approx=True)
        value = lex.word_value(word)
        if value is None:
            return None
        return self._word_sequence(k, None)

    def _word_sequence(self, k: int, first: Fraction | None) -> _Amount:
        """Number words and separate scale words: "twee miljoen vijfhonderdduizend", "twee en een half miljoen"."""
        lex, norms = self.lex, self.norms
        total = Fraction(0)
        current: Fraction | None = first
        last_scale = math.inf
        trailing = 1
        head = Fraction(0)
        j = k + 1 if first is not None else k
        while j < self.n:
            word = norms[j]
            if current is not None:
                half = lex.and_half.match(norms, j)
                if half is not None:
                    scaled = lex.scale_at(norms, half[0])
                    if scaled is not None and scaled[0] < last_scale:
                        current += half[1]
                        j = half[0]
                        continue
                scaled = lex.scale_at(norms, j)
                if scaled is not None and scaled[0] < last_scale and current < scaled[0]:
                    if scaled[0] < 1000:
                        current *= scaled[0]
                        head, trailing = current / scaled[0], scaled[0]
                    else:
                        total += current * scaled[0]
                        head, trailing = current, scaled[0]
                        last_scale = scaled[0]
                        current = None
                    j = scaled[1]
                    continue
                # "tweeduizend driehonderd": Dutch spelling puts a space after "duizend"
                value = None if word in lex.article else lex.word_value(word)
                if value is not None and current >= 1000 and current % 1000 == 0 and value < 1000 \
                        and current < last_scale:
                    current += value
                    trailing, head = 1, current
                    j += 1
                    continue
                break
            value = None if word in lex.article else lex.word_value(word)
            if value is None or value >= last_scale:
                break
            current = Fraction(value)
            trailing, head = 1, current
            j += 1
        if current is not None:
            total += current
        if trailing == 1:
            head = total
        return _Amount(k, j, total, head, trailing)

    def _amount(self, k: int) -> _Amount | None:
        if k >= self.n:
            return None
        if self.norms[k][0].isdigit():
            return self._digits(k)
        return self._words(k)

    # skips -----------------------------------------------------------------------------------------------------

    def _is_year(self, amount: _Amount) -> bool:
        if not amount.plain_digits or len(self.norms[amount.start]) != 4:
            return False
        if not self.lex.first_year <= amount.value <= self.lex.last_year:
            return False
        k = amount.start
        return k > 0 and (self.norms[k - 1] in self.lex.months or self.lex.year_cues.ends_at(self.norms, k))

    def _skip_reason(self, amount: _Amount) -> int | None:
        """End index to skip to when the amount at hand is no amount (a year, a day, a code); else None."""
        lex, norms, k = self.lex, self.norms, amount.start
        last = amount.end - 1
        tal = amount.approx and norms[k][0].isdigit()  # "20-tal": the suffix is part of the amount
        if self._glued(k, after_side=not tal) \
                or (last != k and norms[last] != "." and self._glued(last, before_side=False)):
            return amount.end
        if k > 0 and norms[k - 1] in lex.rate_cues:
            return amount.end  # "per 100.000 inwoners": the denominator of a rate
        if norms[k][0].isdigit():
            if k > 0 and (norms[k - 1] in lex.label_cues
                          or (norms[k - 1] == "." and k > 1 and norms[k - 2] in lex.label_cues)):
                return k + 1
            if amount.plain_digits and k > 0 and self._street(k - 1):
                return amount.end  # "Kerkstraat 12"
            # 3-1-2022, 2022-01-05
            if (k + 4 < self.n and norms[k + 1] in ("-", "/") and norms[k + 3] == norms[k + 1]
                    and norms[k + 2].isdigit() and norms[k + 4].isdigit()):
                return k + 5
        if amount.plain_digits:
            if self._is_year(amount):
                return amount.end
            if (amount.value <= 24 and k > 0 and norms[k - 1] in lex.clock_before
                    and amount.end < self.n and norms[amount.end] in lex.clock_after):
                return amount.end + 1
        # a ratio: "één op de vijf", "1 op 3"
        ratio = lex.ratio_links.match(norms, amount.end)
        if ratio is not None and self._is_numberish(ratio[0], article=False):
            return ratio[0] + 1
        for idiom in lex.idioms:
            if norms[k] in idiom:
                pos = idiom.index(norms[k])
                if k - pos >= 0 and tuple(norms[k - pos:k - pos + len(idiom)]) == idiom:
                    return amount.end
        return None

    def _street(self, k: int) -> bool:
        """A capitalised street name ends at token ``k`` ("Kerkstraat", "Grote Markt"): a house number follows."""
        word = self.norms[k]
        return (self.text[self.starts[k]].isupper() and len(word) > 3
                and any(word.endswith(suffix) for suffix in self.lex.street_suffixes))

    def _ratio_before(self, k: int) -> bool:
        for back in (1, 2):
            j = k - back
            if j <= 0:
                continue
            hit = self.lex.ratio_links.match(self.norms, j)
            if hit is not None and hit[0] == k and self._is_numberish(j - 1):
                return True
        return False

    def _month_after(self, end: int) -> bool:
        """A month name follows, maybe after more day numbers: "3 januari", "3 en 4 januari", "3, 4 en 5 mei"."""
        norms = self.norms
        while end + 1 < self.n and norms[end] in self.lex.day_list_links and norms[end + 1].isdigit() \
                and len(norms[end + 1]) <= 2:
            end += 2
        return end < self.n and norms[end] in self.lex.months

    # cores -----------------------------------------------------------------------------------------------------

    def _vague(self, k: int) -> _Core | None:
        lex, norms = self.lex, self.norms
        hit = lex.vague.match(norms, k)
        if hit is None:
            return None
        end, word = hit
        assert isinstance(word, VagueWord)
        if word.kind == "count" and k > 0 and self._is_numberish(k - 1, article=False):
            return None  # "twee verschillende daders": an adjective after a number, no amount of its own
        value, low, high = word.value, word.low, word.high
        if word.kind == "count":
            nxt = lex.vague.match(norms, end)
            if nxt is not None and nxt[1].kind == "magnitude":  # "enkele honderden"
                mag: VagueWord = nxt[1]
                end, value, low, high = nxt[0], mag.value, mag.low, mag.high
                word = mag
            else:
                scaled = lex.scale_at(norms, end)
                if scaled is not None and scaled[0] >= 10:  # "een paar honderd", "enkele duizend"
                    scale, end = scaled
                    value = scale
                    low = None if low is None else low * scale
                    high = None if high is None else high * scale
        if word.kind == "magnitude":
            # "tientallen duizenden", "honderden miljoenen": multiply by the next magnitude or scale
            while True:
                nxt = lex.vague.match(norms, end)
                factor: int | None = None
                if nxt is not None and nxt[1].kind == "magnitude" and nxt[1].base:
                    factor, new_end = nxt[1].base, nxt[0]
                else:
                    scaled = lex.scale_at(norms, end)
                    if scaled is not None and scaled[0] >= 1000:
                        factor, new_end = scaled
                if factor is None:
                    break
                value *= factor
                low = None if low is None else low * factor
                high = None if high is None else (high + 1) * factor - 1
                end = new_end
        return _Core(k, end, value, low, high, vague=_norm(self._sub(k, end)), exact=False)

    def _range_tail(self, first: _Core, link_at: int) -> _Core | None:
        """"20 tot 30", "honderden tot duizenden" after ``first``; None when no range follows."""
        lex, norms = self.lex, self.norms
        link = lex.range_links.match(norms, link_at)
        if link is None:
            return None
        second = self._vague(link[0]) if first.vague else None
        if second is not None and first.low is not None and second.high is not None:
            # "honderden of een paar", "honderden of tientallen": written high to low, the range still runs
            # from the smaller end to the larger, and the coded value is the smaller side's (ACLED: conservative).
            low = min(first.low, second.low if second.low is not None else first.low)
            high = max(second.high, first.high if first.high is not None else second.high)
            smaller = second if second.low is not None and second.low < first.low else first
            return _Core(first.start, second.end, smaller.value, low, high,
                         vague=_norm(self._sub(first.start, second.end)), exact=False)
        return None

    def _core(self, k: int) -> _Core | None:
        lex, norms = self.lex, self.norms
        # tussen (de) 20 en 30
        between = lex.between.match(norms, k)
        if between is not None:
            a = self._amount(between[0])
            if a is not None and not a.article_one:
                link = lex.between_and.match(norms, a.end)
                b = self._amount(link[0]) if link is not None else None
                if b is not None and b.value > a.value:
                    a_value = self._shared_scale(a, b)
                    if a_value.denominator == 1 and b.value.denominator == 1:
                        if self._month_after(b.end) or self._years(a, b):
                            return _Core(k, b.end, skip=True)
                        return _Core(k, b.end, int(a_value), int(a_value), int(b.value), exact=False)
            return None
        vague = self._vague(k)
        if vague is not None:
            return self._range_tail(vague, vague.end) or vague
        a = self._amount(k)
        if a is None:
            return None
        skip = self._skip_reason(a)
        if skip is not None:
            return _Core(k, skip, skip=True)
        if self._ratio_before(k):
            return _Core(k, a.end, skip=True)
        # a range: "20 tot 30", "twee- of driehonderd", "2 à 3 miljoen"
        link_at = a.end
        hyphen_elided = False
        if link_at < self.n and norms[link_at] in lex.hyphens and link_at + 1 < self.n \
                and lex.range_links.match(norms, link_at + 1) is not None:
            hyphen_elided, link_at = True, link_at + 1  # "twee- of driehonderd"
        link = lex.range_links.match(norms, link_at)
        if link is not None:
            b = self._amount(link[0])
            if b is not None and not b.article_one:
                is_hyphen = link[1] in lex.hyphens
                a_value = self._shared_scale(a, b, elided=hyphen_elided)
                if link[1] in lex.elision_links:
                    a_value = self._elided_digits(a, b, a_value)
                ok = b.value > a_value and (not is_hyphen or a_value >= 10)
                if self._years(a, b) or (self._month_after(b.end) and b.value <= 31):
                    return _Core(k, b.end, skip=True)  # "2014 tot 2016", "3 tot 5 januari"
                if ok and a_value.denominator == 1 and b.value.denominator == 1:
                    return _Core(k, b.end, int(a_value), int(a_value), int(b.value), exact=False)
                if is_hyphen and a.plain_digits and b.plain_digits:
                    return _Core(k, b.end, skip=True)  # a score or code: "2-1"
        if a.article_one:
            return None
        if self._month_after(a.end):
            return _Core(k, a.end, skip=True)  # "3 januari"
        if a.value.denominator != 1:
            return _Core(k, a.end, skip=True)
        value = int(a.value)
        return _Core(k, a.end, value, value, value, approx=a.approx)

    def _years(self, a: _Amount, b: _Amount) -> bool:
        """Two plain four-digit numbers close together read as years: "tussen 2014 en 2016"."""
        norms, lex = self.norms, self.lex
        return (a.plain_digits and b.plain_digits and len(norms[a.start]) == 4 == len(norms[b.start])
                and lex.first_year <= a.value < b.value <= lex.last_year and b.value - a.value <= 50)

    def _elided_digits(self, a: _Amount, b: _Amount, a_value: Fraction) -> Fraction:
        """"2 à 300" is 200..300 and "20 à 30.000" 20,000..30,000: the first number drops the zeros."""
        if not (a.plain_digits and a.scale == 1 and b.scale == 1 and b.value.denominator == 1):
            return a_value
        head, zeros, width = int(b.value), 0, len(str(int(a.value)))
        while head % 10 == 0 and head > 0 and len(str(head)) > width:
            head, zeros = head // 10, zeros + 1
        # at least two zeros: "2 à 30" stays 2..30
        if zeros >= 2 and len(str(head)) == width and a.value < head:
            factor: int = 10**zeros
            return a.value * factor
        return a_value

    def _shared_scale(self, a: _Amount, b: _Amount, elided: bool = False) -> Fraction:
        """"twee- of driehonderd" and "2 à 3 miljoen": the first number borrows the second one's scale."""
        if a.scale != 1:
            return a.value
        scale = b.scale
        head = b.head
        if scale == 1 and not b.plain_digits:
            split = self.lex.split_scale(self.norms[b.end - 1]) if b.end - b.start == 1 else None
            if split is not None:
                head, scale = Fraction(split[0]), split[1]
        if scale > 1 and (elided or a.value < head) and a.value * scale < b.value:
            return a.value * scale
        return a.value

    # qualifiers ------------------------------------------------------------------------------------------------

    def _apply(self, qualifier: str | None, core: _Core) -> tuple[int | None, int | None, str | None]:
        low, high, lex = core.low, core.high, self.lex
        if core.approx and qualifier in (None, "about"):
            qualifier = "about"
            spread = lex.tal_spread
        else:
            spread = lex.about_spread
        if qualifier is None or low is None:
            return low, high, qualifier
        exact = core.exact and low == high
        if qualifier == "at_least":
            return low, None, qualifier
        if qualifier == "more_than":
            return (low + 1 if exact else low), None, qualifier
        if qualifier == "about":
            return (math.floor(low * (1 - spread)), None if high is None else math.ceil(high * (1 + spread)),
                    qualifier)
        if qualifier == "almost":
            if exact:
                return min(low - 1, math.floor(low * (1 - lex.almost_spread))), low - 1, qualifier
            return low, high, qualifier
        if qualifier == "up_to":
            return None, high, qualifier
        if qualifier == "fewer_than":
            return None, (low - 1 if exact else low), qualifier
        return low, high, qualifier

    # main ------------------------------------------------------------------------------------------------------

    def match_at(self, i: int) -> tuple[Quantity | None, int] | None:
        lex, norms = self.lex, self.norms
        j = i
        qualifier: str | None = None
        hit = lex.qualifiers.match(norms, j)
        if hit is not None:
            j, qualifier = hit
        unit: str | None = None
        before = lex.units_before.match(norms, j)
        if before is not None and before[0] < self.n and (self._is_numberish(before[0])
                                                           or norms[before[0]] in lex.vague):
            j, unit = before
        core = self._core(j)
        if core is None:
            return None
        if core.skip:
            return None, core.end
        end = core.end
        if unit is None:
            after = lex.units_after.match(norms, end)
            if after is not None:
                end, unit = after
        low, high, qualifier = self._apply(qualifier, core)
        start = self.starts[i]
        stop = self.ends[end - 1]
        quantity = Quantity(
            start=start, end=stop, text=self.text[start:stop], value=core.value, low=low, high=high,
            vague=core.vague, qualifier=qualifier, number_text=self._sub(core.start, core.end), unit=unit,
        )
        return quantity, end

    def scan(self) -> list[Quantity]:
        out: list[Quantity] = []
        can_start, norms = self.lex.can_start, self.norms
        i = 0
        while i < self.n:
            if not can_start(norms[i]):
                i += 1
                continue
            found = self.match_at(i)
            if found is None:
                i += 1
                continue
            quantity, nxt = found
            if quantity is not None:
                out.append(quantity)
            i = max(nxt, i + 1)
        return out


def find_quantities(text: str, language: str = "nl") -> list[Quantity]:
    """Every amount in ``text``, left to right, with offsets into ``text`` itself."""
    return _Scanner(load_number_lexicon(language), text).scan()


def parse_quantity(phrase: str, language: str = "nl") -> Quantity | None:
    """The amount in a short phrase ("zeker acht", "tientallen"); the longest one if there are several."""
    found = find_quantities(phrase, language)
    return max(found, key=lambda q: q.end - q.start) if found else None


def word_to_int(word: str, language: str = "nl") -> int | None:
    """A single cardinal word as a number ("vijf" 5, "drieëntwintig" 23); None for anything else."""
    return load_number_lexicon(language).word_value(_norm(word))
