"""The literal screen in front of the extract stage's patterns never changes an answer: every pattern that matches
a text is among the ones the screen lets through, for the lexicon's own patterns and for hand-made edge cases."""

from __future__ import annotations

import random
import re
import string

import pytest

from kroniek.analyse.entities import _cue, load_resources
from kroniek.analyse.numbers import _Scanner, load_number_lexicon
from kroniek.extract.cues import _patterns, needs_deep
from kroniek.extract.lexicon import lexicon
from kroniek.extract.screen import ASCII_TWINS, Screen, fold, required_literals
from kroniek.extract.triggers import match_text

SENTENCES = [
    "Bij een aanslag in Kabul zijn zeker tien mensen omgekomen.",
    "De politie arresteerde zaterdag 23 betogers in Den Haag.",
    "Honderden demonstranten trokken door het centrum van Utrecht.",
    "De vergadering van de gemeenteraad begint om 20.00 uur.",
    "Het kabinet is afgetreden na het rapport over de toeslagen.",
    "Relschoppers staken auto's in brand en bestormden het stadhuis.",
    "DE POLITIE SCHOOT OP DE MENIGTE; TIENTALLEN GEWONDEN.",
    "Bij de ſchietpartij vielen drie doden.",  # a long s: re.IGNORECASE reads it as "s"
    "Rebellen veroverden het vliegveld van Goma; het leger heroverde het later.",
    "Geëvacueerd: 4.000 inwoners van het dorp, meldt persbureau ANP.",
    "",
    "a",
]


def _truth(patterns: list[re.Pattern[str]], text: str) -> set[int]:
    return {i for i, pattern in enumerate(patterns) if pattern.search(text)}


def test_ascii_twins_are_all_the_non_ascii_letters_ignorecase_adds() -> None:
    # Every character outside ASCII that some ASCII character matches under re.IGNORECASE.
    text = "".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c < 0xE000)
    found = {ch for ch in re.findall(r"(?i)[\x00-\x7f]", text)}
    assert found == set(ASCII_TWINS)
    for twin, letter in ASCII_TWINS.items():
        assert re.fullmatch("(?i)" + letter, twin)


def test_required_literals_of_simple_patterns() -> None:
    assert required_literals(re.compile(r"(?<!\w)(?:\w*aanval(?:len|s)?\b|mesaanval\w*)", re.I)) == \
        frozenset({"aanval", "mesaanval"})
    assert required_literals(re.compile(r"(?<!\w)protest(?!ant)en", re.I)) == frozenset({"protesten"})
    assert required_literals(re.compile(r"(?:\d+|\w+) (?:jaar|maanden) cel", re.I)) is not None
    assert required_literals(re.compile(r"\w+")) is None  # nothing literal: always run
    assert required_literals(re.compile(r"(?:brand|ab)")) is None  # a literal too short to index


@pytest.mark.parametrize("group", ["figures", "actors"])
def test_screen_never_hides_a_match(group: str) -> None:
    lex = lexicon("nl")
    patterns = {"figures": list(_patterns("nl")), "actors": [a.pattern for a in lex.actors]}[group]
    screen = Screen(patterns)
    rng = random.Random(7)
    literals = sorted({lit for p in patterns for lit in (required_literals(p) or ())})
    texts = list(SENTENCES)
    for _ in range(300):  # literals cut, joined, cased and mixed with twins and punctuation
        parts = [rng.choice(literals) for _ in range(rng.randint(1, 4))]
        text = rng.choice([" ", "-", "", ", "]).join(parts)
        text = "".join(ch.upper() if rng.random() < 0.3 else ch for ch in text)
        text = text.replace("s", rng.choice(["s", "ſ", "S"])).replace("k", rng.choice(["k", "\u212a"]))
        texts.append(rng.choice(string.ascii_letters) + text[rng.randint(0, 2):] + rng.choice([".", " X", ""]))
    for text in texts:
        assert _truth(patterns, text) <= screen.possible(text), text


def test_needs_deep_is_the_full_test() -> None:
    patterns = _patterns("nl")
    for text in SENTENCES:
        assert needs_deep(text) == (any(p.search(text) for p in patterns) or bool(match_text(text)))


def test_fold() -> None:
    assert fold("De ſtad KOMT") == "de stad komt"
    assert fold("\u0130stanbul") == "istanbul"


def test_number_scanner_skips_only_tokens_where_nothing_starts() -> None:
    lex = load_number_lexicon("nl")
    text = ("Zeker tientallen, misschien wel een paar honderd mensen; tussen de 20 en 30 agenten, ruim 2.000 euro, "
            "vijfentwintig doden en anderhalf miljoen dollar op 3 januari 2022 om 10.30 uur, een tiental gewonden.")
    scanner = _Scanner(lex, text)
    for i in range(scanner.n):
        if not lex.can_start(scanner.norms[i]):
            assert scanner.match_at(i) is None, scanner.norms[i]


def test_compound_cue_is_the_longest_cue_as_before() -> None:
    res = load_resources("nl")
    groups = (("PER", res.person_cues), ("ORG", res.organisation_cues), ("LOC", res.location_cues))
    direct = res.person_cues | res.organisation_cues | res.location_cues | res.location_prepositions \
        | res.speech_verbs
    words = {head + cue for _label, cues in groups for cue in cues for head in ("abc", "xyzwv", "ge")
             if cue.isalpha()}
    checked = 0
    for word in sorted(words - direct):
        best = ("", 0)  # the former loop over every cue
        for label, cues in groups:
            for cue in cues:
                if len(cue) >= 4 and len(word) - len(cue) >= 3 and word.endswith(cue) and len(cue) > best[1]:
                    best = (label, len(cue))
        label, _weight, _role = _cue(word, "", res)
        if best[0]:
            assert label == best[0], word
            checked += 1
    assert checked > 100
