"""Dutch inflection of lexicon entries: every surface form of a verb or noun lemma, by the rules of the grammar.

The trigger lexicon (``extract/nl/triggers.toml``) is written in lemmas; this module spells out their forms so
that matching works on plain tokens (``deep = "none"``, the triage screen) as well as on Frog's lemmas. It
knows the regular conjugation (stem from the infinitive, vowel doubling in an open syllable, consonant
simplification, v/z devoicing, 't kofschip for -te/-de and -t/-d), the strong and irregular verbs of
``analyse/nl/strong_verbs.tsv``, inseparable prefixes (no ge- in the participle) and separable particles
("neer|schieten": "neerschieten", "neergeschoten", "neerschoot" fused; "schoot" with "neer" later in the clause
split). Nouns get their plurals (-en with doubling or undoubling, -s after an unstressed ending or a vowel; an
entry may give its own). The rules are Dutch grammar, not data from any corpus.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

VOWELS = frozenset("aeiouyáéíóúàèäëïöüâêîôû")
# Longest first. "over", "onder", "door", "om", "voor", "achter" are inseparable when the lexicon does not mark
# them as a separable particle ("overlijden", "omsingelen", but "om|brengen").
INSEPARABLE = ("achter", "onder", "over", "door", "voor", "her", "ont", "ver", "mis", "be", "ge", "er", "om")
KOFSCHIP = ("t", "k", "f", "s", "ch", "p", "x", "sh")


@dataclass(frozen=True)
class StrongVerb:
    past_singular: str
    past_plural: str
    participle: str
    present: str = ""  # an irregular present stem ("sla", "kom")
    third_person: str = ""  # an irregular third person singular ("heeft", "is")


@cache
def strong_verbs() -> dict[str, StrongVerb]:
    text = resources.files("kroniek.analyse.nl").joinpath("strong_verbs.tsv").read_text(encoding="utf-8")
    table: dict[str, StrongVerb] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        infinitive, singular, plural, participle, *rest = line.split("\t")
        present, _, third = (rest[0] if rest else "").partition("|")
        table[infinitive] = StrongVerb(singular, plural, "" if participle == "-" else participle, present, third)
    return table


def _vowel_groups(text: str) -> int:
    groups, previous = 0, False
    for char in text:
        vowel = char in VOWELS
        if vowel and not previous:
            groups += 1
        previous = vowel
    return groups


def split_prefix(verb: str) -> tuple[str, str]:
    """("ver", "moorden") for "vermoorden"; ("", verb) when the verb has no inseparable prefix. A prefix counts
    only before a remainder that is itself a verb: a strong one ("ontslaan") or a word of two syllables
    ("geven", "beven" have none)."""
    for prefix in INSEPARABLE:
        rest = verb[len(prefix):]
        if verb.startswith(prefix) and len(rest) >= 4 and rest[0] not in "ëï" \
                and (rest in strong_verbs() or _vowel_groups(rest) >= 2):
            return prefix, rest
    return "", verb


def _unstressed_ending(root: str) -> bool:
    """Whether the stem ends in a schwa syllable (-el, -er, -en, -em: "handel", "plunder", "verover"), which keeps
    its single vowel, rather than a stressed one ("molesteer", "speel"). Loan verbs in -eren stress the ending and
    have two syllables before it ("arresteren", "demonstreren"); a native stem has one ("plunderen", "legeren").
    The few loans with one ("blokkeren", "citeren") give their stem in the lexicon."""
    if len(root) < 3 or root[-1] not in "lrnm" or root[-2] != "e" or root[-3] in VOWELS:
        return False
    groups = _vowel_groups(root[:-2])
    if root[-1] == "r":
        return groups == 1
    return groups >= 1


def weak_stem(infinitive: str) -> tuple[str, str]:
    """The present stem of a regular verb and the consonant that decides -te/-de (before devoicing):
    ("leef", "v") for "leven", ("pak", "k") for "pakken", ("molesteer", "r") for "molesteren"."""
    prefix, root = split_prefix(infinitive)
    if root.endswith("en"):
        root = root[:-2]
    elif root.endswith("n"):
        root = root[:-1]
    if len(root) >= 2 and root[-1] == root[-2] and root[-1] not in VOWELS:
        root = root[:-1]  # pakk -> pak
        return prefix + root, root[-1]
    deciding = root[-1] if root else ""
    if root.endswith("ch"):
        deciding = "ch"
    if _unstressed_ending(root):
        return prefix + root, deciding
    if len(root) >= 4 and root.endswith("er") and root[-3] in "uiëï" and root[-4] not in VOWELS:
        return prefix + root[:-1] + "er", deciding  # evacueren -> evacueer, kopiëren -> kopieer
    # a single vowel before a single final consonant was long in the open syllable: lop -> loop, betog -> betoog
    if (len(root) >= 2 and root[-1] not in VOWELS and root[-2] in "aeou"
            and (len(root) == 2 or root[-3] not in VOWELS)):
        root = root[:-1] + root[-2] + root[-1]
    if root.endswith("v"):
        root = root[:-1] + "f"
    elif root.endswith("z"):
        root = root[:-1] + "s"
    return prefix + root, deciding


@dataclass(frozen=True)
class VerbForms:
    lemma: str  # "neerschieten"
    particle: str  # "neer"; "" for a verb without a separable particle
    finite: frozenset[str]  # forms of the base that can stand apart from the particle: "schiet", "schoot"
    participles: frozenset[str]  # of the base: "geschoten" ("beschoten" for a prefixed verb)
    infinitive: str  # of the base: "schieten"
    fused: frozenset[str]  # one-word forms of the whole verb: "neerschieten", "neergeschoten", "neerschoot"

    @property
    def all_forms(self) -> frozenset[str]:
        """Every one-word form that is the verb by itself (fused forms; for a verb without a particle, all)."""
        return self.fused


def _with_agreement(participles: set[str]) -> set[str]:
    """Attributive and nominal forms of participles: "gearresteerde", "de gewonden", "vastgezette"."""
    out = set(participles)
    for form in participles:
        if form.endswith("en"):
            out.add(form + "e")
            continue
        if len(form) >= 3 and form[-1] not in VOWELS and form[-2] in "aeiou" and form[-3] not in VOWELS:
            form += form[-1]  # gezet -> gezette
        out |= {form + "e", form + "en"}
    return out


def conjugate(lemma: str, stem: str | None = None) -> VerbForms:
    """All forms of ``lemma``, written with its separable particle marked ("neer|schieten", "aan|vallen");
    ``stem`` overrides the present stem of a regular verb the rules get wrong."""
    particle, _, base = lemma.rpartition("|")
    table = strong_verbs()
    prefix, root = split_prefix(base)
    strong = table.get(base)
    if strong is None and prefix and root in table:
        known = table[root]
        participle = known.participle
        if participle.startswith("ge"):
            participle = participle[2:]
        strong = StrongVerb(prefix + known.past_singular, prefix + known.past_plural, prefix + participle,
                            prefix + known.present if known.present else "",
                            prefix + known.third_person if known.third_person else "")
        prefix = ""
    finite: set[str] = {base}  # the infinitive is also the present plural
    participles: set[str] = set()
    if strong is not None and stem is None:
        present = strong.present or weak_stem(base)[0]
        third = strong.third_person or (present if present.endswith("t") else present + "t")
        finite |= {present, third, strong.past_singular, strong.past_plural}
        if strong.participle:
            participles.add(strong.participle)
    else:
        present, deciding = weak_stem(base)
        if stem is not None:
            present, deciding = stem, stem[-1]
        voiceless = deciding in KOFSCHIP or (present.endswith(KOFSCHIP) and deciding not in ("v", "z"))
        suffix = "t" if voiceless else "d"
        finite |= {present, present if present.endswith("t") else present + "t",
                   present + suffix + "e", present + suffix + "en"}
        has_prefix = split_prefix(base)[0] != ""
        ending = "" if present.endswith(("t", "d")) else suffix
        if has_prefix:
            participles.add(present + ending)
        else:
            participles.add("ge" + present + ending)
            if present[0] in "eiu":  # geëxecuteerd, geïnterneerd (and the spelling without the diaeresis)
                participles.add("ge" + {"e": "ë", "i": "ï", "u": "ü"}[present[0]] + present[1:] + ending)
    participles = _with_agreement(participles)
    if particle:
        fused = {particle + form for form in finite} | {particle + form for form in participles}
        fused.add(particle + base)
    else:
        fused = finite | participles
    return VerbForms(particle + base, particle, frozenset(finite), frozenset(participles), base, frozenset(fused))


def pluralise(noun: str) -> set[str]:
    """The regular plural(s) of a noun: -en after a stressed syllable (with consonant doubling after a short vowel,
    undoubling of a long one), -s after an unstressed ending or a vowel. Candidates that are not words do no
    harm: they never occur in text."""
    unstressed = noun.endswith(("el", "em", "er", "en")) and _vowel_groups(noun[:-2]) >= 1 \
        and noun[-3] not in VOWELS
    if unstressed and noun.endswith("el"):
        return {noun + "s", noun + "en"}  # regels, regelen
    if unstressed or noun.endswith(("je", "ie", "é", "o", "a", "u", "i", "y")):
        return {noun + "s"}
    if noun.endswith("e"):
        return {noun + "s", noun + "n"}
    if noun.endswith(("ing", "heid")):
        return {noun[:-3] + "heden"} if noun.endswith("heid") else {noun + "en"}
    last = noun[-1]
    if len(noun) >= 3 and last not in VOWELS and noun[-2] in VOWELS and noun[-3] not in VOWELS \
            and noun[-2] in "aeiou":
        return {noun + last + "en", noun + "en"}  # aanval -> aanvallen, rel -> rellen; but aanslag -> aanslagen
    if len(noun) >= 3 and last not in VOWELS and noun[-2] == noun[-3] and noun[-2] in "aeou":
        stem = noun[:-2] + last
        if last == "f":
            stem = stem[:-1] + "v"
        elif last == "s":
            stem = stem[:-1] + "z"
        return {stem + "en", noun[:-2] + last + "en"}  # straat -> straten
    return {noun + "en"}


def noun_forms(noun: str, plural: list[str] | None = None) -> frozenset[str]:
    """The singular, its plurals and the diminutive-free forms a trigger noun is found in."""
    forms = {noun}
    forms |= set(plural) if plural is not None else pluralise(noun)
    return frozenset(forms)
